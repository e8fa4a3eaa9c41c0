// untrusted_fit_reasons: reads the convergence flags and the ELBO trace that
// run_advi records; the thresholds are Stan's (its notes and informational
// messages), not new ones.
#include "runtime/fit_assessment.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "runtime/format.h"
#include "runtime/psis.h"

namespace vic::runtime {

namespace {

// Three significant digits ("0.812", "-2e+53"); nan and inf as
// format_shortest spells them.
std::string brief(double value) {
  if (!std::isfinite(value)) return format_shortest(value);
  char text[32];
  std::snprintf(text, sizeof text, "%.3g", value);
  return text;
}

}  // namespace

std::vector<std::string> untrusted_fit_reasons(const AdviResult& result) {
  std::vector<std::string> reasons;
  if (!result.converged) {
    reasons.push_back("ADVI reached the maximum number of iterations (" + std::to_string(result.iterations) +
                      ") without converging");
  }
  if (result.elbo_trace.empty()) return reasons;
  const ElboTraceEntry& last = result.elbo_trace.back();
  if (last.may_be_diverging) {
    reasons.push_back("the ELBO may be diverging at the last evaluation (iteration " + std::to_string(last.iteration) +
                      ": relative ELBO change mean " + brief(last.rel_mean) + ", median " + brief(last.rel_median) +
                      ")");
  }
  if (!std::isfinite(last.elbo)) reasons.push_back("the final ELBO is " + format_shortest(last.elbo));
  if (result.elbo_below_best) {
    double best = last.elbo;
    for (const ElboTraceEntry& entry : result.elbo_trace) best = std::max(best, entry.elbo);
    reasons.push_back("the ELBO at convergence (" + brief(last.elbo) + ") is more than 5% below the best seen (" +
                      brief(best) + ")");
  }
  return reasons;
}

DrawsAssessment assess_draws(const std::vector<double>& log_ratios) {
  DrawsAssessment a;
  const double n = static_cast<double>(log_ratios.size());
  double sum = 0;
  for (double r : log_ratios) sum += r;
  a.elbo = sum / n;
  double deviations = 0;
  if (std::isfinite(a.elbo)) {
    for (double r : log_ratios) deviations += (r - a.elbo) * (r - a.elbo);
  }
  a.elbo_mcse = std::isfinite(a.elbo) && n > 1 ? std::sqrt(deviations / (n - 1) / n) : std::nan("");
  const ParetoSmoothed smoothed = pareto_smooth(log_ratios);
  a.pareto_k_hat = smoothed.k_hat;
  double squares = 0;
  for (double lw : smoothed.log_weights) squares += std::exp(2 * lw);
  a.psis_ess = squares > 0 ? 1 / squares : 0;
  a.num_ratios = log_ratios.size();
  return a;
}

std::vector<std::string> untrusted_draws_reasons(const DrawsAssessment& a) {
  std::vector<std::string> reasons;
  if (a.pareto_k_hat > 0.7) {
    reasons.push_back("Pareto k-hat is " + format_k_hat(a.pareto_k_hat) +
                      ", above 0.7: the approximation is far from the posterior");
  }
  if (!std::isfinite(a.elbo)) reasons.push_back("the ELBO of the draws is " + format_shortest(a.elbo));
  return reasons;
}

}  // namespace vic::runtime
