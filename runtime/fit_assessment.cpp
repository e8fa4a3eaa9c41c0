// untrusted_fit_reasons: reads the convergence flags and the ELBO trace that
// run_advi records; the thresholds are Stan's (its notes and informational
// messages), not new ones.
#include "runtime/fit_assessment.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "runtime/format.h"

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

}  // namespace vic::runtime
