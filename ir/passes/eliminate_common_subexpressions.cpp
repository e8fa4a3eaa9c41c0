// eliminate_common_subexpressions: one op for each distinct pure computation
// visible at a point. Scoped like the regions: an op in a loop body may reuse
// one from outside, not the other way round.
#include <cstring>
#include <map>
#include <tuple>
#include <unordered_set>

#include "ir/passes/eliminate_common_subexpressions.h"
#include "ir/rewriter.h"

namespace vic::ir {
namespace {

using Key = std::tuple<OpKind, std::vector<const Value*>, uint64_t, int64_t, std::string>;

void collect_stored_buffers(const Block& block, std::unordered_set<const Value*>& stored) {
  for (const auto& op : block.ops) {
    if (writes_first_operand(*op)) stored.insert(op->operands[0]);
    for (const auto& r : op->regions) collect_stored_buffers(*r, stored);
  }
}

class EliminateCommonSubexpressions : public Rewriter {
 public:
  std::unique_ptr<Function> run(const Function& f) {
    collect_stored_buffers(f.body, stored_);
    return rewrite(f);
  }

 protected:
  // Each region is a scope of its own: the branches of an `if` see what
  // encloses them, never each other.
  void rewrite_block(const Block& src, Block& dst, Builder& b) override {
    scopes_.emplace_back();
    checked_.emplace_back();
    Rewriter::rewrite_block(src, dst, b);
    checked_.pop_back();
    scopes_.pop_back();
  }

  void rewrite_op(const Op& op, Builder& b) override {
    // A check of a condition already checked in scope adds nothing: if the
    // first failed, the point is rejected already.
    if (op.kind == OpKind::Check) {
      const Value* cond = get(op.operands[0]);
      for (const auto& scope : checked_)
        if (scope.count(cond)) return;
      checked_.back().insert(cond);
      copy_op(op, b);
      return;
    }
    // Two equal tensors stay two: merged, they would share one buffer, and
    // updating one in place would need a copy of the other.
    bool mergeable = op.is_pure() && op.results.size() == 1 && !op.result()->type.is_tensor() &&
                     !(op.kind == OpKind::Load && stored_.count(op.operands[0]));
    if (!mergeable) {
      copy_op(op, b);
      return;
    }
    std::vector<Value*> mapped = get_all(op.operands);
    std::vector<const Value*> operands(mapped.begin(), mapped.end());
    uint64_t bits;
    std::memcpy(&bits, &op.number, sizeof bits);
    Key key{op.kind, operands, bits, op.integer, op.name};
    for (auto scope = scopes_.rbegin(); scope != scopes_.rend(); ++scope) {
      auto it = scope->find(key);
      if (it != scope->end()) {
        map(op.result(), it->second);
        return;
      }
    }
    copy_op(op, b);
    scopes_.back()[key] = get(op.result());
  }

 private:
  std::unordered_set<const Value*> stored_;
  std::vector<std::map<Key, Value*>> scopes_;
  std::vector<std::unordered_set<const Value*>> checked_;
};

}  // namespace

Program eliminate_common_subexpressions(const Program& program) {
  return map_functions(program, [](const Function& f) { return EliminateCommonSubexpressions().run(f); });
}

}  // namespace vic::ir
