// vic's variational inference: a family (runtime/variational_family.h) fitted
// to the posterior by stochastic gradient ascent on the ELBO, made robust
// where Stan's ADVI is not:
// - it starts from Pathfinder's approximation (one path), and works in
//   coordinates whitened by it (zeta = c + A z, A the Cholesky factor of
//   Pathfinder's covariance, or its diagonal for a mean-field family), so one
//   step size suits every model whatever its scales and correlations;
// - Adam with several draws per gradient, the step halved whenever a window
//   of iterations stops improving the ELBO;
// - the ELBO that decides is estimated with one fixed set of draws (common
//   random numbers) at the window's average parameters (Polyak averaging), so
//   the convergence test compares like with like instead of stopping on noise;
// - the result is the last window's averaged parameters, at the smallest step.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/draws.h"
#include "runtime/initialize.h"
#include "runtime/lbfgs.h"
#include "runtime/model.h"
#include "runtime/progress.h"
#include "runtime/variational_family.h"
#include "support/expected.h"
#include "support/rng.h"

namespace vic::runtime {

struct ViSettings {
  // "fullrank" or "meanfield".
  std::string family = "fullrank";
  // Draws per gradient estimate.
  int grad_samples = 4;
  // Fixed draws for the ELBO of each window.
  int elbo_samples = 200;
  // Iterations per window (between ELBO evaluations).
  int window = 100;
  int max_iterations = 20000;
  // Adam's first step size, in whitened coordinates.
  double learning_rate = 0.1;
  // The fit ends when the step size has been halved this many times.
  int max_halvings = 6;
  // A window improves the ELBO when it gains more than this (nats).
  double tol_elbo = 0.01;
  // Windows without improvement before the step is halved.
  int patience = 2;
  // A stage that gains more than this (nats) is followed by another,
  // whitened by its result.
  double stage_gain = 0.5;
  double init_radius = 2.0;
  // An initial unconstrained point (from --init), instead of a random one.
  std::vector<double> init;
  // L-BFGS for the Pathfinder start: tighter than Stan's defaults, because
  // a start cut short on a long ridge (an uncentred predictor) leaves the
  // whitening too narrow along it.
  LbfgsSettings start_lbfgs{.history_size = 20, .tol_rel_obj = 10, .tol_rel_grad = 100};
  // After the fit, L-BFGS from this many more random points looks for other
  // modes: one far outside the fit (more than mode_distance sds) whose log
  // density is within mode_log_density nats of the highest found, with a
  // valley deeper than that between it and the fit, means the posterior is
  // multimodal, which one Gaussian cannot represent.
  int mode_checks = 3;
  double mode_distance = 5;
  double mode_log_density = 3;
  // Told at each window's end (a progress bar); may be empty.
  ProgressFn progress;
};

struct ViTraceEntry {
  int iteration = 0;
  double elbo = 0;  // at the window's average, with the fixed draws
  double learning_rate = 0;
};

struct ViResult {
  std::unique_ptr<VariationalFamily> family;
  // The family's parameters on the unconstrained scale (whitening undone).
  std::vector<double> phi;
  int iterations = 0;
  std::vector<ViTraceEntry> trace;
  // True when the last stage's step size was halved max_halvings times;
  // false when max_iterations came first.
  bool converged = false;
  // How the start was found: "Pathfinder", or why it was not and what was used.
  std::string start;
  // When the mode checks found another mode: where, in words; else "".
  std::string other_mode;
  int64_t num_lp_grad_calls = 0;
  int64_t num_lp_calls = 0;
};

// Fits the family; progress lines to `log`, warnings to `warn`. An Error when
// no start can be found, a fatal check fails, or the settings are out of range.
Expected<ViResult> run_vi(const Model& model, const ViSettings& settings, uint64_t seed, const LogLine& log = {},
                          const LogLine& warn = {});

// log p - log q at `count` fresh draws from the fitted family (no outputs
// computed): what the fit's Pareto k-hat and ELBO are estimated from, with
// more draws than the output needs, since k-hat from 1000 draws is noisy
// (it fits a tail of 95).
Expected<std::vector<double>> family_log_ratios(const Model& model, const ViResult& result, int count, Rng& rng);

// Draws from the fitted family in CmdStan's variational layout (as
// draw_approximation writes ADVI's): the mean row, then `num_draws` rows with
// lp__ = 0, log_p__ = log p (constants kept; -inf on a domain error), log_g__
// = -0.5 |eta|^2 (Stan's, constants dropped) and the model's outputs; and in
// `log_ratios` log p - log q of each draw, q normalised.
Expected<Draws> draw_family(const Model& model, const ViResult& result, int num_draws, Rng& rng,
                            std::vector<double>* log_ratios);

}  // namespace vic::runtime
