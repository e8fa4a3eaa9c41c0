// The linear-algebra kernels and the slicing ops: cholesky_decompose and
// mdivide_left_tri_low (kernel calls into LAPACK and BLAS, each with its own
// adjoint), head, tail, segment and append_row (tensor.slice, tensor.concat):
// their values against closed forms, their gradients against finite
// differences, and Stan's errors for bad arguments.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "test_util.h"
#include "vic_process.h"

namespace vic {
namespace {

using testing_util::compile_source;
using testing_util::read_file;

std::string model_path(const std::string& file) {
  return std::string(VIC_SOURCE_DIR) + "/tests/e2e/models/linear_algebra/" + file;
}

TEST(LinearAlgebra, GradientsThroughCholeskySolvesSlicesAndConcatenation) {
  auto m = compile_source("linear_algebra", read_file(model_path("model.vmodel")), read_file(model_path("data.json")));
  ASSERT_TRUE(m);
  ASSERT_EQ(m->model().dim(), 13u);
  testing_util::expect_gradcheck_passes(m->model(), 5, "cholesky, solves, slices");
}

TEST(LinearAlgebra, ValuesAreTheClosedForms) {
  auto m = compile_source("values", R"(
data {
  matrix[2, 2] A;
  vector[2] b;
  vector[4] v;
}
parameters {
  real mu;
}
model {
  mu ~ normal(0, 1);
}
generated quantities {
  matrix[2, 2] L = cholesky_decompose(A);
  vector[2] x = mdivide_left_tri_low(L, b);
  matrix[2, 2] Y = mdivide_left_tri_low(L, A);
  vector[2] h = head(v, 2);
  vector[1] t = tail(v, 1);
  vector[3] s = segment(v, 2, 3);
  vector[6] c = append_row(v, b);
  vector[0] none = head(v, 0);
}
)",
                          R"({"A": [[4, 2], [2, 5]], "b": [2, 7], "v": [1, 2, 3, 4]})");
  ASSERT_TRUE(m);
  std::map<std::string, double> o = testing_util::constrained_outputs(m->model(), {0.0});
  // L = [[sqrt(a), 0], [c / sqrt(a), sqrt(d - c^2 / a)]] for A = [[a, c], [c, d]]: [[2, 0], [1, 2]].
  EXPECT_DOUBLE_EQ(o["L.1.1"], 2);
  EXPECT_DOUBLE_EQ(o["L.1.2"], 0);
  EXPECT_DOUBLE_EQ(o["L.2.1"], 1);
  EXPECT_DOUBLE_EQ(o["L.2.2"], 2);
  // Forward substitution: x1 = 2 / 2 = 1, x2 = (7 - 1 * 1) / 2 = 3.
  EXPECT_DOUBLE_EQ(o["x.1"], 1);
  EXPECT_DOUBLE_EQ(o["x.2"], 3);
  // L^-1 A = L' (A = L L'): [[2, 1], [0, 2]].
  EXPECT_DOUBLE_EQ(o["Y.1.1"], 2);
  EXPECT_DOUBLE_EQ(o["Y.1.2"], 1);
  EXPECT_NEAR(o["Y.2.1"], 0, 1e-15);
  EXPECT_DOUBLE_EQ(o["Y.2.2"], 2);
  EXPECT_EQ(o["h.1"], 1);
  EXPECT_EQ(o["h.2"], 2);
  EXPECT_EQ(o["t.1"], 4);
  EXPECT_EQ(o["s.1"], 2);
  EXPECT_EQ(o["s.3"], 4);
  for (int k = 1; k <= 6; ++k) EXPECT_EQ(o["c." + std::to_string(k)], std::vector<double>({1, 2, 3, 4, 2, 7})[k - 1]);
}

// `vic fit m.vmodel --data d.json` in a scratch directory holding the model and data.
testing_util::VicRun fit(const std::string& model, const std::string& json) {
  return testing_util::run_vic_with_files(
      {"fit", "m.vmodel", "--data", "d.json", "--seed", "1", "--quiet", "--output", "fit.csv"},
      {{"m.vmodel", model}, {"d.json", json}});
}

testing_util::VicRun gradcheck(const std::string& model, const std::string& json) {
  return testing_util::run_vic_with_files({"gradcheck", "m.vmodel", "--data", "d.json"},
                                          {{"m.vmodel", model}, {"d.json", json}});
}

const char* kFactorModel = R"(data {
  int N;
  matrix[N, N] A;
  vector[N] b;
  int k;
}
parameters {
  vector[N] mu;
}
model {
  matrix[N, N] L = cholesky_decompose(A);
  mu ~ normal(mdivide_left_tri_low(L, b), 1);
  head(mu, k) ~ normal(0, 1);
}
)";

TEST(LinearAlgebra, BadArgumentsGiveStansErrors) {
  const std::string data_only = "; it depends on the data alone, so it fails at every value of the parameters\n";
  testing_util::VicRun r = fit(kFactorModel, R"({"N": 2, "A": [[1, 2], [2, 1]], "b": [1, 1], "k": 1})");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "error: m.vmodel:11:20: cholesky_decompose: Matrix m is not positive definite" + data_only);

  r = fit(kFactorModel, R"({"N": 2, "A": [[1, 0.5], [0.4, 1]], "b": [1, 1], "k": 1})");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "error: m.vmodel:11:20: cholesky_decompose: Matrix m is not symmetric" + data_only);

  r = fit(kFactorModel, R"({"N": 2, "A": [[1, 0], [0, 1]], "b": [1, 1], "k": 3})");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "error: m.vmodel:13:3: head: the elements asked for are outside the vector" + data_only);

  r = gradcheck(kFactorModel, R"({"N": 2, "A": [[1, 0], [0, 1]], "b": [1, 1], "k": 2})");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
}

TEST(LinearAlgebra, ANonSquareMatrixIsAnError) {
  testing_util::VicRun r = fit(R"(data {
  matrix[2, 3] A;
}
parameters {
  real mu;
}
model {
  matrix[2, 3] L = cholesky_decompose(A);
  mu ~ normal(L[1, 1], 1);
}
)",
                               R"({"A": [[1, 0, 0], [0, 1, 0]]})");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err,
            "error: m.vmodel:8:20: cholesky_decompose: the matrix is not square; it depends on the data alone, so it "
            "fails at every value of the parameters\n");
}

}  // namespace
}  // namespace vic
