// `vic fit`'s output file through the binary: errors name the file with
// errno's text, an output that is one of the inputs is refused, a failure or
// a kill leaves the previous file byte for byte and no temporary file, and
// two fits writing one file never interleave.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <sstream>
#include <nlohmann/json.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <thread>

#include "vic_process.h"

namespace vic {
namespace {

namespace fs = std::filesystem;
using testing_util::run_vic;
using testing_util::ScratchDir;
using testing_util::VicRun;

// A model that converges (its ELBO is far from 0, so Stan's relative
// tolerance can be met) and fits in milliseconds.
const char* kModel = "parameters {\n  real mu;\n}\nmodel {\n  mu ~ normal(1, 2);\n  target += -100;\n}\n";
const char* kPrevious = "previous draws, to be kept\n";

// A model whose every density evaluation loops n times (n from the data):
// slow enough to be signalled mid-fit.
const char* kSlowModel =
    "data {\n  int n;\n}\nparameters {\n  real mu;\n}\nmodel {\n  for (i in 1:n) {\n"
    "    target += -0.5 * square(mu - 1) / n;\n  }\n  target += -100;\n}\n";

// A scratch directory with m.vmodel and an existing fit.csv.
struct FitDir : ScratchDir {
  FitDir() : ScratchDir("fit_output") {
    write("m.vmodel", kModel);
    write("fit.csv", kPrevious);
  }
};

TEST(FitOutput, ANewFileIsCompleteAndNothingElseIsLeft) {
  FitDir dir;
  VicRun r = run_vic(dir.path(), {"fit", "m.vmodel", "--quiet", "--draws", "10", "--output", "new.csv"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(dir.entries(), (std::vector<std::string>{"fit.csv", "m.vmodel", "new.csv"}));
  std::string csv = dir.read("new.csv");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n') - std::count(csv.begin(), csv.end(), '#'), 12);
}

TEST(FitOutput, AFullDeviceSaysNoSpace) {
  FitDir dir;
  VicRun r = run_vic(dir.path(), {"fit", "m.vmodel", "--quiet", "--output", "/dev/full"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "error: cannot write '/dev/full': No space left on device\n");
}

TEST(FitOutput, AMissingDirectorySaysSo) {
  FitDir dir;
  VicRun r = run_vic(dir.path(), {"fit", "m.vmodel", "--quiet", "--output", "no_such_dir/fit.csv"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "error: cannot write 'no_such_dir/fit.csv': No such file or directory\n");
  EXPECT_EQ(dir.entries(), (std::vector<std::string>{"fit.csv", "m.vmodel"}));
}

TEST(FitOutput, AReadOnlyDirectoryLeavesThePreviousFile) {
  if (::geteuid() == 0) GTEST_SKIP() << "running as root: a read-only directory does not stop root's writes";
  FitDir dir;
  fs::create_directory(dir.path() / "ro");
  dir.write("ro/fit.csv", kPrevious);
  ASSERT_EQ(::chmod((dir.path() / "ro").c_str(), 0555), 0);
  VicRun r = run_vic(dir.path(), {"fit", "m.vmodel", "--quiet", "--output", "ro/fit.csv"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "error: cannot write 'ro/fit.csv': Permission denied\n");
  EXPECT_EQ(dir.read("ro/fit.csv"), kPrevious);
}

TEST(FitOutput, AWriteThatFailsMidwayLeavesThePreviousFile) {
  // Files may not grow past 4 KiB: the CSV's write fails partway, as on a
  // full disk (EFBIG here, ENOSPC there), even for root.
  FitDir dir;
  VicRun r = run_vic(dir.path(), {"fit", "m.vmodel", "--quiet", "--output", "fit.csv"}, "", {.file_size_bytes = 4096});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "error: cannot write 'fit.csv': File too large\n");
  EXPECT_EQ(dir.read("fit.csv"), kPrevious);
  EXPECT_EQ(dir.entries(), (std::vector<std::string>{"fit.csv", "m.vmodel"}));
}

TEST(FitOutput, AFailedFitLeavesThePreviousFile) {
  FitDir dir;
  // The scale comes from the data, so the failure comes when the data is bound,
  // after the output file was opened.
  dir.write("bad.vmodel", "data {\n  real s;\n}\nparameters {\n  real mu;\n}\nmodel {\n  mu ~ normal(0, s);\n}\n");
  dir.write("d.json", "{\"s\": -1}");
  VicRun r = run_vic(dir.path(), {"fit", "bad.vmodel", "--data", "d.json", "--quiet", "--output", "fit.csv"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err,
            "error: bad.vmodel:8:18: normal_lpdf: Scale parameter must be positive; it depends on the data alone, so "
            "it fails at every value of the parameters\n");
  EXPECT_EQ(dir.read("fit.csv"), kPrevious);
  EXPECT_EQ(dir.entries(), (std::vector<std::string>{"bad.vmodel", "d.json", "fit.csv", "m.vmodel"}));
}

TEST(FitOutput, SummaryJsonAndDiagnosticFile) {
  FitDir dir;
  VicRun r = run_vic(dir.path(), {"fit", "m.vmodel", "--quiet", "--output", "fit.csv", "--summary-json", "s.json",
                                  "--diagnostic-file", "trace.csv"});
  ASSERT_EQ(r.status, 0) << r.err;
  nlohmann::json summary = nlohmann::json::parse(dir.read("s.json"));
  EXPECT_EQ(summary["algorithm"], "fullrank");
  EXPECT_EQ(summary["draws"], 1000);
  EXPECT_EQ(summary["trusted"], true);
  EXPECT_TRUE(summary["untrusted_reasons"].empty());
  EXPECT_LT(summary["pareto_k_hat"].get<double>(), 0.7);
  // A Gaussian posterior fitted by a Gaussian: the weights are nearly equal.
  EXPECT_GT(summary["psis_ess"].get<double>(), 3900);
  EXPECT_LE(summary["psis_ess"].get<double>(), 4000 * (1 + 1e-12));
  // mu ~ normal(1, 2).
  EXPECT_NEAR(summary["summary"]["mu"]["mean"].get<double>(), 1.0, 0.3);
  EXPECT_NEAR(summary["summary"]["mu"]["sd"].get<double>(), 2.0, 0.2);
  const std::string trace = dir.read("trace.csv");
  EXPECT_EQ(trace.substr(0, trace.find('\n')), "iteration,elbo,step");
  EXPECT_GT(std::count(trace.begin(), trace.end(), '\n'), 2);

  VicRun clash = run_vic(dir.path(), {"fit", "m.vmodel", "--quiet", "--summary-json", "m.vmodel"});
  EXPECT_EQ(clash.status, 2);
  EXPECT_EQ(clash.err, "error: --summary-json 'm.vmodel' is the model file; refusing to overwrite it\n");
}

// --psis-resample: the draws become draws of the same rows, chosen by their
// importance weights, for every algorithm (multi-path Pathfinder's already are).
TEST(FitOutput, PsisResampleDrawsFromTheDrawsRows) {
  FitDir dir;
  auto rows = [](const std::string& csv) {
    std::vector<std::string> out;
    std::istringstream in(csv);
    for (std::string line; std::getline(in, line);)
      if (!line.empty() && line[0] != '#') out.push_back(line);
    return out;
  };
  for (std::vector<std::string> algorithm : {std::vector<std::string>{"--algorithm", "fullrank"},
                                             {"--algorithm", "stan-meanfield"}, {"--algorithm", "laplace"},
                                             {"--algorithm", "pathfinder", "--paths", "1"},
                                             {"--algorithm", "pathfinder"}}) {
    std::vector<std::string> args = {"fit", "m.vmodel", "--quiet", "--seed", "3", "--output", "plain.csv"};
    args.insert(args.end(), algorithm.begin(), algorithm.end());
    ASSERT_EQ(run_vic(dir.path(), args).status, 0) << algorithm[1];
    args[6] = "resampled.csv";
    args.push_back("--psis-resample");
    VicRun r = run_vic(dir.path(), args);
    ASSERT_EQ(r.status, 0) << algorithm[1] << ": " << r.err;
    std::vector<std::string> plain = rows(dir.read("plain.csv")), resampled = rows(dir.read("resampled.csv"));
    ASSERT_EQ(plain.size(), resampled.size()) << algorithm[1];
    std::set<std::string> originals(plain.begin(), plain.end());
    for (const std::string& row : resampled) EXPECT_TRUE(originals.count(row)) << algorithm[1] << ": " << row;
    EXPECT_EQ(plain[0], resampled[0]) << "the header";
  }
}

// --compiled-elbo estimates each gradient in one call of the compiled ELBO,
// from the same draws: Stan's ADVI gives the same CSV byte for byte (one draw
// per gradient), vic's VI the same fit up to the order of its sums.
TEST(FitOutput, TheCompiledElboGivesTheSameFit) {
  FitDir dir;
  dir.write("hier.vmodel",
            "parameters {\n  real mu;\n  real<lower=0> tau;\n  vector[3] z;\n}\nmodel {\n  mu ~ normal(0, 5);\n"
            "  tau ~ normal(0, 2);\n  z ~ normal(mu, tau);\n  target += -100;\n}\n");
  auto fit = [&](const std::string& algorithm, bool compiled) {
    // (A funnel-like posterior: its k-hat may be poor, which is not the point here.)
    std::vector<std::string> args = {"fit", "hier.vmodel", "--quiet", "--seed", "2", "--algorithm", algorithm,
                                     "--allow-poor-fit", "--output", "fit.csv"};
    if (compiled) args.push_back("--compiled-elbo");
    VicRun r = run_vic(dir.path(), args);
    EXPECT_EQ(r.status, 0) << algorithm << ": " << r.err;
    std::string csv = dir.read("fit.csv");
    return csv.substr(csv.find("\nlp__"));
  };
  EXPECT_EQ(fit("stan-meanfield", false), fit("stan-meanfield", true));
  for (const char* algorithm : {"fullrank", "meanfield"}) {
    std::istringstream plain(fit(algorithm, false)), compiled(fit(algorithm, true));
    int cells = 0;
    for (std::string a, b; std::getline(plain, a) && std::getline(compiled, b);) {
      if (a.empty() || a[0] == '#' || a.find("lp__") != std::string::npos) continue;
      std::istringstream row_a(a), row_b(b);
      for (std::string x, y; std::getline(row_a, x, ',') && std::getline(row_b, y, ',');) {
        double u = std::stod(x), v = std::stod(y);
        EXPECT_NEAR(u, v, 1e-4 * std::max(1.0, std::fabs(u))) << algorithm << ": cell " << cells;
        ++cells;
      }
    }
    EXPECT_GT(cells, 4000) << algorithm;
  }
}

// Pathfinder's paths on one thread or two: the same draws, byte for byte.
TEST(FitOutput, PathfinderThreadsDoNotChangeTheDraws) {
  FitDir dir;
  auto draws_of = [&](const std::string& threads) {
    VicRun r = run_vic(dir.path(), {"fit", "m.vmodel", "--quiet", "--algorithm", "pathfinder", "--threads", threads,
                                    "--seed", "7", "--output", "fit.csv"});
    EXPECT_EQ(r.status, 0) << r.err;
    std::string csv = dir.read("fit.csv");
    return csv.substr(csv.find("\nlp_approx__"));
  };
  EXPECT_EQ(draws_of("1"), draws_of("2"));
}

TEST(FitOutput, TheModelFileIsNotOverwritten) {
  FitDir dir;
  VicRun r = run_vic(dir.path(), {"fit", "m.vmodel", "--quiet", "--output", "./m.vmodel"});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "error: --output './m.vmodel' is the model file; refusing to overwrite it\n");
  EXPECT_EQ(dir.read("m.vmodel"), kModel);
}

TEST(FitOutput, TheModelFileIsRecognisedThroughALink) {
  FitDir dir;
  fs::create_symlink("m.vmodel", dir.path() / "link.csv");
  VicRun r = run_vic(dir.path(), {"fit", "m.vmodel", "--quiet", "--output", "link.csv"});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "error: --output 'link.csv' is the model file; refusing to overwrite it\n");
  EXPECT_EQ(dir.read("m.vmodel"), kModel);
}

TEST(FitOutput, TheDataFileIsNotOverwritten) {
  FitDir dir;
  dir.write("d.json", "{}");
  fs::create_hard_link(dir.path() / "d.json", dir.path() / "hard.json");
  VicRun r = run_vic(dir.path(), {"fit", "m.vmodel", "--data", "d.json", "--quiet", "--output", "hard.json"});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "error: --output 'hard.json' is the data file; refusing to overwrite it\n");
  EXPECT_EQ(dir.read("d.json"), "{}");
}

TEST(FitOutput, StandardOutputAsTheOutputKeepsTheCsvBeforeTheSummary) {
  FitDir dir;
  std::string out = (dir.path() / "out.txt").string();
  VicRun r = run_vic(dir.path(), {"fit", "m.vmodel", "--quiet", "--draws", "5", "--output", "/dev/stdout"}, out);
  EXPECT_EQ(r.status, 0) << r.err;
  std::string text = dir.read("out.txt");
  EXPECT_EQ(text.substr(0, 10), "# model = ");
  EXPECT_NE(text.find("lp__,log_p__,log_g__,mu\n"), std::string::npos);
  EXPECT_NE(text.find("draws written to /dev/stdout\n"), std::string::npos);
  EXPECT_LT(text.find("lp__,log_p__,log_g__,mu\n"), text.find("draws written to"));
}

// Waits up to `seconds` for a file whose name starts with `prefix` to appear.
bool wait_for_file_with_prefix(const fs::path& dir, const std::string& prefix, double seconds) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    for (const auto& entry : fs::directory_iterator(dir)) {
      if (entry.path().filename().string().rfind(prefix, 0) == 0) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

// Starts a long fit (about 10 s uninterrupted), signals it `delay_ms` after
// its temporary file appears, and checks that it died of the signal, the
// previous file is intact and nothing else is left.
void expect_killed_fit_leaves_previous_file(int signal_number, int delay_ms) {
  FitDir dir;
  dir.write("slow.vmodel", kSlowModel);
  dir.write("d.json", "{\"n\": 200000}");
  pid_t pid = testing_util::start_vic(dir.path(), {"fit", "slow.vmodel", "--data", "d.json", "--quiet", "--algorithm", "stan-meanfield", "--tol-rel-obj",
                                                   "1e-12", "--output", "fit.csv"});
  ASSERT_GT(pid, 0);
  bool started = wait_for_file_with_prefix(dir.path(), ".fit.csv.vic-", 60);
  std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
  ::kill(pid, signal_number);
  VicRun r = testing_util::wait_for_vic(pid);
  ASSERT_TRUE(started) << "the temporary file never appeared";
  EXPECT_EQ(r.signal, signal_number) << "exit status " << r.status;
  EXPECT_EQ(dir.read("fit.csv"), kPrevious);
  EXPECT_EQ(dir.entries(), (std::vector<std::string>{"d.json", "fit.csv", "m.vmodel", "slow.vmodel"}));
}

// At once: the signal arrives while the model compiles.
TEST(FitOutput, SigintWhileCompilingLeavesThePreviousFile) { expect_killed_fit_leaves_previous_file(SIGINT, 0); }

// A second later: the signal arrives during the ascent.
TEST(FitOutput, SigtermMidFitLeavesThePreviousFile) { expect_killed_fit_leaves_previous_file(SIGTERM, 1000); }

TEST(FitOutput, TwoFitsWritingOneFileDoNotInterleave) {
  FitDir dir;
  dir.write("slow.vmodel", kSlowModel);
  dir.write("d.json", "{\"n\": 2000}");
  auto args = [](const std::string& seed, const std::string& output) {
    return std::vector<std::string>{"fit", "slow.vmodel", "--data", "d.json",   "--quiet", "--seed",
                                    seed,  "--draws",     "2000",   "--output", output};
  };
  // Each alone, for reference.
  ASSERT_EQ(run_vic(dir.path(), args("1", "shared.csv")).status, 0);
  std::string alone_1 = dir.read("shared.csv");
  ASSERT_EQ(run_vic(dir.path(), args("2", "shared.csv")).status, 0);
  std::string alone_2 = dir.read("shared.csv");
  ASSERT_NE(alone_1, alone_2);
  for (int round = 0; round < 3; ++round) {
    pid_t first = testing_util::start_vic(dir.path(), args("1", "shared.csv"));
    pid_t second = testing_util::start_vic(dir.path(), args("2", "shared.csv"));
    EXPECT_EQ(testing_util::wait_for_vic(first).status, 0);
    EXPECT_EQ(testing_util::wait_for_vic(second).status, 0);
    std::string together = dir.read("shared.csv");
    EXPECT_TRUE(together == alone_1 || together == alone_2) << "round " << round << ": a mixed file";
  }
  EXPECT_EQ(dir.entries(), (std::vector<std::string>{"d.json", "fit.csv", "m.vmodel", "shared.csv", "slow.vmodel"}));
}

}  // namespace
}  // namespace vic
