// Stan's scalar functions (stdlib/scalar_functions.cpp), compiled into a log
// density `target += f(x)`: the value against Boost.Math or the C++ library
// at a few points, the gradient against central differences of that
// reference (not of vic's own value), and the int-valued ones exactly.
#include <gtest/gtest.h>

#include <boost/math/special_functions/digamma.hpp>
#include <boost/math/special_functions/erf.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <cmath>
#include <functional>
#include <limits>
#include <numbers>
#include <string>
#include <vector>

#include "test_util.h"

namespace vic {
namespace {

struct Case {
  std::string expr;  // in x
  std::function<double(double)> reference;
  std::vector<double> points;
};

double log_sum_exp(double a, double b) {
  const double m = std::max(a, b);
  return m + std::log(std::exp(a - m) + std::exp(b - m));
}
double normal_lpdf(double x, double mu) { return -0.5 * (x - mu) * (x - mu) - 0.5 * std::log(2 * std::numbers::pi); }

const std::vector<Case>& cases() {
  static const std::vector<Case> all = {
      {"abs(x)", [](double x) { return std::fabs(x); }, {-1.5, 0.3}},
      {"log1m(x)", [](double x) { return std::log1p(-x); }, {-2, 0.3, 0.9}},
      {"log1p_exp(x)", [](double x) { return std::log1p(std::exp(x)); }, {-30, -1, 2, 40}},
      {"log1m_exp(x)", [](double x) { return std::log(-std::expm1(x)); }, {-40, -3, -0.5, -1e-3}},
      {"log10(x)", [](double x) { return std::log10(x); }, {0.2, 7}},
      {"log2(x)", [](double x) { return std::log2(x); }, {0.2, 7}},
      {"Phi(x)", [](double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }, {-6, -1, 0.5, 3}},
      {"Phi_approx(x)", [](double x) { return 1 / (1 + std::exp(-(0.07056 * x * x * x + 1.5976 * x))); }, {-2, 0.4}},
      {"inv_cloglog(x)", [](double x) { return 1 - std::exp(-std::exp(x)); }, {-3, 0.2, 1.5}},
      {"inv(x)", [](double x) { return 1 / x; }, {-2, 0.5}},
      {"inv_sqrt(x)", [](double x) { return 1 / std::sqrt(x); }, {0.5, 4}},
      {"inv_square(x)", [](double x) { return 1 / (x * x); }, {-2, 0.5}},
      {"digamma(x)", [](double x) { return boost::math::digamma(x); }, {0.3, 2.5, 10}},
      {"tgamma(x)", [](double x) { return boost::math::tgamma(x); }, {-1.5, 0.3, 4.2}},
      {"erf(x)", [](double x) { return boost::math::erf(x); }, {-1.5, 0.1, 2}},
      {"erfc(x)", [](double x) { return boost::math::erfc(x); }, {-1.5, 0.1, 5}},
      {"pow(x, 2.5)", [](double x) { return std::pow(x, 2.5); }, {0.5, 3}},
      {"pow(1.7, x)", [](double x) { return std::pow(1.7, x); }, {-1, 2}},
      {"fmin(x, 1)", [](double x) { return std::fmin(x, 1); }, {-1, 2}},
      {"fmax(x, 1)", [](double x) { return std::fmax(x, 1); }, {-1, 2}},
      {"fdim(x, 1)", [](double x) { return std::fdim(x, 1); }, {-1, 2}},
      {"fma(x, 3, x)", [](double x) { return x * 3 + x; }, {-1, 2}},
      {"min(x, 2.0) + max(x, -1.0)", [](double x) { return std::min(x, 2.0) + std::max(x, -1.0); }, {-3, 0.5, 4}},
      {"log_diff_exp(x, -1)", [](double x) { return std::log(std::exp(x) - std::exp(-1)); }, {-0.5, 3}},
      {"log_mix(inv_logit(x), normal_lpdf(1 | -1, 1), normal_lpdf(1 | 2, 1))",
       [](double x) {
         const double p = 1 / (1 + std::exp(-x));
         return log_sum_exp(std::log(p) + normal_lpdf(1, -1), std::log1p(-p) + normal_lpdf(1, 2));
       },
       {-2, 0.5, 3}},
      {"lbeta(x, 2.5)", [](double x) { return std::lgamma(x) + std::lgamma(2.5) - std::lgamma(x + 2.5); }, {0.4, 3}},
      {"lchoose(x, 1.5)",
       [](double x) { return std::lgamma(x + 1) - std::lgamma(2.5) - std::lgamma(x - 0.5); },
       {2, 7}},
      {"binary_log_loss(1, inv_logit(x)) + binary_log_loss(0, inv_logit(x))",
       [](double x) {
         const double p = 1 / (1 + std::exp(-x));
         return -std::log(p) - std::log1p(-p);
       },
       {-1, 2}},
      {"sin(x)", [](double x) { return std::sin(x); }, {-2, 0.3, 4}},
      {"cos(x)", [](double x) { return std::cos(x); }, {-2, 0.3, 4}},
      {"tan(x)", [](double x) { return std::tan(x); }, {-1.2, 0.3}},
      {"asin(x)", [](double x) { return std::asin(x); }, {-0.9, 0.3}},
      {"acos(x)", [](double x) { return std::acos(x); }, {-0.9, 0.3}},
      {"atan(x)", [](double x) { return std::atan(x); }, {-5, 0.3}},
      {"sinh(x)", [](double x) { return std::sinh(x); }, {-3, 1e-3, 2}},
      {"cosh(x)", [](double x) { return std::cosh(x); }, {-3, 0.2, 2}},
      {"tanh(x)", [](double x) { return std::tanh(x); }, {-3, 0.2, 2}},
      {"asinh(x)", [](double x) { return std::asinh(x); }, {-3, 1e-3, 2}},
      {"acosh(x)", [](double x) { return std::acosh(x); }, {1.5, 4}},
      {"atanh(x)", [](double x) { return std::atanh(x); }, {-0.7, 1e-3, 0.4}},
      {"cbrt(x)", [](double x) { return std::cbrt(x); }, {-8, 0.3, 27}},
      {"floor(x) + ceil(x) + round(x) + trunc(x) + x",
       [](double x) { return std::floor(x) + std::ceil(x) + std::round(x) + std::trunc(x) + x; },
       {-2.7, -0.5 + 1e-3, 1.2, 2.5 + 1e-3}},
      {"atan2(x, 0.7) + atan2(x, -0.7) + atan2(-0.4, x)",
       [](double x) { return std::atan2(x, 0.7) + std::atan2(x, -0.7) + std::atan2(-0.4, x); },
       {-1.5, 0.3, 2}},
      {"hypot(x, 2)", [](double x) { return std::hypot(x, 2); }, {-1.5, 3}},
      {"fmod(x, 1.5)", [](double x) { return std::fmod(x, 1.5); }, {-4.2, 0.3, 3.7}},
      {"x * (pi() + e() + sqrt2() + log2() + log10())",
       [](double x) {
         return x * (std::numbers::pi + std::numbers::e + std::numbers::sqrt2 + std::numbers::ln2 + std::numbers::ln10);
       },
       {1.5}},
  };
  return all;
}

TEST(ScalarFunctions, ValuesAgainstTheReferenceAndGradientsAgainstItsFiniteDifferences) {
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.expr);
    auto m = testing_util::compile_source("f", "parameters {\n  real x;\n}\nmodel {\n  target += " + c.expr + ";\n}\n",
                                          "{}");
    ASSERT_TRUE(m);
    for (double x : c.points) {
      double grad = 0;
      runtime::EvalError error = 0;
      const double value = m->model().lp_grad(&x, &grad, &error);
      ASSERT_EQ(error, 0) << m->model().describe_error(error);
      const double expected = c.reference(x);
      EXPECT_NEAR(value, expected, 1e-12 * std::max(1.0, std::fabs(expected))) << "at " << x;
      const double h = 1e-6 * std::max(1.0, std::fabs(x));
      const double fd = (c.reference(x + h) - c.reference(x - h)) / (2 * h);
      EXPECT_NEAR(grad, fd, 1e-6 * std::max(1.0, std::fabs(fd))) << "gradient at " << x;
    }
  }
}

TEST(ScalarFunctions, IntValuedFunctionsAndConstants) {
  // Each term is 1 when the function is right, so the density is the count of them.
  auto m = testing_util::compile_source("ints", R"(data {
  int n;
  array[3] int k;
}
transformed data {
  real inf = positive_infinity();
  real nan = not_a_number();
  array[11] int ok;
  ok[1] = abs(-n) == 3;
  ok[2] = max(n, -5) == 3 && max(-5, n) == 3;
  ok[3] = min(n, 7) == 3;
  ok[4] = int_step(n) == 1 && int_step(0) == 0 && int_step(-2.5) == 0;
  ok[5] = is_inf(inf) == 1 && is_inf(negative_infinity()) == 1 && is_inf(1.5) == 0;
  ok[6] = is_nan(nan) == 1 && is_nan(inf) == 0;
  ok[7] = step(-0.5) == 0 && step(0) == 1;
  ok[8] = machine_precision() == 2.0 ^ -52;
  ok[9] = abs(n - 10) == 7;
  ok[10] = lchoose(5, 2) > 2.302 && lchoose(5, 2) < 2.303;
  // The sum of ints is an int (an int's declaration takes it; %/% needs ints).
  int s = sum(k);
  ok[11] = s %/% 2 == 3;
}
parameters {
  real x;
}
model {
  target += sum(ok);
  x ~ normal(0, 1);
}
)",
                                        R"({"n": 3, "k": [1, 2, 4]})");
  ASSERT_TRUE(m);
  double x = 0, grad = 0;
  runtime::EvalError error = 0;
  EXPECT_EQ(m->model().lp_grad(&x, &grad, &error), 11.0);
}

}  // namespace
}  // namespace vic
