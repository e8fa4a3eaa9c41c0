// L-BFGS: the minimum of a correlated quadratic and of Rosenbrock's function,
// stepping back from points where the objective fails, and its errors.
#include "runtime/lbfgs.h"

#include <gtest/gtest.h>

#include <cmath>

#include "tests/runtime/test_models.h"

namespace vic::runtime {
namespace {

// -lp of a Model as the objective, counting failures.
Objective negative_log_density(const Model& model) {
  return [&model](const std::vector<double>& x, double* f, std::vector<double>& grad) {
    EvalError error = 0;
    *f = -model.lp_grad(x.data(), grad.data(), &error);
    for (double& g : grad) g = -g;
    return error == 0 ? Evaluation::Ok : Evaluation::Failed;
  };
}

TEST(Lbfgs, FindsTheModeOfACorrelatedGaussian) {
  testing::CorrelatedNormal target = testing::correlated_target();
  int iterates = 0;
  Expected<LbfgsResult> result = minimize_lbfgs(negative_log_density(target), {5, 5, -5}, LbfgsSettings{},
                                                [&](const LbfgsIterate& it) {
                                                  EXPECT_EQ(it.iteration, iterates);
                                                  ++iterates;
                                                  return true;
                                                });
  ASSERT_TRUE(result) << result.error();
  EXPECT_TRUE(is_converged(result->termination)) << describe_termination(result->termination);
  // Stan's default tolerances stop within about 1e-4 of the mode here.
  for (int d = 0; d < 3; ++d) EXPECT_NEAR(result->x[d], testing::kCorrelatedMean[d], 1e-3) << d;
  EXPECT_EQ(iterates, result->iterations + 1);
  EXPECT_GT(result->evaluations, result->iterations);
}

TEST(Lbfgs, TighterTolerancesGetCloser) {
  testing::CorrelatedNormal target = testing::correlated_target();
  LbfgsSettings settings;
  settings.tol_rel_grad = 1;
  settings.tol_rel_obj = 1;
  Expected<LbfgsResult> result = minimize_lbfgs(negative_log_density(target), {5, 5, -5}, settings);
  ASSERT_TRUE(result) << result.error();
  for (int d = 0; d < 3; ++d) EXPECT_NEAR(result->x[d], testing::kCorrelatedMean[d], 1e-7) << d;
}

TEST(Lbfgs, FindsTheMinimumOfRosenbrocksFunction) {
  Objective rosenbrock = [](const std::vector<double>& x, double* f, std::vector<double>& grad) {
    const double a = 1 - x[0];
    const double b = x[1] - x[0] * x[0];
    *f = a * a + 100 * b * b;
    grad[0] = -2 * a - 400 * x[0] * b;
    grad[1] = 200 * b;
    return Evaluation::Ok;
  };
  Expected<LbfgsResult> result = minimize_lbfgs(rosenbrock, {-1.2, 1}, LbfgsSettings{});
  ASSERT_TRUE(result) << result.error();
  EXPECT_TRUE(is_converged(result->termination)) << describe_termination(result->termination);
  EXPECT_NEAR(result->x[0], 1, 1e-4);
  EXPECT_NEAR(result->x[1], 1, 1e-4);
}

TEST(Lbfgs, StepsBackWhereTheObjectiveFails) {
  // (x - 1.9)^2, undefined beyond 2: a first trial step of 10 lands there.
  int failures = 0;
  Objective walled = [&](const std::vector<double>& x, double* f, std::vector<double>& grad) {
    if (x[0] > 2) {
      ++failures;
      return Evaluation::Failed;
    }
    *f = (x[0] - 1.9) * (x[0] - 1.9);
    grad[0] = 2 * (x[0] - 1.9);
    return Evaluation::Ok;
  };
  LbfgsSettings settings;
  settings.init_alpha = 10;
  Expected<LbfgsResult> result = minimize_lbfgs(walled, {0}, settings);
  ASSERT_TRUE(result) << result.error();
  EXPECT_GT(failures, 0);
  EXPECT_NEAR(result->x[0], 1.9, 1e-6);
}

TEST(Lbfgs, NaNValuesCountAsFailures) {
  Objective nan_beyond_one = [](const std::vector<double>& x, double* f, std::vector<double>& grad) {
    *f = x[0] > 1 ? std::nan("") : (x[0] - 0.5) * (x[0] - 0.5);
    grad[0] = 2 * (x[0] - 0.5);
    return Evaluation::Ok;
  };
  LbfgsSettings settings;
  settings.init_alpha = 100;
  Expected<LbfgsResult> result = minimize_lbfgs(nan_beyond_one, {-3}, settings);
  ASSERT_TRUE(result) << result.error();
  EXPECT_NEAR(result->x[0], 0.5, 1e-6);
}

TEST(Lbfgs, ReportsAnInitialPointItCannotEvaluate) {
  testing::AlwaysFails model;
  Expected<LbfgsResult> result = minimize_lbfgs(negative_log_density(model), {0, 0}, LbfgsSettings{});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error(), "L-BFGS: the objective or its gradient is not finite at the initial point");
}

TEST(Lbfgs, AFatalObjectiveEndsTheMinimisation) {
  int calls = 0;
  Objective fatal_later = [&](const std::vector<double>& x, double* f, std::vector<double>& grad) {
    if (++calls > 3) return Evaluation::Fatal;
    *f = x[0] * x[0];
    grad[0] = 2 * x[0];
    return Evaluation::Ok;
  };
  Expected<LbfgsResult> result = minimize_lbfgs(fatal_later, {3}, LbfgsSettings{});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error(), "L-BFGS: the objective ended the minimisation");
  EXPECT_EQ(calls, 4);
}

TEST(Lbfgs, StopsAtTheIterationLimit) {
  testing::CorrelatedNormal target = testing::correlated_target();
  LbfgsSettings settings;
  settings.max_iterations = 2;
  Expected<LbfgsResult> result = minimize_lbfgs(negative_log_density(target), {5, 5, -5}, settings);
  ASSERT_TRUE(result) << result.error();
  EXPECT_EQ(result->termination, LbfgsTermination::MaxIterations);
  EXPECT_EQ(result->iterations, 2);
  EXPECT_FALSE(is_converged(result->termination));
}

TEST(Lbfgs, RejectsSettingsOutOfRange) {
  testing::CorrelatedNormal target = testing::correlated_target();
  LbfgsSettings settings;
  settings.tol_rel_grad = -1;
  Expected<LbfgsResult> result = minimize_lbfgs(negative_log_density(target), {0, 0, 0}, settings);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error(), "L-BFGS: tol_rel_grad must be positive and finite, but is -1");
}

}  // namespace
}  // namespace vic::runtime
