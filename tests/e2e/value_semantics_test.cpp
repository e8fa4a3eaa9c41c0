// Containers updated in place and reassigned whole, under loops and branches:
// the compiled gradient agrees with finite differences (the reverse pass never
// reads a value that a later update overwrote), the conditional is lazy, and
// bufferization needs no copy for the examples.
#include <gtest/gtest.h>

#include <cmath>

#include "runtime/advi.h"
#include "test_util.h"

namespace vic {
namespace {

using testing_util::compile_source;
using testing_util::expect_gradcheck_passes;
using testing_util::read_file;

struct Snippet {
  const char* name;
  const char* model;
};

// Each snippet of issue 11's "Why", in a complete model.
const Snippet kSnippets[] = {
    {"ElementReadThenOverwrittenInALoop",
     "data { int N; }\nparameters { real phi; vector[N] z; }\nmodel {\n  vector[N] x = z;\n"
     "  for (i in 1:N) x[i] *= phi;\n  target += normal_lpdf(x | 0, 1);\n  phi ~ normal(1, 1);\n}\n"},
    {"WholeVectorReassignment",
     "data { int N; }\nparameters { real phi; vector[N] z; }\nmodel {\n  vector[N] x = z;\n"
     "  x = x * phi;\n  x = x .* x;\n  target += -sum(x);\n  z ~ normal(0, 1);\n  phi ~ normal(1, 1);\n}\n"},
    {"InPlaceUpdateUnderABranch",
     "data { int N; }\nparameters { real mu; real phi; vector[N] z; }\nmodel {\n  vector[N] x = z;\n"
     "  if (mu > 0) x[1] = x[1] * phi;\n  target += normal_lpdf(x | mu, 1);\n  mu ~ normal(0, 1);\n"
     "  phi ~ normal(0, 1);\n}\n"},
    {"CarriedVectorReplacedEachStep",
     "data { int N; int K; }\nparameters { real<lower=0, upper=1> rho; vector[K] a0; }\nmodel {\n"
     "  vector[K] alpha = a0;\n  vector[K] nxt;\n  for (t in 2:N) {\n    for (k in 1:K) nxt[k] = rho * alpha[k] + "
     "(1 - rho) * alpha[K + 1 - k];\n    alpha = nxt;\n  }\n  target += -dot_product(alpha, alpha);\n"
     "  a0 ~ normal(0, 1);\n}\n"},
    {"ConditionalWithANaNBranch",
     "parameters { real mu; }\nmodel {\n  target += mu > 0 ? sqrt(mu) : -square(mu);\n  mu ~ normal(0, 1);\n}\n"},
};

class ValueSemantics : public testing::TestWithParam<Snippet> {};

TEST_P(ValueSemantics, GradcheckPassesAtFiveSeeds) {
  auto m = compile_source(GetParam().name, GetParam().model, R"({"N": 4, "K": 3})");
  ASSERT_TRUE(m);
  expect_gradcheck_passes(m->model(), 5, GetParam().name);
}

INSTANTIATE_TEST_SUITE_P(Issue11, ValueSemantics, testing::ValuesIn(kSnippets),
                         [](const testing::TestParamInfo<Snippet>& info) { return std::string(info.param.name); });

// The untaken branch is not evaluated: at mu < 0, sqrt(mu) would be NaN and,
// evaluated eagerly, would poison the gradient through 0 * NaN.
TEST(ValueSemantics, TheUntakenBranchLeavesNoNaN) {
  auto m = compile_source("ternary", kSnippets[4].model, "{}");
  ASSERT_TRUE(m);
  std::vector<double> theta{-0.7}, grad(1);
  runtime::EvalError error = 0;
  double lp = m->model().lp_grad(theta.data(), grad.data(), &error);
  ASSERT_EQ(error, 0);
  // target = -mu^2 - mu^2 / 2 (normal(0, 1) without constants)
  EXPECT_DOUBLE_EQ(lp, -0.49 - 0.245);
  EXPECT_DOUBLE_EQ(grad[0], 3 * 0.7);
}

std::string hmm_path(const std::string& file) { return std::string(VIC_SOURCE_DIR) + "/tests/e2e/models/hmm/" + file; }

// The forward algorithm of an HMM carrying `alpha = nxt` is the same density,
// with the same gradient, as the one with a fresh vector per step, and fits to
// the same posterior.
TEST(ValueSemantics, HmmForwardAlgorithmWithAlphaEqualsNxt) {
  std::string data = read_file(hmm_path("data.json"));
  auto reused = compile_source("reused_vector", read_file(hmm_path("reused_vector.vmodel")), data);
  auto fresh = compile_source("fresh_vectors", read_file(hmm_path("fresh_vectors.vmodel")), data);
  auto logs = compile_source("log_space", read_file(hmm_path("log_space.vmodel")), data);
  ASSERT_TRUE(reused && fresh && logs);
  expect_gradcheck_passes(reused->model(), 5, "HMM, alpha = nxt");
  expect_gradcheck_passes(fresh->model(), 5, "HMM, fresh vectors");
  expect_gradcheck_passes(logs->model(), 5, "HMM in log space");

  const size_t dim = reused->model().dim();
  ASSERT_EQ(dim, fresh->model().dim());
  std::vector<double> theta(dim), g1(dim), g2(dim);
  for (int point = 0; point < 5; ++point) {
    for (size_t k = 0; k < dim; ++k) theta[k] = std::sin(1.3 * point + 0.7 * static_cast<double>(k));
    runtime::EvalError e1 = 0, e2 = 0;
    std::vector<double> g3(dim);
    runtime::EvalError e3 = 0;
    double lp1 = reused->model().lp_grad(theta.data(), g1.data(), &e1);
    double lp2 = fresh->model().lp_grad(theta.data(), g2.data(), &e2);
    double lp3 = logs->model().lp_grad(theta.data(), g3.data(), &e3);
    ASSERT_EQ(e1, 0);
    ASSERT_EQ(e2, 0);
    ASSERT_EQ(e3, 0);
    EXPECT_NEAR(lp1, lp2, 1e-9 * std::fabs(lp2));
    EXPECT_NEAR(lp3, lp2, 1e-9 * std::fabs(lp2));
    for (size_t k = 0; k < dim; ++k) {
      EXPECT_NEAR(g1[k], g2[k], 1e-8 * std::max(1.0, std::fabs(g2[k]))) << k;
      EXPECT_NEAR(g3[k], g2[k], 1e-8 * std::max(1.0, std::fabs(g2[k]))) << k;
    }
  }

  Rng rng_a(7), rng_b(7);
  Expected<runtime::AdviResult> a = runtime::run_advi(reused->model(), runtime::AdviSettings{}, rng_a);
  Expected<runtime::AdviResult> b = runtime::run_advi(fresh->model(), runtime::AdviSettings{}, rng_b);
  ASSERT_TRUE(a) << a.error();
  ASSERT_TRUE(b) << b.error();
  for (size_t k = 0; k < dim; ++k) {
    // Same density, same seed: the same approximation up to rounding.
    const double sd = std::exp(b->omega[k]);
    EXPECT_NEAR(a->mu[k], b->mu[k], 0.05 * sd) << "mean of coordinate " << k;
    EXPECT_NEAR(a->omega[k], b->omega[k], 0.05) << "log sd of coordinate " << k;
  }
}

// Bufferization updates every example's containers in place: no copies.
TEST(ValueSemantics, ExamplesNeedNoCopies) {
  for (const char* name : {"eight_schools", "kidiq_momiq", "kidiq_interaction_z", "garch"}) {
    auto m = testing_util::compile_example(name);
    ASSERT_TRUE(m) << name;
    auto copies = m->compiled.program.statistics.find("bufferize.copies");
    ASSERT_NE(copies, m->compiled.program.statistics.end()) << name << ": bufferization did not run";
    EXPECT_EQ(copies->second, 0) << name;
  }
}

}  // namespace
}  // namespace vic
