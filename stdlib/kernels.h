// The run-time kernels that compiled models call: special functions (from libm
// and Boost.Math, with error policies that return instead of throwing) and the
// `_rng` draws. Plain C functions so that codegen can register their addresses
// with the JIT; stdlib/ itself knows nothing of LLVM.
#pragma once

#include <string>
#include <vector>

namespace vic::stdlib {

struct KernelSymbol {
  std::string name;  // the symbol the compiled code calls, e.g. "vic_lgamma"
  void* address;
};

// Every kernel, for the JIT's symbol table.
const std::vector<KernelSymbol>& runtime_kernels();

// The kernel symbol implementing `<dist>_rng`.
std::string rng_kernel_symbol(const std::string& rng_name);

// The message the last reject with values wrote on the calling thread (its
// print ops, ir::kPrintToMessage); empty when none has.
std::string last_reject_message();

}  // namespace vic::stdlib
