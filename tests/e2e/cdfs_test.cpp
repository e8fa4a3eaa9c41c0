// _lcdf, _lccdf and _cdf: values against Boost.Math's CDFs, vectorised sums,
// gradients against finite differences, domain errors, Student-t's CDF of
// data alone, and truncation, continuous and discrete.
#include <gtest/gtest.h>

#include <boost/math/distributions/bernoulli.hpp>
#include <boost/math/distributions/beta.hpp>
#include <boost/math/distributions/binomial.hpp>
#include <boost/math/distributions/cauchy.hpp>
#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/exponential.hpp>
#include <boost/math/distributions/extreme_value.hpp>
#include <boost/math/distributions/gamma.hpp>
#include <boost/math/distributions/inverse_chi_squared.hpp>
#include <boost/math/distributions/inverse_gamma.hpp>
#include <boost/math/distributions/laplace.hpp>
#include <boost/math/distributions/logistic.hpp>
#include <boost/math/distributions/lognormal.hpp>
#include <boost/math/distributions/negative_binomial.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/pareto.hpp>
#include <boost/math/distributions/poisson.hpp>
#include <boost/math/distributions/rayleigh.hpp>
#include <boost/math/distributions/skew_normal.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <boost/math/distributions/uniform.hpp>
#include <boost/math/distributions/weibull.hpp>
#include <boost/math/quadrature/gauss_kronrod.hpp>
#include <boost/math/quadrature/tanh_sinh.hpp>
#include <boost/math/special_functions/bessel.hpp>
#include <boost/math/special_functions/erf.hpp>
#include <cmath>

#include "frontend/frontend.h"
#include "ir/lower/check_supported.h"
#include "test_util.h"

namespace vic {
namespace {

namespace bm = boost::math;

struct Case {
  std::string call;  // the distribution and its arguments after the variate
  double y;
  double cdf;        // Boost's
};

TEST(Cdfs, ValuesAgainstBoost) {
  const double y = 1.3;
  const std::vector<Case> cases = {
      {"normal(0.5, 2)", y, bm::cdf(bm::normal(0.5, 2), y)},
      {"normal(0.5, 2)", -9.0, bm::cdf(bm::normal(0.5, 2), -9.0)},
      {"std_normal()", y, bm::cdf(bm::normal(0, 1), y)},
      {"lognormal(0.2, 0.7)", y, bm::cdf(bm::lognormal(0.2, 0.7), y)},
      {"exponential(1.5)", y, bm::cdf(bm::exponential(1.5), y)},
      {"logistic(0.5, 2)", y, bm::cdf(bm::logistic(0.5, 2), y)},
      {"gumbel(0.5, 2)", y, bm::cdf(bm::extreme_value(0.5, 2), y)},
      {"weibull(1.7, 2)", y, bm::cdf(bm::weibull(1.7, 2), y)},
      {"rayleigh(0.8)", y, bm::cdf(bm::rayleigh(0.8), y)},
      {"pareto(0.5, 3)", y, bm::cdf(bm::pareto(0.5, 3), y)},
      {"double_exponential(0.5, 2)", y, bm::cdf(bm::laplace(0.5, 2), y)},
      {"double_exponential(0.5, 2)", -1.0, bm::cdf(bm::laplace(0.5, 2), -1.0)},
      {"student_t(3, 0.5, 2)", y, bm::cdf(bm::students_t(3), (y - 0.5) / 2)},
      {"uniform(-1, 2)", y, bm::cdf(bm::uniform(-1, 2), y)},
      {"cauchy(0.5, 2)", y, bm::cdf(bm::cauchy(0.5, 2), y)},
      // Frechet: F = exp(-(y / sigma)^-alpha).
      {"frechet(1.5, 2)", y, std::exp(-std::pow(y / 2, -1.5))},
  };
  for (const Case& c : cases) {
    const std::string args = c.call.substr(c.call.find('(') + 1, c.call.size() - c.call.find('(') - 2);
    const std::string dist = c.call.substr(0, c.call.find('('));
    const std::string bar = args.empty() ? "" : " | " + args;
    const std::string y_text = std::to_string(c.y);
    auto m = testing_util::compile_source(
        "cdf", "parameters {\n  real a;\n}\nmodel {\n  a ~ normal(0, 1);\n}\ngenerated quantities {\n  real l = " + dist +
                   "_lcdf(" + y_text + (args.empty() ? " | " : bar) + ");\n  real u = " + dist + "_lccdf(" + y_text +
                   (args.empty() ? " | " : bar) + ");\n  real f = " + dist + "_cdf(" + y_text + (args.empty() ? " | " : bar) + ");\n}\n",
        "{}");
    ASSERT_TRUE(m) << c.call;
    std::map<std::string, double> out = testing_util::constrained_outputs(m->model(), {0.0});
    const double tol = 1e-13 * std::max(1.0, std::fabs(std::log(c.cdf)));
    EXPECT_NEAR(out.at("l"), std::log(c.cdf), tol) << c.call << " at " << c.y;
    EXPECT_NEAR(out.at("u"), std::log1p(-c.cdf), 1e-12 * std::max(1.0, std::fabs(std::log1p(-c.cdf)))) << c.call;
    EXPECT_NEAR(out.at("f"), c.cdf, 1e-14) << c.call;
  }
}

// The CDFs through the incomplete gamma and beta functions, continuous and
// discrete, against Boost.Math's distributions: each tail against Boost's
// own (so that a tail near e^-30 is checked to its digits), and F = 0 or 1
// off the support exactly.
// beta_binomial(N, a, b)'s pmf at j, summed by hand over [lo, hi]: Boost has no
// beta-binomial distribution.
double beta_binomial_mass(int lo, int hi, int n, double a, double b) {
  long double sum = 0;
  for (int j = std::max(lo, 0); j <= std::min(hi, n); ++j)
    sum += std::exp(std::lgamma(n + 1.0L) - std::lgamma(j + 1.0L) - std::lgamma(n - j + 1.0L) + std::lgamma(j + a) +
                    std::lgamma(n - j + b) - std::lgamma(n + a + b) - std::lgamma((long double)a) -
                    std::lgamma((long double)b) + std::lgamma((long double)a + b));
  return static_cast<double>(sum);
}

struct TailCase {
  std::string call;  // the distribution and its arguments after the variate
  std::string y;     // the variate as written
  double cdf, ccdf;  // Boost's
};

TEST(Cdfs, IncompleteGammaAndBetaValuesAgainstBoost) {
  const bm::gamma_distribution<> gamma(2.5, 1 / 1.5);
  const bm::inverse_gamma_distribution<> inv_gamma(2.5, 1.5);
  const bm::chi_squared chi_square(3);
  const bm::inverse_chi_squared inv_chi_square(3);  // scale 1 / nu: Stan's
  const bm::inverse_chi_squared scaled_inv_chi_square(3, 0.8 * 0.8);
  const bm::beta_distribution<> beta(2, 3.5), beta_small(0.5, 0.7);
  const bm::poisson_distribution<> poisson(3.5);
  const bm::binomial_distribution<> binomial(10, 0.3);
  const bm::bernoulli_distribution<> bernoulli(0.3);
  // neg_binomial(alpha, beta): alpha successes of probability beta / (1 + beta);
  // neg_binomial_2(mu, phi): phi successes of probability phi / (mu + phi).
  const bm::negative_binomial_distribution<> neg_binomial(2.5, 0.7 / 1.7), neg_binomial_2(2.5, 2.5 / 6.5);
  auto both = [](const auto& d, double y) { return std::pair{bm::cdf(d, y), bm::cdf(bm::complement(d, y))}; };
  std::vector<TailCase> cases;
  auto add = [&](const std::string& call, const std::string& y, std::pair<double, double> tails) {
    cases.push_back({call, y, tails.first, tails.second});
  };
  add("gamma(2.5, 1.5)", "1.3", both(gamma, 1.3));
  add("gamma(2.5, 1.5)", "20", both(gamma, 20));
  add("gamma(0.4, 2)", "0.01", both(bm::gamma_distribution<>(0.4, 0.5), 0.01));
  add("gamma(2.5, 1.5)", "0", {0, 1});
  add("inv_gamma(2.5, 1.5)", "1.3", both(inv_gamma, 1.3));
  add("inv_gamma(2.5, 1.5)", "0.03", both(inv_gamma, 0.03));
  add("inv_gamma(2.5, 1.5)", "0", {0, 1});
  add("chi_square(3)", "1.3", both(chi_square, 1.3));
  add("inv_chi_square(3)", "1.3", both(inv_chi_square, 1.3));
  add("scaled_inv_chi_square(3, 0.8)", "1.3", both(scaled_inv_chi_square, 1.3));
  add("beta(2, 3.5)", "0.3", both(beta, 0.3));
  add("beta(0.5, 0.7)", "0.999", both(beta_small, 0.999));
  add("beta(2, 3.5)", "0", {0, 1});
  add("beta(2, 3.5)", "1", {1, 0});
  add("poisson(3.5)", "2", both(poisson, 2));
  add("poisson(3.5)", "0", both(poisson, 0));
  add("poisson(3.5)", "25", both(poisson, 25));
  add("poisson(3.5)", "-1", {0, 1});
  add("binomial(10, 0.3)", "4", both(binomial, 4));
  add("binomial(10, 0.3)", "0", both(binomial, 0));
  add("binomial(10, 0.3)", "9", both(binomial, 9));
  add("binomial(10, 0.3)", "10", {1, 0});
  add("binomial(10, 0.3)", "-1", {0, 1});
  add("bernoulli(0.3)", "0", both(bernoulli, 0));
  add("bernoulli(0.3)", "1", {1, 0});
  add("bernoulli(0.3)", "-1", {0, 1});
  add("neg_binomial(2.5, 0.7)", "3", both(neg_binomial, 3));
  add("neg_binomial(2.5, 0.7)", "40", both(neg_binomial, 40));
  add("neg_binomial(2.5, 0.7)", "-2", {0, 1});
  add("neg_binomial_2(4, 2.5)", "3", both(neg_binomial_2, 3));
  add("neg_binomial_2(4, 2.5)", "0", both(neg_binomial_2, 0));
  add("beta_binomial(10, 2, 3)", "4", {beta_binomial_mass(0, 4, 10, 2, 3), beta_binomial_mass(5, 10, 10, 2, 3)});
  add("beta_binomial(10, 2, 3)", "0", {beta_binomial_mass(0, 0, 10, 2, 3), beta_binomial_mass(1, 10, 10, 2, 3)});
  add("beta_binomial(40, 0.5, 8)", "30", {beta_binomial_mass(0, 30, 40, 0.5, 8), beta_binomial_mass(31, 40, 40, 0.5, 8)});
  add("beta_binomial(10, 2, 3)", "10", {1, 0});
  add("beta_binomial(10, 2, 3)", "-1", {0, 1});
  auto expect_log = [](double got, double p, const std::string& what) {
    if (p == 0) {
      EXPECT_EQ(got, -HUGE_VAL) << what;
    } else {
      EXPECT_NEAR(got, std::log(p), 1e-13 * std::max(1.0, std::fabs(std::log(p)))) << what;
    }
  };
  for (const TailCase& c : cases) {
    const std::string dist = c.call.substr(0, c.call.find('('));
    const std::string args = c.call.substr(c.call.find('(') + 1, c.call.size() - c.call.find('(') - 2);
    const std::string bar = "(" + c.y + " | " + args + ")";
    auto m = testing_util::compile_source(
        "cdf", "parameters {\n  real a;\n}\nmodel {\n  a ~ normal(0, 1);\n}\ngenerated quantities {\n  real l = " + dist +
                   "_lcdf" + bar + ";\n  real u = " + dist + "_lccdf" + bar + ";\n  real f = " + dist + "_cdf" + bar +
                   ";\n}\n",
        "{}");
    ASSERT_TRUE(m) << c.call;
    std::map<std::string, double> out = testing_util::constrained_outputs(m->model(), {0.0});
    const std::string what = c.call + " at " + c.y;
    expect_log(out.at("l"), c.cdf, what + ": lcdf");
    expect_log(out.at("u"), c.ccdf, what + ": lccdf");
    // The beta-binomial's terms are exp of lgamma sums near 100: 1e-14 is their rounding.
    EXPECT_NEAR(out.at("f"), c.cdf, 3e-14) << what << ": cdf";
  }
}

// Every real argument of the new CDFs a parameter: the gradient against
// finite differences; vectorised over an int array, the sum of the scalar calls.
TEST(Cdfs, IncompleteGammaAndBetaGradients) {
  auto m = testing_util::compile_source("incomplete_gradients", R"(data {
  array[3] int k;
  int N;
}
parameters {
  real<lower=0> alpha;
  real<lower=0> beta;
  real<lower=0> y;
  real<lower=0, upper=1> theta;
  real<lower=0> nu;
}
model {
  target += gamma_lcdf(y | alpha, beta) + gamma_lccdf(y | alpha, beta) + gamma_cdf(y | alpha, beta);
  target += inv_gamma_lcdf(y | alpha, beta) + inv_gamma_lccdf(y | alpha, beta);
  target += chi_square_lcdf(y | nu) + chi_square_lccdf(y | nu);
  target += inv_chi_square_lcdf(y | nu) + inv_chi_square_lccdf(y | nu);
  target += scaled_inv_chi_square_lcdf(y | nu, beta) + scaled_inv_chi_square_lccdf(y | nu, beta);
  target += beta_lcdf(theta | alpha, beta) + beta_lccdf(theta | alpha, beta) + beta_cdf(theta | alpha, beta);
  target += poisson_lcdf(k | alpha) + poisson_lccdf(k | alpha) + poisson_cdf(k[2] | alpha);
  target += binomial_lcdf(k | N, theta) + binomial_lccdf(k | N, theta);
  target += bernoulli_lcdf(0 | theta) + bernoulli_lccdf(0 | theta);
  target += neg_binomial_lcdf(k | alpha, beta) + neg_binomial_lccdf(k | alpha, beta);
  target += neg_binomial_2_lcdf(k | nu, alpha) + neg_binomial_2_lccdf(k | nu, alpha);
  target += beta_binomial_lcdf(k | N, alpha, beta) + beta_binomial_lccdf(k | N, alpha, beta);
  alpha ~ lognormal(0, 0.5);
  beta ~ lognormal(0, 0.5);
  y ~ lognormal(0, 0.5);
  nu ~ lognormal(1, 0.5);
}
generated quantities {
  real sum_vector = poisson_lcdf(k | alpha) + binomial_lccdf(k | N, theta);
  real sum_scalars = poisson_lcdf(k[1] | alpha) + poisson_lcdf(k[2] | alpha) + poisson_lcdf(k[3] | alpha)
                     + binomial_lccdf(k[1] | N, theta) + binomial_lccdf(k[2] | N, theta)
                     + binomial_lccdf(k[3] | N, theta);
}
)",
                                        R"({"k": [0, 2, 5], "N": 7})");
  ASSERT_TRUE(m);
  testing_util::expect_gradcheck_passes(m->model(), 3, "incomplete_gradients");
  std::map<std::string, double> out = testing_util::constrained_outputs(m->model(), {0.3, -0.2, 0.1, 0.4, 0.5});
  EXPECT_NEAR(out.at("sum_vector"), out.at("sum_scalars"), 1e-13);
}

// The error compiling `target += a * CALL;` gives (a CDF's arguments are data
// here, so a bad one fails when the model is compiled), up to its ';'; or
// "compiled".
std::string domain_error(const std::string& call) {
  tools::CheckedModel m =
      tools::check_model_source("domain", "parameters {\n  real a;\n}\nmodel {\n  target += a * " + call + ";\n}\n");
  EXPECT_TRUE(m.ast) << m.diagnostics.str();
  if (!m.ast) return "";
  Expected<runtime::DataSet> data = runtime::read_stan_json("{}", "d.json", tools::data_declarations(*m.ast));
  EXPECT_TRUE(data);
  Expected<tools::CompiledModel> compiled = tools::compile_model(*m.ast, *data, ir::PipelineSettings{});
  if (compiled) return "compiled";
  const std::string e = compiled.error();
  return e.substr(0, e.find(';'));
}

// Stan's checks, with Stan's names of the arguments.
TEST(Cdfs, IncompleteGammaAndBetaDomainErrors) {
  const std::pair<std::string, std::string> cases[] = {
      {"gamma_lcdf(1 | -1, 1)", "gamma_lcdf: Shape parameter must be positive finite"},
      {"gamma_lccdf(1 | 1, positive_infinity())", "gamma_lccdf: Inverse scale parameter must be positive finite"},
      {"gamma_cdf(-1 | 1, 1)", "gamma_lcdf: Random variable must be non-negative"},
      {"inv_gamma_lcdf(1 | 1, 0)", "inv_gamma_lcdf: Scale parameter must be positive finite"},
      {"chi_square_lccdf(1 | 0)", "chi_square_lccdf: Degrees of freedom parameter must be positive finite"},
      {"inv_chi_square_lcdf(-0.5 | 2)", "inv_chi_square_lcdf: Random variable must be non-negative"},
      {"scaled_inv_chi_square_lcdf(1 | 2, -1)", "scaled_inv_chi_square_lcdf: Scale parameter must be positive finite"},
      {"beta_lcdf(0.5 | 0, 1)", "beta_lcdf: First shape parameter must be positive finite"},
      {"beta_lccdf(0.5 | 1, -2)", "beta_lccdf: Second shape parameter must be positive finite"},
      {"beta_lcdf(1.5 | 1, 1)", "beta_lcdf: Random variable must be in [0, 1]"},
      {"poisson_lcdf(2 | -1)", "poisson_lcdf: Rate parameter must be non-negative"},
      {"binomial_lcdf(2 | -3, 0.5)", "binomial_lcdf: Population size parameter must be non-negative"},
      {"binomial_lccdf(2 | 3, 1.5)", "binomial_lccdf: Probability parameter must be in [0, 1]"},
      {"bernoulli_lcdf(0 | -0.1)", "bernoulli_lcdf: Probability parameter must be in [0, 1]"},
      {"neg_binomial_lcdf(2 | 0, 1)", "neg_binomial_lcdf: Shape parameter must be positive finite"},
      {"neg_binomial_lccdf(2 | 1, -1)", "neg_binomial_lccdf: Inverse scale parameter must be positive finite"},
      {"neg_binomial_2_lcdf(2 | -1, 1)", "neg_binomial_2_lcdf: Location parameter must be positive finite"},
      {"neg_binomial_2_lccdf(2 | 1, 0)", "neg_binomial_2_lccdf: Precision parameter must be positive finite"},
      {"beta_binomial_lcdf(2 | -1, 1, 1)", "beta_binomial_lcdf: Population size parameter must be non-negative"},
      {"beta_binomial_lccdf(2 | 4, 0, 1)",
       "beta_binomial_lccdf: First prior sample size parameter must be positive finite"},
      {"beta_binomial_lcdf(2 | 4, 1, -1)",
       "beta_binomial_lcdf: Second prior sample size parameter must be positive finite"},
  };
  for (const auto& [call, expected] : cases) EXPECT_EQ(domain_error(call), "domain:5:17: " + expected) << call;
}

// Of parameters, vectorised: the gradient against finite differences; the sum
// over a vector equals the sum of the scalar calls.
TEST(Cdfs, GradientsAndVectorisation) {
  auto m = testing_util::compile_source("cdf_gradients", R"(data {
  vector[3] y;
}
parameters {
  real mu;
  real<lower=0> sigma;
  real<lower=0> alpha;
}
model {
  target += normal_lcdf(y | mu, sigma) + normal_lccdf(y | mu, sigma) + lognormal_lcdf(2 | mu, sigma);
  target += exponential_lccdf(y[2] | sigma) + exponential_lcdf(y[2] | sigma) + logistic_lcdf(y | mu, sigma);
  target += logistic_lccdf(y | mu, sigma) + gumbel_lcdf(y | mu, sigma) + gumbel_lccdf(y | mu, sigma);
  target += weibull_lcdf(y[2] | alpha, sigma) + weibull_lccdf(y[2] | alpha, sigma) + rayleigh_lcdf(y[2] | sigma);
  target += pareto_lccdf(3 | sigma, alpha) + double_exponential_lcdf(y | mu, sigma);
  target += double_exponential_lccdf(y | mu, sigma) + frechet_lcdf(y[2] | alpha, sigma);
  target += student_t_lccdf(0 | 3, 0, 2.5) + cauchy_lcdf(y[2] | mu, sigma) + cauchy_lccdf(y[2] | mu, sigma);
  mu ~ normal(0, 1);
  sigma ~ lognormal(0, 0.5);
  alpha ~ lognormal(0, 0.5);
}
generated quantities {
  real sum_vector = normal_lcdf(y | mu, sigma);
  real sum_scalars = normal_lcdf(y[1] | mu, sigma) + normal_lcdf(y[2] | mu, sigma) + normal_lcdf(y[3] | mu, sigma);
}
)",
                                        R"({"y": [-0.5, 0.7, 2.2]})");
  ASSERT_TRUE(m);
  testing_util::expect_gradcheck_passes(m->model(), 3, "cdf_gradients");
  std::map<std::string, double> out = testing_util::constrained_outputs(m->model(), {0.3, -0.2, 0.1});
  EXPECT_NEAR(out.at("sum_vector"), out.at("sum_scalars"), 1e-14);
}

TEST(Cdfs, StudentTOfParametersIsNotSupportedYet) {
  SourceFile file("m.vmodel", "parameters { real<lower=0> s; }\nmodel { target += -student_t_lccdf(0 | 3, 0, s); }\n");
  Diagnostics diags;
  std::unique_ptr<ast::Program> program = frontend::parse_and_check(file, diags);
  ASSERT_TRUE(program) << diags.str();
  lower::check_supported(*program, diags);
  EXPECT_EQ(diags.str(),
            "m.vmodel:2:20: error: 'student_t_lccdf' of parameters (vic takes it of data) is not supported yet\n"
            "    model { target += -student_t_lccdf(0 | 3, 0, s); }\n"
            "                       ^\n");
}

// T[L, U], T[L, ], T[, U]: the density divided by the probability of the
// interval (on the log scale), against Boost's normal CDF; a value outside has
// log density -inf; a distribution without a CDF is named.
TEST(Cdfs, Truncation) {
  auto m = testing_util::compile_source("truncation", R"(data {
  real y;
}
parameters {
  real mu;
  real<lower=0> sigma;
}
model {
  y ~ normal(mu, sigma) T[-1, 4];
  y ~ normal(mu, sigma) T[-2, ];
  y ~ normal(mu, sigma) T[, 3];
}
)",
                                        R"({"y": 1.5})");
  ASSERT_TRUE(m);
  auto closed_form = [](double mu, double u) {
    const double sigma = std::exp(u);
    const bm::normal d(mu, sigma);
    const double density = 3 * (-std::log(sigma) - 0.5 * std::pow((1.5 - mu) / sigma, 2));
    return u + density - std::log(bm::cdf(d, 4.0) - bm::cdf(d, -1.0)) - std::log(bm::cdf(bm::complement(d, -2.0))) -
           std::log(bm::cdf(d, 3.0));
  };
  const double a[] = {0.3, -0.2}, b[] = {1.1, 0.4};
  double grad[2];
  runtime::EvalError error = 0;
  const double lp_a = m->model().lp_grad(a, grad, &error), lp_b = m->model().lp_grad(b, grad, &error);
  ASSERT_EQ(error, 0);
  EXPECT_NEAR(lp_a - lp_b, closed_form(a[0], a[1]) - closed_form(b[0], b[1]), 1e-12);
  testing_util::expect_gradcheck_passes(m->model(), 3, "truncation");

  auto outside = testing_util::compile_source("outside", "data {\n  real y;\n}\nparameters {\n  real mu;\n}\nmodel {\n"
                                                         "  y ~ normal(mu, 1) T[0, 1];\n}\n",
                                              R"({"y": 1.5})");
  ASSERT_TRUE(outside);
  const double mu = 0.2;
  EXPECT_EQ(outside->model().lp(&mu, &error), -HUGE_VAL);

  tools::CheckedModel reversed = tools::check_model_source(
      "reversed", "parameters {\n  real mu;\n}\nmodel {\n  mu ~ normal(0, 1) T[1, 0];\n}\n");
  ASSERT_TRUE(reversed.ast);
  Expected<runtime::DataSet> none = runtime::read_stan_json("{}", "d.json", tools::data_declarations(*reversed.ast));
  ASSERT_TRUE(none);
  Expected<tools::CompiledModel> compiled = tools::compile_model(*reversed.ast, *none, ir::PipelineSettings{});
  ASSERT_FALSE(compiled);
  EXPECT_EQ(compiled.error(), "reversed:5:3: truncation: the lower bound is not below the upper bound; it depends on "
                              "the data alone, so it fails at every value of the parameters");

  SourceFile file("m.vmodel",
                  "data { int k; } parameters { real<lower=0> l; }\nmodel { k ~ poisson_log(l) T[0, 10]; }\n");
  Diagnostics diags;
  std::unique_ptr<ast::Program> program = frontend::parse_and_check(file, diags);
  ASSERT_TRUE(program) << diags.str();
  lower::check_supported(*program, diags);
  EXPECT_EQ(
      diags.str(),
      "m.vmodel:2:13: error: truncating 'poisson_log' (vic has no differentiable CDF of it yet) is not supported yet\n"
      "    model { k ~ poisson_log(l) T[0, 10]; }\n"
      "                ^\n");
}

// A discrete distribution's bounds are ints, as its CDF's variate is (Stan's rule).
TEST(Cdfs, DiscreteTruncationTakesIntBounds) {
  SourceFile file("m.vmodel", "data { int k; } parameters { real<lower=0> l; }\nmodel { k ~ poisson(l) T[0.5, ]; }\n");
  Diagnostics diags;
  frontend::parse_and_check(file, diags);
  EXPECT_EQ(diags.str(),
            "m.vmodel:2:26: error: the lower bound of a truncated 'poisson' must be an int, not real\n"
            "    model { k ~ poisson(l) T[0.5, ]; }\n"
            "                             ^\n");
}

// A discrete Y truncated: P(L <= Y <= U) = F(U) - F(L - 1), L itself having
// mass; P(Y >= L) = 1 - F(L - 1); T[L, L] leaves the one value. Against the
// Poisson pmf summed by hand, and the gradient against finite differences;
// a count outside the bounds has log density -inf.
TEST(Cdfs, TruncatedPoisson) {
  auto m = testing_util::compile_source("truncated_poisson", R"(data {
  int k;
}
parameters {
  real<lower=0> lambda;
}
model {
  k ~ poisson(lambda) T[1, 10];
  k ~ poisson(lambda) T[2, ];
  k ~ poisson(lambda) T[, 8];
  k ~ poisson(lambda) T[0, ];
  k ~ poisson(lambda) T[3, 3];
}
)",
                                        R"({"k": 3})");
  ASSERT_TRUE(m);
  auto log_pmf = [](int j, double lambda) { return j * std::log(lambda) - lambda - std::lgamma(j + 1.0); };
  auto mass = [&](int lo, int hi, double lambda) {
    double sum = 0;
    for (int j = lo; j <= hi; ++j) sum += std::exp(log_pmf(j, lambda));
    return sum;
  };
  // Up to a constant: each `~` adds k log(lambda) - lambda (it drops
  // -lgamma(k + 1)) less the log of its interval's mass; T[3, 3]'s mass is pmf(3).
  auto closed_form = [&](double u) {
    const double lambda = std::exp(u);
    const double kernel = 3 * std::log(lambda) - lambda;
    return u + 5 * kernel - std::log(mass(1, 10, lambda)) - std::log(1 - mass(0, 1, lambda)) -
           std::log(mass(0, 8, lambda)) - log_pmf(3, lambda);
  };
  const double a = 0.3, b = 1.7;
  double grad[1];
  runtime::EvalError error = 0;
  const double lp_a = m->model().lp_grad(&a, grad, &error), lp_b = m->model().lp_grad(&b, grad, &error);
  ASSERT_EQ(error, 0);
  EXPECT_NEAR(lp_a - lp_b, closed_form(a) - closed_form(b), 1e-12);
  testing_util::expect_gradcheck_passes(m->model(), 3, "truncated_poisson");

  auto outside = testing_util::compile_source("outside_poisson", "data {\n  int k;\n}\nparameters {\n  real<lower=0> l;\n}\n"
                                                                 "model {\n  k ~ poisson(l) T[1, 4];\n}\n",
                                              R"({"k": 0})");
  ASSERT_TRUE(outside);
  EXPECT_EQ(outside->model().lp(&a, &error), -HUGE_VAL);
}

// Truncations whose bound sits on the support's edge (F(0) = 0 for the gamma,
// F(-1) = 0 for the binomial) and a binomial's upper bound: the constant log
// CDF there must leave the gradient finite. Against Boost's distributions
// and the beta-binomial's pmf summed by hand.
TEST(Cdfs, TruncationAtTheSupportsEdge) {
  auto m = testing_util::compile_source("truncated_edges", R"(data {
  real y;
  int k;
}
parameters {
  real<lower=0> alpha;
  real<lower=0, upper=1> theta;
}
model {
  y ~ gamma(alpha, 2) T[0, 5];
  k ~ binomial(6, theta) T[0, 4];
  k ~ neg_binomial_2(alpha, 3) T[1, ];
  k ~ beta_binomial(6, alpha, 2) T[1, 5];
  alpha ~ lognormal(0, 1);
}
)",
                                        R"({"y": 1.5, "k": 2})");
  ASSERT_TRUE(m);
  testing_util::expect_gradcheck_passes(m->model(), 3, "truncated_edges");
  auto closed_form = [](double u, double v) {
    const double alpha = std::exp(u), theta = 1 / (1 + std::exp(-v));
    const bm::gamma_distribution<> gamma(alpha, 0.5);
    const bm::binomial_distribution<> binomial(6, theta);
    const bm::negative_binomial_distribution<> nb(3, 3 / (alpha + 3));
    return std::log(bm::pdf(gamma, 1.5)) - std::log(bm::cdf(gamma, 5.0)) + std::log(bm::pdf(binomial, 2)) -
           std::log(bm::cdf(binomial, 4)) + std::log(bm::pdf(nb, 2)) - std::log(bm::cdf(bm::complement(nb, 0))) +
           std::log(beta_binomial_mass(2, 2, 6, alpha, 2)) - std::log(beta_binomial_mass(1, 5, 6, alpha, 2)) -
           std::pow(u, 2) / 2 - u + u + std::log(theta * (1 - theta));
  };
  const double a[] = {0.3, -0.4}, b[] = {-0.5, 0.9};
  double grad[2];
  runtime::EvalError error = 0;
  const double lp_a = m->model().lp_grad(a, grad, &error), lp_b = m->model().lp_grad(b, grad, &error);
  ASSERT_EQ(error, 0);
  EXPECT_NEAR(lp_a - lp_b, closed_form(a[0], a[1]) - closed_form(b[0], b[1]), 1e-10);
}

// The CDFs of skew_normal, exp_mod_normal, von_mises and poisson_binomial.
// References: Boost's skew normal (where its Phi - 2 T does not cancel),
// and F(z; 1) = Phi(z)^2 in the far tail; the other two continuous ones by
// quadrature of their densities; the Poisson-binomial's pmf summed over every
// subset of its trials.

// The exponentially modified normal's density, integrated over (-inf, y] and [y, inf).
std::pair<double, double> exp_mod_normal_tails(double y, double mu, double sigma, double lambda) {
  auto density = [=](double t) {
    // Far below, erfc underflows where the exponential overflows: the density is 0 there to double precision.
    const double v = lambda * sigma * sigma;
    const double e = std::erfc((mu + v - t) / (std::sqrt(2.0) * sigma));
    return e == 0 ? 0.0 : lambda / 2 * std::exp(lambda / 2 * (2 * mu + v - 2 * t) + std::log(e));
  };
  boost::math::quadrature::tanh_sinh<double> q;
  return {q.integrate(density, -HUGE_VAL, y, 1e-15), q.integrate(density, y, HUGE_VAL, 1e-15)};
}

// The von Mises density integrated over [-pi, y] and [y, pi], split where it peaks.
std::pair<double, double> von_mises_tails(double y, double mu, double kappa) {
  auto density = [=](double t) {
    return std::exp(kappa * (std::cos(t - mu) - 1)) / (2 * M_PI * bm::cyl_bessel_i(0, kappa) * std::exp(-kappa));
  };
  auto integral = [&](double lo, double hi) {
    double peak = mu - 2 * M_PI * std::round(mu / (2 * M_PI));
    double sum = 0;
    if (peak > lo && peak < hi) {
      sum += bm::quadrature::gauss_kronrod<double, 61>::integrate(density, lo, peak, 15, 1e-15);
      lo = peak;
    }
    return sum + bm::quadrature::gauss_kronrod<double, 61>::integrate(density, lo, hi, 15, 1e-15);
  };
  return {integral(-M_PI, y), integral(y, M_PI)};
}

// P(Y <= y) and P(Y > y) for Y the successes of independent trials theta.
std::pair<double, double> poisson_binomial_tails(int y, const std::vector<double>& theta) {
  double lower = 0, upper = 0;
  for (unsigned mask = 0; mask < (1u << theta.size()); ++mask) {
    double p = 1;
    int successes = 0;
    for (size_t i = 0; i < theta.size(); ++i) {
      const bool success = mask & (1u << i);
      p *= success ? theta[i] : 1 - theta[i];
      successes += success;
    }
    (successes <= y ? lower : upper) += p;
  }
  return {lower, upper};
}

TEST(Cdfs, SkewNormalExpModNormalVonMisesPoissonBinomialValues) {
  auto both = [](const auto& d, double y) { return std::pair{bm::cdf(d, y), bm::cdf(bm::complement(d, y))}; };
  const bm::skew_normal_distribution<> skew(0.5, 2, -3), skew_right(0.5, 2, 0.7);
  std::vector<TailCase> cases;
  auto add = [&](const std::string& call, const std::string& y, std::pair<double, double> tails) {
    cases.push_back({call, y, tails.first, tails.second});
  };
  add("skew_normal(0.5, 2, -3)", "1.3", both(skew, 1.3));
  add("skew_normal(0.5, 2, -3)", "-6", both(skew, -6));
  add("skew_normal(0.5, 2, -3)", "-0.2", both(skew, -0.2));
  add("skew_normal(0.5, 2, 0.7)", "1.3", both(skew_right, 1.3));
  add("skew_normal(0.5, 2, 0.7)", "9", both(skew_right, 9));
  add("skew_normal(0.5, 2, 0.7)", "-1", both(skew_right, -1));
  add("exp_mod_normal(0.5, 2, 0.7)", "1.3", exp_mod_normal_tails(1.3, 0.5, 2, 0.7));
  add("exp_mod_normal(0.5, 2, 0.7)", "-4", exp_mod_normal_tails(-4, 0.5, 2, 0.7));
  add("exp_mod_normal(0.5, 2, 0.7)", "12", exp_mod_normal_tails(12, 0.5, 2, 0.7));
  add("exp_mod_normal(-1, 0.5, 6)", "-0.8", exp_mod_normal_tails(-0.8, -1, 0.5, 6));
  add("exp_mod_normal(-1, 0.5, 0.2)", "2", exp_mod_normal_tails(2, -1, 0.5, 0.2));
  add("von_mises(0.5, 2)", "1.3", von_mises_tails(1.3, 0.5, 2));
  add("von_mises(0.5, 2)", "-2.5", von_mises_tails(-2.5, 0.5, 2));
  add("von_mises(-2.8, 0.3)", "0.4", von_mises_tails(0.4, -2.8, 0.3));
  add("von_mises(7, 30)", "2.9", von_mises_tails(2.9, 7, 30));
  add("von_mises(1, 60)", "0.8", von_mises_tails(0.8, 1, 60));
  add("von_mises(0.5, 2)", "-pi()", {0, 1});
  add("von_mises(0.5, 2)", "pi()", {1, 0});
  const std::vector<double> theta = {0.2, 0.7, 0.5, 0.9};
  for (int y : {0, 1, 2, 3})
    add("poisson_binomial([0.2, 0.7, 0.5, 0.9]')", std::to_string(y), poisson_binomial_tails(y, theta));
  add("poisson_binomial([0.2, 0.7, 0.5, 0.9]')", "4", {1, 0});
  for (const TailCase& c : cases) {
    const std::string dist = c.call.substr(0, c.call.find('('));
    const std::string args = c.call.substr(c.call.find('(') + 1, c.call.size() - c.call.find('(') - 2);
    const std::string bar = "(" + c.y + " | " + args + ")";
    auto m = testing_util::compile_source(
        "cdf",
        "parameters {\n  real a;\n}\nmodel {\n  a ~ normal(0, 1);\n}\ngenerated quantities {\n  real l = " + dist +
            "_lcdf" + bar + ";\n  real u = " + dist + "_lccdf" + bar + ";\n  real f = " + dist + "_cdf" + bar +
            ";\n}\n",
        "{}");
    ASSERT_TRUE(m) << c.call;
    std::map<std::string, double> out = testing_util::constrained_outputs(m->model(), {0.0});
    const std::string what = c.call + " at " + c.y;
    auto expect_log = [&](double got, double p, const std::string& tail) {
      if (p == 0) {
        EXPECT_EQ(got, -HUGE_VAL) << what << ": " << tail;
      } else {
        EXPECT_NEAR(got, std::log(p), 1e-12 * std::max(1.0, std::fabs(std::log(p)))) << what << ": " << tail;
      }
    };
    expect_log(out.at("l"), c.cdf, "lcdf");
    expect_log(out.at("u"), c.ccdf, "lccdf");
    EXPECT_NEAR(out.at("f"), c.cdf, 1e-14) << what << ": cdf";
  }
}

// Far in the tail where Phi(z) - 2 T(z, alpha) cancels: F(z; 1) = Phi(z)^2
// exactly; and the exponentially modified normal's lower tail, where its two
// terms cancel, and its upper tail, where exp(v^2 / 2 - u v) would overflow.
TEST(Cdfs, FarTails) {
  auto m = testing_util::compile_source("tails", R"(parameters {
  real a;
}
model {
  a ~ normal(0, 1);
}
generated quantities {
  real skew = skew_normal_lcdf(-21 | 1, 2, 1);
  real skew_upper = skew_normal_lccdf(21 | -1, 2, -1);
  real emn_lower = exp_mod_normal_lcdf(-30 | 0, 1, 2);
  real emn_upper = exp_mod_normal_lccdf(400 | 0, 1, 30);
  real emn_far_lower = exp_mod_normal_lcdf(-60 | 0, 1, 50);
}
)",
                                        "{}");
  ASSERT_TRUE(m);
  std::map<std::string, double> out = testing_util::constrained_outputs(m->model(), {0.0});
  // z = -11: 2 log Phi(-11), Phi's tail from erfc.
  const double log_phi = std::log(0.5 * std::erfc(11 / std::sqrt(2.0)));
  EXPECT_NEAR(out.at("skew"), 2 * log_phi, 1e-12 * std::fabs(2 * log_phi));
  EXPECT_NEAR(out.at("skew_upper"), 2 * log_phi, 1e-12 * std::fabs(2 * log_phi));
  // The densities' quadratures, scaled by their largest terms: the lower tail
  // at -30 with sigma = 1, lambda = 2 is exp(-450) times
  // int_0^inf of the density's ratio to its value there.
  auto emn_log_tail = [](double y, double lambda, bool upper) {
    // log density: log(lambda / 2) + lambda (lambda / 2 - t) + log erfc((lambda - t) / sqrt 2), mu = 0, sigma = 1,
    // its erfc of a large argument through Boost's erfc in long double.
    auto log_density = [=](long double t) {
      return std::log(lambda / 2) + lambda * (lambda / 2 - t) + std::log(bm::erfc((lambda - t) / std::sqrt(2.0L)));
    };
    const long double top = log_density(y);
    auto ratio = [&](long double s) { return std::exp(log_density(upper ? y + s : y - s) - top); };
    boost::math::quadrature::tanh_sinh<long double> q;
    return static_cast<double>(top + std::log(q.integrate(ratio, 0.0L, 60.0L, 1e-18L)));
  };
  const double lower = emn_log_tail(-30, 2, false), upper = emn_log_tail(400, 30, true);
  EXPECT_NEAR(out.at("emn_lower"), lower, 1e-10 * std::fabs(lower));
  EXPECT_NEAR(out.at("emn_upper"), upper, 1e-10 * std::fabs(upper));
  EXPECT_TRUE(std::isfinite(out.at("emn_far_lower"))) << out.at("emn_far_lower");
  EXPECT_LT(out.at("emn_far_lower"), -1800);
}

// Every real argument a parameter: the gradients of the four CDFs against
// finite differences; poisson_binomial's over an array of outcomes is the
// sum of its scalar calls.
TEST(Cdfs, SkewNormalExpModNormalVonMisesPoissonBinomialGradients) {
  auto m = testing_util::compile_source("new_cdf_gradients", R"(data {
  array[3] int k;
}
parameters {
  real mu;
  real<lower=0> sigma;
  real alpha;
  real<lower=-pi(), upper=pi()> y;
  simplex[4] theta;
}
model {
  target += skew_normal_lcdf(y | mu, sigma, alpha) + skew_normal_lccdf(y | mu, sigma, alpha);
  target += skew_normal_cdf(1.5 | mu, sigma, alpha) + skew_normal_lcdf(-2 | mu, sigma, alpha);
  target += exp_mod_normal_lcdf(y | mu, sigma, sigma + 0.5) + exp_mod_normal_lccdf(y | mu, sigma, sigma + 0.5);
  target += exp_mod_normal_cdf(1.5 | mu, sigma, 2) + exp_mod_normal_lcdf(-1 | mu, 0.5, sigma);
  target += von_mises_lcdf(y | mu, sigma) + von_mises_lccdf(y | mu, sigma) + von_mises_cdf(0.3 | mu + 4, sigma + 2);
  target += poisson_binomial_lcdf(k | theta) + poisson_binomial_lccdf(k | theta) + poisson_binomial_cdf(2 | theta);
  mu ~ normal(0, 1);
  sigma ~ lognormal(0, 0.5);
  alpha ~ normal(0, 2);
}
generated quantities {
  real sum_vector = poisson_binomial_lccdf(k | theta);
  real sum_scalars = poisson_binomial_lccdf(k[1] | theta) + poisson_binomial_lccdf(k[2] | theta)
                     + poisson_binomial_lccdf(k[3] | theta);
}
)",
                                        R"({"k": [0, 2, 3]})");
  ASSERT_TRUE(m);
  testing_util::expect_gradcheck_passes(m->model(), 3, "new_cdf_gradients");
  std::map<std::string, double> out =
      testing_util::constrained_outputs(m->model(), {0.3, -0.2, 0.1, 0.4, 0.5, -0.3, 0.2});
  EXPECT_NEAR(out.at("sum_vector"), out.at("sum_scalars"), 1e-13);
}

TEST(Cdfs, SkewNormalExpModNormalVonMisesPoissonBinomialDomainErrors) {
  const std::pair<std::string, std::string> cases[] = {
      {"skew_normal_lcdf(not_a_number() | 0, 1, 1)", "skew_normal_lcdf: Random variable must not be NaN"},
      {"skew_normal_lccdf(1 | positive_infinity(), 1, 1)", "skew_normal_lccdf: Location parameter must be finite"},
      {"skew_normal_cdf(1 | 0, 0, 1)", "skew_normal_lcdf: Scale parameter must be positive"},
      {"skew_normal_lcdf(1 | 0, 1, negative_infinity())", "skew_normal_lcdf: Shape parameter must be finite"},
      {"exp_mod_normal_lcdf(not_a_number() | 0, 1, 1)", "exp_mod_normal_lcdf: Random variable must not be NaN"},
      {"exp_mod_normal_lccdf(1 | not_a_number(), 1, 1)", "exp_mod_normal_lccdf: Location parameter must be finite"},
      {"exp_mod_normal_lcdf(1 | 0, positive_infinity(), 1)",
       "exp_mod_normal_lcdf: Scale parameter must be positive finite"},
      {"exp_mod_normal_lcdf(1 | 0, 1, -1)", "exp_mod_normal_lcdf: Inv_scale parameter must be positive finite"},
      {"von_mises_lcdf(3.5 | 0, 1)", "von_mises_lcdf: Random variable must be in [-pi, pi]"},
      {"von_mises_lccdf(1 | positive_infinity(), 1)", "von_mises_lccdf: Location parameter must be finite"},
      {"von_mises_cdf(1 | 0, 0)", "von_mises_lcdf: Scale parameter must be positive"},
      {"poisson_binomial_lcdf(3 | [0.5, 0.5]')",
       "poisson_binomial_lcdf: Successes variable must be between 0 and the size of theta"},
      {"poisson_binomial_lccdf({1, -1} | [0.5, 0.5]')",
       "poisson_binomial_lccdf: Successes variable must be between 0 and the size of theta"},
      {"poisson_binomial_lcdf(1 | [0.5, 1.5]')", "poisson_binomial_lcdf: Probability parameters must be in [0, 1]"},
      {"poisson_binomial_lccdf(1 | [not_a_number(), 0.5]')",
       "poisson_binomial_lccdf: Probability parameters must be in [0, 1]"},
  };
  for (const auto& [call, expected] : cases) EXPECT_EQ(domain_error(call), "domain:5:17: " + expected) << call;
}

// Truncation of the four: against Boost's skew normal, the quadratures of the
// other densities and the Poisson-binomial's pmf summed by hand (T[0, ] takes
// F below 0, which is 0), with the gradients against finite differences.
TEST(Cdfs, TruncatedSkewNormalExpModNormalVonMisesPoissonBinomial) {
  auto m = testing_util::compile_source("truncated_new", R"(data {
  real y;
  int k;
}
parameters {
  real mu;
  real<lower=0, upper=1> p;
}
model {
  y ~ skew_normal(mu, 2, 1.5) T[-1, 4];
  y ~ exp_mod_normal(mu, 1, 0.5) T[0, ];
  y ~ von_mises(mu, 3) T[, 2];
  k ~ poisson_binomial([p, 0.3, 0.6]') T[1, 2];
  k ~ poisson_binomial([p, 0.3, 0.6]') T[0, ];
}
)",
                                        R"({"y": 1.2, "k": 2})");
  ASSERT_TRUE(m);
  testing_util::expect_gradcheck_passes(m->model(), 3, "truncated_new");
  auto closed_form = [](double mu, double v) {
    const double p = 1 / (1 + std::exp(-v));
    const bm::skew_normal_distribution<> skew(mu, 2, 1.5);
    const double skew_part = std::log(bm::pdf(skew, 1.2)) - std::log(bm::cdf(skew, 4.0) - bm::cdf(skew, -1.0));
    const double emn_density =
        0.25 * std::exp(0.25 * (2 * mu + 0.5 - 2 * 1.2)) * std::erfc((mu + 0.5 - 1.2) / std::sqrt(2.0));
    const double emn_part = std::log(emn_density) - std::log(exp_mod_normal_tails(0, mu, 1, 0.5).second);
    const double vm_density = std::exp(3 * std::cos(1.2 - mu)) / (2 * M_PI * bm::cyl_bessel_i(0, 3.0));
    const double vm_part = std::log(vm_density) - std::log(von_mises_tails(2, mu, 3).first);
    const std::vector<double> theta = {p, 0.3, 0.6};
    const double pmf = poisson_binomial_tails(2, theta).first - poisson_binomial_tails(1, theta).first;
    const double pb_part = 2 * std::log(pmf) - std::log(pmf + poisson_binomial_tails(1, theta).first -
                                                        poisson_binomial_tails(0, theta).first);
    return skew_part + emn_part + vm_part + pb_part + std::log(p * (1 - p));
  };
  const double a[] = {0.3, -0.4}, b[] = {-0.5, 0.9};
  double grad[2];
  runtime::EvalError error = 0;
  const double lp_a = m->model().lp_grad(a, grad, &error), lp_b = m->model().lp_grad(b, grad, &error);
  ASSERT_EQ(error, 0);
  EXPECT_NEAR(lp_a - lp_b, closed_form(a[0], a[1]) - closed_form(b[0], b[1]), 1e-10);
}

}  // namespace
}  // namespace vic
