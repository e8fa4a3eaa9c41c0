// The run-time side of the JIT's bounds assertions (codegen/bounds_checks.h).
#include "codegen/bounds_checks.h"

#include <cstdio>
#include <cstdlib>
#include <string>

namespace vic::codegen {

bool bounds_checks_by_default() {
  if (const char* env = std::getenv("VIC_BOUNDS_CHECKS"); env && *env) return std::string(env) != "0";
#ifdef VIC_DEBUG_CHECKS
  return true;
#else
  return false;
#endif
}

}  // namespace vic::codegen

extern "C" void vic_bounds_failure(const char* access, int64_t index, int64_t size) {
  std::fprintf(stderr, "internal error: out of bounds: %s %lld, but the buffer has %lld elements\n", access,
               static_cast<long long>(index), static_cast<long long>(size));
  std::fflush(stderr);
  std::abort();
}
