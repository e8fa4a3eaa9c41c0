// vic's VI: the full-rank family recovers a correlated Gaussian target's mean
// and covariance, the mean-field family independent normals, and the errors.
#include "runtime/vi.h"

#include <gtest/gtest.h>

#include <cmath>

#include "tests/runtime/test_models.h"

namespace vic::runtime {
namespace {

TEST(Vi, FullRankRecoversACorrelatedGaussian) {
  testing::CorrelatedNormal target = testing::correlated_target();
  for (uint64_t seed : {1, 2, 3}) {
    Expected<ViResult> result = run_vi(target, ViSettings{}, seed);
    ASSERT_TRUE(result) << result.error();
    EXPECT_TRUE(result->converged);
    EXPECT_EQ(result->start, "Pathfinder");
    std::vector<double> mean = result->family->mean(result->phi.data());
    std::vector<double> c = result->family->covariance(result->phi.data());
    for (int i = 0; i < 3; ++i) {
      EXPECT_NEAR(mean[i], testing::kCorrelatedMean[i], 1e-2) << "seed " << seed;
      for (int j = 0; j < 3; ++j)
        EXPECT_NEAR(c[i + 3 * j], testing::kCorrelatedCovariance[i * 3 + j], 1e-2) << "seed " << seed << " " << i << j;
    }
  }
}

TEST(Vi, MeanFieldRecoversIndependentNormals) {
  testing::IndependentNormals target({1, -3, 10}, {0.5, 2, 4});
  ViSettings settings;
  settings.family = "meanfield";
  Expected<ViResult> result = run_vi(target, settings, 1);
  ASSERT_TRUE(result) << result.error();
  std::vector<double> mean = result->family->mean(result->phi.data());
  std::vector<double> sds = result->family->marginal_sds(result->phi.data());
  const double means[] = {1, -3, 10}, expected_sds[] = {0.5, 2, 4};
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(mean[i], means[i], 1e-2 * expected_sds[i]) << i;
    EXPECT_NEAR(sds[i], expected_sds[i], 1e-2 * expected_sds[i]) << i;
  }
  // The ratios of draws from an exact fit are constant: k-hat is not high.
  Rng rng(2);
  Expected<std::vector<double>> ratios = family_log_ratios(target, *result, 1000, rng);
  ASSERT_TRUE(ratios) << ratios.error();
  double lo = 1e300, hi = -1e300;
  for (double r : *ratios) lo = std::min(lo, r), hi = std::max(hi, r);
  EXPECT_LT(hi - lo, 0.05);
}

TEST(Vi, AModelThatAlwaysFailsIsAnError) {
  testing::AlwaysFails model;
  Expected<ViResult> result = run_vi(model, ViSettings{}, 1);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error(),
            "initialization between (-2, 2) failed after 100 attempts (last: error evaluating the log density: "
            "m.vmodel:3:5: normal_lpdf: Scale parameter is -1, but must be positive); try reducing ranges of "
            "constrained values or reparameterizing the model");
}

TEST(Vi, RejectsAnUnknownFamily) {
  testing::CorrelatedNormal target = testing::correlated_target();
  ViSettings settings;
  settings.family = "flow";
  Expected<ViResult> result = run_vi(target, settings, 1);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error(), "VI: the family must be meanfield or fullrank, but is 'flow'");
}

}  // namespace
}  // namespace vic::runtime
