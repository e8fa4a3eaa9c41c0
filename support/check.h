// VIC_CHECK: internal invariants. A failed check is a bug in vic, never a user
// mistake (those are diagnostics), so it prints the message and aborts.
#pragma once

#include <cstdlib>
#include <iostream>
#include <sstream>

namespace vic::internal {

// Collects the streamed message and aborts when destroyed.
class CheckFailure {
 public:
  CheckFailure(const char* cond, const char* file, int line) {
    stream_ << file << ":" << line << ": internal error: check `" << cond << "` failed: ";
  }
  [[noreturn]] ~CheckFailure() {
    std::cerr << stream_.str() << "\n";
    std::abort();
  }
  template <typename T>
  CheckFailure& operator<<(const T& v) {
    stream_ << v;
    return *this;
  }

 private:
  std::ostringstream stream_;
};

}  // namespace vic::internal

#define VIC_CHECK(cond) \
  if (cond) {           \
  } else                \
    ::vic::internal::CheckFailure(#cond, __FILE__, __LINE__)

#define VIC_UNREACHABLE() ::vic::internal::CheckFailure("unreachable", __FILE__, __LINE__)
