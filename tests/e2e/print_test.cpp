// The print statement: strings and values in Stan's format (reals with six
// significant digits, ints as ints, containers in brackets nested by their
// dims), a newline after each statement; once per evaluation, also in a loop
// that the gradient's reverse pass recomputes.
#include <gtest/gtest.h>

#include "vic_process.h"

namespace vic {
namespace {

using testing_util::run_vic_with_files;
using testing_util::VicRun;

TEST(Print, StringsScalarsAndContainersOncePerEvaluation) {
  const char* model = R"(parameters {
  real mu;
}
model {
  matrix[2, 3] M = [[1, 2, 3], [4, 5.5, 6]];
  array[2] vector[2] a = {[0.5, 1.25]', [-2, 3]'};
  array[0] int none;
  mu ~ normal(0, 1);
  print("M = ", M, " a = ", a, " n = ", 3, " none = ", none, " third = ", 1.0 / 3);
  for (i in 1:2) print("i=", i, " mu > 0: ", mu > 0);
}
)";
  VicRun r = run_vic_with_files({"gradcheck", "m.vmodel"}, {{"m.vmodel", model}});
  ASSERT_EQ(r.status, 0) << r.err;
  // Compiling evaluates the density once at the origin (mu = 0); gradcheck then
  // evaluates the gradient once and the density twice, at mu = 1.12.
  auto block = [](int positive) {
    return "M = [[1,2,3],[4,5.5,6]] a = [[0.5,1.25],[-2,3]] n = 3 none = [] third = 0.333333\n"
           "i=1 mu > 0: " + std::to_string(positive) + "\ni=2 mu > 0: " + std::to_string(positive) + "\n";
  };
  const std::string expected = block(0) + block(1) + block(1) + block(1);
  EXPECT_EQ(r.out.substr(0, expected.size()), expected);
  EXPECT_EQ(r.out.substr(expected.size(), 14), "Log density = ");
}

}  // namespace
}  // namespace vic
