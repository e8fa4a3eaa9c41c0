// `vic optimize`: the posterior mode with and without the Jacobian, against
// closed forms; its CSV; its refusals.
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "test_util.h"
#include "vic_process.h"

namespace vic {
namespace {

using testing_util::run_vic;
using testing_util::ScratchDir;
using testing_util::VicRun;

// sigma ~ lognormal(0, 1): its density's mode (MAP) is exp(-1); on the
// unconstrained scale (log sigma ~ normal(0, 1)) the mode is at 0, sigma = 1.
const char* const kLogNormal = "parameters {\n  real<lower=0> sigma;\n}\nmodel {\n  sigma ~ lognormal(0, 1);\n}\n";

// The value of the CSV's column `name` in its one row.
double csv_value(const std::string& csv, const std::string& name) {
  std::istringstream in(csv);
  std::string line, header, row;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (header.empty()) {
      header = line;
    } else if (row.empty()) {
      row = line;
    }
  }
  std::istringstream names(header), values(row);
  std::string n, v;
  while (std::getline(names, n, ',') && std::getline(values, v, ','))
    if (n == name) return std::stod(v);
  ADD_FAILURE() << "no column " << name << " in " << csv;
  return NAN;
}

TEST(Optimize, MapAndTheUnconstrainedModeAgainstClosedForms) {
  ScratchDir dir("optimize");
  dir.write("m.vmodel", kLogNormal);
  VicRun map = run_vic(dir.path(), {"optimize", "m.vmodel", "--quiet", "--output", "map.csv"});
  ASSERT_EQ(map.status, 0) << map.err;
  EXPECT_EQ(map.err, "");
  EXPECT_NEAR(csv_value(dir.read("map.csv"), "sigma"), std::exp(-1.0), 1e-5);
  EXPECT_NE(dir.read("map.csv").find("# method = optimize\n#   optimize\n#     algorithm = lbfgs (Default)\n"),
            std::string::npos)
      << dir.read("map.csv");
  EXPECT_NE(dir.read("map.csv").find("\nlp__,sigma\n"), std::string::npos);
  EXPECT_NE(map.out.find("log density without the Jacobian = "), std::string::npos) << map.out;

  VicRun jacobian = run_vic(dir.path(), {"optimize", "m.vmodel", "--quiet", "--jacobian", "--output", "j.csv"});
  ASSERT_EQ(jacobian.status, 0) << jacobian.err;
  EXPECT_NEAR(csv_value(dir.read("j.csv"), "sigma"), 1.0, 1e-5);
  EXPECT_NE(dir.read("j.csv").find("#     jacobian = 1\n"), std::string::npos) << dir.read("j.csv");
}

TEST(Optimize, TheIterationLimitExitsThree) {
  ScratchDir dir("optimize");
  dir.write("m.vmodel", testing_util::kConvergingModel);
  VicRun r = run_vic(dir.path(), {"optimize", "m.vmodel", "--quiet", "--iter", "1", "--output", "o.csv"});
  EXPECT_EQ(r.status, 3);
  EXPECT_EQ(r.err,
            "error: L-BFGS stopped before converging: maximum number of iterations hit, may not be at an optimum. "
            "What to try: more iterations (--iter); --allow-poor-fit accepts the point as it is\n");
  EXPECT_NE(dir.read("o.csv").find("\nlp__,mu\n"), std::string::npos);
  r = run_vic(dir.path(), {"optimize", "m.vmodel", "--quiet", "--iter", "1", "--allow-poor-fit", "--output", "o.csv"});
  EXPECT_EQ(r.status, 0);
}

TEST(Optimize, RefusesToOverwriteTheModel) {
  ScratchDir dir("optimize");
  dir.write("m.vmodel", kLogNormal);
  VicRun r = run_vic(dir.path(), {"optimize", "m.vmodel", "--output", "m.vmodel"});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "error: --output 'm.vmodel' is the model file; refusing to overwrite it\n");
  EXPECT_EQ(dir.read("m.vmodel"), kLogNormal);
}

}  // namespace
}  // namespace vic
