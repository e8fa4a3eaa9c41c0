// Whether a fit that ran to the end can be trusted. ADVI can finish, write its
// draws and still have produced an approximation that means nothing: the
// ascent stopped at the iteration limit, it was diverging, the ELBO is not a
// number, or it converged to a worse point than one it had passed. Any
// algorithm's draws can show it too: their importance ratios p/q have a heavy
// tail (Pareto k-hat above 0.7) or their ELBO is not finite. `vic fit` exits
// with status 3 when any of these holds and prints the reasons.
#pragma once

#include <string>
#include <vector>

#include "runtime/advi.h"

namespace vic::runtime {

// The reasons `result` cannot be trusted, one short clause each (no
// capital, no full stop); empty when it can. In this order: the maximum
// number of iterations was reached without convergence; the last ELBO
// evaluation carried Stan's "MAY BE DIVERGING" note; the final ELBO is not
// finite; the ELBO at convergence is more than 5% below the best seen.
std::vector<std::string> untrusted_fit_reasons(const AdviResult& result);

// What the draws of an approximation q say about it, from their log
// importance ratios log p(theta) - log q(theta) with both normalised (p up to
// the model's own constant): the ELBO is their mean.
struct DrawsAssessment {
  double elbo = 0;
  // The ELBO's Monte Carlo standard error: the ratios' sd / sqrt(draws).
  double elbo_mcse = 0;
  double pareto_k_hat = 0;
  // The importance weights' effective sample size, 1 / sum(w^2) with the
  // Pareto-smoothed weights normalised: how many independent draws from the
  // posterior the draws are worth when reweighted. Of `num_ratios`.
  double psis_ess = 0;
  size_t num_ratios = 0;
};
DrawsAssessment assess_draws(const std::vector<double>& log_ratios);

// The reasons the draws say the fit cannot be trusted, as untrusted_fit_reasons
// words them: k-hat above 0.7; an ELBO that is not finite.
std::vector<std::string> untrusted_draws_reasons(const DrawsAssessment& assessment);

}  // namespace vic::runtime
