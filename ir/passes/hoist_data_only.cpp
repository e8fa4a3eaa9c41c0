// hoist_data_only: the log-density functions are evaluated thousands of times
// with the same data; what depends on the data alone is computed once, when
// the data is bound. A top-level op is hoisted when everything it reads is a
// constant, a data field or another hoisted op, and it has no effects (a loop
// qualifies when its body only computes: a data-only reduction such as
// mean(x) or sd(x)). Hoisted f64 values that the remaining code uses are
// written by `@bind.<name>` into the scratch buffer `__hoisted.<name>`.
#include <unordered_set>

#include "ir/passes/passes.h"
#include "ir/rewriter.h"

namespace vic::ir {
namespace {

bool is_input(OpKind k) {
  return k == OpKind::ConstF64 || k == OpKind::ConstI64 || k == OpKind::ConstBool || k == OpKind::DataInt ||
         k == OpKind::DataReal || k == OpKind::DataBuf;
}

// Whether a region only computes from `hoisted` values and its own.
bool region_is_data_only(const Block& block, const std::unordered_set<const Value*>& hoisted,
                         std::unordered_set<const Value*>& inner) {
  for (const Value* a : block.args) inner.insert(a);
  for (const auto& op : block.ops) {
    if (op->kind == OpKind::Store || op->kind == OpKind::Check || op->kind == OpKind::RngCall ||
        op->kind == OpKind::Alloc || op->kind == OpKind::Return) {
      return false;
    }
    for (const Value* x : op->operands) {
      if (!hoisted.count(x) && !inner.count(x)) return false;
    }
    if (op->kind == OpKind::Load && !(op->operands[0]->def && op->operands[0]->def->kind == OpKind::DataBuf)) return false;
    for (const auto& r : op->regions)
      if (!region_is_data_only(*r, hoisted, inner)) return false;
    for (const Value* r : op->results) inner.insert(r);
  }
  return true;
}

struct HoistPlan {
  std::unordered_set<const Op*> ops;         // top-level ops moved to bind
  std::unordered_set<const Value*> values;   // their results
  std::vector<const Value*> exported;        // f64 results used by what stays
};

HoistPlan plan(const Function& f) {
  HoistPlan p;
  for (const auto& op : f.body.ops) {
    bool ok = op->kind != OpKind::Load && (op->is_pure() || op->kind == OpKind::For || op->kind == OpKind::If);
    if (op->kind == OpKind::Load) {
      // A load from a data buffer at a data-only index.
      const Value* buf = op->operands[0];
      ok = buf->def && buf->def->kind == OpKind::DataBuf && p.values.count(op->operands[1]);
    }
    for (const Value* x : op->operands) ok = ok && p.values.count(x);
    if (ok && !op->regions.empty()) {
      std::unordered_set<const Value*> inner;
      for (const auto& r : op->regions) ok = ok && region_is_data_only(*r, p.values, inner);
    }
    if (!ok) continue;
    p.ops.insert(op.get());
    for (const Value* r : op->results) p.values.insert(r);
  }
  // Export the non-trivial f64 results used by ops that stay.
  std::unordered_set<const Value*> exported;
  std::function<void(const Block&)> scan = [&](const Block& block) {
    for (const auto& op : block.ops) {
      if (&block == &f.body && p.ops.count(op.get())) continue;
      for (const Value* x : op->operands) {
        if (p.values.count(x) && x->type == Type::F64 && !is_input(x->def->kind) && exported.insert(x).second) {
          p.exported.push_back(x);
        }
      }
      for (const auto& r : op->regions) scan(*r);
    }
  };
  scan(f.body);
  return p;
}

// The function without its hoisted ops; exported values read from scratch.
class ReadHoisted : public Rewriter {
 public:
  ReadHoisted(const HoistPlan& plan, std::string scratch) : plan_(plan), scratch_(std::move(scratch)) {}

 protected:
  void rewrite_op(const Op& op, Builder& b) override {
    if (op.parent == &source_body() && plan_.ops.count(&op)) {
      // Inputs are cheap and may be needed by what stays: keep them.
      if (is_input(op.kind)) copy_op(op, b);
      for (const Value* r : op.results) {
        auto it = std::find(plan_.exported.begin(), plan_.exported.end(), r);
        if (it != plan_.exported.end()) {
          if (!buffer_) buffer_ = b.data_buf(scratch_, Type::F64);
          map(r, b.load(buffer_, b.const_i64(it - plan_.exported.begin())));
        } else if (!has(r)) {
          copy_op(op, b);  // an int or bool the rest needs: recompute it here
          return;
        }
      }
      return;
    }
    copy_op(op, b);
  }

 public:
  const Block* body_ = nullptr;

 private:
  const Block& source_body() const { return *body_; }
  const HoistPlan& plan_;
  std::string scratch_;
  Value* buffer_ = nullptr;
};

}  // namespace

Program hoist_data_only(const Program& program) {
  Program out;
  out.checks = program.checks;
  out.scratch_buffers = program.scratch_buffers;
  for (const auto& f : program.functions) {
    bool log_density = f->name == "lp" || f->name == "lp_full";
    HoistPlan p = log_density ? plan(*f) : HoistPlan{};
    if (p.exported.empty()) {
      out.functions.push_back(clone_program_function(*f));
      continue;
    }
    std::string scratch = "__hoisted." + f->name;
    ReadHoisted reader(p, scratch);
    reader.body_ = &f->body;
    out.functions.push_back(reader.rewrite(*f));
    // @bind.<name>: the hoisted ops, then the exported values stored.
    auto bind = std::make_unique<Function>("bind." + f->name, std::vector<FunctionArg>{}, std::vector<Type>{});
    Builder b(*bind, bind->body);
    struct Copier : Rewriter {
      using Rewriter::copy_op;
      using Rewriter::get;
      void start(Function& target) { target_ = &target; }
    } copier;
    copier.start(*bind);
    for (const auto& op : f->body.ops)
      if (p.ops.count(op.get())) copier.copy_op(*op, b);
    Value* buffer = b.data_buf(scratch, Type::F64);
    for (size_t k = 0; k < p.exported.size(); ++k) b.store(buffer, b.const_i64(k), copier.get(p.exported[k]));
    b.ret({});
    out.scratch_buffers.push_back({scratch, static_cast<int64_t>(p.exported.size()), bind->name});
    out.functions.push_back(std::move(bind));
  }
  return out;
}

}  // namespace vic::ir
