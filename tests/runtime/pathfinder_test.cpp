// Pathfinder: the approximation at an iterate against the BFGS recursion it
// stands for, a single path on a correlated Gaussian target, multi-path
// resampling that does not depend on the thread count, and its errors.
#include "runtime/pathfinder.h"
#include "runtime/psis.h"

#include <gtest/gtest.h>

#include <boost/random/normal_distribution.hpp>
#include <cmath>

#include "tests/runtime/test_models.h"

namespace vic::runtime {
namespace {

using Matrix = std::vector<double>;  // column-major n x n

// H = (I - rho s y') H (I - rho y s') + rho s s', the BFGS update of an inverse
// Hessian estimate, applied to each pair in order from diag(alpha): the
// matrix the compact form of approximate_at must equal.
Matrix bfgs_inverse_hessian(const std::vector<double>& alpha, const std::vector<std::vector<double>>& s,
                            const std::vector<std::vector<double>>& y) {
  const size_t n = alpha.size();
  Matrix h(n * n, 0.0);
  for (size_t i = 0; i < n; ++i) h[i + i * n] = alpha[i];
  for (size_t k = 0; k < s.size(); ++k) {
    double sy = 0;
    for (size_t i = 0; i < n; ++i) sy += s[k][i] * y[k][i];
    const double rho = 1 / sy;
    Matrix v(n * n);  // V = I - rho y s'
    for (size_t i = 0; i < n; ++i)
      for (size_t j = 0; j < n; ++j) v[i + j * n] = (i == j ? 1.0 : 0.0) - rho * y[k][i] * s[k][j];
    Matrix next(n * n, 0.0);  // V' H V + rho s s'
    for (size_t i = 0; i < n; ++i)
      for (size_t j = 0; j < n; ++j) {
        double sum = rho * s[k][i] * s[k][j];
        for (size_t a = 0; a < n; ++a)
          for (size_t b = 0; b < n; ++b) sum += v[a + i * n] * h[a + b * n] * v[b + j * n];
        next[i + j * n] = sum;
      }
    h = next;
  }
  return h;
}

// Random pairs with positive curvature: y = A s for a fixed positive definite A plus noise.
void random_history(size_t n, size_t m, Rng& rng, std::vector<std::vector<double>>& s,
                    std::vector<std::vector<double>>& y) {
  boost::random::normal_distribution<double> normal(0.0, 1.0);
  for (size_t k = 0; k < m; ++k) {
    std::vector<double> sk(n), yk(n);
    for (double& v : sk) v = normal(rng);
    for (size_t i = 0; i < n; ++i) yk[i] = (1.0 + static_cast<double>(i)) * sk[i] + 0.1 * normal(rng);
    s.push_back(sk);
    y.push_back(yk);
  }
}

// The approximation's covariance equals the BFGS recursion from diag(alpha)
// through every pair, and its centre is x - H g: with the history shorter than
// the dimension (a low-rank update) and longer than half of it (QR square).
TEST(Pathfinder, ApproximationIsTheBfgsInverseHessian) {
  Rng rng(7);
  for (auto [n, m] : {std::pair<size_t, size_t>{12, 3}, {4, 3}, {3, 5}, {6, 1}}) {
    std::vector<std::vector<double>> s, y;
    random_history(n, m, rng, s, y);
    boost::random::normal_distribution<double> normal(0.0, 1.0);
    std::vector<double> alpha(n, 1.0);
    for (size_t k = 0; k < m; ++k) update_diagonal_estimate(alpha, s[k], y[k]);
    std::vector<double> x(n), g(n);
    for (size_t i = 0; i < n; ++i) {
      x[i] = normal(rng);
      g[i] = normal(rng);
    }
    Expected<NormalApproximation> q = approximate_at(x, g, s, y, alpha);
    ASSERT_TRUE(q) << q.error();
    // log q at a drawn point, by the draw's u and by inverting the transform.
    std::vector<double> u(n), drawn(n);
    for (double& v : u) v = normal(rng);
    q->transform(u.data(), drawn.data());
    EXPECT_NEAR(q->log_density_at(drawn.data()), q->log_density(u.data()), 1e-9) << n << " " << m;
    Matrix expected = bfgs_inverse_hessian(alpha, s, y);
    Matrix h = q->covariance();
    for (size_t i = 0; i < n * n; ++i) EXPECT_NEAR(h[i], expected[i], 1e-9 * (1 + std::fabs(expected[i]))) << n << " " << m;
    for (size_t i = 0; i < n; ++i) {
      double hg = 0;
      for (size_t j = 0; j < n; ++j) hg += expected[i + j * n] * g[j];
      EXPECT_NEAR(q->center[i], x[i] - hg, 1e-9) << n << " " << m;
    }
    // log det(H) / 2 against the product of the pivots of H's Cholesky factor.
    Matrix l = expected;
    double half_log_det = 0;
    for (size_t j = 0; j < n; ++j) {
      for (size_t k = 0; k < j; ++k) l[j + j * n] -= l[j + k * n] * l[j + k * n];
      l[j + j * n] = std::sqrt(l[j + j * n]);
      half_log_det += std::log(l[j + j * n]);
      for (size_t i = j + 1; i < n; ++i) {
        for (size_t k = 0; k < j; ++k) l[i + j * n] -= l[i + k * n] * l[j + k * n];
        l[i + j * n] /= l[j + j * n];
      }
    }
    EXPECT_NEAR(q->log_det_cholesky, half_log_det, 1e-9) << n << " " << m;
  }
}

TEST(Pathfinder, WithoutHistoryTheApproximationIsTheDiagonal) {
  Expected<NormalApproximation> q = approximate_at({1, 2}, {0.5, -1}, {}, {}, {2, 3});
  ASSERT_TRUE(q) << q.error();
  EXPECT_DOUBLE_EQ(q->center[0], 0);
  EXPECT_DOUBLE_EQ(q->center[1], 5);
  EXPECT_NEAR(q->log_det_cholesky, 0.5 * std::log(6.0), 1e-15);
}

// On a Gaussian target the best approximation along the path centres near the
// mode; its covariance is L-BFGS's estimate, which satisfies the secant
// condition of the newest pair only, so it is close to the target's but not
// equal (Stan's is the same estimate). Errors in units of the target's sds.
TEST(Pathfinder, SinglePathApproximatesACorrelatedGaussian) {
  testing::CorrelatedNormal target = testing::correlated_target();
  PathfinderSettings settings;
  settings.num_paths = 1;
  for (uint64_t seed : {1, 2, 3}) {
    Expected<PathfinderResult> result = run_pathfinder(target, settings, seed);
    ASSERT_TRUE(result) << result.error();
    ASSERT_EQ(result->paths.size(), 1u);
    const NormalApproximation& q = result->paths[0].approximation;
    Matrix h = q.covariance();
    auto sd = [](int i) { return std::sqrt(testing::kCorrelatedCovariance[i * 4]); };
    for (int i = 0; i < 3; ++i) {
      EXPECT_NEAR(q.center[i], testing::kCorrelatedMean[i], 0.05 * sd(i)) << "seed " << seed;
      for (int j = 0; j < 3; ++j) {
        // Column-major against row-major: the matrices are symmetric.
        EXPECT_NEAR(h[i + 3 * j], testing::kCorrelatedCovariance[i * 3 + j], 0.2 * sd(i) * sd(j))
            << "seed " << seed << " " << i << j;
      }
    }
    EXPECT_EQ(result->draws.num_rows(), 1000u);
    EXPECT_EQ(result->draws.column_names[0], "lp_approx__");
    EXPECT_EQ(result->draws.column_names[1], "lp__");
    EXPECT_LT(pareto_smooth(result->log_ratios).k_hat, 0.5) << "seed " << seed;
  }
}

// Four paths pooled by importance resampling: the draws' mean and covariance
// are the target's to within their Monte Carlo error.
TEST(Pathfinder, ResampledDrawsRecoverACorrelatedGaussian) {
  testing::CorrelatedNormal target = testing::correlated_target();
  PathfinderSettings settings;
  settings.num_draws = 8000;
  settings.draws_per_path = 4000;
  Expected<PathfinderResult> result = run_pathfinder(target, settings, 5);
  ASSERT_TRUE(result) << result.error();
  const Draws& draws = result->draws;
  ASSERT_EQ(draws.num_rows(), 8000u);
  const double n = static_cast<double>(draws.num_rows());
  double mean[3] = {0, 0, 0};
  for (size_t r = 0; r < draws.num_rows(); ++r)
    for (int i = 0; i < 3; ++i) mean[i] += draws.at(r, 2 + i) / n;
  for (int i = 0; i < 3; ++i) {
    const double sd = std::sqrt(testing::kCorrelatedCovariance[i * 4]);
    EXPECT_NEAR(mean[i], testing::kCorrelatedMean[i], 0.05 * sd) << i;
    for (int j = 0; j < 3; ++j) {
      double cov = 0;
      for (size_t r = 0; r < draws.num_rows(); ++r)
        cov += (draws.at(r, 2 + i) - mean[i]) * (draws.at(r, 2 + j) - mean[j]) / (n - 1);
      const double sd_j = std::sqrt(testing::kCorrelatedCovariance[j * 4]);
      EXPECT_NEAR(cov, testing::kCorrelatedCovariance[i * 3 + j], 0.08 * sd * sd_j) << i << j;
    }
  }
}

TEST(Pathfinder, TheSameSeedGivesTheSameDrawsOnOneOrTwoThreads) {
  testing::CorrelatedNormal target = testing::correlated_target();
  PathfinderSettings settings;
  settings.threads = 1;
  Expected<PathfinderResult> one = run_pathfinder(target, settings, 11);
  settings.threads = 2;
  Expected<PathfinderResult> two = run_pathfinder(target, settings, 11);
  ASSERT_TRUE(one) << one.error();
  ASSERT_TRUE(two) << two.error();
  EXPECT_EQ(one->draws.values, two->draws.values);
  EXPECT_EQ(one->draws.num_rows(), 1000u);
  EXPECT_EQ(one->paths.size(), 4u);
  settings.threads = 1;
  Expected<PathfinderResult> other_seed = run_pathfinder(target, settings, 12);
  ASSERT_TRUE(other_seed) << other_seed.error();
  EXPECT_NE(one->draws.values, other_seed->draws.values);
}

TEST(Pathfinder, ReportsEveryFailedPath) {
  testing::AlwaysFails model;
  PathfinderSettings settings;
  settings.num_paths = 2;
  Expected<PathfinderResult> result = run_pathfinder(model, settings, 1);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().rfind("Pathfinder: every path failed (Pathfinder: path 1 failed: ", 0), 0u) << result.error();
}

}  // namespace
}  // namespace vic::runtime
