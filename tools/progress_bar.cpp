// The progress bar: "\r" and the terminal's erase-line sequence redraw it in place.
#include "tools/progress_bar.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace vic::tools {
namespace {

constexpr const char* kEraseLine = "\r\033[K";

}  // namespace

std::string format_progress(const runtime::ProgressUpdate& u, int width) {
  const double done = u.max_iterations > 0 ? std::clamp(double(u.iteration) / u.max_iterations, 0.0, 1.0) : 0.0;
  const int filled = static_cast<int>(std::lround(done * width));
  std::string bar = "[" + std::string(filled, '#') + std::string(width - filled, '.') + "]";
  char text[160];
  char change[32] = "-";
  if (std::isfinite(u.relative_change)) std::snprintf(change, sizeof change, "%.1e", u.relative_change);
  std::snprintf(text, sizeof text, "  %d/%d  ELBO %.2f  rel %s  step %.3g", u.iteration, u.max_iterations, u.elbo,
                change, u.step_size);
  return bar + text;
}

void ProgressBar::line(const std::string& text) {
  if (!shown_.empty()) out_ << kEraseLine;
  out_ << text << "\n";
  if (!shown_.empty()) out_ << shown_;
  out_.flush();
}

void ProgressBar::update(const runtime::ProgressUpdate& u) {
  shown_ = format_progress(u);
  out_ << kEraseLine << shown_;
  out_.flush();
}

void ProgressBar::clear() {
  if (shown_.empty()) return;
  out_ << kEraseLine;
  out_.flush();
  shown_.clear();
}

}  // namespace vic::tools
