// CheckedStandardOutput (tools/standard_output.h).
#include "tools/standard_output.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>

namespace vic::tools {

CheckedStandardOutput::CheckedStandardOutput() : buffer_(STDOUT_FILENO), previous_(std::cout.rdbuf(&buffer_)) {}

CheckedStandardOutput::~CheckedStandardOutput() {
  std::cout.flush();
  std::cout.rdbuf(previous_);
}

Status CheckedStandardOutput::finish() {
  std::cout.flush();
  int error = buffer_.error();
  if (error == 0 && !std::cout) error = EIO;
  if (error != 0) return Error{std::string("cannot write to standard output: ") + std::strerror(error)};
  return Status::ok();
}

}  // namespace vic::tools
