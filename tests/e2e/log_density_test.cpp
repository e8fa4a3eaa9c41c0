// Log density values, not only gradients: lp(a) - lp(b) at random unconstrained
// points equals the closed form in the posterior's SPEC.md plus the log-Jacobian
// of each constraint transform, to 1e-9 relative. Finite differences cannot
// catch a wrong Jacobian or a wrong density; this can.
#include <cmath>
#include <functional>
#include <random>

#include <gtest/gtest.h>

#include "test_util.h"

namespace vic {
namespace {

using testing_util::compile_example;

// Checks both the propto density (lp_grad) and the full one (lp) against
// `closed_form` (which includes the Jacobian), by differences of point pairs.
void expect_differences_match(const runtime::Model& model,
                              const std::function<double(const std::vector<double>&)>& closed_form,
                              uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> uniform(-2.0, 2.0);
  size_t n = model.dim();
  for (int pair = 0; pair < 10; ++pair) {
    std::vector<double> a(n), b(n), grad(n);
    for (size_t k = 0; k < n; ++k) {
      a[k] = uniform(rng);
      b[k] = uniform(rng);
    }
    runtime::EvalError error = 0;
    double expected = closed_form(a) - closed_form(b);
    double propto = model.lp_grad(a.data(), grad.data(), &error) - model.lp_grad(b.data(), grad.data(), &error);
    double full = model.lp(a.data(), &error) - model.lp(b.data(), &error);
    ASSERT_EQ(error, 0);
    EXPECT_NEAR(propto, expected, 1e-9 * std::max(1.0, std::fabs(expected))) << "pair " << pair;
    EXPECT_NEAR(full, expected, 1e-9 * std::max(1.0, std::fabs(expected))) << "pair " << pair;
  }
}

TEST(LogDensity, EightSchoolsMatchesSpec) {
  auto m = compile_example("eight_schools");
  ASSERT_TRUE(m);
  const std::vector<double> y{28, 8, -3, 7, -1, 1, 18, 12}, sigma{15, 10, 16, 11, 9, 11, 10, 18};
  // theta = (theta_trans[1..8], mu, log(tau)); tau = exp(u) has log-Jacobian u.
  expect_differences_match(m->model(), [&](const std::vector<double>& t) {
    double mu = t[8], tau = std::exp(t[9]);
    double lp = -mu * mu / 50 - std::log1p((tau / 5) * (tau / 5)) + t[9];
    for (int j = 0; j < 8; ++j) {
      double r = y[j] - mu - tau * t[j];
      lp += -t[j] * t[j] / 2 - r * r / (2 * sigma[j] * sigma[j]);
    }
    return lp;
  }, 1);
}

TEST(LogDensity, KidiqMomiqMatchesSpec) {
  auto m = compile_example("kidiq_momiq");
  ASSERT_TRUE(m);
  const runtime::DataValue& kid = *m->data.find("kid_score");
  const runtime::DataValue& iq = *m->data.find("mom_iq");
  expect_differences_match(m->model(), [&](const std::vector<double>& t) {
    double sigma = std::exp(t[2]);
    double lp = -static_cast<double>(kid.reals.size()) * std::log(sigma) - std::log1p((sigma / 2.5) * (sigma / 2.5)) + t[2];
    for (size_t n = 0; n < kid.reals.size(); ++n) {
      double r = kid.reals[n] - t[0] - t[1] * iq.reals[n];
      lp -= r * r / (2 * sigma * sigma);
    }
    return lp;
  }, 2);
}

TEST(LogDensity, KidiqInteractionZMatchesSpec) {
  auto m = compile_example("kidiq_interaction_z");
  ASSERT_TRUE(m);
  const std::vector<double>& kid = m->data.find("kid_score")->reals;
  const std::vector<double>& hs = m->data.find("mom_hs")->reals;
  const std::vector<double>& iq = m->data.find("mom_iq")->reals;
  size_t n = kid.size();
  auto standardise = [n](const std::vector<double>& x) {
    double mean = 0, ss = 0;
    for (double v : x) mean += v / n;
    for (double v : x) ss += (v - mean) * (v - mean);
    double sd = std::sqrt(ss / (n - 1));
    std::vector<double> z;
    for (double v : x) z.push_back((v - mean) / (2 * sd));
    return z;
  };
  std::vector<double> zh = standardise(hs), zi = standardise(iq);
  expect_differences_match(m->model(), [&](const std::vector<double>& t) {
    double sigma = std::exp(t[4]);
    double lp = -static_cast<double>(n) * std::log(sigma) + t[4];
    for (size_t i = 0; i < n; ++i) {
      double r = kid[i] - t[0] - t[1] * zh[i] - t[2] * zi[i] - t[3] * zh[i] * zi[i];
      lp -= r * r / (2 * sigma * sigma);
    }
    return lp;
  }, 3);
}

// lp's absolute value, constants included (Stan's log_prob<false, true>):
// normal and beta densities with every normalising constant, plus the
// log-Jacobians of a lower bound (sigma = exp(u): u) and of a lower-upper
// bound (p = inv_logit(v): log p + log(1 - p)). A dropped or doubled constant
// changes no difference of two points, so only this catches it.
TEST(LogDensity, AbsoluteValueIncludesEveryConstant) {
  auto m = testing_util::compile_source("normal_beta", R"(data {
  int N;
  vector[N] y;
}
parameters {
  real mu;
  real<lower=0> sigma;
  real<lower=0, upper=1> p;
}
model {
  y ~ normal(mu, sigma);
  p ~ beta(2, 3);
}
)",
                                        R"({"N": 3, "y": [0.5, -1.25, 2.0]})");
  ASSERT_TRUE(m);
  const std::vector<double> y{0.5, -1.25, 2.0};
  auto closed_form = [&](const std::vector<double>& t) {
    double mu = t[0], u = t[1], sigma = std::exp(u), p = 1 / (1 + std::exp(-t[2]));
    double lp = 0;
    for (double yn : y) {
      double z = (yn - mu) / sigma;
      lp += -0.5 * std::log(2 * M_PI) - std::log(sigma) - 0.5 * z * z;
    }
    // beta_lpdf(p | 2, 3) = log(Gamma(5) / (Gamma(2) Gamma(3))) + log p + 2 log(1 - p), with Gamma(5)/(Gamma(2)Gamma(3)) = 12.
    lp += std::log(12.0) + std::log(p) + 2 * std::log1p(-p);
    return lp + u + std::log(p) + std::log1p(-p);
  };
  std::mt19937_64 rng(4);
  std::uniform_real_distribution<double> uniform(-2.0, 2.0);
  for (int point = 0; point < 10; ++point) {
    std::vector<double> t{uniform(rng), uniform(rng), uniform(rng)};
    runtime::EvalError error = 0;
    double lp = m->model().lp(t.data(), &error);
    ASSERT_EQ(error, 0);
    double expected = closed_form(t);
    EXPECT_NEAR(lp, expected, 1e-12 * std::max(1.0, std::fabs(expected))) << "point " << point;
  }
}

}  // namespace
}  // namespace vic
