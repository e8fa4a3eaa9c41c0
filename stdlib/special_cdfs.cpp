// The special functions of the skew normal, exponentially modified normal and
// von Mises CDFs (special_cdfs.h). The skew normal's and the von Mises' are
// integrals of positive functions by tanh-sinh quadrature (Boost.Math), each
// with its largest value factored out, so that their logs keep their digits
// where the CDF is far below the smallest double; erfcx is a continued
// product of Boost's erfc and an exact exp(x^2), or its asymptotic series.
#include "stdlib/special_cdfs.h"

#include <cmath>
#include <vector>

#include <boost/math/quadrature/tanh_sinh.hpp>
#include <boost/math/special_functions/erf.hpp>

#include "stdlib/no_throw_policy.h"

// log I0(x) and I1(x) / I0(x), the kernels of the log_bessel_i0 and
// bessel_i1_over_i0 ops (kernels.cpp).
extern "C" double vic_log_bessel_i0(double x);
extern "C" double vic_bessel_i1_over_i0(double x);

namespace vic::stdlib {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kLog2 = 0.69314718055994530942;
constexpr double kLogPi = 1.14472988584940017414;
constexpr double kLogTwoPi = 1.83787706640934548356;
constexpr double kSqrtHalf = 0.70710678118654752440;
constexpr double kInvSqrtPi = 0.56418958354775628695;
// The quadratures stop when their error estimate is below this, relative to
// the integral; tanh-sinh's error then is far smaller still (it squares with
// each level).
constexpr double kTolerance = 1e-14;

using Quadrature = boost::math::quadrature::tanh_sinh<double, NoThrow>;

// One integrator for every call: it builds its abscissas once (Boost's
// tanh_sinh is safe to share between threads; its integrate() is not marked
// const).
Quadrature& quadrature() {
  static Quadrature q;
  return q;
}

// exp(x^2) with x^2 split into its rounded value and the rounding error, so
// that the result keeps its digits at large |x|.
double exp_square(double x) {
  const double hi = x * x;
  const double lo = std::fma(x, x, -hi);
  return std::exp(hi) * (1 + lo);
}

// log(1 - exp(x)) for x <= 0.
double log1m_exp(double x) { return x > -kLog2 ? std::log(-std::expm1(x)) : std::log1p(-std::exp(x)); }

// log of (1 / pi) int_alpha^inf exp(-h^2 (1 + x^2) / 2) / (1 + x^2) dx, h >= 0:
// the skew normal's CDF at z = -h. With x = tan(theta) the integral is
// int_atan(alpha)^(pi / 2) exp(-h^2 (1 + tan^2 theta) / 2) dtheta, over a
// bounded interval; its largest value, at theta = atan(max(alpha, 0)), is
// factored out.
double skew_normal_lower_tail(double h, double alpha) {
  if (h == 0) return std::log(0.5 - std::atan(alpha) / kPi);
  const double h2 = h * h;
  if (alpha >= 0) {
    // theta = theta0 + s: x - alpha = tan(theta) - tan(theta0) = sin(s) / (cos(theta) cos(theta0)),
    // exact near s = 0, and x^2 - alpha^2 = t (t + 2 alpha).
    const double theta0 = std::atan(alpha);
    const double cos0 = 1 / std::sqrt(1 + alpha * alpha);
    const double width = alpha > 0 ? std::atan(1 / alpha) : kPi / 2;
    auto f = [&](double s) {
      const double c = std::cos(theta0 + s);
      if (c <= 0) return 0.0;
      const double t = std::sin(s) / (c * cos0);
      return std::exp(-0.5 * h2 * t * (t + 2 * alpha));
    };
    const double j = quadrature().integrate(f, 0.0, width, kTolerance);
    return -0.5 * h2 * (1 + alpha * alpha) - kLogPi + std::log(j);
  }
  // alpha < 0: the part over theta in [atan(alpha), 0] (by symmetry, over
  // [0, atan(-alpha)]) and the part over [0, pi / 2], which is
  // (pi / 2) erfcx(h / sqrt 2).
  auto f = [&](double s) {
    const double t = std::tan(s);
    return std::exp(-0.5 * h2 * t * t);
  };
  const double j = quadrature().integrate(f, 0.0, std::atan(-alpha), kTolerance) + 0.5 * kPi * erfcx(h * kSqrtHalf);
  return -0.5 * h2 - kLogPi + std::log(j);
}

// One monotone piece of the von Mises density on [l, r], integrated from
// its peak p (l or r): log int exp(kappa (cos s - 1)) ds and, when
// `cos_moment`, int (cos s - 1) exp(kappa (cos s - cos p)) ds.
struct Piece {
  double log_mass;       // log int exp(kappa (cos s - 1)) ds
  double scaled_mass;    // int exp(kappa (cos s - cos p)) ds
  double scaled_moment;  // int (cos s - 1) exp(kappa (cos s - cos p)) ds
};

Piece von_mises_piece(double l, double r, double kappa, bool cos_moment) {
  const double p = std::cos(l) >= std::cos(r) ? l : r;
  const double sign = p == l ? 1 : -1;
  // s = p + sign d: cos s - cos p = -2 sin(p + sign d / 2) sin(sign d / 2).
  auto drop = [&](double d) { return -2 * std::sin(p + sign * d / 2) * std::sin(sign * d / 2); };
  auto f = [&](double d) { return std::exp(kappa * drop(d)); };
  Piece piece;
  piece.scaled_mass = quadrature().integrate(f, 0.0, r - l, kTolerance);
  piece.log_mass = kappa * (std::cos(p) - 1) + std::log(piece.scaled_mass);
  piece.scaled_moment = 0;
  if (cos_moment) {
    auto g = [&](double d) { return (std::cos(p + sign * d) - 1) * f(d); };
    piece.scaled_moment = quadrature().integrate(g, 0.0, r - l, kTolerance);
  }
  return piece;
}

// The pieces of [a, b] between the density's peaks (2 pi k) and troughs
// (pi + 2 pi k), a first moved into [-pi, pi).
std::vector<Piece> von_mises_pieces(double a, double b, double kappa, bool cos_moment) {
  const double shift = 2 * kPi * std::floor((a + kPi) / (2 * kPi));
  a -= shift;
  b -= shift;
  std::vector<double> cuts = {a};
  for (double p : {0.0, kPi, 2 * kPi})
    if (p > a && p < b) cuts.push_back(p);
  cuts.push_back(b);
  std::vector<Piece> pieces;
  for (size_t i = 0; i + 1 < cuts.size(); ++i)
    pieces.push_back(von_mises_piece(cuts[i], cuts[i + 1], kappa, cos_moment));
  return pieces;
}

bool von_mises_arguments_valid(double a, double b, double kappa) {
  return std::isfinite(a) && std::isfinite(b) && kappa > 0 && std::isfinite(kappa) && b >= a;
}

// log P(a <= Y <= b), b > a, summed over the pieces.
double von_mises_direct_log_mass(double a, double b, double kappa) {
  if (b <= a) return -HUGE_VAL;
  double log_sum = -HUGE_VAL;
  for (const Piece& piece : von_mises_pieces(a, b, kappa, false)) {
    const double hi = std::max(log_sum, piece.log_mass), lo = std::min(log_sum, piece.log_mass);
    log_sum = hi + std::log1p(std::exp(lo - hi));
  }
  // The density's normaliser 2 pi I0(kappa) = 2 pi e^kappa (e^-kappa I0(kappa)).
  return log_sum - kLogTwoPi - (vic_log_bessel_i0(kappa) - kappa);
}

// Its partial in kappa: d/dkappa log int exp(kappa (cos s - 1)) = E[cos s - 1],
// and d/dkappa -log(e^-kappa I0(kappa)) = 1 - I1 / I0.
double von_mises_direct_dkappa(double a, double b, double kappa) {
  std::vector<Piece> pieces = von_mises_pieces(a, b, kappa, true);
  double top = -HUGE_VAL;
  for (const Piece& piece : pieces) top = std::max(top, piece.log_mass);
  double mass = 0, moment = 0;
  for (const Piece& piece : pieces) {
    const double weight = std::exp(piece.log_mass - top) / piece.scaled_mass;
    mass += weight * piece.scaled_mass;
    moment += weight * piece.scaled_moment;
  }
  return moment / mass + 1 - vic_bessel_i1_over_i0(kappa);
}

}  // namespace

double erfcx(double x) {
  if (std::isnan(x)) return x;
  if (x < 0) return 2 * exp_square(x) - erfcx(-x);
  if (x < 25) return exp_square(x) * boost::math::erfc(x, NoThrow());
  // 1 / (x sqrt(pi)) sum_n (-1)^n (2n - 1)!! / (2 x^2)^n: below 1e-17 by n = 8 at x = 25.
  const double inv = 1 / (2 * x * x);
  double term = 1, sum = 1;
  for (int n = 1; n <= 8; ++n) {
    term *= -(2 * n - 1) * inv;
    sum += term;
  }
  return kInvSqrtPi / x * sum;
}

double log_normal_cdf(double x) {
  if (std::isnan(x)) return x;
  if (x < 0) return std::log(0.5 * erfcx(-x * kSqrtHalf)) - 0.5 * x * x;
  return std::log1p(-0.5 * boost::math::erfc(x * kSqrtHalf, NoThrow()));
}

double skew_normal_lcdf(double z, double alpha) {
  if (std::isnan(z) || std::isnan(alpha)) return NAN;
  if (std::isinf(z)) return z < 0 ? -HUGE_VAL : 0.0;
  if (z <= 0) return skew_normal_lower_tail(-z, alpha);
  // The upper tail 1 - F(z; alpha) = F(-z; -alpha).
  return log1m_exp(skew_normal_lower_tail(z, -alpha));
}

double skew_normal_lcdf_dz(double z, double alpha, double r) {
  // log(2 phi(z) Phi(alpha z)) - r
  return std::exp(std::log(2.0) - 0.5 * kLogTwoPi - 0.5 * z * z + log_normal_cdf(alpha * z) - r);
}

double skew_normal_lcdf_dalpha(double z, double alpha, double r) {
  const double a2 = 1 + alpha * alpha;
  return -std::exp(-0.5 * z * z * a2 - kLogPi - std::log(a2) - r);
}

double von_mises_log_mass(double a, double b, double kappa) {
  if (!von_mises_arguments_valid(a, b, kappa)) return NAN;
  if (b == a) return -HUGE_VAL;
  const double log_mass = von_mises_direct_log_mass(a, b, kappa);
  if (log_mass < -kLog2) return log_mass;
  // Above one half, 1 - the mass of the rest of the circle keeps the digits of
  // a log near 0.
  return log1m_exp(von_mises_direct_log_mass(b, a + 2 * kPi, kappa));
}

double von_mises_log_mass_dkappa(double a, double b, double kappa) {
  if (!von_mises_arguments_valid(a, b, kappa) || b == a) return NAN;
  if (von_mises_direct_log_mass(a, b, kappa) < -kLog2) return von_mises_direct_dkappa(a, b, kappa);
  // d log(1 - G) = -G / (1 - G) d log G, G the rest's mass.
  const double rest = von_mises_direct_log_mass(b, a + 2 * kPi, kappa);
  if (rest == -HUGE_VAL) return 0.0;
  return -std::exp(rest - log1m_exp(rest)) * von_mises_direct_dkappa(b, a + 2 * kPi, kappa);
}

}  // namespace vic::stdlib
