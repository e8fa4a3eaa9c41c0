// Pareto-smoothed importance sampling (Vehtari, Simpson, Gelman, Yao and
// Gabry, "Pareto smoothed importance sampling", JMLR 2024): how far a
// variational approximation q can be trusted as a stand-in for the posterior p.
// The importance ratios p/q over draws from q have a right tail; a generalized
// Pareto distribution fitted to its largest values has shape k-hat. Below 0.5
// the importance-sampling estimates converge quickly (q is good); 0.5 to 0.7
// they converge, slowly; above 0.7 they are not reliable, and neither is q.
#pragma once

#include <string>
#include <vector>

#include "support/rng.h"

namespace vic::runtime {

// The generalized Pareto distribution of exceedances over a threshold: shape k
// (positive: a heavy tail) and scale sigma.
struct GeneralizedPareto {
  double k = 0;
  double sigma = 0;
};

// The fit of Zhang and Stephens (2009, "A new and efficient estimation method
// for the generalized Pareto distribution") to exceedances x (positive,
// sorted ascending, at least 5), with the weakly informative prior on k that
// PSIS uses (k shrunk towards 0.5 as if by 10 more observations).
GeneralizedPareto fit_generalized_pareto(const std::vector<double>& sorted_exceedances);

struct ParetoSmoothed {
  // The tail's shape; NaN when there are too few finite ratios to fit one.
  double k_hat = 0;
  // Log importance weights with the tail smoothed, normalised to sum to 1.
  std::vector<double> log_weights;
  // The number of ratios in the fitted tail.
  size_t tail_length = 0;
};

// PSIS of log importance ratios log p(theta_s) - log q(theta_s) (up to a
// constant); -inf ratios (a draw the model rejects) get weight 0.
ParetoSmoothed pareto_smooth(const std::vector<double>& log_ratios);

// `count` indices into the ratios, drawn with replacement with the smoothed
// weights (importance resampling).
std::vector<size_t> psis_resample(const ParetoSmoothed& smoothed, size_t count, Rng& rng);

// What k-hat says, for people: "good", "usable", or "do not trust the fit".
std::string describe_k_hat(double k_hat);
// k-hat to two decimals ("0.38", "nan").
std::string format_k_hat(double k_hat);

}  // namespace vic::runtime
