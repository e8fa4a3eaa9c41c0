// Stan's scalar functions as IR, each as Stan's math library defines it; the
// formula is in the comment beside it.
#include "stdlib/scalar_functions.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "stdlib/ops.h"
#include "support/check.h"

namespace vic::stdlib {
namespace {

using ir::Builder;
using ir::CmpPredicate;
using ir::OpKind;
using ir::Type;
using ir::Value;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kSqrtHalf = 0.70710678118654752440;  // 1 / sqrt(2)

// The larger and the smaller of two values of one type (f64 or i64).
Value* larger(Builder& b, Value* x, Value* y) { return b.op(OpKind::Select, {b.cmp(CmpPredicate::Gt, x, y), x, y}); }
Value* smaller(Builder& b, Value* x, Value* y) { return b.op(OpKind::Select, {b.cmp(CmpPredicate::Lt, x, y), x, y}); }

// log(exp(a) + exp(b)) = max + log1p(exp(min - max)), for finite max.
Value* log_sum_exp2(Ops& o, Value* a, Value* b) {
  Value* hi = larger(o.b, a, b);
  Value* lo = smaller(o.b, a, b);
  Value* sum = o.add(hi, o.b.op(OpKind::Log1pExp, {o.sub(lo, hi)}));
  // Both -inf: -inf (the difference would be NaN).
  return o.select(o.b.cmp(CmpPredicate::Eq, hi, o.c(-kInf)), hi, sum);
}

// log(1 - exp(x)), x <= 0: log(-expm1(x)) near 0, log1p(-exp(x)) below log(1/2).
Value* log1m_exp(Ops& o, Value* x) {
  Value* near_zero = o.log(o.neg(o.expm1(x)));
  Value* far = o.log1m(o.exp(x));
  return o.select(o.b.cmp(CmpPredicate::Gt, x, o.c(-std::numbers::ln2)), near_zero, far);
}

}  // namespace

Value* build_function(Builder& b, std::string_view name, Value* x) {
  Ops o{b};
  x = o.real(x);
  if (name == "exp") return o.exp(x);
  if (name == "log") return o.log(x);
  if (name == "sqrt") return b.op(OpKind::Sqrt, {x});
  if (name == "square") return o.square(x);
  if (name == "fabs" || name == "abs") return b.op(OpKind::Fabs, {x});
  if (name == "inv_logit") return b.op(OpKind::InvLogit, {x});
  // logit(x) = log(x) - log(1 - x)
  if (name == "logit") return o.sub(o.log(x), o.log1m(x));
  if (name == "log1p") return o.log1p(x);
  if (name == "expm1") return o.expm1(x);
  if (name == "lgamma") return o.lgamma(x);
  if (name == "digamma") return b.op(OpKind::Digamma, {x});
  if (name == "tgamma") return b.op(OpKind::Tgamma, {x});
  if (name == "erf") return b.op(OpKind::Erf, {x});
  if (name == "erfc") return b.op(OpKind::Erfc, {x});
  if (name == "tanh") return b.op(OpKind::Tanh, {x});
  if (name == "sin") return b.op(OpKind::Sin, {x});
  if (name == "cos") return b.op(OpKind::Cos, {x});
  if (name == "tan") return o.div(b.op(OpKind::Sin, {x}), b.op(OpKind::Cos, {x}));
  if (name == "atan") return b.op(OpKind::Atan, {x});
  // asin(x) = atan(x / sqrt(1 - x^2)); acos(x) = pi / 2 - asin(x)
  if (name == "asin" || name == "acos") {
    Value* s = b.op(OpKind::Atan, {o.div(x, b.op(OpKind::Sqrt, {o.sub(o.c(1.0), o.square(x))}))});
    return name == "asin" ? s : o.sub(o.c(std::numbers::pi / 2), s);
  }
  // sinh and cosh through expm1 and exp: (e^x - e^-x) / 2 without cancellation near 0.
  if (name == "sinh") return o.mul(o.c(0.5), o.sub(o.expm1(x), o.expm1(o.neg(x))));
  if (name == "cosh") return o.mul(o.c(0.5), o.add(o.exp(x), o.exp(o.neg(x))));
  // asinh(x) = sign(x) log1p(|x| + x^2 / (1 + sqrt(1 + x^2)))
  if (name == "asinh") {
    Value* a = b.op(OpKind::Fabs, {x});
    Value* r = o.log1p(o.add(a, o.div(o.square(a), o.add(o.c(1.0), b.op(OpKind::Sqrt, {o.add(o.c(1.0), o.square(a))})))));
    return o.select(b.cmp(CmpPredicate::Lt, x, o.c(0.0)), o.neg(r), r);
  }
  // acosh(x) = log(x + sqrt(x^2 - 1)); atanh(x) = (log1p(x) - log1p(-x)) / 2
  if (name == "acosh") return o.log(o.add(x, b.op(OpKind::Sqrt, {o.sub(o.square(x), o.c(1.0))})));
  if (name == "atanh") return o.mul(o.c(0.5), o.sub(o.log1p(x), o.log1m(x)));
  // cbrt(x) = sign(x) |x|^(1/3)
  if (name == "cbrt") {
    Value* r = b.op(OpKind::FPow, {b.op(OpKind::Fabs, {x}), o.c(1.0 / 3.0)});
    return o.select(b.cmp(CmpPredicate::Lt, x, o.c(0.0)), o.neg(r), r);
  }
  if (name == "floor") return b.op(OpKind::Floor, {x});
  if (name == "ceil") return b.op(OpKind::Ceil, {x});
  if (name == "round") return b.op(OpKind::Round, {x});
  if (name == "trunc") return b.op(OpKind::Trunc, {x});
  if (name == "log1m") return o.log1m(x);
  if (name == "log1p_exp") return b.op(OpKind::Log1pExp, {x});
  // log(inv_logit(x)) = -log1p_exp(-x); log(1 - inv_logit(x)) = -log1p_exp(x)
  if (name == "log_inv_logit") return o.neg(b.op(OpKind::Log1pExp, {o.neg(x)}));
  if (name == "log1m_inv_logit") return o.neg(b.op(OpKind::Log1pExp, {x}));
  if (name == "log1m_exp") return log1m_exp(o, x);
  if (name == "log10") return o.div(o.log(x), o.c(std::numbers::ln10));
  if (name == "log2") return o.div(o.log(x), o.c(std::numbers::ln2));
  // Phi(x) = erfc(-x / sqrt(2)) / 2: no cancellation in either tail.
  if (name == "Phi") return o.mul(o.c(0.5), b.op(OpKind::Erfc, {o.mul(o.c(-kSqrtHalf), x)}));
  // Phi_approx(x) = inv_logit(0.07056 x^3 + 1.5976 x)
  if (name == "Phi_approx")
    return b.op(OpKind::InvLogit, {o.add(o.mul(o.c(0.07056), o.mul(x, o.square(x))), o.mul(o.c(1.5976), x))});
  // inv_cloglog(x) = 1 - exp(-exp(x)) = -expm1(-exp(x))
  if (name == "inv_cloglog") return o.neg(o.expm1(o.neg(o.exp(x))));
  if (name == "inv") return o.div(o.c(1.0), x);
  if (name == "inv_sqrt") return o.div(o.c(1.0), b.op(OpKind::Sqrt, {x}));
  if (name == "inv_square") return o.div(o.c(1.0), o.square(x));
  // step(x) = 0 when x < 0, else 1
  if (name == "step") return o.select(o.less(x, o.c(0.0)), o.c(0.0), o.c(1.0));
  VIC_UNREACHABLE() << "no elementwise function '" << name << "'";
}

bool is_scalar_function(std::string_view name) {
  for (std::string_view f : {"pow",
                             "fmin",
                             "fmax",
                             "fdim",
                             "fma",
                             "log_diff_exp",
                             "log_mix",
                             "lbeta",
                             "lchoose",
                             "binary_log_loss",
                             "min",
                             "max",
                             "int_step",
                             "is_inf",
                             "is_nan",
                             "pi",
                             "e",
                             "sqrt2",
                             "log2",
                             "log10",
                             "not_a_number",
                             "positive_infinity",
                             "negative_infinity",
                             "machine_precision",
                             "atan2",
                             "hypot",
                             "fmod"}) {
    if (name == f) return true;
  }
  return false;
}

Value* build_scalar_function(Builder& b, std::string_view name, const std::vector<Value*>& xs) {
  Ops o{b};
  auto x = [&](size_t k) { return o.real(xs.at(k)); };
  // Constants.
  if (xs.empty()) {
    if (name == "pi") return o.c(std::numbers::pi);
    if (name == "e") return o.c(std::numbers::e);
    if (name == "sqrt2") return o.c(std::numbers::sqrt2);
    if (name == "log2") return o.c(std::numbers::ln2);
    if (name == "log10") return o.c(std::numbers::ln10);
    if (name == "not_a_number") return o.c(std::numeric_limits<double>::quiet_NaN());
    if (name == "positive_infinity") return o.c(kInf);
    if (name == "negative_infinity") return o.c(-kInf);
    if (name == "machine_precision") return o.c(std::numeric_limits<double>::epsilon());
  }
  const bool ints = !xs.empty() && std::all_of(xs.begin(), xs.end(), [](Value* v) { return v->type == Type::I64; });
  if (name == "min") return ints ? smaller(b, xs[0], xs[1]) : smaller(b, x(0), x(1));
  if (name == "max") return ints ? larger(b, xs[0], xs[1]) : larger(b, x(0), x(1));
  // int_step(x) = 1 when x > 0, else 0 (NaN: 0)
  if (name == "int_step") {
    Value* positive = xs[0]->type == Type::I64 ? b.cmp(CmpPredicate::Gt, xs[0], b.const_i64(0))
                                               : b.cmp(CmpPredicate::Gt, x(0), o.c(0.0));
    return o.select(positive, b.const_i64(1), b.const_i64(0));
  }
  if (name == "is_inf") {
    Value* a = b.op(OpKind::Fabs, {x(0)});
    return o.select(b.cmp(CmpPredicate::Eq, a, o.c(kInf)), b.const_i64(1), b.const_i64(0));
  }
  // NaN is the one value unequal to itself.
  if (name == "is_nan") return o.select(b.cmp(CmpPredicate::Ne, x(0), x(0)), b.const_i64(1), b.const_i64(0));
  if (name == "pow") return b.op(OpKind::FPow, {x(0), x(1)});
  if (name == "fmin") return smaller(b, x(0), x(1));
  if (name == "fmax") return larger(b, x(0), x(1));
  // fdim(x, y) = max(x - y, 0)
  if (name == "fdim") return larger(b, o.sub(x(0), x(1)), o.c(0.0));
  if (name == "fma") return o.add(o.mul(x(0), x(1)), x(2));
  // atan2(y, x): atan(y / x) moved to the quadrant of (x, y); +-pi/2 on the y axis.
  if (name == "atan2") {
    Value* t = b.op(OpKind::Atan, {o.div(x(0), x(1))});
    Value* up = b.cmp(CmpPredicate::Ge, x(0), o.c(0.0));
    Value* left = o.select(up, o.add(t, o.c(std::numbers::pi)), o.sub(t, o.c(std::numbers::pi)));
    Value* axis = o.select(up, o.c(std::numbers::pi / 2), o.c(-std::numbers::pi / 2));
    Value* off_axis = o.select(b.cmp(CmpPredicate::Gt, x(1), o.c(0.0)), t, left);
    return o.select(b.cmp(CmpPredicate::Eq, x(1), o.c(0.0)), axis, off_axis);
  }
  if (name == "hypot") return b.op(OpKind::Sqrt, {o.add(o.square(x(0)), o.square(x(1)))});
  // fmod(x, y) = x - trunc(x / y) y
  if (name == "fmod") return o.sub(x(0), o.mul(b.op(OpKind::Trunc, {o.div(x(0), x(1))}), x(1)));
  // log_diff_exp(a, b) = log(exp(a) - exp(b)) = a + log1m_exp(b - a)
  if (name == "log_diff_exp") return o.add(x(0), log1m_exp(o, o.sub(x(1), x(0))));
  // log_mix(theta, a, b) = log(theta exp(a) + (1 - theta) exp(b))
  if (name == "log_mix") return log_sum_exp2(o, o.add(o.log(x(0)), x(1)), o.add(o.log1m(x(0)), x(2)));
  // lbeta(a, b) = lgamma(a) + lgamma(b) - lgamma(a + b)
  if (name == "lbeta") return o.sub(o.add(o.lgamma(x(0)), o.lgamma(x(1))), o.lgamma(o.add(x(0), x(1))));
  // lchoose(n, k) = lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1)
  if (name == "lchoose") {
    Value* one = o.c(1.0);
    return o.sub(o.sub(o.lgamma(o.add(x(0), one)), o.lgamma(o.add(x(1), one))),
                 o.lgamma(o.add(o.sub(x(0), x(1)), one)));
  }
  // binary_log_loss(y, p) = -log(p) when y = 1, else -log(1 - p)
  if (name == "binary_log_loss")
    return o.select(b.cmp(CmpPredicate::Ne, xs[0], b.const_i64(0)), o.neg(o.log(x(1))), o.neg(o.log1m(x(1))));
  VIC_UNREACHABLE() << "no scalar function '" << name << "' of " << xs.size() << " arguments";
}

}  // namespace vic::stdlib
