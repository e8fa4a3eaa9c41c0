// bufferize: maps tensor values to buffers after AD (see bufferize.cpp).
#pragma once

#include "ir/ir.h"

namespace vic::ir {

// The program with every tensor replaced by a buffer; adds the number of
// copies it had to insert to statistics["bufferize.copies"].
// `reorder_reductions`: the sums of tensor.reduce ops may be reassociated (for
// vector lanes); off, they add in index order, as Stan does.
Program bufferize(const Program& program, bool reorder_reductions = false);

}  // namespace vic::ir
