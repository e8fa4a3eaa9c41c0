// Mean-field ADVI as Stan implements it (stan/variational/advi.hpp with the
// normal_meanfield family): a Gaussian q(zeta) = N(mu, diag(exp(omega))^2) on the
// unconstrained scale, fitted by stochastic gradient ascent on the ELBO with Stan's
// adaptive step-size sequence, its eta adaptation, and its convergence test on
// relative ELBO changes. Given the same seed and the same model it makes the same
// sequence of random draws as Stan's code, with Stan's generator (support/rng.h):
// a seed reproduces CmdStan's fit.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/draws.h"
#include "runtime/initialize.h"
#include "runtime/model.h"
#include "runtime/progress.h"
#include "support/expected.h"
#include "support/rng.h"

namespace vic::runtime {

// ADVI's settings, with CmdStan's defaults.
struct AdviSettings {
  // Monte Carlo draws per gradient estimate.
  int grad_samples = 1;
  // Monte Carlo draws per ELBO estimate.
  int elbo_samples = 100;
  // Estimate the ELBO (and test convergence) every eval_elbo iterations.
  int eval_elbo = 100;
  // Converged when the mean or median relative ELBO change falls below this.
  double tol_rel_obj = 0.01;
  // Maximum number of iterations of gradient ascent.
  int max_iterations = 10000;
  // Step-size scale; replaced by the adapted value when adapt_engaged.
  double eta = 1.0;
  // Search eta over {100, 10, 1, 0.1, 0.01} first (Stan's adapt_eta).
  bool adapt_engaged = true;
  // Iterations of gradient ascent spent on each eta candidate.
  int adapt_iterations = 50;
  // Initial values uniform on (-init_radius, init_radius); 0 means all zeros.
  double init_radius = 2.0;
  // Where Stan's ascent aborts because the approximation degenerated (every
  // gradient draw fails), start the ascent again from the initial
  // approximation with eta ten times smaller, down to 0.01. A departure from
  // Stan, which gives up; false restores Stan's behaviour exactly.
  bool restart_on_divergence = true;
  // Told at each ELBO evaluation of the ascent (a progress bar); may be empty.
  ProgressFn progress;
};

// One ELBO evaluation during gradient ascent: one line of Stan's progress table.
struct ElboTraceEntry {
  int iteration = 0;
  double elbo = 0;
  // Mean and median of the relative ELBO changes in the circular buffer.
  double rel_mean = 0;
  double rel_median = 0;
  // Stan's notes: "MEAN ELBO CONVERGED", "MEDIAN ELBO CONVERGED",
  // "MAY BE DIVERGING... INSPECT ELBO", space-separated; empty if none.
  std::string notes;
  // Whether the notes include "MAY BE DIVERGING... INSPECT ELBO": past 10
  // evaluations, the mean or median relative change is above 0.5.
  bool may_be_diverging = false;
};

// The fitted approximation and how the fit went.
struct AdviResult {
  // The unconstrained point the fit started from.
  std::vector<double> initial_point;
  // Mean and log standard deviation of the Gaussian on the unconstrained scale.
  std::vector<double> mu;
  std::vector<double> omega;
  // Iterations of gradient ascent run (after eta adaptation).
  int iterations = 0;
  std::vector<ElboTraceEntry> elbo_trace;
  // Why the ascent was restarted with a smaller eta, one line per restart.
  std::vector<std::string> restarts;
  // The eta used for gradient ascent and whether it was adapted.
  double eta = 0;
  bool eta_adapted = false;
  // Model evaluations, initialisation included.
  int64_t num_lp_grad_calls = 0;
  int64_t num_lp_calls = 0;
  // True when the mean or median relative ELBO change fell below tol_rel_obj;
  // false when max_iterations was reached first.
  bool converged = false;
  // "MEAN ELBO CONVERGED", "MEDIAN ELBO CONVERGED" (both, space-separated, when
  // both hold) or "maximum number of iterations reached".
  std::string convergence_message;
  // Set when the final ELBO is more than 5% (relative) below the best seen, as
  // Stan's informational message says.
  bool elbo_below_best = false;

  // The last ELBO estimate, NaN if none was made.
  double final_elbo() const;
};

// Fits the approximation. `init` is the initial unconstrained point; when empty,
// one is drawn from `rng` by initialize_unconstrained (uniform on
// (-init_radius, init_radius), as Stan does) before any other draw. Progress
// lines as Stan prints them (the adaptation iterations, the ELBO table,
// rejected initial values) go to `log`; what a user must see even without the
// progress goes to `warn`, one line each, as it happens: Stan's informational
// messages (maximum iterations reached, the ELBO at convergence below the
// best), the first "MAY BE DIVERGING" note of an ascent, and each restart.
// Either may be empty (silent). Settings Stan would reject, or that cannot end
// (a non-finite eta or tol_rel_obj), errors of the fit (initialisation fails,
// every eta candidate fails, too many dropped evaluations, an ELBO that cannot
// be computed) come back as an Error.
Expected<AdviResult> run_advi(const Model& model, const AdviSettings& settings, Rng& rng,
                              const std::vector<double>& init = {}, const LogLine& log = {},
                              const LogLine& warn = {});

// Draws from the fitted approximation in CmdStan's order: row 0 is the mean
// (constrain(mu), lp__ = log_p__ = log_g__ = 0), then `num_draws` rows, each with
// eta ~ N(0, I), zeta = mu + exp(omega) .* eta, lp__ = 0, log_p__ = Model::lp(zeta)
// (constants kept; -inf on a domain error), log_g__ = -0.5 * sum(eta^2) (Stan's
// calc_log_g, constants dropped), then constrain(zeta, rng). Unlike Stan, which
// aborts the run, a draw whose constrain() fails gets NaN outputs and is counted
// in Draws::num_constrain_errors. The mean row's constrain() failing is an Error.
Expected<Draws> draw_approximation(const Model& model, const AdviResult& result, int num_draws,
                                   Rng& rng);

// log p - log q of each draw (rows 1..n) of draw_approximation, with q's
// normalising constant restored to log_g__ (-sum(omega) - dim/2 log(2 pi)):
// their mean is an ELBO estimate on the same scale as Stan's.
std::vector<double> advi_log_ratios(const Draws& draws, const AdviResult& result);

}  // namespace vic::runtime
