// Lowering: the checked AST becomes IR. The one place that sees both.
//
// It produces, for a program, the entry points it is asked for (the table in
// ir/entry_points.def), for example:
//   @lp_propto(theta: buf<f64>) -> (f64)   log density on the unconstrained scale,
//                                           with each constraint's log-Jacobian;
//                                           `~` drops the terms that depend on no
//                                           parameter, as Stan does (for a
//                                           gradient entry point, AD's input)
//   @lp(theta: buf<f64>) -> (f64)          the same with every constant kept
//                                           (Stan's ADVI estimates the ELBO with it)
//   @constrain(theta: buf<f64>, out: buf<f64>) -> ()
//                                           constrained parameters, transformed
//                                           parameters, generated quantities, in
//                                           CmdStan's column-major order
//   @unconstrain(values: buf<f64>, theta: buf<f64>) -> ()
//                                           the constrained parameters (in
//                                           constrain's order) back to theta
// and the program's layout (ir/layout.h): transforms, sizes, output names.
// Sizes stay symbolic (data.int ops) until the data is bound.
#pragma once

#include <span>

#include "frontend/ast.h"
#include "ir/entry_points.h"
#include "ir/ir.h"

namespace vic::lower {

struct LowerOptions {
  // A guide's ELBO lowers each loop over the plate for the whole minibatch at
  // once where it can (ir/lower/lower_plate.cpp); false: item by item (tests
  // compare the two).
  bool batch_plates = true;
};

ir::Program lower_program(const ast::Program& program,
                          std::span<const ir::EntryPoint> entry_points = ir::default_entry_points(),
                          const LowerOptions& options = {});

}  // namespace vic::lower
