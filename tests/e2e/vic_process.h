// Running the built `vic` binary from the end-to-end tests without a shell:
// in a scratch directory, with its exit status or the signal that ended it,
// its stderr, and its stdout captured or sent to a given file (/dev/full).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace vic::testing_util {

// A fresh directory under the system's temporary directory, removed (with
// write permission restored) when the object goes.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& name);
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // Writes `text` to the file `name` in the directory.
  void write(const std::string& name, const std::string& text) const;
  // The content of the file `name` in the directory ("" if it cannot be read).
  std::string read(const std::string& name) const;
  // The names in the directory, sorted.
  std::vector<std::string> entries() const;

 private:
  std::filesystem::path path_;
};

// How a run of vic ended.
struct VicRun {
  // The exit status, or -1 when a signal ended it.
  int status = -1;
  // The signal that ended it, or 0.
  int signal = 0;
  std::string out;
  std::string err;
};

// Resource limits for the child process; 0 means none.
struct ProcessLimits {
  // Virtual memory (RLIMIT_AS), so that a large allocation fails.
  uint64_t address_space_bytes = 0;
  // The size any file may grow to (RLIMIT_FSIZE, with SIGXFSZ ignored), so
  // that a write past it fails with EFBIG, as a full disk fails with ENOSPC.
  uint64_t file_size_bytes = 0;
};

// Runs `vic args...` in `dir`. Stdout goes to `stdout_path` when given (then
// `out` stays empty), else it is captured. A `launcher` (an absolute path and
// options, e.g. valgrind's) runs vic when given.
VicRun run_vic(const std::filesystem::path& dir, const std::vector<std::string>& args,
               const std::string& stdout_path = "", const ProcessLimits& limits = {},
               const std::vector<std::string>& launcher = {});

// Runs `vic args...` in a fresh scratch directory holding `files` (name, text).
VicRun run_vic_with_files(const std::vector<std::string>& args,
                          const std::vector<std::pair<std::string, std::string>>& files,
                          const ProcessLimits& limits = {}, const std::vector<std::string>& launcher = {});

// A model that converges (its ELBO is far from 0, so Stan's relative
// tolerance can be met) and fits in milliseconds.
inline constexpr const char* kConvergingModel =
    "parameters {\n  real mu;\n}\nmodel {\n  mu ~ normal(1, 2);\n  target += -100;\n}\n";

// Starts `vic args...` in `dir` with stdout and stderr to /dev/null and
// returns its process id, for a test that signals it.
pid_t start_vic(const std::filesystem::path& dir, const std::vector<std::string>& args);

// Waits for `pid` to end; fills status and signal.
VicRun wait_for_vic(pid_t pid);

}  // namespace vic::testing_util
