// _lcdf, _lccdf and _cdf: values against Boost.Math's CDFs, vectorised sums,
// gradients against finite differences, and Student-t's CDF of data alone.
#include <gtest/gtest.h>

#include <boost/math/distributions/cauchy.hpp>
#include <boost/math/distributions/exponential.hpp>
#include <boost/math/distributions/extreme_value.hpp>
#include <boost/math/distributions/laplace.hpp>
#include <boost/math/distributions/logistic.hpp>
#include <boost/math/distributions/lognormal.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/pareto.hpp>
#include <boost/math/distributions/rayleigh.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <boost/math/distributions/uniform.hpp>
#include <boost/math/distributions/weibull.hpp>
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

  SourceFile file("m.vmodel", "data { int k; } parameters { real<lower=0> l; }\nmodel { k ~ poisson(l) T[0, 10]; }\n");
  Diagnostics diags;
  std::unique_ptr<ast::Program> program = frontend::parse_and_check(file, diags);
  ASSERT_TRUE(program) << diags.str();
  lower::check_supported(*program, diags);
  EXPECT_EQ(diags.str(),
            "m.vmodel:2:13: error: truncating 'poisson' (vic has no differentiable CDF of it yet) is not supported yet\n"
            "    model { k ~ poisson(l) T[0, 10]; }\n"
            "                ^\n");
}

}  // namespace
}  // namespace vic
