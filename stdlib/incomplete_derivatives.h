// The partial derivatives of the regularised incomplete gamma and beta
// functions in their shape parameters, which Boost.Math does not have (it
// has gamma_p_derivative and ibeta_derivative, the partials in x). Each is
// computed where it converges well and without cancellation: d log P / da
// from P's power series below x = a + 1 and d log Q / da from Q's continued
// fraction above it; d log I / d(a, b) from I's continued fraction on the
// side of the mean where it converges, I_x(a, b) = 1 - I_{1-x}(b, a) beyond.
// A derivative of P equals minus that of Q (and of I minus that of the
// complement), so each is accurate relative to itself, whichever tail the
// caller takes the log of.
#pragma once

namespace vic::stdlib {

// d/da P(a, x), P = gamma_p: 0 at x = 0 and x = inf; NaN unless a > 0 and x >= 0.
double gamma_p_da(double a, double x);

// d/da and d/db I_x(a, b), I = ibeta: 0 at x = 0 and x = 1; NaN unless
// a > 0, b > 0 and 0 <= x <= 1.
double ibeta_da(double a, double b, double x);
double ibeta_db(double a, double b, double x);

}  // namespace vic::stdlib
