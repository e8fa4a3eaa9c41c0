// Every input saved in fuzz/regressions/<target>/ (a crash, hang or sanitizer
// report the fuzzers found, minimised) replays through its target's entry
// point (tools vic_fuzz_replay, fuzz/harness.h) in a child process, which must
// exit 0 with the input accepted or cleanly rejected, within a time limit.
// For the compile target the saved input is the generated program itself,
// NAME.vmodel with its data in NAME.json.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "fuzz/harness.h"

namespace vic::fuzz {
namespace {

namespace fs = std::filesystem;

// Regressions whose bug is not fixed yet, "target/file" -> where the fix
// belongs. They must still fail; delete the line when the fix lands.
struct KnownFailure {
  const char* fix;
  // Undefined behaviour that only a sanitizer build reports (UBSan): the
  // replay is skipped, as the normal build may or may not notice.
  bool sanitizers_only = false;
};
const std::map<std::string, KnownFailure> kKnownFailures = {};

const fs::path kRegressions = fs::path(VIC_SOURCE_DIR) / "fuzz" / "regressions";

// "target/file" for every saved input.
std::vector<std::string> regression_inputs() {
  std::vector<std::string> out;
  std::error_code ignored;
  for (const fs::directory_entry& dir : fs::directory_iterator(kRegressions, ignored)) {
    if (!dir.is_directory()) continue;
    for (const fs::directory_entry& file : fs::directory_iterator(dir.path(), ignored)) {
      const std::string target = dir.path().filename().string();
      if (target == "compile" && file.path().extension() != ".vmodel") continue;
      out.push_back(target + "/" + file.path().filename().string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Replay {
  bool exited_zero;
  std::string output;
};

Replay replay(const std::string& input) {
  const std::string target = input.substr(0, input.find('/'));
  const fs::path out = fs::temp_directory_path() / ("vic_fuzz_regression_" + std::to_string(::getpid()) + ".txt");
  const std::string command = "timeout 20 '" + std::string(VIC_FUZZ_REPLAY) + "' " + target + " '" +
                              (kRegressions / input).string() + "' >'" + out.string() + "' 2>&1";
  const int raw = std::system(command.c_str());
  Replay r{WIFEXITED(raw) && WEXITSTATUS(raw) == 0, read_text(out)};
  fs::remove(out);
  return r;
}

class Regression : public testing::TestWithParam<std::string> {};

TEST_P(Regression, ReplaysWithoutCrashing) {
  const std::string& input = GetParam();
  auto known = kKnownFailures.find(input);
  if (known != kKnownFailures.end() && known->second.sanitizers_only) {
    GTEST_SKIP() << "undefined behaviour that only a sanitizer build reports; fix: " << known->second.fix;
  }
  const Replay r = replay(input);
  const bool handled = r.exited_zero && (r.output.find(": accepted") != std::string::npos ||
                                         r.output.find(": rejected: ") != std::string::npos);
  if (known != kKnownFailures.end()) {
    EXPECT_FALSE(handled) << input << " no longer fails: its fix (" << known->second.fix
                          << ") landed, so delete it from kKnownFailures";
    return;
  }
  EXPECT_TRUE(handled) << input << " did not replay cleanly:\n" << r.output;
}

INSTANTIATE_TEST_SUITE_P(Fuzz, Regression, testing::ValuesIn(regression_inputs()),
                         [](const testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           for (char& ch : name)
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return name;
                         });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(Regression);

TEST(Regressions, EachFolderIsATargetAndEachKnownFailureExists) {
  std::error_code ignored;
  for (const fs::directory_entry& dir : fs::directory_iterator(kRegressions, ignored)) {
    if (dir.is_directory()) {
      EXPECT_NE(find_target(dir.path().filename().string()), nullptr) << dir.path() << " names no fuzz target";
    }
  }
  const std::vector<std::string> inputs = regression_inputs();
  for (const auto& known : kKnownFailures) {
    EXPECT_NE(std::find(inputs.begin(), inputs.end(), known.first), inputs.end())
        << known.first << " is not in fuzz/regressions";
  }
  for (const std::string& input : inputs) {
    if (input.rfind("compile/", 0) == 0) {
      fs::path json = kRegressions / input;
      EXPECT_TRUE(fs::exists(json.replace_extension(".json"))) << input << " has no data file beside it";
    }
  }
}

}  // namespace
}  // namespace vic::fuzz
