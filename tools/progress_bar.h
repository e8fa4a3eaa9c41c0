// A progress bar for `vic fit` on a terminal: one line at the bottom of
// stderr, redrawn in place, with the iteration, the ELBO, its relative change
// and the step size; the fit's other lines print above it.
#pragma once

#include <ostream>
#include <string>

#include "runtime/initialize.h"
#include "runtime/progress.h"

namespace vic::tools {

// "[#######.............]  1200/20000  ELBO -1234.56  rel 3.1e-03  step 0.05",
// the bar `width` characters between its brackets.
std::string format_progress(const runtime::ProgressUpdate& update, int width = 20);

class ProgressBar {
 public:
  explicit ProgressBar(std::ostream& out) : out_(out) {}
  ~ProgressBar() { clear(); }
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  // A line above the bar.
  void line(const std::string& text);
  void update(const runtime::ProgressUpdate& update);
  // Removes the bar (the fit has ended).
  void clear();

  runtime::LogLine lines() {
    return [this](const std::string& text) { line(text); };
  }
  runtime::ProgressFn updates() {
    return [this](const runtime::ProgressUpdate& u) { update(u); };
  }

 private:
  std::ostream& out_;
  std::string shown_;  // the bar on the screen, or "" when none is
};

}  // namespace vic::tools
