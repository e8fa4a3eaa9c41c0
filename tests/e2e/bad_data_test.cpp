// Hostile and broken data through the `vic` binary: numbers beyond every range,
// text that would drive a terminal, nesting that would overflow a recursive
// parser, infinite data, and data that makes a check fail whatever the
// parameters are. One test each: the exact message on stderr and exit status 1.
#include <string>

#include <gtest/gtest.h>

#include "vic_process.h"

namespace vic {
namespace {

using testing_util::VicRun;

// Runs `vic fit m.vmodel --data d.json --quiet` in a scratch directory holding the two files.
VicRun fit(const std::string& model, const std::string& json) {
  return testing_util::run_vic_with_files({"fit", "m.vmodel", "--data", "d.json", "--quiet"},
                                          {{"m.vmodel", model}, {"d.json", json}});
}

const char* kSizedModel = R"(data {
  int N;
  vector[N] y;
}
parameters {
  real mu;
}
model {
  y ~ normal(mu, 1);
}
)";

TEST(BadData, NumberBeyondTheRangeOfADouble) {
  VicRun r = fit(kSizedModel, R"({"N": 1e400, "y": []})");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "error: d.json: data field 'N' is 1e400, outside the range of an int\n");
  r = fit(kSizedModel, R"({"N": 2, "y": [0.5, -1e400]})");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "error: d.json: data field 'y': element 2 is -1e400, outside the range of a double\n");
}

TEST(BadData, FourHundredDigitInteger) {
  std::string digits = "1" + std::string(399, '0');
  VicRun r = fit(kSizedModel, "{\"N\": " + digits + ", \"y\": []}");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "error: d.json: data field 'N' is " + digits.substr(0, 60) +
                       "... (400 characters), outside the range of an int\n");
}

TEST(BadData, TerminalEscapeSequenceIsPrintedEscaped) {
  VicRun r = fit(kSizedModel, R"({"N": 1, "y": ["\u001b[2J\u001b]0;pwned\u0007"]})");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err,
            "error: d.json: data field 'y' must be a real, but element 1 is the string "
            "\"\\x1b[2J\\x1b]0;pwned\\x07\"\n");
}

TEST(BadData, MegabyteStringIsCut) {
  VicRun r = fit(kSizedModel, "{\"N\": 1, \"y\": [\"" + std::string(1 << 20, 'x') + "\"]}");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "error: d.json: data field 'y' must be a real, but element 1 is the string \"" +
                       std::string(60, 'x') + "\"... (1048576 bytes)\n");
}

TEST(BadData, InvalidUtf8IsPrintedEscaped) {
  VicRun r = fit(kSizedModel, "{\"N\": 1, \"y\": [\"\xff\xfe\"]}");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err,
            "error: d.json: malformed JSON: parse error at line 1, column 17: syntax error while parsing value - "
            "invalid string: ill-formed UTF-8 byte; last read: '\"\\xff'\n");
}

TEST(BadData, HundredThousandDeepNesting) {
  VicRun r = fit(kSizedModel, "{\"N\": 1, \"y\": " + std::string(100000, '[') + std::string(100000, ']') + "}");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "error: d.json: data field 'y' nests arrays and objects more than 256 deep\n");
}

TEST(BadData, HugeDeclaredSizeWithASmallArray) {
  VicRun r = fit(kSizedModel, R"({"N": 2147483647, "y": [1, 2]})");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "error: d.json: data field 'y' has size 2, but its declaration needs 2147483647\n");
}

TEST(BadData, InfiniteDataTheDensityReads) {
  VicRun r = fit("data { real y; } parameters { real mu; } model { y ~ normal(mu, 1); }\n", R"({"y": "Inf"})");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err,
            "error: initialization failed: the log density is -inf at every initial point; data field 'y' is inf\n");
}

TEST(BadData, InfiniteDataElementReadThroughTransformedData) {
  VicRun r = fit(R"(data {
  int N;
  array[N] vector[2] y;
}
transformed data {
  real m = mean(y[2]);
}
parameters {
  real mu;
}
model {
  mu ~ normal(m, 1);
}
)",
                    R"({"N": 2, "y": [[1, 2], [3, "-Inf"]]})");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err,
            "error: initialization failed: the log density is -inf at every initial point; data field 'y': element "
            "2.2 is -inf\n");
}

TEST(BadData, TransformedDataIndexOutOfRange) {
  VicRun r = fit(R"(transformed data {
  array[2] real z;
  z[3] = 1;
}
parameters {
  real mu;
}
model {
  mu ~ normal(0, 1);
}
)",
                    "{}");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err,
            "error: m.vmodel:3:5: index out of range; it depends on the data alone, so it fails at every value of "
            "the parameters\n");
}

TEST(BadData, IndexFromTheDataOutOfRange) {
  VicRun r = fit(R"(data {
  int k;
  vector[3] x;
}
parameters {
  real mu;
}
model {
  mu ~ normal(x[k], 1);
}
)",
                    R"({"k": 4, "x": [1, 2, 3]})");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err,
            "error: m.vmodel:9:17: index out of range; it depends on the data alone, so it fails at every value of "
            "the parameters\n");
}

// The check of an index inside a user-defined function names its place in the function.
TEST(BadData, IndexOutOfRangeInsideAFunction) {
  VicRun r = fit(R"(functions {
  real pick(vector v, int i) { return v[i]; }
}
data {
  int k;
}
parameters {
  vector[2] v;
}
model {
  target += pick(v, k);
}
)",
                 R"({"k": 3})");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err,
            "error: m.vmodel:2:41: index out of range; it depends on the data alone, so it fails at every value of "
            "the parameters\n");
}

TEST(BadData, ScaleFromTheDataNotPositive) {
  VicRun r = fit("data { real s; } parameters { real mu; } model { mu ~ normal(0, s); }\n", R"({"s": -1})");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err,
            "error: m.vmodel:1:65: normal_lpdf: Scale parameter must be positive; it depends on the data alone, so "
            "it fails at every value of the parameters\n");
}

}  // namespace
}  // namespace vic
