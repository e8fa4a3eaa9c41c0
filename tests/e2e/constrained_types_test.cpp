// The constrained types as parameters: simplex, sum_to_zero_vector, ordered,
// positive_ordered, unit_vector, cholesky_factor_corr, corr_matrix,
// cholesky_factor_cov and cov_matrix. A model with no statements has log density log|J|, so each
// transform's log-Jacobian is checked against the log-determinant of its
// Jacobian by finite differences (as differences between points, which drop
// constants such as the simplex's log(K) / 2), its values against Stan's
// definition written out here, unconstrain against constrain, and the
// gradient against finite differences.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <numeric>
#include <random>

#include "support/lapack.h"
#include "support/rng.h"
#include "test_util.h"

namespace vic {
namespace {

using Map = std::function<std::vector<double>(const std::vector<double>&)>;

// log |det J| of `f` at u by central differences (f maps R^n to R^n).
double fd_log_det(const Map& f, std::vector<double> u) {
  const int n = static_cast<int>(u.size());
  std::vector<double> jac(static_cast<size_t>(n * n));  // column-major
  const double h = 1e-6;
  for (int j = 0; j < n; ++j) {
    const double keep = u[static_cast<size_t>(j)];
    u[static_cast<size_t>(j)] = keep + h;
    std::vector<double> up = f(u);
    u[static_cast<size_t>(j)] = keep - h;
    std::vector<double> down = f(u);
    u[static_cast<size_t>(j)] = keep;
    for (int i = 0; i < n; ++i) jac[static_cast<size_t>(j * n + i)] = (up[static_cast<size_t>(i)] - down[static_cast<size_t>(i)]) / (2 * h);
  }
  std::vector<int> pivots(static_cast<size_t>(n));
  int info = 0;
  dgetrf_(&n, &n, jac.data(), &n, pivots.data(), &info);
  EXPECT_EQ(info, 0);
  double log_det = 0;
  for (int i = 0; i < n; ++i) log_det += std::log(std::fabs(jac[static_cast<size_t>(i * n + i)]));
  return log_det;
}

struct Transform {
  const char* declaration;  // `simplex[4] x`
  int free;                 // the unconstrained size
  // The coordinates of x the log-Jacobian is the density of, from x's outputs in CmdStan's order.
  std::function<std::vector<double>(const std::vector<double>&)> coordinates;
};

std::unique_ptr<testing_util::LoadedModel> compile_transform(const Transform& t) {
  return testing_util::compile_source(t.declaration, std::string("parameters {\n  ") + t.declaration + ";\n}\n", "{}");
}

std::vector<double> constrained(const runtime::Model& model, const std::vector<double>& u) {
  std::vector<double> out(model.output_names().size());
  Rng rng(1);
  runtime::EvalError error = 0;
  model.constrain(u.data(), rng, out.data(), &error);
  EXPECT_EQ(error, 0) << model.describe_error(error);
  return out;
}

std::vector<double> first(const std::vector<double>& x, size_t n) { return {x.begin(), x.begin() + static_cast<long>(n)}; }

// Column-major K x K outputs: the entries (i, j) with j < i (strict) or j <= i.
std::vector<double> lower_triangle(const std::vector<double>& x, int rows, int cols, bool strict) {
  std::vector<double> out;
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < cols; ++j)
      if (j < i || (!strict && j == i)) out.push_back(x[static_cast<size_t>(j * rows + i)]);
  return out;
}

const Transform kTransforms[] = {
    {"simplex[4] x", 3, [](const std::vector<double>& x) { return first(x, 3); }},
    {"sum_to_zero_vector[4] x", 3, [](const std::vector<double>& x) { return first(x, 3); }},
    {"ordered[3] x", 3, [](const std::vector<double>& x) { return x; }},
    {"positive_ordered[3] x", 3, [](const std::vector<double>& x) { return x; }},
    {"cholesky_factor_corr[4] x", 6, [](const std::vector<double>& x) { return lower_triangle(x, 4, 4, true); }},
    {"corr_matrix[4] x", 6, [](const std::vector<double>& x) { return lower_triangle(x, 4, 4, true); }},
    {"cholesky_factor_cov[4, 3] x", 9, [](const std::vector<double>& x) { return lower_triangle(x, 4, 3, false); }},
    {"cov_matrix[3] x", 6, [](const std::vector<double>& x) { return lower_triangle(x, 3, 3, false); }},
};

TEST(ConstrainedTypes, LogJacobianIsTheLogDeterminant) {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> uniform(-1.5, 1.5);
  for (const Transform& t : kTransforms) {
    auto m = compile_transform(t);
    ASSERT_TRUE(m) << t.declaration;
    const runtime::Model& model = m->model();
    ASSERT_EQ(model.dim(), static_cast<size_t>(t.free)) << t.declaration;
    Map f = [&](const std::vector<double>& u) { return t.coordinates(constrained(model, u)); };
    auto log_jacobian = [&](const std::vector<double>& u) {
      runtime::EvalError error = 0;
      const double lp = model.lp(u.data(), &error);
      EXPECT_EQ(error, 0);
      return lp;
    };
    std::vector<double> a(static_cast<size_t>(t.free)), b(a.size());
    for (int pair = 0; pair < 5; ++pair) {
      for (double& v : a) v = uniform(rng);
      for (double& v : b) v = uniform(rng);
      EXPECT_NEAR(log_jacobian(a) - log_jacobian(b), fd_log_det(f, a) - fd_log_det(f, b), 1e-6) << t.declaration;
    }
  }
}

TEST(ConstrainedTypes, UnconstrainInvertsConstrain) {
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> uniform(-1.5, 1.5);
  for (const Transform& t : kTransforms) {
    auto m = compile_transform(t);
    ASSERT_TRUE(m);
    const runtime::Model& model = m->model();
    std::vector<double> u(static_cast<size_t>(t.free));
    for (double& v : u) v = uniform(rng);
    std::vector<double> x = constrained(model, u);
    std::vector<double> back(u.size());
    runtime::EvalError error = 0;
    model.unconstrain(x.data(), back.data(), &error);
    ASSERT_EQ(error, 0) << t.declaration << ": " << model.describe_error(error);
    for (size_t i = 0; i < u.size(); ++i) EXPECT_NEAR(back[i], u[i], 1e-9) << t.declaration << " " << i;
  }
}

// The values against Stan's definitions, written out: simplex = softmax of
// the isometric sum-to-zero vector z_j = sum_{i > j} w_i - j w_j with
// w_i = u_i / sqrt(i (i + 1)); the others by their recurrences.
TEST(ConstrainedTypes, ValuesAreStans) {
  const std::vector<double> u = {0.3, -1.2, 0.8};
  auto sum_to_zero = [](const std::vector<double>& y) {
    const size_t n = y.size();
    std::vector<double> w(n), z(n + 1, 0.0);
    for (size_t i = 1; i <= n; ++i) w[i - 1] = y[i - 1] / std::sqrt(double(i) * double(i + 1));
    for (size_t j = 0; j <= n; ++j) {
      for (size_t i = j + 1; i <= n; ++i) z[j] += w[i - 1];
      if (j >= 1) z[j] -= double(j) * w[j - 1];
    }
    return z;
  };
  auto values = [&](const char* declaration) {
    auto m = testing_util::compile_source(declaration, std::string("parameters {\n  ") + declaration + ";\n}\n", "{}");
    EXPECT_TRUE(m);
    return constrained(m->model(), u);
  };
  std::vector<double> z = sum_to_zero(u);
  EXPECT_NEAR(std::accumulate(z.begin(), z.end(), 0.0), 0.0, 1e-15);
  std::vector<double> stz = values("sum_to_zero_vector[4] x");
  double norm = 0;
  for (double v : z) norm += std::exp(v);
  std::vector<double> simplex = values("simplex[4] x");
  for (size_t j = 0; j < 4; ++j) {
    EXPECT_NEAR(stz[j], z[j], 1e-15);
    EXPECT_NEAR(simplex[j], std::exp(z[j]) / norm, 1e-15);
  }
  std::vector<double> ordered = values("ordered[3] x");
  std::vector<double> positive = values("positive_ordered[3] x");
  std::vector<double> unit = values("unit_vector[3] x");
  const double r = std::sqrt(u[0] * u[0] + u[1] * u[1] + u[2] * u[2]);
  double o = u[0], p = std::exp(u[0]);
  for (size_t i = 0; i < 3; ++i) {
    if (i > 0) o += std::exp(u[i]), p += std::exp(u[i]);
    EXPECT_NEAR(ordered[i], o, 1e-15);
    EXPECT_NEAR(positive[i], p, 1e-15);
    EXPECT_NEAR(unit[i], u[i] / r, 1e-15);
  }
  // cholesky_factor_corr[3]: z = tanh(u); L = [1; z1, sqrt(1 - z1^2); z2, z3 sqrt(1 - z2^2), rest].
  std::vector<double> l = values("cholesky_factor_corr[3] x");  // column-major
  const double z1 = std::tanh(u[0]), z2 = std::tanh(u[1]), z3 = std::tanh(u[2]);
  const double l21 = z1, l31 = z2, l32 = z3 * std::sqrt(1 - z2 * z2);
  EXPECT_NEAR(l[0], 1, 1e-15);
  EXPECT_NEAR(l[1], l21, 1e-15);
  EXPECT_NEAR(l[2], l31, 1e-15);
  EXPECT_NEAR(l[4], std::sqrt(1 - l21 * l21), 1e-15);
  EXPECT_NEAR(l[5], l32, 1e-15);
  EXPECT_NEAR(l[8], std::sqrt(1 - l31 * l31 - l32 * l32), 1e-15);
  EXPECT_EQ(l[3], 0.0);
  EXPECT_EQ(l[6], 0.0);
  EXPECT_EQ(l[7], 0.0);
}

// corr_matrix[4] as Stan's read_corr_L builds it: z = tanh(u) are the partial
// correlations column by column below the diagonal (not row by row, as
// cholesky_factor_corr reads them: the orders differ from K = 4), L's row r
// scaled by what its earlier columns leave; the value L L'.
TEST(ConstrainedTypes, CorrMatrixIsStansReadCorrL) {
  const std::vector<double> u = {0.3, -1.2, 0.8, 0.1, -0.4, 1.1};
  auto m = testing_util::compile_source("corr", "parameters {\n  corr_matrix[4] x;\n}\n", "{}");
  ASSERT_TRUE(m);
  std::vector<double> x = constrained(m->model(), u);  // column-major, symmetric
  double L[4][4] = {};
  double left[4] = {1, 1, 1, 1};  // 1 - the squares so far of each row
  L[0][0] = 1;
  size_t next = 0;
  for (int c = 0; c < 4; ++c) {
    if (c > 0) L[c][c] = std::sqrt(left[c]);
    for (int r = c + 1; r < 4; ++r) {
      const double z = std::tanh(u[next++]);
      L[r][c] = z * std::sqrt(left[r]);
      left[r] -= L[r][c] * L[r][c];
    }
  }
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) {
      double sigma = 0;
      for (int k = 0; k < 4; ++k) sigma += L[i][k] * L[j][k];
      EXPECT_NEAR(x[static_cast<size_t>(j * 4 + i)], sigma, 1e-14) << i << ", " << j;
    }
}

// An unconstrained point's log density is log|J| with unit_vector's -|u|^2 / 2;
// a value that is not of its type has no free values.
TEST(ConstrainedTypes, UnitVectorAndInvalidValues) {
  auto m = testing_util::compile_source("unit", "parameters {\n  unit_vector[3] x;\n  simplex[3] s;\n}\n", "{}");
  ASSERT_TRUE(m);
  const std::vector<double> u = {0.3, -1.2, 0.8, 0.1, 0.2};
  runtime::EvalError error = 0;
  const double lp = m->model().lp(u.data(), &error);
  ASSERT_EQ(error, 0);
  std::vector<double> x = constrained(m->model(), u);
  const double simplex_jacobian = std::log(x[3]) + std::log(x[4]) + std::log(x[5]) + 0.5 * std::log(3.0);
  EXPECT_NEAR(lp, -0.5 * (0.09 + 1.44 + 0.64) + simplex_jacobian, 1e-12);
  const double not_a_simplex[] = {0.6, 0.0, 0.8, 0.5, 0.6, 0.1};
  std::vector<double> theta(5);
  m->model().unconstrain(not_a_simplex, theta.data(), &error);
  ASSERT_NE(error, 0);
  EXPECT_NE(m->model().describe_error(error).find("parameter 's' is not a valid simplex"), std::string::npos)
      << m->model().describe_error(error);
}

// Arrays of constrained types in a density: finite differences agree with the gradient.
TEST(ConstrainedTypes, GradientsInADensity) {
  auto m = testing_util::compile_source("constrained_gradients", R"(parameters {
  simplex[4] s;
  array[2] simplex[3] s2;
  ordered[3] o;
  positive_ordered[3] po;
  unit_vector[3] uv;
  sum_to_zero_vector[4] z;
  array[2] cholesky_factor_corr[3] L;
  cholesky_factor_cov[4, 3] C;
  cov_matrix[3] S;
}
model {
  target += dot_product(s, [1, 2, 3, 4]) + sum(o) + sum(po) + uv[1] + z[2] * 3 + sum(L[2]) + sum(C) + sum(S);
  target += s2[2][1] + normal_lpdf(o | 0, 3) + exponential_lpdf(po | 1);
}
)",
                                        "{}");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->model().dim(), 3u + 4 + 3 + 3 + 3 + 3 + 6 + 9 + 6);
  testing_util::expect_gradcheck_passes(m->model(), 3, "constrained_gradients");
}

// Outside the parameters a constrained type is a check of the value: data
// that are not of their type are rejected with the declaration's place.
TEST(ConstrainedTypes, DataOfTheWrongTypeIsRejected) {
  const char* source = R"(data {
  simplex[3] p;
  cov_matrix[2] S;
  cholesky_factor_corr[2] L;
}
parameters {
  real mu;
}
model {
  mu ~ normal(0, 1);
}
)";
  tools::CheckedModel m = tools::check_model_source("constrained_data", source);
  ASSERT_TRUE(m.ast) << m.diagnostics.str();
  auto compile = [&](const std::string& json) -> std::string {
    Expected<runtime::DataSet> data = runtime::read_stan_json(json, "d.json", tools::data_declarations(*m.ast));
    EXPECT_TRUE(data) << data.error();
    Expected<tools::CompiledModel> compiled = tools::compile_model(*m.ast, *data, ir::PipelineSettings{});
    return compiled ? "" : compiled.error();
  };
  const std::string good_l = R"("L": [[1, 0], [0.6, 0.8]])";
  EXPECT_EQ(compile(R"({"p": [0.2, 0.3, 0.5], "S": [[1, 0.5], [0.5, 1]], )" + good_l + "}"), "");
  const std::string suffix = "; it depends on the data alone, so it fails at every value of the parameters";
  EXPECT_EQ(compile(R"({"p": [0.2, 0.3, 0.6], "S": [[1, 0.5], [0.5, 1]], )" + good_l + "}"),
            "constrained_data:2:14: data 'p' is not a valid simplex" + suffix);
  EXPECT_EQ(compile(R"({"p": [0.2, 0.3, 0.5], "S": [[1, 2], [2, 1]], )" + good_l + "}"),
            "constrained_data:3:17: data 'S' is not a valid cov_matrix" + suffix);
  EXPECT_EQ(compile(R"({"p": [0.2, 0.3, 0.5], "S": [[1, 0.5], [0.4, 1]], )" + good_l + "}"),
            "constrained_data:3:17: data 'S' is not a valid cov_matrix" + suffix);
  EXPECT_EQ(compile(R"({"p": [0.2, 0.3, 0.5], "S": [[1, 0.5], [0.5, 1]], "L": [[1, 0], [0.6, 0.7]]})"),
            "constrained_data:4:27: data 'L' is not a valid cholesky_factor_corr" + suffix);
}

// <offset=, multiplier=>: x = offset + multiplier u with log-Jacobian
// log(multiplier) per element, the offset and multiplier parameters
// themselves (the non-centred eight schools); unconstrain inverts it.
TEST(ConstrainedTypes, OffsetAndMultiplier) {
  auto m = testing_util::compile_source("affine", R"(parameters {
  real mu;
  real<lower=0> tau;
  vector<offset=mu, multiplier=tau>[2] theta;
  real<multiplier=5> s;
}
model {
  theta ~ normal(mu, tau);
}
)",
                                        "{}");
  ASSERT_TRUE(m);
  const runtime::Model& model = m->model();
  ASSERT_EQ(model.dim(), 5u);
  auto closed_form = [](const std::vector<double>& u) {
    const double mu = u[0], tau = std::exp(u[1]);
    double lp = u[1] + 2 * std::log(tau) + std::log(5.0);  // Jacobians: tau's, theta's two, s's
    for (int i = 0; i < 2; ++i) {
      const double theta = mu + tau * u[2 + static_cast<size_t>(i)];
      lp += -0.5 * std::pow((theta - mu) / tau, 2) - std::log(tau);
    }
    return lp;
  };
  const std::vector<double> a = {0.3, -0.4, 1.2, -0.7, 0.2}, b = {-1.1, 0.6, 0.1, 0.9, -1.5};
  double grad[5];
  runtime::EvalError error = 0;
  const double difference = model.lp_grad(a.data(), grad, &error) - model.lp_grad(b.data(), grad, &error);
  ASSERT_EQ(error, 0);
  EXPECT_NEAR(difference, closed_form(a) - closed_form(b), 1e-12);
  testing_util::expect_gradcheck_passes(model, 3, "affine");
  std::vector<double> x = constrained(model, a);
  EXPECT_NEAR(x[2], 0.3 + std::exp(-0.4) * 1.2, 1e-15);
  EXPECT_NEAR(x[4], 1.0, 1e-15);
  std::vector<double> back(5);
  model.unconstrain(x.data(), back.data(), &error);
  ASSERT_EQ(error, 0);
  for (size_t i = 0; i < 5; ++i) EXPECT_NEAR(back[i], a[i], 1e-12);
}

TEST(ConstrainedTypes, CholeskyFactorCovNeedsRowsAtLeastColumns) {
  tools::CheckedModel m = tools::check_model_source("wide", "parameters {\n  cholesky_factor_cov[2, 3] L;\n}\n");
  ASSERT_TRUE(m.ast);
  Expected<runtime::DataSet> data = runtime::read_stan_json("{}", "d.json", tools::data_declarations(*m.ast));
  ASSERT_TRUE(data);
  Expected<tools::CompiledModel> compiled = tools::compile_model(*m.ast, *data, ir::PipelineSettings{});
  ASSERT_FALSE(compiled);
  EXPECT_EQ(compiled.error(),
            "wide:2:29: cholesky_factor_cov[M, N] needs at least as many rows as columns; 'L' has 2 rows and 3 columns");
}

}  // namespace
}  // namespace vic
