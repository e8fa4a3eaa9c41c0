// User-defined functions (the functions block), inlined where they are called:
// functions of scalars, vectors, matrices and int arrays, `_lpdf` functions
// used with `~` and with `|`, a void `_lp` function adding to the target in a
// loop, an int function sizing transformed data, and calls in generated
// quantities; each log density against the sum written out, the gradient
// against finite differences.
#include <gtest/gtest.h>

#include <cmath>

#include "frontend/frontend.h"
#include "test_util.h"

namespace vic {
namespace {

const double kLogSqrt2Pi = 0.5 * std::log(2 * std::acos(-1.0));

double normal_lpdf(double y, double mu, double sigma) {
  const double z = (y - mu) / sigma;
  return -0.5 * z * z - std::log(sigma) - kLogSqrt2Pi;
}

TEST(UserFunctions, ScalarVectorDensityAndLpFunctions) {
  auto m = testing_util::compile_source("functions", R"(functions {
  real sq_plus(real x, real y) {
    real z = x * x;
    return z + y;
  }
  vector scale(vector v, real s) {
    return v * s;
  }
  real my_normal_lpdf(real y, real mu, real sigma) {
    return -0.5 * square((y - mu) / sigma) - log(sigma) - 0.5 * log(2 * pi());
  }
  void add_prior_lp(vector v) {
    target += normal_lpdf(v | 0, 1);
  }
  int twice(int n) { return 2 * n; }
  real total(array[] int k) { return sum(k); }
}
data {
  int N;
  vector[N] y;
  array[N] int k;
}
transformed data {
  int M = twice(N);
  vector[M] w = rep_vector(1, M);
}
parameters {
  real mu;
  real<lower=0> sigma;
  vector[2] b;
}
model {
  vector[N] s = scale(y, 2.0);
  for (n in 1:N) {
    s[n] ~ my_normal(mu, sigma);
    add_prior_lp(b);
  }
  target += sq_plus(mu, sum(w)) + total(k) * mu;
  target += my_normal_lpdf(mu | 0, 10);
}
generated quantities {
  real m2 = sq_plus(mu, M);
}
)",
                                        R"({"N": 3, "y": [0.5, 1.5, -0.3], "k": [1, 2, 4]})");
  ASSERT_TRUE(m);
  const double mu = 0.4, log_sigma = 0.3, sigma = std::exp(log_sigma), b0 = -0.4, b1 = 1.3;
  const double theta[] = {mu, log_sigma, b0, b1};
  double grad[4];
  runtime::EvalError error = 0;
  const double lp = m->model().lp_grad(theta, grad, &error);
  ASSERT_EQ(error, 0);
  double expected = log_sigma;  // the Jacobian of sigma's transform
  for (double y : {1.0, 3.0, -0.6}) expected += normal_lpdf(y, mu, sigma);
  expected += 3 * (normal_lpdf(b0, 0, 1) + normal_lpdf(b1, 0, 1));  // add_prior_lp in each of 3 iterations
  expected += (mu * mu + 6) + 7 * mu + normal_lpdf(mu, 0, 10);
  EXPECT_NEAR(lp, expected, 1e-12);
  testing_util::expect_gradcheck_passes(m->model(), 3, "functions");
  std::map<std::string, double> out = testing_util::constrained_outputs(m->model(), {mu, log_sigma, b0, b1});
  EXPECT_NEAR(out.at("m2"), mu * mu + 6, 1e-12);
}

// A function returning a matrix, called twice and nested in its own
// argument; a function of an array of vectors; a function calling another.
TEST(UserFunctions, ContainersNestedCallsAndCallsBetweenFunctions) {
  auto m = testing_util::compile_source("containers", R"(functions {
  matrix outer(vector a, vector b) {
    return a * b';
  }
  real total(matrix m) { return sum(m); }
  real first_sum(array[] vector xs) {
    real s = 0;
    for (i in 1:size(xs)) s += xs[i][1];
    return s;
  }
  vector twice(vector v) { return 2 * v; }
  real both(vector v) { return total(outer(v, twice(twice(v)))); }
}
data {
  array[2] vector[2] xs;
}
parameters {
  vector[2] v;
}
model {
  target += both(v) + first_sum(xs) * v[1];
}
)",
                                        R"({"xs": [[1.5, 2], [0.25, 3]]})");
  ASSERT_TRUE(m);
  const double v0 = 0.3, v1 = -1.1;
  const double theta[] = {v0, v1};
  double grad[2];
  runtime::EvalError error = 0;
  const double lp = m->model().lp_grad(theta, grad, &error);
  ASSERT_EQ(error, 0);
  // sum(v (4v)') = 4 (v0 + v1)^2
  EXPECT_NEAR(lp, 4 * (v0 + v1) * (v0 + v1) + 1.75 * v0, 1e-12);
  EXPECT_NEAR(grad[0], 8 * (v0 + v1) + 1.75, 1e-12);
  EXPECT_NEAR(grad[1], 8 * (v0 + v1), 1e-12);
}

// reject ends the evaluation with its message (strings as written, values as
// their source in braces); inside a function it rejects the points where it runs.
TEST(UserFunctions, RejectAndFatalError) {
  auto m = testing_util::compile_source("reject", R"(functions {
  real checked_sqrt(real x) {
    if (x < 0) reject("checked_sqrt: x is negative: ", x);
    return sqrt(x);
  }
}
parameters {
  real mu;
}
model {
  target += checked_sqrt(mu + 1);
  if (mu > 5) fatal_error("mu is ", mu, ", too large");
}
)",
                                        "{}");
  ASSERT_TRUE(m);
  double grad[1];
  runtime::EvalError error = 0;
  const double ok = 0.44;
  EXPECT_NEAR(m->model().lp_grad(&ok, grad, &error), std::sqrt(1.44), 1e-15);
  ASSERT_EQ(error, 0);
  const double negative = -2;
  m->model().lp_grad(&negative, grad, &error);
  ASSERT_NE(error, 0);
  // The values as print writes them, at the point that was rejected.
  EXPECT_EQ(m->model().describe_error(error), "reject:3:16: checked_sqrt: x is negative: -1");
  EXPECT_FALSE(m->model().is_fatal(error));
  const double large = 6;
  error = 0;
  m->model().lp_grad(&large, grad, &error);
  ASSERT_NE(error, 0);
  EXPECT_EQ(m->model().describe_error(error), "reject:12:15: mu is 6, too large");
  EXPECT_TRUE(m->model().is_fatal(error));
  const double very_negative = -6.5;
  error = 0;
  m->model().lp(&very_negative, &error);
  ASSERT_NE(error, 0);
  EXPECT_EQ(m->model().describe_error(error), "reject:3:16: checked_sqrt: x is negative: -5.5");
  // A message from an earlier rejection does not linger into a later one.
  const double two = -5.25;
  error = 0;
  m->model().lp(&two, &error);
  EXPECT_EQ(m->model().describe_error(error), "reject:3:16: checked_sqrt: x is negative: -4.25");
}

// A reject whose condition is met before checked_sqrt's is: the vector and
// array formatted as print formats them.
TEST(UserFunctions, RejectMessageWithContainers) {
  auto m = testing_util::compile_source("reject_containers", R"(parameters {
  real mu;
}
model {
  if (mu < -5) reject("mu is ", mu, "; as a vector ", [mu, 2 * mu]', " and an array ", {1, 2});
  mu ~ normal(0, 1);
}
)",
                                        "{}");
  ASSERT_TRUE(m);
  const double mu = -6;
  runtime::EvalError error = 0;
  m->model().lp(&mu, &error);
  ASSERT_NE(error, 0);
  EXPECT_EQ(m->model().describe_error(error),
            "reject_containers:5:16: mu is -6; as a vector [-6,-12] and an array [1,2]");
}

// A body that is one statement, not a block.
TEST(UserFunctions, BodiesOfOneStatement) {
  auto m = testing_util::compile_source("single", R"(functions {
  real twice(real x) return 2 * x;
  void guard(real x) if (x > 100) reject("big");
}
parameters {
  real mu;
}
model {
  target += twice(mu);
  guard(mu);
}
)",
                                        "{}");
  ASSERT_TRUE(m);
  const double mu = 0.7;
  double grad[1];
  runtime::EvalError error = 0;
  EXPECT_NEAR(m->model().lp_grad(&mu, grad, &error), 1.4, 1e-15);
  EXPECT_NEAR(grad[0], 2.0, 1e-15);
}

// A forward declaration (`real f(real x);`) before the definition.
TEST(UserFunctions, ForwardDeclarations) {
  auto m = testing_util::compile_source("forward", R"(functions {
  real f(real x);
  real g(real x) { return f(x) + 1; }
  real f(real x) { return 2 * x; }
}
parameters {
  real mu;
}
model {
  target += g(mu);
}
)",
                                        "{}");
  ASSERT_TRUE(m);
  const double mu = 0.25;
  runtime::EvalError error = 0;
  EXPECT_NEAR(m->model().lp(&mu, &error), 1.5, 1e-15);
}

// A user _rng function may draw with the library's _rng functions (it runs
// only in generated quantities and transformed data); another function may not.
// A function may return before its end: from a branch, from inside a for or
// while loop, from both sides of an if/else, and a void _lp function with a
// bare `return`; each value against the same function written in C++.
TEST(UserFunctions, EarlyReturns) {
  auto m = testing_util::compile_source("early", R"(functions {
  real clip(real x, real hi) {
    if (x > hi) return hi;
    return x;
  }
  int first_above(vector v, real t) {
    for (i in 1:rows(v)) {
      if (v[i] > t) return i;
    }
    return 0;
  }
  real sign_sq(real x) {
    if (x < 0) {
      return -x * x;
    } else {
      return x * x;
    }
  }
  real newton_sqrt(real a) {
    real x = a;
    int n = 0;
    while (1) {
      real next = 0.5 * (x + a / x);
      n += 1;
      if (abs(next - x) < 1e-12 || n > 100) return next;
      x = next;
    }
    return x;
  }
  void penalise_negative_lp(real x) {
    if (x > 0) return;
    target += -100;
  }
}
data {
  vector[4] v;
}
parameters {
  real mu;
  real<lower=0> s;
}
model {
  target += clip(mu, 0.5) + sign_sq(mu) + first_above(v, 2.5) + first_above(v, 9) + newton_sqrt(s + 1);
  penalise_negative_lp(mu);
}
)",
                                        R"({"v": [1, 2, 3, 4]})");
  ASSERT_TRUE(m);
  for (double mu : {-0.7, 0.2, 1.3}) {
    const double log_s = 0.4, s = std::exp(log_s);
    const double theta[] = {mu, log_s};
    double grad[2];
    runtime::EvalError error = 0;
    const double lp = m->model().lp_grad(theta, grad, &error);
    ASSERT_EQ(error, 0);
    const double expected = std::min(mu, 0.5) + (mu < 0 ? -mu * mu : mu * mu) + 3 + 0 + std::sqrt(s + 1) +
                            (mu > 0 ? 0 : -100) + log_s;
    EXPECT_NEAR(lp, expected, 1e-12) << mu;
    EXPECT_NEAR(grad[0], (mu > 0.5 ? 0 : 1) + 2 * std::fabs(mu), 1e-12) << mu;
    EXPECT_NEAR(grad[1], s / (2 * std::sqrt(s + 1)) + 1, 1e-9) << mu;
  }
}

TEST(UserFunctions, RngFunctionsDrawWithTheLibrarysRng) {
  auto m = testing_util::compile_source("rng_function", R"(functions {
  real shifted_rng(real m) { return m + normal_rng(0, 1); }
}
parameters {
  real mu;
}
model {
  mu ~ normal(0, 1);
}
generated quantities {
  real y = shifted_rng(1000);
}
)",
                                        "{}");
  ASSERT_TRUE(m);
  std::map<std::string, double> out = testing_util::constrained_outputs(m->model(), {0.0});
  EXPECT_GT(out.at("y"), 990);
  EXPECT_LT(out.at("y"), 1010);
  EXPECT_NE(out.at("y"), 1000);

  SourceFile file("m.vmodel", "functions {\n  real shifted(real m) { return m + normal_rng(0, 1); }\n}\n");
  Diagnostics diags;
  frontend::parse_and_check(file, diags);
  const std::string text = diags.str();
  EXPECT_EQ(text.substr(0, text.find('\n')),
            "m.vmodel:2:37: error: 'normal_rng' is only allowed in transformed data and generated quantities");
}

}  // namespace
}  // namespace vic
