// libFuzzer entry of the cli target (fuzz/harness.h run_cli_input).
#include "fuzz/harness.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // -1 keeps a skipped input out of the corpus.
  return vic::fuzz::run_cli_input(data, size).verdict == vic::fuzz::Verdict::Skipped ? -1 : 0;
}
