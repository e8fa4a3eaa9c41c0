// Stan's log_prob<propto, jacobian>, all four, each with and without its
// gradient, compiled from the entry-point table (ir/entry_points.def) for
//   mu ~ normal(0, 1);  y ~ normal(mu, sigma);  sigma > 0 as sigma = exp(u)
// and compared with the closed form: the Jacobian adds log|dsigma/du| = u,
// `propto` drops the two -log(sqrt(2 pi)) constants and nothing else.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "codegen/jit.h"
#include "ir/entry_points.h"
#include "ir/lower/lower.h"
#include "ir/passes/pipeline.h"
#include "tools/model_compiler.h"

namespace vic {
namespace {

const char* kModel = R"(transformed data {
  real y = 1.5;
}
parameters {
  real mu;
  real<lower=0> sigma;
}
model {
  mu ~ normal(0, 1);
  y ~ normal(mu, sigma);
}
)";

constexpr double kY = 1.5;
const double kHalfLog2Pi = 0.5 * std::log(2 * std::numbers::pi);

// The closed form at theta = (mu, u) and its gradient.
double closed_form(double mu, double u, bool propto, bool jacobian, double grad[2]) {
  const double sigma = std::exp(u), r = (kY - mu) / sigma;
  double lp = -0.5 * mu * mu - 0.5 * r * r - u;
  if (!propto) lp -= 2 * kHalfLog2Pi;
  if (jacobian) lp += u;
  grad[0] = -mu + r / sigma;
  grad[1] = r * r - 1 + (jacobian ? 1 : 0);
  return lp;
}

// Every entry point a program without a guide has (a guide's ELBO is
// guide_test.cpp's).
bool has_model_entry_point(const ir::EntryPointInfo& info) { return info.role != ir::EntryRole::GuideElbo; }

class LogProbVariants : public ::testing::Test {
 protected:
  void SetUp() override {
    checked_ = tools::check_model_source("normal.vmodel", kModel);
    ASSERT_TRUE(checked_.ast) << checked_.diagnostics.str();
    std::vector<ir::EntryPoint> every;
    for (const ir::EntryPointInfo& info : ir::all_entry_points())
      if (has_model_entry_point(info)) every.push_back(info.id);
    ir::Program lowered = lower::lower_program(*checked_.ast, every);
    ir::PipelineSettings settings;
    // No data and nothing hoisted: the functions run with an empty context.
    settings.hoist_data_only = false;
    program_ = ir::run_pipeline(lowered, settings, nullptr);
    auto module = codegen::jit_compile(program_);
    ASSERT_TRUE(module) << module.error();
    module_ = module.take();
  }

  void* lookup(ir::EntryPoint e) { return module_->lookup(ir::entry_point_symbol(e)); }

  tools::CheckedModel checked_;
  ir::Program program_;
  std::unique_ptr<codegen::JitModule> module_;
};

TEST_F(LogProbVariants, EveryEntryPointIsCompiled) {
  for (const ir::EntryPointInfo& info : ir::all_entry_points()) {
    if (!has_model_entry_point(info)) continue;
    EXPECT_TRUE(program_.find(info.id)) << info.symbol;
    EXPECT_TRUE(lookup(info.id)) << info.symbol;
  }
}

TEST_F(LogProbVariants, MatchTheClosedForms) {
  const void* no_data[1] = {nullptr};
  const double points[][2] = {{0.0, 0.0}, {0.3, -0.7}, {-1.2, 1.1}, {2.5, 0.4}};
  for (bool propto : {false, true}) {
    for (bool jacobian : {false, true}) {
      auto value = reinterpret_cast<codegen::LogDensityFn>(
          lookup(ir::log_density_entry_point(propto, jacobian, /*gradient=*/false)));
      auto gradient = reinterpret_cast<codegen::GradientFn>(
          lookup(ir::log_density_entry_point(propto, jacobian, /*gradient=*/true)));
      ASSERT_TRUE(value && gradient);
      for (const auto& theta : points) {
        double expected_grad[2];
        const double expected = closed_form(theta[0], theta[1], propto, jacobian, expected_grad);
        const std::string what = std::string("propto=") + (propto ? "1" : "0") + " jacobian=" + (jacobian ? "1" : "0") +
                                 " at (" + std::to_string(theta[0]) + ", " + std::to_string(theta[1]) + ")";
        // theta and grad hold 2 elements (for the bounds assertions of a test build).
        const int64_t sizes[] = {2, 2};
        codegen::VicJitContext ctx{no_data, 0, 0, nullptr, nullptr, sizes};
        EXPECT_NEAR(value(theta, &ctx), expected, 1e-12 * std::max(1.0, std::fabs(expected))) << what;
        double grad[2] = {0, 0};
        EXPECT_NEAR(gradient(theta, grad, &ctx), expected, 1e-12 * std::max(1.0, std::fabs(expected))) << what;
        EXPECT_NEAR(grad[0], expected_grad[0], 1e-12 * std::max(1.0, std::fabs(expected_grad[0]))) << what;
        EXPECT_NEAR(grad[1], expected_grad[1], 1e-12 * std::max(1.0, std::fabs(expected_grad[1]))) << what;
        EXPECT_EQ(ctx.error, 0) << what;
      }
    }
  }
}

// The flags differ by exactly what they name: the Jacobian by u, the
// constants by 2 log(sqrt(2 pi)), whatever the point.
TEST_F(LogProbVariants, FlagsDifferByTheJacobianAndTheConstants) {
  const void* no_data[1] = {nullptr};
  auto lp = [&](bool propto, bool jacobian, const double* theta) {
    auto f = reinterpret_cast<codegen::LogDensityFn>(lookup(ir::log_density_entry_point(propto, jacobian, false)));
    const int64_t sizes[] = {2, 2};
    codegen::VicJitContext ctx{no_data, 0, 0, nullptr, nullptr, sizes};
    return f(theta, &ctx);
  };
  const double theta[2] = {0.8, -1.3};
  EXPECT_NEAR(lp(false, true, theta) - lp(false, false, theta), theta[1], 1e-12);
  EXPECT_NEAR(lp(true, true, theta) - lp(true, false, theta), theta[1], 1e-12);
  EXPECT_NEAR(lp(true, true, theta) - lp(false, true, theta), 2 * kHalfLog2Pi, 1e-12);
}

}  // namespace
}  // namespace vic
