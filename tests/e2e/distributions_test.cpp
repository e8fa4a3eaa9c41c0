// The distributions added beyond the first set, through `target +=
// NAME_lpdf/_lpmf(...)` in a compiled model: values against Boost.Math's
// densities (the gradients are tests/codegen/gradient_rules_test.cpp's), a
// parameter out of its domain rejected with Stan's message, and each _rng
// drawing with the right mean.
#include <gtest/gtest.h>

#include <boost/math/distributions/binomial.hpp>
#include <boost/math/special_functions/bessel.hpp>
#include <boost/math/special_functions/beta.hpp>
#include <boost/math/special_functions/binomial.hpp>
#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/extreme_value.hpp>
#include <boost/math/distributions/hypergeometric.hpp>
#include <boost/math/distributions/inverse_chi_squared.hpp>
#include <boost/math/distributions/laplace.hpp>
#include <boost/math/distributions/logistic.hpp>
#include <boost/math/distributions/negative_binomial.hpp>
#include <boost/math/distributions/pareto.hpp>
#include <boost/math/distributions/rayleigh.hpp>
#include <boost/math/distributions/skew_normal.hpp>
#include <boost/math/distributions/weibull.hpp>
#include <cmath>
#include <string>
#include <tuple>

#include "test_util.h"

namespace vic {
namespace {

// The value of `target += CALL;` in a model with one (unused) parameter.
double log_density(const std::string& call, runtime::EvalError* error = nullptr) {
  auto m =
      testing_util::compile_source("d", "parameters {\n  real x;\n}\nmodel {\n  target += " + call + ";\n}\n", "{}");
  EXPECT_TRUE(m);
  if (!m) return NAN;
  double x = 0, grad = 0;
  runtime::EvalError e = 0;
  const double lp = m->model().lp_grad(&x, &grad, &e);
  if (error) *error = e;
  if (e && !error) ADD_FAILURE() << m->model().describe_error(e);
  return lp;
}

double inv_logit(double a) { return 1 / (1 + std::exp(-a)); }

// Below its scale a Pareto density is 0: the log density is -inf, not an error.
TEST(Distributions, ParetoBelowItsScaleIsMinusInfinity) {
  runtime::EvalError error = 0;
  EXPECT_EQ(log_density("pareto_lpdf(1 | 1.5, 3)", &error), -INFINITY);
  EXPECT_EQ(error, 0);
}

TEST(Distributions, ValuesMatchBoostMath) {
  using namespace boost::math;
  struct Case {
    std::string call;
    double expected;
  };
  const double mu = 3.5, phi = 2.25;
  const Case cases[] = {
      {"binomial_logit_lpmf(3 | 10, -0.4)", std::log(pdf(binomial_distribution<>(10, inv_logit(-0.4)), 3))},
      {"neg_binomial_2_lpmf(4 | 3.5, 2.25)", std::log(pdf(negative_binomial_distribution<>(phi, phi / (mu + phi)), 4))},
      {"neg_binomial_2_lpmf(0 | 3.5, 2.25)", std::log(pdf(negative_binomial_distribution<>(phi, phi / (mu + phi)), 0))},
      {"neg_binomial_2_log_lpmf(4 | log(3.5), 2.25)",
       std::log(pdf(negative_binomial_distribution<>(phi, phi / (mu + phi)), 4))},
      {"weibull_lpdf(1.7 | 2.5, 1.2)", std::log(pdf(weibull_distribution<>(2.5, 1.2), 1.7))},
      {"logistic_lpdf(0.3 | -1, 1.5)", std::log(pdf(logistic_distribution<>(-1, 1.5), 0.3))},
      {"double_exponential_lpdf(0.3 | -1, 1.5)", std::log(pdf(laplace_distribution<>(-1, 1.5), 0.3))},
      {"gumbel_lpdf(0.3 | -1, 1.5)", std::log(pdf(extreme_value_distribution<>(-1, 1.5), 0.3))},
      {"chi_square_lpdf(2.2 | 3.5)", std::log(pdf(chi_squared_distribution<>(3.5), 2.2))},
      // Boost's inverse chi-squared with scale 1/nu is Stan's unscaled one.
      {"inv_chi_square_lpdf(0.4 | 3.5)", std::log(pdf(inverse_chi_squared_distribution<>(3.5, 1 / 3.5), 0.4))},
      {"scaled_inv_chi_square_lpdf(0.4 | 3.5, 0.7)",
       std::log(pdf(inverse_chi_squared_distribution<>(3.5, 0.7 * 0.7), 0.4))},
      {"rayleigh_lpdf(1.3 | 0.8)", std::log(pdf(rayleigh_distribution<>(0.8), 1.3))},
      {"pareto_lpdf(2.5 | 1.5, 3)", std::log(pdf(pareto_distribution<>(1.5, 3), 2.5))},
      // Frechet: alpha / sigma (y / sigma)^(-1 - alpha) exp(-(y / sigma)^-alpha)
      {"hypergeometric_lpmf(3 | 5, 4, 6)", std::log(pdf(hypergeometric_distribution<>(4, 5, 10), 3))},
      {"neg_binomial_lpmf(4 | 2.5, 0.7)", std::log(pdf(negative_binomial_distribution<>(2.5, 0.7 / 1.7), 4))},
      {"skew_normal_lpdf(0.3 | -1, 1.5, 2.5)", std::log(pdf(skew_normal_distribution<>(-1, 1.5, 2.5), 0.3))},
      {"skew_normal_lpdf(-3 | -1, 1.5, -0.5)", std::log(pdf(skew_normal_distribution<>(-1, 1.5, -0.5), -3.0))},
      // Beta-binomial: C(N, n) B(n + a, N - n + b) / B(a, b).
      {"beta_binomial_lpmf(3 | 10, 2.5, 4)", std::log(binomial_coefficient<double>(10, 3) * beta(5.5, 11.0) / beta(2.5, 4.0))},
      // Exponentially modified normal: lambda / 2 exp(lambda / 2 (2 mu + lambda sigma^2 - 2 y)) erfc((mu + lambda sigma^2 - y) / (sqrt 2 sigma)).
      {"exp_mod_normal_lpdf(0.3 | -1, 1.5, 0.8)",
       std::log(0.4 * std::exp(0.4 * (-2 + 0.8 * 2.25 - 0.6)) * std::erfc((-1 + 0.8 * 2.25 - 0.3) / (std::sqrt(2.0) * 1.5)))},
      {"frechet_lpdf(1.7 | 2.5, 1.2)",
       std::log(2.5 / 1.2 * std::pow(1.7 / 1.2, -3.5) * std::exp(-std::pow(1.7 / 1.2, -2.5)))},
  };
  for (const Case& c : cases) EXPECT_NEAR(log_density(c.call), c.expected, 1e-12 * std::fabs(c.expected)) << c.call;
}

// kappa cos(y - mu) - log(2 pi I0(kappa)), I0 from Boost.Math in long double
// (where it does not overflow for kappa up to 11000), on both sides of the
// switch to the asymptotic series at 500; propto keeps the kappa term.
TEST(Distributions, VonMisesAgainstBesselI0) {
  auto expected = [](double y, double mu, double kappa) {
    const long double i0 = boost::math::cyl_bessel_i(0, static_cast<long double>(kappa));
    return static_cast<double>(kappa * std::cos(y - mu) - std::log(2 * std::acos(-1.0L) * i0));
  };
  for (auto [y, mu, kappa] : {std::tuple{0.3, -1.0, 1.5}, {2.0, 0.5, 0.01}, {-3.0, 3.0, 0.0}, {0.3, 0.2, 40.0},
                              {0.1, 0.0, 499.5}, {0.1, 0.0, 500.5}, {0.01, 0.0, 3000.0}, {0.001, 0.0, 1e4}}) {
    const std::string call = "von_mises_lpdf(" + std::to_string(y) + " | " + std::to_string(mu) + ", " +
                             std::to_string(kappa) + ")";
    const double want = expected(y, mu, kappa);
    EXPECT_NEAR(log_density(call), want, 1e-13 * std::max(1.0, std::fabs(kappa))) << call;
  }
  // Vectorised: the sum of the scalar calls.
  EXPECT_NEAR(log_density("von_mises_lpdf([0.3, 1.2]' | -1, 1.5)"), expected(0.3, -1, 1.5) + expected(1.2, -1, 1.5),
              1e-13);
}

// The gradient in each argument, with kappa large enough for the asymptotic I1 / I0.
TEST(Distributions, VonMisesGradients) {
  auto m = testing_util::compile_source("von_mises", R"(data {
  vector[3] y;
}
parameters {
  real mu;
  real<lower=0> kappa;
  real z;
}
model {
  y ~ von_mises(mu, kappa);
  target += von_mises_lpdf(z | mu, 600 + kappa) + von_mises_lpdf(y | z, kappa * 2);
  mu ~ normal(0, 1);
  kappa ~ lognormal(0, 1);
  z ~ normal(0, 1);
}
)",
                                        R"({"y": [0.3, -0.4, 1.1]})");
  ASSERT_TRUE(m);
  testing_util::expect_gradcheck_passes(m->model(), 5, "von_mises");
}

TEST(Distributions, AParameterOutsideItsDomainIsRejected) {
  // The call at the parameter x = -1 (a bad value that depends on the data
  // alone is an error when the data are bound: tests/e2e/bad_data_test.cpp).
  auto message = [](const std::string& call) {
    auto m =
        testing_util::compile_source("d", "parameters {\n  real x;\n}\nmodel {\n  target += " + call + ";\n}\n", "{}");
    double x = -1, grad = 0;
    runtime::EvalError e = 0;
    m->model().lp_grad(&x, &grad, &e);
    return e ? m->model().describe_error(e) : std::string("no error");
  };
  EXPECT_EQ(message("neg_binomial_2_lpmf(4 | x, 2)"),
            "d:5:13: neg_binomial_2_lpmf: Location parameter must be positive finite");
  EXPECT_EQ(message("neg_binomial_2_log_lpmf(4 | 0.5, x)"),
            "d:5:13: neg_binomial_2_log_lpmf: Precision parameter must be positive finite");
  EXPECT_EQ(message("weibull_lpdf(1 | x, 2)"), "d:5:13: weibull_lpdf: Shape parameter must be positive finite");
  EXPECT_EQ(message("weibull_lpdf(x | 1, 2)"), "d:5:13: weibull_lpdf: Random variable must be non-negative");
  EXPECT_EQ(message("gumbel_lpdf(1 | 0, x)"), "d:5:13: gumbel_lpdf: Scale parameter must be positive finite");
  EXPECT_EQ(message("logistic_lpdf(1 | log(x), 1)"), "d:5:13: logistic_lpdf: Location parameter must be finite");
  EXPECT_EQ(message("chi_square_lpdf(x | 2)"), "d:5:13: chi_square_lpdf: Random variable must be non-negative");
  EXPECT_EQ(message("frechet_lpdf(x | 2, 1)"), "d:5:13: frechet_lpdf: Random variable must be positive");
  EXPECT_EQ(message("pareto_lpdf(2 | 1, x)"), "d:5:13: pareto_lpdf: Shape parameter must be positive finite");
  EXPECT_EQ(message("von_mises_lpdf(1 | 0, x)"), "d:5:13: von_mises_lpdf: Scale parameter must be non-negative");
  EXPECT_EQ(message("von_mises_lpdf(1 | 0, -x / 0)"), "d:5:13: von_mises_lpdf: Scale parameter must be finite");
  EXPECT_EQ(message("von_mises_lpdf(x / 0 | 0, 1)"), "d:5:13: von_mises_lpdf: Random variable must be finite");
  EXPECT_EQ(message("von_mises_lpdf(1 | log(x), 1)"), "d:5:13: von_mises_lpdf: Location parameter must be finite");
  EXPECT_EQ(message("von_mises_lpdf(1 | x, 0)"), "no error");
}

// A draw checks its parameters as the density does, in generated quantities
// (at the parameter x = -1); it never returns NaN for a bad one.
TEST(Distributions, ADrawsBadParameterIsRejected) {
  auto message = [](const std::string& call) {
    auto m = testing_util::compile_source(
        "d", "parameters {\n  real x;\n}\ngenerated quantities {\n  real y = " + call + ";\n}\n", "{}");
    const double x = -1;
    double out[2];
    Rng rng(1);
    runtime::EvalError e = 0;
    m->model().constrain(&x, rng, out, &e);
    return e ? m->model().describe_error(e) : std::string("no error");
  };
  EXPECT_EQ(message("normal_rng(0, x)"), "d:5:12: normal_rng: Scale parameter must be positive");
  EXPECT_EQ(message("gamma_rng(-x, x)"), "d:5:12: gamma_rng: Inverse scale parameter must be positive finite");
  EXPECT_EQ(message("poisson_rng(x)"), "d:5:12: poisson_rng: Rate parameter must be non-negative");
  EXPECT_EQ(message("binomial_rng(3, x)"), "d:5:12: binomial_rng: Probability parameter must be in [0, 1]");
  EXPECT_EQ(message("exp_mod_normal_rng(0, 1, x)"),
            "d:5:12: exp_mod_normal_rng: Inv_scale parameter must be positive finite");
  EXPECT_EQ(message("normal_rng(x, 1)"), "no error");
}

TEST(Distributions, RngDrawsHaveTheirMeans) {
  // The mean of 4000 draws of each, in generated quantities, against the distribution's mean.
  const std::pair<std::string, double> cases[] = {
      {"binomial_logit_rng(10, 0.4)", 10 * inv_logit(0.4)},
      {"neg_binomial_2_rng(3.5, 2.25)", 3.5},
      {"neg_binomial_2_log_rng(log(3.5), 2.25)", 3.5},
      {"weibull_rng(2.5, 1.2)", 1.2 * std::tgamma(1 + 1 / 2.5)},
      {"logistic_rng(-1, 1.5)", -1},
      {"double_exponential_rng(-1, 1.5)", -1},
      {"gumbel_rng(-1, 1.5)", -1 + 1.5 * 0.5772156649015329},
      {"chi_square_rng(3.5)", 3.5},
      {"inv_chi_square_rng(5.5)", 1 / (5.5 - 2)},
      {"scaled_inv_chi_square_rng(5.5, 0.7)", 5.5 / (5.5 - 2) * 0.49},
      {"rayleigh_rng(0.8)", 0.8 * std::sqrt(std::acos(-1.0) / 2)},
      {"pareto_rng(1.5, 3)", 3 * 1.5 / 2},
      {"frechet_rng(4.5, 1.2)", 1.2 * std::tgamma(1 - 1 / 4.5)},
      {"beta_binomial_rng(10, 2.5, 4)", 10 * 2.5 / 6.5},
      {"hypergeometric_rng(5, 4, 6)", 5 * 4 / 10.0},
      {"neg_binomial_rng(2.5, 0.7)", 2.5 / 0.7},
      {"skew_normal_rng(-1, 1.5, 2.5)", -1 + 1.5 * 2.5 / std::sqrt(1 + 6.25) * std::sqrt(2 / std::acos(-1.0))},
      {"exp_mod_normal_rng(-1, 1.5, 0.8)", -1 + 1 / 0.8},
      // Symmetric about mu reduced to [0, 2 pi).
      {"von_mises_rng(1.3, 2.5)", 1.3},
      {"von_mises_rng(1.3 - 4 * pi(), 0.5)", 1.3},
      {"von_mises_rng(-1, 1e-9)", 2 * std::acos(-1.0) - 1},
      {"cos(von_mises_rng(0.4, 2.5) - 0.4)", boost::math::cyl_bessel_i(1, 2.5) / boost::math::cyl_bessel_i(0, 2.5)},
  };
  for (const auto& [call, mean] : cases) {
    auto m = testing_util::compile_source(
        "r",
        "parameters {\n  real x;\n}\nmodel {\n  x ~ normal(0, 1);\n}\ngenerated quantities {\n  real d = " + call +
            ";\n}\n",
        "{}");
    ASSERT_TRUE(m) << call;
    Rng rng(3);
    std::vector<double> out(m->model().output_names().size());
    double x = 0, sum = 0, squares = 0;
    const int n = 4000;
    for (int i = 0; i < n; ++i) {
      runtime::EvalError e = 0;
      m->model().constrain(&x, rng, out.data(), &e);
      ASSERT_EQ(e, 0) << call;
      sum += out.back();
      squares += out.back() * out.back();
    }
    const double m1 = sum / n, sd = std::sqrt(squares / n - m1 * m1);
    EXPECT_NEAR(m1, mean, 5 * sd / std::sqrt(n)) << call;
  }
}

}  // namespace
}  // namespace vic

namespace vic {
namespace {

// A vectorised _rng draws one value per element, in order: the same stream
// as the scalar calls in a loop, and an int array for a discrete distribution.
TEST(Distributions, VectorisedRngDrawsOnePerElement) {
  auto m = testing_util::compile_source("vector_rng", R"(data {
  vector[3] mu;
  array[3] int n;
}
parameters {
  real x;
}
model {
  x ~ normal(0, 1);
}
generated quantities {
  array[3] real v = normal_rng(mu, 0.5);
  array[3] int k = binomial_rng(n, 0.3);
}
)",
                                        R"({"mu": [-5, 0, 5], "n": [2, 20, 200]})");
  ASSERT_TRUE(m);
  auto looped = testing_util::compile_source("looped_rng", R"(data {
  vector[3] mu;
  array[3] int n;
}
parameters {
  real x;
}
model {
  x ~ normal(0, 1);
}
generated quantities {
  array[3] real v;
  array[3] int k;
  for (i in 1:3) v[i] = normal_rng(mu[i], 0.5);
  for (i in 1:3) k[i] = binomial_rng(n[i], 0.3);
}
)",
                                             R"({"mu": [-5, 0, 5], "n": [2, 20, 200]})");
  ASSERT_TRUE(looped);
  std::vector<double> out(m->model().output_names().size()), out2(out.size());
  const double x = 0;
  Rng rng(9), rng2(9);
  runtime::EvalError e = 0;
  m->model().constrain(&x, rng, out.data(), &e);
  looped->model().constrain(&x, rng2, out2.data(), &e);
  ASSERT_EQ(e, 0);
  EXPECT_EQ(out, out2);
  EXPECT_NEAR(out[1], -5, 3);  // v.1 near its mean
  EXPECT_NEAR(out[3], 5, 3);
  EXPECT_LE(out[4], 2);        // k.1 of 2 trials
  EXPECT_EQ(out[4], std::floor(out[4]));
}

}  // namespace
}  // namespace vic
