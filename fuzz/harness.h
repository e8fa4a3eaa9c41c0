// The fuzz targets' entry points, one per target, shared by the libFuzzer
// binaries (fuzz_<target>.cpp, clang only) and by the replay tool and tests of
// the normal build (replay.cpp, tests/fuzz/), so that a saved input runs the
// same code everywhere. Each entry runs one input through vic and returns
// normally when vic handled it, whether vic accepted it or reported a clean
// error; a crash, a sanitizer report, or a broken promise of vic's (an error
// without a message, an exit status outside 0-3, a generated program that
// fails `vic check`) ends the process through report_bug.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/choices.h"

namespace vic::fuzz {

// What happened to one input.
enum class Verdict {
  Accepted,  // vic took it (the model checked, the data was read, the command exited 0)
  Rejected,  // vic reported a clean error (diagnostics, an error message, exit status 1-3)
  Skipped,   // the harness did not run it (a known bug another change fixes, or an unsafe command line)
};

struct RunResult {
  Verdict verdict = Verdict::Accepted;
  std::string detail;  // the first line of vic's error, or why the input was skipped
};

// The bytes as a .vmodel source: parsed and checked as `vic check` does and,
// when that succeeds, lowered to IR and printed.
RunResult run_frontend_input(const uint8_t* data, size_t size);

// The bytes as Stan JSON, read against a fixed model's data declarations
// (ints, reals, bounds, vectors, arrays, sizes from the data).
RunResult run_data_input(const uint8_t* data, size_t size);

// The bytes as the vic command line (words separated by newlines), run in a
// scratch directory holding fixed model and data files. Inputs whose words
// contain '/' or ask a fit for more than a bounded amount of work are skipped.
RunResult run_cli_input(const uint8_t* data, size_t size);

// The bytes drive the program generator; the program and its data go through
// the whole pipeline (check, data, lower, passes, AD, JIT) and the compiled
// model is evaluated (lp_grad, lp, constrain) at a point the bytes choose.
RunResult run_compile_input(const uint8_t* data, size_t size);

// run_compile_input after the generator: a program and its data, evaluated at
// a point drawn from `point`. The compile target's regressions are saved as
// such programs (the generator's byte mapping may change; their text does not).
RunResult run_compile_program(const std::string& model, const std::string& data_json, ChoiceSource& point);

// The program and data JSON that run_compile_input generates from the bytes.
std::string describe_compile_input(const uint8_t* data, size_t size);

// A fuzz target: its name (frontend, data, cli, compile) and entry point.
struct Target {
  const char* name;
  RunResult (*run)(const uint8_t* data, size_t size);
};
const std::vector<Target>& all_targets();
const Target* find_target(std::string_view name);

// "accepted", "rejected", "skipped".
const char* verdict_name(Verdict verdict);

// Prints "vic fuzz: bug: <what>" on stderr and aborts, so that libFuzzer keeps
// the input as a crash.
[[noreturn]] void report_bug(const std::string& what);

// The first line of a message, for RunResult::detail.
std::string first_line(std::string_view text);

}  // namespace vic::fuzz
