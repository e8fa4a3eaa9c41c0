// IR -> LLVM IR. Each IR function becomes an LLVM function taking its buffer
// arguments as pointers plus a trailing `VicJitContext*`:
//   double lp_grad(const double* theta, double* grad, VicJitContext* ctx)
//   double lp(const double* theta, VicJitContext* ctx)
//   void   constrain(const double* theta, double* out, VicJitContext* ctx)
// Data buffers are read through ctx->data[k], k from data_buffer_names().
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "codegen/jit_context.h"
#include "ir/ir.h"

namespace llvm {
class LLVMContext;
class Module;
}  // namespace llvm

namespace vic::codegen {

// The names of the data buffers a program reads, in ctx->data order.
std::vector<std::string> data_buffer_names(const ir::Program& program);

// Emits every function of `program` into a new module; with `bounds_checks`,
// every buffer access is asserted in bounds first (codegen/bounds_checks.h).
std::unique_ptr<llvm::Module> emit_module(const ir::Program& program, llvm::LLVMContext& context,
                                          const std::vector<std::string>& data_names, bool bounds_checks);

}  // namespace vic::codegen
