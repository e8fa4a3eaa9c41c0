// Tests for the summary statistics (R type-7 quantiles, sd with n - 1) and the
// fixed-width table.
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "runtime/summary.h"

namespace vic::runtime {
namespace {

TEST(Summary, QuantileType7MatchesR) {
  std::vector<double> x;
  for (int i = 1; i <= 100; ++i) x.push_back(i);
  // R: quantile(1:100, c(0.05, 0.5, 0.95, 0, 1, 0.1)) = 5.95 50.5 95.05 1 100 10.9
  EXPECT_DOUBLE_EQ(quantile_type7(x, 0.05), 5.95);
  EXPECT_DOUBLE_EQ(quantile_type7(x, 0.5), 50.5);
  EXPECT_DOUBLE_EQ(quantile_type7(x, 0.95), 95.05);
  EXPECT_EQ(quantile_type7(x, 0.0), 1.0);
  EXPECT_EQ(quantile_type7(x, 1.0), 100.0);
  EXPECT_DOUBLE_EQ(quantile_type7(x, 0.1), 10.9);
  // R: quantile(c(1, 2, 4), 0.5) = 2; quantile(c(3), 0.95) = 3.
  EXPECT_EQ(quantile_type7({1, 2, 4}, 0.5), 2.0);
  EXPECT_EQ(quantile_type7({3}, 0.95), 3.0);
  EXPECT_TRUE(std::isnan(quantile_type7({}, 0.5)));
}

// Draws with one output column `x` holding `values`, after a mean row of 1000.
Draws column_draws(const std::vector<double>& values) {
  Draws draws;
  draws.column_names = {"lp__", "log_p__", "log_g__", "x"};
  draws.values = {0, 0, 0, 1000};
  for (double v : values) draws.values.insert(draws.values.end(), {0, -1, -2, v});
  return draws;
}

TEST(Summary, SummarizesDrawsNotTheMeanRow) {
  std::vector<double> x;
  for (int i = 1; i <= 100; ++i) x.push_back(i);
  std::vector<ColumnSummary> summaries = summarize_draws(column_draws(x));
  ASSERT_EQ(summaries.size(), 1u);
  EXPECT_EQ(summaries[0].name, "x");
  EXPECT_DOUBLE_EQ(summaries[0].mean, 50.5);
  // R: sd(1:100) = 29.01149
  EXPECT_DOUBLE_EQ(summaries[0].sd, std::sqrt(100.0 * 101.0 / 12.0));
  EXPECT_DOUBLE_EQ(summaries[0].q5, 5.95);
  EXPECT_DOUBLE_EQ(summaries[0].q50, 50.5);
  EXPECT_DOUBLE_EQ(summaries[0].q95, 95.05);
}

TEST(Summary, NaNColumnSummarizesToNaN) {
  std::vector<ColumnSummary> summaries = summarize_draws(column_draws({1, NAN, 3}));
  EXPECT_TRUE(std::isnan(summaries[0].mean));
  EXPECT_TRUE(std::isnan(summaries[0].q50));
}

TEST(Summary, PrintsFixedWidthTable) {
  std::vector<ColumnSummary> summaries = {{"mu", 1.5, 0.25, 1.0, 1.5, 2.0},
                                          {"theta.10", -12345678, 0.001234, -3, 0, 1e-3}};
  std::ostringstream out;
  print_summary_table(out, summaries);
  EXPECT_EQ(out.str(),
            "name            mean          sd          5%         50%         95%\n"
            "mu             1.500       0.250       1.000       1.500       2.000\n"
            "theta.10  -1.235e+07   1.234e-03      -3.000       0.000   1.000e-03\n");
}

TEST(Summary, ImportanceEffectiveSampleSizeOfEachMean) {
  const Draws draws = column_draws({0, 1, 2, 3});
  std::vector<ColumnSummary> s = summarize_draws(draws);
  EXPECT_TRUE(std::isnan(s[0].n_eff));
  // Equal weights: every draw counts.
  add_importance_ess(s, draws, {0.5, 0.5, 0.5, 0.5});
  EXPECT_DOUBLE_EQ(s[0].n_eff, 4.0);
  // Weights 1/6, 1/6, 1/6, 1/2 (four draws: too few for PSIS to smooth): the
  // weighted mean is 2, sum w d^2 = 4/3, sum w^2 d^2 = 14/36, n_eff = 24/7.
  add_importance_ess(s, draws, {0, 0, 0, std::log(3.0)});
  EXPECT_NEAR(s[0].n_eff, 24.0 / 7.0, 1e-12);
  // Ratios that are not the draws': nothing.
  std::vector<ColumnSummary> t = summarize_draws(draws);
  add_importance_ess(t, draws, {0, 0});
  EXPECT_TRUE(std::isnan(t[0].n_eff));
}

TEST(Summary, PrintsTheEffectiveSampleSizeWhenThereIsOne) {
  std::vector<ColumnSummary> summaries = {{"mu", 1.5, 0.25, 1.0, 1.5, 2.0, 3977.4}};
  std::ostringstream out;
  print_summary_table(out, summaries);
  EXPECT_EQ(out.str(),
            "name        mean          sd          5%         50%         95%       n_eff\n"
            "mu         1.500       0.250       1.000       1.500       2.000        3977\n");
}

TEST(Summary, PrintsElboLine) {
  AdviResult result;
  result.elbo_trace.push_back({300, -123.4564, 0.004, 0.002, "MEAN ELBO CONVERGED"});
  result.iterations = 300;
  result.convergence_message = "MEAN ELBO CONVERGED";
  result.eta = 1;
  result.eta_adapted = true;
  std::ostringstream out;
  print_elbo_line(out, result);
  EXPECT_EQ(out.str(),
            "ELBO = -123.456 at iteration 300 (MEAN ELBO CONVERGED), eta = 1 (adapted)\n");
}

}  // namespace
}  // namespace vic::runtime
