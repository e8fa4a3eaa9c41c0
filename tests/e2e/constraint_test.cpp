// Constraint transforms: every kind of bound, on scalars and vectors, with
// data and parameter-dependent bounds. The log density (with each transform's
// log-Jacobian) against its closed form, the gradient against finite
// differences, and the constrained values written by constrain.
#include <cmath>
#include <random>

#include <gtest/gtest.h>

#include "tools/gradcheck.h"
#include "test_util.h"

namespace vic {
namespace {

const char* kModel = R"(data {
  real lo;
}
parameters {
  real<lower=lo> a;
  real<upper=3> b;
  real<lower=-1, upper=2> c;
  vector<lower=0>[2] v;
  real<lower=a, upper=a + exp(b)> d;
}
model {
  a ~ normal(0, 1);
  b ~ normal(0, 2);
  c ~ normal(0.5, 1);
  v ~ exponential(1);
  d ~ normal(a, 1);
}
)";

double inv_logit(double u) { return 1 / (1 + std::exp(-u)); }
double log_inv_logit(double u) { return -std::log1p(std::exp(-u)); }
double log1m_inv_logit(double u) { return -std::log1p(std::exp(u)); }

TEST(Constraints, DensityWithJacobiansMatchesClosedForm) {
  auto m = testing_util::compile_source("constraints", kModel, R"({"lo": -0.5})");
  ASSERT_TRUE(m);
  const runtime::Model& model = m->model();
  ASSERT_EQ(model.dim(), 6u);
  auto closed_form = [](const std::vector<double>& u) {
    double a = -0.5 + std::exp(u[0]);
    double b = 3 - std::exp(u[1]);
    double c = -1 + 3 * inv_logit(u[2]);
    double v1 = std::exp(u[3]), v2 = std::exp(u[4]);
    double width = std::exp(b);
    double d = a + width * inv_logit(u[5]);
    double lp = -a * a / 2 - b * b / 8 - (c - 0.5) * (c - 0.5) / 2 - v1 - v2 - (d - a) * (d - a) / 2;
    // log-Jacobians: lower u, upper u, lower-upper log(w) + log inv_logit(u) + log(1 - inv_logit(u))
    lp += u[0] + u[1] + std::log(3.0) + log_inv_logit(u[2]) + log1m_inv_logit(u[2]) + u[3] + u[4];
    lp += std::log(width) + log_inv_logit(u[5]) + log1m_inv_logit(u[5]);
    return lp;
  };
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> uniform(-2, 2);
  for (int pair = 0; pair < 10; ++pair) {
    std::vector<double> x(6), y(6), grad(6);
    for (size_t k = 0; k < 6; ++k) {
      x[k] = uniform(rng);
      y[k] = uniform(rng);
    }
    runtime::EvalError error = 0;
    double expected = closed_form(x) - closed_form(y);
    double actual = model.lp_grad(x.data(), grad.data(), &error) - model.lp_grad(y.data(), grad.data(), &error);
    ASSERT_EQ(error, 0);
    EXPECT_NEAR(actual, expected, 1e-9 * std::max(1.0, std::fabs(expected)));

    // constrain writes the constrained values, in declaration order.
    Rng draw_rng(1);
    std::vector<double> out(model.output_names().size());
    model.constrain(x.data(), draw_rng, out.data(), &error);
    ASSERT_EQ(error, 0);
    double a = -0.5 + std::exp(x[0]);
    EXPECT_NEAR(out[0], a, 1e-12);
    EXPECT_NEAR(out[1], 3 - std::exp(x[1]), 1e-12);
    EXPECT_NEAR(out[2], -1 + 3 * inv_logit(x[2]), 1e-12);
    EXPECT_NEAR(out[3], std::exp(x[3]), 1e-12);
    EXPECT_NEAR(out[5], a + std::exp(out[1]) * inv_logit(x[5]), 1e-12);
  }
  EXPECT_EQ(model.output_names(), (std::vector<std::string>{"a", "b", "c", "v.1", "v.2", "d"}));
}

TEST(Constraints, GradientMatchesFiniteDifferences) {
  auto m = testing_util::compile_source("constraints", kModel, R"({"lo": -0.5})");
  ASSERT_TRUE(m);
  testing_util::expect_gradcheck_passes(m->model(), 5, "constraints");
}

}  // namespace
}  // namespace vic
