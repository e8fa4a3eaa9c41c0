// The data a compiled program reads, bound once: each data field and scratch
// buffer copied where the compiled code's context points, in the order the
// module reads them, and the scratch buffers filled by the hoisted work.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "codegen/jit.h"
#include "runtime/data.h"
#include "support/rng.h"

namespace vic::codegen {

class JitData {
 public:
  // Copies the fields `module` reads from `data` and makes room for `scratch`.
  Status bind(const JitModule& module, const runtime::DataSet& data, const std::vector<ir::ScratchBuffer>& scratch);
  // Runs each scratch buffer's filler (the data-only work hoisted out of the
  // entry points); a failed check there is an error `describe` words.
  Status fill_scratch(JitModule& module, const std::vector<ir::ScratchBuffer>& scratch,
                      const std::function<std::string(int32_t)>& describe) const;
  // `arg_sizes`: the sizes of the called function's buffer arguments, for the
  // bounds assertions of a test build.
  VicJitContext context(Rng* rng, const int64_t* arg_sizes) const {
    return VicJitContext{pointers_.data(), 0, 0, rng, data_sizes_.data(), arg_sizes};
  }

 private:
  std::vector<std::unique_ptr<std::vector<double>>> storage_;
  std::vector<std::unique_ptr<std::vector<int64_t>>> int_storage_;
  std::vector<const void*> pointers_;
  std::vector<int64_t> data_sizes_;  // elements of each of pointers_
};

// "FILE:LINE:COL: message" for the failed check `error` (1 + its id) of a
// program with these checks; "unknown error" for another value.
std::string describe_check(const std::vector<ir::CheckInfo>& checks, int32_t error);

}  // namespace vic::codegen
