// The optimisation pipeline and the ORC LLJIT: a program's functions compiled
// for the host CPU and looked up by name.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "codegen/jit_context.h"
#include "ir/ir.h"
#include "support/expected.h"

namespace vic::codegen {

using LogDensityFn = double (*)(const double* theta, VicJitContext* ctx);
using GradientFn = double (*)(const double* theta, double* grad, VicJitContext* ctx);
// elbo_<family>_grad (ir/elbo.h): shape = {number of draws, dimension}.
using ElboGradientFn = double (*)(const double* phi, double* grad, const double* draws, const int64_t* shape,
                                  const double* shift, const double* scale, VicJitContext* ctx);
using ConstrainFn = void (*)(const double* theta, double* out, VicJitContext* ctx);
using UnconstrainFn = void (*)(const double* values, double* theta, VicJitContext* ctx);

// Compiled code and the JIT that owns it.
class JitModule {
 public:
  virtual ~JitModule() = default;
  // The address of a compiled function, or null.
  virtual void* lookup(const std::string& name) = 0;
  // Names of the data buffers the code reads from ctx->data, in order.
  virtual const std::vector<std::string>& data_names() const = 0;
};

struct CompileTimings {
  double emit_ms = 0;
  double optimize_ms = 0;
  double jit_ms = 0;
};

// Emits, optimises (new pass manager, O`opt_level`) and JIT-compiles `program`.
Expected<std::unique_ptr<JitModule>> jit_compile(const ir::Program& program, int opt_level = 2,
                                                  CompileTimings* timings = nullptr);

// The optimised LLVM IR of `program`, as text (`vic compile --emit llvm`).
std::string emit_llvm_text(const ir::Program& program, int opt_level = 2);

}  // namespace vic::codegen
