// data_only_checks: a forward dependence analysis (what reads the parameters),
// run to a fixed point because a loop may load from a buffer before the store
// that makes it parameter-dependent, then one walk that collects the checks
// outside it.
#include "ir/data_only_checks.h"

namespace vic::ir {
namespace {

class ParameterDependence {
 public:
  explicit ParameterDependence(const Function& function) {
    for (const Value* arg : function.body.args) mark(arg);
    do {
      changed_ = false;
      walk(function.body, false);
    } while (changed_);
  }

  // Adds the ids of the data-only checks in `block` to `out`; `dependent_control`
  // when the block runs under parameter-dependent control.
  void collect_checks(const Block& block, bool dependent_control, std::unordered_set<int64_t>& out) const {
    for (const auto& op : block.ops) {
      // A check's condition, or an allocation's size (its out-of-memory check).
      const bool tensor = op->kind == OpKind::TensorSplat || op->kind == OpKind::TensorGenerate;
      const bool guarded = op->kind == OpKind::Check || op->kind == OpKind::Alloc || (tensor && op->integer >= 0);
      if (guarded && !dependent_control && !depends(op->operands[0])) out.insert(op->integer);
      bool control = dependent_control || control_depends(*op);
      for (const auto& region : op->regions) collect_checks(*region, control, out);
    }
  }

 private:
  bool depends(const Value* v) const { return dependent_.count(v) > 0; }

  void mark(const Value* v) {
    if (dependent_.insert(v).second) changed_ = true;
  }

  // Whether the parameters decide if, or how often, `op`'s regions run.
  bool control_depends(const Op& op) const {
    if (op.kind == OpKind::For) return depends(op.operands[0]) || depends(op.operands[1]);
    if (op.kind == OpKind::If) return depends(op.operands[0]);
    if (op.kind == OpKind::While) return depends(op.region(0).terminator()->operands[0]);
    return false;
  }

  void walk(const Block& block, bool dependent_control) {
    for (const auto& op : block.ops) visit(*op, dependent_control);
  }

  void visit(const Op& op, bool dependent_control) {
    switch (op.kind) {
      case OpKind::Store:      // buffer, index, value
      case OpKind::Copy:       // destination, source, size
      case OpKind::KernelRun: {  // destination, inputs and sizes; result: the status
        // What is written into the first operand depends on the others.
        bool dependent = dependent_control;
        for (size_t k = 1; k < op.operands.size(); ++k) dependent = dependent || depends(op.operands[k]);
        if (!dependent) return;
        mark(op.operands[0]);
        for (const Value* r : op.results) mark(r);
        return;
      }
      case OpKind::For:
        visit_for(op, dependent_control);
        return;
      case OpKind::While:
        visit_while(op, dependent_control);
        return;
      case OpKind::If:
        visit_if(op, dependent_control);
        return;
      case OpKind::TensorGenerate: {
        walk(op.region(0), dependent_control);
        const Op* yield = op.region(0).terminator();
        if (dependent_control || depends(op.operands[0]) || (yield && depends(yield->operands[0]))) mark(op.result());
        return;
      }
      case OpKind::Check:
      case OpKind::Yield:
      case OpKind::Return:
        return;
      default: {
        // A random draw differs from call to call: never data-only.
        bool dependent = op.kind == OpKind::RngCall;
        for (const Value* operand : op.operands) dependent |= depends(operand);
        if (dependent) {
          for (const Value* result : op.results) mark(result);
        }
        return;
      }
    }
  }

  // For: operands (lower, upper, inits...); region arguments (index, carried...).
  void visit_for(const Op& op, bool dependent_control) {
    bool control = dependent_control || control_depends(op);
    const Block& body = op.region(0);
    if (control) mark(body.args[0]);
    const Op* yield = body.terminator();
    for (size_t i = 0; i < op.results.size(); ++i) {
      bool dependent = control || depends(op.operands[2 + i]) ||
                       (yield && i < yield->operands.size() && depends(yield->operands[i]));
      if (dependent) {
        mark(body.args[1 + i]);
        mark(op.results[i]);
      }
    }
    walk(body, control);
  }

  // While: operands (inits...); region arguments (carried...), yielding (go, next...).
  void visit_while(const Op& op, bool dependent_control) {
    bool control = dependent_control || control_depends(op);
    const Block& body = op.region(0);
    const Op* yield = body.terminator();
    for (size_t i = 0; i < op.results.size(); ++i) {
      if (control || depends(op.operands[i]) || depends(yield->operands[i + 1])) {
        mark(body.args[i]);
        mark(op.results[i]);
      }
    }
    walk(body, control);
  }

  // If: operand cond; regions then and else, each ending in a yield of the results.
  void visit_if(const Op& op, bool dependent_control) {
    bool control = dependent_control || control_depends(op);
    for (const auto& region : op.regions) walk(*region, control);
    for (size_t i = 0; i < op.results.size(); ++i) {
      bool dependent = control;
      for (const auto& region : op.regions) {
        const Op* yield = region->terminator();
        dependent |= yield && i < yield->operands.size() && depends(yield->operands[i]);
      }
      if (dependent) mark(op.results[i]);
    }
  }

  std::unordered_set<const Value*> dependent_;
  bool changed_ = false;
};

}  // namespace

std::unordered_set<int64_t> data_only_checks(const Function& function) {
  ParameterDependence dependence(function);
  std::unordered_set<int64_t> out;
  dependence.collect_checks(function.body, false, out);
  return out;
}

}  // namespace vic::ir
