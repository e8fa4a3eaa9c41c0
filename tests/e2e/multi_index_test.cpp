// Multi-indexing: `alpha[group]` gathers alpha[group[1]], alpha[group[2]], ...
// as Stan does, with the gradient flowing back to each alpha, and an index
// out of range rejected with its place.
#include <gtest/gtest.h>

#include "test_util.h"

namespace vic {
namespace {

using testing_util::compile_source;

const char* kHierarchical = R"(
data {
  int<lower=1> N;
  int<lower=1> J;
  array[N] int group;
  vector[N] y;
}
parameters {
  vector[J] alpha;
  real mu;
  real<lower=0> tau;
  real<lower=0> sigma;
}
model {
  alpha ~ normal(mu, tau);
  y ~ normal(alpha[group], sigma);
  mu ~ normal(0, 5);
  tau ~ normal(0, 5);
  sigma ~ normal(0, 5);
}
generated quantities {
  vector[N] fitted = alpha[group];
}
)";

TEST(MultiIndex, GathersWithTheRightGradientAndValues) {
  auto m = compile_source("hierarchical", kHierarchical,
                          R"({"N": 6, "J": 3, "group": [3, 1, 2, 3, 3, 1], "y": [0.5, 1.5, -0.3, 0.7, 1.2, -0.1]})");
  ASSERT_TRUE(m);
  testing_util::expect_gradcheck_passes(m->model(), 5, "hierarchical model with alpha[group]");
  std::vector<double> theta{0.1, 0.2, 0.3, 0, 0, 0}, out(m->model().output_names().size());
  Rng rng(1);
  runtime::EvalError error = 0;
  m->model().constrain(theta.data(), rng, out.data(), &error);
  ASSERT_EQ(error, 0);
  // outputs: alpha (3), mu, tau, sigma, then fitted (6)
  const std::vector<double> expected{0.3, 0.1, 0.2, 0.3, 0.3, 0.1};
  for (size_t i = 0; i < 6; ++i) EXPECT_EQ(out[6 + i], expected[i]) << "fitted." << i + 1;
}

// The indices come from the data, so the check fails when the data are bound.
TEST(MultiIndex, AnIndexOutOfRangeIsRejectedWithItsPlace) {
  tools::CheckedModel m = tools::check_model_source("hierarchical", kHierarchical);
  ASSERT_TRUE(m.ast) << m.diagnostics.str();
  Expected<runtime::DataSet> data = runtime::read_stan_json(R"({"N": 2, "J": 3, "group": [3, 4], "y": [0.5, 1.5]})",
                                                            "d.json", tools::data_declarations(*m.ast));
  ASSERT_TRUE(data) << data.error();
  Expected<tools::CompiledModel> compiled = tools::compile_model(*m.ast, *data, ir::PipelineSettings{});
  ASSERT_FALSE(compiled);
  EXPECT_EQ(compiled.error(),
            "hierarchical:16:20: index out of range; it depends on the data alone, so it fails at every value of the "
            "parameters");
}

}  // namespace
}  // namespace vic

namespace vic {
namespace {

// Slices `lo:hi` (either end left out) of vectors and arrays, in densities,
// in `~` and in sums: the log density against the same sums written out, and
// the gradient against finite differences.
TEST(Slicing, SlicesOfVectorsAndArrays) {
  auto m = compile_source("slices", R"(data {
  int N;
  vector[N] y;
  array[N] real z;
}
parameters {
  vector[N] b;
  real mu;
}
model {
  b[1:3] ~ normal(mu, 1);
  b[4:] ~ normal(0, 2);
  y[:N - 1] ~ normal(b[2:], 1);
  target += sum(z[2:3]) * mu + sum(b[:]) - sum(b[3:2]);
}
)",
                          R"({"N": 5, "y": [1, 2, 3, 4, 5], "z": [0.5, 1, 1.5, 2, 2.5]})");
  ASSERT_TRUE(m);
  const std::vector<double> theta = {0.3, -0.2, 0.5, 1.1, -0.7, 0.4};  // b[1..5], mu
  std::vector<double> grad(6);
  runtime::EvalError error = 0;
  const double lp = m->model().lp_grad(theta.data(), grad.data(), &error);
  ASSERT_EQ(error, 0);
  const double mu = theta[5];
  double expected = 0;
  for (int i = 0; i < 3; ++i) expected += -0.5 * (theta[i] - mu) * (theta[i] - mu);
  for (int i = 3; i < 5; ++i) expected += -0.5 * (theta[i] / 2) * (theta[i] / 2);  // -log(2) is a constant ~ drops
  const double y[] = {1, 2, 3, 4};
  for (int i = 0; i < 4; ++i) expected += -0.5 * (y[i] - theta[i + 1]) * (y[i] - theta[i + 1]);
  expected += (1 + 1.5) * mu;
  for (int i = 0; i < 5; ++i) expected += theta[i];
  EXPECT_NEAR(lp, expected, 1e-12);
  testing_util::expect_gradcheck_passes(m->model(), 3, "slices");
}

TEST(Slicing, AnEndOutOfRangeIsAnError) {
  tools::CheckedModel m = tools::check_model_source("slices", R"(data {
  int k;
}
parameters {
  vector[3] b;
}
model {
  target += sum(b[2:k]);
}
)");
  ASSERT_TRUE(m.ast) << m.diagnostics.str();
  Expected<runtime::DataSet> data = runtime::read_stan_json(R"({"k": 4})", "d.json", tools::data_declarations(*m.ast));
  ASSERT_TRUE(data) << data.error();
  Expected<tools::CompiledModel> compiled = tools::compile_model(*m.ast, *data, ir::PipelineSettings{});
  ASSERT_FALSE(compiled);
  EXPECT_EQ(compiled.error(),
            "slices:8:19: index out of range; it depends on the data alone, so it fails at every value of the "
            "parameters");
}


// Slices and multi-indices of matrices and 2-D arrays, beside single indices,
// read and assigned (`=` and `+=`): the gradient of each term is the sum of the
// data it picks, worked out by hand, and finite differences agree.
TEST(Slicing, MatrixSlicesAndSliceAssignment) {
  auto m = compile_source("matrix_slices", R"(data {
  int N;
  matrix[N, 3] X;
  array[2] int idx;
}
transformed data {
  matrix[N, 2] Xc;
  for (i in 2:3) Xc[:, i - 1] = X[:, i] - mean(X[:, i]);
  row_vector[2] r = X[2, 2:3];
  matrix[2, 2] sub = X[idx, 2:3];
  array[3, 2] real a;
  a[:, 1] = {1.0, 2.0, 3.0};
  a[:, 2] = {4.0, 5.0, 6.0};
}
parameters {
  vector[2] b;
}
model {
  vector[4] v;
  v[1:2] = b;
  v[3:4] = 2 * b;
  v[idx] += 1;
  target += sum(Xc * b) + r * b + sum(sub * b) + sum(v) + sum(a[2, :]) * b[1] + sum(a[2:3, 2]) * b[2];
}
)",
                          R"({"N": 3, "X": [[1, 2, 3], [4, 5, 7], [7, 9, 10]], "idx": [3, 1]})");
  ASSERT_TRUE(m);
  const double theta[] = {0.3, -0.8};
  double grad[2];
  runtime::EvalError error = 0;
  const double lp = m->model().lp_grad(theta, grad, &error);
  ASSERT_EQ(error, 0);
  // Xc's columns are centred (sum 0); r = (5, 7); sub = [9 10; 2 3]; v sums to
  // 3 b1 + 3 b2 + 2 (v[3] and v[1] get 1); a[2, :] = {2, 5}; a[2:3, 2] = {5, 6}.
  const double d1 = 5 + 11 + 3 + 7, d2 = 7 + 13 + 3 + 11;
  EXPECT_NEAR(lp, d1 * theta[0] + d2 * theta[1] + 2, 1e-9);
  EXPECT_NEAR(grad[0], d1, 1e-9);
  EXPECT_NEAR(grad[1], d2, 1e-9);
  testing_util::expect_gradcheck_passes(m->model(), 3, "matrix_slices");
}

// `x[idx] += v` with a repeated index updates it once, from the old value, as
// Stan's `x[idx] = x[idx] + v` does.
TEST(Slicing, CompoundAssignmentWithARepeatedIndex) {
  auto m = compile_source("repeated", R"(parameters {
  real a;
}
model {
  vector[3] v = [1, 2, 3]';
  v[{2, 2, 3}] += a;
  target += v[1] + 10 * v[2] + 100 * v[3];
}
)",
                          "{}");
  ASSERT_TRUE(m);
  const double a = 0.5;
  double grad[1];
  runtime::EvalError error = 0;
  EXPECT_NEAR(m->model().lp_grad(&a, grad, &error), 1 + 10 * 2.5 + 100 * 3.5, 1e-12);
  EXPECT_NEAR(grad[0], 110, 1e-12);
}

}  // namespace
}  // namespace vic
