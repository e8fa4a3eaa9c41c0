// Forward-mode automatic differentiation as an IR -> IR pass: from a function
// that reads some buffer arguments and writes others, a function that also
// reads a tangent of each read argument and writes the tangent of each written
// one (a Jacobian-vector product), built from the op table's JVP rules.
//
// It serves the ODE solvers: their forward sensitivity equations need
// J_y s + J_theta e_k of the right-hand side, and a stiff solver's Jacobian
// of those equations needs the JVP of the JVP (the pass applied twice).
#pragma once

#include "ir/ir.h"

namespace vic::ir {

// Adds `@<name>.jvp` for `@<name>` (a function on tensors, returning nothing)
// to the program. Its arguments are the source's, then a tangent buffer for
// each of `varied_args`, then one for each of `output_args`, in the order
// given; it stores into each output tangent every element the source stores
// into its output. An op whose rule is missing (trigamma has none) on a
// varied operand becomes a check that fails with a message naming it.
void add_jvp_function(Program& program, const std::string& name, const std::vector<size_t>& varied_args,
                      const std::vector<size_t>& output_args);

// The program with the JVP functions its jvp_requests ask for (ir.h).
Program add_requested_jvps(const Program& program);

}  // namespace vic::ir
