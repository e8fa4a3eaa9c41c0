// `vic fit`'s exit status for fits that ran: 0 when the fit can be trusted,
// 3 (with the reason on stderr, even with --quiet) when it hit the iteration
// limit or its ELBO went wrong; and the memory check for --draws.
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

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
  VicRun r = run_vic(dir.path(), {"fit", "m.vmodel", "--quiet", "--algorithm", "stan-meanfield", "--iter", "50", "--output", "fit.csv"});
  EXPECT_EQ(r.status, 3);
  EXPECT_EQ(r.err,
            "warning: ADVI: the maximum number of iterations (50) is reached; the algorithm may not have converged, "
            "and this variational approximation is not guaranteed to be meaningful\n"
            "error: the fit cannot be trusted: ADVI reached the maximum number of iterations (50) without "
            "converging. What to try: --algorithm pathfinder, or a longer ascent (--iter, a smaller --tol-rel-obj); "
            "--allow-poor-fit accepts the fit as it is\n");
  // The draws are written and summarised all the same.
  EXPECT_NE(dir.read("fit.csv").find("lp__,log_p__,log_g__,mu\n"), std::string::npos);
  EXPECT_NE(r.out.find("draws written to fit.csv\n"), std::string::npos);
}

TEST(FitStatus, VisIterationLimitExitsThreeWithTheReason) {
  ScratchDir dir("fit_status");
  dir.write("m.vmodel", kModel);
  VicRun r = run_vic(dir.path(), {"fit", "m.vmodel", "--quiet", "--iter", "100", "--output", "fit.csv"});
  EXPECT_EQ(r.status, 3);
  EXPECT_EQ(r.err,
            "error: the fit cannot be trusted: VI reached the maximum number of iterations (100) before its ELBO "
            "settled. What to try: more iterations (--iter), reparameterising the model (non-centred hierarchies, "
            "standardised predictors), or --algorithm pathfinder for a multimodal posterior (it weighs the modes its "
            "paths find); --allow-poor-fit accepts the fit as it is\n");
  EXPECT_NE(r.out.find("VI (fullrank): 100 iterations from Pathfinder, not converged\n"), std::string::npos) << r.out;
}

// The CSV's last comment line, without "# ".
std::string last_comment(const std::string& csv) {
  size_t end = csv.size() - 1;
  size_t start = csv.rfind('\n', end - 1) + 1;
  return csv.substr(start, end - start);
}

bool starts_with(const std::string& text, const std::string& prefix) { return text.rfind(prefix, 0) == 0; }
bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Stan's ADVI on kidiq momiq (uncentred predictor, posterior correlation
// -0.99) stops far from the posterior; the draws' k-hat says so.
TEST(FitStatus, AKHatAboveSevenTenthsExitsThreeAndSaysWhatToTry) {
  ScratchDir dir("fit_status");
  std::vector<std::string> args = {"fit", testing_util::example_path("kidiq_momiq/model.vmodel"), "--data",
                                   testing_util::example_path("kidiq_momiq/data.json"), "--algorithm",
                                   "stan-meanfield", "--seed", "1", "--quiet", "--output", "fit.csv"};
  VicRun r = run_vic(dir.path(), args);
  EXPECT_EQ(r.status, 3);
  EXPECT_TRUE(starts_with(r.err, "error: the fit cannot be trusted: Pareto k-hat is ")) << r.err;
  EXPECT_TRUE(ends_with(r.err, ", above 0.7: the approximation is far from the posterior. What to try: --algorithm "
                               "pathfinder, or a longer ascent (--iter, a smaller --tol-rel-obj); --allow-poor-fit "
                               "accepts the fit as it is\n"))
      << r.err;
  const std::string csv = dir.read("fit.csv");
  EXPECT_TRUE(starts_with(last_comment(csv), "# the fit cannot be trusted: Pareto k-hat is ")) << last_comment(csv);
  EXPECT_NE(r.out.find("Pareto k-hat = "), std::string::npos);

  args.push_back("--allow-poor-fit");
  VicRun allowed = run_vic(dir.path(), args);
  EXPECT_EQ(allowed.status, 0);
  EXPECT_TRUE(starts_with(allowed.err, "warning: the fit cannot be trusted: Pareto k-hat is ")) << allowed.err;
  EXPECT_TRUE(ends_with(allowed.err, " (accepted: --allow-poor-fit)\n")) << allowed.err;
  EXPECT_EQ(dir.read("fit.csv"), csv) << "the same seed writes the same draws, accepted or not";
}

// Neal's funnel defeats both algorithms: neither a mean-field normal nor
// Pathfinder's normals reach into the neck, and the importance ratios' tail
// shows it.
TEST(FitStatus, TheFunnelIsFlaggedByEveryAlgorithm) {
  ScratchDir dir("fit_status");
  dir.write("funnel.vmodel",
            "parameters {\n  real y;\n  vector[9] x;\n}\nmodel {\n  y ~ normal(0, 3);\n  x ~ normal(0, exp(y / 2));\n}\n");
  for (const char* algorithm : {"stan-meanfield", "pathfinder"}) {
    VicRun r = run_vic(dir.path(), {"fit", "funnel.vmodel", "--algorithm", algorithm, "--seed", "1", "--quiet",
                                    "--output", "fit.csv"});
    EXPECT_EQ(r.status, 3) << algorithm;
    EXPECT_NE(r.err.find("Pareto k-hat is "), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("What to try: "), std::string::npos) << r.err;
  }
}

// Two equal modes at -5 and 5: a Gaussian covers one, with bounded
// importance ratios (a low k-hat), so the default looks for other modes and
// says so; multi-path Pathfinder, weighing its paths' draws against their
// mixture, recovers both (mean 0, sd sqrt(26)).
TEST(FitStatus, ABimodalPosteriorIsFlaggedAndPathfinderFindsBothModes) {
  ScratchDir dir("fit_status");
  dir.write("bimodal.vmodel",
            "parameters {\n  real x;\n}\nmodel {\n  target += log(0.5 * exp(normal_lpdf(x | -5, 1)) + "
            "0.5 * exp(normal_lpdf(x | 5, 1)));\n}\n");
  for (const char* seed : {"1", "2", "3"}) {
    VicRun r = run_vic(dir.path(), {"fit", "bimodal.vmodel", "--seed", seed, "--quiet", "--output", "fit.csv"});
    EXPECT_EQ(r.status, 3) << seed;
    EXPECT_TRUE(starts_with(r.err, "error: the fit cannot be trusted: the posterior looks multimodal (L-BFGS found a "
                                   "mode 10.0 sds from the fit"))
        << r.err;
    EXPECT_NE(r.err.find("--algorithm pathfinder for a multimodal posterior"), std::string::npos) << r.err;

    VicRun p = run_vic(dir.path(), {"fit", "bimodal.vmodel", "--algorithm", "pathfinder", "--seed", seed, "--quiet",
                                    "--draws", "4000", "--output", "fit.csv"});
    EXPECT_EQ(p.status, 0) << p.err;
    std::istringstream csv(dir.read("fit.csv"));
    std::string line;
    double sum = 0, squares = 0;
    int n = 0;
    while (std::getline(csv, line)) {
      if (line.empty() || line[0] == '#' || line[0] == 'l') continue;
      const double x = std::stod(line.substr(line.rfind(',') + 1));
      sum += x;
      squares += x * x;
      ++n;
    }
    ASSERT_EQ(n, 4000);
    const double mean = sum / n, sd = std::sqrt(squares / n - mean * mean);
    EXPECT_NEAR(mean, 0, 0.5) << seed;
    EXPECT_NEAR(sd, std::sqrt(26.0), 0.25) << seed;
  }
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
  VicRun r = run_vic(dir.path(), {"fit", models + "arma11.vmodel", "--data", models + "arma11.json", "--algorithm", "stan-meanfield", "--seed", "1",
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
