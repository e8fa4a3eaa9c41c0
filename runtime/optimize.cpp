// find_mode: L-BFGS on -log p, the failed evaluations stepped back from, a
// fatal check ending it with its own message.
#include "runtime/optimize.h"

#include <cstdio>

namespace vic::runtime {

Expected<OptimizeResult> find_mode(const Model& model, const OptimizeSettings& settings, Rng& rng, const LogLine& log) {
  OptimizeResult result;
  Expected<std::vector<double>> init = initialize_unconstrained(
      model, rng, settings.init_radius, settings.init.empty() ? nullptr : &settings.init, log,
                                                                &result.num_lp_calls, &result.num_lp_grad_calls);
  if (!init) return Error{init.error()};
  std::string fatal;
  Objective objective = [&](const std::vector<double>& x, double* f, std::vector<double>& grad) {
    EvalError error = 0;
    ++result.num_lp_grad_calls;
    const double lp = settings.jacobian ? model.lp_grad(x.data(), grad.data(), &error)
                                        : model.lp_grad_without_jacobian(x.data(), grad.data(), &error);
    if (error != 0 && model.is_fatal(error)) {
      fatal = model.describe_error(error);
      return Evaluation::Fatal;
    }
    *f = -lp;
    for (double& g : grad) g = -g;
    return error == 0 ? Evaluation::Ok : Evaluation::Failed;
  };
  IterateCallback progress = [&](const LbfgsIterate& it) {
    if (log) {
      char line[96];
      std::snprintf(line, sizeof line, "  iteration %4d: log density %.6g", it.iteration, -it.f);
      log(line);
    }
    return true;
  };
  Expected<LbfgsResult> lbfgs = minimize_lbfgs(objective, init.take(), settings.lbfgs, progress);
  if (!fatal.empty()) return Error{fatal};
  if (!lbfgs) return Error{lbfgs.error()};
  if (lbfgs->termination == LbfgsTermination::LineSearchFailed && lbfgs->iterations == 0) {
    return Error{"L-BFGS could not take a first step: " + describe_termination(lbfgs->termination)};
  }
  result.theta = std::move(lbfgs->x);
  result.log_density = -lbfgs->f;
  result.iterations = lbfgs->iterations;
  result.termination = lbfgs->termination;
  return result;
}

}  // namespace vic::runtime
