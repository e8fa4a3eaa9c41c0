// Lowering: the checked AST becomes IR. The one place that sees both.
//
// It produces, for a program:
//   @lp_propto(theta: buf<f64>) -> (f64)   log density on the unconstrained scale,
//                                           with each constraint's log-Jacobian;
//                                           `~` drops the terms that depend on no
//                                           parameter, as Stan does
//   @lp(theta: buf<f64>) -> (f64)          the same with every constant kept
//                                           (Stan's ADVI estimates the ELBO with it)
//   @constrain(theta: buf<f64>, out: buf<f64>) -> ()
//                                           constrained parameters, transformed
//                                           parameters, generated quantities, in
//                                           CmdStan's column-major order
// Sizes stay symbolic (data.int ops) until the data is bound.
#pragma once

#include "frontend/ast.h"
#include "ir/ir.h"

namespace vic::lower {

ir::Program lower_program(const ast::Program& program);

}  // namespace vic::lower
