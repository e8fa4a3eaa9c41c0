// Bad input through the `vic` binary, one test each: the exact message on
// stderr and exit status 1, never a crash.
#include <gtest/gtest.h>

#include "vic_process.h"

namespace vic {
namespace {

using testing_util::run_vic_with_files;
using testing_util::VicRun;

const char* kModel = R"(data {
  int<lower=0> N;
  vector[N] y;
  array[N] int<lower=0, upper=1> k;
  real<lower=0> s;
}
parameters {
  real mu;
}
model {
  y ~ normal(mu, s);
  k ~ bernoulli_logit(mu);
}
)";

VicRun fit_with_data(const std::string& json) {
  return run_vic_with_files({"fit", "m.vmodel", "--data", "d.json", "--quiet"}, {{"m.vmodel", kModel}, {"d.json", json}});
}

VicRun check_model(const std::string& source) { return run_vic_with_files({"check", "m.vmodel"}, {{"m.vmodel", source}}); }

TEST(BadInput, SyntaxError) {
  VicRun r = check_model("parameters {\n  real mu\n}\n");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err,
            "m.vmodel:2:10: error: expected ';' at the end of the declaration\n"
            "      real mu\n"
            "             ^\n");
}

TEST(BadInput, TypeError) {
  VicRun r = check_model("data {\n  int n;\n}\ntransformed data {\n  int m = n / 2.0;\n}\n");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err,
            "m.vmodel:5:13: error: cannot assign a real to 'm' of type int\n"
            "      int m = n / 2.0;\n"
            "                ^\n");
}

TEST(BadInput, UnknownDistribution) {
  VicRun r = check_model("parameters {\n  real mu;\n}\nmodel {\n  mu ~ gaussian(0, 1);\n}\n");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err,
            "m.vmodel:5:8: error: unknown distribution 'gaussian'\n"
            "      mu ~ gaussian(0, 1);\n"
            "           ^\n");
}

TEST(BadInput, DataWithTheWrongSize) {
  VicRun r = fit_with_data(R"({"N": 3, "y": [1, 2], "k": [0, 1, 1], "s": 1})");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "error: d.json: data field 'y' has size 2, but its declaration needs 3\n");
}

TEST(BadInput, MissingDataField) {
  VicRun r = fit_with_data(R"({"N": 3, "y": [1, 2, 3], "s": 1})");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "error: d.json: missing data field 'k'\n");
}

TEST(BadInput, RealWhereAnIntIsDeclared) {
  VicRun r = fit_with_data(R"({"N": 3, "y": [1, 2, 3], "k": [0, 0.5, 1], "s": 1})");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "error: d.json: data field 'k' must be an int, but element 2 is 0.5\n");
}

TEST(BadInput, ValueViolatingItsBound) {
  VicRun r = fit_with_data(R"({"N": 3, "y": [1, 2, 3], "k": [0, 1, 2], "s": 1})");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "error: d.json: data field 'k': element 3 is 2, above its upper bound 1\n");
}

TEST(BadInput, NaNInData) {
  VicRun r = fit_with_data(R"({"N": 3, "y": [1, "NaN", 3], "k": [0, 1, 1], "s": 1})");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "error: d.json: data field 'y': element 2 is NaN\n");
}

// A bound vic cannot compute when it reads the data is an error, never no bound.
TEST(BadInput, DataBoundThatCannotBeComputed) {
  VicRun r = run_vic_with_files({"fit", "m.vmodel", "--data", "d.json", "--quiet"},
                                {{"m.vmodel", "data { vector[2] x; real<lower=x[2]> y; }\nparameters { real mu; }\n"
                                              "model { mu ~ normal(y, 1); }\n"},
                                 {"d.json", R"({"x": [1, 5], "y": 0})"}});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "error: d.json: data field 'y': its lower bound cannot be computed when the data is read "
                   "(m.vmodel:1:33: cannot evaluate this expression before the model runs); bounds on data may use "
                   "numbers, scalar data declared before it and arithmetic\n");
}

}  // namespace
}  // namespace vic
