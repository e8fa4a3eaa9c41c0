// simplify_algebra: identities that hold for every value, including NaN and inf
// (so x * 0 is kept: it is NaN for an infinite x).
#include "ir/passes/simplify_algebra.h"
#include "ir/rewriter.h"

namespace vic::ir {
namespace {

bool is_const(const Value* v, double x) {
  if (!v->def) return false;
  if (v->def->kind == OpKind::ConstF64) return v->def->number == x;
  if (v->def->kind == OpKind::ConstI64) return v->def->integer == static_cast<int64_t>(x);
  return false;
}
bool is_true(const Value* v) { return v->def && v->def->kind == OpKind::ConstBool && v->def->integer; }
bool is_false(const Value* v) { return v->def && v->def->kind == OpKind::ConstBool && !v->def->integer; }

class SimplifyAlgebra : public Rewriter {
 protected:
  void rewrite_op(const Op& op, Builder& b) override {
    std::vector<Value*> x = get_all(op.operands);
    if (Value* s = simplify(op, x, b)) {
      map(op.result(), s);
      return;
    }
    copy_op(op, b);
  }

 private:
  static Value* simplify(const Op& op, const std::vector<Value*>& x, Builder& b) {
    switch (op.kind) {
      // x + 0 = 0 + x = x
      case OpKind::FAdd:
      case OpKind::IAdd:
        if (is_const(x[1], 0)) return x[0];
        if (is_const(x[0], 0)) return x[1];
        return nullptr;
      // x - 0 = x; 0 - x = -x
      case OpKind::FSub:
        if (is_const(x[1], 0)) return x[0];
        if (is_const(x[0], 0)) return b.op(OpKind::FNeg, {x[1]});
        return nullptr;
      case OpKind::ISub:
        return is_const(x[1], 0) ? x[0] : nullptr;
      // x * 1 = 1 * x = x; x * -1 = -x
      case OpKind::FMul:
        if (is_const(x[1], 1)) return x[0];
        if (is_const(x[0], 1)) return x[1];
        if (is_const(x[1], -1)) return b.op(OpKind::FNeg, {x[0]});
        if (is_const(x[0], -1)) return b.op(OpKind::FNeg, {x[1]});
        return nullptr;
      // integers have no NaN: x * 0 = 0
      case OpKind::IMul:
        if (is_const(x[1], 1)) return x[0];
        if (is_const(x[0], 1)) return x[1];
        if (is_const(x[0], 0)) return x[0];
        if (is_const(x[1], 0)) return x[1];
        return nullptr;
      // x / 1 = x
      case OpKind::FDiv:
      case OpKind::IDiv:
        return is_const(x[1], 1) ? x[0] : nullptr;
      // -(-x) = x
      case OpKind::FNeg:
        return (x[0]->def && x[0]->def->kind == OpKind::FNeg) ? x[0]->def->operands[0] : nullptr;
      // log(exp(x)) = x
      case OpKind::Log:
        return (x[0]->def && x[0]->def->kind == OpKind::Exp) ? x[0]->def->operands[0] : nullptr;
      // x ^ 1 = x
      case OpKind::FPow:
        return is_const(x[1], 1) ? x[0] : nullptr;
      // select(c, x, x) = x; select(true, x, y) = x
      case OpKind::Select:
        if (x[1] == x[2]) return x[1];
        if (is_true(x[0])) return x[1];
        if (is_false(x[0])) return x[2];
        return nullptr;
      // true && x = x; false || x = x
      case OpKind::And:
        if (is_true(x[0])) return x[1];
        if (is_true(x[1])) return x[0];
        return nullptr;
      case OpKind::Or:
        if (is_false(x[0])) return x[1];
        if (is_false(x[1])) return x[0];
        return nullptr;
      default:
        return nullptr;
    }
  }
};

}  // namespace

Program simplify_algebra(const Program& program) {
  return rewrite_program(program, [] { return SimplifyAlgebra(); });
}

}  // namespace vic::ir
