// GARCH(1,1): a loop-carried recurrence with a parameter-dependent bound.
#include <cmath>
#include <random>
#include <sstream>

#include <gtest/gtest.h>

#include "ir/ir.h"
#include "test_util.h"

namespace vic {
namespace {

using testing_util::compile_source;
using testing_util::example_path;
using testing_util::read_file;

std::string simulate(int T, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0, 1);
  double mu = 0.1, alpha0 = 0.05, alpha1 = 0.15, beta1 = 0.8, sigma1 = 0.5;
  std::ostringstream json;
  json.precision(17);
  json << "{\"T\": " << T << ", \"sigma1\": " << sigma1 << ", \"r\": [";
  double sigma2 = sigma1 * sigma1, prev = 0;
  for (int t = 0; t < T; ++t) {
    if (t > 0) sigma2 = alpha0 + alpha1 * (prev - mu) * (prev - mu) + beta1 * sigma2;
    prev = mu + std::sqrt(sigma2) * normal(rng);
    json << (t ? ", " : "") << prev;
  }
  json << "]}";
  return json.str();
}

TEST(Garch, GradientMatchesFiniteDifferencesAtT200) {
  auto m = compile_source("garch", read_file(example_path("garch/model.vmodel")), read_file(example_path("garch/data.json")));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->model().dim(), 4u);
  testing_util::expect_gradcheck_passes(m->model(), 5, "garch, T = 200");
}

// The sum of the constant sizes of the buffers a function allocates, and
// whether any allocation sits inside a loop.
void buffer_sizes(const ir::Block& block, int64_t& total, bool& in_loop, int depth) {
  for (const auto& op : block.ops) {
    if (op->kind == ir::OpKind::Alloc) {
      const ir::Op* size = op->operands[0]->def;
      ASSERT_TRUE(size && size->kind == ir::OpKind::ConstI64) << "a buffer of unknown size";
      total += size->integer;
      if (depth > 0) in_loop = true;
    }
    for (const auto& r : op->regions) buffer_sizes(*r, total, in_loop, depth + 1);
  }
}

TEST(Garch, RunsAtT100000WithMemoryProportionalToT) {
  const int T = 100000;
  auto m = compile_source("garch", read_file(example_path("garch/model.vmodel")), simulate(T, 3));
  ASSERT_TRUE(m);
  // The gradient stores one carried value per iteration and nothing else.
  int64_t total = 0;
  bool in_loop = false;
  buffer_sizes(m->compiled.program.find("lp_grad")->body, total, in_loop, 0);
  EXPECT_LE(total, T - 1);
  EXPECT_EQ(m->compiled.program.statistics.at("bufferize.copies"), 0);
  EXPECT_FALSE(in_loop);

  const runtime::Model& model = m->model();
  std::vector<double> theta{0.1, std::log(0.05), 0.5, -0.3}, grad(4), scratch(4);
  runtime::EvalError error = 0;
  double lp = model.lp_grad(theta.data(), grad.data(), &error);
  ASSERT_EQ(error, 0);
  ASSERT_TRUE(std::isfinite(lp));
  for (size_t k = 0; k < 4; ++k) {
    const double h = 1e-5;
    std::vector<double> plus = theta, minus = theta;
    plus[k] += h;
    minus[k] -= h;
    double fd = (model.lp_grad(plus.data(), scratch.data(), &error) - model.lp_grad(minus.data(), scratch.data(), &error)) /
                (2 * h);
    EXPECT_NEAR(grad[k], fd, 1e-5 * std::max(1.0, std::fabs(fd))) << "coordinate " << k;
  }
}

}  // namespace
}  // namespace vic
