// Regression tests for what the sanitizer build found, run in every build: an
// out-of-range index that depends on the data alone (a constant, or an int read
// from the data) is an error naming its place, never an access outside the
// buffer. The data-only hoisting pass (ir/passes/hoist_data_only.cpp) used to
// move such a load or store into the bind function, which runs first, without
// the check that guards it: a far index read from the data crashed vic
// (SIGSEGV), and a store past the end of a generated quantity corrupted the heap
// (AddressSanitizer: bad-free in codegen/jit_model.cpp). The data-only checks
// are now copied into the bind function, ahead of what they guard.
#include <string>

#include <gtest/gtest.h>

#include "test_util.h"
#include "vic_process.h"

namespace vic {
namespace {

using VicResult = testing_util::VicRun;

// `vic fit m.vmodel --data d.json` in a scratch directory holding the model and data.
VicResult fit(const std::string& model, const std::string& json) {
  return testing_util::run_vic_with_files(
      {"fit", "m.vmodel", "--data", "d.json", "--seed", "1", "--quiet", "--output", "fit.csv"},
      {{"m.vmodel", model}, {"d.json", json}});
}

const char* kReadModel = R"(data {
  int k;
  vector[3] v;
}
parameters {
  real x;
}
model {
  x ~ normal(v[k], 1);
}
)";

TEST(HoistedAccess, AFarIndexFromTheDataInTheModelIsAnError) {
  VicResult r = fit(kReadModel, R"({"k": 100000000, "v": [1, 2, 3]})");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err,
            "error: m.vmodel:9:16: index out of range; it depends on the data alone, so it fails at every value of "
            "the parameters\n");
}

TEST(HoistedAccess, AFarIndexFromTheDataInTransformedDataIsAnError) {
  VicResult r = fit(R"(data {
  int k;
  vector[3] v;
}
transformed data {
  real m = v[k];
}
parameters {
  real x;
}
model {
  x ~ normal(m, 1);
}
)",
                    R"({"k": -100000000, "v": [1, 2, 3]})");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err,
            "error: m.vmodel:6:14: index out of range; it depends on the data alone, so it fails at every value of "
            "the parameters\n");
}

TEST(HoistedAccess, AFarIndexFromTheDataInGeneratedQuantitiesIsAnError) {
  VicResult r = fit(R"(data {
  int k;
  vector[3] v;
}
parameters {
  real x;
}
model {
  v ~ normal(x, 1);
}
generated quantities {
  real m = v[k];
}
)",
                    R"({"k": 100000000, "v": [100, 200, 300]})");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err,
            "error: m.vmodel:12:14: index out of range; it depends on the data alone, so it fails at every value of "
            "the parameters\n");
}

TEST(HoistedAccess, AConstantIndexPastTheEndOfAGeneratedQuantityIsAnError) {
  VicResult r = fit(R"(data {
  vector[3] v;
}
parameters {
  real x;
}
model {
  v ~ normal(x, 1);
}
generated quantities {
  array[3] real y;
  y[5] = 1;
}
)",
                    R"({"v": [100, 200, 300]})");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err,
            "error: m.vmodel:12:5: index out of range; it depends on the data alone, so it fails at every value of "
            "the parameters\n");
}

TEST(HoistedAccess, AnIndexFromTheDataPastTheEndOfAGeneratedQuantityIsAnError) {
  VicResult r = fit(R"(data {
  int k;
  vector[3] v;
}
parameters {
  real x;
}
model {
  v ~ normal(x, 1);
}
generated quantities {
  array[3] real y;
  y[k] = 1;
}
)",
                    R"({"k": 5, "v": [100, 200, 300]})");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err,
            "error: m.vmodel:13:5: index out of range; it depends on the data alone, so it fails at every value of "
            "the parameters\n");
}

// A transformed-data loop that indexes the data moves to the bind step with
// its checks (it used to stay, recomputed at every evaluation, because of
// them): an index out of range there is an error when the data are bound.
TEST(HoistedAccess, AnIndexOutOfRangeInATransformedDataLoopIsAnError) {
  VicResult r = fit(R"(data {
  int k;
  vector[3] v;
}
transformed data {
  vector[5] w;
  for (i in 1:k) {
    w[i] = 2 * v[i];
  }
}
parameters {
  real x;
}
model {
  x ~ normal(w[1], 1);
}
)",
                    R"({"k": 5, "v": [1, 2, 3]})");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err,
            "error: m.vmodel:8:18: index out of range; it depends on the data alone, so it fails at every value of "
            "the parameters\n");
}

// An int array filled in a transformed-data loop keeps its values: only real
// buffers move to the bind step's (real) scratch buffers.
TEST(HoistedAccess, AnIntArrayFilledInALoopKeepsItsValues) {
  auto m = testing_util::compile_source("ints", R"(data {
  vector[3] v;
}
transformed data {
  array[3] int c;
  vector[3] w;
  for (i in 1:3) {
    c[i] = i * i;
    w[i] = v[i] + c[i];
  }
}
parameters {
  real x;
}
model {
  x ~ normal(c[3] + w[1], 1);
}
)",
                                        R"({"v": [0.5, 1, 2]})");
  ASSERT_TRUE(m);
  double x = 3, grad = 0;
  runtime::EvalError error = 0;
  // d/dx of -(x - 10.5)^2 / 2 at 3: 7.5.
  m->model().lp_grad(&x, &grad, &error);
  EXPECT_EQ(error, 0);
  EXPECT_DOUBLE_EQ(grad, 7.5);
}

}  // namespace
}  // namespace vic
