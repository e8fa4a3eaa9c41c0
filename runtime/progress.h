// Where a fit stands, reported at each evaluation of its ELBO, for a progress
// bar (tools/progress_bar.h draws one on a terminal).
#pragma once

#include <functional>

namespace vic::runtime {

struct ProgressUpdate {
  int iteration = 0;
  int max_iterations = 0;
  double elbo = 0;
  // |ELBO - the previous one| / |the previous one|; NaN at the first.
  double relative_change = 0;
  double step_size = 0;
};

using ProgressFn = std::function<void(const ProgressUpdate&)>;

}  // namespace vic::runtime
