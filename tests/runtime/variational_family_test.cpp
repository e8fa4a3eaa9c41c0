// The variational families: each one's pullback and entropy gradient against
// finite differences, log q against the Gaussian density of its covariance,
// and the affine maps a fit works through.
#include "runtime/variational_family.h"

#include <gtest/gtest.h>

#include <boost/random/normal_distribution.hpp>
#include <cmath>
#include <numbers>

#include "support/rng.h"

namespace vic::runtime {
namespace {

constexpr size_t kDim = 4;

std::vector<double> normals(Rng& rng, size_t n, double scale = 1.0) {
  boost::random::normal_distribution<double> normal(0.0, scale);
  std::vector<double> v(n);
  for (double& x : v) x = normal(rng);
  return v;
}

std::vector<std::unique_ptr<VariationalFamily>> families() {
  std::vector<std::unique_ptr<VariationalFamily>> all;
  all.push_back(make_meanfield_family(kDim));
  all.push_back(make_fullrank_family(kDim));
  return all;
}

TEST(VariationalFamily, PullbackIsTheTransformsJacobianTransposed) {
  Rng rng(3);
  for (const auto& family : families()) {
    const size_t p = family->num_parameters();
    std::vector<double> phi = normals(rng, p, 0.5), eta = normals(rng, kDim), w = normals(rng, kDim);
    std::vector<double> grad(p, 0.0);
    family->add_pullback(phi.data(), eta.data(), w.data(), grad.data());
    // d/dphi_k of <w, T(phi, eta)> by central differences.
    auto objective = [&](const std::vector<double>& at) {
      std::vector<double> zeta(kDim);
      family->transform(at.data(), eta.data(), zeta.data());
      double sum = 0;
      for (size_t i = 0; i < kDim; ++i) sum += w[i] * zeta[i];
      return sum;
    };
    for (size_t k = 0; k < p; ++k) {
      std::vector<double> up = phi, down = phi;
      up[k] += 1e-6;
      down[k] -= 1e-6;
      EXPECT_NEAR(grad[k], (objective(up) - objective(down)) / 2e-6, 1e-7) << family->name() << " " << k;
    }
  }
}

TEST(VariationalFamily, EntropyGradientAgainstFiniteDifferences) {
  Rng rng(4);
  for (const auto& family : families()) {
    const size_t p = family->num_parameters();
    std::vector<double> phi = normals(rng, p, 0.5);
    std::vector<double> grad(p, 0.0);
    family->add_entropy_gradient(phi.data(), grad.data());
    for (size_t k = 0; k < p; ++k) {
      std::vector<double> up = phi, down = phi;
      up[k] += 1e-6;
      down[k] -= 1e-6;
      EXPECT_NEAR(grad[k], (family->entropy(up.data()) - family->entropy(down.data())) / 2e-6, 1e-7)
          << family->name() << " " << k;
    }
  }
}

// -d log q / d zeta at a draw is Sigma^-1 (zeta - mu): Sigma times it gives
// back zeta - mu.
TEST(VariationalFamily, LogDensityGradientIsThePrecisionTimesTheDeviation) {
  Rng rng(8);
  for (const auto& family : families()) {
    std::vector<double> phi = normals(rng, family->num_parameters(), 0.5), eta = normals(rng, kDim);
    std::vector<double> minus_grad(kDim, 0.0), zeta(kDim);
    family->subtract_log_density_gradient(phi.data(), eta.data(), minus_grad.data());
    family->transform(phi.data(), eta.data(), zeta.data());
    std::vector<double> c = family->covariance(phi.data()), mean = family->mean(phi.data());
    for (size_t i = 0; i < kDim; ++i) {
      double back = 0;
      for (size_t j = 0; j < kDim; ++j) back += c[i + j * kDim] * minus_grad[j];
      EXPECT_NEAR(back, zeta[i] - mean[i], 1e-10) << family->name() << " " << i;
    }
  }
}

// log q(zeta) = log N(zeta | mean, covariance), by the family and by the
// density written out with the covariance's inverse and determinant (from a
// Cholesky factor computed here).
TEST(VariationalFamily, LogDensityIsTheGaussiansOfItsCovariance) {
  Rng rng(5);
  for (const auto& family : families()) {
    std::vector<double> phi = normals(rng, family->num_parameters(), 0.5), eta = normals(rng, kDim);
    std::vector<double> zeta(kDim);
    family->transform(phi.data(), eta.data(), zeta.data());
    std::vector<double> c = family->covariance(phi.data()), mean = family->mean(phi.data());
    // Cholesky of c (column-major), then solve L r = zeta - mean.
    std::vector<double> l(kDim * kDim, 0.0);
    double log_det = 0;
    for (size_t j = 0; j < kDim; ++j) {
      double d = c[j + j * kDim];
      for (size_t k = 0; k < j; ++k) d -= l[j + k * kDim] * l[j + k * kDim];
      l[j + j * kDim] = std::sqrt(d);
      log_det += 2 * std::log(l[j + j * kDim]);
      for (size_t i = j + 1; i < kDim; ++i) {
        double v = c[i + j * kDim];
        for (size_t k = 0; k < j; ++k) v -= l[i + k * kDim] * l[j + k * kDim];
        l[i + j * kDim] = v / l[j + j * kDim];
      }
    }
    std::vector<double> r(kDim);
    double quadratic = 0;
    for (size_t i = 0; i < kDim; ++i) {
      double v = zeta[i] - mean[i];
      for (size_t k = 0; k < i; ++k) v -= l[i + k * kDim] * r[k];
      r[i] = v / l[i + i * kDim];
      quadratic += r[i] * r[i];
    }
    const double expected = -0.5 * quadratic - 0.5 * log_det - 0.5 * kDim * std::log(2 * std::numbers::pi);
    EXPECT_NEAR(family->log_density(phi.data(), eta.data()), expected, 1e-10) << family->name();
    std::vector<double> sds = family->marginal_sds(phi.data());
    for (size_t i = 0; i < kDim; ++i) EXPECT_NEAR(sds[i] * sds[i], c[i + i * kDim], 1e-12) << family->name();
  }
}

TEST(VariationalFamily, ParametersForAGaussianGiveItBack) {
  std::vector<double> mean = {1, -2, 0.5, 3};
  // A positive definite covariance: diagonal 2, 1, 0.5, 4 and some correlation.
  std::vector<double> c = {2, 0.5, 0.1, 0, 0.5, 1, -0.2, 0.3, 0.1, -0.2, 0.5, 0, 0, 0.3, 0, 4};
  for (const auto& family : families()) {
    std::vector<double> phi = family->parameters_for(mean, c);
    EXPECT_EQ(family->mean(phi.data()), mean) << family->name();
    std::vector<double> back = family->covariance(phi.data());
    for (size_t i = 0; i < kDim; ++i)
      for (size_t j = 0; j < kDim; ++j) {
        const double expected = family->name() == "meanfield" && i != j ? 0.0 : c[i + j * kDim];
        EXPECT_NEAR(back[i + j * kDim], expected, 1e-12) << family->name() << " " << i << j;
      }
  }
}

// q mapped by zeta -> shift + A zeta draws, for the same eta, the map of q's draw.
TEST(VariationalFamily, AffineMapsCommuteWithDrawing) {
  Rng rng(6);
  AffineMap diagonal{normals(rng, kDim), {2, 0.5, 1.5, 3}};
  AffineMap dense{normals(rng, kDim), std::vector<double>(kDim * kDim, 0.0)};
  for (size_t j = 0; j < kDim; ++j)
    for (size_t i = j; i < kDim; ++i) dense.matrix[i + j * kDim] = i == j ? 1.0 + static_cast<double>(i) : 0.3;
  for (const auto& family : families()) {
    for (const AffineMap* map : {&diagonal, &dense}) {
      if (family->name() == "meanfield" && !map->is_diagonal()) continue;
      std::vector<double> phi = normals(rng, family->num_parameters(), 0.5), eta = normals(rng, kDim);
      std::vector<double> z(kDim), expected(kDim), mapped_draw(kDim);
      family->transform(phi.data(), eta.data(), z.data());
      map->apply(z.data(), expected.data());
      std::vector<double> mapped = phi;
      family->map_affine(mapped.data(), *map);
      family->transform(mapped.data(), eta.data(), mapped_draw.data());
      for (size_t i = 0; i < kDim; ++i) EXPECT_NEAR(mapped_draw[i], expected[i], 1e-12) << family->name();
      EXPECT_NEAR(family->entropy(mapped.data()), family->entropy(phi.data()) + map->log_det(), 1e-12);
    }
  }
}

}  // namespace
}  // namespace vic::runtime
