// Tests for the CmdStan-style CSV: the exact comment, header and mean-row layout
// for a tiny model, and byte-for-byte determinism under a fixed seed.
#include <gtest/gtest.h>

#include <sstream>

#include "runtime/csv_writer.h"
#include "test_models.h"

namespace vic::runtime {
namespace {

// Runs ADVI and the draws for `model` with `seed` and returns the CSV text.
std::string fit_to_csv(const Model& model, uint64_t seed) {
  Rng rng(seed);
  CsvRunInfo info;
  info.model_name = "normals";
  info.output_samples = 100;
  info.seed = seed;
  Expected<AdviResult> result = run_advi(model, info.settings, rng);
  EXPECT_TRUE(result) << result.error();
  if (!result) return "";
  Expected<Draws> draws = draw_approximation(model, *result, info.output_samples, rng);
  EXPECT_TRUE(draws) << draws.error();
  if (!draws) return "";
  std::ostringstream out;
  write_variational_csv(out, info, *result, *draws);
  return out.str();
}

TEST(CsvWriter, SameSeedSameBytesOtherSeedOtherBytes) {
  testing::LogScale model(0.7, 0.3);
  std::string first = fit_to_csv(model, 123);
  std::string second = fit_to_csv(model, 123);
  std::string other = fit_to_csv(model, 124);
  ASSERT_FALSE(first.empty());
  EXPECT_EQ(first, second);
  EXPECT_NE(first, other);
}

TEST(CsvWriter, WritesCmdStanLayout) {
  testing::Tiny model;
  AdviResult result;
  result.mu = {0.5};
  result.omega = {0.0};
  result.eta = 0.1;
  result.eta_adapted = true;
  Rng rng(1);
  Expected<Draws> draws = draw_approximation(model, result, 2, rng);
  ASSERT_TRUE(draws) << draws.error();

  CsvRunInfo info;
  info.model_name = "tiny";
  info.settings.eval_elbo = 50;
  info.output_samples = 2;
  info.seed = 42;
  info.data_file = "tiny.json";
  info.output_file = "fit.csv";
  info.vic_version = "0.1.0";
  std::ostringstream out;
  write_variational_csv(out, info, result, *draws);
  std::string text = out.str();

  const std::string expected_start =
      "# model = tiny\n"
      "# method = variational\n"
      "#   variational\n"
      "#     algorithm = meanfield (Default)\n"
      "#       meanfield\n"
      "#     iter = 10000 (Default)\n"
      "#     grad_samples = 1 (Default)\n"
      "#     elbo_samples = 100 (Default)\n"
      "#     eta = 1 (Default)\n"
      "#     adapt\n"
      "#       engaged = 1 (Default)\n"
      "#       iter = 50 (Default)\n"
      "#     tol_rel_obj = 0.01 (Default)\n"
      "#     eval_elbo = 50\n"
      "#     output_samples = 2\n"
      "# data\n"
      "#   file = tiny.json\n"
      "# init = 2 (Default)\n"
      "# random\n"
      "#   seed = 42\n"
      "# output\n"
      "#   file = fit.csv\n"
      "# vic_version = 0.1.0\n"
      "lp__,log_p__,log_g__,mu,mu_sq\n"
      "# Stepsize adaptation complete.\n"
      "# eta = 0.1\n"
      "0,0,0,0.5,0.25\n";
  ASSERT_EQ(text.substr(0, expected_start.size()), expected_start);

  // Two draw rows: lp__ = 0, then values that read back exactly.
  std::istringstream rows(text.substr(expected_start.size()));
  std::string line;
  int count = 0;
  while (std::getline(rows, line)) {
    ++count;
    std::vector<double> values;
    std::istringstream fields(line);
    std::string field;
    while (std::getline(fields, field, ',')) values.push_back(std::stod(field));
    ASSERT_EQ(values.size(), 5u);
    EXPECT_EQ(values[0], 0);
    EXPECT_EQ(values[1], draws->at(count, 1));
    EXPECT_EQ(values[2], draws->at(count, 2));
    EXPECT_EQ(values[3], draws->at(count, 3));
    EXPECT_EQ(values[4], draws->at(count, 3) * draws->at(count, 3));
  }
  EXPECT_EQ(count, 2);
}

TEST(CsvWriter, NoAdaptationCommentsWithoutAdaptation) {
  testing::Tiny model;
  AdviResult result;
  result.mu = {0.0};
  result.omega = {0.0};
  result.eta = 1;
  Rng rng(1);
  Expected<Draws> draws = draw_approximation(model, result, 0, rng);
  ASSERT_TRUE(draws) << draws.error();
  std::ostringstream out;
  write_variational_csv(out, CsvRunInfo{}, result, *draws);
  EXPECT_EQ(out.str().find("Stepsize"), std::string::npos);
  EXPECT_NE(out.str().find("lp__,log_p__,log_g__,mu,mu_sq\n0,0,0,0,0\n"), std::string::npos);
}

TEST(CsvWriter, ClosesWithTheParetoKHatWhenGiven) {
  testing::Tiny model;
  AdviResult result;
  result.mu = {0.0};
  result.omega = {0.0};
  Rng rng(1);
  Expected<Draws> draws = draw_approximation(model, result, 2, rng);
  ASSERT_TRUE(draws) << draws.error();
  CsvRunInfo info;
  std::ostringstream without;
  write_variational_csv(without, info, result, *draws);
  EXPECT_EQ(without.str().find("k-hat"), std::string::npos);
  info.pareto_k_hat = 0.764;
  std::ostringstream with;
  write_variational_csv(with, info, result, *draws);
  const std::string last = "# Pareto k-hat = 0.76: do not trust the fit (above 0.7: the approximation is far from the "
                           "posterior)\n";
  ASSERT_GE(with.str().size(), last.size());
  EXPECT_EQ(with.str().substr(with.str().size() - last.size()), last);
  EXPECT_EQ(with.str().substr(0, without.str().size()), without.str());
}

TEST(CsvWriter, FormatsValuesForRoundTrip) {
  EXPECT_EQ(format_csv_value(0.1), "0.1");
  EXPECT_EQ(format_csv_value(-3), "-3");
  EXPECT_EQ(format_csv_value(1.0 / 3.0), "0.3333333333333333");
  EXPECT_EQ(format_csv_value(1e300), "1e+300");
  EXPECT_EQ(format_csv_value(-std::numeric_limits<double>::infinity()), "-inf");
  EXPECT_EQ(format_csv_value(std::numeric_limits<double>::quiet_NaN()), "nan");
}

}  // namespace
}  // namespace vic::runtime
