// Reverse-mode AD over the structured IR.
//
// Structure of the generated function:
//   forward:  a copy of the original body; every `for` with carried values
//             also stores them, per iteration, into a tape buffer; every
//             active buffer gets a zeroed adjoint buffer beside it.
//   reverse:  the ops walked backwards. A pure op adds a * df/dx to each active
//             operand's adjoint (derivative_rules.cpp); a load adds into the
//             adjoint buffer, a store moves the adjoint buffer's entry out. A
//             `for` becomes a loop counting down whose body recomputes the
//             forward body (carried values read back from the tape) and then
//             runs its reverse; the adjoints of values from outside the loop
//             are carried through it. An `if` becomes an `if` on the same
//             condition whose branches recompute and reverse theirs.
// Stores in recomputed bodies are skipped when their buffer lives outside the
// region: the forward pass already wrote it (buffers are written once).
#include "ir/ad/reverse_mode.h"

#include <unordered_map>
#include <unordered_set>

#include "ir/ad/derivative_rules.h"
#include "ir/builder.h"

namespace vic::ir {
namespace {

// Which values and buffers depend on the parameters.
class Activity {
 public:
  explicit Activity(const Function& f) {
    active_.insert(f.arg(0));
    bool changed = true;
    while (changed) {
      changed = false;
      visit(f.body, changed);
    }
  }
  bool active(const Value* v) const { return active_.count(v) != 0; }

 private:
  void mark(const Value* v, bool& changed) {
    if (v->type != Type::F64 && v->type != Type::BufF64) return;
    if (active_.insert(v).second) changed = true;
  }
  void visit(const Block& block, bool& changed) {
    for (const auto& op : block.ops) {
      switch (op->kind) {
        case OpKind::Load:
          if (active(op->operands[0])) mark(op->result(), changed);
          break;
        case OpKind::Store:
          if (active(op->operands[2])) mark(op->operands[0], changed);
          break;
        case OpKind::For: {
          const Block& body = op->region(0);
          const Op* yield = body.terminator();
          for (size_t k = 0; k < op->results.size(); ++k) {
            if (active(op->operands[k + 2]) || active(yield->operands[k])) {
              mark(body.args[k + 1], changed);
              mark(op->results[k], changed);
            }
          }
          visit(body, changed);
          break;
        }
        case OpKind::If:
          for (int r = 0; r < 2; ++r) {
            const Op* yield = op->region(r).terminator();
            for (size_t k = 0; k < op->results.size(); ++k)
              if (active(yield->operands[k])) mark(op->results[k], changed);
            visit(op->region(r), changed);
          }
          break;
        default:
          if (is_differentiable(op->kind) && op->results.size() == 1) {
            for (Value* x : op->operands)
              if (active(x)) mark(op->result(), changed);
          }
          break;
      }
    }
  }
  std::unordered_set<const Value*> active_;
};

// Where the generated code stands: the new value of each old value, the
// adjoint buffer of each active buffer, the tape of each loop, for one region
// of the generated function; lookups fall back to the enclosing scope.
struct Scope {
  explicit Scope(const Scope* parent = nullptr) : parent(parent) {}
  const Scope* parent;
  std::unordered_map<const Value*, Value*> values;
  std::unordered_map<const Value*, Value*> adjoint_buffers;
  std::unordered_map<const Op*, std::vector<Value*>> tapes;

  Value* value(const Value* v) const {
    for (const Scope* s = this; s; s = s->parent) {
      auto it = s->values.find(v);
      if (it != s->values.end()) return it->second;
    }
    VIC_UNREACHABLE() << "AD: no value for %" << v->id;
  }
  Value* adjoint_buffer(const Value* v) const {
    for (const Scope* s = this; s; s = s->parent) {
      auto it = s->adjoint_buffers.find(v);
      if (it != s->adjoint_buffers.end()) return it->second;
    }
    VIC_UNREACHABLE() << "AD: no adjoint buffer for %" << v->id;
  }
  const std::vector<Value*>& tape(const Op* loop) const {
    for (const Scope* s = this; s; s = s->parent) {
      auto it = s->tapes.find(loop);
      if (it != s->tapes.end()) return it->second;
    }
    VIC_UNREACHABLE() << "AD: no tape for a loop";
  }
};

// The adjoints of scalar values within one region of the reverse code.
using Adjoints = std::unordered_map<const Value*, Value*>;

class ReverseMode {
 public:
  ReverseMode(Program& program, const Function& source, Function& target)
      : program_(program), source_(source), target_(target), activity_(source) {}

  void run() {
    Builder b(target_, target_.body);
    Scope top;
    top.values[source_.arg(0)] = target_.arg(0);
    top.adjoint_buffers[source_.arg(0)] = target_.arg(1);
    const Op* ret = source_.body.terminator();
    VIC_CHECK(ret && ret->kind == OpKind::Return && ret->operands.size() == 1) << "AD needs a function returning one f64";
    forward(source_.body, b, top, nullptr);
    Adjoints adj;
    if (activity_.active(ret->operands[0])) adj[ret->operands[0]] = b.const_f64(1.0);
    reverse(source_.body, b, top, adj);
    b.ret({top.value(ret->operands[0])});
  }

 private:
  bool active(const Value* v) const { return activity_.active(v); }

  // Copies `src`'s ops into the builder's block. `region_root` is the op whose
  // region is being recomputed (null for the forward pass itself): stores to
  // buffers from outside it, checks and returns are then skipped.
  void forward(const Block& src, Builder& b, Scope& scope, const Block* region_root) {
    for (const auto& op_ptr : src.ops) {
      const Op& op = *op_ptr;
      b.set_loc(op.loc);
      switch (op.kind) {
        case OpKind::Return:
          continue;
        case OpKind::Yield:
          b.yield(values(op.operands, scope));
          continue;
        case OpKind::Check:
        case OpKind::RngCall:
          if (region_root) continue;
          break;
        case OpKind::Store:
          if (region_root && !defined_within(op.operands[0], region_root)) continue;
          break;
        case OpKind::For:
          forward_loop(op, b, scope, region_root);
          continue;
        case OpKind::If:
          forward_if(op, b, scope, region_root);
          continue;
        default:
          break;
      }
      Op* copy = copy_op(op, b, scope);
      if (op.kind == OpKind::Alloc && active(op.result())) {
        Value* adjoint = b.alloc(Type::F64, copy->operands[0], op.integer, "d_" + op.result()->hint);
        scope.adjoint_buffers[op.result()] = adjoint;
      }
    }
  }

  Op* copy_op(const Op& op, Builder& b, Scope& scope) {
    std::vector<Type> types;
    for (Value* r : op.results) types.push_back(r->type);
    Op* copy = b.append(op.kind, values(op.operands, scope), types);
    copy->number = op.number;
    copy->integer = op.integer;
    copy->name = op.name;
    for (size_t k = 0; k < op.results.size(); ++k) {
      copy->results[k]->hint = op.results[k]->hint;
      scope.values[op.results[k]] = copy->results[k];
    }
    return copy;
  }

  std::vector<Value*> values(const std::vector<Value*>& olds, const Scope& scope) {
    std::vector<Value*> out;
    for (Value* v : olds) out.push_back(scope.value(v));
    return out;
  }

  static bool defined_within(const Value* v, const Block* root) {
    const Block* block = v->def ? v->def->parent : v->owner;
    while (block) {
      if (block == root) return true;
      block = block->parent ? block->parent->parent : nullptr;
    }
    return false;
  }

  // The forward copy of a loop, storing its carried values per iteration.
  void forward_loop(const Op& op, Builder& b, Scope& scope, const Block* region_root) {
    Value* lo = scope.value(op.operands[0]);
    Value* hi = scope.value(op.operands[1]);
    std::vector<Value*> tapes;
    if (op.results.size() > 0) {
      Value* n = b.op(OpKind::ISub, {hi, lo});
      n = b.op(OpKind::Select, {b.cmp(CmpPredicate::Lt, n, b.const_i64(0)), b.const_i64(0), n});
      for (size_t k = 0; k < op.results.size(); ++k) {
        Type t = op.results[k]->type;
        VIC_CHECK(t == Type::F64 || t == Type::I64) << "AD: cannot tape a carried " << type_name(t);
        program_.checks.push_back({"out of memory: cannot allocate the gradient's record of this loop", op.loc});
        tapes.push_back(b.alloc(t, n, static_cast<int64_t>(program_.checks.size() - 1), "tape_" + op.results[k]->hint));
      }
    }
    std::vector<Value*> inits;
    for (size_t k = 2; k < op.operands.size(); ++k) inits.push_back(scope.value(op.operands[k]));
    Op* loop = b.create_for(lo, hi, inits, op.region(0).args[0]->hint);
    for (size_t k = 0; k < op.results.size(); ++k) scope.values[op.results[k]] = loop->results[k];
    scope.tapes[&op] = tapes;
    Scope inner(&scope);
    const Block& body = op.region(0);
    for (size_t a = 0; a < body.args.size(); ++a) inner.values[body.args[a]] = loop->region(0).args[a];
    Builder in(target_, loop->region(0));
    in.set_loc(op.loc);
    Value* step = in.op(OpKind::ISub, {loop->region(0).args[0], lo});
    for (size_t k = 0; k < tapes.size(); ++k) in.store(tapes[k], step, loop->region(0).args[k + 1]);
    forward(body, in, inner, region_root);
  }

  void forward_if(const Op& op, Builder& b, Scope& scope, const Block* region_root) {
    std::vector<Type> types;
    for (Value* r : op.results) types.push_back(r->type);
    Op* copy = b.create_if(scope.value(op.operands[0]), types);
    for (size_t k = 0; k < op.results.size(); ++k) scope.values[op.results[k]] = copy->results[k];
    for (int r = 0; r < 2; ++r) {
      Scope inner(&scope);
      Builder in(target_, copy->region(r));
      in.set_loc(op.loc);
      forward(op.region(r), in, inner, region_root);
    }
  }

  // adj[x] += c
  void accumulate(Builder& b, Adjoints& adj, const Value* x, Value* c) {
    if (!c || !active(x) || x->type != Type::F64) return;
    auto it = adj.find(x);
    if (it == adj.end()) {
      adj[x] = c;
    } else {
      it->second = b.op(OpKind::FAdd, {it->second, c});
    }
  }

  // The active f64 values from outside `region` that ops inside it read.
  void outer_active_uses(const Block& block, const Block* region, std::vector<const Value*>& out,
                         std::unordered_set<const Value*>& seen) {
    for (const auto& op : block.ops) {
      for (const Value* x : op->operands) {
        if (x->type == Type::F64 && active(x) && !defined_within(x, region) && seen.insert(x).second) out.push_back(x);
      }
      for (const auto& r : op->regions) outer_active_uses(*r, region, out, seen);
    }
  }

  void reverse(const Block& src, Builder& b, Scope& scope, Adjoints& adj) {
    for (auto it = src.ops.rbegin(); it != src.ops.rend(); ++it) {
      const Op& op = **it;
      b.set_loc(op.loc);
      switch (op.kind) {
        case OpKind::For:
          reverse_loop(op, b, scope, adj);
          break;
        case OpKind::If:
          reverse_if(op, b, scope, adj);
          break;
        case OpKind::Load: {
          const Value* buffer = op.operands[0];
          auto a = adj.find(op.result());
          if (!active(buffer) || a == adj.end()) break;
          // adj_buffer[i] += a
          Value* adjoint = scope.adjoint_buffer(buffer);
          Value* i = scope.value(op.operands[1]);
          b.store(adjoint, i, b.op(OpKind::FAdd, {b.load(adjoint, i), a->second}));
          break;
        }
        case OpKind::Store: {
          const Value* buffer = op.operands[0];
          if (!active(buffer)) break;
          // adj[value] += adj_buffer[i]; adj_buffer[i] = 0
          Value* adjoint = scope.adjoint_buffer(buffer);
          Value* i = scope.value(op.operands[1]);
          if (active(op.operands[2])) accumulate(b, adj, op.operands[2], b.load(adjoint, i));
          b.store(adjoint, i, b.const_f64(0.0));
          break;
        }
        default: {
          if (!is_differentiable(op.kind) || op.results.size() != 1) break;
          auto a = adj.find(op.result());
          if (a == adj.end()) break;
          std::vector<Value*> xs = values(op.operands, scope);
          Value* r = scope.value(op.result());
          for (size_t k = 0; k < op.operands.size(); ++k) {
            if (!active(op.operands[k])) continue;
            accumulate(b, adj, op.operands[k], operand_adjoint(b, op.kind, k, xs, r, a->second));
          }
          break;
        }
      }
    }
  }

  // The reverse of a loop: count down, recompute the body, run its reverse.
  void reverse_loop(const Op& op, Builder& b, Scope& scope, Adjoints& adj) {
    const Block& body = op.region(0);
    const Op* yield = body.terminator();
    std::vector<const Value*> outer;
    std::unordered_set<const Value*> seen;
    outer_active_uses(body, &body, outer, seen);
    // Carried: the adjoints of outer values, then of the loop's carried values.
    std::vector<Value*> inits;
    for (const Value* u : outer) inits.push_back(adj.count(u) ? adj[u] : b.const_f64(0.0));
    std::vector<size_t> carried;
    for (size_t k = 0; k < op.results.size(); ++k) {
      if (!active(op.results[k])) continue;
      carried.push_back(k);
      inits.push_back(adj.count(op.results[k]) ? adj[op.results[k]] : b.const_f64(0.0));
    }
    if (inits.empty() && !body_touches_active_buffer(body)) return;
    Value* lo = scope.value(op.operands[0]);
    Value* hi = scope.value(op.operands[1]);
    Op* loop = b.create_for(lo, hi, inits, "r" + body.args[0]->hint);
    Block& rbody = loop->region(0);
    Builder in(target_, rbody);
    in.set_loc(op.loc);
    // i = hi - 1 - (j - lo): the forward index, counting down.
    Value* j = rbody.args[0];
    Value* i = in.op(OpKind::ISub, {in.op(OpKind::ISub, {in.op(OpKind::IAdd, {hi, lo}), in.const_i64(1)}), j});
    Scope inner(&scope);
    inner.values[body.args[0]] = i;
    const std::vector<Value*>& tapes = scope.tape(&op);
    Value* step = in.op(OpKind::ISub, {i, lo});
    for (size_t k = 0; k < op.results.size(); ++k) inner.values[body.args[k + 1]] = in.load(tapes[k], step);
    forward(body, in, inner, &body);
    // Drop the recomputed yield: the loop's own terminator comes last.
    if (in.block().terminator()) in.block().ops.pop_back();
    Adjoints local;
    for (size_t u = 0; u < outer.size(); ++u) local[outer[u]] = rbody.args[u + 1];
    for (size_t c = 0; c < carried.size(); ++c) {
      accumulate(in, local, yield->operands[carried[c]], rbody.args[outer.size() + 1 + c]);
    }
    reverse(body, in, inner, local);
    std::vector<Value*> yields;
    for (const Value* u : outer) yields.push_back(local[u]);
    for (size_t k : carried) {
      const Value* arg = body.args[k + 1];
      yields.push_back(local.count(arg) ? local[arg] : in.const_f64(0.0));
    }
    in.yield(yields);
    for (size_t u = 0; u < outer.size(); ++u) adj[outer[u]] = loop->results[u];
    for (size_t c = 0; c < carried.size(); ++c) {
      accumulate(b, adj, op.operands[2 + carried[c]], loop->results[outer.size() + c]);
    }
  }

  bool body_touches_active_buffer(const Block& block) const {
    for (const auto& op : block.ops) {
      if ((op->kind == OpKind::Load || op->kind == OpKind::Store) && active(op->operands[0])) return true;
      for (const auto& r : op->regions)
        if (body_touches_active_buffer(*r)) return true;
    }
    return false;
  }

  void reverse_if(const Op& op, Builder& b, Scope& scope, Adjoints& adj) {
    std::vector<const Value*> outer;
    std::unordered_set<const Value*> seen;
    for (int r = 0; r < 2; ++r) outer_active_uses(op.region(r), &op.region(r), outer, seen);
    bool any_result = false;
    for (Value* res : op.results) any_result |= active(res) && adj.count(res);
    if (outer.empty() && !any_result && !body_touches_active_buffer(op.region(0)) &&
        !body_touches_active_buffer(op.region(1))) {
      return;
    }
    std::vector<Value*> before;
    for (const Value* u : outer) before.push_back(adj.count(u) ? adj[u] : b.const_f64(0.0));
    Op* rif = b.create_if(scope.value(op.operands[0]), std::vector<Type>(outer.size(), Type::F64));
    for (int r = 0; r < 2; ++r) {
      const Block& region = op.region(r);
      Builder in(target_, rif->region(r));
      in.set_loc(op.loc);
      Scope inner(&scope);
      forward(region, in, inner, &region);
      if (in.block().terminator()) in.block().ops.pop_back();
      Adjoints local;
      for (size_t u = 0; u < outer.size(); ++u) local[outer[u]] = before[u];
      const Op* yield = region.terminator();
      for (size_t k = 0; k < op.results.size(); ++k) {
        auto a = adj.find(op.results[k]);
        if (a != adj.end()) accumulate(in, local, yield->operands[k], a->second);
      }
      reverse(region, in, inner, local);
      std::vector<Value*> yields;
      for (const Value* u : outer) yields.push_back(local[u]);
      in.yield(yields);
    }
    for (size_t u = 0; u < outer.size(); ++u) adj[outer[u]] = rif->results[u];
  }

  Program& program_;  // for the checks of the buffers it allocates
  const Function& source_;
  Function& target_;
  Activity activity_;
};

}  // namespace

void add_gradient_function(Program& program, const std::string& name, const std::string& gradient) {
  const Function* source = program.find(name);
  VIC_CHECK(source) << "no function @" << name << " to differentiate";
  auto target = std::make_unique<Function>(
      gradient, std::vector<FunctionArg>{{"theta", Type::BufF64}, {"grad", Type::BufF64}},
      std::vector<Type>{Type::F64});
  ReverseMode(program, *source, *target).run();
  program.add(std::move(target));
}

}  // namespace vic::ir
