// Row-vector literals `[a, b]` and array literals `{a, b}` of scalars: their
// values in a log density against the sums written out, the gradient against
// finite differences, and the literals' types (an int array of ints).
#include <gtest/gtest.h>

#include <cmath>

#include "test_util.h"

namespace vic {
namespace {

TEST(Literals, RowVectorAndArrayLiteralsOfScalars) {
  auto m = testing_util::compile_source("literals", R"(data {
  real a;
}
transformed data {
  array[3] int k = {1, 2, 3};
  array[2] real r = {a, 2};
}
parameters {
  real mu;
  real<lower=0> s;
}
model {
  row_vector[2] w = [mu, s];
  vector[3] v = [mu, 2 * mu, s]';
  target += w * [1, 2]' + sum(v) + sum(k) * 10 + sum(r) + sum({mu, s});
  target += normal_lpdf([mu, s] | 0, 1);
}
)",
                                        R"({"a": 0.5})");
  ASSERT_TRUE(m);
  const double mu = 0.7, log_s = -0.3, s = std::exp(log_s);
  const double theta[] = {mu, log_s};
  double grad[2];
  runtime::EvalError error = 0;
  const double lp = m->model().lp_grad(theta, grad, &error);
  ASSERT_EQ(error, 0);
  const double expected = (mu + 2 * s) + (3 * mu + s) + 60 + 2.5 + (mu + s) - 0.5 * (mu * mu + s * s) -
                          std::log(2 * std::acos(-1.0)) + log_s;  // + log|ds/du| of s's transform
  EXPECT_NEAR(lp, expected, 1e-12);
  testing_util::expect_gradcheck_passes(m->model(), 3, "literals");
}

}  // namespace
}  // namespace vic

namespace vic {
namespace {

// size, num_elements and rep_array: n = 3 + 6 + 6 + 3 + 3 = 21, and the
// target is n mu + sum(halves) mu = 22 mu (no likelihood).
TEST(Literals, SizesAndRepArray) {
  auto m = testing_util::compile_source("sizes", R"(data {
  int N;
  vector[N] y;
  matrix[2, 3] X;
}
transformed data {
  array[3] int ones = rep_array(1, 3);
  array[2] real halves = rep_array(0.5, 2);
  int n = size(y) + num_elements(X) + size(X) + size(ones) + sum(ones);
}
parameters {
  real mu;
}
model {
  target += n * mu + sum(halves) * mu;
}
)",
                                        R"({"N": 3, "y": [1, 2, 3], "X": [[1, 2, 3], [4, 5, 6]]})");
  ASSERT_TRUE(m);
  double mu = 1.5, grad = 0;
  runtime::EvalError error = 0;
  EXPECT_DOUBLE_EQ(m->model().lp_grad(&mu, &grad, &error), 22 * 1.5);
  EXPECT_DOUBLE_EQ(grad, 22);
}

}  // namespace
}  // namespace vic

namespace vic {
namespace {

// A parameter sized by a transformed data int that its declaration gives
// (`int Kc = K - 1;`): the layout reads it through its expression; one whose
// value only the model computes is named.
TEST(Sizes, TransformedDataIntsGivenByTheirDeclaration) {
  auto m = testing_util::compile_source("td_sizes", R"(data {
  int K;
}
transformed data {
  int Kc = K - 1;
  int twice = 2 * Kc;
}
parameters {
  vector[Kc] b;
  array[twice] real c;
}
model {
  b ~ normal(0, 1);
  c ~ normal(0, 1);
}
)",
                                        R"({"K": 3})");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->model().dim(), 2u + 4u);

  tools::CheckedModel unknown = tools::check_model_source("td_unknown", R"(data {
  vector[3] x;
}
transformed data {
  int n = num_elements(x);
}
parameters {
  vector[n] d;
}
)");
  ASSERT_TRUE(unknown.ast);
  Expected<runtime::DataSet> data =
      runtime::read_stan_json(R"({"x": [1, 2, 3]})", "d.json", tools::data_declarations(*unknown.ast));
  ASSERT_TRUE(data);
  Expected<tools::CompiledModel> compiled = tools::compile_model(*unknown.ast, *data, ir::PipelineSettings{});
  ASSERT_FALSE(compiled);
  EXPECT_EQ(compiled.error(), "td_unknown:5:11: cannot evaluate this expression before the model runs");
}

// An array literal of int arrays is a 2-D int array (ints copied into place).
TEST(Literals, NestedIntArrays) {
  auto m = testing_util::compile_source("nested", R"(parameters {
  real x;
}
model {
  array[2, 3] int a = {{1, 2, 3}, {4, 5, 6}};
  target += (a[2, 1] + 10 * a[1, 3]) * x;
}
)",
                                        "{}");
  ASSERT_TRUE(m);
  const double x = 0.5;
  runtime::EvalError error = 0;
  EXPECT_NEAR(m->model().lp(&x, &error), 34 * 0.5, 1e-15);
}

}  // namespace
}  // namespace vic
