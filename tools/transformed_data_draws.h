// Transformed data that draws random numbers (an `_rng` call) is computed
// once, as Stan does, before the model is compiled: the block runs as the
// generated quantities of a program of the data alone, and its variables
// become data fields, which the model's lowering then reads (lower.cpp), so
// that every function of the model sees the same draws.
#pragma once

#include <cstdint>

#include "frontend/ast.h"
#include "runtime/data.h"
#include "support/expected.h"

namespace vic::tools {

// `data` with the transformed data's variables added when the block draws
// (ast::transformed_data_draws), from CmdStan's transformed-data generator
// for `seed` (Mixmax stream 0, as create_rng(seed, 0)); otherwise `data`. An
// Error when the block fails (its message, as a failed check reports it).
Expected<runtime::DataSet> with_transformed_data_draws(const ast::Program& program, const runtime::DataSet& data,
                                                       uint64_t seed);

}  // namespace vic::tools
