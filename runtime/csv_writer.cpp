// write_variational_csv: CmdStan's variational CSV layout. The comment block
// follows CmdStan's argument tree (method = variational, its sub-arguments
// indented, "(Default)" after values left at their defaults) because cmdstanpy's
// scan_config reads `key = value` pairs from it and needs at least `model`,
// `method`, `algorithm`, `iter`, `grad_samples`, `elbo_samples`, `eta`,
// `tol_rel_obj`, `eval_elbo` and `output_samples`.
#include "runtime/csv_writer.h"

#include <cmath>

#include "runtime/format.h"
#include "runtime/psis.h"
#include "support/output_file.h"

namespace vic::runtime {

std::string format_csv_value(double value) { return format_shortest(value); }

namespace {

// Writes "# <indent>key = value" with CmdStan's " (Default)" marker.
void write_setting(std::ostream& out, int indent, const std::string& key, const std::string& value,
                   bool is_default) {
  out << "# " << std::string(static_cast<size_t>(indent) * 2, ' ') << key << " = " << value;
  if (is_default) out << " (Default)";
  out << "\n";
}

// Writes "# <indent>name" for an argument group.
void write_group(std::ostream& out, int indent, const std::string& name) {
  out << "# " << std::string(static_cast<size_t>(indent) * 2, ' ') << name << "\n";
}

// The groups after the method's: data, init, random, output, vic_version.
void write_common_settings(std::ostream& out, const CsvRunInfo& info, double init_radius, double default_radius) {
  write_group(out, 0, "data");
  write_setting(out, 1, "file", info.data_file, info.data_file.empty());
  if (info.init_file.empty()) {
    write_setting(out, 0, "init", format_shortest(init_radius), init_radius == default_radius);
  } else {
    write_setting(out, 0, "init", info.init_file, false);
  }
  write_group(out, 0, "random");
  write_setting(out, 1, "seed", std::to_string(info.seed), false);
  write_group(out, 0, "output");
  write_setting(out, 1, "file", info.output_file, false);
  write_setting(out, 0, "vic_version", info.vic_version, false);
}

void write_header(std::ostream& out, const Draws& draws) {
  for (size_t i = 0; i < draws.column_names.size(); ++i) {
    if (i > 0) out << ",";
    out << draws.column_names[i];
  }
  out << "\n";
}

void write_rows(std::ostream& out, const Draws& draws) {
  const size_t columns = draws.num_columns();
  for (size_t row = 0; row < draws.num_rows(); ++row) {
    for (size_t column = 0; column < columns; ++column) {
      if (column > 0) out << ",";
      out << format_csv_value(draws.at(row, column));
    }
    out << "\n";
  }
}

// What vic's diagnostics say, after the draws.
void write_closing_comments(std::ostream& out, const CsvRunInfo& info) {
  if (info.pareto_k_hat) {
    out << "# Pareto k-hat = " << format_k_hat(*info.pareto_k_hat) << ": " << describe_k_hat(*info.pareto_k_hat)
        << "\n";
  }
  if (info.elbo) {
    out << "# ELBO = " << format_shortest(*info.elbo) << " (Monte Carlo standard error "
        << format_shortest(info.elbo_mcse) << ", " << info.elbo_draws << " draws)\n";
  }
  if (!info.untrusted_reasons.empty()) {
    out << "# the fit cannot be trusted: ";
    for (size_t i = 0; i < info.untrusted_reasons.size(); ++i) out << (i ? "; " : "") << info.untrusted_reasons[i];
    out << "\n";
  }
}

}  // namespace

void write_pathfinder_csv(std::ostream& out, const CsvRunInfo& info, const PathfinderSettings& s,
                          const Draws& draws) {
  const PathfinderSettings d;
  auto num = [](double v) { return format_shortest(v); };
  write_setting(out, 0, "model", info.model_name, false);
  write_setting(out, 0, "method", "pathfinder", false);
  write_group(out, 1, "pathfinder");
  write_setting(out, 2, "init_alpha", num(s.lbfgs.init_alpha), s.lbfgs.init_alpha == d.lbfgs.init_alpha);
  write_setting(out, 2, "tol_obj", num(s.lbfgs.tol_obj), s.lbfgs.tol_obj == d.lbfgs.tol_obj);
  write_setting(out, 2, "tol_rel_obj", num(s.lbfgs.tol_rel_obj), s.lbfgs.tol_rel_obj == d.lbfgs.tol_rel_obj);
  write_setting(out, 2, "tol_grad", num(s.lbfgs.tol_grad), s.lbfgs.tol_grad == d.lbfgs.tol_grad);
  write_setting(out, 2, "tol_rel_grad", num(s.lbfgs.tol_rel_grad), s.lbfgs.tol_rel_grad == d.lbfgs.tol_rel_grad);
  write_setting(out, 2, "tol_param", num(s.lbfgs.tol_param), s.lbfgs.tol_param == d.lbfgs.tol_param);
  write_setting(out, 2, "history_size", std::to_string(s.lbfgs.history_size),
                s.lbfgs.history_size == d.lbfgs.history_size);
  write_setting(out, 2, "num_psis_draws", std::to_string(s.num_draws), s.num_draws == d.num_draws);
  write_setting(out, 2, "num_paths", std::to_string(s.num_paths), s.num_paths == d.num_paths);
  write_setting(out, 2, "psis_resample", s.psis_resample ? "1" : "0", s.psis_resample == d.psis_resample);
  write_setting(out, 2, "calculate_lp", "1", true);
  write_setting(out, 2, "max_lbfgs_iters", std::to_string(s.lbfgs.max_iterations),
                s.lbfgs.max_iterations == d.lbfgs.max_iterations);
  write_setting(out, 2, "num_draws", std::to_string(s.draws_per_path), s.draws_per_path == d.draws_per_path);
  write_setting(out, 2, "num_elbo_draws", std::to_string(s.num_elbo_draws), s.num_elbo_draws == d.num_elbo_draws);
  write_common_settings(out, info, s.init_radius, d.init_radius);
  write_header(out, draws);
  write_rows(out, draws);
  write_closing_comments(out, info);
}

void write_optimize_csv(std::ostream& out, const CsvRunInfo& info, const OptimizeSettings& s,
                        const std::vector<std::string>& output_names, double log_density,
                        const std::vector<double>& outputs) {
  const OptimizeSettings d;
  auto num = [](double v) { return format_shortest(v); };
  write_setting(out, 0, "model", info.model_name, false);
  write_setting(out, 0, "method", "optimize", false);
  write_group(out, 1, "optimize");
  write_setting(out, 2, "algorithm", "lbfgs", true);
  write_group(out, 3, "lbfgs");
  write_setting(out, 4, "init_alpha", num(s.lbfgs.init_alpha), s.lbfgs.init_alpha == d.lbfgs.init_alpha);
  write_setting(out, 4, "tol_obj", num(s.lbfgs.tol_obj), s.lbfgs.tol_obj == d.lbfgs.tol_obj);
  write_setting(out, 4, "tol_rel_obj", num(s.lbfgs.tol_rel_obj), s.lbfgs.tol_rel_obj == d.lbfgs.tol_rel_obj);
  write_setting(out, 4, "tol_grad", num(s.lbfgs.tol_grad), s.lbfgs.tol_grad == d.lbfgs.tol_grad);
  write_setting(out, 4, "tol_rel_grad", num(s.lbfgs.tol_rel_grad), s.lbfgs.tol_rel_grad == d.lbfgs.tol_rel_grad);
  write_setting(out, 4, "tol_param", num(s.lbfgs.tol_param), s.lbfgs.tol_param == d.lbfgs.tol_param);
  write_setting(out, 4, "history_size", std::to_string(s.lbfgs.history_size),
                s.lbfgs.history_size == d.lbfgs.history_size);
  write_setting(out, 2, "jacobian", s.jacobian ? "1" : "0", s.jacobian == d.jacobian);
  write_setting(out, 2, "iter", std::to_string(s.lbfgs.max_iterations),
                s.lbfgs.max_iterations == d.lbfgs.max_iterations);
  write_common_settings(out, info, s.init_radius, d.init_radius);
  out << "lp__";
  for (const std::string& name : output_names) out << "," << name;
  out << "\n" << format_csv_value(log_density);
  for (double v : outputs) out << "," << format_csv_value(v);
  out << "\n";
  write_closing_comments(out, info);
}

void write_variational_csv(std::ostream& out, const CsvRunInfo& info, const AdviResult& result,
                           const Draws& draws) {
  const AdviSettings defaults;
  const AdviSettings& s = info.settings;
  auto num = [](double v) { return format_shortest(v); };

  write_setting(out, 0, "model", info.model_name, false);
  write_setting(out, 0, "method", "variational", false);
  write_group(out, 1, "variational");
  write_setting(out, 2, "algorithm", info.algorithm, info.algorithm == "meanfield");
  write_group(out, 3, info.algorithm);
  write_setting(out, 2, "iter", std::to_string(s.max_iterations),
                s.max_iterations == defaults.max_iterations);
  write_setting(out, 2, "grad_samples", std::to_string(s.grad_samples),
                s.grad_samples == defaults.grad_samples);
  write_setting(out, 2, "elbo_samples", std::to_string(s.elbo_samples),
                s.elbo_samples == defaults.elbo_samples);
  write_setting(out, 2, "eta", num(s.eta), s.eta == defaults.eta);
  write_group(out, 2, "adapt");
  write_setting(out, 3, "engaged", s.adapt_engaged ? "1" : "0",
                s.adapt_engaged == defaults.adapt_engaged);
  write_setting(out, 3, "iter", std::to_string(s.adapt_iterations),
                s.adapt_iterations == defaults.adapt_iterations);
  write_setting(out, 2, "tol_rel_obj", num(s.tol_rel_obj), s.tol_rel_obj == defaults.tol_rel_obj);
  write_setting(out, 2, "eval_elbo", std::to_string(s.eval_elbo),
                s.eval_elbo == defaults.eval_elbo);
  write_setting(out, 2, "output_samples", std::to_string(info.output_samples),
                info.output_samples == 1000);
  write_common_settings(out, info, s.init_radius, defaults.init_radius);
  write_header(out, draws);
  if (result.eta_adapted) {
    out << "# Stepsize adaptation complete.\n";
    out << "# eta = " << num(result.eta) << "\n";
  }
  write_rows(out, draws);
  write_closing_comments(out, info);
}

Status write_variational_csv_file(const std::string& path, const CsvRunInfo& info,
                                  const AdviResult& result, const Draws& draws) {
  Expected<std::unique_ptr<OutputFile>> file = OutputFile::open(path);
  if (!file) return Error{file.error()};
  write_variational_csv((*file)->stream(), info, result, draws);
  return (*file)->commit();
}

}  // namespace vic::runtime
