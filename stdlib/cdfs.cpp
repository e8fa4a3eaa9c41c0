// Log CDFs (cdfs.h). Each is written on the scale where it is accurate: the
// upper tail of an exponential as -beta y, a lower tail near 1 through
// log1m_exp, Phi through erfc.
#include "stdlib/cdfs.h"

#include <cmath>
#include <string>

#include "stdlib/ops.h"
#include "stdlib/scalar_functions.h"

namespace vic::stdlib {
namespace {

using ir::Builder;
using ir::CmpPredicate;
using ir::OpKind;
using ir::Value;

constexpr double kSqrtHalf = 0.70710678118654752440;

// log(1 - exp(x)) for x <= 0: the library's log1m_exp.
Value* log1m_exp(Ops& o, Value* x) { return build_function(o.b, "log1m_exp", x); }

// log Phi(z) (or log(1 - Phi(z))) as log(erfc(-+z / sqrt 2) / 2).
Value* log_phi(Ops& o, Value* z, bool complement) {
  Value* arg = o.mul(o.c(complement ? kSqrtHalf : -kSqrtHalf), z);
  return o.add(o.log(o.b.op(OpKind::Erfc, {arg})), o.c(-std::log(2.0)));
}

}  // namespace

Value* build_log_cdf(Builder& b, std::string_view dist, const std::vector<Value*>& raw, bool complement,
                     const AddCheck& add_check) {
  Ops o{b};
  std::vector<Value*> x;
  for (Value* v : raw) x.push_back(o.real(v));
  const std::string name = std::string(dist) + (complement ? "_lccdf" : "_lcdf");
  auto require_positive = [&](Value* v, const char* what) {
    b.check(b.cmp(CmpPredicate::Gt, v, o.c(0.0)), add_check(name + ": " + what + " must be positive"));
  };
  // With F = exp(l), log(1 - F) = log1m_exp(l): the other tail from one closed form.
  auto flip = [&](Value* lower, Value* upper, bool use_lower) {
    return complement ? (use_lower ? log1m_exp(o, lower) : upper) : (use_lower ? lower : log1m_exp(o, upper));
  };
  if (dist == "normal" || dist == "std_normal" || dist == "lognormal") {
    Value* y = x[0];
    Value* mu = dist == "std_normal" ? o.c(0.0) : x[1];
    Value* sigma = dist == "std_normal" ? o.c(1.0) : x[2];
    if (dist != "std_normal") require_positive(sigma, "Scale parameter");
    if (dist == "lognormal") {
      b.check(b.cmp(CmpPredicate::Ge, y, o.c(0.0)), add_check(name + ": Random variable must be non-negative"));
      y = o.log(y);
    }
    return log_phi(o, o.div(o.sub(y, mu), sigma), complement);
  }
  if (dist == "exponential") {
    // F = 1 - exp(-beta y): log(1 - F) = -beta y.
    require_positive(x[1], "Inverse scale parameter");
    Value* upper = o.neg(o.mul(x[1], x[0]));
    return flip(nullptr, upper, false);
  }
  if (dist == "logistic") {
    // F = inv_logit(z): log F = -log1p_exp(-z), log(1 - F) = -log1p_exp(z).
    require_positive(x[2], "Scale parameter");
    Value* z = o.div(o.sub(x[0], x[1]), x[2]);
    return o.neg(b.op(OpKind::Log1pExp, {complement ? z : o.neg(z)}));
  }
  if (dist == "gumbel") {
    // F = exp(-exp(-z)).
    require_positive(x[2], "Scale parameter");
    Value* lower = o.neg(o.exp(o.neg(o.div(o.sub(x[0], x[1]), x[2]))));
    return flip(lower, nullptr, true);
  }
  if (dist == "weibull" || dist == "rayleigh") {
    // weibull: 1 - F = exp(-(y / sigma)^alpha); rayleigh: exp(-y^2 / (2 sigma^2)).
    Value* upper;
    if (dist == "weibull") {
      require_positive(x[1], "Shape parameter");
      require_positive(x[2], "Scale parameter");
      upper = o.neg(b.op(OpKind::FPow, {o.div(x[0], x[2]), x[1]}));
    } else {
      require_positive(x[1], "Scale parameter");
      Value* r = o.div(x[0], x[1]);
      upper = o.mul(o.c(-0.5), o.mul(r, r));
    }
    return flip(nullptr, upper, false);
  }
  if (dist == "frechet") {
    // F = exp(-(y / sigma)^-alpha).
    require_positive(x[1], "Shape parameter");
    require_positive(x[2], "Scale parameter");
    Value* lower = o.neg(b.op(OpKind::FPow, {o.div(x[0], x[2]), o.neg(x[1])}));
    return flip(lower, nullptr, true);
  }
  if (dist == "pareto") {
    // 1 - F = (y_min / y)^alpha above y_min; F = 0 below.
    require_positive(x[1], "Scale parameter");
    require_positive(x[2], "Shape parameter");
    Value* below = b.cmp(CmpPredicate::Lt, x[0], x[1]);
    Value* upper = o.mul(x[2], o.log(o.div(x[1], o.select(below, x[1], x[0]))));
    Value* value = flip(nullptr, upper, false);
    return o.select(below, o.c(complement ? 0.0 : -HUGE_VAL), value);
  }
  if (dist == "double_exponential") {
    // F = exp(z) / 2 below mu, 1 - exp(-z) / 2 above.
    require_positive(x[2], "Scale parameter");
    Value* z = o.div(o.sub(x[0], x[1]), x[2]);
    Value* below = b.cmp(CmpPredicate::Lt, z, o.c(0.0));
    Value* tail = o.add(o.neg(o.b.op(OpKind::Fabs, {z})), o.c(-std::log(2.0)));  // log of the smaller tail
    return o.select(below, complement ? log1m_exp(o, tail) : tail, complement ? tail : log1m_exp(o, tail));
  }
  if (dist == "cauchy") {
    // F = 1/2 + atan(z) / pi; 1 - F = 1/2 - atan(z) / pi.
    require_positive(x[2], "Scale parameter");
    Value* a = o.div(b.op(OpKind::Atan, {o.div(o.sub(x[0], x[1]), x[2])}), o.c(M_PI));
    return o.log(complement ? o.sub(o.c(0.5), a) : o.add(o.c(0.5), a));
  }
  if (dist == "uniform") {
    // F = (y - alpha) / (beta - alpha) within the bounds.
    Value* width = o.sub(x[2], x[1]);
    b.check(b.cmp(CmpPredicate::Gt, width, o.c(0.0)), add_check(name + ": Upper bound parameter must be greater than the lower"));
    Value* clamped = o.select(b.cmp(CmpPredicate::Lt, x[0], x[1]), x[1],
                              o.select(b.cmp(CmpPredicate::Gt, x[0], x[2]), x[2], x[0]));
    Value* f = o.div(o.sub(clamped, x[1]), width);
    return o.log(complement ? o.sub(o.c(1.0), f) : f);
  }
  // student_t: Boost.Math's CDF of t = (y - mu) / sigma, data only.
  require_positive(x[1], "Degrees of freedom parameter");
  require_positive(x[3], "Scale parameter");
  Value* t = o.div(o.sub(x[0], x[2]), x[3]);
  Value* f = b.op(OpKind::StudentTCdf, {complement ? o.neg(t) : t, x[1]});
  return o.log(f);
}

}  // namespace vic::stdlib
