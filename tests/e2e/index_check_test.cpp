// Checks that stop: a data index out of range ends the evaluation at its check,
// before the access it guards, and `vic fit` and `vic gradcheck` report the
// check with its source line. Run under valgrind when it is installed, which
// sees any invalid read or write (ASan cannot see into JIT-compiled code); the
// JIT's bounds assertions, on in every ctest run, catch one otherwise.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>

#include "vic_process.h"

namespace vic {
namespace {

using testing_util::VicRun;

// valgrind's path, or "" when it is not on PATH.
std::string find_valgrind() {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    std::filesystem::path candidate = std::filesystem::path(dir) / "valgrind";
    if (!dir.empty() && std::filesystem::exists(candidate)) return candidate.string();
  }
  return "";
}

// valgrind, quiet unless it finds an error, which makes the exit status 99.
// Not in the sanitizer build: an ASan binary cannot run under valgrind, and
// ASan with the JIT's bounds assertions checks the same accesses there.
std::vector<std::string> memory_checker() {
#if defined(__SANITIZE_ADDRESS__)
  return {};
#endif
  std::string valgrind = find_valgrind();
  if (valgrind.empty()) return {};
  return {valgrind, "--quiet", "--error-exitcode=99"};
}

constexpr const char* kModel = R"(data { int N; array[N] int idx; vector[2] y; }
parameters { vector[2] b; }
model { for (n in 1:N) y[idx[n]] ~ normal(b[idx[n]], 1); }
)";

constexpr const char* kOutOfRange =
    "error: m.vmodel:3:29: index out of range; it depends on the data alone, so it fails at every value of the "
    "parameters\n";

VicRun run(const std::string& command, const std::string& idx) {
  std::string json = R"({"N": 2, "idx": )" + idx + R"(, "y": [0.5, 1.5]})";
  std::vector<std::string> args{command, "m.vmodel", "--data", "d.json"};
  if (command == "fit") args.push_back("--quiet");
  return testing_util::run_vic_with_files(args, {{"m.vmodel", kModel}, {"d.json", json}}, {}, memory_checker());
}

TEST(IndexCheck, JustPastTheEndStopsFit) {
  VicRun r = run("fit", "[1, 3]");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, kOutOfRange);
}

TEST(IndexCheck, JustPastTheEndStopsGradcheck) {
  VicRun r = run("gradcheck", "[1, 3]");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, kOutOfRange);
}

TEST(IndexCheck, FarPastTheEndStopsFit) {
  VicRun r = run("fit", "[1, 100000000]");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, kOutOfRange);
}

TEST(IndexCheck, FarPastTheEndStopsGradcheck) {
  VicRun r = run("gradcheck", "[1, 100000000]");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, kOutOfRange);
}

TEST(IndexCheck, InRangeRunsClean) {
  // The same model with good indices: the checker finds nothing either.
  VicRun r = run("gradcheck", "[1, 2]");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
}

// The index check under a branch on a parameter: it passes at the origin,
// where the data are bound, and fails during the fit and the gradient check,
// in the log density and its gradient, thousands of times without an invalid
// access (valgrind's status would be 99, a bounds assertion's a signal).
constexpr const char* kBranchModel = R"(data { int N; array[N] int idx; vector[2] y; }
parameters { vector[2] b; }
model {
  b ~ normal(0, 1);
  for (n in 1:N) if (b[1] > 0.5) y[idx[n]] ~ normal(b[idx[n]], 1);
}
)";

VicRun run_branch_model(const std::vector<std::string>& args) {
  std::vector<std::string> all = args;
  all.insert(all.begin() + 1, {"m.vmodel", "--data", "d.json"});
  return testing_util::run_vic_with_files(
      all, {{"m.vmodel", kBranchModel}, {"d.json", R"({"N": 2, "idx": [1, 100000000], "y": [0.5, 1.5]})"}}, {},
      memory_checker());
}

TEST(IndexCheck, UnderAParameterBranchStopsGradcheck) {
  VicRun r = run_branch_model({"gradcheck"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err,
            "error: the log density cannot be evaluated at the random point: m.vmodel:5:39: index out of range\n");
}

// An index out of range is not a rejected draw (Stan throws std::out_of_range,
// not a domain error): the first evaluation that meets it ends the fit with its
// message, as CmdStan's does.
TEST(IndexCheck, UnderAParameterBranchEndsTheFit) {
  VicRun r = run_branch_model({"fit", "--quiet", "--iter", "1000"});
  EXPECT_EQ(r.signal, 0);
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_EQ(r.err, "error: m.vmodel:5:39: index out of range\n");
}

}  // namespace
}  // namespace vic
