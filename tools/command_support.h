// What the subcommands share: reading and checking the model with its
// diagnostics printed, and reading the data it declares.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/data.h"
#include "runtime/initialize.h"
#include "runtime/model.h"
#include "tools/model_compiler.h"

namespace vic::tools {

// Parses and checks the model at `path`; prints the diagnostics or the read
// error on stderr. Empty when the model has errors or cannot be read.
std::optional<CheckedModel> load_model(const std::string& path);

// Reads the data file at `path` (none when empty) against the model's data
// declarations, and adds the transformed data's draws for `seed` when it
// makes some (tools/transformed_data_draws.h); prints the error on stderr.
// Empty on an error.
std::optional<runtime::DataSet> load_data(const ast::Program& program, const std::string& path, uint64_t seed);

// A program with a guide compiled for the data at `data_path` (read as
// load_data reads it); prints the error on stderr. Empty on an error.
struct LoadedGuideModel {
  runtime::DataSet data;
  CompiledGuideModel compiled;
  const runtime::GuideModel& model() const { return *compiled.model; }
};
std::optional<LoadedGuideModel> load_guide_model(const CheckedModel& m, const std::string& data_path, uint64_t seed);

// The unconstrained initial point from the Stan JSON file at `path` (none
// when empty); prints the error on stderr. Empty on an error.
std::optional<std::vector<double>> load_initial_values(const runtime::Model& model, const std::string& path);

// The usage error when `output` (given as `option`) names the same file as the
// model or the data (compared by device and inode, not by spelling); empty
// when it names neither.
std::string output_clash(const std::string& option, const std::string& output, const std::string& model,
                         const std::string& data);

// The model's name as CmdStan's CSV records it (its executable's name): the
// file's stem, or its folder's name for examples/<name>/model.vmodel.
std::string csv_model_name(const std::string& model_path);

// Where progress lines go: stderr when it is a terminal and not `quiet`,
// else nowhere.
runtime::LogLine progress_lines(bool quiet);

// Milliseconds since `start`.
double ms_since(std::chrono::steady_clock::time_point start);

}  // namespace vic::tools
