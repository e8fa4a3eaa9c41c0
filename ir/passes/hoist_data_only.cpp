// hoist_data_only: the log-density functions are evaluated thousands of times
// with the same data (and constrain once per draw); what depends on the data alone is computed once, when
// the data is bound. A top-level op is hoisted when everything it reads is a
// constant, a data field or another hoisted op, and its only effects are
// stores into hoisted buffers and checks nested in it (an index into the data
// inside a transformed-data loop: failing there, it fails when the data are
// bound, as it would at every evaluation): data-only reductions such as mean(x) and sd(x),
// and the buffers of transformed data (`vector[N] z = (x - mean(x)) / sd(x)`)
// with the loops that fill them. A buffer is hoisted only when its size is a
// constant and every store into it is hoisted.
//
// `@bind.<name>` runs the hoisted ops once. Hoisted f64 values the remaining
// code reads are stored into the scratch buffer `__hoisted.<name>` (as is a
// kernel's status, as an f64, for the check that stays); a hoisted buffer
// becomes the scratch buffer `__hoisted.<name>.<k>` itself.
//
// A hoisted load must not run before the check that guards it (an index read
// from the data, out of range): the top-level checks whose conditions depend
// on the data alone are copied into `@bind.<name>`, with the integer and
// boolean work computing their conditions, in their original order among the
// hoisted ops. They stay in the function too: they are cheap, and a check that
// fails when the data is bound would fail at every evaluation anyway.
#include <functional>
#include <unordered_map>
#include <unordered_set>

#include "ir/passes/hoist_data_only.h"
#include "ir/rewriter.h"

namespace vic::ir {
namespace {

bool is_input(OpKind k) {
  return k == OpKind::ConstF64 || k == OpKind::ConstI64 || k == OpKind::ConstBool || k == OpKind::DataInt ||
         k == OpKind::DataReal || k == OpKind::DataBuf;
}

bool is_data_buffer(const Value* v) { return v->def && v->def->kind == OpKind::DataBuf; }

// Integer and boolean work (a comparison, a size): cheap, so a hoisted one is
// also kept where it was, for whatever stays there to read.
bool is_cheap(const Op& op) {
  if (!op.is_pure() || !op.regions.empty() || op.results.size() != 1 || op.kind == OpKind::Load) return false;
  const Type t = op.result()->type;
  return t == Type::I64 || t == Type::I1;
}

bool kept_in_function(const Op& op) { return is_input(op.kind) || is_cheap(op); }

class Planner {
 public:
  explicit Planner(const Function& f) : f_(f) {}

  // Hoisted ops, their results, and the hoisted buffers.
  std::unordered_set<const Op*> ops;
  std::unordered_set<const Value*> values;
  std::unordered_set<const Value*> buffers;
  // Top-level data-only checks and the pure ops computing their conditions,
  // copied into the bind function (not moved: see the file comment).
  std::unordered_set<const Op*> guards;

  // Fills `guards`, once `ops` and `values` are final.
  void plan_guards() {
    std::unordered_set<const Value*> known = values;
    for (const auto& op : f_.body.ops) {
      if (ops.count(op.get())) continue;
      const bool pure_scalar = op->is_pure() && op->regions.empty() && op->results.size() == 1 &&
                               !is_buffer(op->result()->type);
      if (!pure_scalar && op->kind != OpKind::Check) continue;
      if (op->kind == OpKind::Load && !is_data_buffer(op->operands[0]) && !buffers.count(op->operands[0])) continue;
      bool readable = true;
      for (const Value* x : op->operands) readable &= known.count(x) != 0;
      if (!readable) continue;
      guards.insert(op.get());
      for (const Value* r : op->results) known.insert(r);
    }
  }

  void run() {
    // Start from every constant-size top-level alloc and drop those that some
    // op left behind stores into, until nothing changes.
    // Only f64 buffers: the scratch buffers that hold them after binding are f64.
    for (const auto& op : f_.body.ops)
      if (op->kind == OpKind::Alloc && op->result()->type == Type::BufF64 && op->operands[0]->def &&
          op->operands[0]->def->kind == OpKind::ConstI64)
        buffers.insert(op->result());
    for (;;) {
      plan();
      std::unordered_set<const Value*> written_elsewhere;
      for (const auto& op : f_.body.ops)
        if (!ops.count(op.get())) collect_stores(*op, written_elsewhere);
      bool changed = false;
      for (const Value* b : written_elsewhere) changed |= buffers.erase(b) > 0;
      for (auto it = buffers.begin(); it != buffers.end();) {
        if (!values.count(*it)) {
          it = buffers.erase(it);
          changed = true;
        } else {
          ++it;
        }
      }
      if (!changed) return;
    }
  }

 private:
  static void collect_stores(const Op& op, std::unordered_set<const Value*>& out) {
    if (writes_first_operand(op)) out.insert(op.operands[0]);
    for (const auto& r : op.regions)
      for (const auto& inner : r->ops) collect_stores(*inner, out);
  }

  // Inputs and integer or boolean work stay cheap to repeat (both copies are
  // kept); otherwise only ops whose results are reals or buffers move.
  static bool hoistable_results(const Op& op) {
    if (kept_in_function(op) || op.kind == OpKind::KernelRun) return true;
    for (const Value* r : op.results)
      if (r->type != Type::F64 && !is_buffer(r->type)) return false;
    return true;
  }

  bool readable(const Value* v, const std::unordered_set<const Value*>& inner) const {
    return values.count(v) || inner.count(v);
  }

  // Whether an op (at any depth) only computes from hoisted values, reads data
  // or hoisted buffers, and writes hoisted buffers.
  bool data_only(const Op& op, std::unordered_set<const Value*>& inner) const {
    switch (op.kind) {
      case OpKind::Check:
        // A check inside a data-only loop or branch (an index into the data)
        // moves with it: failing in @bind, it fails when the data are bound,
        // as it would at every evaluation. Top-level checks are guards (below).
        if (op.parent == &f_.body) return false;
        break;
      case OpKind::RngCall:
      case OpKind::Print:
      case OpKind::Return:
        return false;
      case OpKind::Alloc:
        if (op.parent != &f_.body || !buffers.count(op.result())) return false;
        break;
      case OpKind::Load:
        if (!is_data_buffer(op.operands[0]) && !buffers.count(op.operands[0])) return false;
        break;
      case OpKind::Store:
        if (!buffers.count(op.operands[0])) return false;
        break;
      case OpKind::Copy:
      case OpKind::KernelRun:
        if (!buffers.count(op.operands[0])) return false;
        for (size_t k = 1; k < op.operands.size(); ++k)
          if (is_buffer(op.operands[k]->type) && !is_data_buffer(op.operands[k]) && !buffers.count(op.operands[k]))
            return false;
        break;
      default:
        break;
    }
    for (const Value* x : op.operands)
      if (!readable(x, inner)) return false;
    for (const auto& r : op.regions) {
      for (const Value* a : r->args) inner.insert(a);
      for (const auto& o : r->ops) {
        if (!data_only(*o, inner)) return false;
        for (const Value* res : o->results) inner.insert(res);
      }
    }
    return true;
  }

  void plan() {
    ops.clear();
    values.clear();
    for (const auto& op : f_.body.ops) {
      std::unordered_set<const Value*> inner;
      if (op->kind == OpKind::Yield || !hoistable_results(*op) || !data_only(*op, inner)) continue;
      ops.insert(op.get());
      for (const Value* r : op->results) values.insert(r);
    }
  }

  const Function& f_;
};

// What the remaining code reads from the hoisted ops.
struct Exports {
  std::vector<const Value*> scalars;                       // into __hoisted.<name>[k]
  std::unordered_map<const Value*, std::string> buffers;   // each its own scratch buffer
};

Exports find_exports(const Function& f, const Planner& p, const std::string& scratch) {
  Exports e;
  std::unordered_set<const Value*> seen;
  std::function<void(const Block&)> scan = [&](const Block& block) {
    for (const auto& op : block.ops) {
      if (&block == &f.body && p.ops.count(op.get()) && !kept_in_function(*op)) continue;
      for (const Value* x : op->operands) {
        if (!p.values.count(x) || !seen.insert(x).second) continue;
        if (p.buffers.count(x)) {
          e.buffers[x] = scratch + "." + std::to_string(e.buffers.size());
        } else if ((x->type == Type::F64 && !is_input(x->def->kind)) || x->def->kind == OpKind::KernelRun) {
          e.scalars.push_back(x);
        }
      }
      for (const auto& r : op->regions) scan(*r);
    }
  };
  scan(f.body);
  return e;
}

// The function without its hoisted ops; exported values read from scratch.
class ReadHoisted : public Rewriter {
 public:
  ReadHoisted(const Function& source, const Planner& plan, const Exports& exports, std::string scratch)
      : source_(source), plan_(plan), exports_(exports), scratch_(std::move(scratch)) {}

 protected:
  void rewrite_op(const Op& op, Builder& b) override {
    if (op.parent != &source_.body || !plan_.ops.count(&op)) {
      copy_op(op, b);
      return;
    }
    // Inputs and cheap integer work may be needed by what stays: keep them.
    if (kept_in_function(op)) {
      copy_op(op, b);
      return;
    }
    for (const Value* r : op.results) {
      if (auto buffer = exports_.buffers.find(r); buffer != exports_.buffers.end()) {
        map(r, b.data_buf(buffer->second, element_type(r->type)));
        continue;
      }
      // Results nobody outside the hoisted ops reads are not needed here.
      auto it = std::find(exports_.scalars.begin(), exports_.scalars.end(), r);
      if (it != exports_.scalars.end()) {
        if (!scalars_) scalars_ = b.data_buf(scratch_, Type::F64);
        Value* x = b.load(scalars_, b.const_i64(it - exports_.scalars.begin()));
        map(r, r->type == Type::I64 ? b.op(OpKind::FToI, {x}) : x);
      }
    }
  }

 private:
  const Function& source_;
  const Planner& plan_;
  const Exports& exports_;
  std::string scratch_;
  Value* scalars_ = nullptr;
};

// @bind.<name>: the hoisted ops, hoisted buffers living in scratch buffers,
// then the exported scalars stored.
class WriteHoisted : public Rewriter {
 public:
  WriteHoisted(const Planner& plan, const Exports& exports) : plan_(plan), exports_(exports) {}

  std::unique_ptr<Function> build(const Function& source, const std::string& scratch) {
    auto bind = std::make_unique<Function>(bind_function_name(source.name), std::vector<FunctionArg>{}, std::vector<Type>{});
    target_ = bind.get();
    Builder b(*bind, bind->body);
    for (const auto& op : source.body.ops) {
      if (!plan_.ops.count(op.get()) && !plan_.guards.count(op.get())) continue;
      b.set_loc(op->loc);
      rewrite_op(*op, b);
    }
    if (!exports_.scalars.empty()) {
      Value* buffer = b.data_buf(scratch, Type::F64);
      for (size_t k = 0; k < exports_.scalars.size(); ++k) {
        Value* x = get(exports_.scalars[k]);
        b.store(buffer, b.const_i64(static_cast<int64_t>(k)), x->type == Type::I64 ? b.op(OpKind::IToF, {x}) : x);
      }
    }
    b.ret({});
    return bind;
  }

 protected:
  void rewrite_op(const Op& op, Builder& b) override {
    if (op.kind == OpKind::Alloc) {
      auto it = exports_.buffers.find(op.result());
      if (it != exports_.buffers.end()) {
        map(op.result(), b.data_buf(it->second, element_type(op.result()->type)));
        return;
      }
    }
    copy_op(op, b);
  }

 private:
  const Planner& plan_;
  const Exports& exports_;
};

int64_t constant_size(const Value* buffer) { return buffer->def->operands[0]->def->integer; }

}  // namespace

Program hoist_data_only(const Program& program) {
  Program out = program.without_functions();
  for (const auto& f : program.functions) {
    Planner plan(*f);
    plan.run();
    plan.plan_guards();
    std::string scratch = "__hoisted." + f->name;
    Exports exports = find_exports(*f, plan, scratch);
    if (exports.scalars.empty() && exports.buffers.empty()) {
      out.functions.push_back(clone_program_function(*f));
      continue;
    }
    out.functions.push_back(ReadHoisted(*f, plan, exports, scratch).rewrite(*f));
    std::unique_ptr<Function> bind = WriteHoisted(plan, exports).build(*f, scratch);
    if (!exports.scalars.empty()) {
      out.scratch_buffers.push_back({scratch, static_cast<int64_t>(exports.scalars.size()), bind->name});
    }
    std::vector<std::pair<std::string, int64_t>> buffers;
    for (const auto& [value, name] : exports.buffers) buffers.push_back({name, constant_size(value)});
    std::sort(buffers.begin(), buffers.end());
    for (const auto& [name, size] : buffers) out.scratch_buffers.push_back({name, size, bind->name});
    out.functions.push_back(std::move(bind));
  }
  return out;
}

}  // namespace vic::ir
