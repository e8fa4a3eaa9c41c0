// Reverse-mode automatic differentiation as an IR -> IR pass: no tape at run
// time, no operator overloading; the gradient is ordinary IR.
//
// From `@lp_propto(theta) -> (f64)` it builds `@lp_grad(theta, grad) -> (f64)`, which
// runs the forward computation, then the adjoint code in reverse order, adding
// d lp / d theta into `grad` (the caller zeroes it). Loops are reversed by a
// loop that counts down and recomputes the body's forward values; the only
// values stored per iteration are the loop-carried ones, in a buffer written
// by the forward loop. When the reverse code never reads a carried value (a
// likelihood loop accumulating into the target), dead-code elimination removes
// that buffer: the reverse loop is then fused and stores nothing.
#pragma once

#include "ir/ir.h"

namespace vic::ir {

// Adds `@<gradient>` for the function `@<name>` (which returns one f64 and
// whose first argument is the parameter buffer) to the program. Its arguments
// are the parameters, grad, then the source's other (inactive) arguments:
// @elbo_meanfield(phi, draws, shape) gives @elbo_meanfield_grad(phi, grad, draws, shape).
void add_gradient_function(Program& program, const std::string& name, const std::string& gradient);

}  // namespace vic::ir
