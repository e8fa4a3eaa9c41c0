// The linear-algebra kernels and the slicing ops: cholesky_decompose,
// mdivide_left_tri_low, inverse, log_determinant and eigenvalues_sym /
// eigenvectors_sym (kernel calls into LAPACK and BLAS, each with its own
// adjoint) and the functions built on them, head, tail, segment and append_row (tensor.slice, tensor.concat):
// their values against closed forms, their gradients against finite
// differences, and Stan's errors for bad arguments.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>

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

TEST(LinearAlgebra, InverseAndDeterminantsAreTheClosedForms) {
  auto m = compile_source("lu", R"(
data {
  matrix[2, 2] A;
  matrix[2, 2] S;
  vector[2] b;
}
parameters {
  real mu;
}
model {
  mu ~ normal(0, 1);
}
generated quantities {
  matrix[2, 2] Ai = inverse(A);
  real ld = log_determinant(A);
  real d = determinant(A);
  real dn = determinant(A');
  real d_swapped = determinant([[A[2, 1], A[2, 2]], [A[1, 1], A[1, 2]]]);
  real ld_spd = log_determinant_spd(S);
  matrix[2, 2] Si = inverse_spd(S);
  vector[2] x = mdivide_left(A, b);
  matrix[2, 2] X = mdivide_left(A, S);
  vector[2] y = mdivide_left_spd(S, b);
  matrix[2, 2] Y = mdivide_left_spd(S, A);
  real ld_empty = log_determinant(rep_matrix(0, 0, 0));
}
)",
                          R"({"A": [[2, 1], [4, 3]], "S": [[4, 2], [2, 5]], "b": [2, 7]})");
  ASSERT_TRUE(m);
  std::map<std::string, double> o = testing_util::constrained_outputs(m->model(), {0.0});
  // A^-1 = [[3, -1], [-4, 2]] / det A, det A = 2 * 3 - 1 * 4 = 2.
  EXPECT_NEAR(o["Ai.1.1"], 1.5, 1e-15);
  EXPECT_NEAR(o["Ai.1.2"], -0.5, 1e-15);
  EXPECT_NEAR(o["Ai.2.1"], -2, 1e-15);
  EXPECT_NEAR(o["Ai.2.2"], 1, 1e-15);
  EXPECT_NEAR(o["ld"], std::log(2.0), 1e-15);
  EXPECT_NEAR(o["d"], 2, 1e-14);
  EXPECT_NEAR(o["dn"], 2, 1e-14);
  // Swapping the rows flips the sign.
  EXPECT_NEAR(o["d_swapped"], -2, 1e-14);
  // det S = 16; S^-1 = [[5, -2], [-2, 4]] / 16.
  EXPECT_NEAR(o["ld_spd"], std::log(16.0), 1e-15);
  EXPECT_NEAR(o["Si.1.1"], 5.0 / 16, 1e-15);
  EXPECT_NEAR(o["Si.1.2"], -2.0 / 16, 1e-15);
  EXPECT_EQ(o["Si.1.2"], o["Si.2.1"]);
  EXPECT_NEAR(o["Si.2.2"], 4.0 / 16, 1e-15);
  // A^-1 b = [1.5 * 2 - 0.5 * 7, -2 * 2 + 7].
  EXPECT_NEAR(o["x.1"], -0.5, 1e-14);
  EXPECT_NEAR(o["x.2"], 3, 1e-14);
  // A^-1 S = [[1.5 * 4 - 0.5 * 2, 1.5 * 2 - 0.5 * 5], [-2 * 4 + 2, -2 * 2 + 5]].
  EXPECT_NEAR(o["X.1.1"], 5, 1e-14);
  EXPECT_NEAR(o["X.1.2"], 0.5, 1e-14);
  EXPECT_NEAR(o["X.2.1"], -6, 1e-14);
  EXPECT_NEAR(o["X.2.2"], 1, 1e-14);
  // S^-1 b = [5 * 2 - 2 * 7, -2 * 2 + 4 * 7] / 16.
  EXPECT_NEAR(o["y.1"], -0.25, 1e-15);
  EXPECT_NEAR(o["y.2"], 1.5, 1e-15);
  // S^-1 A = [[5 * 2 - 2 * 4, 5 * 1 - 2 * 3], [-2 * 2 + 4 * 4, -2 * 1 + 4 * 3]] / 16.
  EXPECT_NEAR(o["Y.1.1"], 2.0 / 16, 1e-15);
  EXPECT_NEAR(o["Y.1.2"], -1.0 / 16, 1e-15);
  EXPECT_NEAR(o["Y.2.1"], 12.0 / 16, 1e-15);
  EXPECT_NEAR(o["Y.2.2"], 10.0 / 16, 1e-15);
  EXPECT_EQ(o["ld_empty"], 0);
}

// Every argument of the LU and Cholesky functions a parameter: the gradient
// through inverse's and log_determinant's own adjoints and the solves.
TEST(LinearAlgebra, GradientsThroughTheInverseAndTheDeterminants) {
  auto m = compile_source("lu_gradients", R"(
data {
  matrix[3, 3] X;
}
parameters {
  matrix[3, 3] W;
  vector[3] v;
}
model {
  matrix[3, 3] A = X + 0.3 * W;
  matrix[3, 3] S = A * A' + X + X';
  target += log_determinant(A) + 0.1 * determinant(A) + sum(inverse(A) * v);
  target += -0.5 * log_determinant_spd(S) + dot_product(v, mdivide_left(A, v));
  target += -0.5 * dot_product(v, mdivide_left_spd(S, v)) + sum(mdivide_left_spd(S, A)) + sum(mdivide_left(A, W));
  to_vector(W) ~ normal(0, 1);
  v ~ normal(0, 1);
}
)",
                          R"({"X": [[3, 0.5, -0.2], [0.4, 2.5, 0.1], [-0.3, 0.2, 2]]})");
  ASSERT_TRUE(m);
  testing_util::expect_gradcheck_passes(m->model(), 5, "inverse, determinants, solves");
}

// The closed forms: [[2, 1], [1, 2]] has eigenvalues 1 and 3 with
// eigenvectors (1, -1) / sqrt 2 and (1, 1) / sqrt 2; the second-difference
// matrix [[2, -1, 0], [-1, 2, -1], [0, -1, 2]] has 2 - sqrt 2, 2, 2 + sqrt 2
// with (1, sqrt 2, 1) / 2, (1, 0, -1) / sqrt 2, (1, -sqrt 2, 1) / 2. An
// eigenvector's sign is LAPACK's, so each is compared up to its sign.
TEST(LinearAlgebra, EigendecompositionsAreTheClosedForms) {
  auto m = compile_source("eigen", R"(
data {
  matrix[2, 2] A;
  matrix[3, 3] B;
}
parameters {
  real mu;
}
model {
  mu ~ normal(0, 1);
}
generated quantities {
  vector[2] a = eigenvalues_sym(A);
  matrix[2, 2] U = eigenvectors_sym(A);
  vector[3] b = eigenvalues_sym(B);
  matrix[3, 3] V = eigenvectors_sym(B);
  vector[0] none = eigenvalues_sym(rep_matrix(0, 0, 0));
}
)",
                          R"({"A": [[2, 1], [1, 2]], "B": [[2, -1, 0], [-1, 2, -1], [0, -1, 2]]})");
  ASSERT_TRUE(m);
  std::map<std::string, double> o = testing_util::constrained_outputs(m->model(), {0.0});
  EXPECT_NEAR(o["a.1"], 1, 1e-14);
  EXPECT_NEAR(o["a.2"], 3, 1e-14);
  const double r2 = std::sqrt(2.0);
  EXPECT_NEAR(o["b.1"], 2 - r2, 1e-14);
  EXPECT_NEAR(o["b.2"], 2, 1e-14);
  EXPECT_NEAR(o["b.3"], 2 + r2, 1e-14);
  // |<column j of the result, the expected unit eigenvector>| = 1.
  auto expect_column = [&](const std::string& name, int j, const std::vector<double>& expected) {
    double dot = 0;
    for (size_t i = 0; i < expected.size(); ++i)
      dot += o[name + "." + std::to_string(i + 1) + "." + std::to_string(j)] * expected[i];
    EXPECT_NEAR(std::fabs(dot), 1, 1e-14) << name << " column " << j;
  };
  expect_column("U", 1, {1 / r2, -1 / r2});
  expect_column("U", 2, {1 / r2, 1 / r2});
  expect_column("V", 1, {0.5, r2 / 2, 0.5});
  expect_column("V", 2, {1 / r2, 0, -1 / r2});
  expect_column("V", 3, {0.5, -r2 / 2, 0.5});
  EXPECT_EQ(o.count("none.1"), 0u);
}

// At a random symmetric matrix: A V = V diag(w), V'V = I, w ascending.
TEST(LinearAlgebra, EigenvectorsDiagonaliseARandomSymmetricMatrix) {
  const int n = 5;
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> u(-2, 2);
  std::vector<std::vector<double>> a(n, std::vector<double>(n));
  for (int i = 0; i < n; ++i)
    for (int j = 0; j <= i; ++j) a[i][j] = a[j][i] = u(rng);
  std::string json = "{\"A\": [";
  for (int i = 0; i < n; ++i) {
    json += i ? ", [" : "[";
    for (int j = 0; j < n; ++j) json += (j ? ", " : "") + std::to_string(a[i][j]);
    json += "]";
  }
  json += "]}";
  // std::to_string rounds to 6 digits: read the matrix back as vic has it.
  auto m = compile_source("eigen_random", R"(
data {
  matrix[5, 5] A;
}
parameters {
  real mu;
}
model {
  mu ~ normal(0, 1);
}
generated quantities {
  matrix[5, 5] M = A;
  vector[5] w = eigenvalues_sym(A);
  matrix[5, 5] V = eigenvectors_sym(A);
}
)",
                          json);
  ASSERT_TRUE(m);
  std::map<std::string, double> o = testing_util::constrained_outputs(m->model(), {0.0});
  auto at = [&](const std::string& name, int i, int j) {
    return o[name + "." + std::to_string(i + 1) + "." + std::to_string(j + 1)];
  };
  for (int j = 0; j < n; ++j) {
    const double w = o["w." + std::to_string(j + 1)];
    if (j > 0) {
      EXPECT_LT(o["w." + std::to_string(j)], w);
    }
    for (int i = 0; i < n; ++i) {
      double av = 0, vv = 0;
      for (int k = 0; k < n; ++k) {
        av += at("M", i, k) * at("V", k, j);
        vv += at("V", k, i) * at("V", k, j);
      }
      EXPECT_NEAR(av, at("V", i, j) * w, 1e-13) << "(A V)[" << i << ", " << j << "]";
      EXPECT_NEAR(vv, i == j ? 1 : 0, 1e-14) << "(V'V)[" << i << ", " << j << "]";
    }
  }
}

// The gradient through both functions, A built symmetrically from the
// parameters: the eigenvalues weighted, and the squares of the eigenvectors'
// elements (invariant to their signs) weighted.
TEST(LinearAlgebra, GradientsThroughTheEigendecomposition) {
  auto m = compile_source("eigen_gradients", R"(
data {
  matrix[3, 3] X;
  vector[3] c;
  matrix[3, 3] C;
}
parameters {
  matrix[3, 3] W;
  vector[3] d;
}
model {
  matrix[3, 3] A = X + 0.3 * (W + W') + diag_matrix(d);
  matrix[3, 3] S;
  for (i in 1:3) {
    for (j in 1:i) {
      S[i, j] = W[i, j] * d[j];
      S[j, i] = S[i, j];
    }
  }
  target += dot_product(c, eigenvalues_sym(A)) + sum(C .* square(eigenvectors_sym(A)));
  target += sum(eigenvalues_sym(S)) * 0.1 + sum(C .* square(eigenvectors_sym(S + X)));
  to_vector(W) ~ normal(0, 1);
  d ~ normal(0, 1);
}
)",
                          R"({"X": [[3, 0.5, -0.2], [0.5, 1, 0.1], [-0.2, 0.1, -1]], "c": [0.7, -1.1, 0.4],
                              "C": [[1, -2, 0.5], [0.3, 1.5, -1], [2, 0.1, -0.7]]})");
  ASSERT_TRUE(m);
  testing_util::expect_gradcheck_passes(m->model(), 5, "eigenvalues_sym, eigenvectors_sym");
}

// Repeated eigenvalues (a multiple of the identity): the eigenvectors'
// derivative is not defined there, but when only the eigenvalues are used
// the eigenvector part of the adjoint is zero, and stays zero (not 0 / 0).
TEST(LinearAlgebra, RepeatedEigenvaluesHaveAGradientWhenOnlyTheEigenvaluesAreUsed) {
  auto m = compile_source("eigen_repeated", R"(
parameters {
  real mu;
}
model {
  vector[3] w = eigenvalues_sym(diag_matrix(rep_vector(mu, 3)));
  target += sum(w) + 2 * w[3];
  mu ~ normal(0, 1);
}
)",
                          "{}");
  ASSERT_TRUE(m);
  testing_util::expect_gradcheck_passes(m->model(), 3, "eigenvalues_sym of a multiple of the identity");
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

TEST(LinearAlgebra, SingularAndIndefiniteMatricesGiveErrors) {
  const std::string data_only = "; it depends on the data alone, so it fails at every value of the parameters\n";
  const char* model = R"(data {
  matrix[2, 2] A;
  vector[2] b;
}
parameters {
  real mu;
}
model {
  mu ~ normal(log_determinant(A), 1);
  mu ~ normal(sum(inverse(A)), 1);
  mu ~ normal(mdivide_left(A, b), 1);
}
)";
  testing_util::VicRun r = fit(model, R"({"A": [[1, 2], [2, 4]], "b": [1, 1]})");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "error: m.vmodel:10:19: inverse: Matrix m is singular" + data_only);

  // A singular matrix has log determinant -inf (Stan's, no error): the density is -inf everywhere.
  r = fit(R"(data {
  matrix[2, 2] A;
}
parameters {
  real mu;
}
model {
  mu ~ normal(0, 1);
  target += log_determinant(A);
}
)",
          R"({"A": [[1, 2], [2, 4]]})");
  EXPECT_NE(r.status, 0);

  r = fit(R"(data {
  matrix[2, 2] A;
  vector[2] b;
}
parameters {
  real mu;
}
model {
  mu ~ normal(mdivide_left(A, b), 1);
}
)",
          R"({"A": [[1, 2], [2, 4]], "b": [1, 1]})");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "error: m.vmodel:9:15: mdivide_left: Matrix A is singular" + data_only);

  const char* spd = R"(data {
  matrix[2, 2] A;
  vector[2] b;
  int which;
}
parameters {
  real mu;
}
model {
  if (which == 1) mu ~ normal(log_determinant_spd(A), 1);
  if (which == 2) mu ~ normal(mdivide_left_spd(A, b), 1);
  if (which == 3) mu ~ normal(sum(inverse_spd(A)), 1);
}
)";
  r = fit(spd, R"({"A": [[1, 2], [2, 1]], "b": [1, 1], "which": 1})");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "error: m.vmodel:10:31: log_determinant_spd: Matrix m is not positive definite" + data_only);
  r = fit(spd, R"({"A": [[1, 0.5], [0.4, 1]], "b": [1, 1], "which": 2})");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "error: m.vmodel:11:31: mdivide_left_spd: Matrix A is not symmetric" + data_only);
  r = fit(spd, R"({"A": [[1, 2], [2, 1]], "b": [1, 1], "which": 3})");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "error: m.vmodel:12:35: inverse_spd: Matrix m is not positive definite" + data_only);
}

TEST(LinearAlgebra, EigendecompositionsOfBadMatricesGiveStansErrors) {
  const std::string data_only = "; it depends on the data alone, so it fails at every value of the parameters\n";
  const char* model = R"(data {
  matrix[2, 2] A;
  real s;
  int which;
}
parameters {
  real mu;
}
model {
  if (which == 1) mu ~ normal(eigenvalues_sym(A * s), 1);
  if (which == 2) mu ~ normal(sum(eigenvectors_sym(A * s)), 1);
}
)";
  testing_util::VicRun r = fit(model, R"({"A": [[1, 0.5], [0.4, 1]], "s": 1, "which": 1})");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "error: m.vmodel:10:31: eigenvalues_sym: Matrix m is not symmetric" + data_only);
  r = fit(model, R"({"A": [[1, 0.5], [0.4, 1]], "s": 1, "which": 2})");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "error: m.vmodel:11:35: eigenvectors_sym: Matrix m is not symmetric" + data_only);
  // 1e308 * 10 overflows to inf.
  r = fit(model, R"({"A": [[10, 1], [1, 1]], "s": 1e308, "which": 1})");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "error: m.vmodel:10:31: eigenvalues_sym: Matrix m is not finite" + data_only);
  r = fit(model, R"({"A": [[10, 1], [1, 1]], "s": 1e308, "which": 2})");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "error: m.vmodel:11:35: eigenvectors_sym: Matrix m is not finite" + data_only);

  // A parameter that makes the matrix non-symmetric rejects the point.
  r = fit(R"(parameters {
  real mu;
}
model {
  mu ~ normal(0, 1);
  target += sum(eigenvalues_sym([[1, mu], [0, 1]]));
}
)",
          "{}");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("eigenvalues_sym: Matrix m is not symmetric"), std::string::npos) << r.err;
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
