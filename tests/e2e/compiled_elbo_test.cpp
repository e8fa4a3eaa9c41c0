// The compiled ELBO (ir/elbo.h, runtime::CompiledElbo) against what the
// runtime computes draw by draw with lp_grad and the family's own code, and
// its gradient against finite differences of its value.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "ir/elbo.h"
#include "runtime/variational_family.h"
#include "support/rng.h"
#include "test_util.h"

namespace vic {
namespace {

using testing_util::compile_source;
using testing_util::read_file;

constexpr ir::EntryPoint kElbos[] = {ir::EntryPoint::ElboGradientMeanField, ir::EntryPoint::ElboGradientFullRank};

std::unique_ptr<testing_util::LoadedModel> compile_dir(const std::string& dir) {
  return compile_source(dir, read_file(dir + "/model.vmodel"), read_file(dir + "/data.json"), kElbos);
}

std::string source_path(const std::string& relative) { return std::string(VIC_SOURCE_DIR) + "/" + relative; }

struct Estimate {
  double value = 0;
  std::vector<double> grad;
};

// The ELBO the runtime computes draw by draw: the mean of lp_grad at
// zeta = map(T(phi, eta_b)), each gradient pulled back through the map and the
// family, plus the entropy.
Estimate by_draws(const runtime::Model& model, const runtime::VariationalFamily& family, const std::vector<double>& phi,
                  const std::vector<double>& draws, size_t num_draws, const runtime::AffineMap& map) {
  const size_t d = model.dim();
  Estimate e;
  e.grad.assign(family.num_parameters(), 0.0);
  std::vector<double> z(d), zeta(d), g(d), g_z(d);
  for (size_t b = 0; b < num_draws; ++b) {
    family.transform(phi.data(), draws.data() + b * d, z.data());
    map.apply(z.data(), zeta.data());
    runtime::EvalError error = 0;
    e.value += model.lp_grad(zeta.data(), g.data(), &error) / static_cast<double>(num_draws);
    EXPECT_EQ(error, 0) << model.describe_error(error);
    map.pull_back(g.data(), g_z.data());
    for (double& x : g_z) x /= static_cast<double>(num_draws);
    family.add_pullback(phi.data(), draws.data() + b * d, g_z.data(), e.grad.data());
  }
  e.value += family.entropy(phi.data());
  family.add_entropy_gradient(phi.data(), e.grad.data());
  return e;
}

// A point near the posterior's bulk: means near zero, scales about 0.3, some correlation.
std::vector<double> some_parameters(const runtime::VariationalFamily& family, Rng& rng) {
  const size_t d = family.dim();
  std::vector<double> phi(family.num_parameters());
  standard_normals(rng, phi.data(), phi.size());
  for (size_t i = 0; i < d; ++i) {
    phi[i] *= 0.5;
    phi[d + i] = -1.2 + 0.2 * phi[d + i];
  }
  for (size_t k = 2 * d; k < phi.size(); ++k) phi[k] *= 0.1;
  return phi;
}

void expect_matches_runtime(const testing_util::LoadedModel& m, const std::string& what) {
  const runtime::Model& model = m.model();
  const size_t d = model.dim();
  for (const char* name : {"meanfield", "fullrank"}) {
    SCOPED_TRACE(what + ", " + name);
    const runtime::CompiledElbo* elbo = model.compiled_elbo(name);
    ASSERT_NE(elbo, nullptr);
    auto family =
        std::string(name) == "meanfield" ? runtime::make_meanfield_family(d) : runtime::make_fullrank_family(d);
    Rng rng(7);
    const std::vector<double> phi = some_parameters(*family, rng);
    // The identity, a diagonal map and a lower-triangular one (zeta = shift + A z).
    std::vector<runtime::AffineMap> maps(3);
    maps[0].shift.assign(d, 0.0);
    maps[0].matrix.assign(d, 1.0);
    maps[1].shift.resize(d);
    maps[1].matrix.resize(d);
    standard_normals(rng, maps[1].shift.data(), d);
    for (double& a : maps[1].matrix) a = 0.5 + 0.1 * static_cast<double>(&a - maps[1].matrix.data());
    maps[2].shift = maps[1].shift;
    maps[2].matrix.assign(d * d, 0.0);
    for (size_t i = 0; i < d; ++i) {
      maps[2].matrix[i + i * d] = maps[1].matrix[i];
      for (size_t j = 0; j < i; ++j) maps[2].matrix[i + j * d] = 0.05 * std::sin(static_cast<double>(i + 3 * j));
    }
    // The mean-field family's map is diagonal, the full-rank one's lower triangular.
    const bool meanfield = std::string(name) == "meanfield";
    for (size_t which : {size_t{0}, meanfield ? size_t{1} : size_t{2}}) {
      const runtime::AffineMap& affine = maps[which];
      runtime::CompiledElbo::Map map;
      if (which > 0) map = {affine.shift.data(), affine.matrix.data()};
      for (size_t num_draws : {size_t{1}, size_t{3}}) {
        SCOPED_TRACE("map " + std::to_string(which) + ", " + std::to_string(num_draws) + " draws");
        std::vector<double> draws(num_draws * d);
        standard_normals(rng, draws.data(), draws.size());
        Estimate expected = by_draws(model, *family, phi, draws, num_draws, affine);
        std::vector<double> grad(family->num_parameters(), -1.0);
        runtime::EvalError error = 0;
        const double value = elbo->value_and_gradient(phi.data(), draws.data(), num_draws, map, grad.data(), &error);
        ASSERT_EQ(error, 0) << model.describe_error(error);
        EXPECT_NEAR(value, expected.value, 1e-10 * std::max(1.0, std::fabs(expected.value)));
        for (size_t k = 0; k < grad.size(); ++k)
          EXPECT_NEAR(grad[k], expected.grad[k], 1e-9 * std::max(1.0, std::fabs(expected.grad[k])))
              << "phi[" << k << "]";

        // Central differences of the compiled value, draws held fixed.
        std::vector<double> scratch(grad.size());
        for (size_t k = 0; k < grad.size(); ++k) {
          const double h = 1e-6 * std::max(1.0, std::fabs(phi[k]));
          std::vector<double> up = phi, down = phi;
          up[k] += h;
          down[k] -= h;
          const double f_up = elbo->value_and_gradient(up.data(), draws.data(), num_draws, map, scratch.data(), &error);
          const double f_down =
              elbo->value_and_gradient(down.data(), draws.data(), num_draws, map, scratch.data(), &error);
          ASSERT_EQ(error, 0);
          const double fd = (f_up - f_down) / (2 * h);
          EXPECT_NEAR(grad[k], fd, 1e-5 * std::max({1.0, std::fabs(fd), std::fabs(value) * 1e-3}))
              << "phi[" << k << "]";
        }
      }
    }
  }
}

TEST(CompiledElbo, EightSchoolsMatchesTheRuntimeAndFiniteDifferences) {
  auto m = compile_dir(testing_util::example_path("eight_schools"));
  ASSERT_TRUE(m);
  expect_matches_runtime(*m, "eight schools");
}

TEST(CompiledElbo, GarchRecursionMatches) {
  auto m = compile_dir(testing_util::example_path("garch"));
  ASSERT_TRUE(m);
  expect_matches_runtime(*m, "garch");
}

TEST(CompiledElbo, LinearRegressionWithMatricesMatches) {
  auto m = compile_dir(source_path("tests/e2e/models/linreg"));
  ASSERT_TRUE(m);
  expect_matches_runtime(*m, "linreg");
}

TEST(CompiledElbo, AFailedCheckAtOneDrawRejectsTheEstimate) {
  // sigma is unconstrained: a draw with sigma <= 0 fails normal_lpdf's check.
  auto m = compile_source("bad_scale", R"(
parameters { real sigma; }
model { target += normal_lpdf(1 | 0, sigma); }
)",
                          "{}", kElbos);
  ASSERT_TRUE(m);
  const runtime::CompiledElbo* elbo = m->model().compiled_elbo("meanfield");
  ASSERT_NE(elbo, nullptr);
  const std::vector<double> phi = {1.0, std::log(0.1)};  // sigma ~ N(1, 0.1^2)
  const std::vector<double> draws = {0.5, -20.0, 1.0};   // the second gives sigma = -1
  std::vector<double> grad(2);
  runtime::EvalError error = 0;
  const runtime::CompiledElbo::Map identity;
  EXPECT_TRUE(std::isfinite(elbo->value_and_gradient(phi.data(), draws.data(), 1, identity, grad.data(), &error)));
  EXPECT_EQ(error, 0);
  const double value = elbo->value_and_gradient(phi.data(), draws.data(), 3, identity, grad.data(), &error);
  EXPECT_EQ(value, -INFINITY);
  ASSERT_NE(error, 0);
  EXPECT_EQ(m->model().describe_error(error), "bad_scale:3:19: normal_lpdf: Scale parameter must be positive");
}

TEST(CompiledElbo, OnlyTheFamiliesAskedForAreCompiled) {
  auto m = testing_util::compile_example("eight_schools");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->model().compiled_elbo("meanfield"), nullptr);
  EXPECT_EQ(m->model().compiled_elbo("fullrank"), nullptr);
}

}  // namespace
}  // namespace vic
