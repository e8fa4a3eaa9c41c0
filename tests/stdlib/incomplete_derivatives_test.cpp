// The shape partials of the incomplete gamma and beta functions against
// finite differences of Boost.Math's functions in long double, over shapes
// from 0.01 to 1e5 and both tails: each partial is checked relative to
// itself, the difference taken of the smaller tail (dP = -dQ), so that a
// partial near P = 1, tiny beside P, is still checked to many digits.
#include "stdlib/incomplete_derivatives.h"

#include <gtest/gtest.h>

#include <boost/math/special_functions/beta.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <cmath>
#include <functional>

namespace vic::stdlib {
namespace {

// f'(t) by the five-point stencil, its truncation error O(h^4).
long double derivative(const std::function<long double(long double)>& f, long double t, long double h) {
  return (-f(t + 2 * h) + 8 * f(t + h) - 8 * f(t - h) + f(t - 2 * h)) / (12 * h);
}

// The worst cases (near 1e-8) are partials in a shape beside a much larger
// one, where digamma(a + b) - digamma(b) cancels; most agree to 1e-12.
constexpr double kTolerance = 2e-8;

TEST(IncompleteDerivatives, GammaPInA) {
  int checked = 0;
  for (double a : {0.01, 0.05, 0.3, 1.0, 2.5, 7.0, 20.0, 100.0, 1000.0, 1e4, 1e5}) {
    for (double x : {1e-6, 1e-4, 0.01, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 100.0, 500.0, 1e3, 1e4, 1.02e4, 2e4, 1e5, 1.01e5}) {
      const long double p = boost::math::gamma_p<long double>(a, x), q = boost::math::gamma_q<long double>(a, x);
      if (std::min(p, q) < 1e-250L) continue;  // the smaller tail underflows in double
      const bool lower = p < q;
      auto tail = [&](long double s) { return lower ? boost::math::gamma_p(s, (long double)x) : -boost::math::gamma_q(s, (long double)x); };
      const double expected = static_cast<double>(derivative(tail, a, 1e-4L * std::min(a, 1.0)));
      const double got = gamma_p_da(a, x);
      EXPECT_NEAR(got, expected, kTolerance * std::fabs(expected)) << "a = " << a << ", x = " << x;
      ++checked;
    }
  }
  EXPECT_GT(checked, 80);
}

TEST(IncompleteDerivatives, GammaPEdges) {
  EXPECT_EQ(gamma_p_da(2.0, 0.0), 0.0);
  EXPECT_EQ(gamma_p_da(2.0, HUGE_VAL), 0.0);
  EXPECT_TRUE(std::isnan(gamma_p_da(0.0, 1.0)));
  EXPECT_TRUE(std::isnan(gamma_p_da(1.0, -1.0)));
  EXPECT_TRUE(std::isnan(gamma_p_da(NAN, 1.0)));
}

TEST(IncompleteDerivatives, IBetaInAAndB) {
  int checked = 0;
  const double shapes[] = {0.02, 0.1, 0.7, 2.0, 10.0, 150.0, 5000.0, 1e5};
  for (double a : shapes) {
    for (double b : shapes) {
      for (double x : {1e-8, 1e-6, 0.01, 0.2, 0.5, 0.8, 0.99, 1 - 1e-6, 1 - 1e-8}) {
        const long double i = boost::math::ibeta<long double>(a, b, x), ic = boost::math::ibetac<long double>(a, b, x);
        if (std::min(i, ic) < 1e-250L) continue;
        const bool lower = i < ic;
        auto tail_a = [&](long double s) {
          return lower ? boost::math::ibeta(s, (long double)b, (long double)x) : -boost::math::ibetac(s, (long double)b, (long double)x);
        };
        auto tail_b = [&](long double s) {
          return lower ? boost::math::ibeta((long double)a, s, (long double)x) : -boost::math::ibetac((long double)a, s, (long double)x);
        };
        const double da = static_cast<double>(derivative(tail_a, a, 1e-4L * std::min(a, 1.0)));
        const double db = static_cast<double>(derivative(tail_b, b, 1e-4L * std::min(b, 1.0)));
        EXPECT_NEAR(ibeta_da(a, b, x), da, kTolerance * std::fabs(da)) << "a = " << a << ", b = " << b << ", x = " << x;
        EXPECT_NEAR(ibeta_db(a, b, x), db, kTolerance * std::fabs(db)) << "a = " << a << ", b = " << b << ", x = " << x;
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 300);
}

// A large shape beside a small one, x near 1: the fraction on x's side
// converges slowly unless the right side is chosen.
TEST(IncompleteDerivatives, IBetaLopsidedShapes) {
  const double a = 1e6, b = 1.5;
  for (double x : {1 - 1e-5, 1 - 1.5e-6, 1 - 1e-7}) {
    const long double ic = boost::math::ibetac<long double>(a, b, x);
    auto tail_a = [&](long double s) { return -boost::math::ibetac(s, (long double)b, (long double)x); };
    auto tail_b = [&](long double s) { return -boost::math::ibetac((long double)a, s, (long double)x); };
    ASSERT_GT(ic, 1e-250L);
    const double da = static_cast<double>(derivative(tail_a, a, 1e-4L));
    const double db = static_cast<double>(derivative(tail_b, b, 1e-4L));
    EXPECT_NEAR(ibeta_da(a, b, x), da, 1e-7 * std::fabs(da)) << x;
    EXPECT_NEAR(ibeta_db(a, b, x), db, 1e-7 * std::fabs(db)) << x;
  }
}

TEST(IncompleteDerivatives, IBetaEdges) {
  EXPECT_EQ(ibeta_da(2.0, 3.0, 0.0), 0.0);
  EXPECT_EQ(ibeta_db(2.0, 3.0, 1.0), 0.0);
  EXPECT_TRUE(std::isnan(ibeta_da(0.0, 3.0, 0.5)));
  EXPECT_TRUE(std::isnan(ibeta_db(2.0, 3.0, 1.5)));
}

}  // namespace
}  // namespace vic::stdlib
