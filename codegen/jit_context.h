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
  // Read only by code compiled with bounds assertions (codegen/bounds_checks.h),
  // which then needs both: the number of elements of each data buffer (in
  // data order) and of each buffer argument of the function called (theta,
  // grad, out), in argument order.
  const int64_t* data_sizes;
  const int64_t* arg_sizes;
};

}  // namespace vic::codegen
