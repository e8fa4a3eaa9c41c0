// Models a careless user or an attacker might write, through the `vic` binary:
// bytes that are not UTF-8, integer arithmetic that overflows or divides by
// zero, sizes too large to allocate, local containers when memory runs out.
// Each ends with an exact message naming the place and exit status 1.
#include <gtest/gtest.h>

#include "vic_process.h"

namespace vic::testing_util {
namespace {

// Fits `model` (with `data` when given) in a scratch directory.
VicRun fit(const std::string& model, const std::string& data = "", const ProcessLimits& limits = {}) {
  std::vector<std::string> args{"fit", "m.vmodel", "--quiet", "--output", "fit.csv"};
  std::vector<std::pair<std::string, std::string>> files{{"m.vmodel", model}};
  if (!data.empty()) {
    files.push_back({"d.json", data});
    args.insert(args.end(), {"--data", "d.json"});
  }
  return run_vic_with_files(args, files, limits);
}

const char* const kDataOnly = "; it depends on the data alone, so it fails at every value of the parameters\n";

TEST(HostileModel, Latin1ByteInACommentIsHarmless) {
  ScratchDir dir("hostile_model");
  dir.write("m.vmodel", "parameters { real mu; } // caf\xe9 au lait\nmodel { mu ~ normal(0, 1); }\n");
  VicRun r = run_vic(dir.path(), {"check", "m.vmodel"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "m.vmodel: no errors\n");
}

TEST(HostileModel, InvalidUtf8InCodeIsAnError) {
  VicRun r = fit("parameters { real mu; }\nmodel { mu ~ normal(0, 1) \xff; }\n");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err,
            "m.vmodel:2:27: error: the byte 0xFF is not valid UTF-8 here; save the file as UTF-8\n"
            "    model { mu ~ normal(0, 1) ?; }\n"
            "                              ^\n");
}

TEST(HostileModel, IntegerDivisionAndModulusByZero) {
  const std::string data = R"({"a": 1, "b": 0})";
  VicRun div = fit("data { int a; int b; }\ntransformed data { int q = a / b; }\n"
                   "parameters { real mu; }\nmodel { mu ~ normal(q, 1); }\n",
                   data);
  EXPECT_EQ(div.status, 1);
  EXPECT_EQ(div.err, std::string("error: m.vmodel:2:30: integer division by zero") + kDataOnly);
  VicRun mod = fit("data { int a; int b; }\nparameters { real mu; }\nmodel { mu ~ normal(5 % b, 1); }\n", data);
  EXPECT_EQ(mod.status, 1);
  EXPECT_EQ(mod.err, std::string("error: m.vmodel:3:23: integer modulus by zero") + kDataOnly);
}

// INT64_MIN / -1 is the one quotient that does not fit: constant folding
// leaves it (it used to raise SIGFPE in the compiler) and the check reports it.
TEST(HostileModel, MinimumIntegerDividedByMinusOne) {
  VicRun r = fit("transformed data { int m = (-9223372036854775807 - 1) / -1; }\n"
                 "parameters { real mu; }\nmodel { mu ~ normal(m, 1); }\n");
  EXPECT_EQ(r.signal, 0);
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, std::string("error: m.vmodel:1:55: integer overflow in '/'") + kDataOnly);
}

TEST(HostileModel, IntegerOverflowInArithmetic) {
  VicRun r = fit("data { int n; }\nparameters { real mu; }\n"
                 "model { int big = n * n; big = big * big * big; mu ~ normal(big, 1); }\n",
                 R"({"n": 2000000000})");
  EXPECT_EQ(r.status, 1);
  // (big * big) overflows first.
  EXPECT_EQ(r.err, std::string("error: m.vmodel:3:36: integer overflow in '*'") + kDataOnly);
}

// A loop to INT64_MAX used to run zero times (upper + 1 wrapped around).
TEST(HostileModel, LoopBoundAtTheLargestInteger) {
  VicRun r = fit("parameters { real mu; }\n"
                 "model { for (i in 9223372036854775806:9223372036854775807) mu ~ normal(0, 1); }\n");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, std::string("error: m.vmodel:2:39: integer overflow: the loop's upper bound is too large") +
                       kDataOnly);
}

// N * N * N from the data used to wrap to 0, and the likelihood vanished.
TEST(HostileModel, SizeFromDataThatOverflows) {
  VicRun r = fit("data { int N; vector[N * N * N] y; }\nparameters { real mu; }\nmodel { y ~ normal(mu, 1); }\n",
                 R"({"N": 2097152, "y": []})");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "error: d.json: data field 'y': m.vmodel:1:28: integer overflow in 4398046511104 * 2097152\n");
}

// y[k] is data-only work, computed once when the data is bound; its index
// check must run there first (the read at k = 10^9 used to crash vic).
TEST(HostileModel, AnIndexFromTheDataGuardsTheHoistedRead) {
  VicRun r = fit("data { int N; vector[N] y; int k; }\ntransformed data { real z = y[k] * 2; }\n"
                 "parameters { real mu; }\nmodel { mu ~ normal(z, 1); }\n",
                 R"({"N": 3, "y": [1, 2, 3], "k": 1000000000})");
  EXPECT_EQ(r.signal, 0);
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, std::string("error: m.vmodel:2:31: index out of range") + kDataOnly);
}

// Transformed data is checked against its declared bounds, as Stan checks it.
TEST(HostileModel, TransformedDataOutsideItsBounds) {
  VicRun r = fit("data { real x; }\ntransformed data { real<lower=0> z = x - 1; }\n"
                 "parameters { real mu; }\nmodel { mu ~ normal(z, 1); }\n",
                 R"({"x": 0.5})");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, std::string("error: m.vmodel:2:34: transformed data 'z' is outside its declared bounds") + kDataOnly);
}

TEST(HostileModel, ContainersTooLargeToHold) {
  VicRun vector = fit("parameters { vector[10000000000] x; }\nmodel { x ~ normal(0, 1); }\n");
  EXPECT_EQ(vector.status, 1);
  EXPECT_EQ(vector.err, "error: m.vmodel:1:34: 'x' would hold 10000000000 elements, more than the 2147483647 one "
                        "container may hold\n");
  VicRun array = fit("parameters { real mu; }\nmodel { mu ~ normal(0, 1); }\n"
                     "generated quantities { array[65536, 65536, 65536, 65536] real y; }\n");
  EXPECT_EQ(array.status, 1);
  EXPECT_EQ(array.err, "error: m.vmodel:3:63: 'y' would hold 65536 x 65536 x 65536 x 65536 elements, more than "
                       "the 2147483647 one container may hold\n");
}

TEST(HostileModel, OutputsBeyondTheMemoryBudget) {
  VicRun r = fit("parameters { real mu; }\nmodel { mu ~ normal(0, 1); }\n"
                 "generated quantities { array[40000, 40000] real y; array[40000, 40000] real z; }\n");
  EXPECT_EQ(r.status, 1);
  const std::string expected = "error: m.vmodel: the model has 3200000001 output values (parameters, transformed "
                               "parameters and generated quantities); naming them alone needs about 191 GiB, more than ";
  EXPECT_EQ(r.err.substr(0, expected.size()), expected);
}

TEST(HostileModel, LocalContainerSizes) {
  const std::string model = "data { int K; }\nparameters { real mu; }\n"
                            "model {\n  vector[K] v;\n  v[K] = mu;\n  target += -dot_product(v, v);\n}\n";
  VicRun negative = fit(model, R"({"K": -3})");
  EXPECT_EQ(negative.status, 1);
  EXPECT_EQ(negative.err, std::string("error: m.vmodel:4:13: the size of 'v' is negative") + kDataOnly);
  VicRun squared = fit("data { int K; }\nparameters { real mu; }\nmodel { vector[K * K] v; v[1] = mu; "
                       "target += -dot_product(v, v); }\n",
                       R"({"K": 2000000000})");
  EXPECT_EQ(squared.status, 1);
  EXPECT_EQ(squared.err, std::string("error: m.vmodel:3:23: 'v' would hold more than 2147483647 elements") + kDataOnly);
}

// calloc returning null used to be written through (a segfault).
TEST(HostileModel, OutOfMemoryForALocalContainer) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "ASan reserves terabytes of address space: it cannot start under RLIMIT_AS";
#endif
  const std::string model = "data { int K; }\nparameters { real mu; }\n"
                            "model {\n  vector[K] v;\n  v[K] = mu;\n  target += -dot_product(v, v);\n}\n";
  VicRun out_of_memory = fit(model, R"({"K": 1000000000})", {.address_space_bytes = uint64_t{3} << 30});
  EXPECT_EQ(out_of_memory.signal, 0);
  EXPECT_EQ(out_of_memory.status, 1);
  EXPECT_EQ(out_of_memory.err, std::string("error: m.vmodel:4:13: out of memory: cannot allocate 'v'") + kDataOnly);
}

}  // namespace
}  // namespace vic::testing_util
