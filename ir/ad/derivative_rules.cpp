// The table of local derivative rules.
#include "ir/ad/derivative_rules.h"

namespace vic::ir {

bool is_differentiable(OpKind kind) {
  switch (kind) {
    case OpKind::FAdd: case OpKind::FSub: case OpKind::FMul: case OpKind::FDiv: case OpKind::FPow:
    case OpKind::FNeg: case OpKind::Exp: case OpKind::Log: case OpKind::Sqrt: case OpKind::Log1p:
    case OpKind::Expm1: case OpKind::Lgamma: case OpKind::Fabs: case OpKind::InvLogit:
    case OpKind::Log1pExp: case OpKind::Select: case OpKind::MatVec: case OpKind::MatVecT:
      return true;
    // Not differentiable: constants, integer and boolean ops, conversions,
    // comparisons, inputs, and digamma (it appears only in lgamma's rule, and
    // vic differentiates once).
    default:
      return false;
  }
}

Value* operand_adjoint(Builder& b, OpKind kind, size_t k, const std::vector<Value*>& x, Value* r, Value* a) {
  auto mul = [&](Value* p, Value* q) { return b.op(OpKind::FMul, {p, q}); };
  auto div = [&](Value* p, Value* q) { return b.op(OpKind::FDiv, {p, q}); };
  auto neg = [&](Value* p) { return b.op(OpKind::FNeg, {p}); };
  auto one = [&] { return b.const_f64(1.0); };
  switch (kind) {
    // d/dx (x + y) = 1, d/dy = 1
    case OpKind::FAdd: return a;
    // d/dx (x - y) = 1, d/dy = -1
    case OpKind::FSub: return k == 0 ? a : neg(a);
    // d/dx (x * y) = y, d/dy = x
    case OpKind::FMul: return mul(a, x[1 - k]);
    // d/dx (x / y) = 1 / y, d/dy = -(x / y) / y
    case OpKind::FDiv: return k == 0 ? div(a, x[1]) : neg(div(mul(a, r), x[1]));
    // d/dx x^y = y x^(y - 1), d/dy = x^y log(x)
    case OpKind::FPow:
      if (k == 0) return mul(a, mul(x[1], b.op(OpKind::FPow, {x[0], b.op(OpKind::FSub, {x[1], one()})})));
      // A zero base has a zero partial in y (as Stan Math's pow), not 0 * log(0).
      return b.op(OpKind::Select, {b.cmp(CmpPredicate::Eq, x[0], b.const_f64(0.0)), b.const_f64(0.0),
                                   mul(a, mul(r, b.op(OpKind::Log, {x[0]})))});
    // d/dx -x = -1
    case OpKind::FNeg: return neg(a);
    // d/dx exp(x) = exp(x)
    case OpKind::Exp: return mul(a, r);
    // d/dx log(x) = 1 / x
    case OpKind::Log: return div(a, x[0]);
    // d/dx sqrt(x) = 1 / (2 sqrt(x))
    case OpKind::Sqrt: return div(a, mul(b.const_f64(2.0), r));
    // d/dx log1p(x) = 1 / (1 + x)
    case OpKind::Log1p: return div(a, b.op(OpKind::FAdd, {one(), x[0]}));
    // d/dx expm1(x) = exp(x) = expm1(x) + 1
    case OpKind::Expm1: return mul(a, b.op(OpKind::FAdd, {r, one()}));
    // d/dx lgamma(x) = digamma(x)
    case OpKind::Lgamma: return mul(a, b.op(OpKind::Digamma, {x[0]}));
    // d/dx |x| = sign(x)
    case OpKind::Fabs: {
      Value* negative = b.cmp(CmpPredicate::Lt, x[0], b.const_f64(0.0));
      return b.op(OpKind::Select, {negative, neg(a), a});
    }
    // d/dx inv_logit(x) = inv_logit(x) (1 - inv_logit(x))
    case OpKind::InvLogit: return mul(a, mul(r, b.op(OpKind::FSub, {one(), r})));
    // d/dx log(1 + exp(x)) = inv_logit(x)
    case OpKind::Log1pExp: return mul(a, b.op(OpKind::InvLogit, {x[0]}));
    // r = A x (A m x n): adj_A = a x' (an outer product), adj_x = A' a.
    // r = A' y:          adj_A = y a',                   adj_y = A a.
    case OpKind::MatVec:
    case OpKind::MatVecT: {
      const bool t = kind == OpKind::MatVecT;
      if (k == 1) return b.op(t ? OpKind::MatVec : OpKind::MatVecT, {x[0], a, x[2], x[3]});
      if (k != 0) return nullptr;
      Value* left = t ? x[1] : a;   // m elements
      Value* right = t ? a : x[1];  // n elements
      Op* outer = b.create_generate(b.op(OpKind::IMul, {x[2], x[3]}), Type::F64, "k");
      Builder in(b.function(), outer->region(0));
      Value* idx = outer->region(0).args[0];
      in.yield({in.op(OpKind::FMul, {in.extract(left, in.op(OpKind::IDiv, {idx, x[3]})),
                                     in.extract(right, in.op(OpKind::IMod, {idx, x[3]}))})});
      return outer->result();
    }
    // d/dx select(c, x, y) = c, d/dy = !c; the condition gets nothing
    case OpKind::Select:
      if (k == 0) return nullptr;
      return b.op(OpKind::Select, {x[0], k == 1 ? a : b.const_f64(0.0), k == 1 ? b.const_f64(0.0) : a});
    default:
      VIC_UNREACHABLE() << "no derivative rule for " << op_spelling(kind);
  }
}

}  // namespace vic::ir
