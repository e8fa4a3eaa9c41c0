// Posterior summaries of a variational fit: per output column (constrained
// parameters, transformed parameters, generated quantities) the mean, standard
// deviation and 5%, 50%, 95% quantiles over the draws (not the mean row), and the
// fixed-width table and ELBO line `vic fit` prints.
#pragma once

#include <cstdint>
#include <limits>
#include <ostream>
#include <string>
#include <vector>

#include "runtime/advi.h"
#include "runtime/draws.h"

namespace vic::runtime {

// Summary statistics of one output column.
struct ColumnSummary {
  std::string name;
  double mean = 0;
  // Sample standard deviation (divisor n - 1); NaN for fewer than two draws.
  double sd = 0;
  double q5 = 0;
  double q50 = 0;
  double q95 = 0;
  // The importance-sampling effective sample size of the mean (see
  // add_importance_ess); NaN when the draws have no importance weights.
  double n_eff = std::numeric_limits<double>::quiet_NaN();
};

// The p-quantile of `sorted` (ascending, no NaN) by R's default definition
// (type 7, the one Stan's summaries use): with h = (n - 1) p, linear interpolation
// between the order statistics floor(h) and ceil(h) (0-based), computed as R does.
// NaN for an empty vector.
double quantile_type7(const std::vector<double>& sorted, double p);

// Summaries of every output column of `draws` (the columns after the
// diagnostic ones), over the draw rows (not ADVI's mean row). A column holding
// any NaN summarises to NaN throughout.
std::vector<ColumnSummary> summarize_draws(const Draws& draws);

// Sets each summary's n_eff from the draws' log importance ratios log p - log q
// (one per draw row, in order) smoothed by PSIS into normalised weights w: for
// the column's values x with weighted mean m, sum w (x - m)^2 / sum w^2 (x - m)^2,
// the number of independent posterior draws whose sample mean would be as
// precise as the weighted mean (the draws' count when the weights are equal).
// Nothing when the ratios do not match the draws.
void add_importance_ess(std::vector<ColumnSummary>& summaries, const Draws& draws,
                        const std::vector<double>& log_ratios);

// Prints `name  mean  sd  5%  50%  95%` (and `n_eff` when any summary has
// one) with a header row, names left-aligned and numbers right-aligned in
// fixed-width columns.
void print_summary_table(std::ostream& out, const std::vector<ColumnSummary>& summaries);

// What `vic fit --summary-json` writes: the fit's settings, diagnostics and
// the summary of every output column.
struct FitSummary {
  std::string algorithm;
  uint64_t seed = 0;
  size_t num_draws = 0;
  double elbo = 0;
  double elbo_mcse = 0;
  double pareto_k_hat = 0;
  double psis_ess = 0;
  std::vector<std::string> untrusted_reasons;
  int64_t num_lp_grad_calls = 0;
  int64_t num_lp_calls = 0;
  std::vector<ColumnSummary> columns;
};

// One JSON object: {"algorithm", "seed", "draws", "elbo", "elbo_mcse",
// "pareto_k_hat", "psis_ess", "trusted", "untrusted_reasons", "gradients", "densities",
// "summary": {name: {"mean", "sd", "q5", "q50", "q95", "n_eff"}}} in output order;
// a value that is not finite is null.
void write_summary_json(std::ostream& out, const FitSummary& summary);

// Prints the final ELBO, the iteration it was reached at and how the fit ended,
// e.g. "ELBO = -123.456 at iteration 300 (MEAN ELBO CONVERGED), eta = 1 (adapted)".
void print_elbo_line(std::ostream& out, const AdviResult& result);

}  // namespace vic::runtime
