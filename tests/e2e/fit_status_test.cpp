// `vic fit`'s exit status for fits that ran: 0 when the fit can be trusted,
// 3 (with the reason on stderr, even with --quiet) when it hit the iteration
// limit or its ELBO went wrong; and the memory check for --draws.
#include <gtest/gtest.h>

#include "support/limits.h"
#include "test_util.h"
#include "vic_process.h"

namespace vic {
namespace {

using testing_util::run_vic;
using testing_util::ScratchDir;
using testing_util::VicRun;

const char* const kModel = testing_util::kConvergingModel;

TEST(FitStatus, TheIterationLimitExitsThreeWithTheReason) {
  ScratchDir dir("fit_status");
  dir.write("m.vmodel", kModel);
  VicRun r = run_vic(dir.path(), {"fit", "m.vmodel", "--quiet", "--iter", "50", "--output", "fit.csv"});
  EXPECT_EQ(r.status, 3);
  EXPECT_EQ(r.err,
            "warning: ADVI: the maximum number of iterations (50) is reached; the algorithm may not have converged, "
            "and this variational approximation is not guaranteed to be meaningful\n"
            "error: the fit cannot be trusted: ADVI reached the maximum number of iterations (50) without "
            "converging\n");
  // The draws are written and summarised all the same.
  EXPECT_NE(dir.read("fit.csv").find("lp__,log_p__,log_g__,mu\n"), std::string::npos);
  EXPECT_NE(r.out.find("draws written to fit.csv\n"), std::string::npos);
}

TEST(FitStatus, EightSchoolsExitsZeroQuietly) {
  ScratchDir dir("fit_status");
  VicRun r = run_vic(dir.path(), {"fit", testing_util::example_path("eight_schools/model.vmodel"), "--data",
                                  testing_util::example_path("eight_schools/data.json"), "--seed", "1", "--quiet",
                                  "--output", "fit.csv"});
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.err, "");
}

TEST(FitStatus, Arma11DivergesAndExitsThree) {
  ScratchDir dir("fit_status");
  std::string models = std::string(VIC_SOURCE_DIR) + "/tests/e2e/models/";
  VicRun r = run_vic(dir.path(), {"fit", models + "arma11.vmodel", "--data", models + "arma11.json", "--seed", "1",
                                  "--quiet", "--output", "fit.csv"});
  EXPECT_EQ(r.status, 3) << r.err;
  const std::string verdict = "\nerror: the fit cannot be trusted: ";
  size_t at = r.err.rfind(verdict);
  ASSERT_NE(at, std::string::npos) << r.err;
  EXPECT_EQ(r.err.substr(0, 9), "warning: ");
  EXPECT_EQ(r.err.back(), '\n');
  EXPECT_EQ(r.err.find('\n', at + 1), r.err.size() - 1) << "the verdict is the last line";
}

TEST(FitStatus, DrawsThatCannotFitInMemoryAreRefusedBeforeTheFit) {
  ScratchDir dir("fit_status");
  dir.write("m.vmodel", "parameters {\n  vector[1000] mu;\n}\nmodel {\n  mu ~ normal(1, 2);\n}\n");
  dir.write("fit.csv", "previous\n");
  VicRun r = run_vic(dir.path(), {"fit", "m.vmodel", "--quiet", "--draws", "2147483647", "--output", "fit.csv"});
  EXPECT_EQ(r.status, 2);
  const std::string start =
      "error: --draws 2147483647 needs 16 TiB for the draws (2147483647 draws of 1003 columns), "
      "more than ";
  const std::string end = limits::describe_memory_budget() + "\n";
  EXPECT_EQ(r.err.substr(0, start.size()), start) << r.err;
  ASSERT_GE(r.err.size(), end.size());
  EXPECT_EQ(r.err.substr(r.err.size() - end.size()), end) << r.err;
  EXPECT_EQ(dir.read("fit.csv"), "previous\n");
  EXPECT_EQ(dir.entries(), (std::vector<std::string>{"fit.csv", "m.vmodel"}));
}

// The last resort: an allocation that fails anyway (here under a 2 GB
// address-space limit, below what 100 million draws need) ends with a
// message and exit status 1, not an abort, and leaves no temporary file.
TEST(FitStatus, AnAllocationThatFailsAnywayIsAnErrorNotACrash) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer reserves more address space than the limit allows";
#endif
  // The draws need 4.8 GB: the memory check must let them through.
  if (limits::memory_budget_bytes() < (uint64_t{8} << 30)) GTEST_SKIP() << "less than 8 GiB of memory";
  ScratchDir dir("fit_status");
  dir.write("m.vmodel", kModel);
  VicRun r = run_vic(dir.path(), {"fit", "m.vmodel", "--quiet", "--draws", "100000000", "--output", "fit.csv"}, "",
                     {.address_space_bytes = 2000000000});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "error: out of memory: an allocation failed (std::bad_alloc)\n");
  EXPECT_EQ(dir.entries(), (std::vector<std::string>{"m.vmodel"}));
}

}  // namespace
}  // namespace vic
