// ScratchDir and the fork/exec runner of tests/e2e/vic_process.h.
#include "vic_process.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <fstream>
#include <sstream>

namespace vic::testing_util {

namespace fs = std::filesystem;

namespace {

std::string read_path(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// In the child: cd to `dir`, redirect stdout and stderr, exec vic (through
// `launcher`, a program and its options, when one is given).
[[noreturn]] void exec_vic(const fs::path& dir, const std::vector<std::string>& args, const std::string& stdout_path,
                           const std::string& stderr_path, const ProcessLimits& limits = {},
                           const std::vector<std::string>& launcher = {}) {
  if (::chdir(dir.c_str()) != 0) ::_exit(126);
  auto set_limit = [](int resource, uint64_t bytes) {
    struct rlimit limit {};
    limit.rlim_cur = limit.rlim_max = bytes;
    if (::setrlimit(resource, &limit) != 0) ::_exit(126);
  };
  if (limits.address_space_bytes > 0) set_limit(RLIMIT_AS, limits.address_space_bytes);
  if (limits.file_size_bytes > 0) {
    ::signal(SIGXFSZ, SIG_IGN);
    set_limit(RLIMIT_FSIZE, limits.file_size_bytes);
  }
  int out = ::open(stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  int err = ::open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (out < 0 || err < 0 || ::dup2(out, STDOUT_FILENO) < 0 || ::dup2(err, STDERR_FILENO) < 0) ::_exit(126);
  std::vector<std::string> copies = launcher;
  copies.push_back(VIC_BINARY);
  copies.insert(copies.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& arg : copies) argv.push_back(arg.data());
  argv.push_back(nullptr);
  ::execv(copies[0].c_str(), argv.data());
  ::_exit(127);
}

}  // namespace

ScratchDir::ScratchDir(const std::string& name) {
  static std::atomic<int> counter{0};
  path_ =
      fs::temp_directory_path() / ("vic_" + name + "_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
  fs::remove_all(path_);
  fs::create_directories(path_);
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  for (const auto& entry : fs::recursive_directory_iterator(path_, ec)) {
    if (entry.is_directory(ec)) fs::permissions(entry.path(), fs::perms::owner_all, fs::perm_options::add, ec);
  }
  fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ec);
  fs::remove_all(path_, ec);
}

void ScratchDir::write(const std::string& name, const std::string& text) const {
  std::ofstream(path_ / name, std::ios::binary) << text;
}

std::string ScratchDir::read(const std::string& name) const { return read_path(path_ / name); }

std::vector<std::string> ScratchDir::entries() const {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(path_)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

VicRun run_vic(const fs::path& dir, const std::vector<std::string>& args, const std::string& stdout_path,
               const ProcessLimits& limits, const std::vector<std::string>& launcher) {
  // The captured streams live beside the scratch directory, not in it, so
  // tests can list the directory's files.
  std::string capture = dir.string() + ".capture";
  std::string out_path = stdout_path.empty() ? capture + ".out" : stdout_path;
  std::string err_path = capture + ".err";
  pid_t pid = ::fork();
  if (pid == 0) exec_vic(dir, args, out_path, err_path, limits, launcher);
  VicRun run = wait_for_vic(pid);
  if (stdout_path.empty()) run.out = read_path(out_path);
  run.err = read_path(err_path);
  std::error_code ec;
  fs::remove(capture + ".out", ec);
  fs::remove(err_path, ec);
  return run;
}

pid_t start_vic(const fs::path& dir, const std::vector<std::string>& args) {
  pid_t pid = ::fork();
  if (pid == 0) exec_vic(dir, args, "/dev/null", "/dev/null");
  return pid;
}

VicRun wait_for_vic(pid_t pid) {
  VicRun run;
  int raw = 0;
  if (pid < 0 || ::waitpid(pid, &raw, 0) != pid) return run;
  if (WIFEXITED(raw)) run.status = WEXITSTATUS(raw);
  if (WIFSIGNALED(raw)) run.signal = WTERMSIG(raw);
  return run;
}

VicRun run_vic_with_files(const std::vector<std::string>& args,
                          const std::vector<std::pair<std::string, std::string>>& files, const ProcessLimits& limits,
                          const std::vector<std::string>& launcher) {
  ScratchDir dir("vic_run");
  for (const auto& [name, text] : files) dir.write(name, text);
  return run_vic(dir.path(), args, "", limits, launcher);
}

}  // namespace vic::testing_util
