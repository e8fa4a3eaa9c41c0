// summarize_draws and the printers for `vic fit`'s table: mean, sd (n - 1) and R
// type-7 quantiles per output column; numbers printed with 3 decimals, switching
// to scientific notation for very large or very small magnitudes.
#include "runtime/summary.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "runtime/format.h"
#include "runtime/psis.h"

#include <nlohmann/json.hpp>

namespace vic::runtime {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Width of each number column in the table.
constexpr int kNumberWidth = 10;

// A table cell: "%.3f" in [0.01, 1e6), "%.3e" outside, "nan"/"inf" as such.
std::string format_cell(double value) {
  if (!std::isfinite(value)) return format_shortest(value);
  double magnitude = std::fabs(value);
  char buffer[64];
  const char* format = (magnitude != 0 && (magnitude < 0.01 || magnitude >= 1e6)) ? "%.3e" : "%.3f";
  std::snprintf(buffer, sizeof(buffer), format, value);
  return buffer;
}

}  // namespace

double quantile_type7(const std::vector<double>& sorted, double p) {
  const size_t n = sorted.size();
  if (n == 0) return kNaN;
  // R: index = 1 + (n - 1) * p; lo = floor(index); hi = ceiling(index);
  // q = x[lo], or (1 - h) x[lo] + h x[hi] with h = index - lo when they differ.
  double index = 1.0 + static_cast<double>(n - 1) * p;
  double lo = std::floor(index);
  double hi = std::ceil(index);
  double x_lo = sorted[static_cast<size_t>(lo) - 1];
  double x_hi = sorted[static_cast<size_t>(hi) - 1];
  if (!(index > lo) || x_hi == x_lo) return x_lo;
  double h = index - lo;
  return (1.0 - h) * x_lo + h * x_hi;
}

std::vector<ColumnSummary> summarize_draws(const Draws& draws) {
  std::vector<ColumnSummary> summaries;
  const size_t rows = draws.num_rows();
  const size_t num_draws = draws.num_draws();
  std::vector<double> column;
  for (size_t c = draws.num_diagnostic_columns; c < draws.num_columns(); ++c) {
    ColumnSummary s;
    s.name = draws.column_names[c];
    column.clear();
    bool has_nan = false;
    for (size_t r = draws.first_draw_row; r < rows; ++r) {
      double v = draws.at(r, c);
      has_nan = has_nan || std::isnan(v);
      column.push_back(v);
    }
    if (has_nan || num_draws == 0) {
      s.mean = s.sd = s.q5 = s.q50 = s.q95 = kNaN;
      summaries.push_back(s);
      continue;
    }
    double sum = 0;
    for (double v : column) sum += v;
    s.mean = sum / static_cast<double>(num_draws);
    if (num_draws > 1) {
      double squares = 0;
      for (double v : column) squares += (v - s.mean) * (v - s.mean);
      s.sd = std::sqrt(squares / static_cast<double>(num_draws - 1));
    } else {
      s.sd = kNaN;
    }
    std::sort(column.begin(), column.end());
    s.q5 = quantile_type7(column, 0.05);
    s.q50 = quantile_type7(column, 0.5);
    s.q95 = quantile_type7(column, 0.95);
    summaries.push_back(s);
  }
  return summaries;
}

void add_importance_ess(std::vector<ColumnSummary>& summaries, const Draws& draws,
                        const std::vector<double>& log_ratios) {
  if (log_ratios.size() != draws.num_draws() || log_ratios.empty()) return;
  const ParetoSmoothed smoothed = pareto_smooth(log_ratios);
  std::vector<double> w(log_ratios.size());
  for (size_t i = 0; i < w.size(); ++i) w[i] = std::exp(smoothed.log_weights[i]);
  for (size_t k = 0; k < summaries.size(); ++k) {
    const size_t c = draws.num_diagnostic_columns + k;
    double mean = 0;
    for (size_t i = 0; i < w.size(); ++i) mean += w[i] * draws.at(draws.first_draw_row + i, c);
    double spread = 0, weighted = 0;
    for (size_t i = 0; i < w.size(); ++i) {
      const double d = draws.at(draws.first_draw_row + i, c) - mean;
      spread += w[i] * d * d;
      weighted += w[i] * w[i] * d * d;
    }
    // A constant column: every draw tells its mean exactly.
    summaries[k].n_eff = weighted > 0 ? spread / weighted : static_cast<double>(w.size());
  }
}

void print_summary_table(std::ostream& out, const std::vector<ColumnSummary>& summaries) {
  size_t name_width = 4;
  for (const ColumnSummary& s : summaries) name_width = std::max(name_width, s.name.size());
  auto pad_left = [](const std::string& text, size_t width) {
    return text.size() >= width ? text : std::string(width - text.size(), ' ') + text;
  };
  auto pad_right = [](const std::string& text, size_t width) {
    return text.size() >= width ? text : text + std::string(width - text.size(), ' ');
  };
  const size_t w = kNumberWidth;
  const bool n_eff = std::any_of(summaries.begin(), summaries.end(),
                                 [](const ColumnSummary& s) { return !std::isnan(s.n_eff); });
  out << pad_right("name", name_width);
  for (const char* title : {"mean", "sd", "5%", "50%", "95%"}) out << "  " << pad_left(title, w);
  if (n_eff) out << "  " << pad_left("n_eff", w);
  out << "\n";
  for (const ColumnSummary& s : summaries) {
    out << pad_right(s.name, name_width);
    for (double v : {s.mean, s.sd, s.q5, s.q50, s.q95}) out << "  " << pad_left(format_cell(v), w);
    if (n_eff) out << "  " << pad_left(std::isnan(s.n_eff) ? "nan" : std::to_string(std::lround(s.n_eff)), w);
    out << "\n";
  }
}

void print_elbo_line(std::ostream& out, const AdviResult& result) {
  // As the table spells numbers: "%.3f" would print an ELBO of -2e53 with 54
  // digits (and a fixed buffer would cut a longer one short).
  std::string elbo = format_cell(result.final_elbo());
  int at = result.elbo_trace.empty() ? result.iterations : result.elbo_trace.back().iteration;
  out << "ELBO = " << elbo << " at iteration " << at << " (" << result.convergence_message
      << "), eta = " << format_shortest(result.eta) << (result.eta_adapted ? " (adapted)" : "")
      << "\n";
}

void write_summary_json(std::ostream& out, const FitSummary& s) {
  auto number = [](double v) { return std::isfinite(v) ? nlohmann::ordered_json(v) : nlohmann::ordered_json(nullptr); };
  nlohmann::ordered_json json;
  json["algorithm"] = s.algorithm;
  json["seed"] = s.seed;
  json["draws"] = s.num_draws;
  json["elbo"] = number(s.elbo);
  json["elbo_mcse"] = number(s.elbo_mcse);
  json["pareto_k_hat"] = number(s.pareto_k_hat);
  json["psis_ess"] = number(s.psis_ess);
  json["trusted"] = s.untrusted_reasons.empty();
  json["untrusted_reasons"] = s.untrusted_reasons;
  json["gradients"] = s.num_lp_grad_calls;
  json["densities"] = s.num_lp_calls;
  nlohmann::ordered_json columns = nlohmann::ordered_json::object();
  for (const ColumnSummary& c : s.columns) {
    columns[c.name] = {{"mean", number(c.mean)}, {"sd", number(c.sd)}, {"q5", number(c.q5)},
                       {"q50", number(c.q50)}, {"q95", number(c.q95)}, {"n_eff", number(c.n_eff)}};
  }
  json["summary"] = std::move(columns);
  out << json.dump(2) << "\n";
}

}  // namespace vic::runtime
