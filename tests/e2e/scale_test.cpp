// Programs far larger than anyone writes by hand, compiled and evaluated: a flat
// chain of 10^5 terms through the whole pipeline to native code (at O0: see
// codegen/jit.cpp), and a long chain of vectors, with density and gradient
// checked exactly. Every walk on the
// way (parser, checker, lowering, passes, AD) must iterate rather than recurse
// once per term. (10^5 statements through the passes: tests/ir/scale_test.cpp.)
#include <string>

#include <gtest/gtest.h>

#include "test_util.h"

namespace vic {
namespace {

std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

TEST(Scale, HundredThousandTermScalarChain) {
  // target = mu + mu + ... (10^5 terms) - 0.5 mu^2: lp = 10^5 mu - mu^2 / 2.
  const std::string source =
      "parameters { real mu; }\nmodel { target += mu" + repeat(" + mu", 99999) + " - 0.5 * mu^2; }\n";
  auto m = testing_util::compile_source("chain", source, "{}");
  ASSERT_TRUE(m);
  const double mu = 0.75;
  double grad = 0;
  runtime::EvalError error = 0;
  EXPECT_DOUBLE_EQ(m->model().lp_grad(&mu, &grad, &error), 1e5 * mu - 0.5 * mu * mu);
  EXPECT_EQ(error, 0);
  EXPECT_DOUBLE_EQ(grad, 1e5 - mu);
}

// 2 x 10^4 vector terms (the generator of a chain is one loop over its steps,
// whatever the length; vic's own passes take seconds at 10^5).
TEST(Scale, LongVectorChain) {
  // w = v + v - v + v - v ... = v, elementwise, fused into one loop.
  const std::string source = "data { vector[3] y; }\nparameters { vector[3] v; }\n"
                             "model { y ~ normal(v" + repeat(" + v - v", 10000) + ", 1); }\n";
  auto m = testing_util::compile_source("vector_chain", source, R"({"y": [1, 2, 3]})");
  ASSERT_TRUE(m);
  const std::vector<double> v{0.5, 2.5, 2.0};
  std::vector<double> grad(3);
  runtime::EvalError error = 0;
  // Up to constants: -0.5 sum (y - v)^2 = -0.5 (0.25 + 0.25 + 1).
  EXPECT_DOUBLE_EQ(m->model().lp_grad(v.data(), grad.data(), &error), -0.75);
  EXPECT_EQ(error, 0);
  EXPECT_EQ(grad, (std::vector<double>{0.5, -0.5, 1.0}));
}

}  // namespace
}  // namespace vic
