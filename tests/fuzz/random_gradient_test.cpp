// Random programs against finite differences (fuzz/random_gradient.h): a
// fixed-seed batch of smooth generated programs, each compiled with and
// without optimisations, whose gradients must match central finite
// differences and each other; and the comparison's own tests, which show
// that a wrong gradient is reported.
#include "fuzz/random_gradient.h"

#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "tools/gradcheck.h"
#include "tools/model_compiler.h"

namespace vic::fuzz {
namespace {

constexpr uint64_t kBatchSeeds = 300;

// Seeds of the batch whose programs fail today, each with its cause reduced
// to a minimal model (the report of the random-gradient work has them). They
// must still fail: when one passes, its fix landed and it leaves this list.
struct KnownFailure {
  uint64_t seed;
  const char* cause;
};
const KnownFailure kKnownFailures[] = {
    {60,
     "not wrong: exp(tp) underflows to 0, so the unoptimised pipeline's log(exp(tp)) is -inf where the "
     "optimised one, rewriting log(exp(x)) to x, stays finite"},
};

const KnownFailure* known_failure(uint64_t seed) {
  for (const KnownFailure& f : kKnownFailures)
    if (f.seed == seed) return &f;
  return nullptr;
}

std::string describe(const ProgramCheck& c, const GeneratedProgram& p) {
  std::ostringstream out;
  out << c.message;
  for (const GradientMismatch& m : c.mismatches)
    out << m.what << ": parameter " << m.parameter << " analytic " << m.analytic << " numeric " << m.numeric << "\n";
  out << p.model << p.data_json << "\n";
  return out.str();
}

// Every feature is on (kFeaturesNotYetRight is empty since IR 2 landed).
TEST(RandomGradient, ThreeHundredSmoothProgramsMatchFiniteDifferencesAndTheUnoptimisedPipeline) {
  const GeneratorOptions options = gradient_test_options(false);
  int checked = 0, skipped = 0, points_checked = 0, points_skipped = 0;
  for (uint64_t seed = 1; seed <= kBatchSeeds; ++seed) {
    const GeneratedProgram program = generate_program(seed, options);
    // The tool's points for the same seed (vic_random_gradcheck --seeds S:S).
    const ProgramCheck c = check_program_gradient(program, seed * 16);
    points_checked += c.points_checked;
    points_skipped += c.points_skipped;
    if (const KnownFailure* known = known_failure(seed)) {
      EXPECT_EQ(c.outcome, Outcome::Failed) << "seed " << seed << " passes now: its cause (" << known->cause
                                            << ") is fixed, so take it out of kKnownFailures";
      continue;
    }
    EXPECT_NE(c.outcome, Outcome::Failed) << "seed " << seed << "\n" << describe(c, program);
    (c.outcome == Outcome::Checked ? checked : skipped) += 1;
  }
  std::cout << "programs " << kBatchSeeds << " checked " << checked << " skipped " << skipped << " known failures "
            << std::size(kKnownFailures) << "; points checked " << points_checked << " skipped " << points_skipped
            << "\n";
  EXPECT_LE(skipped, static_cast<int>(kBatchSeeds / 2)) << "too many programs have no finite point";
}

TEST(RandomGradient, NotYetRightFeaturesAreOffInTheBatchAndOnWithAllFeatures) {
  const GeneratorOptions today = gradient_test_options(false), all = gradient_test_options(true);
  for (bool GeneratorOptions::*feature : kFeaturesNotYetRight) {
    EXPECT_FALSE(today.*feature);
    EXPECT_TRUE(all.*feature);
  }
  // The batch covers what IR 2 made right.
  EXPECT_TRUE(today.element_updates && today.whole_container_updates && today.container_swaps &&
              today.branch_container_updates && today.lazy_conditionals);
  for (const GeneratorOptions& o : {today, all}) {
    EXPECT_FALSE(o.nonsmooth);
    EXPECT_FALSE(o.wild_indices);
    EXPECT_FALSE(o.out_of_domain);
  }
}

// -----------------------------------------------------------------------------
// The comparison can fail

const char kSmoothModel[] =
    "parameters {\n  vector[3] p;\n}\nmodel {\n  p ~ normal(0, 2);\n  target += exp(p[2]) * p[3];\n}\n";

// The compiled gradient of kSmoothModel and its differences at each step.
struct Gradients {
  double log_density;
  std::vector<double> analytic;
  std::vector<FiniteDifference> numeric;
};

Gradients smooth_model_gradients() {
  tools::CheckedModel m = tools::check_model_source("smooth.vmodel", kSmoothModel);
  EXPECT_TRUE(m.ast) << m.diagnostics.str();
  Expected<tools::CompiledModel> compiled = tools::compile_model(*m.ast, runtime::DataSet{}, ir::PipelineSettings{});
  EXPECT_TRUE(compiled) << compiled.error();
  Gradients g;
  g.numeric.resize(3);
  for (size_t j = 0; j < kSteps.size(); ++j) {
    tools::GradcheckSettings s;
    s.epsilon = kSteps[j];
    Expected<tools::GradcheckReport> r = tools::gradcheck(*compiled->model, s);
    EXPECT_TRUE(r) << r.error();
    g.log_density = r->log_density;
    g.analytic.clear();
    for (size_t k = 0; k < 3; ++k) {
      g.analytic.push_back(r->entries[k].model);
      g.numeric[k][j] = r->entries[k].finite_diff;
    }
  }
  return g;
}

TEST(RandomGradient, TheRightGradientAgrees) {
  const Gradients g = smooth_model_gradients();
  EXPECT_EQ(disagreeing_components(g.log_density, g.analytic, g.numeric), std::vector<size_t>{});
}

TEST(RandomGradient, OneComponentPerturbedByATenthOfAPercentIsReported) {
  Gradients g = smooth_model_gradients();
  g.analytic[1] *= 1.001;
  EXPECT_EQ(disagreeing_components(g.log_density, g.analytic, g.numeric), std::vector<size_t>{1});
}

TEST(RandomGradient, ANaNComponentIsReported) {
  Gradients g = smooth_model_gradients();
  g.analytic[2] = std::nan("");
  EXPECT_EQ(disagreeing_components(g.log_density, g.analytic, g.numeric), std::vector<size_t>{2});
}

TEST(RandomGradient, DifferencesThatDisagreeWithEachOtherAreNotJudged) {
  // A log density too noisy to difference: no two steps agree.
  const std::vector<FiniteDifference> noisy = {{0.5, 3.0, 7.0}};
  EXPECT_EQ(disagreeing_components(1.0, {1.0}, noisy), std::vector<size_t>{});
  // Two agreeing steps are enough to judge.
  const std::vector<FiniteDifference> two_agree = {{0.5, 3.0, 3.0}};
  EXPECT_EQ(disagreeing_components(1.0, {1.0}, two_agree), std::vector<size_t>{0});
}

TEST(RandomGradient, SameValueIsRelativeAndTreatsNaNsAsEqual) {
  EXPECT_TRUE(same_value(1e6, 1e6 * (1 + 1e-9)));
  EXPECT_FALSE(same_value(1e6, 1e6 * (1 + 1e-7)));
  EXPECT_TRUE(same_value(1e-12, 2e-12));  // absolute near 0
  EXPECT_FALSE(same_value(0.5, 0.5 + 1e-7));
  EXPECT_TRUE(same_value(std::nan(""), std::nan("")));
  EXPECT_FALSE(same_value(std::nan(""), 1.0));
  EXPECT_FALSE(same_value(INFINITY, -INFINITY));
}

// A program whose gradient is wrong today (tests/fuzz/gradient_findings_test.cpp,
// VectorCompoundMultiply) fails the whole check: the batch can fail.
TEST(RandomGradient, AProgramWithAWrongGradientFails) {
  // exp overflows and inv_logit's slope is 0 there: the gradient is 0 * inf = NaN.
  const GeneratedProgram wrong{
      "parameters {\n  real p;\n}\nmodel {\n  1 ~ bernoulli(inv_logit(exp(p + 800)));\n  p ~ normal(0, 1);\n}\n", "{}"};
  const ProgramCheck c = check_program_gradient(wrong, 1);
  ASSERT_EQ(c.outcome, Outcome::Failed);
  ASSERT_FALSE(c.mismatches.empty());
  EXPECT_EQ(c.mismatches[0].what, "gradient");
  EXPECT_EQ(c.mismatches[0].parameter, 0u);
}

TEST(RandomGradient, AProgramThatDoesNotCheckFails) {
  const ProgramCheck c = check_program_gradient({"parameters {\n  real p\n}\n", "{}"}, 1);
  EXPECT_EQ(c.outcome, Outcome::Failed);
  EXPECT_NE(c.message.find("vic check fails"), std::string::npos) << c.message;
}

TEST(RandomGradient, AProgramWithNoFinitePointIsSkipped) {
  const GeneratedProgram nowhere{"parameters {\n  real p;\n}\nmodel {\n  target += log(-exp(p));\n}\n", "{}"};
  const ProgramCheck c = check_program_gradient(nowhere, 1);
  EXPECT_EQ(c.outcome, Outcome::Skipped);
  EXPECT_EQ(c.points_skipped, 3);
}

}  // namespace
}  // namespace vic::fuzz
