// The IR pass hoist_data_only: one function from Program to Program.
#pragma once

#include "ir/ir.h"

namespace vic::ir {

// Moves data-only work at the top level of each function into a
// function run once when the data is bound; its results are read back from a
// scratch buffer.
Program hoist_data_only(const Program& program);

}  // namespace vic::ir
