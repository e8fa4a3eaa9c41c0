// The distributions of whole vectors: dirichlet, categorical,
// categorical_logit, multi_normal and multi_normal_cholesky. Their log
// densities (vectorised over arrays of vectors) against the formulas written
// out, gradients against finite differences, domain errors, and the means of
// their _rng draws.
#include <gtest/gtest.h>

#include <cmath>

#include "test_util.h"

namespace vic {
namespace {

const double kLog2Pi = std::log(2 * std::acos(-1.0));

double dirichlet_lpdf(const std::vector<double>& theta, const std::vector<double>& alpha) {
  double a0 = 0, lp = 0;
  for (size_t k = 0; k < theta.size(); ++k) {
    a0 += alpha[k];
    lp += (alpha[k] - 1) * std::log(theta[k]) - std::lgamma(alpha[k]);
  }
  return lp + std::lgamma(a0);
}

// Bivariate normal with covariance [s11 s12; s12 s22].
double mvn2(double y1, double y2, double m1, double m2, double s11, double s12, double s22) {
  const double det = s11 * s22 - s12 * s12;
  const double d1 = y1 - m1, d2 = y2 - m2;
  const double q = (s22 * d1 * d1 - 2 * s12 * d1 * d2 + s11 * d2 * d2) / det;
  return -kLog2Pi - 0.5 * std::log(det) - 0.5 * q;
}

TEST(Multivariate, DensitiesAgainstTheirFormulas) {
  auto m = testing_util::compile_source("multivariate", R"(data {
  array[3] int y;
  vector[3] alpha;
  array[2] vector[3] thetas;
  array[2] vector[2] obs;
  matrix[2, 2] S;
}
parameters {
  real a;
}
model {
  target += a;
}
generated quantities {
  real dir = dirichlet_lpdf(thetas[1] | alpha);
  real dir2 = dirichlet_lpdf(thetas | alpha);
  real cat = categorical_lpmf(y | thetas[2]);
  real cat1 = categorical_lpmf(2 | thetas[2]);
  real catl = categorical_logit_lpmf(y | alpha);
  real mn = multi_normal_lpdf(obs | [a, 0.5]', S);
  real mnc = multi_normal_cholesky_lpdf(obs[2] | [a, 0.5]', cholesky_decompose(S));
}
)",
                                        R"({"y": [1, 3, 3], "alpha": [1.5, 2, 3],
      "thetas": [[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]], "obs": [[0.5, -0.2], [1, 2]], "S": [[2, 0.6], [0.6, 1]]})");
  ASSERT_TRUE(m);
  const double a = 0.3;
  std::map<std::string, double> out = testing_util::constrained_outputs(m->model(), {a});
  const std::vector<double> alpha = {1.5, 2, 3}, t1 = {0.2, 0.3, 0.5}, t2 = {0.6, 0.3, 0.1};
  EXPECT_NEAR(out.at("dir"), dirichlet_lpdf(t1, alpha), 1e-12);
  EXPECT_NEAR(out.at("dir2"), dirichlet_lpdf(t1, alpha) + dirichlet_lpdf(t2, alpha), 1e-12);
  EXPECT_NEAR(out.at("cat"), std::log(0.6) + 2 * std::log(0.1), 1e-12);
  EXPECT_NEAR(out.at("cat1"), std::log(0.3), 1e-12);
  const double lse = std::log(std::exp(1.5) + std::exp(2.0) + std::exp(3.0));
  EXPECT_NEAR(out.at("catl"), (1.5 - lse) + 2 * (3 - lse), 1e-12);
  EXPECT_NEAR(out.at("mn"), mvn2(0.5, -0.2, a, 0.5, 2, 0.6, 1) + mvn2(1, 2, a, 0.5, 2, 0.6, 1), 1e-12);
  EXPECT_NEAR(out.at("mnc"), mvn2(1, 2, a, 0.5, 2, 0.6, 1), 1e-12);
}

TEST(Multivariate, GradientsAgainstFiniteDifferences) {
  auto m = testing_util::compile_source("multivariate_gradients", R"(data {
  array[3] int y;
  array[2] vector[2] obs;
}
parameters {
  simplex[3] theta;
  array[2] simplex[3] th2;
  vector<lower=0>[3] alpha;
  vector[3] beta;
  vector[2] mu;
  cov_matrix[2] S;
  cholesky_factor_corr[2] L;
}
model {
  th2 ~ dirichlet(alpha);
  theta ~ dirichlet(alpha);
  y ~ categorical(theta);
  y ~ categorical_logit(beta);
  obs ~ multi_normal(mu, S);
  obs ~ multi_normal_cholesky(mu, L);
  to_vector(S) ~ normal(0, 3);
  alpha ~ exponential(1);
}
)",
                                        R"({"y": [1, 3, 3], "obs": [[0.5, -0.2], [1, 2]]})");
  ASSERT_TRUE(m);
  testing_util::expect_gradcheck_passes(m->model(), 3, "multivariate_gradients");
}

// Arguments of data alone that break a density's domain fail at every point:
// compiling says so, with the call's place.
TEST(Multivariate, DomainErrorsAreReported) {
  auto check = [](const std::string& call, const std::string& message) {
    tools::CheckedModel m = tools::check_model_source(
        "domain", "parameters {\n  real a;\n}\nmodel {\n  target += a + " + call + ";\n}\n");
    ASSERT_TRUE(m.ast) << m.diagnostics.str();
    Expected<runtime::DataSet> data = runtime::read_stan_json("{}", "d.json", tools::data_declarations(*m.ast));
    ASSERT_TRUE(data);
    Expected<tools::CompiledModel> compiled = tools::compile_model(*m.ast, *data, ir::PipelineSettings{});
    ASSERT_FALSE(compiled) << call;
    EXPECT_EQ(compiled.error(), "domain:5:17: " + message +
                                    "; it depends on the data alone, so it fails at every value of the parameters");
  };
  check("dirichlet_lpdf([0.5, 0.6]' | [1, 1]')", "dirichlet_lpdf: probabilities is not a valid simplex");
  check("dirichlet_lpdf([0.5, 0.5]' | [1, -1]')", "dirichlet_lpdf: prior sample sizes must be positive");
  check("categorical_lpmf(3 | [0.5, 0.5]')", "categorical_lpmf: the outcome is not between 1 and the number of categories");
  check("multi_normal_lpdf([1, 2]' | [0, 0]', [[1, 2], [2, 1]])", "cholesky_decompose: Matrix m is not positive definite");
  check("poisson_binomial_lpmf(3 | [0.5, 0.5]')",
        "poisson_binomial_lpmf: Successes variable must be between 0 and the size of theta");
  check("poisson_binomial_lpmf({1, -1} | [0.5, 0.5]')",
        "poisson_binomial_lpmf: Successes variable must be between 0 and the size of theta");
  check("poisson_binomial_lpmf(1 | [0.5, 1.5]')", "poisson_binomial_lpmf: Probability parameters must be in [0, 1]");
  check("poisson_binomial_lpmf(1 | [0.5, not_a_number()]')",
        "poisson_binomial_lpmf: Probability parameters must be in [0, 1]");
}

// P(k successes) for theta = (0.2, 0.5, 0.7), written out: 0.12, 0.43, 0.38,
// 0.07; vectorised over outcomes; theta of 0s and 1s (a point mass); the
// gradient in theta; the draws' mean sum(theta).
TEST(Multivariate, PoissonBinomial) {
  auto m = testing_util::compile_source("poisson_binomial", R"(data {
  vector[3] theta;
  array[4] int ks;
}
parameters {
  real a;
}
model {
  a ~ normal(0, 1);
}
generated quantities {
  real p0 = poisson_binomial_lpmf(0 | theta);
  real p1 = poisson_binomial_lpmf(1 | theta);
  real p2 = poisson_binomial_lpmf(2 | theta);
  real p3 = poisson_binomial_lpmf(3 | theta);
  real all = poisson_binomial_lpmf(ks | theta);
  real certain = poisson_binomial_lpmf(2 | [1, 0, 1]');
  real impossible = poisson_binomial_lpmf(1 | [1, 0, 1]');
  real none = poisson_binomial_lpmf(0 | rep_vector(0.5, 0));
  int draw = poisson_binomial_rng(theta);
}
)",
                                        R"({"theta": [0.2, 0.5, 0.7], "ks": [0, 1, 2, 3]})");
  ASSERT_TRUE(m);
  std::map<std::string, double> o = testing_util::constrained_outputs(m->model(), {0.0});
  EXPECT_NEAR(o["p0"], std::log(0.12), 1e-14);
  EXPECT_NEAR(o["p1"], std::log(0.43), 1e-14);
  EXPECT_NEAR(o["p2"], std::log(0.38), 1e-14);
  EXPECT_NEAR(o["p3"], std::log(0.07), 1e-14);
  EXPECT_NEAR(o["all"], std::log(0.12 * 0.43 * 0.38 * 0.07), 1e-13);
  EXPECT_EQ(o["certain"], 0);
  EXPECT_EQ(o["impossible"], -HUGE_VAL);
  EXPECT_EQ(o["none"], 0);

  Rng rng(5);
  std::vector<double> out(m->model().output_names().size());
  const double x = 0;
  double sum = 0;
  const int n = 4000;
  for (int i = 0; i < n; ++i) {
    runtime::EvalError e = 0;
    m->model().constrain(&x, rng, out.data(), &e);
    ASSERT_EQ(e, 0);
    sum += out.back();
  }
  // Mean 1.4, variance sum theta (1 - theta) = 0.16 + 0.25 + 0.21.
  EXPECT_NEAR(sum / n, 1.4, 5 * std::sqrt(0.62 / n));

  auto g = testing_util::compile_source("poisson_binomial_gradient", R"(data {
  array[3] int ks;
}
parameters {
  vector<lower=0, upper=1>[4] theta;
}
model {
  ks ~ poisson_binomial(theta);
  target += poisson_binomial_lpmf(4 | theta) + poisson_binomial_lpmf(0 | theta);
}
)",
                                        R"({"ks": [1, 2, 2]})");
  ASSERT_TRUE(g);
  testing_util::expect_gradcheck_passes(g->model(), 5, "poisson_binomial");
}

TEST(Multivariate, DrawsHaveTheRightMeans) {
  auto m = testing_util::compile_source("multivariate_rng", R"(parameters {
  real a;
}
model {
  a ~ normal(0, 1);
}
generated quantities {
  int c = categorical_rng([0.2, 0.5, 0.3]');
  int cl = categorical_logit_rng(log([0.2, 0.5, 0.3]'));
  vector[3] d = dirichlet_rng([1, 2, 5]');
  vector[2] mn = multi_normal_rng([1, -2]', [[2, 0.5], [0.5, 1]]);
}
)",
                                        "{}");
  ASSERT_TRUE(m);
  const runtime::Model& model = m->model();
  const int draws = 20000;
  std::map<std::string, double> sums;
  std::vector<double> out(model.output_names().size());
  Rng rng(7);
  const double theta[] = {0.0};
  for (int i = 0; i < draws; ++i) {
    runtime::EvalError error = 0;
    model.constrain(theta, rng, out.data(), &error);
    ASSERT_EQ(error, 0);
    for (size_t k = 0; k < out.size(); ++k) sums[model.output_names()[k]] += out[k] / draws;
  }
  EXPECT_NEAR(sums["c"], 0.2 + 1.0 + 0.9, 0.03);
  EXPECT_NEAR(sums["cl"], 2.1, 0.03);
  EXPECT_NEAR(sums["d.1"], 1.0 / 8, 0.01);
  EXPECT_NEAR(sums["d.3"], 5.0 / 8, 0.01);
  EXPECT_NEAR(sums["mn.1"], 1, 0.04);
  EXPECT_NEAR(sums["mn.2"], -2, 0.03);
}

// lkj_corr_cholesky on 2 x 2 factors, whose free value u gives the
// correlation tanh(u): exp(lp) (with the transform's Jacobian) integrates to 1
// over u, for eta = 1 (Stan's own constant) and eta = 2.5 (the general one);
// under `~` the constant of a data eta is dropped.
TEST(Multivariate, LkjCorrCholeskyIsNormalised) {
  for (double eta : {1.0, 2.5}) {
    auto m = testing_util::compile_source("lkj", R"(data {
  real eta;
}
parameters {
  cholesky_factor_corr[2] L;
}
model {
  target += lkj_corr_cholesky_lpdf(L | eta);
}
)",
                                          "{\"eta\": " + std::to_string(eta) + "}");
    ASSERT_TRUE(m);
    double integral = 0;
    const double h = 1e-3;
    for (double u = -15; u <= 15; u += h) {
      runtime::EvalError error = 0;
      const double lp = m->model().lp(&u, &error);
      ASSERT_EQ(error, 0);
      integral += std::exp(lp) * h;
    }
    EXPECT_NEAR(integral, 1.0, 1e-6) << "eta " << eta;
  }
  auto tilde = testing_util::compile_source("lkj_tilde", R"(parameters {
  cholesky_factor_corr[3] L;
}
model {
  L ~ lkj_corr_cholesky(2);
}
)",
                                            "{}");
  ASSERT_TRUE(tilde);
  testing_util::expect_gradcheck_passes(tilde->model(), 3, "lkj_tilde");
}

// ordered_logistic and ordered_probit against the differences of their CDFs,
// vectorised over outcomes and linear predictors; gradients; draws' frequencies.
TEST(Multivariate, OrderedLogisticAndProbit) {
  auto m = testing_util::compile_source("ordered", R"(data {
  array[4] int y;
  vector[4] eta;
}
parameters {
  ordered[3] c;
  real a;
}
model {
  y ~ ordered_logistic(eta * a, c);
  // The probit's at cut points far apart would be a small difference of two
  // values near 1, where finite differences lose the digits: fixed ones here.
  y ~ ordered_probit(eta * a, [-1, 0.5, 2]');
  a ~ normal(0, 1);
}
generated quantities {
  real lo = ordered_logistic_lpmf(y | eta, [-1, 0.5, 2]');
  real pr = ordered_probit_lpmf(y | eta, [-1, 0.5, 2]');
  int draw = ordered_logistic_rng(0.3, [-1, 0.5, 2]');
}
)",
                                        R"({"y": [1, 2, 3, 4], "eta": [0.2, -0.4, 1.1, 0.7]})");
  ASSERT_TRUE(m);
  std::map<std::string, double> out = testing_util::constrained_outputs(m->model(), {0.1, 0.2, 0.3, 0.4});
  const std::vector<double> c = {-1, 0.5, 2}, eta = {0.2, -0.4, 1.1, 0.7};
  auto logistic = [](double x) { return 1 / (1 + std::exp(-x)); };
  auto normal = [](double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); };
  auto lp = [&](const std::function<double(double)>& cdf) {
    double total = 0;
    for (int i = 0; i < 4; ++i) {
      const double upper = i < 3 ? cdf(c[static_cast<size_t>(i)] - eta[static_cast<size_t>(i)]) : 1.0;
      const double lower = i > 0 ? cdf(c[static_cast<size_t>(i - 1)] - eta[static_cast<size_t>(i)]) : 0.0;
      total += std::log(upper - lower);
    }
    return total;
  };
  EXPECT_NEAR(out.at("lo"), lp(logistic), 1e-12);
  EXPECT_NEAR(out.at("pr"), lp(normal), 1e-12);
  testing_util::expect_gradcheck_passes(m->model(), 3, "ordered");
  // Draws: the frequency of category 2 is F(0.5 - 0.3) - F(-1 - 0.3).
  std::vector<double> values(m->model().output_names().size());
  Rng rng(4);
  const std::vector<double> theta = {0.1, 0.2, 0.3, 0.4};
  int twos = 0;
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    runtime::EvalError error = 0;
    m->model().constrain(theta.data(), rng, values.data(), &error);
    ASSERT_EQ(error, 0);
    twos += values.back() == 2;
  }
  EXPECT_NEAR(double(twos) / n, logistic(0.2) - logistic(-1.3), 0.01);
}

// multinomial and multi_student_t against their formulas; gradients; the
// Student-t draws' mean.
TEST(Multivariate, MultinomialAndMultiStudentT) {
  auto m = testing_util::compile_source("multinomial_student", R"(data {
  array[3] int y;
  array[2] vector[2] obs;
}
parameters {
  simplex[3] theta;
  vector[2] mu;
  real<lower=1> nu;
}
model {
  y ~ multinomial(theta);
  obs ~ multi_student_t(nu, mu, [[2, 0.6], [0.6, 1]]);
  nu ~ gamma(2, 0.1);
}
generated quantities {
  real mn = multinomial_lpmf(y | [0.2, 0.5, 0.3]');
  real mst = multi_student_t_lpdf(obs[2] | 4.5, [0.3, 0.5]', [[2, 0.6], [0.6, 1]]);
  vector[2] draw = multi_student_t_rng(5, [1, -2]', [[2, 0.6], [0.6, 1]]);
}
)",
                                        R"({"y": [2, 0, 5], "obs": [[0.5, -0.2], [1, 2]]})");
  ASSERT_TRUE(m);
  std::map<std::string, double> out = testing_util::constrained_outputs(m->model(), {0.1, -0.2, 0.3, 0.4, 0.5});
  // 7! / (2! 0! 5!) 0.2^2 0.3^5
  EXPECT_NEAR(out.at("mn"), std::log(21.0 * 0.04 * std::pow(0.3, 5)), 1e-12);
  // Bivariate t: Gamma((nu + 2) / 2) / (Gamma(nu / 2) nu pi sqrt(det)) (1 + q / nu)^(-(nu + 2) / 2).
  const double nu = 4.5, det = 2 - 0.36, d1 = 1 - 0.3, d2 = 2 - 0.5;
  const double q = (1 * d1 * d1 - 2 * 0.6 * d1 * d2 + 2 * d2 * d2) / det;
  const double expected = std::lgamma((nu + 2) / 2) - std::lgamma(nu / 2) - std::log(nu * std::acos(-1.0)) -
                          0.5 * std::log(det) - (nu + 2) / 2 * std::log1p(q / nu);
  EXPECT_NEAR(out.at("mst"), expected, 1e-12);
  testing_util::expect_gradcheck_passes(m->model(), 3, "multinomial_student");
  std::vector<double> values(m->model().output_names().size());
  Rng rng(6);
  const std::vector<double> theta = {0.1, -0.2, 0.3, 0.4, 0.5};
  double first = 0;
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    runtime::EvalError error = 0;
    m->model().constrain(theta.data(), rng, values.data(), &error);
    ASSERT_EQ(error, 0);
    first += values[values.size() - 2] / n;
  }
  EXPECT_NEAR(first, 1.0, 0.05);
}

// wishart and inv_wishart against their 2 x 2 formulas, lkj_corr against its
// K = 2 normalisation (the integral of (1 - r^2)^(eta - 1) is 2^(2 eta - 1) B(eta, eta));
// gradients with respect to a covariance parameter.
TEST(Multivariate, WishartInverseWishartAndLkjCorr) {
  auto m = testing_util::compile_source("wishart", R"(parameters {
  cov_matrix[2] W;
  real<lower=0> eta;
}
model {
  W ~ wishart(4, [[2, 0.5], [0.5, 1]]);
  target += inv_wishart_lpdf(W | 5, [[1, 0.2], [0.2, 2]]);
  target += lkj_corr_lpdf([[1, 0.3], [0.3, 1]] | eta);
  eta ~ exponential(1);
}
generated quantities {
  real w = wishart_lpdf([[1.5, 0.4], [0.4, 0.8]] | 4, [[2, 0.5], [0.5, 1]]);
  real iw = inv_wishart_lpdf([[1.5, 0.4], [0.4, 0.8]] | 5, [[1, 0.2], [0.2, 2]]);
  real lkj = lkj_corr_lpdf([[1, 0.3], [0.3, 1]] | 2.5);
}
)",
                                        "{}");
  ASSERT_TRUE(m);
  std::map<std::string, double> out = testing_util::constrained_outputs(m->model(), {0.1, 0.2, 0.3, 0.4});
  const double log_pi = std::log(std::acos(-1.0));
  auto lmgamma2 = [&](double x) { return 0.5 * log_pi + std::lgamma(x) + std::lgamma(x - 0.5); };
  auto det = [](double a, double b, double d) { return a * d - b * b; };
  // tr(A^-1 B) for symmetric 2 x 2 A = [a b; b d], B = [p q; q r].
  auto trace_inv = [&](double a, double b, double d, double p, double q, double r) {
    return (d * p - 2 * b * q + a * r) / det(a, b, d);
  };
  const double dw = det(1.5, 0.4, 0.8);
  const double wishart = (4 - 3) / 2.0 * std::log(dw) - 0.5 * trace_inv(2, 0.5, 1, 1.5, 0.4, 0.8) -
                         4 * std::log(2.0) - 2 * std::log(det(2, 0.5, 1)) - lmgamma2(2);
  EXPECT_NEAR(out.at("w"), wishart, 1e-12);
  const double inv_wishart = -(5 + 3) / 2.0 * std::log(dw) - 0.5 * trace_inv(1.5, 0.4, 0.8, 1, 0.2, 2) -
                             5 * std::log(2.0) + 2.5 * std::log(det(1, 0.2, 2)) - lmgamma2(2.5);
  EXPECT_NEAR(out.at("iw"), inv_wishart, 1e-12);
  const double eta = 2.5;
  const double lkj = (eta - 1) * std::log(1 - 0.09) -
                     ((2 * eta - 1) * std::log(2.0) + 2 * std::lgamma(eta) - std::lgamma(2 * eta));
  EXPECT_NEAR(out.at("lkj"), lkj, 1e-12);
  testing_util::expect_gradcheck_passes(m->model(), 3, "wishart");
}

}  // namespace
}  // namespace vic
