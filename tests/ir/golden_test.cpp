// Golden tests of the IR: for each model in golden/ (with its data, when it has
// a <name>.json), the IR after lowering and after each pass of the pipeline the
// CLI runs (ir::run_pipeline), compared with golden/<name>/<stage>.ir.
// Run with VIC_AUTOUPDATE=1 to rewrite the expectations; review the diff.
#include <filesystem>
#include <cstdio>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "ir/ad/reverse_mode.h"
#include "ir/lower/lower.h"
#include "ir/passes/passes.h"
#include "ir/passes/pipeline.h"
#include "ir/printer.h"
#include "runtime/data.h"
#include "tools/model_compiler.h"

namespace vic {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void expect_golden(const fs::path& expected_path, const std::string& actual) {
  if (std::getenv("VIC_AUTOUPDATE")) {
    fs::create_directories(expected_path.parent_path());
    std::ofstream(expected_path) << actual;
    return;
  }
  ASSERT_TRUE(fs::exists(expected_path)) << expected_path << " is missing; run with VIC_AUTOUPDATE=1";
  EXPECT_EQ(read_file(expected_path), actual) << "golden mismatch: " << expected_path;
}

std::vector<std::string> golden_cases() {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(VIC_GOLDEN_DIR))
    if (entry.path().extension() == ".vmodel") names.push_back(entry.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

class IrGolden : public testing::TestWithParam<std::string> {};

TEST_P(IrGolden, EveryStage) {
  fs::path dir = VIC_GOLDEN_DIR;
  std::string name = GetParam();
  tools::CheckedModel m = tools::check_model_source(name + ".vmodel", read_file(dir / (name + ".vmodel")));
  ASSERT_TRUE(m.ast) << m.diagnostics.str();
  fs::path out = dir / name;

  ir::Program p = lower::lower_program(*m.ast);
  expect_golden(out / "0-lowered.ir", ir::print_program(p));

  fs::path data_path = dir / (name + ".json");
  if (!fs::exists(data_path)) return;
  Expected<runtime::DataSet> data = runtime::load_stan_json_file(data_path.string(), tools::data_declarations(*m.ast));
  ASSERT_TRUE(data) << data.error();
  // Every stage of the pipeline the CLI runs, in its order: NN-<pass>.ir for
  // each pass that changed the program.
  std::function<std::optional<int64_t>(const std::string&)> lookup = [&](const std::string& field) -> std::optional<int64_t> {
    const runtime::DataValue* v = data->find(field);
    if (!v || !v->is_int || !v->dims.empty()) return std::nullopt;
    return v->ints[0];
  };
  std::set<std::string> expected_files;
  for (const auto& entry : fs::directory_iterator(out))
    if (entry.path().filename() != "0-lowered.ir") expected_files.insert(entry.path().filename().string());
  std::set<std::string> written;
  std::string previous = ir::print_program(p);
  int stage = 0;
  ir::PipelineSettings settings;
  settings.after_pass = [&](const std::string& pass, const ir::Program& after) {
    ++stage;
    std::string text = ir::print_program(after);
    if (text == previous) return;
    previous = text;
    char file[64];
    std::snprintf(file, sizeof file, "%02d-%s.ir", stage, pass.c_str());
    written.insert(file);
    expect_golden(out / file, text);
  };
  ir::run_pipeline(p, settings, &lookup);
  for (const std::string& f : expected_files) {
    if (written.count(f)) continue;
    if (std::getenv("VIC_AUTOUPDATE")) {
      fs::remove(out / f);
    } else {
      ADD_FAILURE() << (out / f) << " is no stage of the pipeline any more; run with VIC_AUTOUPDATE=1";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Golden, IrGolden, testing::ValuesIn(golden_cases()),
                         [](const testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace vic
