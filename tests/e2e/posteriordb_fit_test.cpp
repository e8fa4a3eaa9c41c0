// End to end against posteriordb reference posteriors (long NUTS runs).
#include <cmath>
#include <map>

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

// Mean-field ADVI with Stan's settings lands within 0.5 reference sd of every
// quantity on most seeds, not all: when its eta search settles on 0.1 the
// ascent stops early. Measured over seeds 1-100 on eight schools: Stan 2.39
// misses 0.5 on 9 seeds (seed 12: 0.83), vic on 12 (seeds 4 and 6 among the
// first 20), with the same eta choices (1: 90, 0.1: 9-10, 0.01: 0-1). This test
// holds vic to that: seeds 1-20, at most 4 above 0.5, none above 1.5, and the
// mean worst z below 0.4 (Stan: 0.30, vic: 0.34 over 100 seeds).
TEST(PosteriorDb, EightSchoolsMatchesTheReferenceAsStansAdviDoes) {
  auto m = compile_example("eight_schools");
  ASSERT_TRUE(m);
  std::string reference = read_file(example_path("eight_schools/reference.json"));
  int above = 0;
  double sum = 0;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    Fit f = fit(m->model(), seed);
    double z = worst_z(f.draws, reference);
    EXPECT_LT(z, 1.5) << "seed " << seed;
    above += z >= 0.5;
    sum += z;
    std::cout << "eight schools, seed " << seed << ": worst z = " << z << ", eta = " << f.result.eta
              << ", iterations " << f.result.iterations << "\n";
  }
  EXPECT_LE(above, 4);
  EXPECT_LT(sum / 20, 0.4);
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
