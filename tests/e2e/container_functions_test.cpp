// The container functions of Stan's library added for the posteriordb models
// (min, prod, dot_self, rep_matrix, rep_row_vector, cumulative_sum, softmax,
// log_softmax, append_col, gp_exp_quad_cov, log_inv_logit, log1m_inv_logit, one_hot_vector,
// elementwise functions of matrices), matrix and array literals of containers,
// and the GLM distributions: values (as generated quantities) against the
// closed forms, and gradients against finite differences.
#include <gtest/gtest.h>

#include <cmath>

#include "test_util.h"

namespace vic {
namespace {

double log1p_exp(double x) { return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x)); }

TEST(ContainerFunctions, ValuesAgainstClosedForms) {
  auto m = testing_util::compile_source("container_functions", R"(data {
  vector[3] v;
  array[3] real xs;
}
parameters {
  real a;
}
model {
  a ~ normal(0, 1);
}
generated quantities {
  real mn = min(v);
  real pr = prod(v);
  int ipr = prod({2, 3, 4});
  real ds = dot_self(v);
  matrix[2, 3] rm = rep_matrix(a, 2, 3);
  matrix[3, 2] rc = rep_matrix(v, 2);
  matrix[2, 3] rr = rep_matrix(v', 2);
  row_vector[2] rv = rep_row_vector(a, 2);
  vector[3] cs = cumulative_sum(v);
  vector[3] sm = softmax(v);
  vector[3] lsm = log_softmax(v);
  matrix[3, 3] ac = append_col(v, rc);
  matrix[3, 3] k = gp_exp_quad_cov(xs, 2.0, 0.5);
  real li = log_inv_logit(a);
  real l1 = log1m_inv_logit(a);
  matrix[3, 2] ex = exp(rc);
  matrix[2, 3] lit = [v', 2 * v'];
  array[2] vector[3] arr = {v, -v};
  vector[4] oh = one_hot_vector(4, 3);
}
)",
                                        R"({"v": [0.5, -1.5, 2.0], "xs": [0.0, 0.25, 1.0]})");
  ASSERT_TRUE(m);
  const double a = 0.7;
  std::map<std::string, double> out = testing_util::constrained_outputs(m->model(), {a});
  const double v[] = {0.5, -1.5, 2.0};
  const double xs[] = {0.0, 0.25, 1.0};
  EXPECT_EQ(out.at("mn"), -1.5);
  EXPECT_NEAR(out.at("pr"), -1.5, 1e-15);
  EXPECT_EQ(out.at("ipr"), 24);
  EXPECT_NEAR(out.at("ds"), 6.5, 1e-15);
  EXPECT_EQ(out.at("rm.2.3"), a);
  EXPECT_EQ(out.at("rc.3.2"), 2.0);
  EXPECT_EQ(out.at("rc.2.1"), -1.5);
  EXPECT_EQ(out.at("rr.2.3"), 2.0);
  EXPECT_EQ(out.at("rr.1.2"), -1.5);
  EXPECT_EQ(out.at("rv.2"), a);
  EXPECT_NEAR(out.at("cs.3"), 1.0, 1e-15);
  EXPECT_NEAR(out.at("cs.2"), -1.0, 1e-15);
  double z = 0;
  for (double x : v) z += std::exp(x);
  for (int i = 0; i < 3; ++i) {
    const std::string k = "." + std::to_string(i + 1);
    EXPECT_NEAR(out.at("sm" + k), std::exp(v[i]) / z, 1e-15);
    EXPECT_NEAR(out.at("lsm" + k), v[i] - std::log(z), 1e-14);
    EXPECT_EQ(out.at("ac" + k + ".1"), v[i]);
    EXPECT_EQ(out.at("ac" + k + ".2"), v[i]);
    EXPECT_EQ(out.at("lit.1" + k), v[i]);
    EXPECT_EQ(out.at("lit.2" + k), 2 * v[i]);
    EXPECT_EQ(out.at("arr.2" + k), -v[i]);
    EXPECT_NEAR(out.at("ex" + k + ".1"), std::exp(v[i]), 1e-14);
    for (int j = 0; j < 3; ++j) {
      const double d = xs[i] - xs[j];
      EXPECT_NEAR(out.at("k" + k + "." + std::to_string(j + 1)), 4.0 * std::exp(-d * d / (2 * 0.25)), 1e-14);
    }
  }
  for (int i = 1; i <= 4; ++i) EXPECT_EQ(out.at("oh." + std::to_string(i)), i == 3 ? 1.0 : 0.0);
  EXPECT_NEAR(out.at("li"), -log1p_exp(-a), 1e-15);
  EXPECT_NEAR(out.at("l1"), -log1p_exp(a), 1e-15);
}

// The same functions of parameters, in a density: finite differences agree
// with the gradient.
TEST(ContainerFunctions, GradientsAgainstFiniteDifferences) {
  auto m = testing_util::compile_source("container_gradients", R"(data {
  array[3] real xs;
}
parameters {
  vector[3] v;
  real<lower=0> rho;
}
model {
  matrix[3, 3] k = gp_exp_quad_cov(xs, 1.5, rho);
  target += min(v) + prod(v) + dot_self(v) + sum(rep_matrix(v, 2)) + sum(rep_matrix(v', 2) .* rep_matrix(rho, 2, 3));
  target += sum(cumulative_sum(v) .* v) + softmax(v)[2] + log_softmax(v)[3] + sum(append_col(v, exp(v)));
  target += sum(k) + sum(log_inv_logit(v)) + sum(log1m_inv_logit(v)) + sum([v', 2 * v']) + rep_row_vector(rho, 3) * v;
  v ~ normal(0, 2);
}
)",
                                        R"({"xs": [0.0, 0.25, 1.0]})");
  ASSERT_TRUE(m);
  testing_util::expect_gradcheck_passes(m->model(), 5, "container_gradients");
}

// bernoulli_logit_glm, poisson_log_glm, normal_id_glm and
// neg_binomial_2_log_glm against their base distributions at alpha + x * beta.
TEST(ContainerFunctions, GlmsEqualTheirBaseDistributions) {
  auto m = testing_util::compile_source("glms", R"(data {
  int N;
  matrix[N, 2] x;
  array[N] int k;
  vector[N] y;
}
parameters {
  real alpha;
  vector[2] beta;
  vector[N] alphas;
  real<lower=0> sigma;
}
model {
  vector[N] eta = alpha + x * beta;
  target += bernoulli_logit_glm_lpmf(k | x, alpha, beta) - bernoulli_logit_lpmf(k | eta);
  target += poisson_log_glm_lpmf(k | x, alphas, beta) - poisson_log_lpmf(k | alphas + x * beta);
  target += normal_id_glm_lpdf(y | x, alpha, beta, sigma) - normal_lpdf(y | eta, sigma);
  target += neg_binomial_2_log_glm_lpmf(k | x, alpha, beta, sigma) - neg_binomial_2_log_lpmf(k | eta, sigma);
  k ~ poisson_log_glm(x, alpha, beta);
}
)",
                                        R"({"N": 3, "x": [[1, 0.5], [-1, 2], [0.3, 0.3]], "k": [1, 0, 1], "y": [0.2, 1.5, -1]})");
  ASSERT_TRUE(m);
  const double theta[] = {0.2, 0.5, -0.3, 0.1, 0.2, 0.3, -0.4};
  double grad[7];
  runtime::EvalError error = 0;
  const double lp = m->model().lp_grad(theta, grad, &error);
  ASSERT_EQ(error, 0);
  // What is left: k ~ poisson_log(eta) without its constant -lgamma(k + 1) (0 for k = 0, 1), and sigma's Jacobian.
  const double x[3][2] = {{1, 0.5}, {-1, 2}, {0.3, 0.3}};
  const int k[] = {1, 0, 1};
  double expected = theta[6];
  for (int i = 0; i < 3; ++i) {
    const double eta = theta[0] + x[i][0] * theta[1] + x[i][1] * theta[2];
    expected += k[i] * eta - std::exp(eta);
  }
  EXPECT_NEAR(lp, expected, 1e-12);
  testing_util::expect_gradcheck_passes(m->model(), 3, "glms");
}

// min and max of ints, diag_matrix, diag_pre_multiply, diag_post_multiply,
// transpose, sub_col, sub_row, append_row of matrices and reals, append_col of
// row_vectors, gp_exp_quad_cov of vectors: values, then gradients.
TEST(ContainerFunctions, MatrixPartsAndIntExtremes) {
  auto m = testing_util::compile_source("matrix_parts", R"(data {
  array[3] int k;
  matrix[2, 3] M;
  array[2] vector[2] pts;
}
parameters {
  real a;
}
model {
  a ~ normal(0, 1);
}
generated quantities {
  int kmax = max(k);
  int kmin = min(k);
  matrix[2, 2] dm = diag_matrix([a, 2]');
  matrix[2, 3] pre = diag_pre_multiply([2, 3]', M);
  matrix[2, 3] post = diag_post_multiply(M, [1, 2, 3]');
  matrix[3, 2] tr = transpose(M);
  row_vector[3] tv = transpose([1, 2, 3]');
  vector[2] sc = sub_col(M, 1, 3, 2);
  row_vector[2] sr = sub_row(M, 2, 2, 2);
  matrix[3, 3] ar = append_row(M, [7, 8, 9]);
  vector[3] ar2 = append_row(a, [1, 2]');
  row_vector[4] ac = append_col([1, 2], [a, 4]);
  matrix[2, 2] gp = gp_exp_quad_cov(pts, 1.5, 2.0);
}
)",
                                        R"({"k": [4, -2, 9], "M": [[1, 2, 3], [4, 5, 6]], "pts": [[0, 0], [1, 2]]})");
  ASSERT_TRUE(m);
  const double a = 0.25;
  std::map<std::string, double> out = testing_util::constrained_outputs(m->model(), {a});
  EXPECT_EQ(out.at("kmax"), 9);
  EXPECT_EQ(out.at("kmin"), -2);
  EXPECT_EQ(out.at("dm.1.1"), a);
  EXPECT_EQ(out.at("dm.2.2"), 2);
  EXPECT_EQ(out.at("dm.1.2"), 0);
  EXPECT_EQ(out.at("pre.2.3"), 18);
  EXPECT_EQ(out.at("pre.1.2"), 4);
  EXPECT_EQ(out.at("post.2.3"), 18);
  EXPECT_EQ(out.at("post.1.2"), 4);
  EXPECT_EQ(out.at("tr.3.1"), 3);
  EXPECT_EQ(out.at("tr.1.2"), 4);
  EXPECT_EQ(out.at("tv.3"), 3);
  EXPECT_EQ(out.at("sc.1"), 3);
  EXPECT_EQ(out.at("sc.2"), 6);
  EXPECT_EQ(out.at("sr.1"), 5);
  EXPECT_EQ(out.at("sr.2"), 6);
  EXPECT_EQ(out.at("ar.3.2"), 8);
  EXPECT_EQ(out.at("ar.2.1"), 4);
  EXPECT_EQ(out.at("ar2.1"), a);
  EXPECT_EQ(out.at("ar2.3"), 2);
  EXPECT_EQ(out.at("ac.3"), a);
  EXPECT_EQ(out.at("ac.4"), 4);
  EXPECT_NEAR(out.at("gp.1.2"), 2.25 * std::exp(-5.0 / 8), 1e-15);
  EXPECT_NEAR(out.at("gp.2.2"), 2.25, 1e-15);

  auto g = testing_util::compile_source("matrix_parts_gradients", R"(data {
  array[2] vector[2] pts;
}
parameters {
  vector[2] v;
  matrix[2, 3] M;
  real<lower=0> rho;
}
model {
  target += sum(diag_pre_multiply(v, M)) + sum(diag_post_multiply(M', v)) + sum(diag_matrix(v) * M);
  target += transpose(v) * sub_col(M, 1, 2, 2) + sum(sub_row(M, 2, 1, 3)) + sum(append_row(M', v'));
  target += sum(append_row(v[1], v)) + sum(append_col(v', v')) + sum(gp_exp_quad_cov(pts, 1.5, rho));
  to_vector(M) ~ normal(0, 1);
  v ~ normal(0, 1);
}
)",
                                        R"({"pts": [[0, 0], [1, 2]]})");
  ASSERT_TRUE(g);
  testing_util::expect_gradcheck_passes(g->model(), 3, "matrix_parts_gradients");
}

TEST(ContainerFunctions, TanhQuadFormDiagLowerTriangleProductAndDims) {
  auto m = testing_util::compile_source("more_functions", R"(data {
  matrix[2, 2] M;
}
parameters {
  vector[2] v;
}
model {
  target += sum(tanh(v)) + sum(quad_form_diag(M, v)) + sum(multiply_lower_tri_self_transpose(M * v[1]));
  v ~ normal(0, 1);
}
generated quantities {
  real t = tanh(0.3);
  matrix[2, 2] q = quad_form_diag(M, [2, 3]');
  matrix[2, 2] l = multiply_lower_tri_self_transpose(M);
  array[2] int d = dims(M);
  array[2] int d3 = dims({[1, 2]', [3, 4]', [5, 6]'});
}
)",
                                        R"({"M": [[1, 2], [3, 4]]})");
  ASSERT_TRUE(m);
  std::map<std::string, double> out = testing_util::constrained_outputs(m->model(), {0.1, 0.2});
  EXPECT_NEAR(out.at("t"), std::tanh(0.3), 1e-16);
  EXPECT_EQ(out.at("q.1.2"), 2 * 2 * 3);
  EXPECT_EQ(out.at("q.2.2"), 3 * 4 * 3);
  // lower triangle [1 0; 3 4]: L L' = [1 3; 3 25]
  EXPECT_EQ(out.at("l.1.1"), 1);
  EXPECT_EQ(out.at("l.1.2"), 3);
  EXPECT_EQ(out.at("l.2.2"), 25);
  EXPECT_EQ(out.at("d.1"), 2);
  EXPECT_EQ(out.at("d.2"), 2);
  EXPECT_EQ(out.at("d3.1"), 3);
  EXPECT_EQ(out.at("d3.2"), 2);
  testing_util::expect_gradcheck_passes(m->model(), 3, "more_functions");
}

TEST(ContainerFunctions, ProductsOfMatricesChooseToMatrixAndMatern) {
  auto m = testing_util::compile_source("products", R"(data {
  matrix[2, 3] A;
  matrix[2, 2] S;
  array[3] real xs;
}
parameters {
  real a;
}
model {
  a ~ normal(0, 1);
}
generated quantities {
  row_vector[3] cdp = columns_dot_product(A, A);
  vector[2] rdp = rows_dot_product(A, A);
  matrix[3, 3] cp = crossprod(A);
  matrix[2, 2] tcp = tcrossprod(A);
  real qv = quad_form(S, [1, 2]');
  matrix[3, 3] qm = quad_form(S, A);
  int c = choose(10, 4);
  int c0 = choose(5, 0);
  matrix[2, 3] tm = to_matrix([1, 2, 3, 4, 5, 6]', 2, 3);
  matrix[3, 3] m32 = gp_matern32_cov(xs, 2.0, 0.5);
  matrix[3, 3] ceq = cov_exp_quad(xs, 2.0, 0.5);
}
)",
                                        R"({"A": [[1, 2, 3], [4, 5, 6]], "S": [[2, 1], [1, 3]], "xs": [0, 0.3, 1]})");
  ASSERT_TRUE(m);
  std::map<std::string, double> out = testing_util::constrained_outputs(m->model(), {0.0});
  EXPECT_EQ(out.at("cdp.1"), 17);
  EXPECT_EQ(out.at("cdp.3"), 45);
  EXPECT_EQ(out.at("rdp.2"), 77);
  EXPECT_EQ(out.at("cp.1.2"), 1 * 2 + 4 * 5);
  EXPECT_EQ(out.at("cp.3.3"), 45);
  EXPECT_EQ(out.at("tcp.1.2"), 32);
  EXPECT_EQ(out.at("qv"), 2 + 2 * 2 + 3 * 4);  // [1 2] S [1 2]'
  // A' S A, element (1, 2): column 1 of A is (1, 4), column 2 is (2, 5).
  EXPECT_EQ(out.at("qm.1.2"), 1 * (2 * 2 + 1 * 5) + 4 * (1 * 2 + 3 * 5));
  EXPECT_EQ(out.at("c"), 210);
  EXPECT_EQ(out.at("c0"), 1);
  EXPECT_EQ(out.at("tm.1.2"), 3);  // filled column by column
  EXPECT_EQ(out.at("tm.2.1"), 2);
  const double r = std::sqrt(3.0) * 0.3 / 0.5;
  EXPECT_NEAR(out.at("m32.1.2"), 4 * (1 + r) * std::exp(-r), 1e-14);
  EXPECT_EQ(out.at("m32.2.2"), 4);
  EXPECT_NEAR(out.at("ceq.1.3"), 4 * std::exp(-1 / (2 * 0.25)), 1e-14);

  auto g = testing_util::compile_source("products_gradients", R"(data {
  array[3] real xs;
}
parameters {
  matrix[2, 3] A;
  cov_matrix[2] S;
  real<lower=0> rho;
}
model {
  target += sum(columns_dot_product(A, A)) + sum(rows_dot_product(A, A)) + sum(crossprod(A)) + sum(tcrossprod(A));
  target += quad_form(S, A[:, 1]) + sum(quad_form(S, A)) + sum(gp_matern32_cov(xs, 1.5, rho));
  to_vector(A) ~ normal(0, 1);
  to_vector(S) ~ normal(0, 2);
}
)",
                                        R"({"xs": [0, 0.3, 1]})");
  ASSERT_TRUE(g);
  testing_util::expect_gradcheck_passes(g->model(), 3, "products_gradients");
}

// Each function's domain errors: arguments of data alone that break them fail
// at compile time with the call's place and Stan's kind of message.
TEST(ContainerFunctions, DomainErrors) {
  auto message = [](const std::string& call) -> std::string {
    tools::CheckedModel m = tools::check_model_source(
        "domain", "data {\n  matrix[2, 3] A;\n}\nparameters {\n  real a;\n}\nmodel {\n  target += a * " + call + ";\n}\n");
    EXPECT_TRUE(m.ast) << m.diagnostics.str();
    if (!m.ast) return "";
    Expected<runtime::DataSet> data =
        runtime::read_stan_json(R"({"A": [[1, 2, 3], [4, 5, 6]]})", "d.json", tools::data_declarations(*m.ast));
    EXPECT_TRUE(data);
    Expected<tools::CompiledModel> compiled = tools::compile_model(*m.ast, *data, ir::PipelineSettings{});
    if (compiled) return "compiled";
    const std::string e = compiled.error();
    return e.substr(0, e.find(';'));
  };
  EXPECT_EQ(message("sum(sub_col(A, 2, 1, 2))"), "domain:8:21: sub_col: the elements asked for are outside the matrix");
  EXPECT_EQ(message("sum(sub_row(A, 1, 3, 2))"), "domain:8:21: sub_row: the elements asked for are outside the matrix");
  EXPECT_EQ(message("sum(append_row(A, [1, 2]))"), "domain:8:21: append_row: the numbers of columns differ");
  EXPECT_EQ(message("sum(append_col(A, [1, 2, 3]'))"), "domain:8:21: append_col: the numbers of rows differ");
  EXPECT_EQ(message("sum(to_matrix([1, 2, 3]', 2, 2))"),
            "domain:8:21: to_matrix: the sizes do not match the number of elements");
  EXPECT_EQ(message("quad_form(A, [1, 2]')"), "domain:8:17: quad_form: the matrix is not square");
  EXPECT_EQ(message("sum(diag_pre_multiply([1, 2, 3]', A))"),
            "domain:8:21: diag_pre_multiply: the sizes of the vector and the matrix do not match");
  EXPECT_EQ(message("sum(quad_form_diag(A, [1, 2]'))"), "domain:8:21: quad_form_diag: the matrix is not square");
  EXPECT_EQ(message("sum(columns_dot_product(A, A'))"), "domain:8:21: columns_dot_product: the sizes of the arguments differ");
  EXPECT_EQ(message("sum(gp_exp_quad_cov({1.0, 2.0}, -1, 1))"), "domain:8:21: gp_exp_quad_cov: magnitude is not positive");
  EXPECT_EQ(message("sum(gp_matern32_cov({1.0, 2.0}, 1, 0))"),
            "domain:8:21: gp_matern32_cov: length scale is not positive");
  EXPECT_EQ(message("choose(3, 4)"), "domain:8:17: choose: the arguments must satisfy 0 <= k <= n");
  EXPECT_EQ(message("sum(rep_matrix(1, -1, 2))"), "domain:8:21: rep_matrix: a size is negative");
  EXPECT_EQ(message("normal_lcdf(1 | 0, -1)"), "domain:8:17: normal_lcdf: Scale parameter must be positive");
  EXPECT_EQ(message("exponential_lccdf(1 | 0)"), "domain:8:17: exponential_lccdf: Inverse scale parameter must be positive");
  EXPECT_EQ(message("student_t_lcdf(1 | -3, 0, 1)"),
            "domain:8:17: student_t_lcdf: Degrees of freedom parameter must be positive");
  EXPECT_EQ(message("wishart_lpdf([[1, 0], [0, 1]] | 0.5, [[1, 0], [0, 1]])"),
            "domain:8:17: wishart_lpdf: Degrees of freedom parameter must be greater than the dimension minus 1");
  EXPECT_EQ(message("lkj_corr_lpdf([[1, 0], [0, 1]] | -1)"), "domain:8:17: lkj_corr_lpdf: Shape parameter must be positive");
  EXPECT_EQ(message("ordered_logistic_lpmf(2 | 0, [1, 0]')"),
            "domain:8:17: ordered_logistic_lpmf: Cut-points is not a valid ordered vector");
  EXPECT_EQ(message("multinomial_lpmf({1, -1} | [0.5, 0.5]')"),
            "domain:8:17: multinomial_lpmf: Number of trials variable must be non-negative");
  EXPECT_EQ(message("beta_binomial_lpmf(4 | 3, 1, 1)"),
            "domain:8:17: beta_binomial_lpmf: Successes variable must be at most the population size");
  EXPECT_EQ(message("hypergeometric_lpmf(3 | 2, 4, 6)"),
            "domain:8:17: hypergeometric_lpmf: Successes variable must be at most the draws");
  EXPECT_EQ(message("skew_normal_lpdf(1 | 0, -1, 1)"), "domain:8:17: skew_normal_lpdf: Scale parameter must be positive finite");
  EXPECT_EQ(message("sum(sort_asc({1.0, not_a_number()}))"), "domain:8:21: sort_asc: container argument must not be nan");
  EXPECT_EQ(message("sum(sort_desc([1, not_a_number()]))"), "domain:8:21: sort_desc: container argument must not be nan");
  EXPECT_EQ(message("rank({1.0, 2.0}, 3)"), "domain:8:17: rank: index s is out of range");
  EXPECT_EQ(message("rank([1, 2]', 0)"), "domain:8:17: rank: index s is out of range");
  EXPECT_EQ(message("sum(one_hot_vector(0, 1))"), "domain:8:21: one_hot_vector: the size must be positive");
  EXPECT_EQ(message("sum(one_hot_vector(3, 4))"), "domain:8:21: one_hot_vector: k must be between 1 and the size");
}

TEST(ContainerFunctions, SortsRanksAndSortIndices) {
  auto m = testing_util::compile_source("sorts", R"(data {
  vector[4] v;
  array[3] int k;
}
parameters {
  real a;
}
model {
  a ~ normal(0, 1);
}
generated quantities {
  vector[4] up = sort_asc(v);
  vector[4] down = sort_desc(v);
  row_vector[4] row = sort_asc(v');
  array[4] real reals = sort_desc({3.0, -1, 2.5, 2});
  array[3] int ints = sort_asc(k);
  array[3] int ints_down = sort_desc(k);
  array[4] int idx = sort_indices_asc(v);
  array[4] int idx_down = sort_indices_desc(v);
  array[3] int idx_ints = sort_indices_asc(k);
  int r1 = rank(v, 1);
  int r4 = rank(v, 4);
  int rk = rank(k, 3);
  real first = sort_asc(v)[1] + a;
  vector[0] none = sort_asc(head(v, 0));
}
)",
                                        R"({"v": [3, -1, 2.5, 2], "k": [7, -2, 7]})");
  ASSERT_TRUE(m);
  std::map<std::string, double> o = testing_util::constrained_outputs(m->model(), {0.5});
  const std::vector<double> up = {-1, 2, 2.5, 3};
  for (int i = 1; i <= 4; ++i) {
    const std::string at = "." + std::to_string(i);
    EXPECT_EQ(o["up" + at], up[i - 1]);
    EXPECT_EQ(o["down" + at], up[4 - i]);
    EXPECT_EQ(o["row" + at], up[i - 1]);
    EXPECT_EQ(o["reals" + at], up[4 - i]);
    EXPECT_EQ(o["idx" + at], std::vector<double>({2, 4, 3, 1})[i - 1]);
    EXPECT_EQ(o["idx_down" + at], std::vector<double>({1, 3, 4, 2})[i - 1]);
  }
  for (int i = 1; i <= 3; ++i) {
    const std::string at = "." + std::to_string(i);
    EXPECT_EQ(o["ints" + at], std::vector<double>({-2, 7, 7})[i - 1]);
    EXPECT_EQ(o["ints_down" + at], std::vector<double>({7, 7, -2})[i - 1]);
    // Ties keep their order.
    EXPECT_EQ(o["idx_ints" + at], std::vector<double>({2, 1, 3})[i - 1]);
  }
  EXPECT_EQ(o["r1"], 3);
  EXPECT_EQ(o["r4"], 1);
  EXPECT_EQ(o["rk"], 1);
  EXPECT_EQ(o["first"], -0.5);
}

// Sorted parameters: each element's adjoint follows the permutation.
TEST(ContainerFunctions, GradientsThroughSorts) {
  auto m = testing_util::compile_source("sort_gradients", R"(data {
  vector[4] w;
}
parameters {
  vector[4] x;
  array[3] real y;
}
model {
  target += dot_product(w, sort_asc(x)) + dot_product(w, sort_desc(exp(x)));
  target += sort_desc(y)[1] * 0.5 - sort_asc(y)[1] + sort_asc(y)[2] * sort_asc(y)[3];
  target += rank(x, 2) * 0.1;
  for (i in 1:4) target += x[sort_indices_asc(x)[i]] * w[i];
  x ~ normal(0, 1);
  y ~ normal(0, 1);
}
)",
                                        R"({"w": [0.5, -1, 2, 0.25]})");
  ASSERT_TRUE(m);
  testing_util::expect_gradcheck_passes(m->model(), 5, "sorts");
  // The sorted vector's gradient lands on the element each weight met.
  const double theta[] = {0.3, -1.2, 2.0, 0.1, 0, 0, 0};
  double grad[7];
  runtime::EvalError error = 0;
  m->model().lp_grad(theta, grad, &error);
  ASSERT_EQ(error, 0);
  // Ascending: x = (0.3, -1.2, 2.0, 0.1) sorts as (x2, x4, x1, x3): w meets them in that order;
  // the indices' loop adds the same again; exp(x) descending meets (x3, x1, x4, x2).
  const double w[] = {0.5, -1, 2, 0.25};
  const double expected[] = {2 * w[2] + w[1] * std::exp(0.3), 2 * w[0] + w[3] * std::exp(-1.2),
                             2 * w[3] + w[0] * std::exp(2.0), 2 * w[1] + w[2] * std::exp(0.1)};
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(grad[i], expected[i] - theta[i], 1e-12) << i;
}

// col and row of a matrix, to_matrix of a two-dimensional array (row by
// row); the gradient through each; an index out of range rejects the point.
TEST(ContainerFunctions, ColumnsRowsAndMatricesOfArrays) {
  auto m = testing_util::compile_source("col_row", R"(data {
  array[2, 3] int counts;
  int j;
}
parameters {
  matrix[2, 3] A;
}
model {
  target += dot_self(col(A, 2)) + 3 * sum(row(A, 1)) + sum(col(to_matrix(counts), j));
}
generated quantities {
  matrix[2, 3] C = to_matrix(counts);
  vector[2] c3 = col(A, 3);
  row_vector[3] r2 = row(A, 2);
}
)",
                                          R"({"counts": [[1, 2, 3], [4, 5, 6]], "j": 3})");
  ASSERT_TRUE(m);
  const std::vector<double> a = {0.5, -1.0, 2.0, 1.5, 0.25, -3.0};  // row-major A
  std::map<std::string, double> out = testing_util::constrained_outputs(m->model(), a);
  EXPECT_EQ(out.at("C.2.1"), 4);
  EXPECT_EQ(out.at("C.1.3"), 3);
  EXPECT_EQ(out.at("c3.2"), -3.0);
  EXPECT_EQ(out.at("r2.3"), -3.0);
  double grad[6];
  runtime::EvalError error = 0;
  const double lp = m->model().lp_grad(a.data(), grad, &error);
  ASSERT_EQ(error, 0);
  EXPECT_DOUBLE_EQ(lp, (1.0 + 0.0625) + 3 * (0.5 - 1.0 + 2.0) + (3 + 6));
  const double expected[] = {3, 3 - 2.0, 3, 0, 2 * 0.25, 0};
  for (int k = 0; k < 6; ++k) EXPECT_DOUBLE_EQ(grad[k], expected[k]) << k;

  auto bad = testing_util::compile_source("col_range", "parameters {\n  matrix[2, 2] A;\n}\nmodel {\n"
                                                       "  target += sum(col(A, 2 + (A[1, 1] > 0)));\n}\n",
                                          "{}");
  ASSERT_TRUE(bad);
  const double b[] = {1, 0, 0, 0};
  EXPECT_EQ(bad->model().lp_grad(b, grad, &error), -HUGE_VAL);
  EXPECT_EQ(bad->model().describe_error(error), "col_range:5:17: col: index j is out of range");
}

}  // namespace
}  // namespace vic
