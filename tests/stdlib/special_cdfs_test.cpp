// The special functions of the skew normal, exponentially modified normal
// and von Mises CDFs at the extremes the e2e tests leave out: erfcx against
// exp(x^2) erfc(x) in long double; the skew normal's far tails against
// F(z; 1) = Phi(z)^2 and F(z; 0) = Phi(z); the von Mises mass of a whole turn
// (1) and of two complementary arcs (summing to 1) for kappa from 1e-3 to
// 1e6, its log in a tail at large kappa against Laplace's approximation, and
// its partial in kappa against finite differences.
#include "stdlib/special_cdfs.h"

#include <gtest/gtest.h>

#include <boost/math/special_functions/erf.hpp>
#include <cmath>

namespace vic::stdlib {
namespace {

TEST(SpecialCdfs, ErfcxAgainstLongDouble) {
  for (double x : {-20.0, -5.0, -1.0, -0.1, 0.0, 0.3, 1.0, 4.0, 10.0, 24.9, 25.1, 60.0}) {
    const long double reference =
        std::exp(static_cast<long double>(x) * x) * boost::math::erfc(static_cast<long double>(x));
    EXPECT_NEAR(erfcx(x), static_cast<double>(reference), 4e-16 * static_cast<double>(reference)) << x;
  }
  // Far out: 1 / (x sqrt(pi)) to the series' next term.
  EXPECT_NEAR(erfcx(1e8), 1 / (1e8 * std::sqrt(M_PI)), 1e-32);
  EXPECT_EQ(erfcx(-30), HUGE_VAL);
}

TEST(SpecialCdfs, SkewNormalFarTails) {
  for (double z : {-40.0, -10.0, -3.0, 0.5, 4.0}) {
    const double log_phi = log_normal_cdf(z);
    EXPECT_NEAR(skew_normal_lcdf(z, 1.0), 2 * log_phi, 1e-13 * std::max(1.0, std::fabs(log_phi))) << z;
    EXPECT_NEAR(skew_normal_lcdf(z, 0.0), log_phi, 1e-13 * std::max(1.0, std::fabs(log_phi))) << z;
  }
  // Phi(-40)'s log: -800 - log(40 sqrt(2 pi)) + log(sum_n (-1)^n (2n - 1)!! / 1600^n).
  const double series = -1.0 / 1600 + 3.0 / std::pow(1600, 2) - 15.0 / std::pow(1600, 3) + 105.0 / std::pow(1600, 4);
  EXPECT_NEAR(log_normal_cdf(-40), -800 - std::log(40 * std::sqrt(2 * M_PI)) + std::log1p(series), 1e-12);
  // The partials where F is below the smallest double: d log F / dz of
  // 2 log Phi(z) is 2 phi(z) / Phi(z).
  const double z = -40, r = skew_normal_lcdf(z, 1.0);
  const double mills = std::exp(-0.5 * z * z - 0.5 * std::log(2 * M_PI) - log_normal_cdf(z));
  EXPECT_NEAR(skew_normal_lcdf_dz(z, 1.0, r), 2 * mills, 1e-11 * 2 * mills);
}

TEST(SpecialCdfs, VonMisesMassesAcrossKappa) {
  for (double kappa : {1e-3, 0.5, 3.0, 49.5, 50.5, 700.0, 1e4, 1e6}) {
    EXPECT_NEAR(von_mises_log_mass(-M_PI + 0.3, M_PI + 0.3, kappa), 0.0, 1e-13) << kappa;
    for (double cut : {-2.0, 0.1, 2.2}) {
      const double a = -M_PI - 0.7, lower = von_mises_log_mass(a, cut, kappa),
                   upper = von_mises_log_mass(cut, a + 2 * M_PI, kappa);
      EXPECT_NEAR(std::exp(lower) + std::exp(upper), 1.0, 1e-13) << kappa << " " << cut;
    }
  }
  // At large kappa, the tail beyond an angle t0 > 0 from the mode: by Laplace's
  // method, int_t0^pi exp(kappa (cos s - 1)) ds ~ exp(kappa (cos t0 - 1)) / (kappa sin t0)
  // (1 + O(1 / kappa)), and 2 pi e^-kappa I0(kappa) ~ sqrt(2 pi / kappa).
  const double kappa = 1e6, t0 = 0.5;
  const double laplace = kappa * (std::cos(t0) - 1) - std::log(kappa * std::sin(t0)) - 0.5 * std::log(2 * M_PI / kappa);
  EXPECT_NEAR(von_mises_log_mass(t0, M_PI, kappa), laplace, 1e-5 * std::fabs(laplace));
}

TEST(SpecialCdfs, VonMisesPartialInKappa) {
  for (double kappa : {0.01, 2.0, 60.0, 1e4}) {
    for (auto [a, b] : {std::pair{-M_PI - 1.0, -2.0}, std::pair{-M_PI - 1.0, 0.5}, std::pair{0.2, 1.0}}) {
      const double h = 1e-5 * kappa;
      const double fd = (von_mises_log_mass(a, b, kappa + h) - von_mises_log_mass(a, b, kappa - h)) / (2 * h);
      EXPECT_NEAR(von_mises_log_mass_dkappa(a, b, kappa), fd, 1e-6 * std::max(1.0, std::fabs(fd)))
          << kappa << " [" << a << ", " << b << "]";
    }
  }
}

}  // namespace
}  // namespace vic::stdlib
