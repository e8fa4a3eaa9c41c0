// The special functions behind the CDFs of the skew normal, the
// exponentially modified normal and the von Mises distribution (cdfs.cpp),
// each on the scale where it keeps its digits, with the partials their IR
// ops' rules call (ir/op_table.cpp). Plain functions of doubles that return
// NaN rather than throw: the compiled code calls them through kernels.cpp.
#pragma once

namespace vic::stdlib {

// erfcx(x) = exp(x^2) erfc(x), without the underflow of erfc or the
// overflow of exp(x^2) for x > 0 (inf only where 2 exp(x^2) overflows).
double erfcx(double x);

// log Phi(x), the standard normal's log CDF, accurate in both tails.
double log_normal_cdf(double x);

// log F(z; alpha) = log(Phi(z) - 2 T(z, alpha)), the log CDF of the standard
// skew normal (T is Owen's T). For z <= 0 F is the integral
// (1 / pi) int_alpha^inf exp(-z^2 (1 + x^2) / 2) / (1 + x^2) dx of a positive
// function, free of the cancellation in Phi - 2 T; for z > 0,
// F = 1 - F(-z; -alpha), the smaller tail computed so.
double skew_normal_lcdf(double z, double alpha);
// Its partials given its value r = log F:
//   d/dz = 2 phi(z) Phi(alpha z) / F,
//   d/dalpha = -exp(-z^2 (1 + alpha^2) / 2) / (pi (1 + alpha^2) F).
double skew_normal_lcdf_dz(double z, double alpha, double r);
double skew_normal_lcdf_dalpha(double z, double alpha, double r);

// log P(a <= Y <= b) for Y von Mises(0, kappa) unwrapped onto the real line
// (the density exp(kappa cos s) / (2 pi I0(kappa)), periodic), 0 <= b - a <=
// 2 pi: each monotone piece of the density integrated by tanh-sinh
// quadrature with its largest value factored out, so that a tail keeps its
// digits at large kappa.
double von_mises_log_mass(double a, double b, double kappa);
// Its partial in kappa: E[cos Y | a <= Y <= b] - I1(kappa) / I0(kappa).
double von_mises_log_mass_dkappa(double a, double b, double kappa);

}  // namespace vic::stdlib
