// initialize_unconstrained: Stan's services/util/initialize.hpp for a model with
// no user-given values: uniform draws on (-radius, radius), each candidate checked
// with the constants-kept density, then the gradient, rejected and redrawn (up to
// 100 times) while either is not finite. When every point fails that way and
// the density reads a non-finite data value, the error names that value.
#include "runtime/initialize.h"

#include <boost/random/uniform_real_distribution.hpp>
#include <cmath>

#include "runtime/format.h"

namespace vic::runtime {

Expected<std::vector<double>> initialize_unconstrained(const Model& model, Rng& rng, double radius,
                                                       const std::vector<double>* user_init, const LogLine& log,
                                                       int64_t* num_lp_calls, int64_t* num_lp_grad_calls) {
  const size_t dim = model.dim();
  auto say = [&](const std::string& line) {
    if (log) log(line);
  };
  if (user_init && user_init->size() != dim) {
    return Error{"initial point has " + std::to_string(user_init->size()) + " values, but the model has " +
                 std::to_string(dim) + " unconstrained parameters"};
  }
  const bool zero = radius == 0.0;
  const int max_tries = (user_init || zero) ? 1 : kMaxInitTries;
  std::vector<double> theta(dim, 0.0);
  std::vector<double> grad(dim, 0.0);
  std::string last_problem;
  // Attempts rejected because the density or its gradient is not finite (no
  // check failed), and how: the same words each time, or "not finite".
  int num_non_finite = 0;
  std::string non_finite_problem;
  auto note_non_finite = [&](const std::string& problem) {
    ++num_non_finite;
    if (non_finite_problem.empty()) {
      non_finite_problem = problem;
    } else if (non_finite_problem != problem) {
      non_finite_problem = "the log density or its gradient is not finite";
    }
  };
  for (int attempt = 0; attempt < max_tries; ++attempt) {
    if (user_init) {
      theta = *user_init;
    } else if (!zero) {
      boost::random::uniform_real_distribution<double> uniform(-radius, radius);
      for (size_t i = 0; i < dim; ++i) theta[i] = uniform(rng);
    }
    EvalError error = 0;
    if (num_lp_calls) ++*num_lp_calls;
    double lp = model.lp(theta.data(), &error);
    if (error != 0 && model.is_fatal(error)) return Error{model.describe_error(error)};
    if (error != 0) {
      last_problem = "error evaluating the log density: " + model.describe_error(error);
      say("Rejecting initial value:");
      say("  Error evaluating the log probability at the initial value.");
      say(model.describe_error(error));
      continue;
    }
    if (!std::isfinite(lp)) {
      last_problem = "the log density is " + format_shortest(lp);
      note_non_finite(std::isnan(lp) ? "the log density is NaN" : last_problem);
      say("Rejecting initial value:");
      say("  Log probability evaluates to log(0), i.e. negative infinity.");
      continue;
    }
    if (num_lp_grad_calls) ++*num_lp_grad_calls;
    model.lp_grad(theta.data(), grad.data(), &error);
    if (error != 0 && model.is_fatal(error)) return Error{model.describe_error(error)};
    double sum = 0;
    for (double g : grad) sum += g;
    if (error != 0 || !std::isfinite(sum)) {
      last_problem =
          error != 0 ? "error evaluating the gradient: " + model.describe_error(error) : "the gradient is not finite";
      if (error == 0) note_non_finite(last_problem);
      say("Rejecting initial value:");
      say("  Gradient evaluated at the initial value is not finite.");
      continue;
    }
    return theta;
  }
  // Not finite at every point while the density reads a non-finite data value:
  // the data is the likely cause, not the parameterisation.
  std::string data_note = num_non_finite == max_tries ? model.non_finite_data() : "";
  if (!data_note.empty()) {
    if (user_init) return Error{"the given initial point is not usable: " + non_finite_problem + "; " + data_note};
    if (zero) return Error{"initialization at zero failed: " + non_finite_problem + "; " + data_note};
    return Error{"initialization failed: " + non_finite_problem + " at every initial point; " + data_note};
  }
  if (user_init) return Error{"the given initial point is not usable: " + last_problem};
  if (zero) return Error{"initialization at zero failed: " + last_problem};
  return Error{"initialization between (-" + format_shortest(radius) + ", " + format_shortest(radius) +
               ") failed after " + std::to_string(max_tries) + " attempts (last: " + last_problem +
               "); try reducing ranges of constrained values or reparameterizing the model"};
}

}  // namespace vic::runtime
