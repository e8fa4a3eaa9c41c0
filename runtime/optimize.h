// The posterior mode by L-BFGS (runtime/lbfgs.h), as Stan's optimize service
// finds it: from an initial point drawn as Stan draws it, maximising the log
// density on the unconstrained scale, without the constraints' log-Jacobians
// (the mode of the posterior on the constrained scale: MAP) unless `jacobian`
// is set (the mode on the unconstrained scale, where Laplace and Pathfinder work).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/initialize.h"
#include "runtime/lbfgs.h"
#include "runtime/model.h"
#include "support/expected.h"
#include "support/rng.h"

namespace vic::runtime {

struct OptimizeSettings {
  LbfgsSettings lbfgs;
  bool jacobian = false;
  double init_radius = 2.0;
  // An initial unconstrained point (from --init), instead of a random one.
  std::vector<double> init;
};

struct OptimizeResult {
  // The mode on the unconstrained scale and the log density there (the one
  // maximised: with or without the Jacobian, constants dropped).
  std::vector<double> theta;
  double log_density = 0;
  int iterations = 0;
  LbfgsTermination termination = LbfgsTermination::MaxIterations;
  int64_t num_lp_grad_calls = 0;
  int64_t num_lp_calls = 0;
};

// An Error when no initial point is found, a fatal check fails, or L-BFGS
// cannot take a first step. Progress lines (one per iteration) go to `log`.
Expected<OptimizeResult> find_mode(const Model& model, const OptimizeSettings& settings, Rng& rng,
                                   const LogLine& log = {});

}  // namespace vic::runtime
