// Tests for data_only_checks: which checks of the lowered log density depend on
// the data alone. Each model marks its checks in comments; the test compares
// the data-only ones, as "line:col message", with the list expected.
#include "ir/data_only_checks.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "ir/lower/lower.h"
#include "tools/model_compiler.h"

namespace vic {
namespace {

// "line:col message" of each data-only check of @lp, sorted.
std::vector<std::string> data_only_checks_of(const std::string& source) {
  tools::CheckedModel m = tools::check_model_source("m.vmodel", source);
  EXPECT_TRUE(m.ast) << m.diagnostics.str();
  if (!m.ast) return {};
  ir::Program program = lower::lower_program(*m.ast);
  const ir::Function* lp = program.find("lp");
  EXPECT_NE(lp, nullptr);
  if (!lp) return {};
  std::vector<std::string> out;
  for (int64_t id : ir::data_only_checks(*lp)) {
    const ir::CheckInfo& check = program.checks.at(static_cast<size_t>(id));
    out.push_back(std::to_string(check.loc.line) + ":" + std::to_string(check.loc.column) + " " + check.message);
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(DataOnlyChecks, DataScaleAndDataIndexAreDataOnly) {
  EXPECT_EQ(data_only_checks_of(R"(data { int k; real s; }
parameters { real mu; }
model {
  array[2] real z;
  z[k] = 1;
  mu ~ normal(0, s);
}
)"),
            (std::vector<std::string>{"4:17 out of memory: cannot allocate 'z'", "5:5 index out of range",
                                      "6:18 normal_lpdf: Scale parameter must be positive"}));
}

TEST(DataOnlyChecks, ParameterDependentConditionsAreNot) {
  EXPECT_EQ(data_only_checks_of(R"(data { int k; }
parameters { real mu; }
model {
  mu ~ normal(0, exp(mu));
}
)"),
            std::vector<std::string>{});
}

TEST(DataOnlyChecks, ChecksUnderParameterDependentControlAreNot) {
  // The check at 6:19 sees only data but runs only when mu > 0; the one in the
  // loop over data bounds runs whatever mu is, as does the loop's bound check.
  EXPECT_EQ(data_only_checks_of(R"(data { int N; real s; }
parameters { real mu; }
model {
  mu ~ std_normal();
  if (mu > 0) {
    1 ~ normal(0, s);
  }
  for (n in 1:N) {
    2 ~ normal(0, s);
  }
}
)"),
            (std::vector<std::string>{"8:15 integer overflow: the loop's upper bound is too large",
                                      "9:19 normal_lpdf: Scale parameter must be positive"}));
}

TEST(DataOnlyChecks, BufferFilledFromAParameterIsParameterDependent) {
  // z[2] holds mu, so normal's scale z[k] depends on the parameter; the index k
  // itself does not.
  EXPECT_EQ(data_only_checks_of(R"(data { int k; }
parameters { real mu; }
model {
  array[2] real z;
  z[1] = 1;
  z[2] = mu;
  0 ~ normal(0, z[k]);
}
)"),
            (std::vector<std::string>{"4:17 out of memory: cannot allocate 'z'", "5:5 index out of range",
                                      "6:5 index out of range", "7:19 index out of range"}));
}

}  // namespace
}  // namespace vic
