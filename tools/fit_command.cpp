// `vic fit`: refuses an output that is one of the inputs, reads the model and
// the data, opens the output (a temporary file beside it, so the previous file
// survives any failure), compiles, checks that the draws fit in memory, runs
// the algorithm (progress on a terminal, warnings always), assesses the draws
// (ELBO, Pareto k-hat), writes the CSV, prints the summary, and exits 3 when
// the fit cannot be trusted unless --allow-poor-fit accepts it.

#include <cstdio>
#include <iostream>
#include <sstream>

#include "runtime/csv_writer.h"
#include "runtime/format.h"
#include "runtime/fit_assessment.h"
#include "runtime/laplace.h"
#include "runtime/optimize.h"
#include "runtime/pathfinder.h"
#include "runtime/psis.h"
#include "runtime/summary.h"
#include "support/check.h"
#include "support/limits.h"
#include "support/output_file.h"
#include "tools/command_support.h"
#include "tools/progress_bar.h"
#include "tools/commands.h"
#include "tools/exit_status.h"
#include "tools/version.h"

namespace vic::tools {

namespace {

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

// Draws at least for vic's VI's k-hat and ELBO (its own, apart from the output).
constexpr int kAssessmentDraws = 4000;

// What an algorithm hands to the rest of `vic fit`.
struct FitRun {
  runtime::Draws draws;
  // log p - log q of the draws the diagnostics are computed from (for
  // Pathfinder every path's, before resampling; for VI and Laplace draws of
  // their own, more than the output's).
  std::vector<double> log_ratios;
  // log p - log q of each output draw, row for row, for --psis-resample;
  // empty when the draws are already importance-resampled (multi-path
  // Pathfinder).
  std::vector<double> draw_log_ratios;
  // What the algorithm itself says against the fit (runtime/fit_assessment.h).
  std::vector<std::string> untrusted_reasons;
  // Printed after the summary table: how the algorithm ended.
  std::string report;
  // What to try when the fit cannot be trusted.
  std::string advice;
  int64_t num_lp_grad_calls = 0;
  int64_t num_lp_calls = 0;
  // Kept for the CSV's comments.
  std::optional<runtime::AdviResult> advi;
  // The algorithm's trace, as CSV (--diagnostic-file).
  std::string trace_csv;
};

Expected<FitRun> run_stan_meanfield(const runtime::Model& model, const FitOptions& o, const std::vector<double>& init,
                                    Rng& rng, const runtime::LogLine& progress, const runtime::LogLine& warn) {
  Expected<runtime::AdviResult> fit = runtime::run_advi(model, o.advi, rng, init, progress, warn);
  if (!fit) return Error{fit.error()};
  Expected<runtime::Draws> draws = runtime::draw_approximation(model, *fit, o.draws, rng);
  if (!draws) return Error{draws.error()};
  FitRun run;
  run.log_ratios = runtime::advi_log_ratios(*draws, *fit);
  run.draw_log_ratios = run.log_ratios;
  run.untrusted_reasons = runtime::untrusted_fit_reasons(*fit);
  std::ostringstream report;
  runtime::print_elbo_line(report, *fit);
  run.report = report.str();
  run.advice = "--algorithm pathfinder, or a longer ascent (--iter, a smaller --tol-rel-obj)";
  std::ostringstream trace;
  trace << "iteration,elbo,rel_elbo_mean,rel_elbo_median\n";
  for (const runtime::ElboTraceEntry& e : fit->elbo_trace) {
    trace << e.iteration << "," << runtime::format_shortest(e.elbo) << "," << runtime::format_shortest(e.rel_mean)
          << "," << runtime::format_shortest(e.rel_median) << "\n";
  }
  run.trace_csv = trace.str();
  run.num_lp_grad_calls = fit->num_lp_grad_calls;
  run.num_lp_calls = fit->num_lp_calls;
  run.draws = draws.take();
  run.advi = fit.take();
  return run;
}

Expected<FitRun> run_pathfinder_fit(const runtime::Model& model, const FitOptions& o,
                                    const runtime::LogLine& progress, const runtime::LogLine& warn) {
  Expected<runtime::PathfinderResult> fit = runtime::run_pathfinder(model, o.pathfinder, o.seed, progress, warn);
  if (!fit) return Error{fit.error()};
  FitRun run;
  run.log_ratios = std::move(fit->log_ratios);
  // One path's draws are its own, in order; several paths' are resampled.
  if (fit->paths.size() == 1) run.draw_log_ratios = run.log_ratios;
  std::ostringstream report;
  report << "Pathfinder: " << fit->paths.size() << (fit->paths.size() == 1 ? " path" : " paths")
         << ", best ELBO along each at L-BFGS iteration";
  for (size_t p = 0; p < fit->paths.size(); ++p) {
    report << (p ? ", " : " ");
    if (fit->paths[p].failure.empty()) {
      report << fit->paths[p].best_iteration << " of " << fit->paths[p].lbfgs_iterations;
    } else {
      report << "(failed)";
    }
  }
  if (fit->paths.size() > 1 && o.pathfinder.psis_resample) report << "; draws resampled by PSIS";
  report << "\n";
  run.report = report.str();
  std::ostringstream trace;
  trace << "path,lbfgs_iterations,best_iteration,best_elbo,gradients,densities,failure\n";
  for (size_t p = 0; p < fit->paths.size(); ++p) {
    const runtime::PathSummary& path = fit->paths[p];
    trace << p + 1 << "," << path.lbfgs_iterations << "," << path.best_iteration << ","
          << runtime::format_shortest(path.best_elbo) << "," << path.num_lp_grad_calls << "," << path.num_lp_calls
          << ",\"" << path.failure << "\"\n";
  }
  run.trace_csv = trace.str();
  run.advice = "more paths (--paths), or reparameterising the model (non-centred hierarchies, standardised "
               "predictors)";
  run.num_lp_grad_calls = fit->num_lp_grad_calls;
  run.num_lp_calls = fit->num_lp_calls;
  run.draws = std::move(fit->draws);
  return run;
}

// The output draws of a fitted family, and its log importance ratios from
// draws of their own (at least kAssessmentDraws).
Status draw_family_into(const runtime::Model& model, const runtime::ViResult& fit, const FitOptions& o, Rng& rng,
                        FitRun& run) {
  Expected<runtime::Draws> draws = runtime::draw_family(model, fit, o.draws, rng, &run.draw_log_ratios);
  if (!draws) return Error{draws.error()};
  Expected<std::vector<double>> ratios =
      runtime::family_log_ratios(model, fit, std::max(o.draws, kAssessmentDraws), rng);
  if (!ratios) return Error{ratios.error()};
  run.draws = draws.take();
  run.log_ratios = ratios.take();
  return Status::ok();
}

Expected<FitRun> run_vi_fit(const runtime::Model& model, const FitOptions& o, Rng& rng,
                            const runtime::LogLine& progress, const runtime::LogLine& warn) {
  runtime::ViSettings settings = o.vi;
  settings.family = o.algorithm;
  Expected<runtime::ViResult> fit = runtime::run_vi(model, settings, o.seed, progress, warn);
  if (!fit) return Error{fit.error()};
  FitRun run;
  if (Status s = draw_family_into(model, *fit, o, rng, run); !s) return Error{s.error()};
  if (!fit->other_mode.empty()) {
    run.untrusted_reasons.push_back("the posterior looks multimodal (" + fit->other_mode +
                                    "), which one Gaussian cannot represent");
  }
  if (!fit->converged) {
    run.untrusted_reasons.push_back("VI reached the maximum number of iterations (" +
                                    std::to_string(fit->iterations) + ") before its ELBO settled");
  }
  std::ostringstream trace;
  trace << "iteration,elbo,step\n";
  for (const runtime::ViTraceEntry& e : fit->trace)
    trace << e.iteration << "," << runtime::format_shortest(e.elbo) << "," << runtime::format_shortest(e.learning_rate) << "\n";
  run.trace_csv = trace.str();
  std::ostringstream report;
  report << "VI (" << o.algorithm << "): " << fit->iterations << " iterations from " << fit->start
         << (fit->converged ? ", converged" : ", not converged") << "\n";
  run.report = report.str();
  run.advice = o.algorithm == "meanfield"
                   ? "--algorithm fullrank (a correlated posterior), more iterations (--iter), or reparameterising "
                     "the model"
                   : "more iterations (--iter), reparameterising the model (non-centred hierarchies, standardised "
                     "predictors), or --algorithm pathfinder for a multimodal posterior (it weighs the modes its "
                     "paths find)";
  run.num_lp_grad_calls = fit->num_lp_grad_calls;
  run.num_lp_calls = fit->num_lp_calls;
  return run;
}

// Laplace: the mode with the Jacobian, then N(mode, (-H)^-1) drawn as VI's family.
Expected<FitRun> run_laplace_fit(const runtime::Model& model, const FitOptions& o, const std::vector<double>& init,
                                 Rng& rng, const runtime::LogLine& progress) {
  runtime::OptimizeSettings settings;
  settings.jacobian = true;
  settings.init = init;
  settings.init_radius = o.init_radius;
  Expected<runtime::OptimizeResult> mode = runtime::find_mode(model, settings, rng, progress);
  if (!mode) return Error{mode.error()};
  Expected<runtime::ViResult> fit = runtime::laplace_approximation(model, mode->theta);
  if (!fit) return Error{fit.error()};
  FitRun run;
  if (Status s = draw_family_into(model, *fit, o, rng, run); !s) return Error{s.error()};
  if (!runtime::is_converged(mode->termination))
    run.untrusted_reasons.push_back("L-BFGS did not converge to the mode: " + runtime::describe_termination(mode->termination));
  run.report = "Laplace: the normal at the mode found by L-BFGS in " + std::to_string(mode->iterations) +
               " iterations (" + runtime::describe_termination(mode->termination) + ")\n";
  run.advice = "--algorithm fullrank, which fits the posterior's spread rather than its curvature at the mode";
  run.trace_csv = "lbfgs_iterations,log_density,termination\n" + std::to_string(mode->iterations) + "," +
                  runtime::format_shortest(mode->log_density) + ",\"" +
                  runtime::describe_termination(mode->termination) + "\"\n";
  run.num_lp_grad_calls = mode->num_lp_grad_calls + fit->num_lp_grad_calls;
  run.num_lp_calls = mode->num_lp_calls;
  return run;
}

// Replaces the draws (after ADVI's mean row) by as many drawn with replacement
// with their PSIS weights; `log_ratios` holds one per draw, in row order.
void resample_draws(runtime::Draws& draws, const std::vector<double>& log_ratios, uint64_t seed) {
  VIC_CHECK(log_ratios.size() == draws.num_draws()) << "one log ratio per draw";
  runtime::ParetoSmoothed smoothed = runtime::pareto_smooth(log_ratios);
  // A stream of its own, so the algorithm's draws are unchanged by the option.
  Rng rng(static_cast<uint32_t>(seed >> 32), 1, static_cast<uint32_t>(seed), 0);
  std::vector<size_t> picks = runtime::psis_resample(smoothed, log_ratios.size(), rng);
  const size_t columns = draws.num_columns();
  std::vector<double> values(draws.values.begin(),
                             draws.values.begin() + static_cast<std::ptrdiff_t>(draws.first_draw_row * columns));
  for (size_t pick : picks) {
    auto row = draws.values.begin() + static_cast<std::ptrdiff_t>((draws.first_draw_row + pick) * columns);
    values.insert(values.end(), row, row + static_cast<std::ptrdiff_t>(columns));
  }
  draws.values = std::move(values);
}

}  // namespace

int run_fit(const FitOptions& o) {
  auto total_start = std::chrono::steady_clock::now();
  for (auto [option, path] : {std::pair{"--output", &o.output}, std::pair{"--summary-json", &o.summary_json},
                              std::pair{"--diagnostic-file", &o.diagnostic_file}}) {
    if (std::string clash = output_clash(option, *path, o.model, o.data); !clash.empty()) {
      std::cerr << "error: " << clash << "\n";
      return kExitUsage;
    }
  }
  std::optional<CheckedModel> m = load_model(o.model);
  if (!m) return kExitError;
  StageTimings t;
  t.parse_ms = m->parse_ms;
  auto start = std::chrono::steady_clock::now();
  std::optional<runtime::DataSet> data = load_data(*m->ast, o.data, o.seed);
  if (!data) return kExitError;
  t.data_ms = ms_since(start);

  // Opened before the fit so an unwritable path fails at once; the previous
  // file stays until the new one is complete.
  Expected<std::unique_ptr<OutputFile>> output = OutputFile::open(o.output);
  if (!output) {
    std::cerr << "error: " << output.error() << "\n";
    return kExitError;
  }
  // The optional outputs, opened now for the same reason.
  std::unique_ptr<OutputFile> summary_json, diagnostic_file;
  for (auto [path, file] : {std::pair{&o.summary_json, &summary_json}, std::pair{&o.diagnostic_file, &diagnostic_file}}) {
    if (path->empty()) continue;
    Expected<std::unique_ptr<OutputFile>> opened = OutputFile::open(*path);
    if (!opened) {
      std::cerr << "error: " << opened.error() << "\n";
      return kExitError;
    }
    *file = opened.take();
  }

  // The ELBO the algorithm ascends, compiled with the model (ir/elbo.h) when asked for.
  std::vector<ir::EntryPoint> elbo;
  if (o.compiled_elbo) {
    const bool fullrank = o.algorithm == "fullrank";
    elbo.push_back(fullrank ? ir::EntryPoint::ElboGradientFullRank : ir::EntryPoint::ElboGradientMeanField);
  }
  Expected<CompiledModel> compiled = compile_model(*m->ast, *data, ir::PipelineSettings{}, &t, elbo);
  if (!compiled) {
    std::cerr << "error: " << compiled.error() << "\n";
    return kExitError;
  }
  const runtime::Model& model = *compiled->model;
  std::optional<std::vector<double>> init = load_initial_values(model, o.init);
  if (!init) return kExitError;
  // Every algorithm starts from the same initial values or radius.
  FitOptions settings = o;
  settings.advi.init_radius = settings.vi.init_radius = settings.pathfinder.init_radius = o.init_radius;
  settings.vi.init = settings.pathfinder.init = *init;
  settings.pathfinder.num_draws = o.draws;

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
  // Progress lines, under a progress bar, go to stderr when it is a terminal;
  // warnings always (above the bar).
  std::optional<ProgressBar> bar;
  if (progress_lines(o.quiet)) bar.emplace(std::cerr);
  runtime::LogLine progress = bar ? bar->lines() : runtime::LogLine{};
  runtime::LogLine warn = [&bar](const std::string& line) {
    if (bar) {
      bar->line("warning: " + line);
    } else {
      std::cerr << "warning: " << line << "\n";
    }
  };
  if (bar) settings.advi.progress = settings.vi.progress = bar->updates();
  Expected<FitRun> run = o.algorithm == "pathfinder"       ? run_pathfinder_fit(model, settings, progress, warn)
                         : o.algorithm == "stan-meanfield" ? run_stan_meanfield(model, settings, *init, rng, progress, warn)
                         : o.algorithm == "laplace"        ? run_laplace_fit(model, settings, *init, rng, progress)
                                                           : run_vi_fit(model, settings, rng, progress, warn);
  bar.reset();
  if (!run) {
    std::cerr << "error: " << run.error() << "\n";
    return kExitError;
  }
  double fit_ms = ms_since(start);
  start = std::chrono::steady_clock::now();
  runtime::Draws& draws = run->draws;
  if (draws.num_constrain_errors > 0) {
    std::cerr << "warning: " << draws.num_constrain_errors
              << " draws failed in generated quantities; first: " << draws.first_constrain_error << "\n";
  }
  // How far the approximation is from the posterior: the ELBO and the PSIS
  // k-hat of the draws' log importance ratios log p - log q.
  const runtime::DrawsAssessment assessment = runtime::assess_draws(run->log_ratios);
  std::vector<std::string> reasons = run->untrusted_reasons;
  for (std::string& reason : runtime::untrusted_draws_reasons(assessment)) reasons.push_back(std::move(reason));
  if (o.psis_resample && !run->draw_log_ratios.empty()) resample_draws(draws, run->draw_log_ratios, o.seed);

  runtime::CsvRunInfo info;
  info.pareto_k_hat = assessment.pareto_k_hat;
  info.elbo = assessment.elbo;
  info.elbo_mcse = assessment.elbo_mcse;
  info.elbo_draws = static_cast<int>(run->log_ratios.size());
  info.untrusted_reasons = reasons;
  info.model_name = csv_model_name(o.model);
  info.settings = settings.advi;
  info.output_samples = o.draws;
  info.seed = o.seed;
  info.data_file = o.data;
  info.init_file = o.init;
  info.output_file = o.output;
  info.vic_version = kVersion;
  if (run->advi) {
    runtime::write_variational_csv((*output)->stream(), info, *run->advi, draws);
  } else if (o.algorithm != "pathfinder") {
    info.algorithm = o.algorithm;
    runtime::AdviResult no_adaptation;
    runtime::write_variational_csv((*output)->stream(), info, no_adaptation, draws);
  } else {
    runtime::write_pathfinder_csv((*output)->stream(), info, settings.pathfinder, draws);
  }
  if (Status s = (*output)->commit(); !s) {
    std::cerr << "error: " << s.error() << "\n";
    return kExitError;
  }
  std::vector<runtime::ColumnSummary> columns = runtime::summarize_draws(draws);
  // Draws with their own importance weights (not resampled ones) tell each
  // mean's effective sample size.
  if (!(o.psis_resample || run->draw_log_ratios.empty())) runtime::add_importance_ess(columns, draws, run->draw_log_ratios);
  if (summary_json) {
    runtime::FitSummary summary;
    summary.algorithm = o.algorithm;
    summary.seed = o.seed;
    summary.num_draws = draws.num_draws();
    summary.elbo = assessment.elbo;
    summary.elbo_mcse = assessment.elbo_mcse;
    summary.pareto_k_hat = assessment.pareto_k_hat;
    summary.psis_ess = assessment.psis_ess;
    summary.untrusted_reasons = reasons;
    summary.num_lp_grad_calls = run->num_lp_grad_calls;
    summary.num_lp_calls = run->num_lp_calls;
    summary.columns = columns;
    runtime::write_summary_json(summary_json->stream(), summary);
  }
  if (diagnostic_file) diagnostic_file->stream() << run->trace_csv;
  for (OutputFile* file : {summary_json.get(), diagnostic_file.get()}) {
    if (!file) continue;
    if (Status s = file->commit(); !s) {
      std::cerr << "error: " << s.error() << "\n";
      return kExitError;
    }
  }
  double draws_ms = ms_since(start);

  runtime::print_summary_table(std::cout, columns);
  std::cout << run->report;
  char elbo_line[128];
  std::snprintf(elbo_line, sizeof elbo_line, "ELBO of the draws = %.3f (Monte Carlo standard error %.2g)\n",
                assessment.elbo, assessment.elbo_mcse);
  std::cout << elbo_line;
  std::cout << "Pareto k-hat = " << runtime::format_k_hat(assessment.pareto_k_hat) << ": "
            << runtime::describe_k_hat(assessment.pareto_k_hat) << "\n";
  char ess_line[128];
  std::snprintf(ess_line, sizeof ess_line,
                "importance-sampling effective sample size = %.0f of %zu draws (the draws reweighted by p/q)\n",
                assessment.psis_ess, assessment.num_ratios);
  std::cout << ess_line;
  std::cout << "draws written to " << o.output << "\n";
  if (o.timings) {
    char line[512];
    std::snprintf(line, sizeof line,
                  "timings (ms): parse %.2f, data %.2f, lower %.2f, passes+AD %.2f, LLVM emit %.2f, optimise %.2f, "
                  "JIT %.2f, fit %.2f (%lld gradients, %lld densities), draws+CSV %.2f, total %.2f\n",
                  t.parse_ms, t.data_ms, t.lower_ms, t.passes_ms, t.emit_ms, t.optimize_ms, t.jit_ms, fit_ms,
                  static_cast<long long>(run->num_lp_grad_calls), static_cast<long long>(run->num_lp_calls), draws_ms,
                  ms_since(total_start));
    std::cout << line;
  }

  if (!reasons.empty()) {
    std::string why;
    for (const std::string& reason : reasons) why += (why.empty() ? "" : "; ") + reason;
    if (o.allow_poor_fit) {
      std::cerr << "warning: the fit cannot be trusted: " << why << " (accepted: --allow-poor-fit)\n";
      return kExitOk;
    }
    std::cerr << "error: the fit cannot be trusted: " << why << ". What to try: " << run->advice
              << "; --allow-poor-fit accepts the fit as it is\n";
    return kExitUntrustedFit;
  }
  return kExitOk;
}

}  // namespace vic::tools
