// `vic fit`: refuses an output that is one of the inputs, reads the model and
// the data, opens the output (a temporary file beside it, so the previous file
// survives any failure), compiles, checks that the draws fit in memory, runs
// ADVI (progress on a terminal, warnings always), draws, writes the CSV,
// prints the summary, and exits 3 when the fit cannot be trusted.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>

#include "runtime/csv_writer.h"
#include "runtime/fit_assessment.h"
#include "runtime/psis.h"
#include "runtime/summary.h"
#include "support/limits.h"
#include "support/output_file.h"
#include "tools/command_support.h"
#include "tools/commands.h"
#include "tools/exit_status.h"
#include "tools/version.h"

namespace vic::tools {

namespace {

// The usage error when `output` names the same file as an input (compared by
// device and inode, not by spelling); empty when it names neither.
std::string output_clash(const FitOptions& o) {
  namespace fs = std::filesystem;
  auto same = [](const std::string& a, const std::string& b) {
    std::error_code ec;
    return !b.empty() && fs::equivalent(a, b, ec) && !ec;
  };
  if (same(o.output, o.model)) return "--output '" + o.output + "' is the model file; refusing to overwrite it";
  if (same(o.output, o.data)) return "--output '" + o.output + "' is the data file; refusing to overwrite it";
  return "";
}

// The bytes the draws need at their peak: the table of draws+1 rows (the mean
// row first) and, while the summary runs, one column of draws with a growing
// vector's slack. Empty when the count does not fit in 64 bits.
std::optional<int64_t> draws_memory_bytes(int64_t num_draws, int64_t num_columns) {
  std::optional<int64_t> cells = limits::checked_mul(num_draws + 1, num_columns);
  std::optional<int64_t> summary_cells = limits::checked_mul(num_draws, 2);
  if (!cells || !summary_cells) return std::nullopt;
  std::optional<int64_t> all_cells = limits::checked_add(*cells, *summary_cells);
  if (!all_cells) return std::nullopt;
  return limits::checked_mul(*all_cells, static_cast<int64_t>(sizeof(double)));
}

}  // namespace

int run_fit(const FitOptions& o) {
  auto total_start = std::chrono::steady_clock::now();
  if (std::string clash = output_clash(o); !clash.empty()) {
    std::cerr << "error: " << clash << "\n";
    return kExitUsage;
  }
  std::optional<CheckedModel> m = load_model(o.model);
  if (!m) return kExitError;
  StageTimings t;
  t.parse_ms = m->parse_ms;
  auto start = std::chrono::steady_clock::now();
  std::optional<runtime::DataSet> data = load_data(*m->ast, o.data);
  if (!data) return kExitError;
  t.data_ms = ms_since(start);

  // Opened before the fit so an unwritable path fails at once; the previous
  // file stays until the new one is complete.
  Expected<std::unique_ptr<OutputFile>> output = OutputFile::open(o.output);
  if (!output) {
    std::cerr << "error: " << output.error() << "\n";
    return kExitError;
  }

  Expected<CompiledModel> compiled = compile_model(*m->ast, *data, ir::PipelineSettings{}, &t);
  if (!compiled) {
    std::cerr << "error: " << compiled.error() << "\n";
    return kExitError;
  }
  const runtime::Model& model = *compiled->model;

  const int64_t num_columns = static_cast<int64_t>(runtime::kNumDrawDiagnosticColumns + model.output_names().size());
  std::optional<int64_t> needed = draws_memory_bytes(o.draws, num_columns);
  if (!needed || static_cast<uint64_t>(*needed) > limits::memory_budget_bytes()) {
    std::cerr << "error: --draws " << o.draws << " needs "
              << (needed ? limits::format_bytes(static_cast<uint64_t>(*needed)) : std::string("more than 8 EiB"))
              << " for the draws (" << o.draws << " draws of " << num_columns << " columns), more than "
              << limits::describe_memory_budget() << "\n";
    return kExitUsage;
  }

  start = std::chrono::steady_clock::now();
  Rng rng(o.seed);
  // Stan's progress lines go to stderr when it is a terminal; warnings always.
  runtime::LogLine progress;
  if (!o.quiet && isatty(STDERR_FILENO)) progress = [](const std::string& line) { std::cerr << line << "\n"; };
  runtime::LogLine warn = [](const std::string& line) { std::cerr << "warning: " << line << "\n"; };
  Expected<runtime::AdviResult> fit = runtime::run_advi(model, o.advi, rng, {}, progress, warn);
  if (!fit) {
    std::cerr << "error: " << fit.error() << "\n";
    return kExitError;
  }
  double advi_ms = ms_since(start);
  start = std::chrono::steady_clock::now();
  Expected<runtime::Draws> draws = runtime::draw_approximation(model, *fit, o.draws, rng);
  if (!draws) {
    std::cerr << "error: " << draws.error() << "\n";
    return kExitError;
  }
  if (draws->num_constrain_errors > 0) {
    std::cerr << "warning: " << draws->num_constrain_errors
              << " draws failed in generated quantities; first: " << draws->first_constrain_error << "\n";
  }
  // How far the approximation is from the posterior: PSIS on the draws' log
  // importance ratios log p - log q (up to a constant: CmdStan's log_g__ drops
  // q's, which does not change k-hat).
  std::vector<double> log_ratios;
  for (size_t row = 1; row < draws->num_rows(); ++row) log_ratios.push_back(draws->at(row, 1) - draws->at(row, 2));
  const double k_hat = runtime::pareto_smooth(log_ratios).k_hat;
  if (k_hat > 0.7) {
    std::cerr << "warning: Pareto k-hat = " << runtime::format_k_hat(k_hat)
              << ": the approximation is far from the posterior (above 0.7); do not trust its means and sds\n";
  }
  runtime::CsvRunInfo info;
  info.pareto_k_hat = k_hat;
  info.model_name = std::filesystem::path(o.model).stem().string();
  if (info.model_name == "model") info.model_name = std::filesystem::path(o.model).parent_path().filename().string();
  info.settings = o.advi;
  info.output_samples = o.draws;
  info.seed = o.seed;
  info.data_file = o.data;
  info.output_file = o.output;
  info.vic_version = kVersion;
  runtime::write_variational_csv((*output)->stream(), info, *fit, *draws);
  if (Status s = (*output)->commit(); !s) {
    std::cerr << "error: " << s.error() << "\n";
    return kExitError;
  }
  double draws_ms = ms_since(start);

  runtime::print_summary_table(std::cout, runtime::summarize_draws(*draws));
  runtime::print_elbo_line(std::cout, *fit);
  std::cout << "Pareto k-hat = " << runtime::format_k_hat(k_hat) << ": " << runtime::describe_k_hat(k_hat) << "\n";
  std::cout << "draws written to " << o.output << "\n";
  if (o.timings) {
    char line[512];
    std::snprintf(line, sizeof line,
                  "timings (ms): parse %.2f, data %.2f, lower %.2f, passes+AD %.2f, LLVM emit %.2f, optimise %.2f, "
                  "JIT %.2f, ADVI %.2f (%lld gradients, %lld densities), draws+CSV %.2f, total %.2f\n",
                  t.parse_ms, t.data_ms, t.lower_ms, t.passes_ms, t.emit_ms, t.optimize_ms, t.jit_ms, advi_ms,
                  static_cast<long long>(fit->num_lp_grad_calls), static_cast<long long>(fit->num_lp_calls), draws_ms,
                  ms_since(total_start));
    std::cout << line;
  }

  std::vector<std::string> reasons = runtime::untrusted_fit_reasons(*fit);
  if (!reasons.empty()) {
    std::string why;
    for (const std::string& reason : reasons) why += (why.empty() ? "" : "; ") + reason;
    std::cerr << "error: the fit cannot be trusted: " << why << "\n";
    return kExitUntrustedFit;
  }
  return kExitOk;
}

}  // namespace vic::tools
