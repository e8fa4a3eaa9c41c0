// Matrix code: a linear regression with a design matrix (N = 1000, K = 10)
// has the right gradient, the closed-form log density and fits; transposes,
// rows, cols, rep_vector, to_vector and the products of vectors and matrices
// compute what Stan computes.
#include <gtest/gtest.h>

#include <cmath>

#include <nlohmann/json.hpp>

#include "codegen/jit.h"
#include "ir/lower/lower.h"
#include "ir/passes/pipeline.h"
#include "ir/printer.h"
#include "runtime/advi.h"
#include "test_util.h"

namespace vic {
namespace {

using testing_util::compile_source;
using testing_util::read_file;

std::string linreg_path(const std::string& file) {
  return std::string(VIC_SOURCE_DIR) + "/tests/e2e/models/linreg/" + file;
}

struct Regression {
  std::vector<std::vector<double>> X;
  std::vector<double> y;
};

Regression load_regression() {
  nlohmann::json j = nlohmann::json::parse(read_file(linreg_path("data.json")));
  return {j["X"].get<std::vector<std::vector<double>>>(), j["y"].get<std::vector<double>>()};
}

// Stan's log_prob<false, true> on the unconstrained scale (alpha, beta, log sigma):
// sum of normal_lpdf with its constants, plus log sigma for the Jacobian.
double closed_form_lp(const Regression& r, const std::vector<double>& theta) {
  const size_t K = r.X[0].size();
  const double sigma = std::exp(theta[K + 1]);
  double sum_sq = 0;
  for (size_t i = 0; i < r.y.size(); ++i) {
    double mean = theta[0];
    for (size_t k = 0; k < K; ++k) mean += r.X[i][k] * theta[1 + k];
    sum_sq += (r.y[i] - mean) * (r.y[i] - mean);
  }
  const double n = static_cast<double>(r.y.size());
  return -0.5 * n * std::log(2 * M_PI) - n * std::log(sigma) - sum_sq / (2 * sigma * sigma) + theta[K + 1];
}

TEST(Matrix, LinearRegressionGradientLogDensityAndFit) {
  auto m = compile_source("linreg", read_file(linreg_path("model.vmodel")), read_file(linreg_path("data.json")));
  ASSERT_TRUE(m);
  ASSERT_EQ(m->model().dim(), 12u);
  testing_util::expect_gradcheck_passes(m->model(), 5, "linear regression");

  const Regression r = load_regression();
  std::vector<double> a(12), b(12);
  for (size_t k = 0; k < 12; ++k) {
    a[k] = 0.3 * std::sin(static_cast<double>(k));
    b[k] = 0.2 * std::cos(1.7 * static_cast<double>(k));
  }
  runtime::EvalError error = 0;
  const double lp_a = m->model().lp(a.data(), &error), lp_b = m->model().lp(b.data(), &error);
  ASSERT_EQ(error, 0);
  EXPECT_NEAR(lp_a - lp_b, closed_form_lp(r, a) - closed_form_lp(r, b), 1e-9);
  EXPECT_NEAR(lp_a, closed_form_lp(r, a), 1e-9 * std::fabs(lp_a));

  // The fit runs and lands near the truth the data were simulated from
  // (its accuracy against NUTS is the VI issue's bar).
  Rng rng(3);
  Expected<runtime::AdviResult> fit = runtime::run_advi(m->model(), runtime::AdviSettings{}, rng);
  ASSERT_TRUE(fit) << fit.error();
  nlohmann::json truth = nlohmann::json::parse(read_file(linreg_path("truth.json")));
  EXPECT_NEAR(fit->mu[0], truth["alpha"].get<double>(), 0.2);
  for (size_t k = 0; k < 10; ++k) EXPECT_NEAR(fit->mu[1 + k], truth["beta"][k].get<double>(), 0.2) << "beta " << k;
}

// Each matrix expression against the value worked out by hand.
TEST(Matrix, ExpressionsComputeWhatStanComputes) {
  const char* model = R"(
data {
  matrix[2, 3] A;
  vector[3] v;
  row_vector[2] w;
}
parameters {
  real mu;
}
model {
  mu ~ normal(0, 1);
}
generated quantities {
  vector[2] Av = A * v;                 // [1*1 + 2*2 + 3*3, 4*1 + 5*2 + 6*3] = [14, 32]
  row_vector[3] wA = w * A;             // [1*1 + 2*4, 1*2 + 2*5, 1*3 + 2*6] = [9, 12, 15]
  real wv = w * (A * v);                // 14 + 64 = 78
  matrix[3, 2] At = A';
  matrix[2, 2] AAt = A * A';            // [[14, 32], [32, 77]]
  matrix[3, 2] outer = v * w;           // v[i] * w[j]
  vector[6] flat = to_vector(A);        // column by column: 1 4 2 5 3 6
  vector[4] reps = rep_vector(2.5, 4);
  int r = rows(A);
  int c = cols(A);
  int rv = rows(w);
  int cv = cols(w);
  real biggest = max(v);                // 3
  real lse = log_sum_exp(v);            // log(e + e^2 + e^3)
  real lse2 = log_sum_exp(1, 2);        // log(e + e^2)
}
)";
  auto m = compile_source("matrix_expressions", model, R"({"A": [[1, 2, 3], [4, 5, 6]], "v": [1, 2, 3], "w": [1, 2]})");
  ASSERT_TRUE(m);
  std::map<std::string, double> values = testing_util::constrained_outputs(m->model(), {0.0});
  EXPECT_EQ(values["Av.1"], 14);
  EXPECT_EQ(values["Av.2"], 32);
  EXPECT_EQ(values["wA.1"], 9);
  EXPECT_EQ(values["wA.3"], 15);
  EXPECT_EQ(values["wv"], 78);
  EXPECT_EQ(values["At.1.2"], 4);  // At[1, 2] = A[2, 1]
  EXPECT_EQ(values["At.3.1"], 3);
  EXPECT_EQ(values["AAt.1.1"], 14);
  EXPECT_EQ(values["AAt.1.2"], 32);
  EXPECT_EQ(values["AAt.2.1"], 32);
  EXPECT_EQ(values["AAt.2.2"], 77);
  EXPECT_EQ(values["outer.3.2"], 6);
  EXPECT_EQ(values["outer.2.1"], 2);
  for (int k = 1; k <= 6; ++k) EXPECT_EQ(values["flat." + std::to_string(k)], std::vector<double>({1, 4, 2, 5, 3, 6})[k - 1]);
  EXPECT_EQ(values["reps.4"], 2.5);
  EXPECT_EQ(values["r"], 2);
  EXPECT_EQ(values["c"], 3);
  EXPECT_EQ(values["rv"], 1);
  EXPECT_EQ(values["cv"], 2);
  EXPECT_EQ(values["biggest"], 3);
  EXPECT_NEAR(values["lse"], std::log(std::exp(1) + std::exp(2) + std::exp(3)), 1e-14);
  EXPECT_NEAR(values["lse2"], std::log(std::exp(1) + std::exp(2)), 1e-14);
}

// Products with parameters on both sides: the gradient of every operand.
TEST(Matrix, ProductsOfParametersHaveTheRightGradient) {
  const char* model = R"(
data {
  matrix[3, 2] X;
}
parameters {
  matrix[2, 2] B;
  vector[2] b;
  row_vector[3] c;
}
model {
  vector[3] mu = X * (B * b);
  row_vector[2] cX = c * X;
  matrix[2, 2] C = B * B';             // matmul of a parameter with its transpose
  matrix[3, 2] XB = X * B;              // data times a parameter
  target += -dot_product(mu, mu) - 0.5 * (cX * B) * b;
  target += -0.1 * sum(C .* C) - 0.05 * sum(XB' * XB);
  to_vector(B) ~ normal(0, 1);
  b ~ normal(0, 1);
  c ~ normal(0, 1);
}
)";
  auto m = compile_source("products", model, R"({"X": [[1, 0.5], [-0.3, 2], [0.7, -1]]})");
  ASSERT_TRUE(m);
  testing_util::expect_gradcheck_passes(m->model(), 5, "products of parameters");
}

// sum, max and log_sum_exp of a tensor are tensor.reduce ops with their own
// adjoints; told it may, bufferize reassociates the sums (LLVM's reassoc flag).
TEST(Matrix, ReductionsOfTensorsAreOpsWithTheirOwnAdjoints) {
  const char* model = R"(
parameters {
  vector[4] b;
}
model {
  vector[4] v = exp(b);
  target += sum(v) - 2 * max(v) + log_sum_exp(v) - 0.5 * dot_product(b, b);
}
)";
  auto m = compile_source("reductions", model, "{}");
  ASSERT_TRUE(m);
  testing_util::expect_gradcheck_passes(m->model(), 5, "tensor reductions");
  ir::Program lowered = lower::lower_program(*m->checked.ast);
  std::string text = ir::print_program(lowered);
  for (const char* op : {"tensor.reduce.add", "tensor.reduce.max", "tensor.reduce.lse"})
    EXPECT_NE(text.find(op), std::string::npos) << op;

  auto lookup = [](const std::string&) -> std::optional<int64_t> { return std::nullopt; };
  std::function<std::optional<int64_t>(const std::string&)> sizes = lookup;
  for (bool reorder : {false, true}) {
    ir::PipelineSettings s;
    s.reorder_reductions = reorder;
    ir::Program p = ir::run_pipeline(lowered, s, &sizes);
    const std::string llvm = codegen::emit_llvm_text(p);
    EXPECT_EQ(llvm.find("fadd reassoc") != std::string::npos, reorder) << "reorder_reductions = " << reorder;
  }
}

}  // namespace
}  // namespace vic
