// The IR pass simplify_algebra: one function from Program to Program.
#pragma once

#include "ir/ir.h"

namespace vic::ir {

// Algebraic identities: x + 0, x * 1, x / 1, -(-x), select(c, x, x), log(exp(x)), ...
Program simplify_algebra(const Program& program);

}  // namespace vic::ir
