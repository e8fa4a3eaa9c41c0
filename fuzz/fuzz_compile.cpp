// libFuzzer entry of the compile target (fuzz/harness.h run_compile_input).
#include "fuzz/harness.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // -1 keeps a skipped input out of the corpus.
  return vic::fuzz::run_compile_input(data, size).verdict == vic::fuzz::Verdict::Skipped ? -1 : 0;
}
