// Tests of ir::parse_ir, the inverse of the printer:
//  - print(parse(text)) == text for every golden IR file and for the IR of
//    every example model after every pipeline stage;
//  - a parsed program behaves as the one printed: each pass gives the same
//    text on both;
//  - the attributes the text spells in several ways (inf, nan, -0, i64 limits);
//  - malformed text is an error naming file:line:col and what is wrong.
#include "ir/parse_ir.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "ir/ad/reverse_mode.h"
#include "ir/lower/lower.h"
#include "ir/passes/passes.h"
#include "ir/printer.h"
#include "ir/rewriter.h"
#include "runtime/data.h"
#include "tools/model_compiler.h"

namespace vic {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// print(parse(text)), or the parse error.
std::string reprint(const std::string& text, const std::string& file = "t.ir") {
  Expected<ir::Program> p = ir::parse_ir(text, file);
  if (!p) return p.error();
  return ir::print_program(*p);
}

std::string parse_error(const std::string& text) {
  Expected<ir::Program> p = ir::parse_ir(text, "t.ir");
  return p ? "(parsed)" : p.error();
}

TEST(ParseIr, EveryGoldenFileRoundTrips) {
  int files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(VIC_GOLDEN_DIR)) {
    if (entry.path().extension() != ".ir") continue;
    ++files;
    std::string text = read_file(entry.path());
    EXPECT_EQ(reprint(text, entry.path().string()), text) << entry.path();
  }
  EXPECT_GE(files, 40);  // 5 models, 9 stages; 0-lowered.ir alone for models without data
}

// The stages golden_test.cpp prints, as functions of the program before them.
struct Stage {
  std::string name;
  std::function<ir::Program(const ir::Program&)> run;
};

std::vector<Stage> pipeline_stages(const runtime::DataSet& data) {
  auto lookup = [&data](const std::string& field) -> std::optional<int64_t> {
    const runtime::DataValue* v = data.find(field);
    if (!v || !v->is_int || !v->dims.empty()) return std::nullopt;
    return v->ints[0];
  };
  auto gradient = [](const ir::Program& p) {
    ir::Program out = ir::clone_program(p);
    ir::add_gradient_function(out, "lp_propto", "lp_grad");
    return out;
  };
  return {
      {"bind-data-sizes", [lookup](const ir::Program& p) { return ir::bind_data_sizes(p, lookup); }},
      {"fold-constants", ir::fold_constants},
      {"simplify-algebra", ir::simplify_algebra},
      {"cse", ir::eliminate_common_subexpressions},
      {"dce", ir::eliminate_dead_code},
      {"hoist-data-only", ir::hoist_data_only},
      {"reverse-mode-ad", gradient},
      {"fold-constants (gradient)", ir::fold_constants},
      {"simplify-algebra (gradient)", ir::simplify_algebra},
      {"cse (gradient)", ir::eliminate_common_subexpressions},
      {"dce (gradient)", ir::eliminate_dead_code},
  };
}

class ExampleModel : public testing::TestWithParam<std::string> {};

// Each stage's IR round-trips, and each pass run on the parsed IR prints as
// the same pass run on the original: parsing lost nothing a pass reads.
TEST_P(ExampleModel, EveryStageRoundTripsAndPassesAgree) {
  fs::path dir = fs::path(VIC_EXAMPLES_DIR) / GetParam();
  tools::CheckedModel m = tools::check_model_source("model.vmodel", read_file(dir / "model.vmodel"));
  ASSERT_TRUE(m.ast) << m.diagnostics.str();
  Expected<runtime::DataSet> data =
      runtime::load_stan_json_file((dir / "data.json").string(), tools::data_declarations(*m.ast));
  ASSERT_TRUE(data) << data.error();

  ir::Program p = lower::lower_program(*m.ast);
  for (const Stage& stage : pipeline_stages(*data)) {
    std::string text = ir::print_program(p);
    Expected<ir::Program> parsed = ir::parse_ir(text, stage.name + ".ir");
    ASSERT_TRUE(parsed) << "before " << stage.name << ": " << parsed.error();
    ASSERT_EQ(ir::print_program(*parsed), text) << "before " << stage.name;
    // The check table is not in the text: with the original's, the checks a
    // pass adds get the same ids.
    parsed->checks = p.checks;
    ir::Program next = stage.run(p);
    EXPECT_EQ(ir::print_program(stage.run(*parsed)), ir::print_program(next)) << stage.name;
    p = std::move(next);
  }
  std::string text = ir::print_program(p);
  EXPECT_EQ(reprint(text), text) << "after the pipeline";
}

std::vector<std::string> example_names() {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(VIC_EXAMPLES_DIR))
    if (fs::exists(entry.path() / "model.vmodel")) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

INSTANTIATE_TEST_SUITE_P(Examples, ExampleModel, testing::ValuesIn(example_names()),
                         [](const testing::TestParamInfo<std::string>& info) { return info.param; });

TEST(ParseIr, ConstantsKeepEveryValue) {
  const std::string text =
      "func @f() -> () {\n"
      "  %0 = const.f64 inf\n"
      "  %1 = const.f64 -inf\n"
      "  %2 = const.f64 nan\n"
      "  %3 = const.f64 -nan\n"
      "  %4 = const.f64 -0\n"
      "  %5 = const.f64 0.10000000000000001\n"
      "  %6 = const.f64 1.7976931348623157e+308\n"
      "  %7 = const.f64 4.9406564584124654e-324\n"
      "  %8 = const.i64 -9223372036854775808\n"
      "  %9 = const.i64 9223372036854775807\n"
      "  %10 = const.i1 true\n"
      "  %11 = const.i1 false\n"
      "  return\n"
      "}\n";
  EXPECT_EQ(reprint(text), text);
  Expected<ir::Program> p = ir::parse_ir(text, "t.ir");
  ASSERT_TRUE(p) << p.error();
  const auto& ops = p->functions[0]->body.ops;
  EXPECT_TRUE(std::isnan(ops[2]->number) && !std::signbit(ops[2]->number));
  EXPECT_TRUE(std::isnan(ops[3]->number) && std::signbit(ops[3]->number));
  EXPECT_TRUE(ops[4]->number == 0 && std::signbit(ops[4]->number));
  EXPECT_EQ(ops[5]->number, 0.1);
  EXPECT_EQ(ops[7]->number, 4.9406564584124654e-324);
  EXPECT_EQ(ops[8]->integer, INT64_MIN);
}

TEST(ParseIr, NamesTypesAttributesAndTheCheckTable) {
  const std::string text =
      "// a comment, and blank lines, between ops\n"
      "func @g(%theta.0: buf<f64>, %out: buf<i64>) -> (f64, i1) {\n"
      "\n"
      "  %n = data.int \"N\"  // trailing comment\n"
      "  %k.2 = data.buf \"k\" : buf<i64>\n"
      "  %t = alloc %n, #4 : buf<f64>\n"
      "  %3 = rng @normal_rng(%x, %x)\n"
      "}\n";
  // %x is not defined yet: the first error wins.
  EXPECT_EQ(parse_error(text), "t.ir:7:24: error: undefined value %x");

  const std::string good =
      "func @g(%theta.0: buf<f64>, %out: buf<i64>) -> (f64, i1) {\n"
      "  %n = data.int \"N\"\n"
      "  %x = load %theta.0[%n]\n"
      "  %t = alloc %n, #4 : buf<f64>\n"
      "  %r = rng @normal_rng(%x, %x)\n"
      "  %c = fcmp le %x, %r\n"
      "  check %c, #1\n"
      "  return %r, %c\n"
      "}\n";
  Expected<ir::Program> p = ir::parse_ir(good, "t.ir");
  ASSERT_TRUE(p) << p.error();
  const ir::Function& f = *p->functions[0];
  EXPECT_EQ(f.arg(0)->hint, "theta");
  EXPECT_EQ(f.arg(1)->hint, "out");
  EXPECT_EQ(f.arg(1)->type, ir::Type::BufI64);
  EXPECT_EQ(f.result_types, (std::vector<ir::Type>{ir::Type::F64, ir::Type::I1}));
  EXPECT_EQ(f.body.ops[0]->name, "N");
  EXPECT_EQ(f.body.ops[2]->integer, 4);
  EXPECT_EQ(f.body.ops[3]->name, "normal_rng");
  EXPECT_EQ(f.body.ops[4]->integer, static_cast<int64_t>(ir::CmpPredicate::Le));
  // Ids 0..4 have placeholder messages, so a pass's new check is #5.
  ASSERT_EQ(p->checks.size(), 5u);
  EXPECT_EQ(p->checks[4].message, "check #4 (its message is not in the IR text)");
  EXPECT_EQ(ir::print_program(*p),
            "func @g(%theta.0: buf<f64>, %out.1: buf<i64>) -> (f64, i1) {\n"
            "  %n.2 = data.int \"N\"\n"
            "  %x.3 = load %theta.0[%n.2]\n"
            "  %t.4 = alloc %n.2, #4 : buf<f64>\n"
            "  %r.5 = rng @normal_rng(%x.3, %x.3)\n"
            "  %c.6 = fcmp le %x.3, %r.5\n"
            "  check %c.6, #1\n"
            "  return %r.5, %c.6\n"
            "}\n");
}

TEST(ParseIr, RegionsWithIterArgsResultsAndTensorTypes) {
  const std::string text =
      "func @h(%a.0: tensor<f64, 2>) -> (f64) {\n"
      "  %1 = const.i64 0\n"
      "  %2 = const.i64 3\n"
      "  %3 = const.f64 0\n"
      "  %s.4, %j.5 = for %i.6 = %1 to %2 iter_args(%s.7 = %3, %j.8 = %1) {\n"
      "    %9 = itof %i.6\n"
      "    %10 = fadd %s.7, %9\n"
      "    %11 = fcmp gt %10, %3\n"
      "    %12 = if %11 -> (f64) {\n"
      "      yield %10\n"
      "    } else {\n"
      "      %13 = fneg %10\n"
      "      yield %13\n"
      "    }\n"
      "    for %k.14 = %1 to %i.6 {\n"
      "      yield\n"
      "    }\n"
      "    yield %12, %i.6\n"
      "  }\n"
      "  %15 = icmp eq %j.5, %2\n"
      "  if %15 {\n"
      "    yield\n"
      "  } else {\n"
      "    yield\n"
      "  }\n"
      "  return %s.4\n"
      "}\n"
      "\n"
      "func @empty() -> () {\n"
      "  return\n"
      "}\n";
  EXPECT_EQ(reprint(text), text);
  Expected<ir::Program> p = ir::parse_ir(text, "t.ir");
  ASSERT_TRUE(p) << p.error();
  EXPECT_EQ(p->functions[0]->arg(0)->type, ir::Type::tensor(ir::Type::Element::F64, 2));
  const ir::Op& loop = *p->functions[0]->body.ops[3];
  ASSERT_EQ(loop.kind, ir::OpKind::For);
  EXPECT_EQ(loop.results.size(), 2u);
  EXPECT_EQ(loop.region(0).args.size(), 3u);
  EXPECT_EQ(loop.region(0).args[2]->hint, "j");
  EXPECT_TRUE(p->checks.empty());
}

// A while loop: its carried values, and a region yielding (go, next...).
TEST(ParseIr, WhileLoopsRoundTrip) {
  const std::string text =
      "func @w(%x.0: f64) -> (f64) {\n"
      "  %1 = const.f64 10\n"
      "  %2 = const.i64 0\n"
      "  %s.3, %n.4 = while iter_args(%s.5 = %x.0, %n.6 = %2) {\n"
      "    %7 = fcmp lt %s.5, %1\n"
      "    %8 = fadd %s.5, %s.5\n"
      "    %9 = const.i64 1\n"
      "    %10 = iadd %n.6, %9\n"
      "    yield %7, %8, %10\n"
      "  }\n"
      "  while {\n"
      "    %11 = const.i1 false\n"
      "    yield %11\n"
      "  }\n"
      "  return %s.3\n"
      "}\n";
  EXPECT_EQ(reprint(text), text);
  Expected<ir::Program> p = ir::parse_ir(text, "t.ir");
  ASSERT_TRUE(p) << p.error();
  const ir::Op& loop = *p->functions[0]->body.ops[2];
  ASSERT_EQ(loop.kind, ir::OpKind::While);
  EXPECT_EQ(loop.results.size(), 2u);
  EXPECT_EQ(loop.region(0).args.size(), 2u);
  EXPECT_EQ(loop.region(0).args[1]->hint, "n");
}

// Each malformed text and the exact error it gets.
TEST(ParseIr, MalformedTextIsAnErrorAtItsPlace) {
  const std::string head = "func @f(%p.0: buf<f64>) -> (f64) {\n  %1 = const.f64 1\n  %2 = const.i64 0\n";
  const std::string tail = "  return %1\n}\n";
  struct Case {
    std::string body;
    std::string error;
  };
  const std::vector<Case> cases = {
      {"  %3 = frobnicate %1\n", "t.ir:4:8: error: unknown op 'frobnicate'"},
      {"  %3 = fadd %1, %9\n", "t.ir:4:17: error: undefined value %9"},
      {"  %3 = fadd %1, %2\n", "t.ir:4:13: error: type mismatch: 'fadd' takes (f64, f64), not (f64, i64)"},
      {"  %3 = exp %1, %1\n", "t.ir:4:12: error: type mismatch: 'exp' takes (f64), not (f64, f64)"},
      {"  %3 = select %1, %1, %1\n",
       "t.ir:4:15: error: type mismatch: 'select' takes (i1, f64, f64), not (f64, f64, f64)"},
      {"  %3 = icmp lt %1, %2\n", "t.ir:4:16: error: type mismatch: 'icmp' takes (i64, i64), not (f64, i64)"},
      {"  %3 = fcmp less %1, %1\n", "t.ir:4:13: error: expected a predicate (eq, ne, lt, le, gt, ge), found 'less'"},
      {"  %3 = load %1[%2]\n", "t.ir:4:13: error: type mismatch: 'load' takes (buf<T>, i64), not (f64, i64)"},
      {"  store %2, %p.0[%2]\n",
       "t.ir:4:9: error: type mismatch: 'store' takes (T, buf<T>, i64), not (i64, buf<f64>, i64)"},
      {"  check %1, #0\n", "t.ir:4:9: error: type mismatch: 'check' takes (i1), not (f64)"},
      {"  %3 = alloc %2, #0 : buf<i1>\n", "t.ir:4:23: error: 'alloc' makes a buf<f64> or buf<i64>, not buf<i1>"},
      {"  %3 = data.buf \"y\" : f64\n", "t.ir:4:23: error: 'data.buf' reads a buf<f64> or buf<i64>, not f64"},
      {"  %3 = data.buf \"y\"\n", "t.ir:4:20: error: expected ':', found end of line"},
      {"  %3 = data.int \"N\n", "t.ir:4:17: error: unterminated string"},
      {"  %3 = const.f64 1.5x\n", "t.ir:4:18: error: expected an f64 number, found '1.5x'"},
      {"  %3 = const.i64 9223372036854775808\n", "t.ir:4:18: error: the integer 9223372036854775808 is not an i64"},
      {"  %3 = const.i1 yes\n", "t.ir:4:17: error: expected true or false, found 'yes'"},
      {"  %3 = fneg %1 %1\n", "t.ir:4:16: error: expected the end of the line, found '%1'"},
      {"  %3, %4 = fneg %1\n", "t.ir:4:3: error: 'fneg' has 1 result, but 2 are named"},
      {"  fneg %1\n", "t.ir:4:3: error: 'fneg' has 1 result, but 0 are named"},
      {"  %3 = store %1, %p.0[%2]\n", "t.ir:4:3: error: 'store' has no results, but 1 is named"},
      {"  %1 = fneg %1\n", "t.ir:4:3: error: %1 is already defined"},
      {"  check %c, #-1\n", "t.ir:4:9: error: undefined value %c"},
      {"  %3 = const.i1 true\n  check %3, #2000000\n", "t.ir:5:14: error: check id #2000000 is not in 0..1048576"},
      {"  %3 = alloc %2 : buf<f64>\n", "t.ir:4:17: error: expected ',', found ':'"},
      {"  %3 = fdiv %1 %1\n", "t.ir:4:16: error: expected the end of the line, found '%1'"},
      {"  yield %1\n", "t.ir:4:3: error: 'yield' outside a region"},
      {"  return %2\n", "t.ir:4:10: error: 'return' gives (i64), but @f returns (f64)"},
      {"  return %1\n  %3 = fneg %1\n", "t.ir:5:3: error: no op may follow the 'return' ending the body of @f"},
      {"  for %i.4 = %2 to %1 {\n    yield\n  }\n",
       "t.ir:4:14: error: type mismatch: 'for' takes i64 bounds, not (i64, f64)"},
      {"  %3 = for %i.4 = %2 to %2 {\n    yield\n  }\n", "t.ir:4:3: error: 'for' has no results, but 1 is named"},
      {"  for %i.4 = %2 to %2 {\n    return %1\n  }\n", "t.ir:5:5: error: 'return' inside a region"},
      {"  for %i.4 = %2 to %2 {\n    %5 = fneg %1\n  }\n",
       "t.ir:6:3: error: the for loop's region does not end with 'yield'"},
      {"  %3 = for %i.4 = %2 to %2 iter_args(%5 = %1) {\n    yield %i.4\n  }\n",
       "t.ir:5:11: error: 'yield' gives (i64), but the for loop carries (f64)"},
      {"  for %i.4 = %2 to %2 {\n    %5 = fneg %1\n    yield\n  }\n  %6 = fneg %5\n",
       "t.ir:8:13: error: undefined value %5"},
      {"  %3 = while iter_args(%4 = %1) {\n    yield %4\n  }\n",
       "t.ir:5:11: error: 'yield' gives (f64), but the while loop yields (i1, f64)"},
      {"  %3 = while {\n    %4 = const.i1 true\n    yield %4\n  }\n", "t.ir:4:3: error: 'while' has no results, but 1 is named"},
      {"  %3 = if %1 -> (f64) {\n    yield %1\n  } else {\n    yield %1\n  }\n",
       "t.ir:4:11: error: type mismatch: 'if' takes an i1 condition, not (f64)"},
      {"  %3 = const.i1 true\n  %4 = if %3 -> (f64) {\n    yield %1\n  }\n",
       "t.ir:7:4: error: expected 'else', found end of line"},
      {"  %3 = const.i1 true\n  %4 = if %3 -> (f64) {\n    yield %1\n  } else {\n    yield\n  }\n",
       "t.ir:8:10: error: 'yield' gives (), but the if's results are (f64)"},
      {"  %3 = const.i1 true\n  if %3 {\n    yield\n  } else {\n    yield\n  } junk\n",
       "t.ir:9:5: error: expected the end of the line, found 'junk'"},
  };
  for (const Case& c : cases) EXPECT_EQ(parse_error(head + c.body + tail), c.error) << c.body;
}

TEST(ParseIr, MalformedFunctionsAreErrors) {
  EXPECT_EQ(parse_error("fun @f() -> () {\n}\n"), "t.ir:1:1: error: expected 'func', found 'fun'");
  EXPECT_EQ(parse_error("func @f(%a: vec<f64>) -> () {\n  return\n}\n"),
            "t.ir:1:13: error: expected a type, found 'vec<f64>)'");
  EXPECT_EQ(parse_error("func @f(%a: buf<f16>) -> () {\n  return\n}\n"),
            "t.ir:1:17: error: unknown element type 'f16'");
  EXPECT_EQ(parse_error("func @f() -> () {\n  return\n"),
            "t.ir:3:1: error: expected '}' to close the body of @f, found end of input");
  EXPECT_EQ(parse_error("func @f() -> () {\n}\n"), "t.ir:2:1: error: the body of @f does not end with 'return'");
  EXPECT_EQ(parse_error("func @f() -> () {\n  return\n}\nfunc @f() -> () {\n  return\n}\n"),
            "t.ir:4:7: error: function @f is defined twice");
  EXPECT_EQ(parse_error("func @f(%a: f64, %a: f64) -> () {\n  return\n}\n"), "t.ir:1:18: error: %a is already defined");
  // A value of one function is not visible in the next.
  EXPECT_EQ(parse_error("func @f(%a: f64) -> () {\n  return\n}\nfunc @g() -> (f64) {\n  return %a\n}\n"),
            "t.ir:5:10: error: undefined value %a");
}

TEST(ParseIr, DeepNestingIsAnErrorNotACrash) {
  std::string text = "func @f() -> () {\n  %0 = const.i64 0\n";
  const int depth = 300;
  for (int i = 0; i < depth; ++i) text += "for %i" + std::to_string(i) + " = %0 to %0 {\n";
  for (int i = 0; i < depth; ++i) text += "yield\n}\n";
  text += "return\n}\n";
  EXPECT_EQ(parse_error(text), "t.ir:259:1: error: regions are nested deeper than 256 levels");
}

}  // namespace
}  // namespace vic
