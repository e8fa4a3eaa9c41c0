// while, break and continue, and the short-circuit && and ||: each log density
// against the loop written out in C++, the gradient against finite
// differences (also where a while loop's trip count and carried values depend
// on the parameters), a break leaving only its own loop, a rejection sampler
// in generated quantities, and an index error inside a while loop.
#include <gtest/gtest.h>

#include <cmath>

#include "support/rng.h"
#include "test_util.h"
#include "vic_process.h"

namespace vic {
namespace {

const double kLogSqrt2Pi = 0.5 * std::log(2 * std::acos(-1.0));

double normal_lpdf(double y, double mu) { return -0.5 * (y - mu) * (y - mu) - kLogSqrt2Pi; }

constexpr const char* kBreakContinue = R"(data {
  int N;
  vector[N] y;
}
transformed data {
  // The leading entries below 10, negatives skipped, until their sum passes 5.
  // `k < N &&` keeps y[k + 1] from being read past the end.
  int k = 0;
  real acc = 0;
  while (k < N && y[k + 1] < 10) {
    k += 1;
    if (y[k] < 0) continue;
    acc += y[k];
    if (acc > 5) break;
  }
}
parameters {
  real mu;
}
model {
  real s = 0;
  int i = 0;
  while (i < N) {
    i += 1;
    if (i == 2) continue;
    s += normal_lpdf(y[i] | mu, 1);
    if (i >= 4) break;
  }
  for (j in 1:N) {
    if (j % 2 == 0) continue;
    if (j > 3) break;
    s += -0.5 * j * mu^2;
  }
  target += s + acc * mu + k;
}
generated quantities {
  int k_out = k;
  real acc_out = acc;
}
)";

TEST(Loops, WhileBreakAndContinueInTransformedDataAndTheModel) {
  struct Case {
    const char* json;
    std::vector<double> y;
    int k;
    double acc;
  };
  const Case cases[] = {
      {R"({"N": 5, "y": [1, -2, 3, 4, 20]})", {1, -2, 3, 4, 20}, 4, 8},  // stops at the break
      {R"({"N": 4, "y": [1, 2, 30, 4]})", {1, 2, 30, 4}, 2, 3},          // at the condition's y
      {R"({"N": 3, "y": [1, 1, 1]})", {1, 1, 1}, 3, 3},                  // at k < N, y[4] unread
  };
  for (const Case& c : cases) {
    auto m = testing_util::compile_source("loops", kBreakContinue, c.json);
    ASSERT_TRUE(m) << c.json;
    const double mu = 0.7;
    double grad[1];
    runtime::EvalError error = 0;
    const double lp = m->model().lp_grad(&mu, grad, &error);
    ASSERT_EQ(error, 0) << m->model().describe_error(error);
    // The while loop: i = 1, 3, 4 (2 is continued past; the break after 4).
    double expected = 0, slope = 0;
    for (int i : {1, 3, 4}) {
      if (i > static_cast<int>(c.y.size())) break;
      expected += normal_lpdf(c.y[i - 1], mu);
      slope += c.y[i - 1] - mu;
    }
    // The for loop: j = 1 and 3 (even j continued past; the break at 5).
    const double weight = c.y.size() >= 3 ? 4 : 1;
    expected += -0.5 * weight * mu * mu + c.acc * mu + c.k;
    slope += -weight * mu + c.acc;
    EXPECT_NEAR(lp, expected, 1e-12) << c.json;
    EXPECT_NEAR(grad[0], slope, 1e-12) << c.json;
    std::map<std::string, double> out = testing_util::constrained_outputs(m->model(), {mu});
    EXPECT_EQ(out.at("k_out"), c.k) << c.json;
    EXPECT_EQ(out.at("acc_out"), c.acc) << c.json;
  }
}

// A series summed while its terms matter: how many terms, and every value
// the loop carries (a scalar and a vector updated in place), depend on the
// parameter, so the gradient flows through a loop of unknown length.
TEST(Loops, AWhileLoopOverParameterDependentValues) {
  auto m = testing_util::compile_source("series", R"(parameters {
  real<lower=0, upper=1> r;
}
model {
  real term = 1;
  real total = 0;
  int n = 0;
  vector[3] bins = rep_vector(0, 3);
  while (term > 1e-6) {
    total += term;
    n += 1;
    term *= r;
    bins[1 + n % 3] += term;
  }
  target += log(total) + bins[1] - 2 * bins[2] + n * 1e-3;
}
)",
                                        "{}");
  ASSERT_TRUE(m);
  for (double u : {-1.0, 0.2, 1.5}) {
    const double r = 1 / (1 + std::exp(-u));
    double term = 1, total = 0, bins[3] = {0, 0, 0};
    int n = 0;
    while (term > 1e-6) {
      total += term;
      n += 1;
      term *= r;
      bins[n % 3] += term;
    }
    const double jacobian = std::log(r) + std::log1p(-r);
    double grad[1];
    runtime::EvalError error = 0;
    const double lp = m->model().lp_grad(&u, grad, &error);
    ASSERT_EQ(error, 0);
    EXPECT_NEAR(lp, std::log(total) + bins[0] - 2 * bins[1] + n * 1e-3 + jacobian, 1e-12) << u;
  }
  testing_util::expect_gradcheck_passes(m->model(), 3, "series");
}

// A break or continue belongs to the innermost loop; a function's loop is its own.
TEST(Loops, BreakLeavesOnlyItsOwnLoop) {
  auto m = testing_util::compile_source("nested", R"(functions {
  // The first index of v at or above t (size(v) + 1 if none).
  int first_at_least(vector v, real t) {
    int found = rows(v) + 1;
    for (i in 1:rows(v)) {
      if (v[i] >= t) {
        found = i;
        break;
      }
    }
    return found;
  }
}
data {
  vector[4] v;
}
parameters {
  real mu;
}
model {
  real s = 0;
  for (i in 1:3) {
    int j = 0;
    while (1) {
      j += 1;
      if (j > i) break;
      for (q in 1:5) {
        if (q == 2) break;
        s += mu;
      }
    }
    if (first_at_least(v, 2.5) != 3) continue;
    s += 100;
  }
  target += s;
}
)",
                                        R"({"v": [1, 2, 3, 4]})");
  ASSERT_TRUE(m);
  const double mu = 0.25;
  runtime::EvalError error = 0;
  // (1 + 2 + 3) inner iterations adding mu once each, 100 in each of 3 outer iterations.
  EXPECT_NEAR(m->model().lp(&mu, &error), 6 * mu + 300, 1e-12);
  EXPECT_EQ(error, 0);
}

// Stan's && and || do not evaluate their right side when the left decides.
TEST(Loops, LogicalOperatorsShortCircuit) {
  auto m = testing_util::compile_source("short", R"(data {
  int N;
  vector[N] y;
}
parameters {
  real mu;
}
model {
  int i = N + 1;
  if (i <= N && y[i] > 0) target += 1000;
  if (i > N || y[i] > 0) target += mu;
  if (N > 0 && y[1] > 0 && mu > 0) target += 10;
}
)",
                                        R"({"N": 2, "y": [1, 2]})");
  ASSERT_TRUE(m);
  runtime::EvalError error = 0;
  for (double mu : {-0.5, 0.5}) {
    EXPECT_NEAR(m->model().lp(&mu, &error), mu + (mu > 0 ? 10 : 0), 1e-12);
    EXPECT_EQ(error, 0);
  }
}

// A rejection sampler: draws until one is positive, however many it takes.
TEST(Loops, RejectionSamplingInGeneratedQuantities) {
  auto m = testing_util::compile_source("reject", R"(parameters {
  real mu;
}
model {
  mu ~ normal(0, 1);
}
generated quantities {
  real x = -1;
  int tries = 0;
  while (x <= 0) {
    x = normal_rng(mu, 1);
    tries += 1;
  }
}
)",
                                        "{}");
  ASSERT_TRUE(m);
  int more_than_once = 0;
  Rng rng(7);
  for (int draw = 0; draw < 200; ++draw) {
    const double mu = -1;
    double out[3];
    runtime::EvalError error = 0;
    m->model().constrain(&mu, rng, out, &error);
    ASSERT_EQ(error, 0);
    EXPECT_GT(out[1], 0);
    EXPECT_GE(out[2], 1);
    more_than_once += out[2] > 1;
  }
  // P(x <= 0) = Phi(1) = 0.84 for mu = -1: most draws take more than one try.
  EXPECT_GT(more_than_once, 120);
}

TEST(Loops, AnIndexErrorInsideAWhileLoopStopsTheEvaluation) {
  testing_util::VicRun r = testing_util::run_vic_with_files(
      {"gradcheck", "m.vmodel", "--data", "d.json"},
      {{"m.vmodel", "data { int N; vector[N] y; }\nparameters { real mu; }\nmodel {\n  int i = 1;\n"
                    "  while (i <= N + 1) {\n    target += y[i] * mu;\n    i += 1;\n  }\n}\n"},
       {"d.json", R"({"N": 2, "y": [1, 2]})"}});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "error: m.vmodel:6:17: index out of range; it depends on the data alone, so it fails at every "
                   "value of the parameters\n");
}

}  // namespace
}  // namespace vic
