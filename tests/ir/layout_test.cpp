// The program's layout (ir/layout.h) as lowering records it: eight schools'
// parameters with their transforms and places in theta, its outputs with
// CmdStan's names; sizes computed from the data (arithmetic, conditionals,
// long chains) and the errors for sizes that cannot be.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "ir/ir.h"
#include "ir/lower/lower.h"
#include "ir/passes/pipeline.h"
#include "tools/model_compiler.h"

namespace vic {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

ir::SizeLookup ints(std::map<std::string, int64_t> values) {
  return [values](const std::string& name) -> std::optional<ir::SizeScalar> {
    auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return ir::SizeScalar{it->second};
  };
}

// A lowered model with its source, which the layout's locations point into.
struct Lowered {
  tools::CheckedModel checked;
  ir::Program program;
};

Lowered lower_source(const std::string& source) {
  Lowered l{tools::check_model_source("m.vmodel", source), {}};
  EXPECT_TRUE(l.checked.ast) << l.checked.diagnostics.str();
  if (l.checked.ast) l.program = lower::lower_program(*l.checked.ast);
  return l;
}

TEST(Layout, EightSchools) {
  tools::CheckedModel m = tools::check_model_source(
      "eight_schools.vmodel", read_file(std::string(VIC_EXAMPLES_DIR) + "/eight_schools/model.vmodel"));
  ASSERT_TRUE(m.ast) << m.diagnostics.str();
  ir::Program p = lower::lower_program(*m.ast);
  Expected<ir::ResolvedLayout> layout = ir::resolve_layout(p.layout, ints({{"J", 8}}));
  ASSERT_TRUE(layout) << layout.error();
  ASSERT_EQ(layout->variables.size(), 4u);
  struct Expected {
    const char* name;
    ir::OutputBlock block;
    ir::Transform transform;
    std::vector<int64_t> dims;
    int64_t unconstrained_offset, unconstrained_size, output_offset;
  };
  const Expected expected[] = {
      {"theta_trans", ir::OutputBlock::Parameters, ir::Transform::Identity, {8}, 0, 8, 0},
      {"mu", ir::OutputBlock::Parameters, ir::Transform::Identity, {}, 8, 1, 8},
      {"tau", ir::OutputBlock::Parameters, ir::Transform::Lower, {}, 9, 1, 9},
      {"theta", ir::OutputBlock::TransformedParameters, ir::Transform::Identity, {8}, 0, 0, 10},
  };
  for (size_t k = 0; k < 4; ++k) {
    const ir::ResolvedVariable& v = layout->variables[k];
    EXPECT_EQ(v.name, expected[k].name);
    EXPECT_EQ(v.block, expected[k].block) << v.name;
    EXPECT_EQ(v.transform, expected[k].transform) << v.name;
    EXPECT_EQ(v.dims, expected[k].dims) << v.name;
    EXPECT_EQ(v.unconstrained_offset, expected[k].unconstrained_offset) << v.name;
    EXPECT_EQ(v.unconstrained_size, expected[k].unconstrained_size) << v.name;
    EXPECT_EQ(v.output_offset, expected[k].output_offset) << v.name;
  }
  EXPECT_EQ(layout->unconstrained_size, 10);
  EXPECT_EQ(layout->num_outputs, 18);
  EXPECT_EQ(layout->num_parameter_outputs, 10);
  EXPECT_EQ(layout->num_transformed_outputs, 8);
  std::vector<std::string> names = layout->output_names();
  ASSERT_EQ(names.size(), 18u);
  EXPECT_EQ(names[0], "theta_trans.1");
  EXPECT_EQ(names[7], "theta_trans.8");
  EXPECT_EQ(names[8], "mu");
  EXPECT_EQ(names[9], "tau");
  EXPECT_EQ(names[10], "theta.1");
  EXPECT_EQ(names[17], "theta.8");
  EXPECT_EQ(ir::transform_name(layout->variables[2].transform), std::string("lower"));
}

// The layout is program data: every pass carries it, and the entry points with it.
TEST(Layout, SurvivesThePipeline) {
  Lowered p = lower_source(
      "data { int N; }\nparameters { vector<lower=0, upper=1>[N] x; }\n"
      "model { x ~ normal(0, 1); }\n");
  std::function<std::optional<int64_t>(const std::string&)> lookup = [](const std::string&) -> std::optional<int64_t> {
    return 4;
  };
  ir::Program optimized = ir::run_pipeline(p.program, ir::PipelineSettings{}, &lookup);
  ASSERT_EQ(optimized.layout.variables.size(), 1u);
  EXPECT_EQ(optimized.layout.variables[0].transform, ir::Transform::LowerUpper);
  EXPECT_EQ(optimized.entry_points, p.program.entry_points);
  for (ir::EntryPoint e : ir::default_entry_points()) {
    EXPECT_TRUE(optimized.exports(e));
    EXPECT_TRUE(optimized.find(e)) << ir::entry_point_symbol(e);
  }
}

// CmdStan's order: the first index fastest, array dimensions before vector ones.
TEST(Layout, ColumnMajorNames) {
  Lowered p = lower_source(
      "parameters { array[2] vector[3] w; real<upper=0> s; }\n"
      "model { s ~ normal(0, 1); }\n");
  Expected<ir::ResolvedLayout> layout = ir::resolve_layout(p.program.layout, ints({}));
  ASSERT_TRUE(layout) << layout.error();
  EXPECT_EQ(layout->output_names(),
            (std::vector<std::string>{"w.1.1", "w.2.1", "w.1.2", "w.2.2", "w.1.3", "w.2.3", "s"}));
  EXPECT_EQ(layout->variables[1].transform, ir::Transform::Upper);
  EXPECT_EQ(layout->variables[1].unconstrained_offset, 6);
}

TEST(Layout, SizesFromTheData) {
  Lowered p = lower_source(
      "data { int N; int K; real x; }\nparameters { vector[N - 1] a; array[K > 2 ? K : 2, N * K % 5] real b; "
      "vector[x > 0 ? 1 : 3] c; }\nmodel { }\n");
  Expected<ir::ResolvedLayout> layout =
      ir::resolve_layout(p.program.layout, [](const std::string& name) -> std::optional<ir::SizeScalar> {
        if (name == "N") return ir::SizeScalar{int64_t{4}};
        if (name == "K") return ir::SizeScalar{int64_t{1}};
        if (name == "x") return ir::SizeScalar{-0.5};
        return std::nullopt;
      });
  ASSERT_TRUE(layout) << layout.error();
  EXPECT_EQ(layout->variables[0].dims, (std::vector<int64_t>{3}));
  EXPECT_EQ(layout->variables[1].dims, (std::vector<int64_t>{2, 4}));
  EXPECT_EQ(layout->variables[2].dims, (std::vector<int64_t>{3}));
  EXPECT_EQ(layout->unconstrained_size, 3 + 8 + 3);
}

// Local variables: a plate of N data items, subsampled by B, and a latent z
// with one entry per item, which a guide draws: it is an output but not in
// theta. The layout resolves plates and checks a local variable runs over its plate.
TEST(Layout, PlatesAndLocalVariables) {
  auto data = [](const char* name) {
    ir::SizeExpr e;
    e.kind = ir::SizeExpr::Kind::Data;
    e.text = name;
    return e;
  };
  ir::ProgramLayout layout;
  layout.plates.push_back({"items", data("N"), data("B")});
  ir::LayoutVariable z{"z", ir::OutputBlock::Parameters, ir::Transform::Identity, {data("N"), data("K")}, {}, 0};
  ir::LayoutVariable mu{"mu", ir::OutputBlock::Parameters, ir::Transform::Identity, {data("K")}, {}, -1};
  layout.variables = {mu, z};
  auto sizes = [](int64_t n, int64_t b) {
    return [n, b](const std::string& name) -> std::optional<ir::SizeScalar> {
      if (name == "N") return ir::SizeScalar{n};
      if (name == "B") return ir::SizeScalar{b};
      if (name == "K") return ir::SizeScalar{int64_t{2}};
      return std::nullopt;
    };
  };
  Expected<ir::ResolvedLayout> resolved = ir::resolve_layout(layout, sizes(100, 10));
  ASSERT_TRUE(resolved) << resolved.error();
  ASSERT_EQ(resolved->plates.size(), 1u);
  EXPECT_EQ(resolved->plates[0].size, 100);
  EXPECT_EQ(resolved->plates[0].batch_size, 10);
  EXPECT_EQ(resolved->find("z")->plate, 0);
  EXPECT_EQ(resolved->find("mu")->plate, -1);
  EXPECT_EQ(resolved->unconstrained_size, 2);
  EXPECT_EQ(resolved->find("z")->unconstrained_size, 0);
  EXPECT_EQ(resolved->num_outputs, 2 + 200);

  resolved = ir::resolve_layout(layout, sizes(5, 10));
  ASSERT_FALSE(resolved);
  EXPECT_EQ(resolved.error(), "<unknown>: the batch size of plate 'items' (10) is larger than the plate (5)");

  layout.variables[1].dims = {data("K"), data("N")};
  resolved = ir::resolve_layout(layout, sizes(100, 10));
  ASSERT_FALSE(resolved);
  EXPECT_EQ(resolved.error(), "<unknown>: 'z' is local to plate 'items' of 100 items, but its first size is not that");
}

// A network's weights follow the parameters in theta: per layer, (in + 1) x out.
TEST(Layout, NetworksFollowTheParameters) {
  auto size = [](int64_t n) {
    ir::SizeExpr e;
    e.kind = ir::SizeExpr::Kind::Int;
    e.integer = n;
    return e;
  };
  ir::ProgramLayout layout;
  layout.variables.push_back({"mu", ir::OutputBlock::Parameters, ir::Transform::Identity, {size(3)}, {}, -1});
  layout.networks.push_back({"encoder", {size(4), size(5), size(2)}, {}});
  layout.networks.push_back({"decoder", {size(2), size(4)}, {}});
  auto none = [](const std::string&) -> std::optional<ir::SizeScalar> { return std::nullopt; };
  Expected<ir::ResolvedLayout> resolved = ir::resolve_layout(layout, none);
  ASSERT_TRUE(resolved) << resolved.error();
  ASSERT_EQ(resolved->networks.size(), 2u);
  EXPECT_EQ(resolved->networks[0].offset, 3);
  EXPECT_EQ(resolved->networks[0].size, 5 * 5 + 6 * 2);
  EXPECT_EQ(resolved->networks[1].offset, 3 + 37);
  EXPECT_EQ(resolved->networks[1].size, 3 * 4);
  EXPECT_EQ(resolved->unconstrained_size, 3 + 37 + 12);

  layout.networks[1].sizes[1] = size(0);
  resolved = ir::resolve_layout(layout, none);
  ASSERT_FALSE(resolved);
  EXPECT_EQ(resolved.error(), "<unknown>: the network 'decoder' needs positive int sizes; size 2 is not one");
}

// A sum of 10^5 terms is one flat chain, not 10^5 levels of recursion.
TEST(Layout, LongSizeExpression) {
  std::string size = "1";
  for (int i = 1; i < 100000; ++i) size += " + 1";
  Lowered p = lower_source("parameters { vector[" + size + "] v; }\nmodel { }\n");
  Expected<ir::ResolvedLayout> layout = ir::resolve_layout(p.program.layout, ints({}));
  ASSERT_TRUE(layout) << layout.error();
  EXPECT_EQ(layout->unconstrained_size, 100000);
}

TEST(Layout, SizesThatCannotBeComputed) {
  Lowered p = lower_source(
      "data { int N; }\ntransformed data { int M; M = N; }\n"
      "parameters { vector[N] a; }\ngenerated quantities { vector[M] g; }\n");
  Expected<ir::ResolvedLayout> negative = ir::resolve_layout(p.program.layout, ints({{"N", -2}}));
  ASSERT_FALSE(negative);
  EXPECT_EQ(negative.error(), "m.vmodel:3:24: the size of 'a' is negative (-2)");
  Expected<ir::ResolvedLayout> unknown = ir::resolve_layout(p.program.layout, ints({{"N", 2}}));
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error(), "m.vmodel:4:31: the value of 'M' is not known here");
  Expected<ir::ResolvedLayout> unbound = ir::resolve_layout(p.program.layout, ints({}));
  ASSERT_FALSE(unbound);
  EXPECT_EQ(unbound.error(), "m.vmodel:3:21: the value of 'N' is not known here");

  Lowered big = lower_source("data { int N; }\nparameters { array[N, N] real a; }\nmodel { }\n");
  Expected<ir::ResolvedLayout> too_big = ir::resolve_layout(big.program.layout, ints({{"N", 100000}}));
  ASSERT_FALSE(too_big);
  EXPECT_EQ(too_big.error(),
            "m.vmodel:2:31: 'a' would hold 100000 x 100000 elements, more than the 2147483647 one "
            "container may hold");
  Expected<ir::ResolvedLayout> overflow = ir::resolve_layout(big.program.layout, ints({{"N", int64_t{1} << 62}}));
  ASSERT_FALSE(overflow);
  EXPECT_NE(overflow.error().find("would hold 4611686018427387904 x 4611686018427387904 elements"), std::string::npos);
}

}  // namespace
}  // namespace vic
