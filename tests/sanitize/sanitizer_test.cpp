// What the sanitizer build (cmake/Sanitizers.cmake) promises, checked: a
// finding of each sanitizer ends the process with its report and exit status
// 70 (cmake/sanitizer_options.cpp), so it fails the test that triggered it, and
// the `vic` binary that the end-to-end tests run is instrumented as well. Each
// bad operation below runs in a death-test child process.
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

namespace vic {
namespace {

constexpr int kSanitizerExitCode = 70;

// A value read through volatile, so that the compiler cannot fold the bad
// operation away or reject it at compile time.
template <typename T>
T opaque(T v) {
  volatile T x = v;
  return x;
}

#if VIC_TEST_ADDRESS
// The combined stdout and stderr of a shell command.
std::string command_output(const std::string& command) {
  std::string text;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return text;
  char buffer[4096];
  for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) text.append(buffer, n);
  ::pclose(pipe);
  return text;
}

// p[i] = 1, out of sight of UBSan's object-size check, which would report an
// overflow of a visible allocation before ASan does.
__attribute__((noinline, no_sanitize("object-size"))) void store_one_at(int* p, int i) { p[i] = 1; }

TEST(AddressSanitizer, HeapBufferOverflowEndsTheProcessWithStatus70) {
  EXPECT_EXIT(
      {
        int* p = new int[4];
        store_one_at(p, opaque(4));
        delete[] p;
        std::exit(0);
      },
      testing::ExitedWithCode(kSanitizerExitCode), "ERROR: AddressSanitizer: heap-buffer-overflow");
}

TEST(AddressSanitizer, UseAfterFreeEndsTheProcessWithStatus70) {
  EXPECT_EXIT(
      {
        int* volatile p = new int[4];  // volatile: GCC would see, and warn about, the use after free
        delete[] p;
        std::exit(p[1]);
      },
      testing::ExitedWithCode(kSanitizerExitCode), "ERROR: AddressSanitizer: heap-use-after-free");
}

// Allocates and drops the only pointer; its frame is gone when the leak check runs.
__attribute__((noinline)) void leak_an_allocation() {
  volatile int* p = new int[opaque(1000)];
  p[0] = 1;
}

TEST(LeakSanitizer, ALeakAtExitEndsTheProcessWithStatus70) {
  EXPECT_EXIT(
      {
        leak_an_allocation();
        std::exit(0);
      },
      testing::ExitedWithCode(kSanitizerExitCode), "ERROR: LeakSanitizer: detected memory leaks");
}

// `vic` reads ASAN_OPTIONS: help=1 lists the flags with their values, the exit
// status from cmake/sanitizer_options.cpp among them.
TEST(AddressSanitizer, TheVicBinaryIsInstrumentedWithTheDefaultOptions) {
  std::string out = command_output("ASAN_OPTIONS=help=1 " VIC_BINARY " --version");
  EXPECT_NE(out.find("Available flags for AddressSanitizer:"), std::string::npos) << out;
  EXPECT_NE(
      out.find("\texitcode\n\t\t- Override the program exit status if the tool found an error (Current Value: 70)\n"),
      std::string::npos)
      << out;
}
#endif

#if VIC_TEST_UNDEFINED
// The bytes of a file.
std::string read_binary(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(UndefinedBehaviorSanitizer, SignedOverflowEndsTheProcessWithStatus70) {
  EXPECT_EXIT(std::exit(opaque(INT_MAX) + 1), testing::ExitedWithCode(kSanitizerExitCode),
              "runtime error: signed integer overflow: 2147483647 \\+ 1 cannot be represented in type 'int'");
}

TEST(UndefinedBehaviorSanitizer, OutOfRangeFloatToIntConversionEndsTheProcessWithStatus70) {
  EXPECT_EXIT(std::exit(static_cast<int>(opaque(1e300))), testing::ExitedWithCode(kSanitizerExitCode),
              "runtime error: 1e\\+300 is outside the range of representable values of type 'int'");
}

// UBSan starts only at its first finding, so ask the binary itself: it holds the
// default options and calls the handlers that do not return.
TEST(UndefinedBehaviorSanitizer, TheVicBinaryIsInstrumentedWithTheDefaultOptions) {
  std::string binary = read_binary(VIC_BINARY);
  ASSERT_FALSE(binary.empty()) << "cannot read " << VIC_BINARY;
  EXPECT_NE(binary.find("__ubsan_default_options"), std::string::npos);
  EXPECT_NE(binary.find("__ubsan_handle_add_overflow_abort"), std::string::npos);
}
#endif

}  // namespace
}  // namespace vic
