// Initial values on the unconstrained scale, as Stan's services choose them: each
// coordinate uniform on (-radius, radius), retried up to 100 times until the log
// density and its gradient are finite; a radius of 0 means all zeros, one try.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "runtime/model.h"
#include "support/expected.h"
#include "support/rng.h"

namespace vic::runtime {

// Receives one progress or warning line (no trailing newline).
using LogLine = std::function<void(const std::string& line)>;

// Stan's limit on random initialisation attempts.
inline constexpr int kMaxInitTries = 100;

// Draws an initial unconstrained point from `rng` (boost uniform_real_distribution
// on (-radius, radius), one draw per coordinate in order), rejecting points where
// Model::lp fails or is non-finite, or where Model::lp_grad's gradient is not finite.
// If `user_init` is given it is the only candidate. Counts the model calls made in
// *num_lp_calls / *num_lp_grad_calls (may be null). Rejections are reported to `log`.
Expected<std::vector<double>> initialize_unconstrained(const Model& model, Rng& rng, double radius,
                                                       const std::vector<double>* user_init,
                                                       const LogLine& log,
                                                       int64_t* num_lp_calls = nullptr,
                                                       int64_t* num_lp_grad_calls = nullptr);

}  // namespace vic::runtime
