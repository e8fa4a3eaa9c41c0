// Tests for mean-field ADVI on hand-written models whose posteriors are Gaussian
// on the unconstrained scale (so mean-field is exact and the answer is known),
// for Stan's eta adaptation and convergence behaviour, errors, and drawing.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "runtime/advi.h"
#include "test_models.h"

namespace vic::runtime {
namespace {

using testing::AlwaysFails;
using testing::IndependentNormals;
using testing::LogScale;

bool is_eta_candidate(double eta) {
  return eta == 100 || eta == 10 || eta == 1 || eta == 0.1 || eta == 0.01;
}

// Settings under which the stochastic optimisation settles well: Stan's defaults
// stop at the first ELBO plateau, which for these models is within a few tenths
// of a standard deviation, not closer.
AdviSettings accurate_settings() {
  AdviSettings settings;
  settings.grad_samples = 10;
  settings.tol_rel_obj = 1e-4;
  settings.max_iterations = 3000;
  return settings;
}

const std::vector<double> kMeans = {1.0, -2.0, 3.0};
const std::vector<double> kSds = {0.5, 1.0, 2.0};

TEST(Advi, ConvergesWithStanDefaults) {
  IndependentNormals model(kMeans, kSds);
  Rng rng(20240611);
  Expected<AdviResult> result = run_advi(model, AdviSettings{}, rng);
  ASSERT_TRUE(result) << result.error();
  EXPECT_TRUE(result->converged) << result->convergence_message;
  EXPECT_LT(result->iterations, AdviSettings{}.max_iterations);
  EXPECT_EQ(result->iterations % AdviSettings{}.eval_elbo, 0);
  EXPECT_NE(result->convergence_message.find("ELBO CONVERGED"), std::string::npos);
  EXPECT_TRUE(result->eta_adapted);
  EXPECT_TRUE(is_eta_candidate(result->eta)) << result->eta;
  ASSERT_EQ(result->mu.size(), 3u);
  ASSERT_EQ(result->omega.size(), 3u);
  for (size_t d = 0; d < 3; ++d) {
    EXPECT_NEAR(result->mu[d], kMeans[d], 0.35 * kSds[d]) << "coordinate " << d;
    EXPECT_NEAR(std::exp(result->omega[d]), kSds[d], 0.25 * kSds[d]) << "coordinate " << d;
  }
  // The optimum's ELBO is the log evidence: the model's offset.
  EXPECT_NEAR(result->final_elbo(), -50.0, 0.5);
  // One gradient for the initial point, 50 per eta candidate tried (2 to 5 of
  // them), one per ascent iteration: nothing was dropped.
  int64_t adaptation_grads = result->num_lp_grad_calls - 1 - result->iterations;
  EXPECT_EQ(adaptation_grads % 50, 0);
  EXPECT_GE(adaptation_grads, 100);
  EXPECT_LE(adaptation_grads, 250);
  EXPECT_GT(result->num_lp_calls, 6 * 100);
  ASSERT_FALSE(result->elbo_trace.empty());
  EXPECT_EQ(result->elbo_trace.back().iteration, result->iterations);
  // The first relative change is against an ELBO of 0: exactly 1.
  EXPECT_EQ(result->elbo_trace.front().rel_mean, 1.0);
}

TEST(Advi, FitsIndependentNormals) {
  IndependentNormals model(kMeans, kSds);
  Rng rng(42);
  Expected<AdviResult> result = run_advi(model, accurate_settings(), rng);
  ASSERT_TRUE(result) << result.error();
  for (size_t d = 0; d < 3; ++d) {
    EXPECT_NEAR(result->mu[d], kMeans[d], 0.1 * kSds[d]) << "coordinate " << d;
    EXPECT_NEAR(std::exp(result->omega[d]), kSds[d], 0.1 * kSds[d]) << "coordinate " << d;
  }
}

TEST(Advi, FitsLogTransformedPositiveParameter) {
  // log(sigma) ~ normal(0.7, 0.3) exactly, so q should be N(0.7, 0.3) on the log scale.
  LogScale model(0.7, 0.3);
  Rng rng(7);
  Expected<AdviResult> result = run_advi(model, accurate_settings(), rng);
  ASSERT_TRUE(result) << result.error();
  EXPECT_NEAR(result->mu[0], 0.7, 0.1 * 0.3);
  EXPECT_NEAR(std::exp(result->omega[0]), 0.3, 0.1 * 0.3);

  Expected<Draws> draws = draw_approximation(model, *result, 4000, rng);
  ASSERT_TRUE(draws) << draws.error();
  ASSERT_EQ(draws->num_rows(), 4001u);
  // Row 0: the mean, sigma = exp(mu).
  EXPECT_DOUBLE_EQ(draws->at(0, 3), std::exp(result->mu[0]));
  EXPECT_DOUBLE_EQ(draws->at(0, 4), result->mu[0]);
  std::vector<double> sigma;
  double log_sigma_sum = 0;
  for (size_t r = 1; r < draws->num_rows(); ++r) {
    EXPECT_DOUBLE_EQ(draws->at(r, 3), std::exp(draws->at(r, 4)));
    sigma.push_back(draws->at(r, 3));
    log_sigma_sum += draws->at(r, 4);
  }
  EXPECT_NEAR(log_sigma_sum / 4000, 0.7, 0.05);
  std::nth_element(sigma.begin(), sigma.begin() + 2000, sigma.end());
  EXPECT_NEAR(sigma[2000], std::exp(0.7), 0.1);
}

TEST(Advi, AdaptsLargeEtaForADistantPosterior) {
  // cmdstanpy's eta_should_be_big.stan: the posterior is N((23333, 16667), 57.7^2 I)
  // and the start is in (-2, 2), so the largest step size wins.
  double sd = 100 / std::sqrt(3.0);
  IndependentNormals model({70000.0 / 3, 50000.0 / 3}, {sd, sd}, 0.0);
  Rng rng(1);
  Expected<AdviResult> result = run_advi(model, AdviSettings{}, rng);
  ASSERT_TRUE(result) << result.error();
  EXPECT_EQ(result->eta, 100);
}

TEST(Advi, DoesNotConvergeWhenTheElboIsNearZero) {
  // cmdstanpy's eta_should_fail.stan: y ~ multi_normal(mu, I) with y = 0 has log
  // evidence 0, so the relative ELBO change never settles and Stan runs to the
  // iteration limit.
  IndependentNormals model({0, 0}, {1, 1}, 0.0);
  Rng rng(12345);
  Expected<AdviResult> result = run_advi(model, AdviSettings{}, rng);
  ASSERT_TRUE(result) << result.error();
  EXPECT_FALSE(result->converged);
  EXPECT_EQ(result->iterations, 10000);
  EXPECT_EQ(result->convergence_message, "maximum number of iterations reached");
  EXPECT_EQ(result->elbo_trace.size(), 100u);
}

TEST(Advi, LogsStanProgressLines) {
  IndependentNormals model(kMeans, kSds);
  Rng rng(3);
  std::vector<std::string> lines;
  Expected<AdviResult> result = run_advi(model, AdviSettings{}, rng, {},
                                         [&](const std::string& line) { lines.push_back(line); });
  ASSERT_TRUE(result) << result.error();
  ASSERT_GE(lines.size(), 6u);
  EXPECT_EQ(lines[0], "Begin eta adaptation.");
  EXPECT_EQ(lines[1], "Iteration:   1 / 250 [  0%]  (Adaptation)");
  EXPECT_EQ(lines[2], "Iteration:  50 / 250 [ 20%]  (Adaptation)");
  auto has = [&](const std::string& text) {
    return std::find(lines.begin(), lines.end(), text) != lines.end();
  };
  EXPECT_TRUE(has("Begin stochastic gradient ascent."));
  EXPECT_TRUE(has("  iter             ELBO   delta_ELBO_mean   delta_ELBO_med   notes "));
}

TEST(Advi, UsesGivenInitAndEtaWithoutAdaptation) {
  IndependentNormals model(kMeans, kSds);
  AdviSettings settings;
  settings.adapt_engaged = false;
  settings.eta = 0.1;
  settings.max_iterations = 200;
  Rng rng(5);
  std::vector<double> init = {0.25, 0.5, -0.75};
  Expected<AdviResult> result = run_advi(model, settings, rng, init);
  ASSERT_TRUE(result) << result.error();
  EXPECT_EQ(result->initial_point, init);
  EXPECT_FALSE(result->eta_adapted);
  EXPECT_EQ(result->eta, 0.1);
  EXPECT_LE(result->iterations, 200);
}

TEST(Advi, DrawsInitFromRngWithinRadius) {
  IndependentNormals model(kMeans, kSds);
  AdviSettings settings;
  settings.max_iterations = 100;
  settings.adapt_engaged = false;
  Rng rng(11);
  Expected<AdviResult> result = run_advi(model, settings, rng);
  ASSERT_TRUE(result) << result.error();
  for (double x : result->initial_point) {
    EXPECT_GT(x, -2);
    EXPECT_LT(x, 2);
  }
}

TEST(Advi, FailedInitializationIsAnError) {
  AlwaysFails model;
  Rng rng(1);
  Expected<AdviResult> result = run_advi(model, AdviSettings{}, rng);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error(),
            "initialization between (-2, 2) failed after 100 attempts (last: error evaluating the "
            "log density: m.vmodel:3:5: normal_lpdf: Scale parameter is -1, but must be "
            "positive); try reducing ranges of constrained values or reparameterizing the model");
}

TEST(Advi, RejectsBadSettings) {
  IndependentNormals model(kMeans, kSds);
  Rng rng(1);
  AdviSettings settings;
  settings.grad_samples = 0;
  Expected<AdviResult> result = run_advi(model, settings, rng);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error(), "ADVI: grad_samples must be positive, but is 0");
}

// IndependentNormals whose outputs fail to compute where theta[0] > 1.
class FailsToConstrainAboveOne : public IndependentNormals {
 public:
  FailsToConstrainAboveOne() : IndependentNormals({0}, {1}) {}
  void constrain(const double* theta, Rng& rng, double* out, EvalError* error) const override {
    if (theta[0] > 1) {
      *error = 3;
      return;
    }
    out[0] = theta[0];
  }
  std::string describe_error(EvalError error) const override { return "m.vmodel:9:3: too big"; }
};

TEST(Advi, DrawWhoseOutputsFailGetsNaN) {
  FailsToConstrainAboveOne model;
  AdviResult result;
  result.mu = {0};
  result.omega = {0};
  Rng rng(9);
  Expected<Draws> draws = draw_approximation(model, result, 200, rng);
  ASSERT_TRUE(draws) << draws.error();
  size_t nan_rows = 0;
  for (size_t r = 1; r < draws->num_rows(); ++r) {
    if (std::isnan(draws->at(r, 3))) {
      ++nan_rows;
      EXPECT_TRUE(std::isfinite(draws->at(r, 1)));
    }
  }
  EXPECT_GT(nan_rows, 0u);
  EXPECT_EQ(draws->num_constrain_errors, nan_rows);
  EXPECT_EQ(draws->first_constrain_error, "m.vmodel:9:3: too big");
}

TEST(Advi, DrawsHaveStanDiagnosticColumns) {
  IndependentNormals model(kMeans, kSds);
  AdviResult result;
  result.mu = {1, 2, 3};
  result.omega = {0, std::log(2.0), 0};
  Rng rng(9);
  Expected<Draws> draws = draw_approximation(model, result, 3, rng);
  ASSERT_TRUE(draws) << draws.error();
  EXPECT_EQ(draws->column_names, (std::vector<std::string>{"lp__", "log_p__", "log_g__",
                                                          "theta.1", "theta.2", "theta.3"}));
  EXPECT_EQ(draws->values[0], 0);
  EXPECT_EQ(draws->values[1], 0);
  EXPECT_EQ(draws->values[2], 0);
  EXPECT_EQ(draws->values[3], 1);
  EXPECT_EQ(draws->values[4], 2);
  for (size_t r = 1; r <= 3; ++r) {
    EXPECT_EQ(draws->at(r, 0), 0);
    // log_g = -0.5 |eta|^2 with eta recovered from the draw.
    double eta0 = draws->at(r, 3) - 1, eta1 = (draws->at(r, 4) - 2) / 2, eta2 = draws->at(r, 5) - 3;
    EXPECT_NEAR(draws->at(r, 2), -0.5 * (eta0 * eta0 + eta1 * eta1 + eta2 * eta2), 1e-12);
    std::vector<double> theta = {draws->at(r, 3), draws->at(r, 4), draws->at(r, 5)};
    EXPECT_DOUBLE_EQ(draws->at(r, 1), model.lp(theta.data(), nullptr));
  }
}

}  // namespace
}  // namespace vic::runtime
