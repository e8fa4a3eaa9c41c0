#include "test_util.h"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "tools/gradcheck.h"
#include "tools/transformed_data_draws.h"

namespace vic::testing_util {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string example_path(const std::string& relative) { return std::string(VIC_SOURCE_DIR) + "/examples/" + relative; }

std::unique_ptr<LoadedModel> compile_source(const std::string& name, const std::string& source,
                                            const std::string& json, std::span<const ir::EntryPoint> extra_entry_points) {
  auto m = std::make_unique<LoadedModel>();
  m->checked = tools::check_model_source(name, source);
  if (!m->checked.ast) {
    ADD_FAILURE() << m->checked.diagnostics.str();
    return nullptr;
  }
  Expected<runtime::DataSet> data = runtime::read_stan_json(json, name + ".json", tools::data_declarations(*m->checked.ast));
  if (!data) {
    ADD_FAILURE() << data.error();
    return nullptr;
  }
  Expected<runtime::DataSet> full = tools::with_transformed_data_draws(*m->checked.ast, *data, /*seed=*/1);
  if (!full) {
    ADD_FAILURE() << full.error();
    return nullptr;
  }
  m->data = full.take();
  Expected<tools::CompiledModel> compiled = tools::compile_model(*m->checked.ast, m->data, ir::PipelineSettings{}, nullptr, extra_entry_points);
  if (!compiled) {
    ADD_FAILURE() << compiled.error();
    return nullptr;
  }
  m->compiled = compiled.take();
  return m;
}

std::unique_ptr<LoadedModel> compile_example(const std::string& dir) {
  return compile_source(dir, read_file(example_path(dir + "/model.vmodel")), read_file(example_path(dir + "/data.json")));
}

std::map<std::string, double> constrained_outputs(const runtime::Model& model, std::vector<double> theta) {
  std::vector<double> out(model.output_names().size());
  Rng rng(1);
  runtime::EvalError error = 0;
  model.constrain(theta.data(), rng, out.data(), &error);
  EXPECT_EQ(error, 0) << model.describe_error(error);
  std::map<std::string, double> values;
  for (size_t i = 0; i < out.size(); ++i) values[model.output_names()[i]] = out[i];
  return values;
}

void expect_gradcheck_passes(const runtime::Model& model, int num_seeds, const std::string& what) {
  for (int seed = 1; seed <= num_seeds; ++seed) {
    tools::GradcheckSettings s;
    s.seed = static_cast<uint64_t>(seed);
    Expected<tools::GradcheckReport> report = tools::gradcheck(model, s);
    ASSERT_TRUE(report) << what << ": " << report.error();
    std::ostringstream table;
    tools::print_gradcheck_report(table, *report);
    EXPECT_EQ(report->num_failures, 0) << what << ", seed " << seed << "\n" << table.str();
  }
}

}  // namespace vic::testing_util
