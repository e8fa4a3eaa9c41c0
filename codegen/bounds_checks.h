// Bounds assertions in JIT-compiled code, a debug option: every buffer load,
// store and copy is checked against the buffer's size before it happens.
// ASan cannot see into JIT-compiled code, so this is how the tests catch an
// out-of-bounds access. A failed assertion is a bug in vic (a user's bad index
// is a domain check that ends the evaluation first), so it aborts.
#pragma once

#include <cstdint>

namespace vic::codegen {

// Whether jit_compile emits the assertions: the environment variable
// VIC_BOUNDS_CHECKS when set ("0" is off, anything else on), else on in debug
// builds (-DVIC_DEBUG_CHECKS=ON, or a Debug build). ctest sets it for every test (tests/CMakeLists.txt).
bool bounds_checks_by_default();

}  // namespace vic::codegen

// Called by compiled code when an access is out of bounds: prints
// "internal error: out of bounds: <access> <index>, but the buffer has <size>
// elements" and aborts. `access` names the function, the op, the buffer and
// the source place ("@lp: load from 'theta' (m.vmodel:3:5) at index").
extern "C" [[noreturn]] void vic_bounds_failure(const char* access, int64_t index, int64_t size);
