// Pareto-smoothed importance sampling: the generalized Pareto fit recovers the
// shape of draws from a known GPD, and k-hat recovers the tail index of
// importance ratios whose tail is known (a Pareto's 1/alpha, a lognormal's
// light tail); the smoothed weights are normalised and keep rejected draws at 0.
#include "runtime/psis.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace vic::runtime {
namespace {

// Draws u ~ U(0, 1) with a fixed seed.
std::vector<double> uniforms(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<double> out(n);
  for (double& v : out) v = u(rng);
  return out;
}

TEST(Psis, GeneralizedParetoFitRecoversTheShape) {
  for (double k : {0.1, 0.4, 0.8}) {
    // The GPD's inverse CDF: sigma ((1 - u)^-k - 1) / k, sigma = 2.
    std::vector<double> x;
    for (double u : uniforms(4000, 11)) x.push_back(2 * std::expm1(-k * std::log1p(-u)) / k);
    std::sort(x.begin(), x.end());
    const GeneralizedPareto g = fit_generalized_pareto(x);
    EXPECT_NEAR(g.k, k, 0.06) << "k = " << k;
    EXPECT_NEAR(g.sigma, 2, 0.2) << "k = " << k;
  }
}

TEST(Psis, KHatIsTheTailIndexOfParetoRatios) {
  // Ratios w = u^-k have a Pareto tail with index 1 / k. One k-hat from 4000
  // draws (a tail of 190) has an sd of about 0.1; the mean of 20 about 0.02.
  for (double k : {0.2, 0.6, 1.0}) {
    double sum = 0;
    for (uint64_t seed = 1; seed <= 20; ++seed) {
      std::vector<double> log_ratios;
      for (double u : uniforms(4000, seed)) log_ratios.push_back(-k * std::log(u));
      const ParetoSmoothed p = pareto_smooth(log_ratios);
      EXPECT_EQ(p.tail_length, 190u);  // ceil(min(0.2 * 4000, 3 sqrt(4000)))
      sum += p.k_hat;
    }
    EXPECT_NEAR(sum / 20, k, 0.07) << "k = " << k;
  }
}

TEST(Psis, LightTailedRatiosAreGood) {
  // A lognormal's tail is light (its GPD shape tends to 0): a good q.
  std::mt19937_64 rng(3);
  std::normal_distribution<double> normal(0, 0.5);
  std::vector<double> log_ratios(4000);
  for (double& v : log_ratios) v = normal(rng);
  const ParetoSmoothed p = pareto_smooth(log_ratios);
  EXPECT_LT(p.k_hat, 0.5);
  EXPECT_EQ(describe_k_hat(p.k_hat), "good (below 0.5)");
}

TEST(Psis, WeightsAreNormalisedAndRejectedDrawsWeighNothing) {
  std::vector<double> log_ratios;
  for (double u : uniforms(1000, 5)) log_ratios.push_back(-0.3 * std::log(u) + 50);  // a constant shift is harmless
  log_ratios[17] = -std::numeric_limits<double>::infinity();
  log_ratios[18] = std::numeric_limits<double>::quiet_NaN();
  const ParetoSmoothed p = pareto_smooth(log_ratios);
  double total = 0;
  for (double lw : p.log_weights) total += std::exp(lw);
  EXPECT_NEAR(total, 1, 1e-12);
  EXPECT_EQ(p.log_weights[17], -std::numeric_limits<double>::infinity());
  EXPECT_EQ(p.log_weights[18], -std::numeric_limits<double>::infinity());
}

TEST(Psis, EqualRatiosHaveNoTail) {
  // q equal to p: every ratio the same.
  const ParetoSmoothed p = pareto_smooth(std::vector<double>(1000, -3.5));
  EXPECT_EQ(p.k_hat, 0);
  EXPECT_NEAR(std::exp(p.log_weights[0]), 1e-3, 1e-15);
}

TEST(Psis, TooFewDrawsGiveNoKHat) {
  EXPECT_TRUE(std::isnan(pareto_smooth({0.1, 0.2, 0.3}).k_hat));
  std::vector<double> mostly_rejected(1000, -std::numeric_limits<double>::infinity());
  mostly_rejected[0] = 1;
  EXPECT_TRUE(std::isnan(pareto_smooth(mostly_rejected).k_hat));
  EXPECT_EQ(describe_k_hat(std::nan("")), "not computed (too few draws with a finite log density)");
  EXPECT_EQ(describe_k_hat(0.6), "usable (0.5 to 0.7: importance-sampling estimates converge slowly)");
  EXPECT_EQ(describe_k_hat(0.9), "do not trust the fit (above 0.7: the approximation is far from the posterior)");
}

}  // namespace
}  // namespace vic::runtime
