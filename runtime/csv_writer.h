// The CmdStan-style CSV of a fit: `#` comment lines with the settings in
// CmdStan's layout (so cmdstanpy.from_csv, ArviZ and the R posterior package
// read it as a CmdStan variational or pathfinder output), the header, and the
// draws: for ADVI `lp__,log_p__,log_g__,<outputs>`, the adaptation comments,
// the mean row and the draws; for Pathfinder `lp_approx__,lp__,<outputs>` and
// the draws. Closing comments give what vic's diagnostics say of the fit.
// Numbers are written in their shortest round-trip form.
#pragma once

#include <cstdint>
#include <ostream>
#include <optional>
#include <string>
#include <vector>

#include "runtime/advi.h"
#include "runtime/draws.h"
#include "runtime/optimize.h"
#include "runtime/pathfinder.h"
#include "support/expected.h"

namespace vic::runtime {

// What the CSV's comment header records about the run.
struct CsvRunInfo {
  // The model's name (CmdStan writes the executable's name: `model = eight_schools`).
  std::string model_name;
  // "meanfield" (or "fullrank" when vic grows it).
  std::string algorithm = "meanfield";
  // The settings the fit was run with (eta as the user gave it).
  AdviSettings settings;
  // Draws requested after the mean row.
  int output_samples = 1000;
  uint64_t seed = 0;
  // Paths as the user gave them; empty when there is none.
  std::string data_file;
  std::string init_file;
  std::string output_file;
  // vic's version, e.g. "0.1.0".
  std::string vic_version;
  // The draws' Pareto k-hat (runtime/psis.h), written as a closing comment
  // when set; NaN when it could not be computed.
  std::optional<double> pareto_k_hat;
  // The ELBO of the draws and its Monte Carlo standard error, a closing
  // comment when set.
  std::optional<double> elbo;
  double elbo_mcse = 0;
  int elbo_draws = 0;
  // Why the fit cannot be trusted (runtime/fit_assessment.h), the last comment.
  std::vector<std::string> untrusted_reasons;
};

// Spells one CSV value: the shortest decimal that reads back to the same double
// (so the file round-trips exactly; CmdStan's default of 6 significant digits
// does not), "nan", "inf" or "-inf".
std::string format_csv_value(double value);

// Writes the whole file to `out`: comments, header, the "Stepsize adaptation
// complete." / "eta = ..." comments when eta was adapted (as CmdStan does), then
// every row of `draws`. Deterministic: the same inputs give the same bytes.
void write_variational_csv(std::ostream& out, const CsvRunInfo& info, const AdviResult& result,
                           const Draws& draws);

// Pathfinder's CSV as CmdStan writes it (method = pathfinder with its
// arguments), then every row of `draws`.
void write_pathfinder_csv(std::ostream& out, const CsvRunInfo& info, const PathfinderSettings& settings,
                          const Draws& draws);

// `vic optimize`'s CSV as CmdStan writes an optimisation (method = optimize,
// algorithm = lbfgs): the settings, `lp__,<outputs>` and one row, the mode.
void write_optimize_csv(std::ostream& out, const CsvRunInfo& info, const OptimizeSettings& settings,
                        const std::vector<std::string>& output_names, double log_density,
                        const std::vector<double>& outputs);

// The same into the file at `path`, atomically (support/output_file.h): the file
// is replaced only once it is complete. An Error with errno's text if it cannot
// be written; then an existing file is unchanged.
Status write_variational_csv_file(const std::string& path, const CsvRunInfo& info,
                                  const AdviResult& result, const Draws& draws);

}  // namespace vic::runtime
