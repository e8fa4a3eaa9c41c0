// L-BFGS minimisation as Stan's optimizer runs it (stan/optimization/bfgs.hpp with
// lbfgs_update.hpp): the two-loop recursion over the last `history_size` pairs
// of steps and gradient changes, scaled by s'y / y'y; a line search for the
// strong Wolfe conditions (Nocedal and Wright's bracketing and zoom with cubic
// interpolation) that steps back when the objective cannot be evaluated; a
// reset to steepest descent when the line search fails; and Stan's six
// convergence tests with its defaults. One departure: a steepest-descent step
// (the first, and after a reset) goes along the normalised gradient.
//
// Not liblbfgs (Debian's liblbfgs-dev): its More-Thuente line search
// interpolates through an objective of +inf and returns a NaN step, and a
// log density that fails somewhere along the search direction is routine in
// Bayesian models. Stan's search halves the step instead, and so does this one.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "support/expected.h"

namespace vic::runtime {

// Stan's defaults (CmdStan's optimize and pathfinder arguments).
struct LbfgsSettings {
  // Pairs of (step, gradient change) kept for the inverse-Hessian estimate.
  int history_size = 5;
  // The length of the first line search's first trial step (and after a reset).
  double init_alpha = 1e-3;
  // Converged when the objective changes by less than tol_obj ...
  double tol_obj = 1e-12;
  // ... or by less than tol_rel_obj * epsilon relative to max(|f|, |f_prev|, 1) ...
  double tol_rel_obj = 1e4;
  // ... or the gradient's norm is below tol_grad ...
  double tol_grad = 1e-8;
  // ... or -p'g / max(|f|, 1) (p the next search direction) is below tol_rel_grad * epsilon ...
  double tol_rel_grad = 1e7;
  // ... or the step's norm is below tol_param.
  double tol_param = 1e-8;
  int max_iterations = 2000;
};

// Why the minimisation stopped.
enum class LbfgsTermination {
  AbsoluteObjective,
  RelativeObjective,
  AbsoluteGradient,
  RelativeGradient,
  AbsoluteParameter,
  MaxIterations,
  // The line search found no acceptable step, even from steepest descent.
  LineSearchFailed,
};

// Stan's words for each: "Convergence detected: relative gradient magnitude is
// below tolerance", "Maximum number of iterations hit, may not be at an optima", ...
std::string describe_termination(LbfgsTermination termination);
// Whether `termination` is one of the convergence tests.
bool is_converged(LbfgsTermination termination);

// The objective's verdict at a point.
enum class Evaluation {
  Ok,
  // The objective cannot be evaluated here (a domain error, a value or
  // gradient that is not finite): the line search steps back.
  Failed,
  // An error that ends the minimisation (the caller keeps its message).
  Fatal,
};

// f(x) into *f and its gradient into grad[0..n).
using Objective = std::function<Evaluation(const std::vector<double>& x, double* f, std::vector<double>& grad)>;

// One accepted iterate: what Pathfinder builds its approximations from.
struct LbfgsIterate {
  int iteration = 0;  // 0 is the initial point
  const std::vector<double>& x;
  double f;
  const std::vector<double>& grad;
};

struct LbfgsResult {
  std::vector<double> x;
  double f = 0;
  std::vector<double> grad;
  int iterations = 0;
  // Objective evaluations, the initial one included.
  int64_t evaluations = 0;
  LbfgsTermination termination = LbfgsTermination::MaxIterations;
};

// Called with the initial point and every accepted iterate; false ends the
// minimisation as a Fatal objective does.
using IterateCallback = std::function<bool(const LbfgsIterate&)>;

// Minimises `objective` from `x0`, calling `on_iterate` (may be empty). An
// Error when x0 cannot be evaluated, the settings are out of range, or the
// objective was Fatal or on_iterate returned false (the caller knows why).
Expected<LbfgsResult> minimize_lbfgs(const Objective& objective, std::vector<double> x0, const LbfgsSettings& settings,
                                     const IterateCallback& on_iterate = {});

}  // namespace vic::runtime
