// The draws of the distributions of vectors and matrices whose _rng takes
// other arguments than its density or returns a matrix or an int array:
// multinomial_rng, multinomial_logit_rng, lkj_corr_cholesky_rng, lkj_corr_rng,
// wishart_rng, inv_wishart_rng, wishart_cholesky_rng, inv_wishart_cholesky_rng
// and multi_student_t_cholesky_rng, and the location-vectorised multi_normal
// and multi_student_t draws. Their moments over some thousands of draws
// with a fixed seed, each within five standard errors; their structure
// (counts summing to N, unit diagonals, triangular factors, symmetry) exactly;
// their argument errors by their messages. The densities added with them
// (multinomial_logit, wishart_cholesky, inv_wishart_cholesky,
// multi_student_t_cholesky) against their formulas and gradients.
#include <gtest/gtest.h>

#include <cmath>

#include "test_util.h"

namespace vic {
namespace {

constexpr int kDraws = 4000;

// kDraws runs of the generated quantities (the model's one parameter at 0),
// each output's values in order.
std::map<std::string, std::vector<double>> draws(const runtime::Model& model, uint64_t seed) {
  std::map<std::string, std::vector<double>> out;
  std::vector<double> values(model.output_names().size());
  Rng rng(seed);
  const double theta[] = {0.0};
  for (int i = 0; i < kDraws; ++i) {
    runtime::EvalError error = 0;
    model.constrain(theta, rng, values.data(), &error);
    EXPECT_EQ(error, 0) << model.describe_error(error);
    if (error) break;
    for (size_t k = 0; k < values.size(); ++k) out[model.output_names()[k]].push_back(values[k]);
  }
  return out;
}

double mean(const std::vector<double>& x) {
  double s = 0;
  for (double v : x) s += v;
  return s / x.size();
}

// The mean of x is m within five standard errors of a variate of variance v.
void expect_mean(const std::vector<double>& x, double m, double v, const std::string& what) {
  EXPECT_NEAR(mean(x), m, 5 * std::sqrt(v / x.size())) << what;
}

std::unique_ptr<testing_util::LoadedModel> compile_draws(const std::string& name, const std::string& quantities) {
  return testing_util::compile_source(
      name,
      "parameters {\n  real a;\n}\nmodel {\n  a ~ normal(0, 1);\n}\ngenerated quantities {\n" + quantities + "}\n",
      "{}");
}

// "name.r.c" of a K x K matrix output (1-based).
std::string at(const std::string& name, int r, int c) {
  return name + "." + std::to_string(r) + "." + std::to_string(c);
}

TEST(MultivariateRng, MultinomialCountsSumToNWithMeanNTheta) {
  auto m = compile_draws("multinomial_rng", R"(  array[3] int y = multinomial_rng([0.2, 0.5, 0.3]', 20);
  array[3] int yl = multinomial_logit_rng(log([0.2, 0.5, 0.3]') + 1.5, 20);
  array[4] int zero_mass = multinomial_rng([0.4, 0, 0.6, 0]', 7);
  array[2] int none = multinomial_rng([0.5, 0.5]', 0);
)");
  ASSERT_TRUE(m);
  auto d = draws(m->model(), 11);
  ASSERT_EQ(d["y.1"].size(), static_cast<size_t>(kDraws));
  const double theta[] = {0.2, 0.5, 0.3};
  for (int i = 0; i < kDraws; ++i) {
    ASSERT_EQ(d["y.1"][i] + d["y.2"][i] + d["y.3"][i], 20);
    ASSERT_EQ(d["yl.1"][i] + d["yl.2"][i] + d["yl.3"][i], 20);
    ASSERT_EQ(d["zero_mass.2"][i], 0);
    ASSERT_EQ(d["zero_mass.4"][i], 0);
    ASSERT_EQ(d["zero_mass.1"][i] + d["zero_mass.3"][i], 7);
    ASSERT_EQ(d["none.1"][i] + d["none.2"][i], 0);
  }
  for (int k = 0; k < 3; ++k) {
    const double variance = 20 * theta[k] * (1 - theta[k]);
    expect_mean(d["y." + std::to_string(k + 1)], 20 * theta[k], variance, "multinomial_rng");
    expect_mean(d["yl." + std::to_string(k + 1)], 20 * theta[k], variance, "multinomial_logit_rng");
  }
  expect_mean(d["zero_mass.1"], 7 * 0.4, 7 * 0.4 * 0.6, "multinomial_rng with zeros");
}

// 2 x 2 and 3 x 3 scale matrices.
constexpr double kSigma[3][3] = {{2, 0.5, 0.3}, {0.5, 1, 0.2}, {0.3, 0.2, 1.5}};

// Wishart(nu, S): E W = nu S, Var W_ij = nu (S_ij^2 + S_ii S_jj). Its Cholesky
// form draws lower-triangular factors with a positive diagonal.
TEST(MultivariateRng, WishartHasMeanNuSigma) {
  auto m = compile_draws("wishart_rng", R"(  matrix[3, 3] S = [[2, 0.5, 0.3], [0.5, 1, 0.2], [0.3, 0.2, 1.5]];
  matrix[3, 3] W = wishart_rng(6, S);
  matrix[3, 3] L = wishart_cholesky_rng(6, cholesky_decompose(S));
  matrix[3, 3] LL = multiply_lower_tri_self_transpose(L);
  matrix[1, 1] one = wishart_rng(2.5, [[3]]);
)");
  ASSERT_TRUE(m);
  auto d = draws(m->model(), 12);
  const double nu = 6;
  for (int i = 0; i < kDraws; ++i) {
    for (int r = 1; r <= 3; ++r) {
      ASSERT_GT(d[at("L", r, r)][i], 0);
      for (int c = r + 1; c <= 3; ++c) {
        ASSERT_EQ(d[at("W", r, c)][i], d[at("W", c, r)][i]);
        ASSERT_EQ(d[at("L", r, c)][i], 0);
      }
    }
  }
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c <= r; ++c) {
      const double s = kSigma[r][c];
      const double variance = nu * (s * s + kSigma[r][r] * kSigma[c][c]);
      expect_mean(d[at("W", r + 1, c + 1)], nu * s, variance, "wishart_rng " + at("W", r + 1, c + 1));
      expect_mean(d[at("LL", r + 1, c + 1)], nu * s, variance, "wishart_cholesky_rng " + at("LL", r + 1, c + 1));
    }
  }
  // K = 1: 3 chi2(2.5).
  expect_mean(d["one.1.1"], 7.5, 2 * 2.5 * 9, "wishart_rng of a 1 x 1 matrix");
}

// InvWishart(nu, S): E X = S / (nu - K - 1), Var X_ij = ((nu - K + 1) S_ij^2 +
// (nu - K - 1) S_ii S_jj) / ((nu - K) (nu - K - 1)^2 (nu - K - 3)).
TEST(MultivariateRng, InverseWishartHasMeanSigmaOverNuMinusKMinusOne) {
  auto m = compile_draws("inv_wishart_rng", R"(  matrix[3, 3] S = [[2, 0.5, 0.3], [0.5, 1, 0.2], [0.3, 0.2, 1.5]];
  matrix[3, 3] X = inv_wishart_rng(10, S);
  matrix[3, 3] L = inv_wishart_cholesky_rng(10, cholesky_decompose(S));
  matrix[3, 3] LL = multiply_lower_tri_self_transpose(L);
)");
  ASSERT_TRUE(m);
  auto d = draws(m->model(), 13);
  const double nu = 10, k = 3;
  for (int i = 0; i < kDraws; ++i) {
    for (int r = 1; r <= 3; ++r) {
      ASSERT_GT(d[at("L", r, r)][i], 0);
      for (int c = r + 1; c <= 3; ++c) {
        ASSERT_EQ(d[at("X", r, c)][i], d[at("X", c, r)][i]);
        ASSERT_EQ(d[at("L", r, c)][i], 0);
      }
    }
  }
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c <= r; ++c) {
      const double s = kSigma[r][c];
      const double variance = ((nu - k + 1) * s * s + (nu - k - 1) * kSigma[r][r] * kSigma[c][c]) /
                              ((nu - k) * std::pow(nu - k - 1, 2) * (nu - k - 3));
      expect_mean(d[at("X", r + 1, c + 1)], s / (nu - k - 1), variance, "inv_wishart_rng " + at("X", r + 1, c + 1));
      expect_mean(d[at("LL", r + 1, c + 1)], s / (nu - k - 1), variance,
                  "inv_wishart_cholesky_rng " + at("LL", r + 1, c + 1));
    }
  }
}

// LKJ(eta) on K x K correlation matrices: each off-diagonal element r has
// (r + 1) / 2 ~ Beta(a, a), a = eta - 1 + K / 2, so E r = 0,
// E r^2 = 1 / (2a + 1) and E r^4 = 3 / ((2a + 1)(2a + 3)).
TEST(MultivariateRng, LkjDrawsAreCorrelationMatricesWithBetaMarginals) {
  auto m = compile_draws("lkj_rng", R"(  matrix[4, 4] L = lkj_corr_cholesky_rng(4, 1.5);
  matrix[4, 4] LL = multiply_lower_tri_self_transpose(L);
  matrix[4, 4] C = lkj_corr_rng(4, 1.5);
  matrix[1, 1] one = lkj_corr_cholesky_rng(1, 2);
  matrix[2, 2] two = lkj_corr_rng(2, 0.5);
)");
  ASSERT_TRUE(m);
  auto d = draws(m->model(), 14);
  for (int i = 0; i < kDraws; ++i) {
    ASSERT_EQ(d["one.1.1"][i], 1);
    ASSERT_EQ(d["two.1.2"][i], d["two.2.1"][i]);
    for (int r = 1; r <= 4; ++r) {
      ASSERT_NEAR(d[at("LL", r, r)][i], 1, 1e-14);
      ASSERT_NEAR(d[at("C", r, r)][i], 1, 1e-14);
      ASSERT_GT(d[at("L", r, r)][i], 0);
      for (int c = r + 1; c <= 4; ++c) {
        ASSERT_EQ(d[at("L", r, c)][i], 0);
        ASSERT_EQ(d[at("C", r, c)][i], d[at("C", c, r)][i]);
        ASSERT_LT(std::fabs(d[at("C", r, c)][i]), 1);
      }
    }
  }
  auto check_marginal = [&](const std::string& name, int k, double eta, int r, int c) {
    const double a = eta - 1 + k / 2.0;
    const double m2 = 1 / (2 * a + 1), m4 = 3 / ((2 * a + 1) * (2 * a + 3));
    const std::vector<double>& x = d[at(name, r, c)];
    std::vector<double> squares;
    for (double v : x) squares.push_back(v * v);
    expect_mean(x, 0, m2, name + " " + at(name, r, c));
    expect_mean(squares, m2, m4 - m2 * m2, name + " squared " + at(name, r, c));
  };
  for (int r = 2; r <= 4; ++r) {
    for (int c = 1; c < r; ++c) {
      check_marginal("LL", 4, 1.5, r, c);
      check_marginal("C", 4, 1.5, r, c);
    }
  }
  check_marginal("two", 2, 0.5, 2, 1);
}

// Multivariate Student-t(nu, mu, L L'): mean mu, covariance nu / (nu - 2) L L';
// an array of locations gives an array of draws, one per location (and so
// do multi_normal_rng's and multi_student_t_rng's).
TEST(MultivariateRng, MultiStudentTCholeskyAndArraysOfLocations) {
  auto m = compile_draws("multi_student_t_cholesky_rng", R"(  matrix[2, 2] L = [[1, 0], [0.5, 2]];
  vector[2] t = multi_student_t_cholesky_rng(6, [1, -2]', L);
  vector[2] tt = t .* t;
  real t12 = t[1] * t[2];
  array[2] vector[2] ts = multi_student_t_cholesky_rng(6, {[1, 2]', [3, 4]'}, L);
  array[3] vector[2] mn = multi_normal_rng({[1, 2]', [3, 4]', [5, 6]'}, [[1, 0.3], [0.3, 2]]);
  array[2] vector[2] mnc = multi_normal_cholesky_rng({[-1, 0]', [1, 0]'}, L);
  array[2] vector[2] mt = multi_student_t_rng(6, {[-1, 0]', [1, 0]'}, [[1, 0.3], [0.3, 2]]);
)");
  ASSERT_TRUE(m);
  auto d = draws(m->model(), 15);
  const double nu = 6, f = nu / (nu - 2);
  // L L' = [1, 0.5; 0.5, 4.25].
  expect_mean(d["t.1"], 1, f * 1, "multi_student_t_cholesky_rng");
  expect_mean(d["t.2"], -2, f * 4.25, "multi_student_t_cholesky_rng");
  // E t1^2 = f + 1; the fourth moment of a t(6) is 3 f^2 (nu - 2) / (nu - 4), so the
  // tolerance is taken wide from it (v = 10 f^2 covers both).
  expect_mean(d["tt.1"], f * 1 + 1, 10 * f * f, "multi_student_t_cholesky_rng second moment");
  expect_mean(d["tt.2"], f * 4.25 + 4, 10 * f * f * 4.25 * 4.25 + 100, "multi_student_t_cholesky_rng second moment");
  expect_mean(d["t12"], f * 0.5 - 2, 10 * f * f * 4.25 + 40, "multi_student_t_cholesky_rng covariance");
  expect_mean(d["ts.1.1"], 1, f, "vectorised multi_student_t_cholesky_rng");
  expect_mean(d["ts.2.1"], 3, f, "vectorised multi_student_t_cholesky_rng");
  expect_mean(d["ts.1.2"], 2, f * 4.25, "vectorised multi_student_t_cholesky_rng");
  expect_mean(d["ts.2.2"], 4, f * 4.25, "vectorised multi_student_t_cholesky_rng");
  for (int n = 1; n <= 3; ++n) {
    expect_mean(d["mn." + std::to_string(n) + ".1"], 2 * n - 1, 1, "vectorised multi_normal_rng");
    expect_mean(d["mn." + std::to_string(n) + ".2"], 2 * n, 2, "vectorised multi_normal_rng");
  }
  expect_mean(d["mnc.1.1"], -1, 1, "vectorised multi_normal_cholesky_rng");
  expect_mean(d["mnc.2.1"], 1, 1, "vectorised multi_normal_cholesky_rng");
  expect_mean(d["mt.1.1"], -1, f, "vectorised multi_student_t_rng");
  expect_mean(d["mt.2.2"], 0, 2 * f, "vectorised multi_student_t_rng");
}

// The message of the failed check of `decl` in generated quantities. Its
// arguments are data: compiling reports the failure when the check is hoisted
// to the data-binding step, running the generated quantities otherwise.
std::string draw_error(const std::string& decl) {
  const std::string source =
      "parameters {\n  real a;\n}\nmodel {\n  a ~ normal(0, 1);\n}\ngenerated quantities {\n  " + decl + ";\n}\n";
  tools::CheckedModel m = tools::check_model_source("rng_errors", source);
  if (!m.ast) return m.diagnostics.str();
  Expected<runtime::DataSet> data = runtime::read_stan_json("{}", "d.json", tools::data_declarations(*m.ast));
  if (!data) return data.error();
  Expected<tools::CompiledModel> compiled = tools::compile_model(*m.ast, *data, ir::PipelineSettings{});
  std::string text;
  if (compiled) {
    const runtime::Model& model = *compiled->model;
    std::vector<double> values(model.output_names().size());
    Rng rng(1);
    const double theta[] = {0.0};
    runtime::EvalError error = 0;
    model.constrain(theta, rng, values.data(), &error);
    if (!error) return "no error";
    text = model.describe_error(error);
  } else {
    const std::string suffix = "; it depends on the data alone, so it fails at every value of the parameters";
    text = compiled.error();
    EXPECT_TRUE(text.ends_with(suffix)) << text;
    text = text.substr(0, text.size() - suffix.size());
  }
  // "rng_errors:8:COL: message"
  const std::string prefix = "rng_errors:8:";
  EXPECT_EQ(text.substr(0, prefix.size()), prefix) << text;
  return text.substr(text.find(": ") + 2);
}

// A draw whose argument depends on the parameters fails when the generated
// quantities run, with the call's place.
TEST(MultivariateRng, AnArgumentErrorAtRunTime) {
  auto m = compile_draws("rng_runtime_error", "  matrix[2, 2] W = wishart_rng(a + 1, [[1, 0], [0, 1]]);\n");
  ASSERT_TRUE(m);
  std::vector<double> values(m->model().output_names().size());
  Rng rng(1);
  const double theta[] = {0.0};
  runtime::EvalError error = 0;
  m->model().constrain(theta, rng, values.data(), &error);
  ASSERT_NE(error, 0);
  EXPECT_EQ(
      m->model().describe_error(error),
      "rng_runtime_error:8:20: wishart_rng: Degrees of freedom parameter must be greater than the dimension minus 1");
  error = 0;
  const double more[] = {0.5};
  m->model().constrain(more, rng, values.data(), &error);
  EXPECT_EQ(error, 0);
}

TEST(MultivariateRng, ArgumentErrors) {
  EXPECT_EQ(draw_error("array[2] int y = multinomial_rng([0.5, 0.6]', 3)"),
            "multinomial_rng: probabilities is not a valid simplex");
  EXPECT_EQ(draw_error("array[2] int y = multinomial_rng([0.5, 0.5]', -1)"),
            "multinomial_rng: Number of trials variable must be non-negative");
  EXPECT_EQ(draw_error("array[2] int y = multinomial_logit_rng([0.5, positive_infinity()]', 3)"),
            "multinomial_logit_rng: Log-probabilities parameter must be finite");
  EXPECT_EQ(draw_error("array[2] int y = multinomial_logit_rng([0.5, 0.5]', -2)"),
            "multinomial_logit_rng: Number of trials variable must be non-negative");
  EXPECT_EQ(draw_error("matrix[2, 2] L = lkj_corr_cholesky_rng(2, 0)"),
            "lkj_corr_cholesky_rng: Shape parameter must be positive");
  EXPECT_EQ(draw_error("matrix[2, 2] L = lkj_corr_rng(2, -1)"), "lkj_corr_rng: Shape parameter must be positive");
  EXPECT_EQ(draw_error("matrix[2, 2] L = lkj_corr_rng(-1, 2)"), "lkj_corr_rng: Dimension K must be non-negative");
  EXPECT_EQ(draw_error("matrix[2, 2] W = wishart_rng(0.9, [[1, 0], [0, 1]])"),
            "wishart_rng: Degrees of freedom parameter must be greater than the dimension minus 1");
  EXPECT_EQ(draw_error("matrix[2, 2] W = wishart_rng(3, [[1, 0.5], [0, 1]])"),
            "wishart_rng: Matrix Sigma is not symmetric");
  EXPECT_EQ(draw_error("matrix[2, 2] W = wishart_rng(3, [[1, 2], [2, 1]])"),
            "wishart_rng: Matrix Sigma is not positive definite");
  EXPECT_EQ(draw_error("matrix[2, 3] W = wishart_rng(3, [[1, 0, 0], [0, 1, 0]])"),
            "wishart_rng: Matrix Sigma is not square");
  EXPECT_EQ(draw_error("matrix[2, 2] W = inv_wishart_rng(1, [[1, 0], [0, 1]])"),
            "inv_wishart_rng: Degrees of freedom parameter must be greater than the dimension minus 1");
  EXPECT_EQ(draw_error("matrix[2, 2] W = inv_wishart_rng(3, [[1, 2], [2, 1]])"),
            "inv_wishart_rng: Matrix Sigma is not positive definite");
  EXPECT_EQ(draw_error("matrix[2, 2] W = wishart_cholesky_rng(1, [[1, 0], [0, 1]])"),
            "wishart_cholesky_rng: Degrees of freedom parameter must be greater than the dimension minus 1");
  EXPECT_EQ(draw_error("matrix[2, 2] W = wishart_cholesky_rng(3, [[1, 0.5], [0, 1]])"),
            "wishart_cholesky_rng: Matrix L_S is not lower triangular");
  EXPECT_EQ(draw_error("matrix[2, 2] W = inv_wishart_cholesky_rng(3, [[1, 0], [0.5, 0]])"),
            "inv_wishart_cholesky_rng: Matrix L_S has a diagonal element that is not positive");
  EXPECT_EQ(draw_error("vector[2] t = multi_student_t_cholesky_rng(0, [0, 0]', [[1, 0], [0, 1]])"),
            "multi_student_t_cholesky_rng: Degrees of freedom parameter must be positive");
  EXPECT_EQ(draw_error("vector[2] t = multi_student_t_cholesky_rng(3, [0, not_a_number()]', [[1, 0], [0, 1]])"),
            "multi_student_t_cholesky_rng: Location parameter must be finite");
  EXPECT_EQ(draw_error("vector[2] t = multi_student_t_cholesky_rng(3, [0, 0, 0]', [[1, 0], [0, 1]])"),
            "multi_student_t_cholesky_rng: the sizes of mu and the scale matrix differ");
  EXPECT_EQ(draw_error("vector[2] t = multi_normal_rng([0, 0]', [[1, 2], [2, 1]])"),
            "multi_normal_rng: Matrix Sigma is not positive definite");
}

// The densities that came with the draws: multinomial_logit against its
// formula; multi_student_t_cholesky against multi_student_t at L L';
// wishart_cholesky and inv_wishart_cholesky against wishart and inv_wishart
// at L L' plus the log Jacobian of the Cholesky factor, K log 2 +
// sum_k (K - k + 1) log L_kk; gradients against finite differences.
TEST(MultivariateRng, TheDensitiesOfTheCholeskyAndLogitForms) {
  auto m = testing_util::compile_source("cholesky_densities", R"(data {
  array[3] int y;
  array[2] vector[2] obs;
}
parameters {
  vector[3] gamma;
  cholesky_factor_cov[2] L_W;
  cholesky_factor_cov[2] L_S;
  real<lower=1> nu;
  vector[2] mu;
}
model {
  y ~ multinomial_logit(gamma);
  L_W ~ wishart_cholesky(nu + 1, L_S);
  target += inv_wishart_cholesky_lpdf(L_S | nu + 2, [[1, 0], [0.3, 1.2]]);
  obs ~ multi_student_t_cholesky(nu, mu, L_S);
  gamma ~ normal(0, 1);
  mu ~ normal(0, 1);
  nu ~ gamma(2, 0.1);
}
generated quantities {
  matrix[2, 2] LS = [[1.5, 0], [0.4, 0.8]];
  matrix[2, 2] LW = [[1.2, 0], [-0.3, 0.7]];
  real ml = multinomial_logit_lpmf(y | [0.3, -1, 2]');
  real mlm = multinomial_lpmf(y | softmax([0.3, -1, 2]'));
  real mst = multi_student_t_cholesky_lpdf(obs | 4.5, [0.3, 0.5]', LS);
  real mst_full = multi_student_t_lpdf(obs | 4.5, [0.3, 0.5]', multiply_lower_tri_self_transpose(LS));
  real wc = wishart_cholesky_lpdf(LW | 3.5, LS);
  real w = wishart_lpdf(multiply_lower_tri_self_transpose(LW) | 3.5, multiply_lower_tri_self_transpose(LS));
  real iwc = inv_wishart_cholesky_lpdf(LW | 3.5, LS);
  real iw = inv_wishart_lpdf(multiply_lower_tri_self_transpose(LW) | 3.5, multiply_lower_tri_self_transpose(LS));
  real log_jacobian = 2 * log(2) + 2 * log(LW[1, 1]) + log(LW[2, 2]);
}
)",
                                        R"({"y": [2, 0, 5], "obs": [[0.5, -0.2], [1, 2]]})");
  ASSERT_TRUE(m);
  std::map<std::string, double> out = testing_util::constrained_outputs(m->model(), std::vector<double>(12, 0.1));
  // 7! / (2! 0! 5!) theta_1^2 theta_3^5 with theta = softmax(0.3, -1, 2).
  const double lse = std::log(std::exp(0.3) + std::exp(-1.0) + std::exp(2.0));
  EXPECT_NEAR(out.at("ml"), std::log(21.0) + 2 * (0.3 - lse) + 5 * (2 - lse), 1e-12);
  EXPECT_NEAR(out.at("ml"), out.at("mlm"), 1e-12);
  EXPECT_NEAR(out.at("mst"), out.at("mst_full"), 1e-12);
  EXPECT_NEAR(out.at("wc"), out.at("w") + out.at("log_jacobian"), 1e-12);
  EXPECT_NEAR(out.at("iwc"), out.at("iw") + out.at("log_jacobian"), 1e-12);
  testing_util::expect_gradcheck_passes(m->model(), 3, "cholesky_densities");
}

// Arguments of data alone outside a density's domain: compiling says so.
TEST(MultivariateRng, TheDensitiesDomainErrors) {
  auto check = [](const std::string& call, const std::string& message) {
    tools::CheckedModel m =
        tools::check_model_source("domain", "parameters {\n  real a;\n}\nmodel {\n  target += a + " + call + ";\n}\n");
    ASSERT_TRUE(m.ast) << m.diagnostics.str();
    Expected<runtime::DataSet> data = runtime::read_stan_json("{}", "d.json", tools::data_declarations(*m.ast));
    ASSERT_TRUE(data);
    Expected<tools::CompiledModel> compiled = tools::compile_model(*m.ast, *data, ir::PipelineSettings{});
    ASSERT_FALSE(compiled) << call;
    EXPECT_EQ(compiled.error(), "domain:5:17: " + message +
                                    "; it depends on the data alone, so it fails at every value of the parameters");
  };
  check("multinomial_logit_lpmf({1, 2} | [0.5, not_a_number()]')",
        "multinomial_logit_lpmf: Log-probabilities parameter must be finite");
  check("multinomial_logit_lpmf({1, -2} | [0.5, 0.5]')",
        "multinomial_logit_lpmf: Number of trials variable must be non-negative");
  check("multinomial_logit_lpmf({1, 2, 3} | [0.5, 0.5]')", "multinomial_logit_lpmf: the sizes of the vectors differ");
  check("wishart_cholesky_lpdf([[1, 0], [0, 1]] | 0.5, [[1, 0], [0, 1]])",
        "wishart_cholesky_lpdf: Degrees of freedom parameter must be greater than the dimension minus 1");
  check("wishart_cholesky_lpdf([[1, 0.1], [0, 1]] | 3, [[1, 0], [0, 1]])",
        "wishart_cholesky_lpdf: Matrix L_W is not lower triangular");
  check("inv_wishart_cholesky_lpdf([[1, 0], [0, 1]] | 3, [[1, 0], [0, -1]])",
        "inv_wishart_cholesky_lpdf: Matrix L_S has a diagonal element that is not positive");
  check("inv_wishart_cholesky_lpdf([[1, 0, 0], [0, 1, 0]] | 3, [[1, 0], [0, 1]])",
        "inv_wishart_cholesky_lpdf: Matrix L_W is not square");
  check("wishart_cholesky_lpdf([[1, 0, 0], [0, 1, 0], [0, 0, 1]] | 3, [[1, 0], [0, 1]])",
        "wishart_cholesky_lpdf: the sizes of L_W and L_S differ");
  check("multi_student_t_cholesky_lpdf([1, 2]' | -1, [0, 0]', [[1, 0], [0, 1]])",
        "multi_student_t_cholesky_lpdf: Degrees of freedom parameter must be positive");
}

}  // namespace
}  // namespace vic
