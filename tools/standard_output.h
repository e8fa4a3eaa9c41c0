// Standard output whose write errors are not lost. std::cout normally drops a
// failed write's errno (and C stdio reports it only if checked at once), so
// `vic check m.vmodel > /dev/full` would succeed silently. While a
// CheckedStandardOutput lives, std::cout writes through an FdOutputBuffer on
// descriptor 1, and finish() flushes it and says what went wrong.
#pragma once

#include <streambuf>

#include "support/expected.h"
#include "support/output_file.h"

namespace vic::tools {

class CheckedStandardOutput {
 public:
  // Points std::cout at descriptor 1 through a buffer that keeps errors.
  CheckedStandardOutput();
  // Flushes what is left (its error is then ignored: call finish() first)
  // and gives std::cout its own buffer back.
  ~CheckedStandardOutput();
  CheckedStandardOutput(const CheckedStandardOutput&) = delete;
  CheckedStandardOutput& operator=(const CheckedStandardOutput&) = delete;

  // Flushes std::cout; an Error "cannot write to standard output: <errno's
  // text>" if this or any earlier write to it failed.
  Status finish();

 private:
  FdOutputBuffer buffer_;
  std::streambuf* previous_;
};

}  // namespace vic::tools
