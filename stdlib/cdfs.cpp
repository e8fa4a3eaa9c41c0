// Log CDFs (cdfs.h). Each is written on the scale where it is accurate: the
// upper tail of an exponential as -beta y, a lower tail near 1 through
// log1m_exp, Phi through erfc, and the incomplete gamma and beta functions'
// two tails each from Boost.Math's own function of it (gamma_q, ibetac), not
// as 1 - the other.
#include "stdlib/cdfs.h"

#include <cmath>
#include <string>

#include "stdlib/container_functions.h"
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

// Where F = 0 (`none`) or F = 1 (`all`) the log CDF is a constant with no
// gradient. The select that picks it still sends a zero adjoint to the
// formula it passes over, whose partials must then be finite (log F has none
// at F = 0): `safe` gives that formula stand-ins inside the support there.
class Support {
 public:
  Support(Ops& o, Value* none, Value* all) : o_(o), none_(none), all_(all) {
    outside_ = none && all ? o.b.op(OpKind::Or, {none, all}) : none ? none : all;
  }
  // Whether the variate is outside the support (an i1).
  Value* outside() const { return outside_; }
  // x inside the support, `stand_in` outside it.
  Value* safe(Value* x, double stand_in) { return o_.select(outside_, o_.c(stand_in), x); }
  // The log CDF (log CCDF when `complement`), `inside` inside the support.
  Value* log_cdf(Value* inside, bool complement) {
    Value* value = inside;
    if (all_) value = o_.select(all_, o_.c(complement ? -HUGE_VAL : 0.0), value);
    if (none_) value = o_.select(none_, o_.c(complement ? 0.0 : -HUGE_VAL), value);
    return value;
  }

 private:
  Ops& o_;
  Value *none_, *all_, *outside_;
};

// log Phi(z) (or log(1 - Phi(z))) as log(erfc(-+z / sqrt 2) / 2).
Value* log_phi(Ops& o, Value* z, bool complement) {
  Value* arg = o.mul(o.c(complement ? kSqrtHalf : -kSqrtHalf), z);
  return o.add(o.log(o.b.op(OpKind::Erfc, {arg})), o.c(-std::log(2.0)));
}

// The exponentially modified normal: with u = (y - mu) / sigma, v = lambda
// sigma, F = Phi(u) - exp(v^2 / 2 - u v) Phi(u - v). Through
// E(x) = erfcx(x / sqrt 2) / 2 = Phi(-x) exp(x^2 / 2), which neither
// underflows nor overflows for x >= 0:
//   F = exp(-u^2 / 2) (E(-u) - E(v - u)),
//   1 - F = Phi(-u) + B, B = exp(v^2 / 2 - u v) Phi(u - v) = exp(-u^2 / 2) E(v - u).
// log F from the first for u <= 0 (both E's arguments positive); above,
// log1m_exp(log(1 - F)), the upper tail a sum of positive terms, its B
// from the exponential where v - u < 0. Each branch sees stand-ins where it
// is not taken, so that its partials stay finite there.
Value* exp_mod_normal_log_cdf(Ops& o, const std::vector<Value*>& x, bool complement, const AddCheck& add_check) {
  Builder& b = o.b;
  Support support(o, b.cmp(CmpPredicate::Eq, x[0], o.c(-HUGE_VAL)), b.cmp(CmpPredicate::Eq, x[0], o.c(HUGE_VAL)));
  Value* u = o.div(o.sub(support.safe(x[0], 0.0), x[1]), x[2]);
  Value* v = o.mul(x[3], x[2]);
  auto log_e = [&](Value* t) {
    return o.add(o.log(b.op(OpKind::Erfcx, {o.mul(o.c(kSqrtHalf), t)})), o.c(-std::log(2.0)));
  };
  auto minus_half_square = [&](Value* t) { return o.mul(o.c(-0.5), o.mul(t, t)); };
  // log Phi(-t): log E(t) - t^2 / 2 for t >= 0, log(erfc(t / sqrt 2) / 2) below.
  auto log_upper_phi = [&](Value* t) {
    Value* positive = b.cmp(CmpPredicate::Ge, t, o.c(0.0));
    Value* t_pos = o.select(positive, t, o.c(0.0));
    Value* t_neg = o.select(positive, o.c(-1.0), t);
    Value* below = o.add(o.log(b.op(OpKind::Erfc, {o.mul(o.c(kSqrtHalf), t_neg)})), o.c(-std::log(2.0)));
    return o.select(positive, o.add(log_e(t_pos), minus_half_square(t_pos)), below);
  };
  // log(1 - F) at u: log_sum_exp(log Phi(-u), log B).
  auto log_upper = [&](Value* at) {
    Value* w_positive = b.cmp(CmpPredicate::Ge, o.sub(v, at), o.c(0.0));
    Value* u_near = o.select(w_positive, at, o.sub(v, o.c(1.0)));  // v - u >= 0
    Value* u_far = o.select(w_positive, o.add(v, o.c(1.0)), at);   // v - u < 0
    Value* log_b_near = o.add(log_e(o.sub(v, u_near)), minus_half_square(u_near));
    Value* log_b_far = o.add(o.mul(v, o.sub(o.mul(o.c(0.5), v), u_far)), log_upper_phi(o.sub(v, u_far)));
    Value* log_b = o.select(w_positive, log_b_near, log_b_far);
    const std::vector<ContainerArg> pair = {{ArgShape::Scalar, log_upper_phi(at), {}}, {ArgShape::Scalar, log_b, {}}};
    return build_container_function(b, "log_sum_exp", pair, add_check)->scalar;
  };
  if (complement) return support.log_cdf(log_upper(u), true);
  Value* low = b.cmp(CmpPredicate::Le, u, o.c(0.0));
  Value* u_low = o.select(low, u, o.c(0.0));
  Value* log_lower =
      o.add(minus_half_square(u_low), o.log(o.sub(b.op(OpKind::Erfcx, {o.mul(o.c(-kSqrtHalf), u_low)}),
                                                  b.op(OpKind::Erfcx, {o.mul(o.c(kSqrtHalf), o.sub(v, u_low))}))));
  log_lower = o.add(log_lower, o.c(-std::log(2.0)));
  // The upper formula at a stand-in u = 1 where u <= 0 (its log1m_exp may meet 0 there).
  Value* log_higher = log1m_exp(o, log_upper(o.select(low, o.c(1.0), u)));
  return support.log_cdf(o.select(low, log_lower, log_higher), false);
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
  auto require_positive_finite = [&](Value* v, const char* what) {
    Value* ok = b.op(OpKind::And, {b.cmp(CmpPredicate::Gt, v, o.c(0.0)), b.cmp(CmpPredicate::Lt, v, o.c(HUGE_VAL))});
    b.check(ok, add_check(name + ": " + what + " must be positive finite"));
  };
  auto require_nonnegative = [&](Value* v, const char* what) {
    b.check(b.cmp(CmpPredicate::Ge, v, o.c(0.0)), add_check(name + ": " + what + " must be non-negative"));
  };
  auto require_unit_interval = [&](Value* v, const char* what) {
    Value* ok = b.op(OpKind::And, {b.cmp(CmpPredicate::Ge, v, o.c(0.0)), b.cmp(CmpPredicate::Le, v, o.c(1.0))});
    b.check(ok, add_check(name + ": " + what + " must be in [0, 1]"));
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
  if (dist == "gamma" || dist == "inv_gamma" || dist == "chi_square" || dist == "inv_chi_square" ||
      dist == "scaled_inv_chi_square") {
    // F = P(a, z) with z growing with y (gamma: a = alpha, z = beta y;
    // chi_square: nu / 2, y / 2), or F = Q(a, z) with z falling (inv_gamma:
    // alpha, beta / y; inv_chi_square: nu / 2, 1 / (2 y);
    // scaled_inv_chi_square: nu / 2, nu s^2 / (2 y)). Q = 1 - P, each from
    // Boost.Math in its own tail.
    Value* y = x[0];
    Value *a, *scale = nullptr;
    if (dist == "gamma" || dist == "inv_gamma") {
      require_positive_finite(x[1], "Shape parameter");
      require_positive_finite(x[2], dist == "gamma" ? "Inverse scale parameter" : "Scale parameter");
      a = x[1];
      scale = x[2];
    } else {
      require_positive_finite(x[1], "Degrees of freedom parameter");
      a = o.mul(o.c(0.5), x[1]);
      if (dist == "scaled_inv_chi_square") {
        require_positive_finite(x[2], "Scale parameter");
        scale = o.mul(a, o.mul(x[2], x[2]));
      }
    }
    require_nonnegative(y, "Random variable");
    Support support(o, b.cmp(CmpPredicate::Le, y, o.c(0.0)), b.cmp(CmpPredicate::Eq, y, o.c(HUGE_VAL)));
    y = support.safe(y, 1.0);
    const bool rising = dist == "gamma" || dist == "chi_square";
    Value* z;
    if (rising) {
      z = scale ? o.mul(scale, y) : o.mul(o.c(0.5), y);
    } else {
      z = o.div(scale ? scale : o.c(0.5), y);
    }
    const bool lower_tail = rising != complement;  // log P, else log Q
    return support.log_cdf(o.log(b.op(lower_tail ? OpKind::GammaP : OpKind::GammaQ, {a, z})), complement);
  }
  if (dist == "beta") {
    // F = I_y(alpha, beta); 1 - F from Boost.Math's complement.
    require_positive_finite(x[1], "First shape parameter");
    require_positive_finite(x[2], "Second shape parameter");
    require_unit_interval(x[0], "Random variable");
    Support support(o, b.cmp(CmpPredicate::Le, x[0], o.c(0.0)), b.cmp(CmpPredicate::Ge, x[0], o.c(1.0)));
    Value* y = support.safe(x[0], 0.5);
    return support.log_cdf(o.log(b.op(complement ? OpKind::IBetaC : OpKind::IBeta, {x[1], x[2], y})), complement);
  }
  if (dist == "poisson") {
    // F(n) = Q(n + 1, lambda), 0 below n = 0.
    require_nonnegative(x[1], "Rate parameter");
    Support support(o, b.cmp(CmpPredicate::Lt, x[0], o.c(0.0)), nullptr);
    Value* a = o.add(support.safe(x[0], 0.0), o.c(1.0));
    return support.log_cdf(o.log(b.op(complement ? OpKind::GammaP : OpKind::GammaQ, {a, x[1]})), complement);
  }
  if (dist == "binomial") {
    // F(n) = 1 - I_theta(n + 1, N - n) for 0 <= n < N: 0 below, 1 from N on.
    Value *n = x[0], *N = x[1], *theta = x[2];
    require_nonnegative(N, "Population size parameter");
    require_unit_interval(theta, "Probability parameter");
    Support support(o, b.cmp(CmpPredicate::Lt, n, o.c(0.0)), b.cmp(CmpPredicate::Ge, n, N));
    Value* a = o.add(support.safe(n, 0.0), o.c(1.0));
    Value* b_shape = support.safe(o.sub(N, n), 1.0);
    return support.log_cdf(o.log(b.op(complement ? OpKind::IBeta : OpKind::IBetaC, {a, b_shape, theta})), complement);
  }
  if (dist == "bernoulli") {
    // F(n) = 1 - theta at n = 0: 0 below, 1 from 1 on.
    require_unit_interval(x[1], "Probability parameter");
    Support support(o, b.cmp(CmpPredicate::Lt, x[0], o.c(0.0)), b.cmp(CmpPredicate::Ge, x[0], o.c(1.0)));
    Value* theta = support.safe(x[1], 0.5);
    return support.log_cdf(complement ? o.log(theta) : o.log1m(theta), complement);
  }
  if (dist == "neg_binomial" || dist == "neg_binomial_2") {
    // F(n) = I_p(r, n + 1), 0 below n = 0: neg_binomial's r = alpha and
    // p = beta / (1 + beta); neg_binomial_2's r = phi and p = phi / (mu + phi).
    Value *r, *p;
    if (dist == "neg_binomial") {
      require_positive_finite(x[1], "Shape parameter");
      require_positive_finite(x[2], "Inverse scale parameter");
      r = x[1];
      p = o.div(x[2], o.add(o.c(1.0), x[2]));
    } else {
      require_positive_finite(x[1], "Location parameter");
      require_positive_finite(x[2], "Precision parameter");
      r = x[2];
      p = o.div(x[2], o.add(x[1], x[2]));
    }
    Support support(o, b.cmp(CmpPredicate::Lt, x[0], o.c(0.0)), nullptr);
    Value* n1 = o.add(support.safe(x[0], 0.0), o.c(1.0));
    return support.log_cdf(o.log(b.op(complement ? OpKind::IBetaC : OpKind::IBeta, {r, n1, p})), complement);
  }
  if (dist == "beta_binomial") {
    // F(n) = sum_{j <= n} pmf(j) and 1 - F(n) = sum_{j > n} pmf(j), each a
    // loop over its own terms on the log scale, so that either tail keeps its
    // digits: pmf(j) = C(N, j) B(j + alpha, N - j + beta) / B(alpha, beta).
    // 0 below n = 0, 1 from N on.
    require_nonnegative(x[1], "Population size parameter");
    require_positive_finite(x[2], "First prior sample size parameter");
    require_positive_finite(x[3], "Second prior sample size parameter");
    VIC_CHECK(raw[0]->type == ir::Type::I64 && raw[1]->type == ir::Type::I64) << "beta_binomial's counts are ints";
    Value *n = raw[0], *N = raw[1];
    Support support(o, b.cmp(CmpPredicate::Lt, n, b.const_i64(0)), b.cmp(CmpPredicate::Ge, n, N));
    Value* next = b.op(OpKind::IAdd, {b.op(OpKind::Select, {support.outside(), b.const_i64(0), n}), b.const_i64(1)});
    Value* first = complement ? next : b.const_i64(0);
    Value* end = complement ? b.op(OpKind::IAdd, {N, b.const_i64(1)}) : next;
    Value *alpha = x[2], *beta = x[3], *size = x[1];
    // log sum_j exp(lchoose(N, j) + lbeta(j + alpha, N - j + beta))
    auto add_term = [&](Builder& in, Value* j, const auto& carried) {
      Ops io{in};
      Value* k = io.real(j);
      Value* term = io.add(build_scalar_function(in, "lchoose", {size, k}),
                           build_scalar_function(in, "lbeta", {io.add(k, alpha), io.add(io.sub(size, k), beta)}));
      const std::vector<ContainerArg> pair = {{ArgShape::Scalar, carried[0], {}}, {ArgShape::Scalar, term, {}}};
      return std::vector<Value*>{build_container_function(in, "log_sum_exp", pair, add_check)->scalar};
    };
    Value* log_sum = b.for_loop(first, end, {o.c(-HUGE_VAL)}, add_term, "j")[0];
    return support.log_cdf(o.sub(log_sum, build_scalar_function(b, "lbeta", {alpha, beta})), complement);
  }
  auto require_finite = [&](Value* v, const char* what) {
    Value* ok =
        b.op(OpKind::And, {b.cmp(CmpPredicate::Gt, v, o.c(-HUGE_VAL)), b.cmp(CmpPredicate::Lt, v, o.c(HUGE_VAL))});
    b.check(ok, add_check(name + ": " + what + " must be finite"));
  };
  auto require_not_nan = [&](Value* v, const char* what) {
    b.check(b.cmp(CmpPredicate::Eq, v, v), add_check(name + ": " + what + " must not be NaN"));
  };
  if (dist == "skew_normal") {
    // F = Phi(z) - 2 T(z, alpha), z = (y - xi) / omega, from its own op
    // (special_cdfs.h); 1 - F(z; alpha) = F(-z; -alpha).
    require_not_nan(x[0], "Random variable");
    require_finite(x[1], "Location parameter");
    require_positive(x[2], "Scale parameter");
    require_finite(x[3], "Shape parameter");
    Value* z = o.div(o.sub(x[0], x[1]), x[2]);
    return b.op(OpKind::SkewNormalLcdf, {complement ? o.neg(z) : z, complement ? o.neg(x[3]) : x[3]});
  }
  if (dist == "exp_mod_normal") {
    require_not_nan(x[0], "Random variable");
    require_finite(x[1], "Location parameter");
    require_positive_finite(x[2], "Scale parameter");
    require_positive_finite(x[3], "Inv_scale parameter");
    return exp_mod_normal_log_cdf(o, x, complement, add_check);
  }
  if (dist == "von_mises") {
    // F(y) = P(-pi <= Y <= y) = the von Mises(0, kappa) mass of
    // [-pi - mu, y - mu] (the density is periodic); 1 - F that of
    // [y - mu, pi - mu]. 0 at y = -pi, 1 at y = pi.
    Value* ok =
        b.op(OpKind::And, {b.cmp(CmpPredicate::Ge, x[0], o.c(-M_PI)), b.cmp(CmpPredicate::Le, x[0], o.c(M_PI))});
    b.check(ok, add_check(name + ": Random variable must be in [-pi, pi]"));
    require_finite(x[1], "Location parameter");
    require_positive(x[2], "Scale parameter");
    Support support(o, b.cmp(CmpPredicate::Le, x[0], o.c(-M_PI)), b.cmp(CmpPredicate::Ge, x[0], o.c(M_PI)));
    Value* y = o.sub(support.safe(x[0], 0.0), x[1]);
    Value* lo = complement ? y : o.sub(o.c(-M_PI), x[1]);
    Value* hi = complement ? o.sub(o.c(M_PI), x[1]) : y;
    return support.log_cdf(b.op(OpKind::VonMisesLogMass, {lo, hi, x[2]}), complement);
  }
  // student_t: Boost.Math's CDF of t = (y - mu) / sigma, data only.
  require_positive(x[1], "Degrees of freedom parameter");
  require_positive(x[3], "Scale parameter");
  Value* t = o.div(o.sub(x[0], x[2]), x[3]);
  Value* f = b.op(OpKind::StudentTCdf, {complement ? o.neg(t) : t, x[1]});
  return o.log(f);
}

Value* build_poisson_binomial_log_cdf(Builder& b, const std::vector<ContainerArg>& args, bool complement, bool bound,
                                      const AddCheck& add_check) {
  const std::string name = std::string("poisson_binomial") + (complement ? "_lccdf" : "_lcdf");
  const ContainerArg& y_arg = args[0];
  const Elements& theta_elements = args[1].elements;
  Value* count = y_arg.shape == ArgShape::Scalar ? b.const_i64(1) : y_arg.elements.size;
  auto y = [&](Builder& in, Value* k) {
    return y_arg.shape == ArgShape::Scalar ? y_arg.scalar : y_arg.elements.element(in, k);
  };
  auto theta = [&](Builder& in, Value* i) { return Ops{in}.real(theta_elements.element(in, i)); };
  Value* n = theta_elements.size;
  if (!bound) {
    int64_t range = add_check(name + ": Successes variable must be between 0 and the size of theta");
    b.for_loop(b.const_i64(0), count, {}, [&](Builder& in, Value* k, const auto&) {
      Value* yk = y(in, k);
      in.check(in.op(OpKind::And, {in.cmp(CmpPredicate::Ge, yk, in.const_i64(0)), in.cmp(CmpPredicate::Le, yk, n)}),
               range);
      return std::vector<Value*>{};
    });
  }
  int64_t probability = add_check(name + ": Probability parameters must be in [0, 1]");
  b.for_loop(b.const_i64(0), n, {}, [&](Builder& in, Value* i, const auto&) {
    Value* t = theta(in, i);
    in.check(in.op(OpKind::And,
                   {in.cmp(CmpPredicate::Ge, t, in.const_f64(0.0)), in.cmp(CmpPredicate::Le, t, in.const_f64(1.0))}),
             probability);
    return std::vector<Value*>{};
  });
  // log P(j successes in the first i trials), j = 0..n, by
  //   p_i+1[j] = log_sum_exp(p_i[j] + log1m(theta_i), p_i[j - 1] + log(theta_i)),
  // p_0 = (0, -inf, ...): a loop the AD pass differentiates.
  const double minus_infinity = -HUGE_VAL;
  Value* size = b.op(OpKind::IAdd, {n, b.const_i64(1)});
  auto log_sum_exp = [&](Builder& in, Value* p, Value* q) {
    const std::vector<ContainerArg> pair = {{ArgShape::Scalar, p, {}}, {ArgShape::Scalar, q, {}}};
    return build_container_function(in, "log_sum_exp", pair, add_check)->scalar;
  };
  Value* start = b.insert(b.splat(size, b.const_f64(minus_infinity)), b.const_i64(0), b.const_f64(0.0));
  Value* log_probs = b.for_loop(b.const_i64(0), n, {start}, [&](Builder& in, Value* i, const auto& c) {
    Ops io{in};
    Value* t = theta(in, i);
    Value* log_t = io.log(t);
    Value* log1m_t = io.log1m(t);
    ir::Op* gen = in.create_generate(size, ir::Type::F64, "j");
    Builder g(in.function(), gen->region(0));
    g.set_loc(in.loc());
    Value* j = gen->region(0).args[0];
    Value* first = g.cmp(CmpPredicate::Eq, j, g.const_i64(0));
    Value* below = g.op(OpKind::Select, {first, g.const_i64(0), g.op(OpKind::ISub, {j, g.const_i64(1)})});
    Value* fail = g.op(OpKind::FAdd, {g.extract(c[0], j), log1m_t});
    Value* succeed =
        g.op(OpKind::Select, {first, g.const_f64(minus_infinity), g.op(OpKind::FAdd, {g.extract(c[0], below), log_t})});
    g.yield({log_sum_exp(g, fail, succeed)});
    return std::vector<Value*>{gen->result()};
  })[0];
  // Each outcome's tail: the log_sum_exp of p_n over j <= y (j > y for the
  // complement), its range clamped to [0, n] for a bound.
  auto clamp = [&](Builder& in, Value* j) {
    Value* low = in.op(OpKind::Select, {in.cmp(CmpPredicate::Lt, j, in.const_i64(0)), in.const_i64(0), j});
    return in.op(OpKind::Select, {in.cmp(CmpPredicate::Gt, low, size), size, low});
  };
  return b.for_loop(b.const_i64(0), count, {b.const_f64(0.0)}, [&](Builder& in, Value* k, const auto& total) {
    Value* next = clamp(in, in.op(OpKind::IAdd, {y(in, k), in.const_i64(1)}));
    Value* first = complement ? next : in.const_i64(0);
    Value* end = complement ? size : next;
    Value* tail = in.for_loop(first, end, {in.const_f64(minus_infinity)}, [&](Builder& w, Value* j, const auto& c) {
      return std::vector<Value*>{log_sum_exp(w, c[0], w.extract(log_probs, j))};
    })[0];
    return std::vector<Value*>{in.op(OpKind::FAdd, {total[0], tail})};
  })[0];
}

}  // namespace vic::stdlib
