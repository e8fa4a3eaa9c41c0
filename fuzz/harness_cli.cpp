// The command-line target: bytes as the words of a `vic` command line (one
// word per line), run through the command's own entry point (vic_main,
// tools/vic_main.h, what the binary's main() runs) inside a scratch
// directory that holds a few fixed model and data files. The words may name
// only files in that directory (no '/'), and a fit may ask for only a bounded
// amount of work, so that output never lands outside it and an input cannot
// stall the fuzzer. Every run restores the fixed files and removes the rest.
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include "fuzz/harness.h"
#include "tools/vic_main.h"

namespace vic::fuzz {
namespace {

namespace fs = std::filesystem;

const std::map<std::string, std::string>& fixed_files() {
  static const std::map<std::string, std::string> files = {
      // Eight schools, as in examples/.
      {"m.vmodel", R"(data {
  int<lower=0> J;
  array[J] real y;
  array[J] real<lower=0> sigma;
}
parameters {
  vector[J] theta_trans;
  real mu;
  real<lower=0> tau;
}
transformed parameters {
  vector[J] theta = mu + tau * theta_trans;
}
model {
  theta_trans ~ normal(0, 1);
  y ~ normal(theta, sigma);
  mu ~ normal(0, 5);
  tau ~ cauchy(0, 5);
}
)"},
      {"d.json", R"({"J": 8, "y": [28, 8, -3, 7, -1, 1, 18, 12], "sigma": [15, 10, 16, 11, 9, 11, 10, 18]})"},
      // Wrong sizes for eight schools.
      {"b.json", R"({"J": 3, "y": [1, 2], "sigma": [1, 1, -1]})"},
      // Generated quantities with a draw.
      {"g.vmodel", R"(data {
  int<lower=0> N;
  vector[N] y;
}
parameters {
  real mu;
  real<lower=0> sigma;
}
model {
  y ~ normal(mu, sigma);
  mu ~ normal(0, 10);
  sigma ~ exponential(1);
}
generated quantities {
  real y_rep = normal_rng(mu, sigma);
}
)"},
      {"g.json", R"({"N": 3, "y": [0.5, -1, 2]})"},
      // No data.
      {"n.vmodel", "parameters {\n  real mu;\n}\nmodel {\n  mu ~ normal(0, 1);\n}\n"},
      // A domain error at every point.
      {"x.vmodel", "parameters {\n  real mu;\n}\nmodel {\n  mu ~ normal(0, -1);\n}\n"},
      // A syntax error.
      {"e.vmodel", "parameters {\n  real mu\n}\n"},
  };
  return files;
}

// The scratch directory, created on the first call and made the working
// directory; removed when the process exits.
const fs::path& scratch_directory() {
  static const fs::path* dir = [] {
    std::string pattern = (fs::temp_directory_path() / "vic-fuzz-cli-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) report_bug("cannot create a scratch directory");
    fs::current_path(pattern);
    return new fs::path(pattern);
  }();
  static const bool cleanup_registered = [] {
    std::atexit([] {
      std::error_code ignored;
      fs::remove_all(*dir, ignored);
    });
    return true;
  }();
  (void)cleanup_registered;
  return *dir;
}

void reset_scratch_directory() {
  const fs::path& dir = scratch_directory();
  std::error_code ignored;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir, ignored)) {
    if (!fixed_files().count(entry.path().filename().string())) fs::remove_all(entry.path(), ignored);
  }
  for (const auto& [name, text] : fixed_files()) std::ofstream(dir / name, std::ios::binary | std::ios::trunc) << text;
}

// The options that set how much work a fit does, and the largest value allowed.
constexpr const char* kWorkOptions[] = {"--iter",         "--draws",     "--grad-samples",
                                        "--elbo-samples", "--eval-elbo", "--adapt-iter"};
constexpr double kMaxWork = 100;

// Whether CLI11 can read no number above kMaxWork (in magnitude) from the value.
bool bounded_value(const std::string& value) {
  if (value.find_first_of("0123456789") == std::string::npos) return true;
  char* end = nullptr;
  const double x = std::strtod(value.c_str(), &end);
  return end == value.c_str() + value.size() && std::isfinite(x) && std::fabs(x) <= kMaxWork;
}

// Why the command line must not run, or empty when it may.
std::string unsafe_reason(const std::vector<std::string>& words) {
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string& w = words[i];
    if (w.find('/') != std::string::npos) return "a path outside the scratch directory";
    for (const char* option : kWorkOptions) {
      const std::string name = option;
      if (w == name && i + 1 < words.size() && !bounded_value(words[i + 1])) return name + " too large";
      if (w.rfind(name + "=", 0) == 0 && !bounded_value(w.substr(name.size() + 1))) return name + " too large";
    }
  }
  return "";
}

}  // namespace

RunResult run_cli_input(const uint8_t* data, size_t size) {
  std::vector<std::string> words;
  std::string word;
  for (size_t i = 0; i < size; ++i) {
    if (data[i] == '\n') {
      words.push_back(word);
      word.clear();
    } else {
      word += static_cast<char>(data[i]);
    }
  }
  if (size > 0) words.push_back(word);
  if (std::string reason = unsafe_reason(words); !reason.empty()) return {Verdict::Skipped, reason};

  reset_scratch_directory();
  std::vector<std::string> args = {"vic"};
  args.insert(args.end(), words.begin(), words.end());
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const int status = tools::vic_main(static_cast<int>(args.size()), argv.data());
  if (status < 0 || status > 3) report_bug("vic exited with status " + std::to_string(status) + ", not 0-3");
  return {status == 0 ? Verdict::Accepted : Verdict::Rejected, "exit status " + std::to_string(status)};
}

}  // namespace vic::fuzz
