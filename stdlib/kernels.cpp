// Run-time kernels: special functions and random draws, each a C function
// taking and returning doubles (the rng ones take the caller's vic::Rng
// first); and the linear-algebra kernels of linear_algebra_kernels.cpp.
#include "stdlib/kernels.h"

#include <cmath>
#include <iostream>
#include <mutex>
#include <sstream>

#include <boost/math/distributions/hypergeometric.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <boost/math/special_functions/bessel.hpp>
#include <boost/math/special_functions/beta.hpp>
#include <boost/math/special_functions/digamma.hpp>
#include <boost/math/special_functions/erf.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <boost/math/special_functions/trigamma.hpp>
#include <boost/random/bernoulli_distribution.hpp>
#include <boost/random/beta_distribution.hpp>
#include <boost/random/binomial_distribution.hpp>
#include <boost/random/cauchy_distribution.hpp>
#include <boost/random/chi_squared_distribution.hpp>
#include <boost/random/exponential_distribution.hpp>
#include <boost/random/extreme_value_distribution.hpp>
#include <boost/random/gamma_distribution.hpp>
#include <boost/random/laplace_distribution.hpp>
#include <boost/random/lognormal_distribution.hpp>
#include <boost/random/normal_distribution.hpp>
#include <boost/random/poisson_distribution.hpp>
#include <boost/random/student_t_distribution.hpp>
#include <boost/random/uniform_01.hpp>
#include <boost/random/uniform_real_distribution.hpp>
#include <boost/random/weibull_distribution.hpp>

#include "ir/ir.h"
#include "stdlib/incomplete_derivatives.h"
#include "stdlib/no_throw_policy.h"
#include "stdlib/special_cdfs.h"
#include "support/rng.h"

namespace vic::stdlib {
namespace {

// The message the last reject with values wrote on this thread.
thread_local std::string reject_message;

bool positive(double x) { return x > 0 && std::isfinite(x); }

// Above this, I0 and I1 are near overflow (I0(713) ~ 1e308): their
// exponentially scaled forms come from the asymptotic series instead.
constexpr double kBesselAsymptotic = 500;

// e^-x sqrt(2 pi x) I_nu(x) for large x: the series
// sum_k prod_{j <= k} -(4 nu^2 - (2j - 1)^2) / (8 j x) (Abramowitz and Stegun
// 9.7.1), its terms below 1e-17 of the first long before they would grow.
double scaled_bessel_i_series(double nu, double x) {
  double term = 1, sum = 1;
  for (int k = 1; k <= 30 && std::fabs(term) > 1e-17; ++k) {
    term *= -(4 * nu * nu - (2.0 * k - 1) * (2.0 * k - 1)) / (8.0 * k * x);
    sum += term;
  }
  return sum;
}

}  // namespace
}  // namespace vic::stdlib

extern "C" {

// lgamma from libm: +inf at the poles, as Stan returns.
double vic_lgamma(double x) { return std::lgamma(x); }
double vic_digamma(double x) { return boost::math::digamma(x, vic::stdlib::NoThrow()); }
double vic_trigamma(double x) { return boost::math::trigamma(x, vic::stdlib::NoThrow()); }
double vic_tgamma(double x) { return boost::math::tgamma(x, vic::stdlib::NoThrow()); }
double vic_erf(double x) { return boost::math::erf(x, vic::stdlib::NoThrow()); }
double vic_erfc(double x) { return boost::math::erfc(x, vic::stdlib::NoThrow()); }
double vic_tanh(double x) { return std::tanh(x); }
double vic_atan(double x) { return std::atan(x); }

// log I0(x) for x >= 0 (I0 is even: |x|); Boost.Math's I0 below the switch,
// x - log(2 pi x) / 2 + log(series) above it.
double vic_log_bessel_i0(double x) {
  x = std::fabs(x);
  if (std::isnan(x)) return x;
  if (x < vic::stdlib::kBesselAsymptotic) return std::log(boost::math::cyl_bessel_i(0, x, vic::stdlib::NoThrow()));
  if (std::isinf(x)) return x;
  return x - 0.5 * std::log(2 * M_PI * x) + std::log(vic::stdlib::scaled_bessel_i_series(0, x));
}

// I1(x) / I0(x): Boost.Math's ratio below the switch, the series' above it
// (odd in x).
double vic_bessel_i1_over_i0(double x) {
  const double a = std::fabs(x);
  if (std::isnan(x)) return x;
  double r;
  if (a < vic::stdlib::kBesselAsymptotic) {
    r = boost::math::cyl_bessel_i(1, a, vic::stdlib::NoThrow()) / boost::math::cyl_bessel_i(0, a, vic::stdlib::NoThrow());
  } else if (std::isinf(a)) {
    r = 1;
  } else {
    r = vic::stdlib::scaled_bessel_i_series(1, a) / vic::stdlib::scaled_bessel_i_series(0, a);
  }
  return x < 0 ? -r : r;
}

double vic_student_t_cdf(double t, double nu) {
  if (!(nu > 0) || std::isnan(t)) return NAN;
  if (std::isinf(t)) return t > 0 ? 1.0 : 0.0;
  return boost::math::cdf(boost::math::students_t_distribution<double, vic::stdlib::NoThrow>(nu), t);
}
// The regularised incomplete gamma and beta functions and their partials
// (Boost.Math's, the shape partials from incomplete_derivatives.h). Boost
// takes no infinite x: P(a, inf) = 1.
double vic_gamma_p(double a, double x) {
  return std::isinf(x) && x > 0 && a > 0 ? 1.0 : boost::math::gamma_p(a, x, vic::stdlib::NoThrow());
}
double vic_gamma_q(double a, double x) {
  return std::isinf(x) && x > 0 && a > 0 ? 0.0 : boost::math::gamma_q(a, x, vic::stdlib::NoThrow());
}
double vic_gamma_p_dx(double a, double x) {
  return std::isinf(x) && x > 0 && a > 0 ? 0.0 : boost::math::gamma_p_derivative(a, x, vic::stdlib::NoThrow());
}
double vic_gamma_p_da(double a, double x) { return vic::stdlib::gamma_p_da(a, x); }
double vic_ibeta(double a, double b, double x) { return boost::math::ibeta(a, b, x, vic::stdlib::NoThrow()); }
double vic_ibetac(double a, double b, double x) { return boost::math::ibetac(a, b, x, vic::stdlib::NoThrow()); }
double vic_ibeta_dx(double a, double b, double x) {
  return boost::math::ibeta_derivative(a, b, x, vic::stdlib::NoThrow());
}
double vic_ibeta_da(double a, double b, double x) { return vic::stdlib::ibeta_da(a, b, x); }
double vic_ibeta_db(double a, double b, double x) { return vic::stdlib::ibeta_db(a, b, x); }
// The skew normal's, exponentially modified normal's and von Mises' CDFs' special functions (special_cdfs.h).
double vic_erfcx(double x) { return vic::stdlib::erfcx(x); }
double vic_skew_normal_lcdf(double z, double alpha) { return vic::stdlib::skew_normal_lcdf(z, alpha); }
double vic_skew_normal_lcdf_dz(double z, double alpha, double r) {
  return vic::stdlib::skew_normal_lcdf_dz(z, alpha, r);
}
double vic_skew_normal_lcdf_dalpha(double z, double alpha, double r) {
  return vic::stdlib::skew_normal_lcdf_dalpha(z, alpha, r);
}
double vic_von_mises_log_mass(double a, double b, double kappa) { return vic::stdlib::von_mises_log_mass(a, b, kappa); }
double vic_von_mises_log_mass_dkappa(double a, double b, double kappa) {
  return vic::stdlib::von_mises_log_mass_dkappa(a, b, kappa);
}
double vic_log1p(double x) { return std::log1p(x); }
double vic_expm1(double x) { return std::expm1(x); }
// log(1 + exp(x)) without overflow.
double vic_log1p_exp(double x) { return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x)); }

#define VIC_RNG(name) double vic_##name##_rng
using vic::Rng;
using vic::stdlib::positive;

VIC_RNG(normal)(void* rng, double mu, double sigma) {
  if (!std::isfinite(mu) || !positive(sigma)) return NAN;
  return boost::random::normal_distribution<double>(mu, sigma)(*static_cast<Rng*>(rng));
}
VIC_RNG(std_normal)(void* rng) { return boost::random::normal_distribution<double>(0, 1)(*static_cast<Rng*>(rng)); }
VIC_RNG(student_t)(void* rng, double nu, double mu, double sigma) {
  if (!positive(nu) || !std::isfinite(mu) || !positive(sigma)) return NAN;
  return mu + sigma * boost::random::student_t_distribution<double>(nu)(*static_cast<Rng*>(rng));
}
VIC_RNG(cauchy)(void* rng, double mu, double sigma) {
  if (!std::isfinite(mu) || !positive(sigma)) return NAN;
  return boost::random::cauchy_distribution<double>(mu, sigma)(*static_cast<Rng*>(rng));
}
VIC_RNG(lognormal)(void* rng, double mu, double sigma) {
  if (!std::isfinite(mu) || !positive(sigma)) return NAN;
  return boost::random::lognormal_distribution<double>(mu, sigma)(*static_cast<Rng*>(rng));
}
VIC_RNG(exponential)(void* rng, double beta) {
  if (!positive(beta)) return NAN;
  return boost::random::exponential_distribution<double>(beta)(*static_cast<Rng*>(rng));
}
// Stan's gamma(alpha, beta) has rate beta; Boost's takes a scale.
VIC_RNG(gamma)(void* rng, double alpha, double beta) {
  if (!positive(alpha) || !positive(beta)) return NAN;
  return boost::random::gamma_distribution<double>(alpha, 1.0 / beta)(*static_cast<Rng*>(rng));
}
VIC_RNG(inv_gamma)(void* rng, double alpha, double beta) {
  if (!positive(alpha) || !positive(beta)) return NAN;
  return 1.0 / boost::random::gamma_distribution<double>(alpha, 1.0 / beta)(*static_cast<Rng*>(rng));
}
VIC_RNG(beta)(void* rng, double a, double b) {
  if (!positive(a) || !positive(b)) return NAN;
  return boost::random::beta_distribution<double>(a, b)(*static_cast<Rng*>(rng));
}
VIC_RNG(uniform)(void* rng, double a, double b) {
  if (!std::isfinite(a) || !std::isfinite(b) || !(a < b)) return NAN;
  return boost::random::uniform_real_distribution<double>(a, b)(*static_cast<Rng*>(rng));
}
VIC_RNG(bernoulli)(void* rng, double theta) {
  if (!(theta >= 0 && theta <= 1)) return NAN;
  return boost::random::bernoulli_distribution<double>(theta)(*static_cast<Rng*>(rng)) ? 1.0 : 0.0;
}
VIC_RNG(bernoulli_logit)(void* rng, double alpha) {
  if (std::isnan(alpha)) return NAN;
  double theta = 1.0 / (1.0 + std::exp(-alpha));
  return boost::random::bernoulli_distribution<double>(theta)(*static_cast<Rng*>(rng)) ? 1.0 : 0.0;
}
VIC_RNG(binomial)(void* rng, double n, double theta) {
  if (!(n >= 0) || !(theta >= 0 && theta <= 1)) return NAN;
  return boost::random::binomial_distribution<long long, double>(static_cast<long long>(n), theta)(*static_cast<Rng*>(rng));
}
// Successes in n draws without replacement from a successes and b failures:
// the first k whose CDF (Boost.Math's masses, summed) reaches a uniform draw.
VIC_RNG(hypergeometric)(void* rng, double n, double a, double b) {
  if (!(n >= 0 && a >= 0 && b >= 0 && n <= a + b)) return NAN;
  const double u = boost::random::uniform_01<double>()(*static_cast<Rng*>(rng));
  boost::math::hypergeometric_distribution<double, vic::stdlib::NoThrow> d(
      static_cast<unsigned>(a), static_cast<unsigned>(n), static_cast<unsigned>(a + b));
  const double lo = std::max(0.0, n - b), hi = std::min(n, a);
  double cumulative = 0;
  for (double k = lo; k < hi; ++k) {
    cumulative += boost::math::pdf(d, static_cast<unsigned>(k));
    if (u <= cumulative) return k;
  }
  return hi;
}
VIC_RNG(poisson)(void* rng, double lambda) {
  if (!(lambda >= 0) || !std::isfinite(lambda) || lambda > 1e9) return NAN;
  if (lambda == 0) return 0;
  return boost::random::poisson_distribution<long long, double>(lambda)(*static_cast<Rng*>(rng));
}
VIC_RNG(binomial_logit)(void* rng, double n, double alpha) {
  if (!(n >= 0) || std::isnan(alpha)) return NAN;
  return boost::random::binomial_distribution<long long, double>(static_cast<long long>(n),
                                                                 1.0 / (1.0 + std::exp(-alpha)))(*static_cast<Rng*>(rng));
}
// A gamma-Poisson mixture: lambda ~ gamma(phi, rate phi / mu), n ~ poisson(lambda).
VIC_RNG(neg_binomial_2)(void* rng, double mu, double phi) {
  if (!positive(mu) || !positive(phi)) return NAN;
  const double lambda = boost::random::gamma_distribution<double>(phi, mu / phi)(*static_cast<Rng*>(rng));
  if (!(lambda < 1e9)) return NAN;
  if (lambda == 0) return 0;
  return boost::random::poisson_distribution<long long, double>(lambda)(*static_cast<Rng*>(rng));
}
VIC_RNG(neg_binomial_2_log)(void* rng, double eta, double phi) { return vic_neg_binomial_2_rng(rng, std::exp(eta), phi); }
VIC_RNG(weibull)(void* rng, double alpha, double sigma) {
  if (!positive(alpha) || !positive(sigma)) return NAN;
  return boost::random::weibull_distribution<double>(alpha, sigma)(*static_cast<Rng*>(rng));
}
// The location plus the scale times a standard draw, by inverting the CDF at a uniform u in (0, 1).
VIC_RNG(logistic)(void* rng, double mu, double sigma) {
  if (!std::isfinite(mu) || !positive(sigma)) return NAN;
  const double u = boost::random::uniform_01<double>()(*static_cast<Rng*>(rng));
  return mu + sigma * std::log(u / (1 - u));
}
VIC_RNG(double_exponential)(void* rng, double mu, double sigma) {
  if (!std::isfinite(mu) || !positive(sigma)) return NAN;
  return boost::random::laplace_distribution<double>(mu, sigma)(*static_cast<Rng*>(rng));
}
VIC_RNG(gumbel)(void* rng, double mu, double beta) {
  if (!std::isfinite(mu) || !positive(beta)) return NAN;
  return boost::random::extreme_value_distribution<double>(mu, beta)(*static_cast<Rng*>(rng));
}
VIC_RNG(chi_square)(void* rng, double nu) {
  if (!positive(nu)) return NAN;
  return boost::random::chi_squared_distribution<double>(nu)(*static_cast<Rng*>(rng));
}
VIC_RNG(inv_chi_square)(void* rng, double nu) {
  if (!positive(nu)) return NAN;
  return 1.0 / boost::random::chi_squared_distribution<double>(nu)(*static_cast<Rng*>(rng));
}
VIC_RNG(scaled_inv_chi_square)(void* rng, double nu, double s) {
  if (!positive(nu) || !positive(s)) return NAN;
  return nu * s * s / boost::random::chi_squared_distribution<double>(nu)(*static_cast<Rng*>(rng));
}
// The inverse CDFs at a uniform u in (0, 1).
VIC_RNG(rayleigh)(void* rng, double sigma) {
  if (!positive(sigma)) return NAN;
  return sigma * std::sqrt(-2 * std::log1p(-boost::random::uniform_01<double>()(*static_cast<Rng*>(rng))));
}
VIC_RNG(pareto)(void* rng, double y_min, double alpha) {
  if (!positive(y_min) || !positive(alpha)) return NAN;
  return y_min * std::pow(1 - boost::random::uniform_01<double>()(*static_cast<Rng*>(rng)), -1 / alpha);
}
VIC_RNG(frechet)(void* rng, double alpha, double sigma) {
  if (!positive(alpha) || !positive(sigma)) return NAN;
  const double u = boost::random::uniform_01<double>()(*static_cast<Rng*>(rng));
  return sigma * std::pow(-std::log(u), -1 / alpha);
}
// Best and Fisher's (1979) rejection sampler of the angle from the mean,
// added to mu reduced to [0, 2 pi), as Stan's; a circular uniform for kappa
// below 1.4e-8.
VIC_RNG(von_mises)(void* rng, double mu, double kappa) {
  if (!std::isfinite(mu) || !(kappa >= 0) || !std::isfinite(kappa)) return NAN;
  auto& g = *static_cast<Rng*>(rng);
  boost::random::uniform_01<double> uniform;
  const double centre = std::fmod(std::fmod(mu, 2 * M_PI) + 2 * M_PI, 2 * M_PI);
  if (kappa < 1.4e-8) return centre + (uniform(g) - 0.5) * 2 * M_PI;
  const double tau = 1 + std::sqrt(1 + 4 * kappa * kappa);
  const double rho = (tau - std::sqrt(2 * tau)) / (2 * kappa);
  const double r = (1 + rho * rho) / (2 * rho);
  double f;
  for (;;) {
    const double z = std::cos(M_PI * uniform(g));
    f = (1 + r * z) / (r + z);
    const double c = kappa * (r - f);
    const double u = uniform(g);
    if (c * (2 - c) - u > 0 || std::log(c / u) + 1 - c >= 0) break;
  }
  const double side = uniform(g) - 0.5;
  return centre + (side > 0 ? 1 : side < 0 ? -1 : 0) * std::acos(f);
}
VIC_RNG(poisson_log)(void* rng, double alpha) {
  double lambda = std::exp(alpha);
  if (!std::isfinite(lambda) || lambda > 1e9) return NAN;
  if (lambda == 0) return 0;
  return boost::random::poisson_distribution<long long, double>(lambda)(*static_cast<Rng*>(rng));
}
#undef VIC_RNG

// print: text, or a real (Stan's format: six significant digits, as a C++
// stream writes it) or an int, then a newline if asked (ir::PrintFlags), to
// stdout, one writer at a time (Pathfinder's paths run on threads), or to
// this thread's reject message.
void vic_print(const char* text, int64_t what, double real, int64_t integer, int64_t flags) {
  auto write = [&](std::ostream& out) {
    if (what == 1) {
      out << real;
    } else if (what == 2) {
      out << integer;
    } else {
      out << text;
    }
  };
  if (flags & vic::ir::kPrintToMessage) {
    std::string& message = vic::stdlib::reject_message;
    if (flags & vic::ir::kPrintStartsMessage) message.clear();
    std::ostringstream piece;
    write(piece);
    message += piece.str();
    return;
  }
  static std::mutex mutex;
  std::lock_guard<std::mutex> lock(mutex);
  write(std::cout);
  if (flags & vic::ir::kPrintNewline) std::cout << std::endl;
}

// The linear-algebra kernels (linear_algebra_kernels.cpp).
int64_t vic_kernel_cholesky(double*, const double*, int64_t, int64_t);
int64_t vic_kernel_cholesky_adjoint(double*, const double*, const double*, int64_t, int64_t);
int64_t vic_kernel_tri_solve(double*, const double*, const double*, int64_t, int64_t, int64_t);
int64_t vic_kernel_tri_solve_t(double*, const double*, const double*, int64_t, int64_t, int64_t);
int64_t vic_kernel_gemm(double*, const double*, const double*, int64_t, int64_t, int64_t, int64_t);
int64_t vic_kernel_gemm_nt(double*, const double*, const double*, int64_t, int64_t, int64_t, int64_t);
int64_t vic_kernel_gemm_tn(double*, const double*, const double*, int64_t, int64_t, int64_t, int64_t);
// The ODE solvers (ode_solvers.cpp).
#define VIC_ODE_KERNEL(name)                                                                                      \
  int64_t name(double*, const double*, const double*, const double*, const double*, const double*, const double*, \
               const double*, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, void*, void*, void*, \
               void*);
VIC_ODE_KERNEL(vic_kernel_ode_rk45)
VIC_ODE_KERNEL(vic_kernel_ode_bdf)
VIC_ODE_KERNEL(vic_kernel_ode_rk45_sensitivity)
VIC_ODE_KERNEL(vic_kernel_ode_bdf_sensitivity)
#undef VIC_ODE_KERNEL
int64_t vic_kernel_inverse(double*, const double*, int64_t, int64_t);
int64_t vic_kernel_log_determinant(double*, const double*, int64_t, int64_t);
int64_t vic_kernel_eigen_sym(double*, const double*, int64_t, int64_t);
// The sorting kernels (sort_kernels.cpp).
int64_t vic_kernel_sort(double*, const double*, int64_t, int64_t);
int64_t vic_kernel_sort_indices(double*, const double*, int64_t, int64_t);
int64_t vic_kernel_sort_ranks(double*, const double*, int64_t, int64_t);
}

namespace vic::stdlib {

std::string rng_kernel_symbol(const std::string& rng_name) { return "vic_" + rng_name; }

const std::vector<KernelSymbol>& runtime_kernels() {
  static const std::vector<KernelSymbol> table = {
      {"vic_lgamma", reinterpret_cast<void*>(&vic_lgamma)},
      {"vic_print", reinterpret_cast<void*>(&vic_print)},
      {"vic_digamma", reinterpret_cast<void*>(&vic_digamma)},
      {"vic_trigamma", reinterpret_cast<void*>(&vic_trigamma)},
      {"vic_tgamma", reinterpret_cast<void*>(&vic_tgamma)},
      {"vic_erf", reinterpret_cast<void*>(&vic_erf)},
      {"vic_erfc", reinterpret_cast<void*>(&vic_erfc)},
      {"vic_tanh", reinterpret_cast<void*>(&vic_tanh)},
      {"vic_atan", reinterpret_cast<void*>(&vic_atan)},
      {"vic_student_t_cdf", reinterpret_cast<void*>(&vic_student_t_cdf)},
      {"vic_log_bessel_i0", reinterpret_cast<void*>(&vic_log_bessel_i0)},
      {"vic_bessel_i1_over_i0", reinterpret_cast<void*>(&vic_bessel_i1_over_i0)},
      {"vic_gamma_p", reinterpret_cast<void*>(&vic_gamma_p)},
      {"vic_gamma_q", reinterpret_cast<void*>(&vic_gamma_q)},
      {"vic_gamma_p_dx", reinterpret_cast<void*>(&vic_gamma_p_dx)},
      {"vic_gamma_p_da", reinterpret_cast<void*>(&vic_gamma_p_da)},
      {"vic_ibeta", reinterpret_cast<void*>(&vic_ibeta)},
      {"vic_ibetac", reinterpret_cast<void*>(&vic_ibetac)},
      {"vic_ibeta_dx", reinterpret_cast<void*>(&vic_ibeta_dx)},
      {"vic_ibeta_da", reinterpret_cast<void*>(&vic_ibeta_da)},
      {"vic_ibeta_db", reinterpret_cast<void*>(&vic_ibeta_db)},
      {"vic_erfcx", reinterpret_cast<void*>(&vic_erfcx)},
      {"vic_skew_normal_lcdf", reinterpret_cast<void*>(&vic_skew_normal_lcdf)},
      {"vic_skew_normal_lcdf_dz", reinterpret_cast<void*>(&vic_skew_normal_lcdf_dz)},
      {"vic_skew_normal_lcdf_dalpha", reinterpret_cast<void*>(&vic_skew_normal_lcdf_dalpha)},
      {"vic_von_mises_log_mass", reinterpret_cast<void*>(&vic_von_mises_log_mass)},
      {"vic_von_mises_log_mass_dkappa", reinterpret_cast<void*>(&vic_von_mises_log_mass_dkappa)},
      {"vic_log1p", reinterpret_cast<void*>(&vic_log1p)},
      {"vic_expm1", reinterpret_cast<void*>(&vic_expm1)},
      {"vic_log1p_exp", reinterpret_cast<void*>(&vic_log1p_exp)},
      {"vic_normal_rng", reinterpret_cast<void*>(&vic_normal_rng)},
      {"vic_std_normal_rng", reinterpret_cast<void*>(&vic_std_normal_rng)},
      {"vic_student_t_rng", reinterpret_cast<void*>(&vic_student_t_rng)},
      {"vic_cauchy_rng", reinterpret_cast<void*>(&vic_cauchy_rng)},
      {"vic_lognormal_rng", reinterpret_cast<void*>(&vic_lognormal_rng)},
      {"vic_exponential_rng", reinterpret_cast<void*>(&vic_exponential_rng)},
      {"vic_gamma_rng", reinterpret_cast<void*>(&vic_gamma_rng)},
      {"vic_inv_gamma_rng", reinterpret_cast<void*>(&vic_inv_gamma_rng)},
      {"vic_beta_rng", reinterpret_cast<void*>(&vic_beta_rng)},
      {"vic_uniform_rng", reinterpret_cast<void*>(&vic_uniform_rng)},
      {"vic_bernoulli_rng", reinterpret_cast<void*>(&vic_bernoulli_rng)},
      {"vic_bernoulli_logit_rng", reinterpret_cast<void*>(&vic_bernoulli_logit_rng)},
      {"vic_binomial_rng", reinterpret_cast<void*>(&vic_binomial_rng)},
      {"vic_hypergeometric_rng", reinterpret_cast<void*>(&vic_hypergeometric_rng)},
      {"vic_poisson_rng", reinterpret_cast<void*>(&vic_poisson_rng)},
      {"vic_poisson_log_rng", reinterpret_cast<void*>(&vic_poisson_log_rng)},
      {"vic_binomial_logit_rng", reinterpret_cast<void*>(&vic_binomial_logit_rng)},
      {"vic_neg_binomial_2_rng", reinterpret_cast<void*>(&vic_neg_binomial_2_rng)},
      {"vic_neg_binomial_2_log_rng", reinterpret_cast<void*>(&vic_neg_binomial_2_log_rng)},
      {"vic_weibull_rng", reinterpret_cast<void*>(&vic_weibull_rng)},
      {"vic_logistic_rng", reinterpret_cast<void*>(&vic_logistic_rng)},
      {"vic_double_exponential_rng", reinterpret_cast<void*>(&vic_double_exponential_rng)},
      {"vic_gumbel_rng", reinterpret_cast<void*>(&vic_gumbel_rng)},
      {"vic_chi_square_rng", reinterpret_cast<void*>(&vic_chi_square_rng)},
      {"vic_inv_chi_square_rng", reinterpret_cast<void*>(&vic_inv_chi_square_rng)},
      {"vic_scaled_inv_chi_square_rng", reinterpret_cast<void*>(&vic_scaled_inv_chi_square_rng)},
      {"vic_rayleigh_rng", reinterpret_cast<void*>(&vic_rayleigh_rng)},
      {"vic_pareto_rng", reinterpret_cast<void*>(&vic_pareto_rng)},
      {"vic_frechet_rng", reinterpret_cast<void*>(&vic_frechet_rng)},
      {"vic_von_mises_rng", reinterpret_cast<void*>(&vic_von_mises_rng)},
      {"vic_kernel_cholesky", reinterpret_cast<void*>(&vic_kernel_cholesky)},
      {"vic_kernel_cholesky_adjoint", reinterpret_cast<void*>(&vic_kernel_cholesky_adjoint)},
      {"vic_kernel_tri_solve", reinterpret_cast<void*>(&vic_kernel_tri_solve)},
      {"vic_kernel_tri_solve_t", reinterpret_cast<void*>(&vic_kernel_tri_solve_t)},
      {"vic_kernel_gemm", reinterpret_cast<void*>(&vic_kernel_gemm)},
      {"vic_kernel_gemm_nt", reinterpret_cast<void*>(&vic_kernel_gemm_nt)},
      {"vic_kernel_gemm_tn", reinterpret_cast<void*>(&vic_kernel_gemm_tn)},
      {"vic_kernel_ode_rk45", reinterpret_cast<void*>(&vic_kernel_ode_rk45)},
      {"vic_kernel_ode_bdf", reinterpret_cast<void*>(&vic_kernel_ode_bdf)},
      {"vic_kernel_ode_rk45_sensitivity", reinterpret_cast<void*>(&vic_kernel_ode_rk45_sensitivity)},
      {"vic_kernel_ode_bdf_sensitivity", reinterpret_cast<void*>(&vic_kernel_ode_bdf_sensitivity)},
      {"vic_kernel_inverse", reinterpret_cast<void*>(&vic_kernel_inverse)},
      {"vic_kernel_log_determinant", reinterpret_cast<void*>(&vic_kernel_log_determinant)},
      {"vic_kernel_eigen_sym", reinterpret_cast<void*>(&vic_kernel_eigen_sym)},
      {"vic_kernel_sort", reinterpret_cast<void*>(&vic_kernel_sort)},
      {"vic_kernel_sort_indices", reinterpret_cast<void*>(&vic_kernel_sort_indices)},
      {"vic_kernel_sort_ranks", reinterpret_cast<void*>(&vic_kernel_sort_ranks)},
  };
  return table;
}

std::string last_reject_message() { return reject_message; }

}  // namespace vic::stdlib
