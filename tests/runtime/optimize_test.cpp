// The mode by L-BFGS and the Laplace approximation at it.
#include "runtime/optimize.h"

#include <gtest/gtest.h>

#include <cmath>

#include "runtime/laplace.h"
#include "tests/runtime/test_models.h"

namespace vic::runtime {
namespace {

TEST(Optimize, FindsTheModeOfACorrelatedGaussian) {
  testing::CorrelatedNormal target = testing::correlated_target();
  Rng rng(1);
  OptimizeSettings settings;
  settings.jacobian = true;
  Expected<OptimizeResult> mode = find_mode(target, settings, rng);
  ASSERT_TRUE(mode) << mode.error();
  EXPECT_TRUE(is_converged(mode->termination));
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(mode->theta[i], testing::kCorrelatedMean[i], 1e-3) << i;
  EXPECT_NEAR(mode->log_density, 0, 1e-6);
}

TEST(Optimize, AModelThatAlwaysFailsIsAnError) {
  testing::AlwaysFails model;
  Rng rng(1);
  OptimizeSettings settings;
  settings.jacobian = true;
  Expected<OptimizeResult> mode = find_mode(model, settings, rng);
  ASSERT_FALSE(mode);
  EXPECT_EQ(mode.error().rfind("initialization between (-2, 2) failed after 100 attempts", 0), 0u) << mode.error();
}

// On a Gaussian target the Laplace approximation is the target: the finite
// differences of a linear gradient are exact up to rounding.
TEST(Laplace, IsTheTargetForAGaussian) {
  testing::CorrelatedNormal target = testing::correlated_target();
  Expected<ViResult> q = laplace_approximation(target, testing::kCorrelatedMean);
  ASSERT_TRUE(q) << q.error();
  std::vector<double> mean = q->family->mean(q->phi.data());
  std::vector<double> c = q->family->covariance(q->phi.data());
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(mean[i], testing::kCorrelatedMean[i], 1e-12);
    for (int j = 0; j < 3; ++j) EXPECT_NEAR(c[i + 3 * j], testing::kCorrelatedCovariance[i * 3 + j], 1e-6) << i << j;
  }
}

TEST(Laplace, ANegativeHessianThatIsNotPositiveDefiniteIsAnError) {
  // lp = +0.5 theta^2: a minimum at 0, not a mode.
  class Bowl : public testing::Tiny {
   public:
    double lp_grad(const double* theta, double* grad, EvalError*) const override {
      grad[0] = theta[0];
      return 0.5 * theta[0] * theta[0];
    }
  } bowl;
  Expected<ViResult> q = laplace_approximation(bowl, {0.0});
  ASSERT_FALSE(q);
  EXPECT_EQ(q.error(),
            "the negative Hessian at the mode is not positive definite: the point is not a mode, or the posterior is "
            "improper or flat there");
}

}  // namespace
}  // namespace vic::runtime
