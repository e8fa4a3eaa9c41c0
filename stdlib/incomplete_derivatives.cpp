// The shape partials of the regularised incomplete gamma and beta functions
// (incomplete_derivatives.h). Each function's log is a closed-form prefactor
// plus the log of a power series or a continued fraction; the prefactor's
// partials are digammas and logs, and the series' or fraction's are carried
// along with its value (forward mode by hand, in `Jet`). The value itself is
// Boost.Math's: the partial is value * d log(value).
#include "stdlib/incomplete_derivatives.h"

#include <cmath>
#include <utility>

#include <boost/math/special_functions/beta.hpp>
#include <boost/math/special_functions/digamma.hpp>
#include <boost/math/special_functions/gamma.hpp>

#include "stdlib/no_throw_policy.h"

namespace vic::stdlib {
namespace {

// Where a series or continued fraction stops: the next change is below this
// relative to what it changes, in the value and in each partial.
constexpr double kEpsilon = 1e-16;
// Enough for shapes up to ~1e10 (the series and fractions take O(sqrt(shape))
// steps near the mean); beyond, the last estimate stands.
constexpr int kMaxSteps = 1000000;
// Lentz's stand-in for a zero denominator.
constexpr double kTiny = 1e-300;

double digamma(double x) { return boost::math::digamma(x, NoThrow()); }

// A number with its partials in two shapes, p and q.
struct Jet {
  double v, dp, dq;
  Jet(double value, double d_p = 0, double d_q = 0) : v(value), dp(d_p), dq(d_q) {}
};
Jet operator+(Jet x, Jet y) { return {x.v + y.v, x.dp + y.dp, x.dq + y.dq}; }
Jet operator*(Jet x, Jet y) { return {x.v * y.v, x.dp * y.v + x.v * y.dp, x.dq * y.v + x.v * y.dq}; }
// x / y: (dx - (x / y) dy) / y
Jet operator/(Jet x, Jet y) {
  const double r = x.v / y.v;
  return {r, (x.dp - r * y.dp) / y.v, (x.dq - r * y.dq) / y.v};
}
// Lentz's guard: a denominator that vanishes is moved off zero.
Jet off_zero(Jet x) {
  if (std::fabs(x.v) < kTiny) x.v = kTiny;
  return x;
}

// Whether a continued fraction's factor `del` (h <- h del) changes h and
// its partials' logs (h.dp / h.v, h.dq / h.v) by less than kEpsilon.
bool converged(Jet del, Jet h) {
  const double log_dp = std::fabs(h.dp / h.v), log_dq = std::fabs(h.dq / h.v);
  return std::fabs(del.v - 1) < kEpsilon && std::fabs(del.dp) <= kEpsilon * std::max(1.0, log_dp) &&
         std::fabs(del.dq) <= kEpsilon * std::max(1.0, log_dq);
}

// The modified Lentz evaluation of b0 + a1 / (b1 + a2 / (b2 + ...)) with
// (a_i, b_i) = terms(i), i >= 1, carrying the partials.
template <typename Terms>
Jet continued_fraction(Jet b0, Terms terms) {
  Jet h = off_zero(b0), c = h, d = 0.0;
  for (int i = 1; i < kMaxSteps; ++i) {
    auto [a, b] = terms(i);
    d = off_zero(b + a * d);
    c = off_zero(b + a / c);
    d = Jet(1.0) / d;
    const Jet del = c * d;
    h = h * del;
    if (converged(del, h)) break;
  }
  return h;
}

// d log Q(a, x) / da for x >= a + 1, from Q = x^a e^-x / Gamma(a) / C with
//   C = x + 1 - a - 1 (1 - a) / (x + 3 - a - 2 (2 - a) / (x + 5 - a - ...))
// (Legendre's fraction): d log Q / da = log x - digamma(a) - C' / C.
double gamma_q_log_da(double a, double x) {
  const Jet c = continued_fraction(Jet(x + 1 - a, -1), [&](int i) {
    // a_i = -i (i - a), b_i = x + 2 i + 1 - a
    return std::pair<Jet, Jet>{Jet(-i * (i - a), i), Jet(x + 2 * i + 1 - a, -1)};
  });
  return std::log(x) - digamma(a) - c.dp / c.v;
}

// d log P(a, x) / da for x < a + 1, from P = x^a e^-x / Gamma(a + 1) S with
//   S = sum_n x^n / ((a + 1) (a + 2) ... (a + n)),
// whose terms t_n have partials -t_n sum_{k <= n} 1 / (a + k): all of one
// sign, so neither sum cancels. d log P / da = log x - digamma(a + 1) + S' / S.
double gamma_p_log_da(double a, double x) {
  double term = 1, s = 1, ds = 0, harmonic = 0;
  for (int n = 1; n < kMaxSteps; ++n) {
    term *= x / (a + n);
    harmonic += 1 / (a + n);
    s += term;
    ds -= term * harmonic;
    if (term <= kEpsilon * s && term * harmonic <= kEpsilon * -ds) break;
  }
  return std::log(x) - digamma(a + 1) + ds / s;
}

// d log I_y(p, q) / dp and / dq for y < (p + 1) / (p + q + 2), from
//   I_y(p, q) = y^p (1 - y)^q / (p B(p, q)) / (1 + d_1 / (1 + d_2 / (1 + ...))),
//   d_{2m+1} = -(p + m) (p + q + m) y / ((p + 2m) (p + 2m + 1)),
//   d_{2m} = m (q - m) y / ((p + 2m - 1) (p + 2m))
// (DLMF 8.17.22). log_y and log1m_y are log y and log(1 - y), each taken
// from whichever of y and 1 - y the caller has exactly.
std::pair<double, double> ibeta_log_partials(double p, double q, double y, double log_y, double log1m_y) {
  const Jet f = continued_fraction(Jet(1.0), [&](int i) {
    const int m = i / 2;
    Jet num(0.0), den(0.0);
    if (i % 2 == 1) {
      // -(p + m) (p + q + m) y / ((p + 2m) (p + 2m + 1))
      num = Jet(-(p + m) * y, -y) * Jet(p + q + m, 1, 1);
      den = Jet(p + 2 * m, 1) * Jet(p + 2 * m + 1, 1);
    } else {
      // m (q - m) y / ((p + 2m - 1) (p + 2m))
      num = Jet(m * (q - m) * y, 0, m * y);
      den = Jet(p + 2 * m - 1, 1) * Jet(p + 2 * m, 1);
    }
    return std::pair<Jet, Jet>{num / den, Jet(1.0)};
  });
  // I = prefactor / f: the fraction's partials enter with a minus sign.
  const double psi_sum = digamma(p + q);
  return {log_y - 1 / p - digamma(p) + psi_sum - f.dp / f.v, log1m_y - digamma(q) + psi_sum - f.dq / f.v};
}

// (d/da, d/db) I_x(a, b).
std::pair<double, double> ibeta_partials(double a, double b, double x) {
  if (std::isnan(a) || std::isnan(b) || std::isnan(x) || !(a > 0) || !(b > 0) || std::isinf(a) || std::isinf(b) ||
      x < 0 || x > 1)
    return {NAN, NAN};
  if (x == 0 || x == 1) return {0, 0};
  const double log_x = std::log(x), log1m_x = std::log1p(-x);
  if (x < (a + 1) / (a + b + 2)) {
    const double value = boost::math::ibeta(a, b, x, NoThrow());
    auto [da, db] = ibeta_log_partials(a, b, x, log_x, log1m_x);
    return {value * da, value * db};
  }
  // I_x(a, b) = 1 - I_{1-x}(b, a): the complement's partials, negated.
  const double complement = boost::math::ibetac(a, b, x, NoThrow());
  auto [db, da] = ibeta_log_partials(b, a, 1 - x, log1m_x, log_x);
  return {-complement * da, -complement * db};
}

}  // namespace

double gamma_p_da(double a, double x) {
  if (std::isnan(a) || std::isnan(x) || !(a > 0) || std::isinf(a) || x < 0) return NAN;
  if (x == 0 || std::isinf(x)) return 0;
  if (x < a + 1) return boost::math::gamma_p(a, x, NoThrow()) * gamma_p_log_da(a, x);
  // dP/da = -dQ/da
  return -boost::math::gamma_q(a, x, NoThrow()) * gamma_q_log_da(a, x);
}

double ibeta_da(double a, double b, double x) { return ibeta_partials(a, b, x).first; }
double ibeta_db(double a, double b, double x) { return ibeta_partials(a, b, x).second; }

}  // namespace vic::stdlib
