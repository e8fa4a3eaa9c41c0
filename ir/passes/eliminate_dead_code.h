// The IR pass eliminate_dead_code: one function from Program to Program.
#pragma once

#include "ir/ir.h"

namespace vic::ir {

// Removes ops whose results nobody needs, buffers nobody reads (with their
// stores), and loops and ifs with no needed results and no effects.
Program eliminate_dead_code(const Program& program);

}  // namespace vic::ir
