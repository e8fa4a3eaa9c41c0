// run_advi's settings checks that keep it from looping forever (a non-finite
// eta or tolerance), its split of what it reports into progress lines and
// warnings, untrusted_fit_reasons, which decides `vic fit`'s exit status 3,
// and the summary's ELBO line for an ELBO gone astray.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "runtime/advi.h"
#include "runtime/fit_assessment.h"
#include "runtime/summary.h"
#include "test_models.h"

namespace vic::runtime {
namespace {

using testing::IndependentNormals;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string settings_error(const AdviSettings& settings) {
  IndependentNormals model({1.0, 2.0}, {1.0, 1.0});
  Rng rng(1);
  Expected<AdviResult> result = run_advi(model, settings, rng);
  return result ? "(no error)" : result.error();
}

TEST(AdviSettings, RejectsAnInfiniteEta) {
  AdviSettings settings;
  settings.adapt_engaged = false;
  settings.eta = kInf;
  EXPECT_EQ(settings_error(settings), "ADVI: eta must be positive and finite, but is inf");
}

TEST(AdviSettings, RejectsANaNEta) {
  AdviSettings settings;
  settings.eta = kNaN;
  EXPECT_EQ(settings_error(settings), "ADVI: eta must be positive and finite, but is nan");
}

TEST(AdviSettings, RejectsAnInfiniteTolerance) {
  AdviSettings settings;
  settings.tol_rel_obj = kInf;
  EXPECT_EQ(settings_error(settings), "ADVI: tol_rel_obj must be positive and finite, but is inf");
}

TEST(AdviSettings, RejectsANaNTolerance) {
  AdviSettings settings;
  settings.tol_rel_obj = kNaN;
  EXPECT_EQ(settings_error(settings), "ADVI: tol_rel_obj must be positive and finite, but is nan");
}

TEST(AdviSettings, RejectsAnInfiniteInitRadius) {
  AdviSettings settings;
  settings.init_radius = kInf;
  EXPECT_EQ(settings_error(settings), "ADVI: init radius must be non-negative and finite, but is inf");
}

TEST(AdviSettings, RejectsGradSamplesWhoseRetryCountWouldOverflow) {
  AdviSettings settings;
  settings.grad_samples = 214748365;
  EXPECT_EQ(settings_error(settings), "ADVI: grad_samples must be at most 214748364, but is 214748365");
}

// Collects what run_advi reports on each channel.
struct Reports {
  std::vector<std::string> progress;
  std::vector<std::string> warnings;
};

Expected<AdviResult> run_collecting(const Model& model, const AdviSettings& settings, uint64_t seed, Reports& reports) {
  Rng rng(seed);
  return run_advi(
      model, settings, rng, {}, [&](const std::string& line) { reports.progress.push_back(line); },
      [&](const std::string& line) { reports.warnings.push_back(line); });
}

bool contains(const std::vector<std::string>& lines, const std::string& text) {
  return std::any_of(lines.begin(), lines.end(),
                     [&](const std::string& line) { return line.find(text) != std::string::npos; });
}

TEST(AdviReporting, TheIterationLimitIsAWarningNotProgress) {
  IndependentNormals model({1.0, -2.0, 3.0}, {0.5, 1.0, 2.0});
  AdviSettings settings;
  settings.max_iterations = 300;
  settings.tol_rel_obj = 1e-12;
  Reports reports;
  Expected<AdviResult> result = run_collecting(model, settings, 3, reports);
  ASSERT_TRUE(result) << result.error();
  EXPECT_FALSE(result->converged);
  EXPECT_EQ(reports.warnings,
            std::vector<std::string>{"ADVI: the maximum number of iterations (300) is reached; the algorithm may not "
                                     "have converged, and this variational approximation is not guaranteed to be "
                                     "meaningful"});
  EXPECT_TRUE(contains(reports.progress, "Begin stochastic gradient ascent."));
  EXPECT_FALSE(contains(reports.progress, "maximum number of iterations"));
  EXPECT_FALSE(contains(reports.progress, "Informational Message"));
}

TEST(AdviReporting, AConvergedFitHasNoWarnings) {
  IndependentNormals model({1.0, -2.0, 3.0}, {0.5, 1.0, 2.0});
  Reports reports;
  Expected<AdviResult> result = run_collecting(model, AdviSettings{}, 20240611, reports);
  ASSERT_TRUE(result) << result.error();
  EXPECT_TRUE(result->converged);
  EXPECT_EQ(reports.warnings, std::vector<std::string>{});
  EXPECT_TRUE(untrusted_fit_reasons(*result).empty());
}

TEST(AdviReporting, WarningsNeedNoProgressCallback) {
  IndependentNormals model({1.0}, {1.0});
  AdviSettings settings;
  settings.max_iterations = 100;
  settings.tol_rel_obj = 1e-12;
  std::vector<std::string> warnings;
  Rng rng(2);
  Expected<AdviResult> result =
      run_advi(model, settings, rng, {}, {}, [&](const std::string& line) { warnings.push_back(line); });
  ASSERT_TRUE(result) << result.error();
  EXPECT_EQ(warnings.size(), 1u);
}

AdviResult converged_result(std::vector<double> elbos) {
  AdviResult result;
  result.converged = true;
  result.iterations = static_cast<int>(elbos.size()) * 100;
  for (size_t i = 0; i < elbos.size(); ++i) {
    ElboTraceEntry entry;
    entry.iteration = static_cast<int>(i + 1) * 100;
    entry.elbo = elbos[i];
    result.elbo_trace.push_back(entry);
  }
  return result;
}

TEST(UntrustedFitReasons, NoneForAConvergedFit) {
  EXPECT_EQ(untrusted_fit_reasons(converged_result({-120, -110, -109.9})), std::vector<std::string>{});
}

TEST(UntrustedFitReasons, TheIterationLimit) {
  AdviResult result = converged_result({-120, -110});
  result.converged = false;
  result.iterations = 10000;
  EXPECT_EQ(untrusted_fit_reasons(result),
            std::vector<std::string>{"ADVI reached the maximum number of iterations (10000) without converging"});
}

TEST(UntrustedFitReasons, NoELBOEvaluatedAtAll) {
  AdviResult result;
  result.converged = false;
  result.iterations = 50;
  EXPECT_EQ(untrusted_fit_reasons(result),
            std::vector<std::string>{"ADVI reached the maximum number of iterations (50) without converging"});
}

TEST(UntrustedFitReasons, ALastEvaluationThatMayBeDiverging) {
  AdviResult result = converged_result({-120, -2e53});
  result.elbo_trace.back().may_be_diverging = true;
  result.elbo_trace.back().rel_mean = 0.8123;
  result.elbo_trace.back().rel_median = 1;
  EXPECT_EQ(untrusted_fit_reasons(result),
            std::vector<std::string>{"the ELBO may be diverging at the last evaluation (iteration 200: relative "
                                     "ELBO change mean 0.812, median 1)"});
}

TEST(UntrustedFitReasons, AnEarlierDivergingNoteDoesNotCount) {
  AdviResult result = converged_result({-120, -110, -109.9});
  result.elbo_trace[0].may_be_diverging = true;
  EXPECT_EQ(untrusted_fit_reasons(result), std::vector<std::string>{});
}

TEST(UntrustedFitReasons, ANonFiniteFinalELBO) {
  EXPECT_EQ(untrusted_fit_reasons(converged_result({-120, -kInf})), std::vector<std::string>{"the final ELBO is -inf"});
  EXPECT_EQ(untrusted_fit_reasons(converged_result({-120, kNaN})), std::vector<std::string>{"the final ELBO is nan"});
}

TEST(UntrustedFitReasons, AnELBOAtConvergenceBelowTheBest) {
  AdviResult result = converged_result({-150, -100, -130});
  result.elbo_below_best = true;
  EXPECT_EQ(untrusted_fit_reasons(result),
            std::vector<std::string>{"the ELBO at convergence (-130) is more than 5% below the best seen (-100)"});
}

TEST(UntrustedFitReasons, EveryReasonInOrder) {
  AdviResult result = converged_result({-100, -kInf});
  result.converged = false;
  result.iterations = 200;
  result.elbo_trace.back().may_be_diverging = true;
  result.elbo_trace.back().rel_mean = kInf;
  result.elbo_trace.back().rel_median = kInf;
  result.elbo_below_best = true;
  EXPECT_EQ(
      untrusted_fit_reasons(result),
      (std::vector<std::string>{
          "ADVI reached the maximum number of iterations (200) without converging",
          "the ELBO may be diverging at the last evaluation (iteration 200: relative ELBO change mean inf, "
          "median inf)",
          "the final ELBO is -inf", "the ELBO at convergence (-inf) is more than 5% below the best seen (-100)"}));
}

TEST(ElboLine, AHugeELBOIsPrintedInScientificNotation) {
  AdviResult result = converged_result({-120, -8.4920867823387058e61});
  result.converged = false;
  result.convergence_message = "maximum number of iterations reached";
  result.eta = 0.1;
  result.eta_adapted = true;
  std::ostringstream out;
  print_elbo_line(out, result);
  EXPECT_EQ(out.str(),
            "ELBO = -8.492e+61 at iteration 200 (maximum number of iterations reached), eta = 0.1 (adapted)\n");
}

}  // namespace
}  // namespace vic::runtime
