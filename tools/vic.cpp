// The `vic` command: subcommands fit, check, compile and gradcheck, wiring the
// libraries together. Exit status 0 on success, 1 for a problem with the
// model or the data (reported with its place), 2 for a bad command line.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include <unistd.h>

#include <CLI/CLI.hpp>

#include "codegen/jit.h"
#include "frontend/frontend.h"
#include "ir/lower/lower.h"
#include "ir/printer.h"
#include "runtime/advi.h"
#include "runtime/csv_writer.h"
#include "runtime/summary.h"
#include "tools/gradcheck.h"
#include "tools/model_compiler.h"
#include "tools/version.h"

namespace vic::tools {
namespace {

constexpr int kUserError = 1;

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

// Parses and checks; prints diagnostics. Null when the model has errors.
std::optional<CheckedModel> load_model(const std::string& path) {
  Expected<CheckedModel> m = check_model_file(path);
  if (!m) {
    std::cerr << "error: " << m.error() << "\n";
    return std::nullopt;
  }
  if (m->diagnostics.has_errors()) {
    m->diagnostics.print(std::cerr);
    return std::nullopt;
  }
  return m.take();
}

std::optional<runtime::DataSet> load_data(const ast::Program& program, const std::string& path) {
  std::vector<runtime::DataDecl> decls = data_declarations(program);
  if (path.empty()) {
    if (decls.empty()) return runtime::DataSet{};
    std::cerr << "error: the model declares data; pass it with --data FILE\n";
    return std::nullopt;
  }
  Expected<runtime::DataSet> data = runtime::load_stan_json_file(path, decls);
  if (!data) {
    std::cerr << "error: " << data.error() << "\n";
    return std::nullopt;
  }
  return data.take();
}

struct FitOptions {
  std::string model;
  std::string data;
  std::string output = "output.csv";
  uint64_t seed = 1;
  int draws = 1000;
  runtime::AdviSettings advi;
  bool quiet = false;
  bool timings = false;
};

int run_fit(const FitOptions& o) {
  auto total_start = std::chrono::steady_clock::now();
  std::optional<CheckedModel> m = load_model(o.model);
  if (!m) return kUserError;
  StageTimings t;
  t.parse_ms = m->parse_ms;
  auto start = std::chrono::steady_clock::now();
  std::optional<runtime::DataSet> data = load_data(*m->ast, o.data);
  if (!data) return kUserError;
  t.data_ms = ms_since(start);
  Expected<CompiledModel> compiled = compile_model(*m->ast, *data, ir::PipelineSettings{}, &t);
  if (!compiled) {
    std::cerr << "error: " << compiled.error() << "\n";
    return kUserError;
  }
  const runtime::Model& model = *compiled->model;

  start = std::chrono::steady_clock::now();
  Rng rng(o.seed);
  // Stan's progress lines go to stderr when it is a terminal.
  runtime::LogLine log;
  if (!o.quiet && isatty(STDERR_FILENO)) log = [](const std::string& line) { std::cerr << line << "\n"; };
  Expected<runtime::AdviResult> fit = runtime::run_advi(model, o.advi, rng, {}, log);
  if (!fit) {
    std::cerr << "error: " << fit.error() << "\n";
    return kUserError;
  }
  double advi_ms = ms_since(start);
  for (const std::string& restart : fit->restarts) std::cerr << "warning: " << restart << "\n";
  start = std::chrono::steady_clock::now();
  Expected<runtime::Draws> draws = runtime::draw_approximation(model, *fit, o.draws, rng);
  if (!draws) {
    std::cerr << "error: " << draws.error() << "\n";
    return kUserError;
  }
  if (draws->num_constrain_errors > 0) {
    std::cerr << "warning: " << draws->num_constrain_errors << " draws failed in generated quantities; first: "
              << draws->first_constrain_error << "\n";
  }
  runtime::CsvRunInfo info;
  info.model_name = std::filesystem::path(o.model).stem().string();
  if (info.model_name == "model") info.model_name = std::filesystem::path(o.model).parent_path().filename().string();
  info.settings = o.advi;
  info.output_samples = o.draws;
  info.seed = o.seed;
  info.data_file = o.data;
  info.output_file = o.output;
  info.vic_version = kVersion;
  if (Status s = runtime::write_variational_csv_file(o.output, info, *fit, *draws); !s) {
    std::cerr << "error: " << s.error() << "\n";
    return kUserError;
  }
  double draws_ms = ms_since(start);

  runtime::print_summary_table(std::cout, runtime::summarize_draws(*draws));
  runtime::print_elbo_line(std::cout, *fit);
  std::cout << "draws written to " << o.output << "\n";
  if (o.timings) {
    std::fprintf(stdout,
                 "timings (ms): parse %.2f, data %.2f, lower %.2f, passes+AD %.2f, LLVM emit %.2f, optimise %.2f, "
                 "JIT %.2f, ADVI %.2f (%lld gradients, %lld densities), draws+CSV %.2f, total %.2f\n",
                 t.parse_ms, t.data_ms, t.lower_ms, t.passes_ms, t.emit_ms, t.optimize_ms, t.jit_ms, advi_ms,
                 static_cast<long long>(fit->num_lp_grad_calls), static_cast<long long>(fit->num_lp_calls), draws_ms,
                 ms_since(total_start));
  }
  return 0;
}

int run_check(const std::string& path) {
  std::optional<CheckedModel> m = load_model(path);
  if (!m) return kUserError;
  std::cout << path << ": no errors\n";
  return 0;
}

struct CompileOptions {
  std::string model;
  std::string data;
  std::string emit = "ir";
  std::string dump_ir_after;
  bool time_passes = false;
};

int run_compile(const CompileOptions& o) {
  std::optional<CheckedModel> m = load_model(o.model);
  if (!m) return kUserError;
  if (o.emit == "ast") {
    std::cout << frontend::print_ast(*m->ast);
    return 0;
  }
  if (o.emit == "ir" && o.data.empty()) {
    std::cout << ir::print_program(lower::lower_program(*m->ast));
    return 0;
  }
  if (o.data.empty()) {
    std::cerr << "error: --emit " << o.emit << " needs the data (--data FILE): sizes are fixed when it is bound\n";
    return kUserError;
  }
  std::optional<runtime::DataSet> data = load_data(*m->ast, o.data);
  if (!data) return kUserError;
  ir::PipelineSettings settings;
  settings.dump_ir_after = o.dump_ir_after;
  settings.time_passes = o.time_passes;
  settings.dump = &std::cerr;
  if (o.emit == "ir") {
    // With data: the lowered IR, sizes bound and simplified, before AD.
    settings.hoist_data_only = true;
    ir::Program p = optimized_program(*m->ast, *data, settings);
    p.functions.erase(std::remove_if(p.functions.begin(), p.functions.end(),
                                     [](const auto& f) { return f->name == "lp_grad"; }),
                      p.functions.end());
    std::cout << ir::print_program(p);
    return 0;
  }
  ir::Program p = optimized_program(*m->ast, *data, settings);
  if (o.emit == "grad-ir") {
    std::cout << ir::print_function(*p.find("lp_grad"));
    return 0;
  }
  std::cout << codegen::emit_llvm_text(p);
  return 0;
}

int run_gradcheck(const std::string& model_path, const std::string& data_path, const GradcheckSettings& s) {
  std::optional<CheckedModel> m = load_model(model_path);
  if (!m) return kUserError;
  std::optional<runtime::DataSet> data = load_data(*m->ast, data_path);
  if (!data) return kUserError;
  Expected<CompiledModel> compiled = compile_model(*m->ast, *data, ir::PipelineSettings{});
  if (!compiled) {
    std::cerr << "error: " << compiled.error() << "\n";
    return kUserError;
  }
  Expected<GradcheckReport> report = gradcheck(*compiled->model, s);
  if (!report) {
    std::cerr << "error: " << report.error() << "\n";
    return kUserError;
  }
  print_gradcheck_report(std::cout, *report);
  return report->num_failures == 0 ? 0 : kUserError;
}

}  // namespace
}  // namespace vic::tools

int main(int argc, char** argv) {
  using namespace vic::tools;
  CLI::App app{"vic: Bayesian models compiled to native code and fitted with ADVI"};
  app.set_version_flag("--version", std::string("vic ") + kVersion);
  app.require_subcommand(1);

  FitOptions fit;
  CLI::App* fit_cmd = app.add_subcommand("fit", "fit a model with mean-field ADVI and write its draws");
  fit_cmd->add_option("model", fit.model, "the .vmodel file")->required();
  fit_cmd->add_option("--data", fit.data, "Stan JSON data file");
  fit_cmd->add_option("--output", fit.output, "CSV file for the draws")->capture_default_str();
  fit_cmd->add_option("--seed", fit.seed, "random seed")->capture_default_str();
  fit_cmd->add_option("--draws", fit.draws, "draws from the approximation")->capture_default_str()->check(CLI::PositiveNumber);
  fit_cmd->add_option("--iter", fit.advi.max_iterations, "maximum iterations")->capture_default_str()->check(CLI::PositiveNumber);
  fit_cmd->add_option("--grad-samples", fit.advi.grad_samples, "draws per gradient estimate")->capture_default_str()->check(CLI::PositiveNumber);
  fit_cmd->add_option("--elbo-samples", fit.advi.elbo_samples, "draws per ELBO estimate")->capture_default_str()->check(CLI::PositiveNumber);
  fit_cmd->add_option("--eval-elbo", fit.advi.eval_elbo, "iterations between ELBO estimates")->capture_default_str()->check(CLI::PositiveNumber);
  fit_cmd->add_option("--tol-rel-obj", fit.advi.tol_rel_obj, "relative ELBO change for convergence")->capture_default_str();
  double eta = -1;
  fit_cmd->add_option("--eta", eta, "step size (default: adapted)");
  fit_cmd->add_option("--adapt-iter", fit.advi.adapt_iterations, "iterations per step-size candidate")->capture_default_str();
  fit_cmd->add_flag("--quiet", fit.quiet, "no progress messages (they go to stderr only when it is a terminal)");
  fit_cmd->add_flag("--timings", fit.timings, "print the time of each stage");

  std::string check_model;
  CLI::App* check_cmd = app.add_subcommand("check", "parse and type-check a model");
  check_cmd->add_option("model", check_model, "the .vmodel file")->required();

  CompileOptions compile;
  CLI::App* compile_cmd = app.add_subcommand("compile", "print a compilation stage");
  compile_cmd->add_option("model", compile.model, "the .vmodel file")->required();
  compile_cmd->add_option("--data", compile.data, "Stan JSON data file (needed for grad-ir and llvm)");
  compile_cmd->add_option("--emit", compile.emit, "ast | ir | grad-ir | llvm")
      ->check(CLI::IsMember({"ast", "ir", "grad-ir", "llvm"}))
      ->capture_default_str();
  compile_cmd->add_option("--dump-ir-after", compile.dump_ir_after, "print the IR after a pass (or 'all') on stderr");
  compile_cmd->add_flag("--time-passes", compile.time_passes, "print each pass's time on stderr");

  std::string gc_model, gc_data;
  GradcheckSettings gc;
  CLI::App* gc_cmd = app.add_subcommand("gradcheck", "compare the compiled gradient with finite differences");
  gc_cmd->add_option("model", gc_model, "the .vmodel file")->required();
  gc_cmd->add_option("--data", gc_data, "Stan JSON data file");
  gc_cmd->add_option("--epsilon", gc.epsilon, "finite-difference step")->capture_default_str();
  gc_cmd->add_option("--error", gc.error, "largest accepted absolute difference")->capture_default_str();
  gc_cmd->add_option("--seed", gc.seed, "seed of the random point")->capture_default_str();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; a bad command line exits 2.
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (*fit_cmd) {
    if (eta > 0) {
      fit.advi.eta = eta;
      fit.advi.adapt_engaged = false;
    }
    return run_fit(fit);
  }
  if (*check_cmd) return run_check(check_model);
  if (*compile_cmd) return run_compile(compile);
  if (*gc_cmd) return run_gradcheck(gc_model, gc_data, gc);
  return 2;
}
