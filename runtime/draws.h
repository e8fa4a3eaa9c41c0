// Draws: a table of output rows as CmdStan writes them for variational inference,
// shared by the drawing code, the CSV writer and the summary. ADVI's columns are
// lp__, log_p__, log_g__ and then the model's outputs, row 0 the approximation's
// mean and rows 1..n the draws; Pathfinder's are lp_approx__, lp__ and the
// outputs, with no mean row.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

namespace vic::runtime {

// How many bookkeeping columns (lp__, log_p__, log_g__) precede the model's outputs.
inline constexpr size_t kNumDrawDiagnosticColumns = 3;

// A row-major table of draws from a variational approximation.
struct Draws {
  // "lp__", "log_p__", "log_g__", then Model::output_names().
  std::vector<std::string> column_names;
  // How many columns precede the model's outputs.
  size_t num_diagnostic_columns = kNumDrawDiagnosticColumns;
  // The first row that is a draw: 1 when row 0 is the approximation's mean.
  size_t first_draw_row = 1;
  // Row-major: values[row * column_names.size() + column]. Row 0 is the mean row.
  std::vector<double> values;
  // Draws (after the mean row) whose constrain() reported an error; their output
  // columns hold NaN.
  size_t num_constrain_errors = 0;
  // The model's description of the first such error, empty if none.
  std::string first_constrain_error;

  size_t num_columns() const { return column_names.size(); }
  size_t num_rows() const { return num_columns() == 0 ? 0 : values.size() / num_columns(); }
  // The value at (row, column).
  double at(size_t row, size_t column) const { return values[row * num_columns() + column]; }
  size_t num_draws() const { return num_rows() - std::min(num_rows(), first_draw_row); }
};

}  // namespace vic::runtime
