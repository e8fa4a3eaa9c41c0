// bufferize: maps tensor values to buffers after AD (see bufferize.cpp).
#pragma once

#include "ir/ir.h"

namespace vic::ir {

// The program with every tensor replaced by a buffer; adds the number of
// copies it had to insert to statistics["bufferize.copies"].
Program bufferize(const Program& program);

}  // namespace vic::ir
