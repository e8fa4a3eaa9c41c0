// load_model, load_data and output_clash (tools/command_support.h).
#include "tools/command_support.h"

#include "runtime/initial_values.h"
#include "tools/transformed_data_draws.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

namespace vic::tools {

std::optional<std::vector<double>> load_initial_values(const runtime::Model& model, const std::string& path) {
  if (path.empty()) return std::vector<double>{};
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  if (in) text << in.rdbuf();
  if (!in || in.bad()) {
    std::cerr << "error: cannot read init file '" << path << "': " << std::strerror(errno) << "\n";
    return std::nullopt;
  }
  Expected<std::vector<double>> theta = runtime::read_initial_values(model, text.str(), path);
  if (!theta) {
    std::cerr << "error: " << theta.error() << "\n";
    return std::nullopt;
  }
  return theta.take();
}

std::string output_clash(const std::string& option, const std::string& output, const std::string& model,
                         const std::string& data) {
  namespace fs = std::filesystem;
  auto same = [](const std::string& a, const std::string& b) {
    std::error_code ec;
    return !b.empty() && fs::equivalent(a, b, ec) && !ec;
  };
  if (same(output, model)) return option + " '" + output + "' is the model file; refusing to overwrite it";
  if (same(output, data)) return option + " '" + output + "' is the data file; refusing to overwrite it";
  return "";
}

std::string csv_model_name(const std::string& model_path) {
  const std::filesystem::path path(model_path);
  std::string name = path.stem().string();
  return name == "model" ? path.parent_path().filename().string() : name;
}

runtime::LogLine progress_lines(bool quiet) {
  if (quiet || !isatty(STDERR_FILENO)) return {};
  return [](const std::string& line) { std::cerr << line << "\n"; };
}

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

std::optional<runtime::DataSet> load_data(const ast::Program& program, const std::string& path, uint64_t seed) {
  std::vector<runtime::DataDecl> decls = data_declarations(program);
  if (path.empty() && !decls.empty()) {
    std::cerr << "error: the model declares data; pass it with --data FILE\n";
    return std::nullopt;
  }
  Expected<runtime::DataSet> data = path.empty() ? runtime::DataSet{} : runtime::load_stan_json_file(path, decls);
  if (data) data = with_transformed_data_draws(program, *data, seed);
  if (!data) {
    std::cerr << "error: " << data.error() << "\n";
    return std::nullopt;
  }
  return data.take();
}

std::optional<LoadedGuideModel> load_guide_model(const CheckedModel& m, const std::string& data_path, uint64_t seed) {
  std::optional<runtime::DataSet> data = load_data(*m.ast, data_path, seed);
  if (!data) return std::nullopt;
  Expected<CompiledGuideModel> compiled = compile_guide_model(*m.ast, *data, ir::PipelineSettings{});
  if (!compiled) {
    std::cerr << "error: " << compiled.error() << "\n";
    return std::nullopt;
  }
  LoadedGuideModel out;
  out.data = std::move(*data);
  out.compiled = compiled.take();
  return out;
}

}  // namespace vic::tools
