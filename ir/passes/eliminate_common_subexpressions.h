// The IR pass eliminate_common_subexpressions: one function from Program to Program.
#pragma once

#include "ir/ir.h"

namespace vic::ir {

// Merges pure ops equal in kind, operands and attributes, within a region and
// the regions it encloses. Loads merge only from buffers nothing stores to; a
// check of a condition already checked in scope is dropped.
Program eliminate_common_subexpressions(const Program& program);

}  // namespace vic::ir
