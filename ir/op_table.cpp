// The op table (op_table.h): one row per op, in ops.def's order, each
// derivative rule one line of maths.
#include "ir/op_table.h"

#include <cmath>
#include <functional>

#include "ir/builder.h"
#include "ir/kernels.h"

namespace vic::ir {
namespace {

using S = Signature;
using E = Effect;
using D = DerivativeSite;
using Tangents = std::vector<Value*>;

Value* mul(Builder& b, Value* p, Value* q) { return b.op(OpKind::FMul, {p, q}); }
Value* div(Builder& b, Value* p, Value* q) { return b.op(OpKind::FDiv, {p, q}); }
constexpr double kTwoOverSqrtPi = 1.1283791670955126;  // 2 / sqrt(pi)
// c exp(-x^2): the derivative of erf (c = 2 / sqrt(pi)) and of erfc (c = -2 / sqrt(pi)).
Value* gaussian_kernel(Builder& b, Value* x, double c) {
  return mul(b, b.const_f64(c), b.op(OpKind::Exp, {b.op(OpKind::FNeg, {mul(b, x, x)})}));
}
Value* neg(Builder& b, Value* p) { return b.op(OpKind::FNeg, {p}); }
Value* one(Builder& b) { return b.const_f64(1.0); }

// Tangent arithmetic, a null tangent being zero.
Value* t_add(Builder& b, Value* p, Value* q) {
  if (!p) return q;
  if (!q) return p;
  return b.op(OpKind::FAdd, {p, q});
}
Value* t_scale(Builder& b, Value* t, Value* factor) { return t ? mul(b, t, factor) : nullptr; }

// The JVP of an op of one operand whose derivative is `slope`, from its VJP
// with a unit adjoint: the two rules cannot disagree.
Value* jvp_from_vjp(const D& d, const Tangents& t) {
  Value* sum = nullptr;
  for (size_t k = 0; k < t.size(); ++k) {
    if (!t[k]) continue;
    Value* slope = op_info(d.kind).vjp(d, k, one(d.b));
    if (slope) sum = t_add(d.b, sum, mul(d.b, t[k], slope));
  }
  return sum;
}

}  // namespace

Value* tensor_add(Builder& b, Value* p, Value* q) {
  if (!p) return q;
  if (!q) return p;
  Op* gen = b.create_generate(tensor_size(p), Type::F64, "k");
  Builder in(b.function(), gen->region(0));
  Value* k = gen->region(0).args[0];
  in.yield({in.op(OpKind::FAdd, {in.extract(p, k), in.extract(q, k)})});
  return gen->result();
}

namespace {

// r = A x (A m x n): adj_A = a x' (an outer product), adj_x = A' a.
// r = A' y:          adj_A = y a',                   adj_y = A a.
Value* matvec_vjp(const D& d, size_t k, Value* a) {
  const bool transposed = d.kind == OpKind::MatVecT;
  if (k == 1) return d.b.op(transposed ? OpKind::MatVec : OpKind::MatVecT, {d.x[0], a, d.x[2], d.x[3]});
  if (k != 0) return nullptr;
  Value* left = transposed ? d.x[1] : a;   // m elements
  Value* right = transposed ? a : d.x[1];  // n elements
  Op* outer = d.b.create_generate(d.b.op(OpKind::IMul, {d.x[2], d.x[3]}), Type::F64, "k");
  Builder in(d.b.function(), outer->region(0));
  Value* idx = outer->region(0).args[0];
  in.yield({in.op(OpKind::FMul, {in.extract(left, in.op(OpKind::IDiv, {idx, d.x[3]})),
                                 in.extract(right, in.op(OpKind::IMod, {idx, d.x[3]}))})});
  return outer->result();
}

// d(A x) = dA x + A dx, the same for A' y: linear in each operand.
Value* matvec_jvp(const D& d, const Tangents& t) {
  Value* sum = t[0] ? d.b.op(d.kind, {t[0], d.x[1], d.x[2], d.x[3]}) : nullptr;
  return t[1] ? tensor_add(d.b, sum, d.b.op(d.kind, {d.x[0], t[1], d.x[2], d.x[3]})) : sum;
}

// C = A B (A m x k, B k x n):  adj_A = adj_C B'  (matmul.nt),  adj_B = A' adj_C (matmul.tn).
// C = A B' (B n x k):          adj_A = adj_C B   (matmul),     adj_B = adj_C' A (matmul.tn).
// C = A' B (A k x m):          adj_A = B adj_C'  (matmul.nt),  adj_B = A adj_C  (matmul).
Value* matmul(Builder& b, OpKind kind, Value* x, Value* y, Value* m, Value* k, Value* n) {
  return b.op(kind, {x, y, m, k, n, b.op(OpKind::IMul, {m, n})});
}

Value* matmul_vjp(const D& d, size_t operand, Value* a) {
  Builder& b = d.b;
  Value *A = d.x[0], *B = d.x[1], *m = d.x[2], *k = d.x[3], *n = d.x[4];
  if (operand > 1) return nullptr;
  switch (d.kind) {
    case OpKind::MatMul:
      return operand == 0 ? matmul(b, OpKind::MatMulNT, a, B, m, n, k) : matmul(b, OpKind::MatMulTN, A, a, k, m, n);
    case OpKind::MatMulNT:
      return operand == 0 ? matmul(b, OpKind::MatMul, a, B, m, n, k) : matmul(b, OpKind::MatMulTN, a, A, n, m, k);
    default:  // MatMulTN
      return operand == 0 ? matmul(b, OpKind::MatMulNT, B, a, k, n, m) : matmul(b, OpKind::MatMul, A, a, k, m, n);
  }
}

// d(op(A) op(B)) = op(dA) op(B) + op(A) op(dB): the same kind of product.
Value* matmul_jvp(const D& d, const Tangents& t) {
  Value* sum = t[0] ? d.b.op(d.kind, {t[0], d.x[1], d.x[2], d.x[3], d.x[4], d.x[5]}) : nullptr;
  return t[1] ? tensor_add(d.b, sum, d.b.op(d.kind, {d.x[0], t[1], d.x[2], d.x[3], d.x[4], d.x[5]})) : sum;
}

// r = t[o .. o + s): adj_t is the adjoint placed at o, zeros around it.
Value* slice_vjp(const D& d, size_t k, Value* a) {
  if (k != 0) return nullptr;
  Builder& b = d.b;
  Value *offset = d.x[1], *size = d.x[2], *n = tensor_size(d.x[0]);
  Value* zero = b.const_f64(0.0);
  Value* end = b.op(OpKind::IAdd, {offset, size});
  Value* head = b.op(OpKind::TensorConcat, {b.splat(offset, zero), a, end});
  return b.op(OpKind::TensorConcat, {head, b.splat(b.op(OpKind::ISub, {n, end}), zero), n});
}

Value* slice_jvp(const D& d, const Tangents& t) {
  return t[0] ? d.b.op(OpKind::TensorSlice, {t[0], d.x[1], d.x[2]}) : nullptr;
}

// r = a ++ b: adj_a and adj_b are the adjoint's two parts.
Value* concat_vjp(const D& d, size_t k, Value* a) {
  if (k > 1) return nullptr;
  Value* first = tensor_size(d.x[0]);
  if (k == 0) return d.b.op(OpKind::TensorSlice, {a, d.b.const_i64(0), first});
  return d.b.op(OpKind::TensorSlice, {a, first, tensor_size(d.x[1])});
}

Value* concat_jvp(const D& d, const Tangents& t) {
  if (!t[0] && !t[1]) return nullptr;
  auto part = [&](size_t k) { return t[k] ? t[k] : d.b.splat(tensor_size(d.x[k]), d.b.const_f64(0.0)); };
  return d.b.op(OpKind::TensorConcat, {part(0), part(1), d.x[2]});
}

// A kernel's rules are its own (ir/kernels.cpp).
Value* kernel_vjp(const D& d, size_t k, Value* a) {
  const KernelInfo* info = find_kernel(d.name);
  VIC_CHECK(info) << "no kernel '" << d.name << "'";
  return k < info->num_tensors && info->vjp ? info->vjp(d, k, a) : nullptr;
}

Value* kernel_jvp(const D& d, const Tangents& t) {
  const KernelInfo* info = find_kernel(d.name);
  VIC_CHECK(info && info->jvp) << "kernel '" << d.name << "' has no forward rule";
  return info->jvp(d, t);
}

// A tensor of t's size whose element i is f(t[i]).
Value* elementwise(Builder& b, Value* t, const std::function<Value*(Builder&, Value*)>& f) {
  Op* gen = b.create_generate(tensor_size(t), Type::F64, "k");
  Builder in(b.function(), gen->region(0));
  in.yield({f(in, in.extract(t, gen->region(0).args[0]))});
  return gen->result();
}

// r = sum t: adj_t = a everywhere.  r = max t: a where t[i] = r.
// r = log sum exp t: a exp(t[i] - r) (0 when r = -inf: no element counts).
Value* reduce_vjp(const D& d, size_t, Value* a) {
  Builder& b = d.b;
  Value* r = d.r;
  switch (d.kind) {
    case OpKind::ReduceAdd: return b.splat(tensor_size(d.x[0]), a);
    case OpKind::ReduceMax:
      return elementwise(b, d.x[0], [&](Builder& in, Value* x) {
        return in.op(OpKind::Select, {in.cmp(CmpPredicate::Eq, x, r), a, in.const_f64(0.0)});
      });
    default:
      return elementwise(b, d.x[0], [&](Builder& in, Value* x) {
        Value* none = in.cmp(CmpPredicate::Eq, r, in.const_f64(-HUGE_VAL));
        Value* share = in.op(OpKind::Exp, {in.op(OpKind::FSub, {x, r})});
        return in.op(OpKind::Select, {none, in.const_f64(0.0), in.op(OpKind::FMul, {a, share})});
      });
  }
}

// d(reduce t) = sum_i (d reduce / d t[i]) dt[i]: the VJP's weights with a unit adjoint.
Value* reduce_jvp(const D& d, const Tangents& t) {
  if (!t[0]) return nullptr;
  if (d.kind == OpKind::ReduceAdd) return d.b.op(OpKind::ReduceAdd, {t[0]});
  Value* weights = reduce_vjp(d, 0, one(d.b));
  Op* gen = d.b.create_generate(tensor_size(t[0]), Type::F64, "k");
  Builder in(d.b.function(), gen->region(0));
  Value* i = gen->region(0).args[0];
  in.yield({in.op(OpKind::FMul, {in.extract(weights, i), in.extract(t[0], i)})});
  return d.b.op(OpKind::ReduceAdd, {gen->result()});
}

// r = P(a, x) or Q(a, x): the adjoint times P's partial in operand k (a
// then x), negated for Q.
Value* incomplete_gamma_vjp(const D& d, size_t k, Value* a) {
  Value* partial = d.b.op(k == 0 ? OpKind::GammaPDa : OpKind::GammaPDx, {d.x[0], d.x[1]});
  return mul(d.b, d.kind == OpKind::GammaQ ? neg(d.b, a) : a, partial);
}

// r = I_x(a, b) or 1 - I_x(a, b), operands (a, b, x): likewise with I's partials.
Value* incomplete_beta_vjp(const D& d, size_t k, Value* a) {
  static constexpr OpKind kPartial[] = {OpKind::IBetaDa, OpKind::IBetaDb, OpKind::IBetaDx};
  Value* partial = d.b.op(kPartial[k], {d.x[0], d.x[1], d.x[2]});
  return mul(d.b, d.kind == OpKind::IBetaC ? neg(d.b, a) : a, partial);
}

// r = log F(z, alpha) of the skew normal: the adjoint times the partial's op.
Value* skew_normal_lcdf_vjp(const D& d, size_t k, Value* a) {
  return mul(d.b, a, d.b.op(k == 0 ? OpKind::SkewNormalLcdfDz : OpKind::SkewNormalLcdfDalpha, {d.x[0], d.x[1], d.r}));
}

// r = log int_lo^hi f(s) ds, f the von Mises(0, kappa) density: dr/dhi =
// f(hi) / e^r, dr/dlo = -f(lo) / e^r, with
// log f(s) = kappa (cos s - 1) - log(2 pi) - (log I0(kappa) - kappa);
// dr/dkappa from its own op.
Value* von_mises_log_mass_vjp(const D& d, size_t k, Value* a) {
  Builder& b = d.b;
  Value* kappa = d.x[2];
  if (k == 2) return mul(b, a, b.op(OpKind::VonMisesLogMassDkappa, {d.x[0], d.x[1], kappa}));
  Value* log_scaled_i0 = b.op(OpKind::FSub, {b.op(OpKind::LogBesselI0, {kappa}), kappa});
  Value* drop = mul(b, kappa, b.op(OpKind::FSub, {b.op(OpKind::Cos, {d.x[k]}), one(b)}));
  Value* log_ratio = b.op(OpKind::FSub, {b.op(OpKind::FSub, {drop, b.const_f64(std::log(2 * M_PI))}),
                                         b.op(OpKind::FAdd, {log_scaled_i0, d.r})});
  Value* slope = b.op(OpKind::Exp, {log_ratio});
  return mul(b, k == 0 ? neg(b, a) : a, slope);
}

#define NO_RULES nullptr, nullptr

const OpInfo kTable[] = {
    {OpKind::ConstF64, "const.f64", S::Special, E::Input, NO_RULES},
    {OpKind::ConstI64, "const.i64", S::Special, E::Input, NO_RULES},
    {OpKind::ConstBool, "const.i1", S::Special, E::Input, NO_RULES},
    // d(x + y) = dx + dy
    {OpKind::FAdd, "fadd", S::FF_F, E::Pure, [](const D&, size_t, Value* a) { return a; },
     [](const D& d, const Tangents& t) { return t_add(d.b, t[0], t[1]); }},
    // d(x - y) = dx - dy
    {OpKind::FSub, "fsub", S::FF_F, E::Pure, [](const D& d, size_t k, Value* a) { return k == 0 ? a : neg(d.b, a); },
     [](const D& d, const Tangents& t) { return t_add(d.b, t[0], t[1] ? neg(d.b, t[1]) : nullptr); }},
    // d(x y) = y dx + x dy
    {OpKind::FMul, "fmul", S::FF_F, E::Pure, [](const D& d, size_t k, Value* a) { return mul(d.b, a, d.x[1 - k]); },
     [](const D& d, const Tangents& t) { return t_add(d.b, t_scale(d.b, t[0], d.x[1]), t_scale(d.b, t[1], d.x[0])); }},
    // d(x / y) = dx / y - (x / y) dy / y
    {OpKind::FDiv, "fdiv", S::FF_F, E::Pure,
     [](const D& d, size_t k, Value* a) {
       return k == 0 ? div(d.b, a, d.x[1]) : neg(d.b, div(d.b, mul(d.b, a, d.r), d.x[1]));
     },
     jvp_from_vjp},
    // d x^y = y x^(y - 1) dx + x^y log(x) dy; a zero base has a zero partial in
    // y (as Stan Math's pow), not 0 * log(0)
    {OpKind::FPow, "pow", S::FF_F, E::Pure,
     [](const D& d, size_t k, Value* a) {
       Builder& b = d.b;
       if (k == 0) return mul(b, a, mul(b, d.x[1], b.op(OpKind::FPow, {d.x[0], b.op(OpKind::FSub, {d.x[1], one(b)})})));
       return b.op(OpKind::Select, {b.cmp(CmpPredicate::Eq, d.x[0], b.const_f64(0.0)), b.const_f64(0.0),
                                    mul(b, a, mul(b, d.r, b.op(OpKind::Log, {d.x[0]})))});
     },
     jvp_from_vjp},
    // d(-x) = -dx (fadd.reassoc below, after fneg in ops.def)
    {OpKind::FNeg, "fneg", S::F_F, E::Pure, [](const D& d, size_t, Value* a) { return neg(d.b, a); },
     [](const D& d, const Tangents& t) { return t[0] ? neg(d.b, t[0]) : nullptr; }},
    // d(x + y) = dx + dy, in any order
    {OpKind::FAddReassoc, "fadd.reassoc", S::FF_F, E::Pure, [](const D&, size_t, Value* a) { return a; },
     [](const D& d, const Tangents& t) { return t_add(d.b, t[0], t[1]); }},
    // d exp(x) = exp(x) dx
    {OpKind::Exp, "exp", S::F_F, E::Pure, [](const D& d, size_t, Value* a) { return mul(d.b, a, d.r); }, jvp_from_vjp},
    // d log(x) = dx / x
    {OpKind::Log, "log", S::F_F, E::Pure, [](const D& d, size_t, Value* a) { return div(d.b, a, d.x[0]); },
     jvp_from_vjp},
    // d sqrt(x) = dx / (2 sqrt(x))
    {OpKind::Sqrt, "sqrt", S::F_F, E::Pure,
     [](const D& d, size_t, Value* a) { return div(d.b, a, mul(d.b, d.b.const_f64(2.0), d.r)); }, jvp_from_vjp},
    // d log1p(x) = dx / (1 + x)
    {OpKind::Log1p, "log1p", S::F_F, E::Pure,
     [](const D& d, size_t, Value* a) { return div(d.b, a, d.b.op(OpKind::FAdd, {one(d.b), d.x[0]})); }, jvp_from_vjp},
    // d expm1(x) = exp(x) dx = (expm1(x) + 1) dx
    {OpKind::Expm1, "expm1", S::F_F, E::Pure,
     [](const D& d, size_t, Value* a) { return mul(d.b, a, d.b.op(OpKind::FAdd, {d.r, one(d.b)})); }, jvp_from_vjp},
    // d lgamma(x) = digamma(x) dx
    {OpKind::Lgamma, "lgamma", S::F_F, E::Pure,
     [](const D& d, size_t, Value* a) { return mul(d.b, a, d.b.op(OpKind::Digamma, {d.x[0]})); }, jvp_from_vjp},
    // d digamma(x) = trigamma(x) dx
    {OpKind::Digamma, "digamma", S::F_F, E::Pure,
     [](const D& d, size_t, Value* a) { return mul(d.b, a, d.b.op(OpKind::Trigamma, {d.x[0]})); }, jvp_from_vjp},
    // trigamma appears only in digamma's rule, and vic differentiates once.
    {OpKind::Trigamma, "trigamma", S::F_F, E::Pure, NO_RULES},
    // d tgamma(x) = tgamma(x) digamma(x) dx
    {OpKind::Tgamma, "tgamma", S::F_F, E::Pure,
     [](const D& d, size_t, Value* a) { return mul(d.b, a, mul(d.b, d.r, d.b.op(OpKind::Digamma, {d.x[0]}))); },
     jvp_from_vjp},
    // d erf(x) = 2 / sqrt(pi) exp(-x^2) dx; d erfc(x) = -that
    {OpKind::Erf, "erf", S::F_F, E::Pure,
     [](const D& d, size_t, Value* a) { return mul(d.b, a, gaussian_kernel(d.b, d.x[0], kTwoOverSqrtPi)); },
     jvp_from_vjp},
    {OpKind::Erfc, "erfc", S::F_F, E::Pure,
     [](const D& d, size_t, Value* a) { return mul(d.b, a, gaussian_kernel(d.b, d.x[0], -kTwoOverSqrtPi)); },
     jvp_from_vjp},
    // d tanh(x) = (1 - tanh(x)^2) dx
    {OpKind::Tanh, "tanh", S::F_F, E::Pure,
     [](const D& d, size_t, Value* a) {
       return mul(d.b, a, d.b.op(OpKind::FSub, {d.b.const_f64(1.0), mul(d.b, d.r, d.r)}));
     },
     jvp_from_vjp},
    // d sin(x) = cos(x) dx; d cos(x) = -sin(x) dx; d atan(x) = dx / (1 + x^2)
    {OpKind::Sin, "sin", S::F_F, E::Pure,
     [](const D& d, size_t, Value* a) { return mul(d.b, a, d.b.op(OpKind::Cos, {d.x[0]})); }, jvp_from_vjp},
    {OpKind::Cos, "cos", S::F_F, E::Pure,
     [](const D& d, size_t, Value* a) { return neg(d.b, mul(d.b, a, d.b.op(OpKind::Sin, {d.x[0]}))); }, jvp_from_vjp},
    {OpKind::Atan, "atan", S::F_F, E::Pure,
     [](const D& d, size_t, Value* a) {
       return d.b.op(OpKind::FDiv, {a, d.b.op(OpKind::FAdd, {one(d.b), mul(d.b, d.x[0], d.x[0])})});
     },
     jvp_from_vjp},
    // Steps: their derivative is zero wherever it exists.
    {OpKind::Floor, "floor", S::F_F, E::Pure, [](const D& d, size_t, Value*) { return d.b.const_f64(0.0); }, jvp_from_vjp},
    {OpKind::Ceil, "ceil", S::F_F, E::Pure, [](const D& d, size_t, Value*) { return d.b.const_f64(0.0); }, jvp_from_vjp},
    {OpKind::Round, "round", S::F_F, E::Pure, [](const D& d, size_t, Value*) { return d.b.const_f64(0.0); }, jvp_from_vjp},
    {OpKind::Trunc, "trunc", S::F_F, E::Pure, [](const D& d, size_t, Value*) { return d.b.const_f64(0.0); }, jvp_from_vjp},
    // d log I0(x) = I1(x) / I0(x) dx
    {OpKind::LogBesselI0, "log_bessel_i0", S::F_F, E::Pure,
     [](const D& d, size_t, Value* a) { return mul(d.b, a, d.b.op(OpKind::BesselI1OverI0, {d.x[0]})); }, jvp_from_vjp},
    // I1 / I0 appears only in log I0's rule, and vic differentiates once.
    {OpKind::BesselI1OverI0, "bessel_i1_over_i0", S::F_F, E::Pure, NO_RULES},
    // Student-t CDFs of parameters are rejected before lowering (check_supported).
    {OpKind::StudentTCdf, "student_t_cdf", S::FF_F, E::Pure, NO_RULES},
    // dP(a, x) = P_a(a, x) da + P_x(a, x) dx; dQ = -dP
    {OpKind::GammaP, "gamma_p", S::FF_F, E::Pure, incomplete_gamma_vjp, jvp_from_vjp},
    {OpKind::GammaQ, "gamma_q", S::FF_F, E::Pure, incomplete_gamma_vjp, jvp_from_vjp},
    // P's partials appear only in P's and Q's rules, and vic differentiates once.
    {OpKind::GammaPDx, "gamma_p.dx", S::FF_F, E::Pure, NO_RULES},
    {OpKind::GammaPDa, "gamma_p.da", S::FF_F, E::Pure, NO_RULES},
    // dI(a, b, x) = I_a da + I_b db + I_x dx; d(1 - I) = -dI
    {OpKind::IBeta, "ibeta", S::FFF_F, E::Pure, incomplete_beta_vjp, jvp_from_vjp},
    {OpKind::IBetaC, "ibetac", S::FFF_F, E::Pure, incomplete_beta_vjp, jvp_from_vjp},
    {OpKind::IBetaDx, "ibeta.dx", S::FFF_F, E::Pure, NO_RULES},
    {OpKind::IBetaDa, "ibeta.da", S::FFF_F, E::Pure, NO_RULES},
    {OpKind::IBetaDb, "ibeta.db", S::FFF_F, E::Pure, NO_RULES},
    // d erfcx(x) = (2 x erfcx(x) - 2 / sqrt(pi)) dx
    {OpKind::Erfcx, "erfcx", S::F_F, E::Pure,
     [](const D& d, size_t, Value* a) {
       Value* slope = d.b.op(OpKind::FSub, {mul(d.b, mul(d.b, d.b.const_f64(2.0), d.x[0]), d.r), d.b.const_f64(kTwoOverSqrtPi)});
       return mul(d.b, a, slope);
     },
     jvp_from_vjp},
    // d log F(z, alpha) = F_z / F dz + F_alpha / F dalpha, each from its op
    {OpKind::SkewNormalLcdf, "skew_normal_lcdf", S::FF_F, E::Pure, skew_normal_lcdf_vjp, jvp_from_vjp},
    // The partials appear only in the rules above, and vic differentiates once.
    {OpKind::SkewNormalLcdfDz, "skew_normal_lcdf.dz", S::FFF_F, E::Pure, NO_RULES},
    {OpKind::SkewNormalLcdfDalpha, "skew_normal_lcdf.dalpha", S::FFF_F, E::Pure, NO_RULES},
    // d log P(lo <= Y <= hi) = (f(hi) dhi - f(lo) dlo) / P + (its partial in kappa) dkappa
    {OpKind::VonMisesLogMass, "von_mises_log_mass", S::FFF_F, E::Pure, von_mises_log_mass_vjp, jvp_from_vjp},
    {OpKind::VonMisesLogMassDkappa, "von_mises_log_mass.dkappa", S::FFF_F, E::Pure, NO_RULES},
    // d |x| = sign(x) dx
    {OpKind::Fabs, "fabs", S::F_F, E::Pure,
     [](const D& d, size_t, Value* a) {
       return d.b.op(OpKind::Select, {d.b.cmp(CmpPredicate::Lt, d.x[0], d.b.const_f64(0.0)), neg(d.b, a), a});
     },
     jvp_from_vjp},
    // d inv_logit(x) = inv_logit(x) (1 - inv_logit(x)) dx
    {OpKind::InvLogit, "inv_logit", S::F_F, E::Pure,
     [](const D& d, size_t, Value* a) { return mul(d.b, a, mul(d.b, d.r, d.b.op(OpKind::FSub, {one(d.b), d.r}))); },
     jvp_from_vjp},
    // d log(1 + exp(x)) = inv_logit(x) dx
    {OpKind::Log1pExp, "log1p_exp", S::F_F, E::Pure,
     [](const D& d, size_t, Value* a) { return mul(d.b, a, d.b.op(OpKind::InvLogit, {d.x[0]})); }, jvp_from_vjp},
    {OpKind::IAdd, "iadd", S::II_I, E::Pure, NO_RULES},
    {OpKind::ISub, "isub", S::II_I, E::Pure, NO_RULES},
    {OpKind::IMul, "imul", S::II_I, E::Pure, NO_RULES},
    {OpKind::IDiv, "idiv", S::II_I, E::Pure, NO_RULES},
    {OpKind::IMod, "imod", S::II_I, E::Pure, NO_RULES},
    {OpKind::IAddOverflows, "iadd.ovf", S::II_B, E::Pure, NO_RULES},
    {OpKind::ISubOverflows, "isub.ovf", S::II_B, E::Pure, NO_RULES},
    {OpKind::IMulOverflows, "imul.ovf", S::II_B, E::Pure, NO_RULES},
    {OpKind::IToF, "itof", S::I_F, E::Pure, NO_RULES},
    {OpKind::FToI, "ftoi", S::F_I, E::Pure, NO_RULES},
    {OpKind::FCmp, "fcmp", S::Special, E::Pure, NO_RULES},
    {OpKind::ICmp, "icmp", S::Special, E::Pure, NO_RULES},
    {OpKind::And, "and", S::BB_B, E::Pure, NO_RULES},
    {OpKind::Or, "or", S::BB_B, E::Pure, NO_RULES},
    {OpKind::Not, "not", S::B_B, E::Pure, NO_RULES},
    // d select(c, x, y) = c ? dx : dy; the condition gets nothing
    {OpKind::Select, "select", S::Select, E::Pure,
     [](const D& d, size_t k, Value* a) -> Value* {
       if (k == 0) return nullptr;
       Value* zero = d.b.const_f64(0.0);
       return d.b.op(OpKind::Select, {d.x[0], k == 1 ? a : zero, k == 1 ? zero : a});
     },
     [](const D& d, const Tangents& t) -> Value* {
       if (!t[1] && !t[2]) return nullptr;
       Value* zero = d.b.const_f64(0.0);
       return d.b.op(OpKind::Select, {d.x[0], t[1] ? t[1] : zero, t[2] ? t[2] : zero});
     }},
    {OpKind::Alloc, "alloc", S::Special, E::Allocates, NO_RULES},
    {OpKind::Load, "load", S::Special, E::Pure, NO_RULES},
    {OpKind::Store, "store", S::Special, E::Writes, NO_RULES},
    // The tensor ops' adjoints move whole elements (reverse_mode.cpp).
    {OpKind::TensorSplat, "tensor.splat", S::Special, E::Pure, NO_RULES},
    {OpKind::TensorGenerate, "tensor.generate", S::Special, E::Region, NO_RULES},
    {OpKind::TensorExtract, "tensor.extract", S::Special, E::Pure, NO_RULES},
    {OpKind::TensorInsert, "tensor.insert", S::Special, E::Pure, NO_RULES},
    {OpKind::TensorSlice, "tensor.slice", S::Slice, E::Pure, slice_vjp, slice_jvp},
    {OpKind::TensorConcat, "tensor.concat", S::Concat, E::Pure, concat_vjp, concat_jvp},
    {OpKind::MatVec, "matvec", S::MatVec, E::Pure, matvec_vjp, matvec_jvp},
    {OpKind::MatVecT, "matvec.t", S::MatVec, E::Pure, matvec_vjp, matvec_jvp},
    {OpKind::MatMul, "matmul", S::MatMul, E::Pure, matmul_vjp, matmul_jvp},
    {OpKind::MatMulNT, "matmul.nt", S::MatMul, E::Pure, matmul_vjp, matmul_jvp},
    {OpKind::MatMulTN, "matmul.tn", S::MatMul, E::Pure, matmul_vjp, matmul_jvp},
    {OpKind::ReduceAdd, "tensor.reduce.add", S::T_F, E::Pure, reduce_vjp, reduce_jvp},
    {OpKind::ReduceMax, "tensor.reduce.max", S::T_F, E::Pure, reduce_vjp, reduce_jvp},
    {OpKind::ReduceLogSumExp, "tensor.reduce.lse", S::T_F, E::Pure, reduce_vjp, reduce_jvp},
    {OpKind::KernelCall, "kernel.call", S::Special, E::Pure, kernel_vjp, kernel_jvp},
    {OpKind::KernelRun, "kernel.run", S::Special, E::Writes, NO_RULES},
    {OpKind::Copy, "copy", S::Special, E::Writes, NO_RULES},
    {OpKind::DataInt, "data.int", S::Special, E::Input, NO_RULES},
    {OpKind::DataReal, "data.real", S::Special, E::Input, NO_RULES},
    {OpKind::DataBuf, "data.buf", S::Special, E::Input, NO_RULES},
    {OpKind::For, "for", S::Special, E::Region, NO_RULES},
    {OpKind::If, "if", S::Special, E::Region, NO_RULES},
    {OpKind::While, "while", S::Special, E::Region, NO_RULES},
    {OpKind::Yield, "yield", S::Special, E::Terminator, NO_RULES},
    {OpKind::Return, "return", S::Special, E::Terminator, NO_RULES},
    {OpKind::Check, "check", S::Special, E::Checks, NO_RULES},
    {OpKind::RngCall, "rng", S::Special, E::Random, NO_RULES},
    {OpKind::Print, "print", S::Special, E::Output, NO_RULES},
};

#undef NO_RULES

constexpr size_t kNumOps = 0
#define OP(Name) +1
#include "ir/ops.def"
    ;
static_assert(sizeof(kTable) / sizeof(kTable[0]) == kNumOps, "the op table needs one row per op in ops.def");

}  // namespace

const OpInfo& op_info(OpKind kind) {
  const OpInfo& info = kTable[static_cast<size_t>(kind)];
  VIC_CHECK(info.kind == kind) << "the op table's rows are out of ops.def's order at " << info.spelling;
  return info;
}

SignatureTypes signature_types(OpKind kind, const std::vector<Type>& ops) {
  const Type f = Type::F64, i = Type::I64, b = Type::I1, t = tensor_of(Type::F64);
  switch (op_info(kind).signature) {
    case S::Special: VIC_UNREACHABLE() << op_spelling(kind) << " has a Builder method of its own";
    case S::F_F: return {{f}, f};
    case S::FF_F: return {{f, f}, f};
    case S::FFF_F: return {{f, f, f}, f};
    case S::I_F: return {{i}, f};
    case S::F_I: return {{f}, i};
    case S::II_I: return {{i, i}, i};
    case S::II_B: return {{i, i}, b};
    case S::B_B: return {{b}, b};
    case S::BB_B: return {{b, b}, b};
    case S::Select: {
      const Type x = ops.size() > 1 ? ops[1] : f;
      return {{b, x, x}, x};
    }
    case S::MatVec: return {{t, t, i, i}, t};
    case S::MatMul: return {{t, t, i, i, i, i}, t};
    case S::T_F: return {{t}, f};
    case S::Slice: return {{t, i, i}, t};
    case S::Concat: return {{t, t, i}, t};
  }
  VIC_UNREACHABLE();
}

std::optional<Type> signature_result(OpKind kind, const std::vector<Type>& ops, std::string* expected) {
  const SignatureTypes sig = signature_types(kind, ops);
  if (ops == sig.operands) return sig.result;
  if (expected) {
    *expected = "(";
    for (size_t k = 0; k < sig.operands.size(); ++k) *expected += (k ? ", " : "") + type_name(sig.operands[k]);
    *expected += ")";
  }
  return std::nullopt;
}

}  // namespace vic::ir
