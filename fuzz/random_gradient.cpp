// The random-program gradient check: two compilations, gradcheck at two step
// sizes, and the comparisons.
#include "fuzz/random_gradient.h"

#include <algorithm>
#include <cfloat>
#include <cmath>

#include "tools/gradcheck.h"
#include "tools/model_compiler.h"

namespace vic::fuzz {

// Empty since IR 2 (containers as values, a lazy conditional) landed.
const std::vector<bool GeneratorOptions::*> kFeaturesNotYetRight = {};

GeneratorOptions gradient_test_options(bool all_features) {
  GeneratorOptions o;
  o.nonsmooth = false;
  o.wild_indices = false;
  o.out_of_domain = false;
  if (!all_features)
    for (bool GeneratorOptions::*feature : kFeaturesNotYetRight) o.*feature = false;
  return o;
}

namespace {

// Whether a difference at `step` matches: 1e-5 relative, plus the round-off
// of a central difference of a function of size |log_density| (its two
// values each carry a few ulps, divided by 2 * step), with room to spare.
bool matches(double analytic, double numeric, double step, double log_density) {
  const double roundoff = 64 * DBL_EPSILON * std::max(1.0, std::fabs(log_density)) / step;
  const double scale = std::max({1.0, std::fabs(analytic), std::fabs(numeric)});
  return std::fabs(analytic - numeric) <= 1e-5 * scale + roundoff;
}

}  // namespace

std::vector<size_t> disagreeing_components(double log_density, const std::vector<double>& analytic,
                                           const std::vector<FiniteDifference>& numeric) {
  std::vector<size_t> out;
  for (size_t k = 0; k < analytic.size(); ++k) {
    // Judged only where two differences agree with each other: where all
    // disagree, the log density itself is too noisy to difference (1 - theta
    // rounding to a few ulps), and the gradient may well be the better value.
    bool judged = false, matched = false;
    for (size_t j = 0; j < kSteps.size(); ++j) {
      for (size_t i = 0; i < j; ++i) judged = judged || matches(numeric[k][i], numeric[k][j], kSteps[i], log_density);
      matched = matched || matches(analytic[k], numeric[k][j], kSteps[j], log_density);
    }
    if (judged && !matched) out.push_back(k);
  }
  return out;
}

bool same_value(double a, double b, double tolerance) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  if (std::isinf(a) || std::isinf(b)) return a == b;
  return std::fabs(a - b) <= tolerance * std::max({1.0, std::fabs(a), std::fabs(b)});
}

namespace {

ProgramCheck failure(std::string message) {
  ProgramCheck c;
  c.outcome = Outcome::Failed;
  c.message = std::move(message);
  return c;
}

// Compares one point; false when the point is skipped.
bool check_point(const runtime::Model& optimised, const runtime::Model& reference, uint64_t seed,
                 std::vector<GradientMismatch>& mismatches) {
  // gradcheck draws the same point from the same seed at every step size.
  std::vector<tools::GradcheckReport> reports;
  for (double step : kSteps) {
    tools::GradcheckSettings settings;
    settings.seed = seed;
    settings.epsilon = step;
    Expected<tools::GradcheckReport> report = tools::gradcheck(optimised, settings);
    if (!report || !std::isfinite(report->log_density)) return false;
    reports.push_back(report.take());
  }

  const size_t n = optimised.dim();
  std::vector<double> theta(n), analytic(n);
  std::vector<FiniteDifference> numeric(n);
  for (size_t k = 0; k < n; ++k) {
    theta[k] = reports[0].entries[k].value;
    analytic[k] = reports[0].entries[k].model;
    for (size_t j = 0; j < kSteps.size(); ++j) numeric[k][j] = reports[j].entries[k].finite_diff;
  }
  const double lp = reports[0].log_density;
  for (size_t k : disagreeing_components(lp, analytic, numeric))
    mismatches.push_back({"gradient", k, analytic[k], numeric[k][0]});

  std::vector<double> reference_gradient(n);
  runtime::EvalError error = 0;
  const double reference_lp = reference.lp_grad(theta.data(), reference_gradient.data(), &error);
  if (error) {
    mismatches.push_back(
        {"unoptimised pipeline rejects the point: " + reference.describe_error(error), 0, lp, reference_lp});
    return true;
  }
  if (!same_value(lp, reference_lp)) mismatches.push_back({"unoptimised log density", 0, lp, reference_lp});
  for (size_t k = 0; k < n; ++k)
    if (!same_value(analytic[k], reference_gradient[k]))
      mismatches.push_back({"unoptimised gradient", k, analytic[k], reference_gradient[k]});
  return true;
}

}  // namespace

ProgramCheck check_program_gradient(const GeneratedProgram& program, uint64_t point_seed, int points) {
  tools::CheckedModel m = tools::check_model_source("generated.vmodel", program.model);
  if (!m.ast) return failure("vic check fails: " + m.diagnostics.str());
  Expected<runtime::DataSet> data =
      runtime::read_stan_json(program.data_json, "generated.json", tools::data_declarations(*m.ast));
  if (!data) return failure("the data is rejected: " + data.error());
  Expected<tools::CompiledModel> optimised = tools::compile_model(*m.ast, *data, ir::PipelineSettings{});
  if (!optimised) {
    // A density that data alone rule out (a binomial count above its N, an
    // int division by zero) is -inf at every point: skipped like such points.
    if (optimised.error().find("fails at every value of the parameters") != std::string::npos) {
      ProgramCheck c;
      c.points_skipped = points;
      c.message = optimised.error();
      return c;
    }
    return failure("compiling fails: " + optimised.error());
  }
  Expected<tools::CompiledModel> reference = tools::compile_model(*m.ast, *data, ir::PipelineSettings::unoptimised());
  if (!reference) return failure("compiling without optimisations fails: " + reference.error());

  ProgramCheck c;
  for (int j = 0; j < points; ++j) {
    if (check_point(*optimised->model, *reference->model, point_seed + static_cast<uint64_t>(j), c.mismatches)) {
      ++c.points_checked;
    } else {
      ++c.points_skipped;
    }
  }
  c.outcome = !c.mismatches.empty() ? Outcome::Failed : c.points_checked > 0 ? Outcome::Checked : Outcome::Skipped;
  return c;
}

}  // namespace vic::fuzz
