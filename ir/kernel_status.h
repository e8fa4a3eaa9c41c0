// The statuses kernels return besides 0 (ir/kernels.h), in a header of its
// own: the ODE solvers' translation unit is C++17 (Boost 1.74's uBLAS, which
// Rosenbrock 4 needs, uses allocator members C++20 removed).
#pragma once

#include <cstdint>

namespace vic::ir {

// Statuses the kernels return besides 0.
inline constexpr int64_t kKernelNotSymmetric = 1;
inline constexpr int64_t kKernelNotPositiveDefinite = 2;
inline constexpr int64_t kKernelSingular = 3;
inline constexpr int64_t kKernelNotANumber = 4;
// An iterative routine (LAPACK's eigensolver) did not converge.
inline constexpr int64_t kKernelNotConverged = 5;
// The ODE solvers' (ode_rk45, ode_bdf): more than max_num_steps steps between
// two output times; the right-hand side failed a check (its message is the
// one reported); the solution is not finite.
inline constexpr int64_t kOdeTooManySteps = 1;
inline constexpr int64_t kOdeRightHandSideFailed = 2;
inline constexpr int64_t kOdeNotFinite = 3;

}  // namespace vic::ir
