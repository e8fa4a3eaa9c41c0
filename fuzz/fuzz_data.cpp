// libFuzzer entry of the data target (fuzz/harness.h run_data_input).
#include "fuzz/harness.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // -1 keeps a skipped input out of the corpus.
  return vic::fuzz::run_data_input(data, size).verdict == vic::fuzz::Verdict::Skipped ? -1 : 0;
}
