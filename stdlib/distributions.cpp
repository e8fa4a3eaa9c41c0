// Log densities of the standard distributions, as sums of tagged terms, in IR.
// The maths of each term is in its comment.
#include "stdlib/distributions.h"

#include <cmath>
#include <functional>
#include <numbers>

#include "stdlib/ops.h"
#include "stdlib/signatures.h"

namespace vic::stdlib {
namespace {

using ir::Builder;
using ir::CmpPredicate;
using ir::OpKind;
using ir::Value;

constexpr double kLogSqrtTwoPi = 0.91893853320467274178;  // log(sqrt(2 pi))
constexpr double kLogPi = 1.14472988584940017414;

// Accumulates the terms of one log density, dropping those that propto drops.
class Terms {
 public:
  Terms(Builder& b, const std::vector<DensityArg>& args, bool propto) : b_(b), args_(args), propto_(propto) {}

  // Whether a term depending on the arguments at `positions` is kept.
  bool keeps(std::initializer_list<int> positions) const {
    if (!propto_) return true;
    for (int p : positions)
      if (args_[p].parameter) return true;
    return false;
  }
  // Adds the term `make()` if kept; `make` builds it only then.
  template <typename Make>
  void add(std::initializer_list<int> positions, Make make) {
    if (!keeps(positions)) return;
    Value* term = make();
    sum_ = sum_ ? b_.op(OpKind::FAdd, {sum_, term}) : term;
  }
  Value* sum() { return sum_ ? sum_ : b_.const_f64(0.0); }

 private:
  Builder& b_;
  const std::vector<DensityArg>& args_;
  bool propto_;
  Value* sum_ = nullptr;
};

class DensityBuilder {
 public:
  // With `for_rng`, only the checks of the parameters, named `<dist>_rng`.
  DensityBuilder(Builder& b, std::string_view dist, const std::vector<DensityArg>& args, bool propto,
                 const AddCheck& add_check, bool for_rng = false)
      : b_(b), o_{b}, dist_(dist), args_(args), t_(b, args, propto), add_check_(add_check), for_rng_(for_rng) {}

  Value* arg(int i) { return o_.real(args_[i].value); }
  Value* int_arg(int i) { return args_[i].value; }

  // Rejects the point unless `ok`; the message names the distribution.
  void require(Value* ok, const std::string& what) {
    if (for_rng_) {
      // A draw has no variate to check.
      for (const char* variate : {"Random variable", "Successes variable", "Failures variable"})
        if (what.starts_with(variate)) return;
      b_.check(ok, add_check_(std::string(dist_) + "_rng: " + what));
      return;
    }
    b_.check(ok, add_check_(std::string(dist_) + (dist_ == "std_normal" ? "_lpdf" : suffix()) + ": " + what));
  }
  void require_positive(int i, const char* name) {
    require(b_.cmp(CmpPredicate::Gt, arg(i), o_.c(0.0)), std::string(name) + " must be positive");
  }
  // Stan's check_positive_finite: an infinite scale or shape is rejected, not
  // carried into a density that is then -inf (or, rewritten, finite).
  void require_positive_finite(int i, const char* name) {
    Value* x = arg(i);
    require(b_.op(OpKind::And, {b_.cmp(CmpPredicate::Gt, x, o_.c(0.0)), b_.cmp(CmpPredicate::Lt, x, o_.c(HUGE_VAL))}),
            std::string(name) + " must be positive finite");
  }
  void require_nonnegative_int(int i, const char* name) {
    require(b_.cmp(CmpPredicate::Ge, int_arg(i), b_.const_i64(0)), std::string(name) + " must be non-negative");
  }
  const char* suffix() const {
    const DistributionInfo* info = find_distribution(dist_);
    return info && info->discrete ? "_lpmf" : "_lpdf";
  }
  void require_finite(int i, const char* name) {
    Value* x = arg(i);
    require(b_.op(OpKind::And, {b_.cmp(CmpPredicate::Gt, x, o_.c(-HUGE_VAL)), b_.cmp(CmpPredicate::Lt, x, o_.c(HUGE_VAL))}),
            std::string(name) + " must be finite");
  }
  // lchoose(N, n) = lgamma(N + 1) - lgamma(n + 1) - lgamma(N - n + 1)
  Value* lchoose(Value* N, Value* n) {
    Ops& o = o_;
    return o.sub(o.sub(o.lgamma(o.add(N, o.c(1.0))), o.lgamma(o.add(n, o.c(1.0)))), o.lgamma(o.add(o.sub(N, n), o.c(1.0))));
  }
  // The binomials' successes n (argument 0) out of N (argument 1).
  void require_successes() {
    require_nonnegative_int(0, "Successes variable");
    require(b_.cmp(CmpPredicate::Le, int_arg(0), int_arg(1)), "Successes variable must be at most the population size");
  }
  // lchoose(n + phi - 1, n): the negative binomial's coefficient.
  Value* negative_binomial_coefficient(Value* n, Value* phi) {
    Ops& o = o_;
    return o.sub(o.sub(o.lgamma(o.add(n, phi)), o.lgamma(o.add(n, o.c(1.0)))), o.lgamma(phi));
  }

  Value* build();

 private:
  // n * log(x), with 0 * log(0) = 0 (Stan's multiply_log).
  Value* multiply_log(Value* n, Value* x) {
    return either(b_.cmp(CmpPredicate::Eq, n, o_.c(0.0)), [](Ops& in) { return in.c(0.0); },
                  [n, x](Ops& in) { return in.mul(n, in.log(x)); });
  }

  // c ? then_value : else_value, evaluating only the branch taken (an `if`,
  // not a select): the other branch's infinite partial at a boundary (log(0)
  // at theta = 1 in bernoulli's log(1 - theta)) never meets a zero adjoint,
  // which would make the gradient NaN.
  Value* either(Value* c, const std::function<Value*(Ops&)>& then_value,
                const std::function<Value*(Ops&)>& else_value) {
    ir::Op* branch = b_.create_if(c, {ir::Type::F64});
    Builder then_b(b_.function(), branch->region(0)), else_b(b_.function(), branch->region(1));
    then_b.set_loc(b_.loc());
    else_b.set_loc(b_.loc());
    Ops then_o{then_b}, else_o{else_b};
    then_b.yield({then_value(then_o)});
    else_b.yield({else_value(else_o)});
    return branch->result();
  }

  Builder& b_;
  Ops o_;
  std::string_view dist_;
  const std::vector<DensityArg>& args_;
  Terms t_;
  const AddCheck& add_check_;
  const bool for_rng_;
};

Value* DensityBuilder::build() {
  Ops& o = o_;
  if (dist_ == "normal") {
    require_positive(2, "Scale parameter");
    // -log(sqrt(2 pi)) - log(sigma) - ((y - mu) / sigma)^2 / 2
    t_.add({}, [&] { return o.c(-kLogSqrtTwoPi); });
    t_.add({2}, [&] { return o.neg(o.log(arg(2))); });
    t_.add({0, 1, 2}, [&] { return o.mul(o.c(-0.5), o.square(o.div(o.sub(arg(0), arg(1)), arg(2)))); });
  } else if (dist_ == "std_normal") {
    // -log(sqrt(2 pi)) - y^2 / 2
    t_.add({}, [&] { return o.c(-kLogSqrtTwoPi); });
    t_.add({0}, [&] { return o.mul(o.c(-0.5), o.square(arg(0))); });
  } else if (dist_ == "student_t") {
    require_positive_finite(1, "Degrees of freedom parameter");
    require_positive_finite(3, "Scale parameter");
    // lgamma((nu + 1) / 2) - lgamma(nu / 2) - log(nu) / 2 - log(pi) / 2 - log(sigma)
    //   - (nu + 1) / 2 * log1p(((y - mu) / sigma)^2 / nu)
    t_.add({1}, [&] {
      Value* half_nu = o.mul(o.c(0.5), arg(1));
      return o.sub(o.sub(o.lgamma(o.add(half_nu, o.c(0.5))), o.lgamma(half_nu)), o.mul(o.c(0.5), o.log(arg(1))));
    });
    t_.add({}, [&] { return o.c(-0.5 * kLogPi); });
    t_.add({3}, [&] { return o.neg(o.log(arg(3))); });
    t_.add({0, 1, 2, 3}, [&] {
      Value* z = o.div(o.sub(arg(0), arg(2)), arg(3));
      return o.mul(o.mul(o.c(-0.5), o.add(arg(1), o.c(1.0))), o.log1p(o.div(o.square(z), arg(1))));
    });
  } else if (dist_ == "cauchy") {
    require_positive_finite(2, "Scale parameter");
    // -log(pi) - log(sigma) - log1p(((y - mu) / sigma)^2)
    t_.add({}, [&] { return o.c(-kLogPi); });
    t_.add({2}, [&] { return o.neg(o.log(arg(2))); });
    t_.add({0, 1, 2}, [&] { return o.neg(o.log1p(o.square(o.div(o.sub(arg(0), arg(1)), arg(2))))); });
  } else if (dist_ == "lognormal") {
    require_positive_finite(2, "Scale parameter");
    require(b_.cmp(CmpPredicate::Ge, arg(0), o.c(0.0)), "Random variable must be non-negative");
    // -log(sqrt(2 pi)) - log(sigma) - log(y) - ((log(y) - mu) / sigma)^2 / 2
    t_.add({}, [&] { return o.c(-kLogSqrtTwoPi); });
    t_.add({2}, [&] { return o.neg(o.log(arg(2))); });
    t_.add({0}, [&] { return o.neg(o.log(arg(0))); });
    t_.add({0, 1, 2}, [&] { return o.mul(o.c(-0.5), o.square(o.div(o.sub(o.log(arg(0)), arg(1)), arg(2)))); });
  } else if (dist_ == "exponential") {
    require_positive_finite(1, "Inverse scale parameter");
    require(b_.cmp(CmpPredicate::Ge, arg(0), o.c(0.0)), "Random variable must be non-negative");
    // log(beta) - beta * y
    t_.add({1}, [&] { return o.log(arg(1)); });
    t_.add({0, 1}, [&] { return o.neg(o.mul(arg(1), arg(0))); });
  } else if (dist_ == "gamma") {
    require_positive_finite(1, "Shape parameter");
    require_positive_finite(2, "Inverse scale parameter");
    require(b_.cmp(CmpPredicate::Ge, arg(0), o.c(0.0)), "Random variable must be non-negative");
    // -lgamma(a) + a log(b) + (a - 1) log(y) - b y
    t_.add({1}, [&] { return o.neg(o.lgamma(arg(1))); });
    t_.add({1, 2}, [&] { return o.mul(arg(1), o.log(arg(2))); });
    t_.add({0, 1}, [&] { return o.mul(o.sub(arg(1), o.c(1.0)), o.log(arg(0))); });
    t_.add({0, 2}, [&] { return o.neg(o.mul(arg(2), arg(0))); });
  } else if (dist_ == "inv_gamma") {
    require_positive_finite(1, "Shape parameter");
    require_positive_finite(2, "Scale parameter");
    require(b_.cmp(CmpPredicate::Ge, arg(0), o.c(0.0)), "Random variable must be non-negative");
    // -lgamma(a) + a log(b) - (a + 1) log(y) - b / y
    t_.add({1}, [&] { return o.neg(o.lgamma(arg(1))); });
    t_.add({1, 2}, [&] { return o.mul(arg(1), o.log(arg(2))); });
    t_.add({0, 1}, [&] { return o.neg(o.mul(o.add(arg(1), o.c(1.0)), o.log(arg(0)))); });
    t_.add({0, 2}, [&] { return o.neg(o.div(arg(2), arg(0))); });
  } else if (dist_ == "beta") {
    require_positive_finite(1, "First shape parameter");
    require_positive_finite(2, "Second shape parameter");
    require(b_.op(OpKind::And, {b_.cmp(CmpPredicate::Ge, arg(0), o.c(0.0)), b_.cmp(CmpPredicate::Le, arg(0), o.c(1.0))}),
            "Random variable must be in [0, 1]");
    // lgamma(a + b) - lgamma(a) - lgamma(b) + (a - 1) log(y) + (b - 1) log(1 - y)
    t_.add({1, 2}, [&] {
      return o.sub(o.sub(o.lgamma(o.add(arg(1), arg(2))), o.lgamma(arg(1))), o.lgamma(arg(2)));
    });
    t_.add({0, 1}, [&] { return o.mul(o.sub(arg(1), o.c(1.0)), o.log(arg(0))); });
    t_.add({0, 2}, [&] { return o.mul(o.sub(arg(2), o.c(1.0)), o.log1m(arg(0))); });
  } else if (dist_ == "uniform") {
    require(b_.cmp(CmpPredicate::Lt, arg(1), arg(2)), "Lower bound parameter must be less than the upper bound");
    // -log(b - a) inside [a, b], -inf outside
    t_.add({1, 2}, [&] { return o.neg(o.log(o.sub(arg(2), arg(1)))); });
    Value* outside = b_.op(OpKind::Or, {b_.cmp(CmpPredicate::Lt, arg(0), arg(1)), b_.cmp(CmpPredicate::Gt, arg(0), arg(2))});
    Value* inside = t_.sum();
    return b_.op(OpKind::Select, {outside, o.c(-INFINITY), inside});
  } else if (dist_ == "bernoulli") {
    require(b_.op(OpKind::And, {b_.cmp(CmpPredicate::Ge, arg(1), o.c(0.0)), b_.cmp(CmpPredicate::Le, arg(1), o.c(1.0))}),
            "Probability parameter must be in [0, 1]");
    require(b_.op(OpKind::And, {b_.cmp(CmpPredicate::Ge, int_arg(0), b_.const_i64(0)),
                                b_.cmp(CmpPredicate::Le, int_arg(0), b_.const_i64(1))}),
            "n must be 0 or 1");
    // n == 1 ? log(theta) : log(1 - theta)
    t_.add({0, 1}, [&] {
      Value* one = b_.cmp(CmpPredicate::Eq, int_arg(0), b_.const_i64(1));
      Value* theta = arg(1);
      return either(one, [theta](Ops& in) { return in.log(theta); }, [theta](Ops& in) { return in.log1m(theta); });
    });
  } else if (dist_ == "bernoulli_logit") {
    require(b_.op(OpKind::And, {b_.cmp(CmpPredicate::Ge, int_arg(0), b_.const_i64(0)),
                                b_.cmp(CmpPredicate::Le, int_arg(0), b_.const_i64(1))}),
            "n must be 0 or 1");
    // n alpha - log(1 + exp(alpha))
    t_.add({0, 1}, [&] { return o.sub(o.mul(arg(0), arg(1)), b_.op(OpKind::Log1pExp, {arg(1)})); });
  } else if (dist_ == "binomial") {
    require_successes();
    require(b_.op(OpKind::And, {b_.cmp(CmpPredicate::Ge, arg(2), o.c(0.0)), b_.cmp(CmpPredicate::Le, arg(2), o.c(1.0))}),
            "Probability parameter must be in [0, 1]");
    // lchoose(N, n) + n log(theta) + (N - n) log(1 - theta)
    t_.add({0, 1}, [&] { return lchoose(arg(1), arg(0)); });
    t_.add({0, 1, 2}, [&] {
      return o.add(multiply_log(arg(0), arg(2)), multiply_log(o.sub(arg(1), arg(0)), o.sub(o.c(1.0), arg(2))));
    });
  } else if (dist_ == "poisson") {
    require_nonnegative_int(0, "Random variable");
    require(b_.cmp(CmpPredicate::Ge, arg(1), o.c(0.0)), "Rate parameter must be non-negative");
    // n log(lambda) - lambda - lgamma(n + 1)
    t_.add({0}, [&] { return o.neg(o.lgamma(o.add(arg(0), o.c(1.0)))); });
    t_.add({0, 1}, [&] { return o.sub(multiply_log(arg(0), arg(1)), arg(1)); });
  } else if (dist_ == "poisson_log") {
    require_nonnegative_int(0, "Random variable");
    // n alpha - exp(alpha) - lgamma(n + 1)
    t_.add({0}, [&] { return o.neg(o.lgamma(o.add(arg(0), o.c(1.0)))); });
    t_.add({0, 1}, [&] { return o.sub(o.mul(arg(0), arg(1)), o.exp(arg(1))); });
  } else if (dist_ == "binomial_logit") {
    require_successes();
    require_finite(2, "Probability parameter");
    // lchoose(N, n) + n log(inv_logit(alpha)) + (N - n) log(1 - inv_logit(alpha))
    //   = lchoose(N, n) - n log1p(exp(-alpha)) - (N - n) log1p(exp(alpha))
    t_.add({0, 1}, [&] { return lchoose(arg(1), arg(0)); });
    t_.add({0, 1, 2}, [&] {
      Value* up = b_.op(OpKind::Log1pExp, {o.neg(arg(2))});
      Value* down = b_.op(OpKind::Log1pExp, {arg(2)});
      return o.neg(o.add(o.mul(arg(0), up), o.mul(o.sub(arg(1), arg(0)), down)));
    });
  } else if (dist_ == "neg_binomial_2" || dist_ == "neg_binomial_2_log") {
    const bool log_mean = dist_ == "neg_binomial_2_log";
    require_nonnegative_int(0, "Failures variable");
    if (log_mean) {
      require_finite(1, "Log location parameter");
    } else {
      require_positive_finite(1, "Location parameter");
    }
    require_positive_finite(2, "Precision parameter");
    // lchoose(n + phi - 1, n) + n log(mu) + phi log(phi) - (n + phi) log(mu + phi),
    // with log(mu) = eta and log(mu + phi) = log_sum_exp(eta, log(phi)) for _log.
    t_.add({0, 2}, [&] { return negative_binomial_coefficient(arg(0), arg(2)); });
    t_.add({0, 1}, [&] { return log_mean ? o.mul(arg(0), arg(1)) : multiply_log(arg(0), arg(1)); });
    t_.add({2}, [&] { return o.mul(arg(2), o.log(arg(2))); });
    t_.add({0, 1, 2}, [&] {
      Value* log_sum = nullptr;
      if (log_mean) {
        // log(exp(eta) + phi) = max + log1p(exp(min - max))
        Value* a = arg(1);
        Value* c = o.log(arg(2));
        Value* hi = o.select(b_.cmp(CmpPredicate::Gt, a, c), a, c);
        Value* lo = o.select(b_.cmp(CmpPredicate::Gt, a, c), c, a);
        log_sum = o.add(hi, b_.op(OpKind::Log1pExp, {o.sub(lo, hi)}));
      } else {
        log_sum = o.log(o.add(arg(1), arg(2)));
      }
      return o.neg(o.mul(o.add(arg(0), arg(2)), log_sum));
    });
  } else if (dist_ == "weibull") {
    require(b_.cmp(CmpPredicate::Ge, arg(0), o.c(0.0)), "Random variable must be non-negative");
    require_positive_finite(1, "Shape parameter");
    require_positive_finite(2, "Scale parameter");
    // log(alpha) - log(sigma) + (alpha - 1) log(y / sigma) - (y / sigma)^alpha
    t_.add({1}, [&] { return o.log(arg(1)); });
    t_.add({2}, [&] { return o.neg(o.log(arg(2))); });
    t_.add({0, 1, 2}, [&] {
      Value* ratio = o.div(arg(0), arg(2));
      return o.sub(o.mul(o.sub(arg(1), o.c(1.0)), o.log(ratio)), b_.op(OpKind::FPow, {ratio, arg(1)}));
    });
  } else if (dist_ == "logistic") {
    require_finite(1, "Location parameter");
    require_positive_finite(2, "Scale parameter");
    // -z - log(sigma) - 2 log1p(exp(-z)), z = (y - mu) / sigma
    t_.add({2}, [&] { return o.neg(o.log(arg(2))); });
    t_.add({0, 1, 2}, [&] {
      Value* z = o.div(o.sub(arg(0), arg(1)), arg(2));
      return o.sub(o.neg(z), o.mul(o.c(2.0), b_.op(OpKind::Log1pExp, {o.neg(z)})));
    });
  } else if (dist_ == "double_exponential") {
    require_finite(1, "Location parameter");
    require_positive_finite(2, "Scale parameter");
    // -log(2) - log(sigma) - |y - mu| / sigma
    t_.add({}, [&] { return o.c(-std::numbers::ln2); });
    t_.add({2}, [&] { return o.neg(o.log(arg(2))); });
    t_.add({0, 1, 2}, [&] { return o.neg(o.div(b_.op(OpKind::Fabs, {o.sub(arg(0), arg(1))}), arg(2))); });
  } else if (dist_ == "gumbel") {
    require_finite(1, "Location parameter");
    require_positive_finite(2, "Scale parameter");
    // -log(beta) - z - exp(-z), z = (y - mu) / beta
    t_.add({2}, [&] { return o.neg(o.log(arg(2))); });
    t_.add({0, 1, 2}, [&] {
      Value* z = o.div(o.sub(arg(0), arg(1)), arg(2));
      return o.sub(o.neg(z), o.exp(o.neg(z)));
    });
  } else if (dist_ == "chi_square" || dist_ == "inv_chi_square") {
    const bool inverse = dist_ == "inv_chi_square";
    require(b_.cmp(CmpPredicate::Ge, arg(0), o.c(0.0)), "Random variable must be non-negative");
    require_positive_finite(1, "Degrees of freedom parameter");
    // -lgamma(nu / 2) - nu / 2 log(2) + (nu / 2 - 1) log(y) - y / 2, or for the
    // inverse -lgamma(nu / 2) - nu / 2 log(2) - (nu / 2 + 1) log(y) - 1 / (2 y)
    t_.add({1}, [&] {
      Value* half_nu = o.mul(o.c(0.5), arg(1));
      return o.neg(o.add(o.lgamma(half_nu), o.mul(half_nu, o.c(std::numbers::ln2))));
    });
    t_.add({0, 1}, [&] {
      Value* half_nu = o.mul(o.c(0.5), arg(1));
      return o.mul(inverse ? o.neg(o.add(half_nu, o.c(1.0))) : o.sub(half_nu, o.c(1.0)), o.log(arg(0)));
    });
    t_.add({0}, [&] { return inverse ? o.neg(o.div(o.c(0.5), arg(0))) : o.mul(o.c(-0.5), arg(0)); });
  } else if (dist_ == "scaled_inv_chi_square") {
    require(b_.cmp(CmpPredicate::Ge, arg(0), o.c(0.0)), "Random variable must be non-negative");
    require_positive_finite(1, "Degrees of freedom parameter");
    require_positive_finite(2, "Scale parameter");
    // nu / 2 log(nu / 2) - lgamma(nu / 2) + nu log(s) - (nu / 2 + 1) log(y) - nu s^2 / (2 y)
    t_.add({1}, [&] {
      Value* half_nu = o.mul(o.c(0.5), arg(1));
      return o.sub(o.mul(half_nu, o.log(half_nu)), o.lgamma(half_nu));
    });
    t_.add({1, 2}, [&] { return o.mul(arg(1), o.log(arg(2))); });
    t_.add({0, 1}, [&] { return o.neg(o.mul(o.add(o.mul(o.c(0.5), arg(1)), o.c(1.0)), o.log(arg(0)))); });
    t_.add({0, 1, 2}, [&] { return o.neg(o.div(o.mul(arg(1), o.square(arg(2))), o.mul(o.c(2.0), arg(0)))); });
  } else if (dist_ == "rayleigh") {
    require(b_.cmp(CmpPredicate::Ge, arg(0), o.c(0.0)), "Random variable must be non-negative");
    require_positive_finite(1, "Scale parameter");
    // log(y) - 2 log(sigma) - y^2 / (2 sigma^2)
    t_.add({0}, [&] { return o.log(arg(0)); });
    t_.add({1}, [&] { return o.mul(o.c(-2.0), o.log(arg(1))); });
    t_.add({0, 1}, [&] { return o.mul(o.c(-0.5), o.square(o.div(arg(0), arg(1)))); });
  } else if (dist_ == "pareto") {
    require_positive_finite(1, "Scale parameter");
    require_positive_finite(2, "Shape parameter");
    // log(alpha) + alpha log(y_min) - (alpha + 1) log(y) for y >= y_min, -inf below
    t_.add({2}, [&] { return o.log(arg(2)); });
    t_.add({1, 2}, [&] { return o.mul(arg(2), o.log(arg(1))); });
    t_.add({0, 2}, [&] { return o.neg(o.mul(o.add(arg(2), o.c(1.0)), o.log(arg(0)))); });
    Value* below = b_.cmp(CmpPredicate::Lt, arg(0), arg(1));
    Value* inside = t_.sum();
    return o.select(below, o.c(-INFINITY), inside);
  } else if (dist_ == "frechet") {
    require(b_.cmp(CmpPredicate::Gt, arg(0), o.c(0.0)), "Random variable must be positive");
    require_positive_finite(1, "Shape parameter");
    require_positive_finite(2, "Scale parameter");
    // log(alpha) + alpha log(sigma) - (alpha + 1) log(y) - (y / sigma)^-alpha
    t_.add({1}, [&] { return o.log(arg(1)); });
    t_.add({1, 2}, [&] { return o.mul(arg(1), o.log(arg(2))); });
    t_.add({0, 1}, [&] { return o.neg(o.mul(o.add(arg(1), o.c(1.0)), o.log(arg(0)))); });
    t_.add({0, 1, 2}, [&] { return o.neg(b_.op(OpKind::FPow, {o.div(arg(0), arg(2)), o.neg(arg(1))})); });
  } else if (dist_ == "beta_binomial") {
    require_successes();
    require_positive_finite(2, "First prior sample size parameter");
    require_positive_finite(3, "Second prior sample size parameter");
    // lchoose(N, n) + lbeta(n + alpha, N - n + beta) - lbeta(alpha, beta)
    auto lbeta = [&](Value* a, Value* c) { return o.sub(o.add(o.lgamma(a), o.lgamma(c)), o.lgamma(o.add(a, c))); };
    t_.add({0, 1}, [&] { return lchoose(arg(1), arg(0)); });
    t_.add({0, 1, 2, 3}, [&] { return lbeta(o.add(arg(0), arg(2)), o.add(o.sub(arg(1), arg(0)), arg(3))); });
    t_.add({2, 3}, [&] { return o.neg(lbeta(arg(2), arg(3))); });
  } else if (dist_ == "hypergeometric") {
    // n of N draws are successes, from a successes and b failures:
    // lchoose(a, n) + lchoose(b, N - n) - lchoose(a + b, N)
    require_nonnegative_int(0, "Successes variable");
    require(b_.cmp(CmpPredicate::Le, int_arg(0), int_arg(1)), "Successes variable must be at most the draws");
    require(b_.cmp(CmpPredicate::Le, int_arg(0), int_arg(2)), "Successes variable must be at most the successes in the population");
    require(b_.cmp(CmpPredicate::Le, b_.op(OpKind::ISub, {int_arg(1), int_arg(0)}), int_arg(3)),
            "Draws less successes must be at most the failures in the population");
    t_.add({}, [&] {
      return o.sub(o.add(lchoose(arg(2), arg(0)), lchoose(arg(3), o.sub(arg(1), arg(0)))),
                   lchoose(o.add(arg(2), arg(3)), arg(1)));
    });
  } else if (dist_ == "neg_binomial") {
    require_nonnegative_int(0, "Failures variable");
    require_positive_finite(1, "Shape parameter");
    require_positive_finite(2, "Inverse scale parameter");
    // lchoose(n + alpha - 1, n) + alpha log(beta / (1 + beta)) - n log1p(beta)
    t_.add({0, 1}, [&] { return negative_binomial_coefficient(arg(0), arg(1)); });
    t_.add({1, 2}, [&] { return o.mul(arg(1), o.sub(o.log(arg(2)), o.log1p(arg(2)))); });
    t_.add({0, 2}, [&] { return o.neg(o.mul(arg(0), o.log1p(arg(2)))); });
  } else if (dist_ == "skew_normal") {
    require_finite(1, "Location parameter");
    require_positive_finite(2, "Scale parameter");
    require_finite(3, "Shape parameter");
    // 2 / omega phi(z) Phi(alpha z): -log(sqrt(2 pi)) - log(omega) - z^2 / 2 + log(erfc(-alpha z / sqrt 2)).
    auto z = [&] { return o.div(o.sub(arg(0), arg(1)), arg(2)); };
    t_.add({}, [&] { return o.c(-kLogSqrtTwoPi); });
    t_.add({2}, [&] { return o.neg(o.log(arg(2))); });
    t_.add({0, 1, 2}, [&] { return o.mul(o.c(-0.5), o.square(z())); });
    t_.add({0, 1, 2, 3}, [&] {
      return o.log(b_.op(OpKind::Erfc, {o.mul(o.c(-std::numbers::sqrt2 / 2), o.mul(arg(3), z()))}));
    });
  } else if (dist_ == "von_mises") {
    require_finite(0, "Random variable");
    require_finite(1, "Location parameter");
    require(b_.cmp(CmpPredicate::Ge, arg(2), o.c(0.0)), "Scale parameter must be non-negative");
    require_finite(2, "Scale parameter");
    // kappa cos(mu - y) - log(2 pi) - log I0(kappa)
    t_.add({}, [&] { return o.c(-std::log(2 * std::numbers::pi)); });
    t_.add({2}, [&] { return o.neg(b_.op(OpKind::LogBesselI0, {arg(2)})); });
    t_.add({0, 1, 2}, [&] { return o.mul(arg(2), b_.op(OpKind::Cos, {o.sub(arg(1), arg(0))})); });
  } else if (dist_ == "exp_mod_normal") {
    require_finite(1, "Location parameter");
    require_positive_finite(2, "Scale parameter");
    require_positive_finite(3, "Inv_scale parameter");
    // log(lambda / 2) + lambda (mu + lambda sigma^2 / 2 - y) + log(erfc((mu + lambda sigma^2 - y) / (sqrt 2 sigma)))
    t_.add({}, [&] { return o.c(-std::numbers::ln2); });
    t_.add({3}, [&] { return o.log(arg(3)); });
    t_.add({0, 1, 2, 3}, [&] {
      Value* v = o.mul(arg(3), o.square(arg(2)));
      Value* exponent = o.mul(arg(3), o.sub(o.add(arg(1), o.mul(o.c(0.5), v)), arg(0)));
      Value* tail = o.div(o.sub(o.add(arg(1), v), arg(0)), o.mul(o.c(std::numbers::sqrt2), arg(2)));
      return o.add(exponent, o.log(b_.op(OpKind::Erfc, {tail})));
    });
  } else {
    VIC_UNREACHABLE() << "no density for distribution '" << dist_ << "'";
  }
  return t_.sum();
}

}  // namespace

Value* build_log_density(Builder& b, std::string_view dist, const std::vector<DensityArg>& args, bool propto,
                         const AddCheck& add_check) {
  return DensityBuilder(b, dist, args, propto, add_check).build();
}

Value* build_rng(Builder& b, std::string_view dist, const std::vector<Value*>& params, const AddCheck& add_check) {
  Ops o{b};
  // The density's checks of the parameters, at a stand-in variate; with no
  // argument a parameter, every term is dropped and only the checks remain.
  const DistributionInfo* info = find_distribution(dist);
  std::vector<DensityArg> args{{info && info->discrete ? b.const_i64(0) : b.const_f64(0.0), false}};
  for (Value* p : params) args.push_back({p, false});
  DensityBuilder(b, dist, args, /*propto=*/true, add_check, /*for_rng=*/true).build();
  std::vector<Value*> reals;
  for (Value* p : params) reals.push_back(o.real(p));
  // Draws made of others: a beta-mixed binomial, a gamma-mixed Poisson, and
  // the skew normal and exponentially modified normal by their constructions.
  if (dist == "beta_binomial") return b.rng_call("binomial_rng", {reals[0], b.rng_call("beta_rng", {reals[1], reals[2]})});
  if (dist == "neg_binomial") return b.rng_call("poisson_rng", {b.rng_call("gamma_rng", {reals[0], reals[1]})});
  if (dist == "exp_mod_normal") {
    return o.add(b.rng_call("normal_rng", {reals[0], reals[1]}), b.rng_call("exponential_rng", {reals[2]}));
  }
  if (dist == "skew_normal") {
    // x = delta |u| + sqrt(1 - delta^2) v with u, v standard normal, delta = alpha / sqrt(1 + alpha^2).
    Value* delta = o.div(reals[2], b.op(OpKind::Sqrt, {o.add(o.c(1.0), o.square(reals[2]))}));
    Value* u = b.op(OpKind::Fabs, {b.rng_call("normal_rng", {o.c(0.0), o.c(1.0)})});
    Value* v = b.rng_call("normal_rng", {o.c(0.0), o.c(1.0)});
    Value* x = o.add(o.mul(delta, u), o.mul(b.op(OpKind::Sqrt, {o.sub(o.c(1.0), o.square(delta))}), v));
    return o.add(reals[0], o.mul(reals[1], x));
  }
  return b.rng_call(std::string(dist) + "_rng", reals);
}

}  // namespace vic::stdlib
