// minimize_lbfgs: Stan's BFGSMinimizer with its LBFGSUpdate, step for step
// (the initial trial step from a cubic through the previous search, the
// Hessian reset after a failed search, the order of the convergence tests),
// over plain vectors.
#include "runtime/lbfgs.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <optional>

#include "runtime/dense_matrix.h"
#include "runtime/format.h"

namespace vic::runtime {

std::string describe_termination(LbfgsTermination termination) {
  switch (termination) {
    case LbfgsTermination::AbsoluteObjective:
      return "convergence detected: absolute change in objective function was below tolerance";
    case LbfgsTermination::RelativeObjective:
      return "convergence detected: relative change in objective function was below tolerance";
    case LbfgsTermination::AbsoluteGradient:
      return "convergence detected: gradient norm is below tolerance";
    case LbfgsTermination::RelativeGradient:
      return "convergence detected: relative gradient magnitude is below tolerance";
    case LbfgsTermination::AbsoluteParameter:
      return "convergence detected: absolute parameter change was below tolerance";
    case LbfgsTermination::MaxIterations:
      return "maximum number of iterations hit, may not be at an optimum";
    case LbfgsTermination::LineSearchFailed:
      return "line search failed to achieve a sufficient decrease, no more progress can be made";
  }
  return "";
}

bool is_converged(LbfgsTermination termination) {
  return termination != LbfgsTermination::MaxIterations && termination != LbfgsTermination::LineSearchFailed;
}

namespace {

using Vector = std::vector<double>;

double norm(const Vector& a) { return std::sqrt(dot(a, a)); }

// out = x + alpha * p
void axpy_into(Vector& out, const Vector& x, double alpha, const Vector& p) {
  for (size_t i = 0; i < x.size(); ++i) out[i] = x[i] + alpha * p[i];
}

// The minimiser over [lo, hi] of the cubic with value 0 and slope df0 at 0 and
// value f1 and slope df1 at x1 (Stan's CubicInterp).
double cubic_minimizer(double df0, double x1, double f1, double df1, double lo, double hi) {
  const double c3 = (-12 * f1 + 6 * x1 * (df0 + df1)) / (x1 * x1 * x1);
  const double c2 = -(4 * df0 + 2 * df1) / x1 + 6 * f1 / (x1 * x1);
  const double c1 = df0;
  auto cubic = [&](double x) { return x * (x * (x * c3 / 3.0 + c2) / 2.0 + c1); };
  double best_x = lo;
  double best_f = cubic(lo);
  if (cubic(hi) < best_f) {
    best_f = cubic(hi);
    best_x = hi;
  }
  const double root = std::sqrt(c2 * c2 - 2.0 * c1 * c3);
  for (double s : {-(c2 + root) / c3, -(c2 - root) / c3}) {
    if (lo < s && s < hi && cubic(s) < best_f) {
      best_f = cubic(s);
      best_x = s;
    }
  }
  return best_x;
}

// The stored pairs and the two-loop recursion (Stan's LBFGSUpdate).
class InverseHessian {
 public:
  explicit InverseHessian(size_t history_size) : history_size_(history_size) {}

  // Adds the pair (s, y); on a reset, forgets the others first and returns
  // y'y / s'y, the factor that rescales the steepest-descent step just taken.
  double update(const Vector& y, const Vector& s, bool reset) {
    const double sy = dot(y, s);
    double b0_factor = 1.0;
    if (reset) {
      b0_factor = dot(y, y) / sy;
      pairs_.clear();
    }
    // A pair without positive curvature would make the estimate indefinite;
    // the strong Wolfe conditions rule it out but for rounding.
    if (!(sy > 0) || !std::isfinite(sy)) return b0_factor;
    gamma_ = sy / dot(y, y);
    if (pairs_.size() == history_size_) pairs_.pop_front();
    pairs_.push_back({1.0 / sy, y, s});
    return b0_factor;
  }

  // p = -H g.
  void search_direction(Vector& p, const Vector& g) const {
    std::vector<double> alphas(pairs_.size());
    for (size_t i = 0; i < p.size(); ++i) p[i] = -g[i];
    for (size_t k = pairs_.size(); k-- > 0;) {
      const Pair& pair = pairs_[k];
      alphas[k] = pair.rho * dot(pair.s, p);
      for (size_t i = 0; i < p.size(); ++i) p[i] -= alphas[k] * pair.y[i];
    }
    for (double& v : p) v *= gamma_;
    for (size_t k = 0; k < pairs_.size(); ++k) {
      const Pair& pair = pairs_[k];
      const double beta = pair.rho * dot(pair.y, p);
      for (size_t i = 0; i < p.size(); ++i) p[i] += (alphas[k] - beta) * pair.s[i];
    }
  }

 private:
  struct Pair {
    double rho;
    Vector y;
    Vector s;
  };
  size_t history_size_;
  std::deque<Pair> pairs_;
  double gamma_ = 1.0;
};

// Line-search constants (Stan's LSOptions).
constexpr double kC1 = 1e-4;
constexpr double kC2 = 0.9;
constexpr double kMinAlpha = 1e-12;
constexpr int kMaxSearchIterations = 20;
constexpr int kMaxSearchRestarts = 10;
// Zoom gives up when its interval is narrower than this, or after this many trials.
constexpr double kMinRange = 1e-16;
constexpr int kMaxZoomIterations = 100;
// The error when the objective was Fatal; the caller knows the reason.
constexpr const char* kFatal = "L-BFGS: the objective ended the minimisation";

// A trial point of the line search.
struct Trial {
  Vector x;
  double f = 0;
  Vector grad;
};

class Minimizer {
 public:
  Minimizer(const Objective& objective, const LbfgsSettings& settings, LbfgsResult& result)
      : objective_(objective), settings_(settings), result_(result), inverse_hessian_(settings.history_size) {}

  Evaluation evaluate(const Vector& x, double* f, Vector& grad) {
    ++result_.evaluations;
    Evaluation e = objective_(x, f, grad);
    if (e != Evaluation::Ok) return e;
    if (!std::isfinite(*f)) return Evaluation::Failed;
    for (double g : grad)
      if (!std::isfinite(g)) return Evaluation::Failed;
    return Evaluation::Ok;
  }

  // Nocedal and Wright's Algorithm 3.6 between alo and ahi, as Stan writes it:
  // cubic interpolation (bisection every fifth trial), stepping back towards
  // the lower end when the objective fails. Ok with `out` the accepted point.
  Evaluation zoom(Trial& out, const Trial& start, const Vector& p, double dfp, double alo, double alo_f,
                  double alo_dfp, double ahi, double ahi_f, double ahi_dfp, double* alpha) {
    for (int it = 1; it <= kMaxZoomIterations; ++it) {
      if (std::fabs(alo - ahi) < kMinRange) return Evaluation::Failed;
      double a;
      if (it % 5 == 0) {
        a = 0.5 * (alo + ahi);
      } else {
        const double d1 = alo_dfp + ahi_dfp - 3 * (alo_f - ahi_f) / (alo - ahi);
        double d2 = std::sqrt(d1 * d1 - alo_dfp * ahi_dfp);
        if (ahi < alo) d2 = -d2;
        a = ahi - (ahi - alo) * (ahi_dfp + d2 - d1) / (ahi_dfp - alo_dfp + 2 * d2);
        const double width = std::fabs(alo - ahi);
        if (!std::isfinite(a) || a < std::min(alo, ahi) + 0.01 * width || a > std::max(alo, ahi) - 0.01 * width)
          a = 0.5 * (alo + ahi);
      }
      for (;;) {
        axpy_into(out.x, start.x, a, p);
        Evaluation e = evaluate(out.x, &out.f, out.grad);
        if (e == Evaluation::Ok) break;
        if (e == Evaluation::Fatal) return e;
        a = 0.5 * (a + std::min(alo, ahi));
        if (std::fabs(std::min(alo, ahi) - a) < kMinRange) return Evaluation::Failed;
      }
      const double new_dfp = dot(out.grad, p);
      if (out.f > start.f + a * kC1 * dfp || out.f >= alo_f) {
        ahi = a;
        ahi_f = out.f;
        ahi_dfp = new_dfp;
      } else {
        if (std::fabs(new_dfp) <= -kC2 * dfp) {
          *alpha = a;
          return Evaluation::Ok;
        }
        if (new_dfp * (ahi - alo) >= 0) {
          ahi = alo;
          ahi_f = alo_f;
          ahi_dfp = alo_dfp;
        }
        alo = a;
        alo_f = out.f;
        alo_dfp = new_dfp;
      }
    }
    return Evaluation::Failed;
  }

  // A step along p from `start` meeting the strong Wolfe conditions, trying
  // *alpha first and growing it tenfold while the slope stays steep
  // (Nocedal and Wright's Algorithm 3.5). Ok with the step in *alpha and the
  // point in `out`.
  Evaluation line_search(Trial& out, const Trial& start, const Vector& p, double* alpha) {
    const double dfp = dot(start.grad, p);
    double alpha0 = kMinAlpha;
    double alpha1 = *alpha;
    double prev_f = start.f;
    double prev_dfp = dfp;
    int restarts = 0;
    for (int it = 0; it < kMaxSearchIterations;) {
      axpy_into(out.x, start.x, alpha1, p);
      Evaluation e = evaluate(out.x, &out.f, out.grad);
      if (e == Evaluation::Fatal) return e;
      if (e == Evaluation::Failed) {
        if (restarts >= kMaxSearchRestarts) return Evaluation::Failed;
        alpha1 = 0.5 * (alpha0 + alpha1);
        ++restarts;
        continue;
      }
      restarts = 0;
      const double new_dfp = dot(out.grad, p);
      if (out.f > start.f + alpha1 * kC1 * dfp || (out.f >= prev_f && it > 0))
        return zoom(out, start, p, dfp, alpha0, prev_f, prev_dfp, alpha1, out.f, new_dfp, alpha);
      if (std::fabs(new_dfp) <= -kC2 * dfp) {
        *alpha = alpha1;
        return Evaluation::Ok;
      }
      if (new_dfp >= 0) return zoom(out, start, p, dfp, alpha1, out.f, new_dfp, alpha0, prev_f, prev_dfp, alpha);
      alpha0 = alpha1;
      prev_f = out.f;
      prev_dfp = new_dfp;
      alpha1 *= 10.0;
      ++it;
    }
    return Evaluation::Failed;
  }

  Status run(Vector x0, const IterateCallback& on_iterate) {
    const size_t n = x0.size();
    Trial current{std::move(x0), 0, Vector(n)};
    Evaluation e = evaluate(current.x, &current.f, current.grad);
    if (e == Evaluation::Fatal) return Error{kFatal};
    if (e == Evaluation::Failed) {
      return Error{"L-BFGS: the objective or its gradient is not finite at the initial point"};
    }
    if (on_iterate && !on_iterate({0, current.x, current.f, current.grad})) return Error{kFatal};
    Trial next{Vector(n), 0, Vector(n)};
    Vector p(n);
    Vector previous_p(n);
    double previous_alpha = 0;
    double previous_f = 0;
    Vector previous_grad(n);
    Vector s(n);
    Vector y(n);
    for (int iteration = 1;; ++iteration) {
      // 1: the first step, steepest descent; 2: steepest descent after a failed search.
      int reset = iteration == 1 ? 1 : 0;
      double alpha = 0;
      for (;;) {
        if (reset) {
          // Steepest descent, normalised (as liblbfgs does, where Stan takes
          // -g as it is): a first trial step of init_alpha in length, so that
          // a badly scaled model whose initial gradient is 1e12 does not need
          // a step below the search's smallest (1e-12).
          const double length = norm(current.grad);
          for (size_t i = 0; i < n; ++i) p[i] = -current.grad[i] / (length > 0 ? length : 1.0);
        }
        if (iteration > 1 && reset != 2) {
          alpha = std::min(1.0, 1.01 * cubic_minimizer(dot(previous_grad, previous_p), previous_alpha,
                                                       current.f - previous_f, dot(current.grad, previous_p),
                                                       kMinAlpha, 1.0));
        } else {
          alpha = settings_.init_alpha;
        }
        e = line_search(next, current, p, &alpha);
        if (e == Evaluation::Fatal) return Error{kFatal};
        if (e == Evaluation::Ok) break;
        if (reset) {
          result_.termination = LbfgsTermination::LineSearchFailed;
          finish(current, iteration - 1);
          return Status::ok();
        }
        reset = 2;
      }
      for (size_t i = 0; i < n; ++i) {
        s[i] = next.x[i] - current.x[i];
        y[i] = next.grad[i] - current.grad[i];
      }
      previous_f = current.f;
      previous_grad.swap(current.grad);
      std::swap(current, next);
      previous_p = p;
      if (reset) {
        const double b0_factor = inverse_hessian_.update(y, s, true);
        for (double& v : previous_p) v /= b0_factor;
        previous_alpha = alpha * b0_factor;
      } else {
        inverse_hessian_.update(y, s, false);
        previous_alpha = alpha;
      }
      inverse_hessian_.search_direction(p, current.grad);
      if (on_iterate && !on_iterate({iteration, current.x, current.f, current.grad})) return Error{kFatal};

      const double change = std::fabs(previous_f - current.f);
      const double scale = std::max({std::fabs(previous_f), std::fabs(current.f), 1.0});
      const double epsilon = std::numeric_limits<double>::epsilon();
      std::optional<LbfgsTermination> stop;
      if (change < settings_.tol_obj) {
        stop = LbfgsTermination::AbsoluteObjective;
      } else if (norm(current.grad) < settings_.tol_grad) {
        stop = LbfgsTermination::AbsoluteGradient;
      } else if (norm(s) < settings_.tol_param) {
        stop = LbfgsTermination::AbsoluteParameter;
      } else if (iteration >= settings_.max_iterations) {
        stop = LbfgsTermination::MaxIterations;
      } else if (change / scale < settings_.tol_rel_obj * epsilon) {
        stop = LbfgsTermination::RelativeObjective;
      } else if (-dot(p, current.grad) / std::max(std::fabs(current.f), 1.0) < settings_.tol_rel_grad * epsilon) {
        stop = LbfgsTermination::RelativeGradient;
      }
      if (stop) {
        result_.termination = *stop;
        finish(current, iteration);
        return Status::ok();
      }
    }
  }

 private:
  void finish(Trial& at, int iterations) {
    result_.x = std::move(at.x);
    result_.f = at.f;
    result_.grad = std::move(at.grad);
    result_.iterations = iterations;
  }

  const Objective& objective_;
  const LbfgsSettings& settings_;
  LbfgsResult& result_;
  InverseHessian inverse_hessian_;
};

Status check_settings(const LbfgsSettings& s) {
  auto positive = [](const char* what, double value) -> Status {
    if (value > 0 && std::isfinite(value)) return Status::ok();
    return Error{std::string("L-BFGS: ") + what + " must be positive and finite, but is " + format_shortest(value)};
  };
  for (Status status :
       {positive("history size", s.history_size), positive("init_alpha", s.init_alpha),
        positive("tol_obj", s.tol_obj), positive("tol_rel_obj", s.tol_rel_obj), positive("tol_grad", s.tol_grad),
        positive("tol_rel_grad", s.tol_rel_grad), positive("tol_param", s.tol_param),
        positive("iterations", s.max_iterations)}) {
    if (!status) return status;
  }
  return Status::ok();
}

}  // namespace

Expected<LbfgsResult> minimize_lbfgs(const Objective& objective, std::vector<double> x0, const LbfgsSettings& settings,
                                     const IterateCallback& on_iterate) {
  if (Status s = check_settings(settings); !s) return Error{s.error()};
  LbfgsResult result;
  Minimizer minimizer(objective, settings, result);
  if (Status s = minimizer.run(std::move(x0), on_iterate); !s) return Error{s.error()};
  return result;
}

}  // namespace vic::runtime
