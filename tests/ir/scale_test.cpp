// 10^5 statements through lowering and every pass of the pipeline, the reverse
// mode included: each statement extends one long chain of values (target), so
// a pass that recursed along operands (as dead-code elimination once did)
// would overflow the stack. (Compiling that to native code is left to the
// end-to-end tests at smaller sizes: LLVM's own time grows fast with it.)
#include <string>

#include <gtest/gtest.h>

#include "ir/ir.h"
#include "ir/lower/lower.h"
#include "ir/passes/pipeline.h"
#include "tools/model_compiler.h"

namespace vic {
namespace {

size_t count_ops(const ir::Block& block, ir::OpKind kind) {
  size_t n = 0;
  for (const auto& op : block.ops) {
    n += op->kind == kind;
    for (const auto& region : op->regions) n += count_ops(*region, kind);
  }
  return n;
}

TEST(Scale, HundredThousandStatementsThroughEveryPass) {
  std::string source = "parameters { real mu; }\nmodel {\n";
  for (int i = 0; i < 100000; ++i) source += "  target += -mu * mu;\n";
  source += "}\n";
  tools::CheckedModel checked = tools::check_model_source("many.vmodel", source);
  ASSERT_TRUE(checked.ast) << checked.diagnostics.str();
  ir::Program lowered = lower::lower_program(*checked.ast);
  auto no_sizes = [](const std::string&) -> std::optional<int64_t> { return std::nullopt; };
  std::function<std::optional<int64_t>(const std::string&)> lookup = no_sizes;
  ir::Program optimized = ir::run_pipeline(lowered, ir::PipelineSettings{}, &lookup);
  const ir::Function* gradient = optimized.find("lp_grad");
  ASSERT_NE(gradient, nullptr);
  // CSE shares mu * mu; the 10^5 additions to target stay, forward and reverse.
  EXPECT_EQ(count_ops(gradient->body, ir::OpKind::FMul), 2u + 1u);
  EXPECT_GE(count_ops(gradient->body, ir::OpKind::FSub) + count_ops(gradient->body, ir::OpKind::FAdd), 100000u);
}

}  // namespace
}  // namespace vic
