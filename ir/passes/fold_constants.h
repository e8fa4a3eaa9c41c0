// The IR pass fold_constants: one function from Program to Program.
#pragma once

#include "ir/ir.h"

namespace vic::ir {

// Evaluates ops whose operands are constants; takes the branch of an `if` on a
// constant condition; removes checks that always pass and loops that never run.
Program fold_constants(const Program& program);

}  // namespace vic::ir
