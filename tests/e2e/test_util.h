// Helpers for the end-to-end tests: compiling an example with its data.
#pragma once

#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "runtime/data.h"
#include "runtime/model.h"
#include "tools/model_compiler.h"

namespace vic::testing_util {

std::string read_file(const std::string& path);
std::string example_path(const std::string& relative);

struct LoadedModel {
  tools::CheckedModel checked;
  runtime::DataSet data;
  tools::CompiledModel compiled;
  const runtime::Model& model() const { return *compiled.model; }
};

// Parses, checks, reads the data (JSON text) and compiles; fails the test on error.
std::unique_ptr<LoadedModel> compile_source(const std::string& name, const std::string& source,
                                            const std::string& json,
                                            std::span<const ir::EntryPoint> extra_entry_points = {});
std::unique_ptr<LoadedModel> compile_example(const std::string& dir);

// constrain(theta) by output name ("L.2.1"); fails the test if constrain reports an error.
std::map<std::string, double> constrained_outputs(const runtime::Model& model, std::vector<double> theta);

// `vic gradcheck` (Stan's diagnose settings) at the random points of seeds
// 1..num_seeds: no entry over the threshold.
void expect_gradcheck_passes(const runtime::Model& model, int num_seeds, const std::string& what);

}  // namespace vic::testing_util
