// Random programs against finite differences: a generated program
// (fuzz/program_generator.h) is compiled twice, with the optimising pipeline
// and with every optimisation off, and at a few random points its compiled
// gradient is compared with central finite differences (tools/gradcheck.h)
// and the two pipelines' log densities and gradients with each other. Shared
// by the fixed-seed ctest batch (tests/fuzz/random_gradient_test.cpp) and the
// long-run tool (fuzz/random_gradcheck.cpp).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz/program_generator.h"

namespace vic::fuzz {

// Generator features whose gradients vic gets wrong today: the reverse pass
// reads container elements from memory after later stores overwrote them, and
// the untaken NaN branch of a conditional poisons the gradient. They are
// switched on once IR 2 (tensor values, the lead's rewrite of ir/ and
// codegen/) lands: the lead empties this list after merging it.
extern const std::vector<bool GeneratorOptions::*> kFeaturesNotYetRight;

// Generator options for gradient tests: nothing nonsmooth, no index out of
// range, no argument outside its domain; without `all_features`, the
// features in kFeaturesNotYetRight off as well.
GeneratorOptions gradient_test_options(bool all_features);

// The step sizes of the central differences. Round-off spoils a small step
// where the function is large or computed with cancellation (log(1 - theta)
// for theta near 1 loses digits), truncation a large one where it curves
// fast; a right gradient matches the difference at one of them at least.
inline constexpr std::array<double, 3> kSteps = {1e-6, 1e-4, 1e-3};

// Central differences of one gradient component, one per step in kSteps.
using FiniteDifference = std::array<double, kSteps.size()>;

// The components of `analytic` that match no step's difference, within 1e-5
// relative plus the round-off a difference of a function of size
// |log_density| carries. Components whose differences disagree with each
// other (a noisy or overflowing log density near the point) are not judged.
std::vector<size_t> disagreeing_components(double log_density, const std::vector<double>& analytic,
                                           const std::vector<FiniteDifference>& numeric);

// Whether two pipelines' values agree: relative `tolerance`, and absolute
// where both lie within 1 of 0; two NaNs or two equal infinities agree.
bool same_value(double a, double b, double tolerance = 1e-8);

// One disagreement found in a program.
struct GradientMismatch {
  std::string what;      // "gradient", "unoptimised gradient", "unoptimised log density", ...
  size_t parameter = 0;  // unconstrained parameter index (0 for the log density)
  double analytic = 0;   // the optimised compiled value
  double numeric = 0;    // the finite difference, or the unoptimised value
};

enum class Outcome {
  Checked,  // at least one point was compared, and everything agreed
  Skipped,  // no point had a finite log density
  Failed,   // a mismatch, or a program that does not check or compile
};

struct ProgramCheck {
  Outcome outcome = Outcome::Skipped;
  int points_checked = 0;
  int points_skipped = 0;  // the log density (or a difference) was not finite, or the point was rejected
  std::vector<GradientMismatch> mismatches;
  std::string message;  // why it failed when there is no mismatch (check or compile error)
};

// Compiles `program` twice and compares gradients at `points` random
// unconstrained points (uniform(-2, 2), drawn from point_seed onwards).
ProgramCheck check_program_gradient(const GeneratedProgram& program, uint64_t point_seed, int points = 3);

}  // namespace vic::fuzz
