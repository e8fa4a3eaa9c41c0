// Wrong gradients that generated programs exposed (fuzz/program_generator.h
// with smooth options, the compiled gradient against finite differences),
// each reduced to a minimal model. No crash is involved, so they are not
// replay regressions: each must pass `vic gradcheck`, except those marked not
// fixed yet, which must still fail (clear the mark when the fix lands).
#include <gtest/gtest.h>

#include <sstream>

#include "tools/gradcheck.h"
#include "tools/model_compiler.h"

namespace vic::fuzz {
namespace {

struct Finding {
  const char* name;
  const char* model;
  // Where the fix belongs while it is not fixed; null once it is.
  const char* not_fixed_yet;
};

// The reverse pass reads container elements from memory after later stores
// overwrote them, instead of the values the forward pass used.
const Finding kFindings[] = {
    {"VectorCompoundMultiply",
     "parameters {\n  real p;\n}\nmodel {\n  vector[1] t;\n  t[1] = p;\n  t *= p;\n  target += t[1];\n}\n",
     nullptr},
    {"ElementUpdatedInALoop",
     "parameters {\n  real p;\n}\nmodel {\n  vector[1] t;\n  t[1] = p;\n  for (i in 1:1)\n    t[1] = p * t[1];\n"
     "  target += t[1];\n}\n",
     nullptr},
    // From the random-program batch (fuzz/random_gradient.h), 5,000 seeds:
    // 0^y's partial in y was 0 * log(0); sd of equal elements met sqrt's
    // infinite slope with a zero adjoint.
    {"PowerOfAZeroBase", "parameters {\n  real p;\n}\nmodel {\n  target += 0.0 ^ exp(p);\n  p ~ normal(0, 1);\n}\n",
     nullptr},
    {"SdOfEqualElements",
     "parameters {\n  real p;\n}\nmodel {\n  vector[3] v;\n  for (k in 1:3) v[k] = p;\n  target += sd(v);\n"
     "  p ~ normal(0, 1);\n}\n",
     nullptr},
    // From a later batch: bernoulli's log(theta) and log(1 - theta) were an
    // eager select, so at theta = 1 (inv_logit(40 + p) rounds to 1) the unused
    // log(1 - theta)'s partial -1/0 met a zero adjoint: NaN. Likewise
    // multiply_log's n log(lambda) at n = 0, lambda = 0 (poisson, binomial).
    // With a data variate only the unoptimised pipeline shows it here.
    {"BernoulliAtProbabilityOne",
     "parameters {\n  real p;\n}\nmodel {\n  1 ~ bernoulli(inv_logit(40 + p));\n  p ~ normal(0, 1);\n}\n", nullptr},
    {"PoissonZeroCountAtRateZero",
     "parameters {\n  real p;\n}\nmodel {\n  0 ~ poisson(exp(p - 800));\n  p ~ normal(0, 1);\n}\n", nullptr},
    {"ElementStoredAfterItsUseInALoop",
     "parameters {\n  real p;\n}\nmodel {\n  array[1] real y;\n  y[1] = 0;\n  for (i in 1:2) {\n"
     "    target += normal_lpdf(y[1] | p, 1);\n    y[1] = i;\n  }\n}\n",
     nullptr},
};

void PrintTo(const Finding& f, std::ostream* out) { *out << f.name; }

class GradientFinding : public testing::TestWithParam<Finding> {};

TEST_P(GradientFinding, MatchesFiniteDifferences) {
  const Finding& f = GetParam();
  tools::CheckedModel m = tools::check_model_source(std::string(f.name) + ".vmodel", f.model);
  ASSERT_TRUE(m.ast) << m.diagnostics.str();
  int failures = 0;
  std::ostringstream tables;
  // Both pipelines: in the unoptimised one, constants the optimiser would fold stay values.
  for (const ir::PipelineSettings& settings : {ir::PipelineSettings{}, ir::PipelineSettings::unoptimised()}) {
    Expected<tools::CompiledModel> compiled = tools::compile_model(*m.ast, runtime::DataSet{}, settings);
    ASSERT_TRUE(compiled) << compiled.error();
    for (uint64_t seed = 1; seed <= 3; ++seed) {
      tools::GradcheckSettings s;
      s.seed = seed;
      Expected<tools::GradcheckReport> report = tools::gradcheck(*compiled->model, s);
      ASSERT_TRUE(report) << report.error();
      failures += report->num_failures;
      tools::print_gradcheck_report(tables, *report);
    }
  }
  if (f.not_fixed_yet) {
    EXPECT_GT(failures, 0) << f.name << " now matches finite differences: its fix (" << f.not_fixed_yet
                           << ") landed, so clear its not_fixed_yet";
  } else {
    EXPECT_EQ(failures, 0) << f.model << "\n" << tables.str();
  }
}

INSTANTIATE_TEST_SUITE_P(Fuzz, GradientFinding, testing::ValuesIn(kFindings),
                         [](const testing::TestParamInfo<Finding>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace vic::fuzz
