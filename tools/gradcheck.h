// Gradient check in the manner of Stan's `diagnose` method: at a random
// unconstrained point (uniform(-2, 2)), the compiled gradient against central
// finite differences of the log density (Stan's defaults: epsilon 1e-6, error
// 1e-6). One departure from Stan: the error is relative where the gradient
// exceeds 1 in magnitude (|model - fd| / max(1, |fd|)); with 434 data points
// kidiq's gradient reaches 1e7, where round-off alone puts the central
// difference 1e-3 away in absolute terms.
#pragma once

#include <cstdint>
#include <ostream>
#include <vector>

#include "runtime/model.h"
#include "support/expected.h"

namespace vic::tools {

struct GradcheckSettings {
  double epsilon = 1e-6;
  double error = 1e-6;
  uint64_t seed = 1;
};

struct GradcheckEntry {
  double value;        // theta_k
  double model;        // compiled d lp / d theta_k
  double finite_diff;  // central difference
  double error;        // (model - finite_diff) / max(1, |finite_diff|)
};

struct GradcheckReport {
  double log_density = 0;
  std::vector<GradcheckEntry> entries;
  int num_failures = 0;
  double threshold = 0;
};

Expected<GradcheckReport> gradcheck(const runtime::Model& model, const GradcheckSettings& settings);

// Stan's table: "param idx  value  model  finite diff  error", failures marked.
void print_gradcheck_report(std::ostream& out, const GradcheckReport& report);

}  // namespace vic::tools
