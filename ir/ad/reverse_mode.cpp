// Reverse-mode AD over the structured IR, on value-semantic tensors.
//
// Structure of the generated function:
//   forward:  a copy of the original body; every `for` also records, per
//             iteration, what its reverse needs to rebuild the carried values
//             at the iteration's start: a carried scalar itself; for a carried
//             tensor updated element by element (a chain of inserts), the
//             index and old value of each element it overwrites (an undo log);
//             for one replaced wholesale (`alpha = nxt`), the whole tensor; for
//             one whose contents the body never reads, nothing.
//   reverse:  the ops walked backwards. A pure op adds a * df/dx to each active
//             operand's adjoint (its VJP in ir/op_table.cpp); an extract adds into
//             its tensor's adjoint, an insert moves the adjoint of the element
//             out of it; a load from the parameters adds into `grad`. A `for`
//             becomes a loop counting down that rebuilds the carried values,
//             recomputes the forward body and runs its reverse; the adjoints of
//             values from outside the loop are carried through it. A generate
//             is reversed by a loop over its elements; an `if` by an `if` on
//             the same condition whose branches recompute and reverse theirs.
//             A `while` whose results are active is first replayed as a `for`
//             of the trip count it counted (ReplayActiveWhileLoops).
// Because tensors are values, a recomputed body never reads memory that a
// later update overwrote: bufferization (after AD) decides what shares memory.
#include "ir/ad/reverse_mode.h"

#include <algorithm>
#include <functional>
#include <unordered_map>
#include <unordered_set>

#include "ir/builder.h"
#include "ir/op_table.h"
#include "ir/rewriter.h"

namespace vic::ir {
namespace {

bool is_real(Type t) { return t.element == Type::Element::F64 && !t.is_buffer(); }

// Every op that uses each value, at any depth.
class Uses {
 public:
  explicit Uses(const Function& f) { visit(f.body); }
  const std::vector<const Op*>& of(const Value* v) const {
    static const std::vector<const Op*> kNone;
    auto it = uses_.find(v);
    return it == uses_.end() ? kNone : it->second;
  }

 private:
  void visit(const Block& block) {
    for (const auto& op : block.ops) {
      for (const Value* x : op->operands) uses_[x].push_back(op.get());
      for (const auto& r : op->regions) visit(*r);
    }
  }
  std::unordered_map<const Value*, std::vector<const Op*>> uses_;
};

// Which values need an adjoint: those that depend on the parameters (varied)
// and that the returned value depends on (useful). A value that is varied but
// not useful gets no reverse code at all, so a dead computation's inf or NaN
// partial never meets a zero adjoint (0 * inf = NaN).
class Activity {
 public:
  explicit Activity(const Function& f) {
    active_.insert(f.arg(0));
    bool changed = true;
    while (changed) {
      changed = false;
      visit(f.body, changed);
    }
    keep_useful(f);
  }
  bool active(const Value* v) const { return active_.count(v) != 0; }

 private:
  // Intersects the varied values with those the return value depends on.
  void keep_useful(const Function& f) {
    std::unordered_set<const Value*> useful;
    std::vector<const Value*> work;
    auto need = [&](const Value* v) {
      if (is_real(v->type) && active_.count(v) && useful.insert(v).second) work.push_back(v);
    };
    const Op* ret = f.body.terminator();
    for (const Value* v : ret->operands) need(v);
    while (!work.empty()) {
      const Value* v = work.back();
      work.pop_back();
      if (!v->def) {
        // A loop's carried argument: its initial value and what each iteration yields.
        const Op* loop = v->owner->parent;
        if (!loop) continue;
        size_t k = std::find(v->owner->args.begin(), v->owner->args.end(), v) - v->owner->args.begin();
        if (loop->kind == OpKind::While) {
          need(loop->operands[k]);
          need(v->owner->terminator()->operands[k + 1]);
        }
        if (loop->kind != OpKind::For || k == 0) continue;
        need(loop->operands[k + 1]);
        need(v->owner->terminator()->operands[k - 1]);
        continue;
      }
      const Op* op = v->def;
      size_t k = std::find(op->results.begin(), op->results.end(), v) - op->results.begin();
      switch (op->kind) {
        case OpKind::For:
          need(op->operands[k + 2]);
          need(op->region(0).terminator()->operands[k]);
          need(op->region(0).args[k + 1]);
          break;
        case OpKind::While:
          need(op->operands[k]);
          need(op->region(0).terminator()->operands[k + 1]);
          need(op->region(0).args[k]);
          break;
        case OpKind::If:
          for (int r = 0; r < 2; ++r) need(op->region(r).terminator()->operands[k]);
          break;
        case OpKind::TensorGenerate:
          need(op->region(0).terminator()->operands[0]);
          break;
        default:
          for (const Value* x : op->operands) need(x);
          break;
      }
    }
    for (auto it = active_.begin(); it != active_.end();) {
      if (is_real((*it)->type) && !useful.count(*it)) {
        it = active_.erase(it);
      } else {
        ++it;
      }
    }
  }

  void mark(const Value* v, bool& changed) {
    if (!is_real(v->type)) return;
    if (active_.insert(v).second) changed = true;
  }
  void visit(const Block& block, bool& changed) {
    for (const auto& op : block.ops) {
      switch (op->kind) {
        case OpKind::Load:
        case OpKind::TensorExtract:
        case OpKind::TensorSplat:
          if (active(op->operands[0]) || (op->kind == OpKind::TensorSplat && active(op->operands[1])))
            mark(op->result(), changed);
          break;
        case OpKind::TensorInsert:
          if (active(op->operands[0]) || active(op->operands[2])) mark(op->result(), changed);
          break;
        case OpKind::Store:
          VIC_CHECK(!active(op->operands[2])) << "AD: a store of an active value (containers are tensors)";
          break;
        case OpKind::TensorGenerate:
          if (active(op->region(0).terminator()->operands[0])) mark(op->result(), changed);
          visit(op->region(0), changed);
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
        case OpKind::While: {
          const Block& body = op->region(0);
          const Op* yield = body.terminator();
          for (size_t k = 0; k < op->results.size(); ++k) {
            if (active(op->operands[k]) || active(yield->operands[k + 1])) {
              mark(body.args[k], changed);
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
          // A differentiable op's real results (a kernel.call's tensor, not its status).
          if (op_info(op->kind).vjp != nullptr) {
            for (Value* x : op->operands)
              if (active(x))
                for (const Value* r : op->results) mark(r, changed);
          }
          break;
      }
    }
  }
  std::unordered_set<const Value*> active_;
};

// How a loop's reverse rebuilds one carried value at an iteration's start.
struct SlotTape {
  enum class Mode { Scalar, None, UndoLog, Whole } mode = Mode::Scalar;
  Value* values = nullptr;   // the scalars, the old elements, or the whole tensors
  Value* indices = nullptr;  // UndoLog: the overwritten positions
  Value* size = nullptr;     // Whole: the tensor's size
  std::vector<const Op*> chain;  // UndoLog: the inserts from the argument to the yield
};

// An insert of an undo-logged chain: where it records the element it overwrites.
struct UndoPoint {
  const SlotTape* tape;
  size_t position;  // within the chain
  Value* step;      // the iteration, from 0
};

// Where the generated code stands: the new value of each old value, the
// tapes of each loop, for one region of the generated function; lookups fall
// back to the enclosing scope.
struct Scope {
  explicit Scope(const Scope* parent = nullptr) : parent(parent) {}
  const Scope* parent;
  std::unordered_map<const Value*, Value*> values;
  std::unordered_map<const Op*, std::vector<SlotTape>> tapes;
  std::unordered_map<const Op*, UndoPoint> undo_points;

  Value* value(const Value* v) const {
    for (const Scope* s = this; s; s = s->parent) {
      auto it = s->values.find(v);
      if (it != s->values.end()) return it->second;
    }
    VIC_UNREACHABLE() << "AD: no value for %" << v->id;
  }
  const std::vector<SlotTape>& tape(const Op* loop) const {
    for (const Scope* s = this; s; s = s->parent) {
      auto it = s->tapes.find(loop);
      if (it != s->tapes.end()) return it->second;
    }
    VIC_UNREACHABLE() << "AD: no tape for a loop";
  }
  const UndoPoint* undo_point(const Op* insert) const {
    for (const Scope* s = this; s; s = s->parent) {
      auto it = s->undo_points.find(insert);
      if (it != s->undo_points.end()) return &it->second;
    }
    return nullptr;
  }
};

// The adjoints of values (scalars and tensors) within one region of the reverse code.
using Adjoints = std::unordered_map<const Value*, Value*>;

class ReverseMode {
 public:
  ReverseMode(Program& program, const Function& source, Function& target)
      : program_(program), source_(source), target_(target), uses_(source), activity_(source) {}

  void run() {
    Builder b(target_, target_.body);
    Scope top;
    top.values[source_.arg(0)] = target_.arg(0);
    grad_ = target_.arg(1);
    // The inactive inputs (an ELBO's draws) follow grad.
    for (size_t k = 1; k < source_.body.args.size(); ++k) top.values[source_.arg(k)] = target_.arg(k + 1);
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

  // Copies `src`'s ops into the builder's block. `region_root` is the region
  // being recomputed by reverse code (null for the forward pass itself):
  // checks, rng calls and prints are then skipped (the forward pass ran them).
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
        case OpKind::Print:
          if (region_root) continue;
          break;
        case OpKind::Store:
          VIC_CHECK(!region_root || defined_within(op.operands[0], region_root))
              << "AD: a recomputed region stores into memory from outside it";
          break;
        case OpKind::For:
          forward_loop(op, b, scope, region_root);
          continue;
        case OpKind::If:
          forward_if(op, b, scope, region_root);
          continue;
        case OpKind::While:
          // Inactive (replay_active_while_loops has turned the active ones into for loops).
          forward_while(op, b, scope, region_root);
          continue;
        case OpKind::TensorGenerate:
          forward_generate(op, b, scope, region_root);
          continue;
        case OpKind::TensorInsert:
          if (const UndoPoint* undo = scope.undo_point(&op)) record_overwritten(op, *undo, b, scope);
          break;
        default:
          break;
      }
      copy_op(op, b, scope);
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

  int64_t out_of_memory_check(SourceLoc loc) {
    program_.checks.push_back({"out of memory: cannot allocate the gradient's record of this loop", loc});
    return static_cast<int64_t>(program_.checks.size() - 1);
  }

  // Whether the reverse code's recomputation of `body` reads the contents `v`
  // holds (beyond inserting into it and passing it on to the next iteration).
  bool contents_needed(const Value* v, const Block& body) {
    for (const Op* use : uses_.of(v)) {
      switch (use->kind) {
        case OpKind::TensorInsert:
          if (use->operands[2] == v || contents_needed(use->result(), body)) return true;
          break;
        case OpKind::Yield: {
          if (use->parent == &body) break;
          const Op* owner = use->parent->parent;
          if (owner->kind != OpKind::If && owner->kind != OpKind::For) return true;
          for (size_t k = 0; k < use->operands.size(); ++k)
            if (use->operands[k] == v && contents_needed(owner->results[k], body)) return true;
          break;
        }
        case OpKind::For:
          for (size_t k = 2; k < use->operands.size(); ++k) {
            if (use->operands[k] != v) continue;
            if (contents_needed(use->region(0).args[k - 1], use->region(0)) ||
                contents_needed(use->results[k - 2], body))
              return true;
          }
          break;
        default:
          return true;
      }
    }
    return false;
  }

  // How carried slot k of `loop` is recorded (see SlotTape).
  SlotTape plan_slot(const Op& loop, size_t k) {
    SlotTape tape;
    const Value* arg = loop.region(0).args[k + 1];
    if (!arg->type.is_tensor()) return tape;
    const Block& body = loop.region(0);
    if (!contents_needed(arg, body)) {
      tape.mode = SlotTape::Mode::None;
      return tape;
    }
    // A chain of inserts, directly in the body, from the argument to the yield.
    const Value* v = body.terminator()->operands[k];
    std::vector<const Op*> chain;
    while (v != arg && v->def && v->def->kind == OpKind::TensorInsert && v->def->parent == &body) {
      chain.insert(chain.begin(), v->def);
      v = v->def->operands[0];
    }
    if (v == arg) {
      tape.mode = SlotTape::Mode::UndoLog;
      tape.chain = std::move(chain);
    } else {
      tape.mode = SlotTape::Mode::Whole;
    }
    return tape;
  }

  // The forward copy of a loop, recording what its reverse needs.
  void forward_loop(const Op& op, Builder& b, Scope& scope, const Block* region_root) {
    Value* lo = scope.value(op.operands[0]);
    Value* hi = scope.value(op.operands[1]);
    std::vector<SlotTape> tapes;
    Value* n = nullptr;
    if (!op.results.empty()) {
      n = b.op(OpKind::ISub, {hi, lo});
      n = b.op(OpKind::Select, {b.cmp(CmpPredicate::Lt, n, b.const_i64(0)), b.const_i64(0), n});
    }
    for (size_t k = 0; k < op.results.size(); ++k) {
      SlotTape tape = plan_slot(op, k);
      Type element = op.results[k]->type.scalar_type();
      if (element == Type::I1) element = Type::I64;  // a flag (break's) is taped as 0 or 1
      std::string hint = "tape_" + op.results[k]->hint;
      switch (tape.mode) {
        case SlotTape::Mode::Scalar:
          tape.values = b.alloc(element, n, out_of_memory_check(op.loc), hint);
          break;
        case SlotTape::Mode::None:
          break;
        case SlotTape::Mode::UndoLog: {
          Value* m = b.op(OpKind::IMul, {n, b.const_i64(static_cast<int64_t>(tape.chain.size()))});
          tape.values = b.alloc(element, m, out_of_memory_check(op.loc), hint);
          tape.indices = b.alloc(Type::I64, m, out_of_memory_check(op.loc), hint + "_at");
          break;
        }
        case SlotTape::Mode::Whole:
          tape.size = scope.value(tensor_size(op.operands[k + 2]));
          tape.values = b.alloc(element, b.op(OpKind::IMul, {n, tape.size}), out_of_memory_check(op.loc), hint);
          break;
      }
      tapes.push_back(std::move(tape));
    }
    std::vector<Value*> inits;
    for (size_t k = 2; k < op.operands.size(); ++k) inits.push_back(scope.value(op.operands[k]));
    Op* loop = b.create_for(lo, hi, inits, op.region(0).args[0]->hint);
    for (size_t k = 0; k < op.results.size(); ++k) scope.values[op.results[k]] = loop->results[k];
    scope.tapes[&op] = std::move(tapes);
    const std::vector<SlotTape>& recorded = scope.tapes[&op];
    Scope inner(&scope);
    const Block& body = op.region(0);
    Block& new_body = loop->region(0);
    for (size_t a = 0; a < body.args.size(); ++a) inner.values[body.args[a]] = new_body.args[a];
    Builder in(target_, new_body);
    in.set_loc(op.loc);
    Value* step = in.op(OpKind::ISub, {new_body.args[0], lo});
    for (size_t k = 0; k < recorded.size(); ++k) {
      const SlotTape& tape = recorded[k];
      Value* arg = new_body.args[k + 1];
      if (tape.mode == SlotTape::Mode::Scalar) {
        in.store(tape.values, step,
                 arg->type == Type::I1 ? in.op(OpKind::Select, {arg, in.const_i64(1), in.const_i64(0)}) : arg);
      } else if (tape.mode == SlotTape::Mode::Whole) {
        Value* base = in.op(OpKind::IMul, {step, tape.size});
        Op* copy = in.create_for(in.const_i64(0), tape.size, {}, "j");
        Builder c(target_, copy->region(0));
        Value* j = copy->region(0).args[0];
        c.store(tape.values, c.op(OpKind::IAdd, {base, j}), c.extract(arg, j));
        c.yield({});
      } else if (tape.mode == SlotTape::Mode::UndoLog) {
        for (size_t p = 0; p < tape.chain.size(); ++p) inner.undo_points[tape.chain[p]] = {&tape, p, step};
      }
    }
    forward(body, in, inner, region_root);
  }

  // Before an undo-logged insert: the element it overwrites, and where.
  void record_overwritten(const Op& insert, const UndoPoint& undo, Builder& b, Scope& scope) {
    Value* t = scope.value(insert.operands[0]);
    Value* i = scope.value(insert.operands[1]);
    int64_t m = static_cast<int64_t>(undo.tape->chain.size());
    Value* at = b.op(OpKind::IAdd, {b.op(OpKind::IMul, {undo.step, b.const_i64(m)}),
                                    b.const_i64(static_cast<int64_t>(undo.position))});
    b.store(undo.tape->values, at, b.extract(t, i));
    b.store(undo.tape->indices, at, i);
  }

  void forward_if(const Op& op, Builder& b, Scope& scope, const Block* region_root) {
    std::vector<Type> types;
    for (Value* r : op.results) types.push_back(r->type);
    Op* copy = b.create_if(scope.value(op.operands[0]), types);
    for (size_t k = 0; k < op.results.size(); ++k) {
      copy->results[k]->hint = op.results[k]->hint;
      scope.values[op.results[k]] = copy->results[k];
    }
    for (int r = 0; r < 2; ++r) {
      Scope inner(&scope);
      Builder in(target_, copy->region(r));
      in.set_loc(op.loc);
      forward(op.region(r), in, inner, region_root);
    }
  }

  void forward_while(const Op& op, Builder& b, Scope& scope, const Block* region_root) {
    for (const Value* r : op.results) VIC_CHECK(!active(r)) << "AD: an active while loop";
    Op* copy = b.create_while(values(op.operands, scope));
    Scope inner(&scope);
    const Block& body = op.region(0);
    for (size_t k = 0; k < op.results.size(); ++k) {
      inner.values[body.args[k]] = copy->region(0).args[k];
      copy->region(0).args[k]->hint = body.args[k]->hint;
      copy->results[k]->hint = op.results[k]->hint;
      scope.values[op.results[k]] = copy->results[k];
    }
    Builder in(target_, copy->region(0));
    in.set_loc(op.loc);
    forward(body, in, inner, region_root);
  }

  void forward_generate(const Op& op, Builder& b, Scope& scope, const Block* region_root) {
    const Block& body = op.region(0);
    Op* copy = b.create_generate(scope.value(op.operands[0]), op.result()->type.scalar_type(), body.args[0]->hint);
    copy->result()->hint = op.result()->hint;
    scope.values[op.result()] = copy->result();
    Scope inner(&scope);
    inner.values[body.args[0]] = copy->region(0).args[0];
    Builder in(target_, copy->region(0));
    in.set_loc(op.loc);
    forward(body, in, inner, region_root);
  }

  // A zero adjoint for `v` (a scalar or a tensor of v's size).
  Value* zero(Builder& b, const Value* v, const Scope& scope) {
    if (v->type.is_scalar()) return b.const_f64(0.0);
    return b.splat(scope.value(tensor_size(v)), b.const_f64(0.0));
  }

  Value* adjoint_or_zero(Builder& b, Adjoints& adj, const Value* v, const Scope& scope) {
    auto it = adj.find(v);
    return it != adj.end() ? it->second : zero(b, v, scope);
  }

  // adj[x] += c
  void accumulate(Builder& b, Adjoints& adj, const Value* x, Value* c) {
    if (!c || !active(x) || !is_real(x->type)) return;
    auto it = adj.find(x);
    if (it == adj.end()) {
      adj[x] = c;
    } else if (x->type.is_scalar()) {
      it->second = b.op(OpKind::FAdd, {it->second, c});
    } else {
      // Two adjoint tensors: c added into the old one, element by element
      // (in place once bufferized: the old sum is not read again).
      Op* loop = b.create_for(b.const_i64(0), tensor_size(it->second), {it->second}, "k");
      Builder in(target_, loop->region(0));
      Value* k = loop->region(0).args[0];
      Value* sum = loop->region(0).args[1];
      in.yield({in.insert(sum, k, in.op(OpKind::FAdd, {in.extract(sum, k), in.extract(c, k)}))});
      it->second = loop->result();
    }
  }

  // The active values from outside `region` that ops inside it read.
  void outer_active_uses(const Block& block, const Block* region, std::vector<const Value*>& out,
                         std::unordered_set<const Value*>& seen) {
    for (const auto& op : block.ops) {
      for (const Value* x : op->operands) {
        if (is_real(x->type) && active(x) && !defined_within(x, region) && seen.insert(x).second) out.push_back(x);
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
        case OpKind::TensorGenerate:
          reverse_generate(op, b, scope, adj);
          break;
        case OpKind::Load: {
          // Only the parameters are active buffers: grad[i] += a.
          auto a = adj.find(op.result());
          if (!active(op.operands[0]) || a == adj.end()) break;
          VIC_CHECK(op.operands[0] == source_.arg(0)) << "AD: a load from an active buffer other than theta";
          Value* i = scope.value(op.operands[1]);
          b.store(grad_, i, b.op(OpKind::FAdd, {b.load(grad_, i), a->second}));
          break;
        }
        case OpKind::TensorExtract: {
          // adj_t[i] += a
          auto a = adj.find(op.result());
          if (a == adj.end() || !active(op.operands[0])) break;
          Value* t_adj = adjoint_or_zero(b, adj, op.operands[0], scope);
          Value* i = scope.value(op.operands[1]);
          adj[op.operands[0]] = b.insert(t_adj, i, b.op(OpKind::FAdd, {b.extract(t_adj, i), a->second}));
          break;
        }
        case OpKind::TensorInsert: {
          // adj_x += adj_r[i]; adj_t += adj_r with element i zeroed
          auto a = adj.find(op.result());
          if (a == adj.end()) break;
          Value* r_adj = a->second;
          Value* i = scope.value(op.operands[1]);
          if (active(op.operands[2])) accumulate(b, adj, op.operands[2], b.extract(r_adj, i));
          if (active(op.operands[0])) accumulate(b, adj, op.operands[0], b.insert(r_adj, i, b.const_f64(0.0)));
          break;
        }
        case OpKind::TensorSlice: {
          // adj_t[offset + j] += a[j], in place: a slice inside a loop costs
          // its own size, not t's.
          auto a = adj.find(op.result());
          if (a == adj.end() || !active(op.operands[0])) break;
          Value* offset = scope.value(op.operands[1]);
          Op* loop = b.create_for(b.const_i64(0), scope.value(op.operands[2]),
                                  {adjoint_or_zero(b, adj, op.operands[0], scope)}, "j");
          Builder in(target_, loop->region(0));
          Value* j = loop->region(0).args[0];
          Value* t_adj = loop->region(0).args[1];
          Value* i = in.op(OpKind::IAdd, {offset, j});
          in.yield({in.insert(t_adj, i, in.op(OpKind::FAdd, {in.extract(t_adj, i), in.extract(a->second, j)}))});
          adj[op.operands[0]] = loop->result();
          break;
        }
        case OpKind::TensorSplat: {
          // adj_x += sum(adj_r)
          auto a = adj.find(op.result());
          if (a == adj.end() || !active(op.operands[1])) break;
          Value* r_adj = a->second;
          Op* loop = b.create_for(b.const_i64(0), scope.value(op.operands[0]), {b.const_f64(0.0)}, "k");
          Builder in(target_, loop->region(0));
          in.yield({in.op(OpKind::FAdd, {loop->region(0).args[1], in.extract(r_adj, loop->region(0).args[0])})});
          accumulate(b, adj, op.operands[1], loop->result());
          break;
        }
        default: {
          // The adjoint flows back from the first result (a kernel.call's
          // second is its status).
          if (op_info(op.kind).vjp == nullptr || op.results.empty()) break;
          auto a = adj.find(op.results[0]);
          if (a == adj.end()) break;
          std::vector<Value*> xs = values(op.operands, scope);
          const DerivativeSite site{b, op.kind, xs, scope.value(op.results[0]), op.name};
          for (size_t k = 0; k < op.operands.size(); ++k) {
            if (!active(op.operands[k])) continue;
            accumulate(b, adj, op.operands[k], op_info(op.kind).vjp(site, k, a->second));
          }
          break;
        }
      }
    }
  }

  bool body_reads_parameters(const Block& block) const {
    for (const auto& op : block.ops) {
      if (op->kind == OpKind::Load && active(op->operands[0])) return true;
      for (const auto& r : op->regions)
        if (body_reads_parameters(*r)) return true;
    }
    return false;
  }

  // The reverse of a loop: count down, rebuild the carried values, recompute
  // the body, run its reverse.
  void reverse_loop(const Op& op, Builder& b, Scope& scope, Adjoints& adj) {
    const Block& body = op.region(0);
    const Op* yield = body.terminator();
    std::vector<const Value*> outer;
    std::unordered_set<const Value*> seen;
    outer_active_uses(body, &body, outer, seen);
    // Carried: the adjoints of outer values, of the loop's carried values,
    // then the undo-logged tensors as they were at the end of the iteration.
    std::vector<Value*> inits;
    for (const Value* u : outer) inits.push_back(adjoint_or_zero(b, adj, u, scope));
    std::vector<size_t> carried;
    for (size_t k = 0; k < op.results.size(); ++k) {
      // A carried value may be needed by later iterations though the loop's
      // result is not (GARCH's variance): its argument says.
      if (!active(op.results[k]) && !active(body.args[k + 1])) continue;
      carried.push_back(k);
      inits.push_back(adjoint_or_zero(b, adj, op.results[k], scope));
    }
    if (inits.empty() && !body_reads_parameters(body)) return;
    const std::vector<SlotTape>& tapes = scope.tape(&op);
    std::vector<size_t> logged;
    for (size_t k = 0; k < tapes.size(); ++k) {
      if (tapes[k].mode != SlotTape::Mode::UndoLog) continue;
      logged.push_back(k);
      inits.push_back(scope.value(op.results[k]));
    }
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
    Value* step = in.op(OpKind::ISub, {i, lo});
    const size_t state_base = 1 + outer.size() + carried.size();
    std::vector<Value*> rebuilt;
    for (size_t k = 0; k < tapes.size(); ++k) {
      const SlotTape& tape = tapes[k];
      const Value* arg = body.args[k + 1];
      switch (tape.mode) {
        case SlotTape::Mode::Scalar: {
          Value* x = in.load(tape.values, step);
          inner.values[arg] = arg->type == Type::I1 ? in.cmp(CmpPredicate::Ne, x, in.const_i64(0)) : x;
          break;
        }
        case SlotTape::Mode::None:
          // Its contents are never read: only inserts the clean-up removes use it.
          inner.values[arg] = scope.value(op.results[k]);
          break;
        case SlotTape::Mode::UndoLog: {
          size_t slot = std::find(logged.begin(), logged.end(), k) - logged.begin();
          Value* t = rbody.args[state_base + slot];
          int64_t m = static_cast<int64_t>(tape.chain.size());
          Value* base = in.op(OpKind::IMul, {step, in.const_i64(m)});
          for (int64_t p = m; p-- > 0;) {
            Value* at = in.op(OpKind::IAdd, {base, in.const_i64(p)});
            t = in.insert(t, in.load(tape.indices, at), in.load(tape.values, at));
          }
          inner.values[arg] = t;
          rebuilt.push_back(t);
          break;
        }
        case SlotTape::Mode::Whole: {
          Value* base = in.op(OpKind::IMul, {step, tape.size});
          Op* gen = in.create_generate(tape.size, arg->type.scalar_type(), "k");
          Builder g(target_, gen->region(0));
          g.yield({g.load(tape.values, g.op(OpKind::IAdd, {base, gen->region(0).args[0]}))});
          inner.values[arg] = gen->result();
          break;
        }
      }
    }
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
      yields.push_back(local.count(arg) ? local[arg] : zero(in, arg, inner));
    }
    for (Value* t : rebuilt) yields.push_back(t);
    in.yield(yields);
    for (size_t u = 0; u < outer.size(); ++u) adj[outer[u]] = loop->results[u];
    for (size_t c = 0; c < carried.size(); ++c) {
      accumulate(b, adj, op.operands[2 + carried[c]], loop->results[outer.size() + c]);
    }
  }

  // The reverse of a generate: a loop over its elements, each recomputed and
  // reversed with its element's adjoint.
  void reverse_generate(const Op& op, Builder& b, Scope& scope, Adjoints& adj) {
    auto a = adj.find(op.result());
    if (a == adj.end()) return;
    Value* r_adj = a->second;
    const Block& body = op.region(0);
    std::vector<const Value*> outer;
    std::unordered_set<const Value*> seen;
    outer_active_uses(body, &body, outer, seen);
    if (outer.empty() && !body_reads_parameters(body)) return;
    std::vector<Value*> inits;
    for (const Value* u : outer) inits.push_back(adjoint_or_zero(b, adj, u, scope));
    Op* loop = b.create_for(b.const_i64(0), scope.value(op.operands[0]), inits, "r" + body.args[0]->hint);
    Block& rbody = loop->region(0);
    Builder in(target_, rbody);
    in.set_loc(op.loc);
    Scope inner(&scope);
    inner.values[body.args[0]] = rbody.args[0];
    forward(body, in, inner, &body);
    if (in.block().terminator()) in.block().ops.pop_back();
    Adjoints local;
    for (size_t u = 0; u < outer.size(); ++u) local[outer[u]] = rbody.args[u + 1];
    accumulate(in, local, body.terminator()->operands[0], in.extract(r_adj, rbody.args[0]));
    reverse(body, in, inner, local);
    std::vector<Value*> yields;
    for (const Value* u : outer) yields.push_back(local[u]);
    in.yield(yields);
    for (size_t u = 0; u < outer.size(); ++u) adj[outer[u]] = loop->results[u];
  }

  void reverse_if(const Op& op, Builder& b, Scope& scope, Adjoints& adj) {
    std::vector<const Value*> outer;
    std::unordered_set<const Value*> seen;
    for (int r = 0; r < 2; ++r) outer_active_uses(op.region(r), &op.region(r), outer, seen);
    bool any_result = false;
    for (Value* res : op.results) any_result |= active(res) && adj.count(res);
    if (outer.empty() && !any_result && !body_reads_parameters(op.region(0)) &&
        !body_reads_parameters(op.region(1))) {
      return;
    }
    std::vector<Value*> before;
    std::vector<Type> types;
    for (const Value* u : outer) {
      before.push_back(adjoint_or_zero(b, adj, u, scope));
      types.push_back(u->type);
    }
    Op* rif = b.create_if(scope.value(op.operands[0]), types);
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
  Uses uses_;
  Activity activity_;
  Value* grad_ = nullptr;
};

// A while loop whose results are active becomes two loops: the while itself,
// counting its iterations n (it runs the checks and prints), then a for loop
// of n iterations that runs the body again from the same initial values and
// gives the results. Reverse mode differentiates the for loop as any other:
// its tapes are sized by n, which a while loop does not know in advance. The
// body runs twice, the price of parameter-dependent values in a while loop.
bool contains_while(const Block& block) {
  for (const auto& op : block.ops) {
    if (op->kind == OpKind::While) return true;
    for (const auto& r : op->regions)
      if (contains_while(*r)) return true;
  }
  return false;
}

class ReplayActiveWhileLoops : public Rewriter {
 public:
  explicit ReplayActiveWhileLoops(const Function& source) : activity_(source) {}

 protected:
  void rewrite_op(const Op& op, Builder& b) override {
    if (op.kind == OpKind::Yield) {
      if (auto it = yields_.find(op.parent); it != yields_.end()) {
        it->second(op, b);
        return;
      }
    }
    if (op.kind == OpKind::Print && replaying_ > 0) return;  // printed by the counting loop
    if (op.kind != OpKind::While || !any_active(op.results)) {
      copy_op(op, b);
      return;
    }
    const Block& body = op.region(0);
    std::vector<Value*> inits = get_all(op.operands);
    std::vector<Value*> counting_inits = inits;
    counting_inits.push_back(b.const_i64(0));
    Op* counting = b.create_while(counting_inits);
    Block& counted = counting->region(0);
    for (size_t k = 0; k < body.args.size(); ++k) {
      map(body.args[k], counted.args[k]);
      counted.args[k]->hint = body.args[k]->hint;
      counting->results[k]->hint = op.results[k]->hint;
    }
    Value* trips = counted.args.back();
    trips->hint = counting->results.back()->hint = "trips";
    yields_[&body] = [this, trips](const Op& yield, Builder& yb) {
      std::vector<Value*> next = get_all(yield.operands);
      next.push_back(yb.op(OpKind::IAdd, {trips, yb.const_i64(1)}));
      yb.yield(next);
    };
    Builder in(*target_, counted);
    rewrite_block(body, counted, in);

    Op* replay = b.create_for(b.const_i64(0), counting->results.back(), inits, "trip");
    Block& replayed = replay->region(0);
    for (size_t k = 0; k < body.args.size(); ++k) {
      map(body.args[k], replayed.args[k + 1]);
      replayed.args[k + 1]->hint = body.args[k]->hint;
      replay->results[k]->hint = op.results[k]->hint;
    }
    yields_[&body] = [this](const Op& yield, Builder& yb) {
      std::vector<Value*> next = get_all(yield.operands);
      next.erase(next.begin());  // the go flag
      yb.yield(next);
    };
    Builder again(*target_, replayed);
    ++replaying_;
    rewrite_block(body, replayed, again);
    --replaying_;
    yields_.erase(&body);
    for (size_t k = 0; k < op.results.size(); ++k) map(op.results[k], replay->results[k]);
  }

 private:
  bool any_active(const std::vector<Value*>& values) const {
    for (const Value* v : values)
      if (activity_.active(v)) return true;
    return false;
  }
  Activity activity_;
  int replaying_ = 0;
  std::unordered_map<const Block*, std::function<void(const Op&, Builder&)>> yields_;
};

}  // namespace

void add_gradient_function(Program& program, const std::string& name, const std::string& gradient) {
  const Function* found = program.find(name);
  VIC_CHECK(found) << "no function @" << name << " to differentiate";
  std::unique_ptr<Function> replayed;
  if (contains_while(found->body)) replayed = ReplayActiveWhileLoops(*found).rewrite(*found);
  const Function* source = replayed ? replayed.get() : found;
  std::vector<FunctionArg> args{{source->arg(0)->hint, Type::BufF64}, {"grad", Type::BufF64}};
  for (size_t k = 1; k < source->body.args.size(); ++k) args.push_back({source->arg(k)->hint, source->arg(k)->type});
  auto target = std::make_unique<Function>(gradient, args, std::vector<Type>{Type::F64});
  ReverseMode(program, *source, *target).run();
  program.add(std::move(target));
}

}  // namespace vic::ir
