// The ODE solvers kernel.call names (ir/kernels.h): Boost.Odeint's
// Dormand-Prince 4(5) (`ode_rk45`) and Rosenbrock 4 (`ode_bdf`, for stiff
// systems), each with error control and dense output at the requested times.
//
// The right-hand side is model code: a compiled function
// f(t, y, p, x_r, x_i, dims) -> dy/dt that lowering built from the user's
// function (ir/lower/lower_ode.cpp), with its forward-mode derivatives
// @f.jvp and @f.jvp.jvp (ir/ad/forward_mode.h). The sensitivities
// s_j = d y / d (y0, p)_j solve the forward sensitivity equations
//   ds_j/dt = J_y s_j + J_p e_j,   s_j(t0) = e_j for the initial state, 0 for p,
// whose right-hand side is one JVP of f per j, integrated with y as one
// system under one error control (as Stan does); with them the derivatives
// in the initial time, d y(t) / d t0 = -S_y0(t) f(t0, y0), and in each output
// time, f(t, y(t)). Rosenbrock 4 needs that
// system's Jacobian: its blocks are J_y (a JVP per column) and
// d (J_y s_j + J_p e_j) / d y, a JVP of the JVP per column.
#include <boost/numeric/odeint.hpp>

#include <cmath>
#include <cstdint>
#include <vector>

#include "codegen/jit_context.h"
#include "ir/kernel_status.h"

namespace {

namespace odeint = boost::numeric::odeint;
namespace ublas = boost::numeric::ublas;
using vic::codegen::VicJitContext;

using Rhs = void (*)(double*, double*, double*, double*, double*, double*, double*, VicJitContext*);
using Jvp = void (*)(double*, double*, double*, double*, double*, double*, double*, double*, double*, double*,
                     double*, VicJitContext*);
using Jvp2 = void (*)(double*, double*, double*, double*, double*, double*, double*, double*, double*, double*,
                      double*, double*, double*, double*, double*, double*, double*, double*, double*,
                      VicJitContext*);

// Thrown out of Boost.Odeint when the right-hand side failed a check.
struct RightHandSideFailed {};

// Operands of a solver call, as ir/kernels.cpp lists them.
struct OdeCall {
  const double *y0, *p, *xr, *xi, *dims, *ts, *control;
  int64_t n, np, nxr, nxi, ndims, nt;
  void *rhs, *jvp, *jvp2;
  VicJitContext* ctx;

  double t0() const { return control[0]; }
  double rtol() const { return control[1]; }
  double atol() const { return control[2]; }
  int64_t max_steps() const { return static_cast<int64_t>(control[3]); }
  int64_t k() const { return n + np; }  // sensitivities: one per initial state and per parameter
};

// The right-hand side and its derivatives at (t, y), the parameters fixed.
class RightHandSide {
 public:
  explicit RightHandSide(const OdeCall& c)
      : c_(c), p_(arg(c.p, c.np)), xr_(arg(c.xr, c.nxr)), xi_(arg(c.xi, c.nxi)), dims_(arg(c.dims, c.ndims)),
        zero_n_(c.n, 0.0), unit_p_(c.np, 0.0), zero_p_(c.np, 0.0), dydt_(c.n), dot_(c.n), prime_(c.n) {
    // Each function's buffer sizes, for code compiled with bounds assertions.
    const int64_t one = 1;
    std::vector<int64_t> base{one, c.n, c.np, c.nxr, c.nxi, c.ndims, c.n};
    rhs_sizes_ = base;
    jvp_sizes_ = base;
    for (int64_t s : {one, c.n, c.np, c.n}) jvp_sizes_.push_back(s);
    jvp2_sizes_ = jvp_sizes_;
    for (int64_t s : {one, c.n, c.np, one, c.n, c.np, c.n, c.n}) jvp2_sizes_.push_back(s);
  }

  // dy/dt at (t, y).
  void value(double t, const double* y, double* dydt) {
    VicJitContext ctx = context(rhs_sizes_);
    reinterpret_cast<Rhs>(c_.rhs)(&t, mut(y), p_, xr_, xi_, dims_, dydt, &ctx);
    finish(ctx);
  }

  // dy/dt, and its derivative along (t_dot, y_dot, p_dot) (p_dot null: 0).
  void jvp(double t, const double* y, double t_dot, const double* y_dot, const double* p_dot, double* dydt,
           double* dydt_dot) {
    VicJitContext ctx = context(jvp_sizes_);
    reinterpret_cast<Jvp>(c_.jvp)(&t, mut(y), p_, xr_, xi_, dims_, dydt, &t_dot, mut(y_dot),
                                  p_dot ? mut(p_dot) : zeros_p(), dydt_dot, &ctx);
    finish(ctx);
  }

  // The derivative along (t', y') of the JVP along (0, y_dot, p_dot).
  void jvp_of_jvp(double t, const double* y, const double* y_dot, const double* p_dot, double t_prime,
                  const double* y_prime, double* out) {
    VicJitContext ctx = context(jvp2_sizes_);
    double zero = 0.0, zero2 = 0.0;
    reinterpret_cast<Jvp2>(c_.jvp2)(&t, mut(y), p_, xr_, xi_, dims_, dydt_.data(), &zero, mut(y_dot),
                                    p_dot ? mut(p_dot) : zeros_p(), dot_.data(), &t_prime, mut(y_prime), zeros_p(),
                                    &zero2, zero_n_.data(), zeros_p(), prime_.data(), out,
                                    &ctx);
    finish(ctx);
  }

  // e_j of the parameters (j indexing y0 then p), or null for an initial state's.
  const double* parameter_direction(int64_t j) {
    std::fill(unit_p_.begin(), unit_p_.end(), 0.0);
    if (j < c_.n) return nullptr;
    unit_p_[j - c_.n] = 1.0;
    return unit_p_.data();
  }

 private:
  // A buffer argument: the operand, or a placeholder for an empty one.
  double* arg(const double* x, int64_t size) { return size > 0 ? mut(x) : &placeholder_; }
  static double* mut(const double* x) { return const_cast<double*>(x); }
  double* zeros_p() { return arg(zero_p_.data(), c_.np); }
  VicJitContext context(const std::vector<int64_t>& sizes) const {
    VicJitContext ctx = *c_.ctx;
    ctx.error = 0;
    ctx.arg_sizes = sizes.data();
    return ctx;
  }
  // Reports the first failure to the caller's context and leaves the solver.
  void finish(const VicJitContext& ctx) const {
    if (ctx.error == 0) return;
    if (c_.ctx->error == 0) c_.ctx->error = ctx.error;
    throw RightHandSideFailed{};
  }

  const OdeCall& c_;
  double placeholder_ = 0.0;
  double *p_, *xr_, *xi_, *dims_;
  std::vector<double> zero_n_, unit_p_, zero_p_, dydt_, dot_, prime_;
  std::vector<int64_t> rhs_sizes_, jvp_sizes_, jvp2_sizes_;
};

// The system a solver integrates: y alone, or y and its sensitivities
// (z = [y, s_0, .., s_K-1], each N long).
class OdeSystem {
 public:
  OdeSystem(const OdeCall& c, bool sensitivities) : c_(c), f_(c), sensitivities_(sensitivities), scratch_(c.n) {}

  size_t size() const { return static_cast<size_t>(c_.n * (sensitivities_ ? 1 + c_.k() : 1)); }

  std::vector<double> initial_state() const {
    std::vector<double> z(size(), 0.0);
    std::copy(c_.y0, c_.y0 + c_.n, z.begin());
    if (sensitivities_)
      for (int64_t j = 0; j < c_.n; ++j) z[c_.n + j * c_.n + j] = 1.0;  // d y0 / d y0_j
    return z;
  }

  // dz/dt.
  void derivative(const double* z, double* dzdt, double t) {
    if (!sensitivities_ || c_.k() == 0) {
      f_.value(t, z, dzdt);
      return;
    }
    for (int64_t j = 0; j < c_.k(); ++j)
      f_.jvp(t, z, 0.0, z + c_.n * (1 + j), f_.parameter_direction(j), dzdt, dzdt + c_.n * (1 + j));
  }

  // dF/dz in jac's first size() columns and dF/dt in column size(), F being
  // `derivative` (see `solve` for why time is a column).
  void jacobian(const double* z, double t, ublas::matrix<double>& jac) {
    const int64_t n = c_.n;
    const size_t time = size();
    jac.clear();
    std::vector<double> unit(n, 0.0), column(n), out(n);
    for (int64_t col = 0; col < n; ++col) {  // J_y, a column at a time
      unit[col] = 1.0;
      f_.jvp(t, z, 0.0, unit.data(), nullptr, scratch_.data(), column.data());
      unit[col] = 0.0;
      for (int64_t r = 0; r < n; ++r) {
        jac(r, col) = column[r];
        if (sensitivities_)
          for (int64_t j = 0; j < c_.k(); ++j) jac(n * (1 + j) + r, n * (1 + j) + col) = column[r];
      }
    }
    f_.jvp(t, z, 1.0, unit.data(), nullptr, scratch_.data(), column.data());  // df/dt
    for (int64_t r = 0; r < n; ++r) jac(r, time) = column[r];
    if (!sensitivities_) return;
    for (int64_t j = 0; j < c_.k(); ++j) {
      const double* s = z + n * (1 + j);
      const double* e = f_.parameter_direction(j);
      for (int64_t col = 0; col < n; ++col) {  // d (J_y s_j + J_p e_j) / d y_col
        unit[col] = 1.0;
        f_.jvp_of_jvp(t, z, s, e, 0.0, unit.data(), out.data());
        unit[col] = 0.0;
        for (int64_t r = 0; r < n; ++r) jac(n * (1 + j) + r, col) = out[r];
      }
      f_.jvp_of_jvp(t, z, s, e, 1.0, unit.data(), out.data());  // d (J_y s_j + J_p e_j) / dt
      for (int64_t r = 0; r < n; ++r) jac(n * (1 + j) + r, time) = out[r];
    }
  }

  // Before integrating: f(t0, y0), for the derivatives in t0.
  void start() {
    if (!sensitivities_) return;
    initial_rate_.resize(c_.n);
    f_.value(c_.t0(), c_.y0, initial_rate_.data());
  }

  // Writes the solution at output time i into `out` (see kernels.cpp's layout).
  void observe(const double* z, int64_t i, double* out) {
    const int64_t n = c_.n, k = c_.k(), width = k + 2;
    if (!sensitivities_) {
      std::copy(z, z + n, out + i * n);
      return;
    }
    f_.value(c_.ts[i], z, scratch_.data());
    for (int64_t r = 0; r < n; ++r) {
      double* row = out + (i * n + r) * width;
      double by_t0 = 0.0;
      for (int64_t j = 0; j < k; ++j) {
        row[j] = z[n * (1 + j) + r];
        if (j < n) by_t0 -= row[j] * initial_rate_[j];
      }
      row[k] = by_t0;
      row[k + 1] = scratch_[r];
    }
  }

 private:
  const OdeCall& c_;
  RightHandSide f_;
  const bool sensitivities_;
  std::vector<double> scratch_, initial_rate_;
};

// Stan's first step.
constexpr double kInitialStep = 0.1;

int64_t solve(const OdeCall& c, double* out, bool stiff, bool sensitivities) {
  if (c.n == 0 || c.nt == 0) return 0;
  OdeSystem system(c, sensitivities);
  std::vector<double> times{c.t0()};
  times.insert(times.end(), c.ts, c.ts + c.nt);
  int64_t next = -1;  // the output time observed next (-1: t0, not an output)
  try {
    system.start();
    if (!stiff) {
      std::vector<double> z = system.initial_state();
      auto rhs = [&](const std::vector<double>& x, std::vector<double>& dxdt, double t) {
        system.derivative(x.data(), dxdt.data(), t);
      };
      auto observer = [&](const std::vector<double>& x, double) {
        if (next >= 0) system.observe(x.data(), next, out);
        ++next;
      };
      odeint::integrate_times(odeint::make_dense_output(c.atol(), c.rtol(), odeint::runge_kutta_dopri5<std::vector<double>>()),
                              rhs, z, times.begin(), times.end(), kInitialStep, observer,
                              odeint::max_step_checker(static_cast<int>(c.max_steps())));
    } else {
      // Rosenbrock 4 on the autonomous system (z, t), t' = 1, its Jacobian's
      // last column dF/dt: Boost 1.74's handling of dF/dt in a non-autonomous
      // system loses about three digits (6e-4 relative where the autonomous
      // form keeps 1e-6, on y' = -k (1 + t^2) y at tolerance 1e-10).
      const size_t m = system.size();
      std::vector<double> initial = system.initial_state();
      ublas::vector<double> z(m + 1);
      std::copy(initial.begin(), initial.end(), z.begin());
      z(m) = c.t0();
      auto rhs = [&](const ublas::vector<double>& x, ublas::vector<double>& dxdt, double) {
        system.derivative(&x(0), &dxdt(0), x(m));
        dxdt(m) = 1.0;
      };
      auto jacobian = [&](const ublas::vector<double>& x, ublas::matrix<double>& jac, double,
                          ublas::vector<double>& dfdt) {
        system.jacobian(&x(0), x(m), jac);
        dfdt.clear();
      };
      auto observer = [&](const ublas::vector<double>& x, double) {
        if (next >= 0) system.observe(&x(0), next, out);
        ++next;
      };
      odeint::integrate_times(odeint::make_dense_output<odeint::rosenbrock4<double>>(c.atol(), c.rtol()),
                              std::make_pair(rhs, jacobian), z, times.begin(), times.end(), kInitialStep, observer,
                              odeint::max_step_checker(static_cast<int>(c.max_steps())));
    }
  } catch (const RightHandSideFailed&) {
    return vic::ir::kOdeRightHandSideFailed;
  } catch (const odeint::odeint_error&) {
    return vic::ir::kOdeTooManySteps;
  }
  const int64_t count = sensitivities ? c.nt * c.n * (c.k() + 2) : c.nt * c.n;
  for (int64_t i = 0; i < count; ++i)
    if (!std::isfinite(out[i])) return vic::ir::kOdeNotFinite;
  return 0;
}

OdeCall make_call(const double* y0, const double* p, const double* xr, const double* xi, const double* dims,
                  const double* ts, const double* control, int64_t n, int64_t np, int64_t nxr, int64_t nxi,
                  int64_t ndims, int64_t nt, void* rhs, void* jvp, void* jvp2, void* ctx) {
  return {y0, p, xr, xi, dims, ts, control, n, np, nxr, nxi, ndims, nt, rhs, jvp, jvp2, static_cast<VicJitContext*>(ctx)};
}

}  // namespace

extern "C" {

#define VIC_ODE_KERNEL(name, stiff, sensitivities)                                                                  \
  int64_t name(double* out, const double* y0, const double* p, const double* xr, const double* xi,               \
               const double* dims, const double* ts, const double* control, int64_t n, int64_t np, int64_t nxr,   \
               int64_t nxi, int64_t ndims, int64_t nt, int64_t, void* rhs, void* jvp, void* jvp2, void* ctx) {   \
    return solve(make_call(y0, p, xr, xi, dims, ts, control, n, np, nxr, nxi, ndims, nt, rhs, jvp, jvp2, ctx), out, \
                 stiff, sensitivities);                                                                            \
  }

VIC_ODE_KERNEL(vic_kernel_ode_rk45, false, false)
VIC_ODE_KERNEL(vic_kernel_ode_bdf, true, false)
VIC_ODE_KERNEL(vic_kernel_ode_rk45_sensitivity, false, true)
VIC_ODE_KERNEL(vic_kernel_ode_bdf_sensitivity, true, true)

#undef VIC_ODE_KERNEL

}  // extern "C"
