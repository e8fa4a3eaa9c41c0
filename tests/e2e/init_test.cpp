// Initial values from a file (--init): read by name and index from Stan JSON,
// unconstrained, and every way the file can be wrong, named.
#include <gtest/gtest.h>

#include <cmath>

#include "runtime/initial_values.h"
#include "test_util.h"
#include "vic_process.h"

namespace vic {
namespace {

using testing_util::run_vic;
using testing_util::ScratchDir;
using testing_util::VicRun;

const char* const kModel =
    "parameters {\n  real<lower=0> sigma;\n  vector[2] beta;\n  matrix[2, 2] M;\n}\nmodel {\n  sigma ~ lognormal(0, 1);\n"
    "  beta ~ normal(0, 1);\n  to_vector(M) ~ normal(0, 1);\n}\n";

// The point read from the file constrains back to the file's values, name by name.
TEST(InitFile, ValuesAreReadByNameAndIndex) {
  auto m = testing_util::compile_source("m", kModel, "{}");
  ASSERT_TRUE(m);
  Expected<std::vector<double>> theta = runtime::read_initial_values(
      m->model(), R"({"sigma": 2.5, "beta": [-1, 3], "M": [[1, 2], [3, 4]], "unused": "x"})", "i.json");
  ASSERT_TRUE(theta) << theta.error();
  EXPECT_NEAR((*theta)[0], std::log(2.5), 1e-15);
  std::map<std::string, double> back = testing_util::constrained_outputs(m->model(), *theta);
  EXPECT_NEAR(back["sigma"], 2.5, 1e-14);
  EXPECT_EQ(back["beta.1"], -1);
  EXPECT_EQ(back["beta.2"], 3);
  EXPECT_EQ(back["M.1.2"], 2);
  EXPECT_EQ(back["M.2.1"], 3);
}

TEST(InitFile, EveryMistakeIsNamed) {
  auto m = testing_util::compile_source("m", kModel, "{}");
  ASSERT_TRUE(m);
  auto error = [&](const std::string& json) {
    Expected<std::vector<double>> theta = runtime::read_initial_values(m->model(), json, "i.json");
    return theta ? std::string("(no error)") : theta.error();
  };
  EXPECT_EQ(error(R"({"beta": [0, 0], "M": [[0, 0], [0, 0]]})"), "init file 'i.json': no value for parameter 'sigma'");
  EXPECT_EQ(error(R"({"sigma": 1, "beta": [0], "M": [[0, 0], [0, 0]]})"),
            "init file 'i.json': field 'beta' has no element 2");
  EXPECT_EQ(error(R"({"sigma": 1, "beta": [0, 0], "M": [[0, 0], [0]]})"),
            "init file 'i.json': field 'M' has no element 2.2");
  EXPECT_EQ(error(R"({"sigma": "one", "beta": [0, 0], "M": [[0, 0], [0, 0]]})"),
            "init file 'i.json': field 'sigma' is not a number");
  EXPECT_EQ(error(R"({"sigma": -1, "beta": [0, 0], "M": [[0, 0], [0, 0]]})"),
            "init file 'i.json': m:2:17: parameter 'sigma' is outside its declared bounds");
  EXPECT_EQ(error("[1, 2]"), "init file 'i.json': expected a JSON object with a field per parameter");
  EXPECT_EQ(error("{"), "init file 'i.json': not valid JSON");
}

// From the command line: the CSV records the file, a bad one is an error
// before any fitting and leaves no output.
TEST(InitFile, FitAndOptimizeTakeIt) {
  ScratchDir dir("init");
  dir.write("m.vmodel", kModel);
  dir.write("i.json", R"({"sigma": 2.5, "beta": [-1, 3], "M": [[1, 2], [3, 4]]})");
  dir.write("bad.json", R"({"sigma": 2.5})");
  VicRun fit = run_vic(dir.path(), {"fit", "m.vmodel", "--init", "i.json", "--quiet", "--output", "fit.csv"});
  EXPECT_EQ(fit.status, 0) << fit.err;
  EXPECT_NE(dir.read("fit.csv").find("\n# init = i.json\n"), std::string::npos);
  VicRun opt = run_vic(dir.path(), {"optimize", "m.vmodel", "--init", "i.json", "--quiet", "--output", "o.csv"});
  EXPECT_EQ(opt.status, 0) << opt.err;
  EXPECT_NE(dir.read("o.csv").find("\n# init = i.json\n"), std::string::npos);
  VicRun bad = run_vic(dir.path(), {"fit", "m.vmodel", "--init", "bad.json", "--quiet", "--output", "bad.csv"});
  EXPECT_EQ(bad.status, 1);
  EXPECT_EQ(bad.err, "error: init file 'bad.json': no value for parameter 'beta'\n");
  VicRun missing = run_vic(dir.path(), {"fit", "m.vmodel", "--init", "none.json", "--quiet", "--output", "bad.csv"});
  EXPECT_EQ(missing.status, 1);
  EXPECT_EQ(missing.err, "error: cannot read init file 'none.json': No such file or directory\n");
  EXPECT_EQ(dir.read("bad.csv"), "");
  VicRun radius = run_vic(dir.path(), {"fit", "m.vmodel", "--init-radius", "-1", "--output", "bad.csv"});
  EXPECT_EQ(radius.status, 2);
  EXPECT_EQ(radius.err, "error: --init-radius: must be a non-negative finite number, but is -1\n");
}

}  // namespace
}  // namespace vic
