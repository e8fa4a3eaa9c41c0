// The command line through the `vic` binary: every numeric option's range
// with its exact message and exit status 2, unknown commands and passes,
// unreadable model files, and a failed write to standard output (exit 1).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vic_process.h"

namespace vic {
namespace {

using testing_util::run_vic;
using testing_util::ScratchDir;
using testing_util::VicRun;

const char* const kModel = testing_util::kConvergingModel;

// Runs `vic args` in a directory holding m.vmodel.
VicRun vic(const std::vector<std::string>& args, const std::string& stdout_path = "") {
  ScratchDir dir("cli");
  dir.write("m.vmodel", kModel);
  return run_vic(dir.path(), args, stdout_path);
}

// `vic fit m.vmodel <option> <value>` must fail with exit 2 and `message`.
void expect_fit_usage_error(const std::string& option, const std::string& value, const std::string& message) {
  VicRun r = vic({"fit", "m.vmodel", "--quiet", option, value});
  EXPECT_EQ(r.status, 2) << option << " " << value;
  EXPECT_EQ(r.err, "error: " + message + "\n") << option << " " << value;
  EXPECT_EQ(r.out, "");
}

TEST(CommandLine, DrawsMustBePositive) {
  expect_fit_usage_error("--draws", "0", "--draws: must be a positive integer, but is 0");
  expect_fit_usage_error("--draws", "-5", "--draws: must be a positive integer, but is -5");
  expect_fit_usage_error("--draws", "1.5", "--draws: must be a positive integer, but is 1.5");
  expect_fit_usage_error("--draws", "many", "--draws: must be a positive integer, but is 'many'");
  expect_fit_usage_error("--draws", "", "--draws: must be a positive integer, but is ''");
  expect_fit_usage_error("--draws", "3000000000", "--draws: must be at most 2147483647, but is 3000000000");
  expect_fit_usage_error("--draws", "99999999999999999999",
                         "--draws: must be at most 2147483647, but is 99999999999999999999");
}

TEST(CommandLine, EveryIntegerOptionIsChecked) {
  for (const char* option : {"--iter", "--elbo-samples", "--eval-elbo", "--adapt-iter"}) {
    expect_fit_usage_error(option, "0", std::string(option) + ": must be a positive integer, but is 0");
  }
  expect_fit_usage_error("--grad-samples", "0", "--grad-samples: must be a positive integer, but is 0");
  expect_fit_usage_error("--grad-samples", "214748365", "--grad-samples: must be at most 214748364, but is 214748365");
}

TEST(CommandLine, RealOptionsMustBePositiveAndFinite) {
  expect_fit_usage_error("--tol-rel-obj", "0", "--tol-rel-obj: must be a positive finite number, but is 0");
  expect_fit_usage_error("--tol-rel-obj", "inf", "--tol-rel-obj: must be a positive finite number, but is inf");
  expect_fit_usage_error("--tol-rel-obj", "abc", "--tol-rel-obj: must be a positive finite number, but is 'abc'");
}

TEST(CommandLine, EtaMustBePositiveAndFinite) {
  expect_fit_usage_error("--eta", "0", "--eta: must be a positive finite number, but is 0");
  expect_fit_usage_error("--eta", "-1", "--eta: must be a positive finite number, but is -1");
  expect_fit_usage_error("--eta", "nan", "--eta: must be a positive finite number, but is nan");
  expect_fit_usage_error("--eta", "inf", "--eta: must be a positive finite number, but is inf");
}

TEST(CommandLine, SeedMustFitIn32Bits) {
  expect_fit_usage_error("--seed", "-1", "--seed: must be an integer from 0 to 4294967295, but is -1");
  expect_fit_usage_error("--seed", "4294967296", "--seed: must be an integer from 0 to 4294967295, but is 4294967296");
  expect_fit_usage_error("--seed", "18446744073709551616",
                         "--seed: must be an integer from 0 to 4294967295, but is 18446744073709551616");
}

TEST(CommandLine, TheLargestSeedAndAGivenEtaAreAccepted) {
  ScratchDir dir("cli");
  dir.write("m.vmodel", kModel);
  VicRun r = run_vic(dir.path(), {"fit", "m.vmodel", "--quiet", "--algorithm", "stan-meanfield", "--seed", "4294967295", "--eta", "0.5", "--draws", "10",
                                  "--output", "fit.csv"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(dir.read("fit.csv").find("# random\n#   seed = 4294967295\n"), std::string::npos);
  EXPECT_NE(dir.read("fit.csv").find("#     eta = 0.5\n"), std::string::npos);
}

TEST(CommandLine, AnOptionTheAlgorithmWouldIgnoreIsRefused) {
  ScratchDir dir("cli");
  dir.write("m.vmodel", kModel);
  VicRun r = run_vic(dir.path(), {"fit", "m.vmodel", "--quiet", "--eta", "0.5"});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "error: --eta applies to --algorithm stan-meanfield, not fullrank\n");
  r = run_vic(dir.path(), {"fit", "m.vmodel", "--quiet", "--algorithm", "meanfield", "--paths", "2"});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "error: --paths applies to --algorithm pathfinder, not meanfield\n");
  r = run_vic(dir.path(), {"fit", "m.vmodel", "--quiet", "--algorithm", "pathfinder", "--iter", "5"});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "error: --iter applies to --algorithm stan-meanfield, fullrank or meanfield, not pathfinder\n");
  r = run_vic(dir.path(), {"fit", "m.vmodel", "--quiet", "--algorithm", "laplace", "--compiled-elbo"});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err,
            "error: --compiled-elbo applies to --algorithm stan-meanfield, fullrank or meanfield, not laplace\n");
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"m.vmodel"});
}

TEST(CommandLine, GradcheckOptionsAreChecked) {
  VicRun r = vic({"gradcheck", "m.vmodel", "--epsilon", "0"});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "error: --epsilon: must be a positive finite number, but is 0\n");
  r = vic({"gradcheck", "m.vmodel", "--error", "-1e-6"});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "error: --error: must be a positive finite number, but is -1e-6\n");
  r = vic({"gradcheck", "m.vmodel", "--seed", "-1"});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "error: --seed: must be an integer from 0 to 4294967295, but is -1\n");
}

TEST(CommandLine, AnUnknownCommandIsNamedWithAHint) {
  VicRun r = vic({"fitt", "m.vmodel"});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err,
            "error: unknown command 'fitt' (did you mean 'fit'?); the commands are fit, optimize, train, encode, decode, check, compile, gradcheck\n");
}

TEST(CommandLine, AnUnknownCommandFarFromAnyHasNoHint) {
  VicRun r = vic({"frobnicate"});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "error: unknown command 'frobnicate'; the commands are fit, optimize, train, encode, decode, check, compile, gradcheck\n");
}

TEST(CommandLine, NoCommandAtAll) {
  VicRun r = vic({});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "error: no command given; the commands are fit, optimize, train, encode, decode, check, compile, gradcheck\n");
}

TEST(CommandLine, AnUnknownPassIsRejectedWithTheList) {
  VicRun r = vic({"compile", "m.vmodel", "--dump-ir-after", "cse2"});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err,
            "error: --dump-ir-after: unknown pass 'cse2'; the passes are bind-data-sizes, fold-constants, "
            "simplify-algebra, cse, dce, forward-mode-ad, reverse-mode-ad, build-elbo, bufferize, hoist-data-only, or all\n");
}

TEST(CommandLine, AKnownPassIsDumped) {
  ScratchDir dir("cli");
  dir.write("m.vmodel", kModel);
  dir.write("d.json", "{}");
  VicRun r = run_vic(dir.path(), {"compile", "m.vmodel", "--data", "d.json", "--dump-ir-after", "dce"});
  EXPECT_EQ(r.status, 0) << r.err;
  const std::string header = "// ----- IR after dce\n";
  EXPECT_EQ(r.err.substr(0, header.size()), header);
}

TEST(CommandLine, DumpingPassesNeedsThePipeline) {
  VicRun r = vic({"compile", "m.vmodel", "--dump-ir-after", "cse"});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err,
            "error: --dump-ir-after needs the pass pipeline, which runs only with --data FILE and --emit ir, "
            "grad-ir, elbo-ir or llvm\n");
  r = vic({"compile", "m.vmodel", "--emit", "ast", "--time-passes"});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err,
            "error: --time-passes needs the pass pipeline, which runs only with --data FILE and --emit ir, "
            "grad-ir, elbo-ir or llvm\n");
}

TEST(CommandLine, HelpListsTheExitStatuses) {
  VicRun r = vic({"--help"});
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("Exit status:\n"
                       "  0  success\n"
                       "  1  an error in the model, the data or a file (the message names it)\n"
                       "  2  a bad command line\n"
                       "  3  the fit ran and wrote its draws, but cannot be trusted (the reason is on stderr)\n"),
            std::string::npos)
      << r.out;
}

TEST(ModelFile, AMissingFileSaysWhy) {
  VicRun r = vic({"check", "absent.vmodel"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "error: cannot read 'absent.vmodel': No such file or directory\n");
}

TEST(ModelFile, ADirectorySaysWhy) {
  VicRun r = vic({"check", "."});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "error: cannot read '.': Is a directory\n");
}

TEST(ModelFile, AnUnreadableFileSaysWhy) {
  if (::geteuid() == 0) GTEST_SKIP() << "running as root: file permissions do not stop root's reads";
  ScratchDir dir("cli");
  dir.write("m.vmodel", kModel);
  ASSERT_EQ(::chmod((dir.path() / "m.vmodel").c_str(), 0), 0);
  VicRun r = run_vic(dir.path(), {"check", "m.vmodel"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "error: cannot read 'm.vmodel': Permission denied\n");
}

TEST(ModelFile, AnEndlessFileIsCutOff) {
  VicRun r = vic({"check", "/dev/zero"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "error: cannot read '/dev/zero': a model file may hold at most 64 MiB\n");
}

TEST(StandardOutput, CheckToAFullDeviceFails) {
  VicRun r = vic({"check", "m.vmodel"}, "/dev/full");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "error: cannot write to standard output: No space left on device\n");
}

TEST(StandardOutput, FitToAFullDeviceFails) {
  VicRun r = vic({"fit", "m.vmodel", "--quiet", "--output", "fit.csv"}, "/dev/full");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "error: cannot write to standard output: No space left on device\n");
}

TEST(StandardOutput, HelpToAFullDeviceFails) {
  VicRun r = vic({"--help"}, "/dev/full");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "error: cannot write to standard output: No space left on device\n");
}

TEST(StandardOutput, CompileToAFullDeviceFails) {
  VicRun r = vic({"compile", "m.vmodel", "--emit", "ast"}, "/dev/full");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "error: cannot write to standard output: No space left on device\n");
}

}  // namespace
}  // namespace vic
