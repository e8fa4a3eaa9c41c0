// load_model and load_data (tools/command_support.h).
#include "tools/command_support.h"

#include <iostream>

namespace vic::tools {

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

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

}  // namespace vic::tools
