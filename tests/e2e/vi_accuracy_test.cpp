// The default algorithm's accuracy (issue 12's acceptance): on kidiq momiq and
// interaction, the earnings and mesquite posteriors of posteriordb, and a
// linear regression with an uncentred simulated design matrix, every
// reference mean within 0.2 reference sds and every sd within 25%, at seeds
// 1-5. The posteriordb models are examples/posteriordb's; their data and
// references are copied into tests/e2e/data/posteriordb.
#include <gtest/gtest.h>

#include <boost/random/normal_distribution.hpp>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "runtime/dense_matrix.h"
#include "runtime/summary.h"
#include "runtime/vi.h"
#include "test_util.h"


namespace vic {
namespace {

using testing_util::read_file;

struct Reference {
  double mean;
  double sd;
};

// Fits with the default settings at `seed` and checks every reference quantity.
void expect_accurate(const runtime::Model& model, const std::map<std::string, Reference>& reference, uint64_t seed,
                     const std::string& what) {
  Expected<runtime::ViResult> fit = runtime::run_vi(model, runtime::ViSettings{}, seed);
  ASSERT_TRUE(fit) << what << ": " << fit.error();
  Rng rng(seed);
  Expected<runtime::Draws> draws = runtime::draw_family(model, *fit, 4000, rng, nullptr);
  ASSERT_TRUE(draws) << what << ": " << draws.error();
  std::map<std::string, runtime::ColumnSummary> by_name;
  for (const runtime::ColumnSummary& s : runtime::summarize_draws(*draws)) by_name[s.name] = s;
  double worst_z = 0, worst_ratio = 1;
  for (const auto& [name, ref] : reference) {
    auto it = by_name.find(name);
    ASSERT_NE(it, by_name.end()) << what << ": no output " << name;
    const double z = std::fabs(it->second.mean - ref.mean) / ref.sd;
    const double ratio = it->second.sd / ref.sd;
    EXPECT_LT(z, 0.2) << what << ", seed " << seed << ": " << name;
    EXPECT_GT(ratio, 0.75) << what << ", seed " << seed << ": " << name;
    EXPECT_LT(ratio, 1.25) << what << ", seed " << seed << ": " << name;
    worst_z = std::max(worst_z, z);
    if (std::fabs(std::log(ratio)) > std::fabs(std::log(worst_ratio))) worst_ratio = ratio;
  }
  std::cout << what << ", seed " << seed << ": worst z " << worst_z << ", worst sd ratio " << worst_ratio << "\n";
}

// posteriordb's reference.json, with Stan's names turned into vic's columns.
std::map<std::string, Reference> read_reference(const std::string& path) {
  std::map<std::string, Reference> out;
  nlohmann::json json = nlohmann::json::parse(read_file(path));
  for (auto& [key, value] : json.items()) {
    std::string name = key;
    for (char& c : name)
      if (c == '[' || c == ',') c = '.';
    std::erase(name, ']');
    std::erase(name, ' ');
    out[name] = {value["mean"].get<double>(), value["sd"].get<double>()};
  }
  return out;
}

class PosteriorDbAccuracy : public ::testing::TestWithParam<std::pair<const char*, const char*>> {};

TEST_P(PosteriorDbAccuracy, WithinAFifthOfAnSdAtSeeds1To5) {
  const auto [posterior, dataset] = GetParam();
  const std::string source_dir = VIC_SOURCE_DIR;
  const std::string data_dir = source_dir + "/tests/e2e/data/posteriordb/";
  auto m = testing_util::compile_source(posterior, read_file(source_dir + "/examples/posteriordb/" + posterior + ".vmodel"),
                                        read_file(data_dir + dataset + ".json"));
  ASSERT_TRUE(m);
  std::map<std::string, Reference> reference = read_reference(data_dir + posterior + ".reference.json");
  for (uint64_t seed = 1; seed <= 5; ++seed) expect_accurate(m->model(), reference, seed, posterior);
}

INSTANTIATE_TEST_SUITE_P(
    Default, PosteriorDbAccuracy,
    ::testing::Values(std::pair{"kidiq-kidscore_momiq", "kidiq"}, std::pair{"kidiq-kidscore_interaction", "kidiq"},
                      std::pair{"earnings-earn_height", "earnings"}, std::pair{"earnings-log10earn_height", "earnings"},
                      std::pair{"earnings-logearn_height", "earnings"},
                      std::pair{"earnings-logearn_height_male", "earnings"},
                      std::pair{"earnings-logearn_interaction", "earnings"},
                      std::pair{"mesquite-logmesquite", "mesquite"}, std::pair{"mesquite-logmesquite_logva", "mesquite"},
                      std::pair{"mesquite-logmesquite_logvas", "mesquite"},
                      std::pair{"mesquite-logmesquite_logvolume", "mesquite"}),
    [](const auto& info) {
      std::string name = info.param.first;
      for (char& c : name)
        if (c == '-') c = '_';
      return name;
    });

// y ~ normal(X * beta + alpha, sigma) with N = 1000, K = 10 and predictors
// centred far from 0 (means 20..110, sds 5), flat priors on alpha and beta
// and p(sigma) proportional to 1 / sigma, whose posterior is known in closed
// form: (alpha, beta) multivariate t with N - K - 1 degrees of freedom about
// the least-squares fit, scale s^2 (Z'Z)^-1; sigma^2 scaled inverse chi^2.
TEST(LinearRegressionAccuracy, UncentredDesignWithinAFifthOfAnSdAtSeeds1To5) {
  constexpr int kN = 1000, kK = 10, kP = kK + 1;
  Rng rng(2024);
  boost::random::normal_distribution<double> normal(0.0, 1.0);
  std::vector<double> x(kN * kK), y(kN);
  std::vector<double> beta_true(kK);
  for (int k = 0; k < kK; ++k) beta_true[k] = normal(rng);
  for (int n = 0; n < kN; ++n) {
    double mean = 3.0;
    for (int k = 0; k < kK; ++k) {
      x[n * kK + k] = 20 + 10 * k + 5 * normal(rng);
      mean += beta_true[k] * x[n * kK + k];
    }
    y[n] = mean + 2 * normal(rng);
  }
  // Least squares: Z = [1, X], b = (Z'Z)^-1 Z'y.
  std::vector<double> ztz(kP * kP, 0.0), zty(kP, 0.0);
  for (int n = 0; n < kN; ++n) {
    double z[kP];
    z[0] = 1;
    for (int k = 0; k < kK; ++k) z[k + 1] = x[n * kK + k];
    for (int i = 0; i < kP; ++i) {
      zty[i] += z[i] * y[n];
      for (int j = 0; j < kP; ++j) ztz[i + j * kP] += z[i] * z[j];
    }
  }
  std::vector<double> inverse = ztz;
  ASSERT_TRUE(runtime::cholesky_lower(kP, inverse));
  runtime::inverse_from_cholesky(kP, inverse);
  std::vector<double> b(kP, 0.0);
  for (int i = 0; i < kP; ++i)
    for (int j = 0; j < kP; ++j) b[i] += inverse[i + j * kP] * zty[j];
  double rss = 0;
  for (int n = 0; n < kN; ++n) {
    double fitted = b[0];
    for (int k = 0; k < kK; ++k) fitted += b[k + 1] * x[n * kK + k];
    rss += (y[n] - fitted) * (y[n] - fitted);
  }
  const double nu = kN - kP, s2 = rss / nu;
  std::map<std::string, Reference> reference;
  for (int i = 0; i < kP; ++i) {
    const std::string name = i == 0 ? "alpha" : "beta." + std::to_string(i);
    reference[name] = {b[i], std::sqrt(s2 * inverse[i + i * kP] * nu / (nu - 2))};
  }
  const double sigma_mean = std::sqrt(s2 * nu / 2) * std::exp(std::lgamma((nu - 1) / 2) - std::lgamma(nu / 2));
  reference["sigma"] = {sigma_mean, std::sqrt(s2 * nu / (nu - 2) - sigma_mean * sigma_mean)};

  std::ostringstream json;
  json.precision(17);
  json << "{\"N\": " << kN << ", \"K\": " << kK << ", \"X\": [";
  for (int n = 0; n < kN; ++n) {
    json << (n ? ", [" : "[");
    for (int k = 0; k < kK; ++k) json << (k ? ", " : "") << x[n * kK + k];
    json << "]";
  }
  json << "], \"y\": [";
  for (int n = 0; n < kN; ++n) json << (n ? ", " : "") << y[n];
  json << "]}";
  auto m = testing_util::compile_source("linear_regression",
                                        "data {\n  int<lower=1> N;\n  int<lower=1> K;\n  matrix[N, K] X;\n"
                                        "  vector[N] y;\n}\nparameters {\n  real alpha;\n  vector[K] beta;\n"
                                        "  real<lower=0> sigma;\n}\nmodel {\n  target += -log(sigma);\n"
                                        "  y ~ normal(X * beta + alpha, sigma);\n}\n",
                                        json.str());
  ASSERT_TRUE(m);
  for (uint64_t seed = 1; seed <= 5; ++seed) expect_accurate(m->model(), reference, seed, "linear regression");
}

}  // namespace
}  // namespace vic
