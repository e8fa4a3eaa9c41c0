// vic fit's progress bar (tools/progress_bar.h): its text, and lines printed
// above it without leaving a half-drawn bar.
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "tools/progress_bar.h"

namespace vic {
namespace {

TEST(ProgressBar, FormatsIterationElboChangeAndStep) {
  runtime::ProgressUpdate u;
  u.iteration = 1200;
  u.max_iterations = 20000;
  u.elbo = -1234.5678;
  u.relative_change = 0.0031;
  u.step_size = 0.05;
  EXPECT_EQ(tools::format_progress(u, 20), "[#...................]  1200/20000  ELBO -1234.57  rel 3.1e-03  step 0.05");
  u.iteration = 20000;
  u.relative_change = NAN;
  EXPECT_EQ(tools::format_progress(u, 10), "[##########]  20000/20000  ELBO -1234.57  rel -  step 0.05");
}

TEST(ProgressBar, LinesPrintAboveTheBarWhichIsClearedAtTheEnd) {
  std::ostringstream out;
  {
    tools::ProgressBar bar(out);
    bar.line("first");
    runtime::ProgressUpdate u;
    u.iteration = 50;
    u.max_iterations = 100;
    u.elbo = -2;
    u.relative_change = 0.5;
    u.step_size = 1;
    bar.update(u);
    bar.line("second");
  }
  const std::string shown = tools::format_progress({50, 100, -2, 0.5, 1});
  EXPECT_EQ(out.str(), "first\n\r\033[K" + shown + "\r\033[Ksecond\n" + shown + "\r\033[K");
}

}  // namespace
}  // namespace vic
