// Pathfinder (Zhang, Carpenter, Gelman and Vehtari, "Pathfinder: parallel
// quasi-Newton variational inference", JMLR 2022), as Stan 2.39 runs it
// (stan/services/pathfinder): L-BFGS climbs the log density; at every iterate
// the L-BFGS history gives a normal approximation N(x - H g, H) with H the
// inverse-Hessian estimate (a diagonal plus a low-rank term); a Monte Carlo
// ELBO scores each; the best one's draws are the path's result. Several paths
// from different initial points run on threads, and their draws are pooled by
// Pareto-smoothed importance resampling. Unlike Stan, which weighs each draw
// by p / q_path (its own path's approximation), the weights are p / q_mix
// with q_mix the equal mixture of every path's approximation, the draws'
// actual distribution: when three paths find one mode and one path another,
// Stan's resampling keeps the 3:1 split; these weights restore the modes'
// posterior masses.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/draws.h"
#include "runtime/initialize.h"
#include "runtime/lbfgs.h"
#include "runtime/model.h"
#include "support/expected.h"

namespace vic::runtime {

// CmdStan's pathfinder defaults.
struct PathfinderSettings {
  // L-BFGS with history 5 and at most 1000 iterations.
  LbfgsSettings lbfgs{.max_iterations = 1000};
  // Draws per ELBO estimate along the path.
  int num_elbo_draws = 25;
  int num_paths = 4;
  // Draws each path makes from its best approximation.
  int draws_per_path = 1000;
  // Draws returned (resampled from all paths' draws when there are several).
  int num_draws = 1000;
  // Pool several paths by PSIS resampling; false returns every path's draws.
  bool psis_resample = true;
  double init_radius = 2.0;
  // An initial unconstrained point (from --init), instead of a random one.
  std::vector<double> init;
  // Threads the paths run on; the result does not depend on it.
  int threads = 1;
};

// A normal approximation N(center, H) on the unconstrained scale with
// H = diag(sqrt(alpha)) (I + W M W') diag(sqrt(alpha)) for a low-rank W, kept
// as x = center + sqrt(alpha) .* (Q (L - I) Q' u + u) with u ~ N(0, I),
// Q (dim x k) orthonormal and L (k x k) lower triangular.
struct NormalApproximation {
  std::vector<double> center;
  std::vector<double> alpha;
  size_t rank = 0;        // k
  std::vector<double> q;  // dim x k, column-major
  std::vector<double> l;  // k x k, column-major, lower triangular
  // log det(H) / 2.
  double log_det_cholesky = 0;

  // x = center + H^(1/2) u.
  void transform(const double* u, double* x) const;
  // log q(x) for x = transform(u).
  double log_density(const double* u) const;
  // log q(x) at any x (inverting transform).
  double log_density_at(const double* x) const;
  // H as a dense dim x dim matrix, column-major (tests, small models).
  std::vector<double> covariance() const;
};

// The approximation Pathfinder forms at an L-BFGS iterate x with gradient
// `grad` of the function minimised (-log p), from the history pairs
// s_i = x_i - x_(i-1), y_i = grad_i - grad_(i-1) (oldest first, each with
// s'y > 0) and the diagonal estimate `alpha` (Gilbert and Lemarechal's update,
// update_diagonal_estimate). An Error when the estimate is not positive definite.
Expected<NormalApproximation> approximate_at(const std::vector<double>& x, const std::vector<double>& grad,
                                             const std::vector<std::vector<double>>& s,
                                             const std::vector<std::vector<double>>& y,
                                             const std::vector<double>& alpha);

// The diagonal estimate's update with the newest pair (Gilbert and
// Lemarechal 1989, eq. 4.9), as Pathfinder uses it.
void update_diagonal_estimate(std::vector<double>& alpha, const std::vector<double>& s, const std::vector<double>& y);

// One path's outcome.
struct PathSummary {
  int lbfgs_iterations = 0;
  std::string lbfgs_termination;
  // The iterate whose approximation had the best ELBO, and that ELBO.
  int best_iteration = -1;
  double best_elbo = 0;
  NormalApproximation approximation;
  int64_t num_lp_grad_calls = 0;
  int64_t num_lp_calls = 0;
  // Why the path failed; empty when it produced draws.
  std::string failure;
};

struct PathfinderResult {
  // Columns lp_approx__ (log q), lp__ (log p with constants), then the model's
  // outputs; one row per draw, no mean row.
  Draws draws;
  std::vector<PathSummary> paths;
  // log p - log q of every path's draws, pooled before resampling (q the
  // mixture of the paths' approximations): what the fit's PSIS k-hat and ELBO
  // are computed from.
  std::vector<double> log_ratios;
  int64_t num_lp_grad_calls = 0;
  int64_t num_lp_calls = 0;
};

// Runs the paths (path i draws from Rng(seed) with stream i + 1, as CmdStan
// seeds chain i + 1) and pools them. Failed paths are dropped with a warning;
// an Error when every path failed or the settings are out of range.
Expected<PathfinderResult> run_pathfinder(const Model& model, const PathfinderSettings& settings, uint64_t seed,
                                          const LogLine& log = {}, const LogLine& warn = {});

}  // namespace vic::runtime
