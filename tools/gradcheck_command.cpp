// `vic gradcheck`: the compiled gradient against finite differences at a
// random point (tools/gradcheck.h), printed as Stan's diagnose table.
#include <iostream>

#include "tools/command_support.h"
#include "tools/commands.h"
#include "tools/exit_status.h"

namespace vic::tools {

int run_gradcheck(const std::string& model_path, const std::string& data_path, const GradcheckSettings& s) {
  std::optional<CheckedModel> m = load_model(model_path);
  if (!m) return kExitError;
  std::optional<runtime::DataSet> data = load_data(*m->ast, data_path, s.seed);
  if (!data) return kExitError;
  Expected<CompiledModel> compiled = compile_model(*m->ast, *data, ir::PipelineSettings{});
  if (!compiled) {
    std::cerr << "error: " << compiled.error() << "\n";
    return kExitError;
  }
  Expected<GradcheckReport> report = gradcheck(*compiled->model, s);
  if (!report) {
    std::cerr << "error: " << report.error() << "\n";
    return kExitError;
  }
  print_gradcheck_report(std::cout, *report);
  return report->num_failures == 0 ? kExitOk : kExitError;
}

}  // namespace vic::tools
