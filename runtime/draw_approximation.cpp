// draw_approximation: the output stage of Stan's advi::run. Writes the mean row
// (constrain(mu)) and then draws zeta = mu + exp(omega) .* eta with eta ~ N(0, I),
// each with its constants-kept log density (log_p__) and the log density of eta
// under q with constants dropped (log_g__), consuming the generator in Stan's order:
// the mean row's constrain, then per draw the normals and the draw's constrain.
#include <cmath>
#include <limits>
#include <numbers>

#include "runtime/advi.h"

namespace vic::runtime {

Expected<Draws> draw_approximation(const Model& model, const AdviResult& result, int num_draws,
                                   Rng& rng) {
  const size_t dim = model.dim();
  if (result.mu.size() != dim || result.omega.size() != dim) {
    return Error{"draw_approximation: the approximation has " + std::to_string(result.mu.size()) +
                 " dimensions, but the model has " + std::to_string(dim)};
  }
  if (num_draws < 0) {
    return Error{"draw_approximation: the number of draws must be non-negative, but is " +
                 std::to_string(num_draws)};
  }
  Draws draws;
  draws.column_names = {"lp__", "log_p__", "log_g__"};
  const std::vector<std::string>& outputs = model.output_names();
  draws.column_names.insert(draws.column_names.end(), outputs.begin(), outputs.end());
  const size_t num_columns = draws.column_names.size();
  const size_t num_outputs = outputs.size();
  draws.values.assign(num_columns * (static_cast<size_t>(num_draws) + 1), 0.0);

  // Row 0: the mean, with lp__ = log_p__ = log_g__ = 0.
  EvalError error = 0;
  model.constrain(result.mu.data(), rng, draws.values.data() + kNumDrawDiagnosticColumns, &error);
  if (error != 0) {
    return Error{"cannot compute the outputs at the approximation's mean: " +
                 model.describe_error(error)};
  }

  std::vector<double> eta(dim);
  std::vector<double> zeta(dim);
  for (int n = 1; n <= num_draws; ++n) {
    double* row = draws.values.data() + static_cast<size_t>(n) * num_columns;
    // Stan's sample_log_g: the normals, log_g from them, then the transform.
    standard_normals(rng, eta.data(), dim);
    double log_g = 0.0;
    for (size_t d = 0; d < dim; ++d) log_g += -(eta[d] * eta[d]) * 0.5;
    for (size_t d = 0; d < dim; ++d) zeta[d] = eta[d] * std::exp(result.omega[d]) + result.mu[d];

    error = 0;
    model.constrain(zeta.data(), rng, row + kNumDrawDiagnosticColumns, &error);
    if (error != 0) {
      if (draws.num_constrain_errors == 0)
        draws.first_constrain_error = model.describe_error(error);
      ++draws.num_constrain_errors;
      for (size_t i = 0; i < num_outputs; ++i) {
        row[kNumDrawDiagnosticColumns + i] = std::numeric_limits<double>::quiet_NaN();
      }
    }
    EvalError lp_error = 0;
    double log_p = model.lp(zeta.data(), &lp_error);
    if (lp_error != 0) log_p = -std::numeric_limits<double>::infinity();
    row[0] = 0.0;
    row[1] = log_p;
    row[2] = log_g;
  }
  return draws;
}

std::vector<double> advi_log_ratios(const Draws& draws, const AdviResult& result) {
  double log_q_constant = -0.5 * static_cast<double>(result.omega.size()) * std::log(2 * std::numbers::pi);
  for (double w : result.omega) log_q_constant -= w;
  std::vector<double> ratios;
  for (size_t row = draws.first_draw_row; row < draws.num_rows(); ++row)
    ratios.push_back(draws.at(row, 1) - (draws.at(row, 2) + log_q_constant));
  return ratios;
}

}  // namespace vic::runtime
