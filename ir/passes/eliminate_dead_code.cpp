// eliminate_dead_code: mark what the function's effects need, drop the rest.
// Roots are returns, checks, rng calls, and stores to buffers that are
// function arguments or that a live op loads from; a buffer only ever stored
// to (an unread AD tape, say) dies with its stores.
#include <unordered_set>
#include <vector>

#include "ir/passes/eliminate_dead_code.h"
#include "ir/rewriter.h"

namespace vic::ir {
namespace {

class Liveness {
 public:
  explicit Liveness(const Function& f) {
    bool changed = true;
    while (changed) {
      changed = false;
      visit(f.body, changed);
    }
  }
  bool live(const Op* op) const { return live_.count(op) != 0; }

 private:
  bool value_live(const Value* v) const { return live_values_.count(v) != 0; }

  // Marks `root` and everything it needs, with a worklist rather than
  // recursion: a chain of 10^5 statements is a 10^5-long chain of operands.
  void mark_op(const Op* root, bool& changed) {
    std::vector<const Op*> work{root};
    while (!work.empty()) {
      const Op* op = work.back();
      work.pop_back();
      if (!live_.insert(op).second) continue;
      changed = true;
      for (const Value* x : op->operands)
        if (live_values_.insert(x).second && x->def) work.push_back(x->def);
      // The op that owns the region this op is in must run.
      if (op->parent && op->parent->parent) work.push_back(op->parent->parent);
    }
  }

  static bool is_argument_buffer(const Value* v) { return !v->def && v->owner && !v->owner->parent; }

  void visit(const Block& block, bool& changed) {
    for (const auto& op_ptr : block.ops) {
      const Op* op = op_ptr.get();
      switch (op->kind) {
        case OpKind::Return:
        case OpKind::Check:
        case OpKind::RngCall:
        case OpKind::Print:
          mark_op(op, changed);
          break;
        case OpKind::Copy:
        case OpKind::KernelRun:
          // Live when its output is read (below), or a kernel's status is;
          // then it reads the buffers among its other operands.
          if (live(op))
            for (size_t k = 1; k < op->operands.size(); ++k)
              if (is_buffer(op->operands[k]->type) && loaded_.insert(op->operands[k]).second) changed = true;
          [[fallthrough]];
        case OpKind::Store: {
          const Value* buffer = op->operands[0];
          if (is_argument_buffer(buffer) || (buffer->def && buffer->def->kind == OpKind::DataBuf) ||
              loaded_.count(buffer)) {
            mark_op(op, changed);
          }
          break;
        }
        case OpKind::Load:
          if (live(op) && loaded_.insert(op->operands[0]).second) changed = true;
          break;
        case OpKind::Yield: {
          // A yield is needed when its region's op is; then every yielded
          // value is (carried values feed the next iteration).
          const Op* owner = block.parent;
          if (owner && live(owner)) mark_op(op, changed);
          break;
        }
        default:
          break;
      }
      for (const Value* r : op->results)
        if (value_live(r)) mark_op(op, changed);
      for (const auto& region : op->regions) {
        // A loop's carried arguments are live when the loop is.
        if (live(op))
          for (const Value* a : region->args) live_values_.insert(a);
        visit(*region, changed);
      }
    }
  }

  std::unordered_set<const Op*> live_;
  std::unordered_set<const Value*> live_values_;
  std::unordered_set<const Value*> loaded_;
};

class EliminateDeadCode : public Rewriter {
 public:
  std::unique_ptr<Function> run(const Function& f) {
    Liveness liveness(f);
    liveness_ = &liveness;
    return rewrite(f);
  }

 protected:
  void rewrite_op(const Op& op, Builder& b) override {
    if (!liveness_->live(&op)) return;
    copy_op(op, b);
  }

 private:
  const Liveness* liveness_ = nullptr;
};

}  // namespace

Program eliminate_dead_code(const Program& program) {
  return map_functions(program, [](const Function& f) { return EliminateDeadCode().run(f); });
}

}  // namespace vic::ir
