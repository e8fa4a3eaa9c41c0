// End to end against posteriordb reference posteriors (long NUTS runs).
#include <cmath>
#include <map>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "runtime/advi.h"
#include "runtime/summary.h"
#include "test_util.h"

namespace vic {
namespace {

using testing_util::compile_example;
using testing_util::example_path;
using testing_util::read_file;

struct Fit {
  runtime::AdviResult result;
  runtime::Draws draws;
};

Fit fit(const runtime::Model& model, uint64_t seed) {
  Rng rng(seed);
  Expected<runtime::AdviResult> result = runtime::run_advi(model, runtime::AdviSettings{}, rng);
  VIC_CHECK(result) << result.error();
  Expected<runtime::Draws> draws = runtime::draw_approximation(model, *result, 1000, rng);
  VIC_CHECK(draws) << draws.error();
  return {result.take(), draws.take()};
}

// "theta[1]" -> "theta.1"
std::string cmdstan_name(std::string key) {
  for (char& c : key)
    if (c == '[' || c == ',') c = '.';
  key.erase(std::remove(key.begin(), key.end(), ']'), key.end());
  key.erase(std::remove(key.begin(), key.end(), ' '), key.end());
  return key;
}

// The worst |mean - reference mean| / reference sd over the reference quantities.
double worst_z(const runtime::Draws& draws, const std::string& reference_json) {
  nlohmann::json ref = nlohmann::json::parse(reference_json);
  std::map<std::string, runtime::ColumnSummary> by_name;
  for (const runtime::ColumnSummary& s : runtime::summarize_draws(draws)) by_name[s.name] = s;
  double worst = 0;
  for (auto& [key, value] : ref.items()) {
    auto it = by_name.find(cmdstan_name(key));
    EXPECT_NE(it, by_name.end()) << "no output column for reference quantity " << key;
    if (it == by_name.end()) continue;
    double z = std::fabs(it->second.mean - value["mean"].get<double>()) / value["sd"].get<double>();
    worst = std::max(worst, z);
  }
  return worst;
}

TEST(PosteriorDb, EightSchoolsWithinHalfAReferenceSdForSeeds1To5) {
  auto m = compile_example("eight_schools");
  ASSERT_TRUE(m);
  std::string reference = read_file(example_path("eight_schools/reference.json"));
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    Fit f = fit(m->model(), seed);
    double z = worst_z(f.draws, reference);
    EXPECT_LT(z, 0.5) << "seed " << seed;
    std::cout << "eight schools, seed " << seed << ": worst z = " << z << ", eta = " << f.result.eta
              << ", iterations " << f.result.iterations << "\n";
  }
}

// vic's ADVI is Stan's, draw for draw: with the same generator, seeding and
// arithmetic, seed 1 reproduces CmdStan 2.39's output (to the 6 significant
// digits CmdStan writes).
TEST(PosteriorDb, EightSchoolsReproducesCmdStanSeed1) {
  auto m = compile_example("eight_schools");
  ASSERT_TRUE(m);
  Fit f = fit(m->model(), 1);
  std::istringstream cmdstan(read_file(std::string(VIC_SOURCE_DIR) + "/tests/e2e/data/cmdstan_eight_schools_seed1.csv"));
  std::string line;
  std::vector<std::vector<std::string>> rows;
  while (std::getline(cmdstan, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> cells;
    std::stringstream cells_in(line);
    for (std::string cell; std::getline(cells_in, cell, ',');) cells.push_back(cell);
    rows.push_back(cells);
  }
  ASSERT_EQ(rows.size(), 7u);
  EXPECT_EQ(rows[0], f.draws.column_names);
  for (size_t r = 1; r < rows.size(); ++r) {
    for (size_t c = 0; c < rows[r].size(); ++c) {
      double expected = std::stod(rows[r][c]);
      EXPECT_NEAR(f.draws.at(r - 1, c), expected, 1e-5 * std::max(1.0, std::fabs(expected)))
          << "row " << r - 1 << ", column " << rows[0][c];
    }
  }
}

// With the compiled ELBO (one call per gradient estimate) the same run gives
// the same draws, bit for bit, with Stan's one draw per gradient; with three
// draws the sums run in another order, and the fit stays within rounding.
TEST(PosteriorDb, CompiledElboGivesStansAdviDraws) {
  const ir::EntryPoint meanfield[] = {ir::EntryPoint::ElboGradientMeanField};
  auto plain = compile_example("eight_schools");
  auto compiled = testing_util::compile_source("eight_schools", read_file(example_path("eight_schools/model.vmodel")),
                                               read_file(example_path("eight_schools/data.json")), meanfield);
  ASSERT_TRUE(plain && compiled);
  ASSERT_NE(compiled->model().compiled_elbo("meanfield"), nullptr);
  for (int grad_samples : {1, 3}) {
    runtime::AdviSettings settings;
    settings.grad_samples = grad_samples;
    std::vector<runtime::Draws> draws;
    std::vector<int> lp_grad_calls;
    for (const runtime::Model* model : {&plain->model(), &compiled->model()}) {
      Rng rng(1);
      Expected<runtime::AdviResult> result = runtime::run_advi(*model, settings, rng);
      ASSERT_TRUE(result) << result.error();
      Expected<runtime::Draws> d = runtime::draw_approximation(*model, *result, 1000, rng);
      ASSERT_TRUE(d) << d.error();
      draws.push_back(d.take());
      lp_grad_calls.push_back(static_cast<int>(result->num_lp_grad_calls));
    }
    EXPECT_EQ(lp_grad_calls[0], lp_grad_calls[1]);
    ASSERT_EQ(draws[0].values.size(), draws[1].values.size());
    for (size_t k = 0; k < draws[0].values.size(); ++k) {
      if (grad_samples == 1) {
        ASSERT_EQ(draws[0].values[k], draws[1].values[k]) << "value " << k;
      } else {
        ASSERT_NEAR(draws[0].values[k], draws[1].values[k], 1e-6 * std::max(1.0, std::fabs(draws[0].values[k])))
            << "value " << k;
      }
    }
  }
}

// Stan's own ADVI lands 0.8 to 45 reference sds away on these two: accuracy is
// the next issue's work. Here: they fit and their draws are written.
TEST(PosteriorDb, KidiqModelsFitAndWriteDraws) {
  for (const char* name : {"kidiq_momiq", "kidiq_interaction_z"}) {
    auto m = compile_example(name);
    ASSERT_TRUE(m) << name;
    Fit f = fit(m->model(), 1);
    EXPECT_EQ(f.draws.num_rows(), 1001u) << name;
    EXPECT_EQ(f.draws.num_constrain_errors, 0u) << name;
    for (double v : f.draws.values) ASSERT_TRUE(std::isfinite(v)) << name;
    std::cout << name << ": worst z = " << worst_z(f.draws, read_file(example_path(std::string(name) + "/reference.json")))
              << "\n";
  }
}

}  // namespace
}  // namespace vic
