// Golden tests of the IR: for each model in golden/ (with its data, when it has
// a <name>.json), the IR after lowering, after each pass in pipeline order, and
// the gradient function, compared with golden/<name>/<stage>.ir.
// Run with VIC_AUTOUPDATE=1 to rewrite the expectations; review the diff.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "ir/ad/reverse_mode.h"
#include "ir/lower/lower.h"
#include "ir/passes/passes.h"
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
  p = ir::bind_data_sizes(p, [&](const std::string& field) -> std::optional<int64_t> {
    const runtime::DataValue* v = data->find(field);
    if (!v || !v->is_int || !v->dims.empty()) return std::nullopt;
    return v->ints[0];
  });
  expect_golden(out / "1-bind-data-sizes.ir", ir::print_program(p));
  p = ir::fold_constants(p);
  expect_golden(out / "2-fold-constants.ir", ir::print_program(p));
  p = ir::simplify_algebra(p);
  expect_golden(out / "3-simplify-algebra.ir", ir::print_program(p));
  p = ir::eliminate_common_subexpressions(p);
  expect_golden(out / "4-cse.ir", ir::print_program(p));
  p = ir::eliminate_dead_code(p);
  expect_golden(out / "5-dce.ir", ir::print_program(p));
  p = ir::hoist_data_only(p);
  expect_golden(out / "6-hoist-data-only.ir", ir::print_program(p));
  ir::add_gradient_function(p, "lp_propto", "lp_grad");
  expect_golden(out / "7-gradient.ir", ir::print_function(*p.find("lp_grad")));
  p = ir::eliminate_dead_code(ir::eliminate_common_subexpressions(ir::simplify_algebra(ir::fold_constants(p))));
  expect_golden(out / "8-gradient-simplified.ir", ir::print_function(*p.find("lp_grad")));
}

INSTANTIATE_TEST_SUITE_P(Golden, IrGolden, testing::ValuesIn(golden_cases()),
                         [](const testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace vic
