// The context every compiled function receives: where the data is, where a
// failed domain check is reported, and the random number generator.
#pragma once

#include <cstdint>

namespace vic::codegen {

struct VicJitContext {
  const void* const* data;  // data buffers, in data_buffer_names() order
  int32_t error;            // 1 + the id of the first failed check; 0 when none
  int32_t padding;
  void* rng;                // a vic::Rng*, for constrain's _rng calls
};

}  // namespace vic::codegen
