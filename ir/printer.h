// The IR's printed form: stable (values numbered in order of appearance), used
// by `vic compile --emit ir|grad-ir` and by golden tests.
#pragma once

#include <string>

#include "ir/ir.h"

namespace vic::ir {

std::string print_function(const Function& function);
std::string print_program(const Program& program);

}  // namespace vic::ir
