// The Laplace approximation: the normal centred at the mode of the log density
// on the unconstrained scale (with the Jacobian, as Stan's laplace_sample
// uses it) whose covariance is the inverse of the negative Hessian there. The
// Hessian is central finite differences of the compiled gradient, made
// symmetric. It comes back as a full-rank family (runtime/variational_family.h),
// so drawing, the PSIS diagnostic and the CSV are those of vic's VI.
#pragma once

#include <vector>

#include "runtime/model.h"
#include "runtime/vi.h"
#include "support/expected.h"

namespace vic::runtime {

// The negative Hessian of Model::lp_grad's density at theta, dim x dim,
// column-major, by central differences with step `epsilon` (each column
// two gradient evaluations), symmetrised as (H + H') / 2.
Expected<std::vector<double>> negative_hessian(const Model& model, const std::vector<double>& theta,
                                               double epsilon = 1e-3);

// N(mode, (-H)^-1) as a full-rank family; an Error when -H is not positive
// definite (the point is not a mode, or the posterior is improper there).
Expected<ViResult> laplace_approximation(const Model& model, const std::vector<double>& mode);

}  // namespace vic::runtime
