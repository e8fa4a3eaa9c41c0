// The kernels `kernel.call` names: opaque linear-algebra routines (LAPACK's
// Cholesky and LU and its symmetric eigendecomposition, BLAS's triangular
// solves, sorting) that the IR does not look into, each with its operands and
// its own adjoint written as IR (more kernel calls and tensor ops). Their C
// implementations are the runtime's (stdlib/linear_algebra_kernels.cpp,
// stdlib/sort_kernels.cpp); codegen calls them by `symbol`.
//
// A kernel.call's operands are the kernel's tensors, then its i64 sizes, then
// the result's element count; its results are the tensor and an i64 status
// (0, or a failure the caller turns into a check). Matrices are row-major.
#pragma once

#include <string_view>
#include <vector>

#include "ir/kernel_status.h"
#include "ir/op_table.h"

namespace vic::ir {

struct KernelInfo {
  const char* name;    // "cholesky", as kernel.call spells it
  const char* symbol;  // "vic_kernel_cholesky": int64_t f(double* out, const double* tensors..., int64_t sizes...)
  size_t num_tensors;  // tensor operands
  size_t num_sizes;    // i64 operands after them, before the result's element count
  // The adjoint of tensor operand k (site.r is the result tensor), or null
  // when the kernel is never differentiated (an adjoint kernel).
  Vjp vjp;
  // The result's tangent given the tensors' tangents (null: zero); null when
  // the kernel has no forward rule.
  Jvp jvp;
  // It calls a function of the program (an ODE's right-hand side): a call
  // names it after the kernel's name and a dot, "ode_rk45.ode.dz_dt", and
  // codegen passes that function, its JVPs and the context after the sizes.
  bool calls_function = false;
};

// The function of the program a call of a `calls_function` kernel names.
std::string_view called_function(std::string_view call_name);

// The operand types of a call of `kernel`: its tensors, its i64 sizes, the
// result's i64 element count; `run` (kernel.run, after bufferization): an
// output buffer first and buffers for the tensors.
std::vector<Type> kernel_operand_types(const KernelInfo& kernel, bool run);

// The kernel called `name`, or null.
const KernelInfo* find_kernel(std::string_view name);
const std::vector<KernelInfo>& all_kernels();

}  // namespace vic::ir
