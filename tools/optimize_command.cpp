// `vic optimize`: the posterior mode by L-BFGS (runtime/optimize.h), written
// as CmdStan's optimisation CSV (one row) and printed as a table. Compiles the
// log density without the Jacobian as well, which MAP maximises by default.
#include <cstdio>
#include <iostream>

#include "runtime/csv_writer.h"
#include "support/output_file.h"
#include "tools/command_support.h"
#include "tools/commands.h"
#include "tools/exit_status.h"
#include "tools/version.h"

namespace vic::tools {

int run_optimize(const OptimizeOptions& o) {
  if (std::string clash = output_clash("--output", o.output, o.model, o.data); !clash.empty()) {
    std::cerr << "error: " << clash << "\n";
    return kExitUsage;
  }
  std::optional<CheckedModel> m = load_model(o.model);
  if (!m) return kExitError;
  std::optional<runtime::DataSet> data = load_data(*m->ast, o.data, o.seed);
  if (!data) return kExitError;
  Expected<std::unique_ptr<OutputFile>> output = OutputFile::open(o.output);
  if (!output) {
    std::cerr << "error: " << output.error() << "\n";
    return kExitError;
  }
  const ir::EntryPoint without_jacobian[] = {ir::EntryPoint::GradientPropto};
  Expected<CompiledModel> compiled =
      compile_model(*m->ast, *data, ir::PipelineSettings{}, nullptr, o.settings.jacobian ? std::span<const ir::EntryPoint>{} : without_jacobian);
  if (!compiled) {
    std::cerr << "error: " << compiled.error() << "\n";
    return kExitError;
  }
  const runtime::Model& model = *compiled->model;
  std::optional<std::vector<double>> init = load_initial_values(model, o.init);
  if (!init) return kExitError;
  runtime::OptimizeSettings settings = o.settings;
  settings.init = *init;
  Rng rng(o.seed);
  runtime::LogLine progress = progress_lines(o.quiet);
  Expected<runtime::OptimizeResult> mode = runtime::find_mode(model, settings, rng, progress);
  if (!mode) {
    std::cerr << "error: " << mode.error() << "\n";
    return kExitError;
  }
  std::vector<double> outputs(model.output_names().size());
  runtime::EvalError error = 0;
  model.constrain(mode->theta.data(), rng, outputs.data(), &error);
  if (error != 0) {
    std::cerr << "error: cannot compute the outputs at the mode: " << model.describe_error(error) << "\n";
    return kExitError;
  }
  const bool converged = runtime::is_converged(mode->termination);
  runtime::CsvRunInfo info;
  info.model_name = csv_model_name(o.model);
  info.seed = o.seed;
  info.data_file = o.data;
  info.init_file = o.init;
  info.output_file = o.output;
  info.vic_version = kVersion;
  if (!converged) info.untrusted_reasons.push_back("L-BFGS " + runtime::describe_termination(mode->termination));
  runtime::write_optimize_csv((*output)->stream(), info, o.settings, model.output_names(), mode->log_density, outputs);
  if (Status s = (*output)->commit(); !s) {
    std::cerr << "error: " << s.error() << "\n";
    return kExitError;
  }
  size_t width = 4;
  for (const std::string& name : model.output_names()) width = std::max(width, name.size());
  for (size_t i = 0; i < outputs.size(); ++i) {
    char value[64];
    std::snprintf(value, sizeof value, "%12.6g", outputs[i]);
    std::cout << model.output_names()[i] << std::string(width + 2 - model.output_names()[i].size(), ' ') << value
              << "\n";
  }
  char lp[64];
  std::snprintf(lp, sizeof lp, "%.6g", mode->log_density);
  std::cout << "log density " << (o.settings.jacobian ? "with" : "without") << " the Jacobian = " << lp
            << " at the mode; L-BFGS: " << runtime::describe_termination(mode->termination) << " after "
            << mode->iterations << " iterations\n";
  std::cout << "mode written to " << o.output << "\n";
  if (!converged) {
    if (o.allow_poor_fit) {
      std::cerr << "warning: L-BFGS stopped before converging (accepted: --allow-poor-fit)\n";
      return kExitOk;
    }
    std::cerr << "error: L-BFGS stopped before converging: " << runtime::describe_termination(mode->termination)
              << ". What to try: more iterations (--iter); --allow-poor-fit accepts the point as it is\n";
    return kExitUntrustedFit;
  }
  return kExitOk;
}

}  // namespace vic::tools
