// Parsing: the AST's shape (precedence, associativity, literals, declarations),
// source locations, and the golden AST dump of the eight-schools model.
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "frontend/frontend.h"

namespace vic {
namespace {

// The source-like spelling of `expr` as parsed (fully parenthesised where the
// tree differs from the flat reading), or the diagnostics.
std::string parsed(const std::string& expr) {
  SourceFile file("p.vmodel", "model {\n  target += " + expr + ";\n}\n");
  Diagnostics diags;
  std::unique_ptr<ast::Program> program = frontend::parse_program(file, diags);
  if (!program) return diags.str();
  return frontend::expr_to_source(*program->blocks[0].stmts[0]->as<ast::TargetPlusStmt>().value);
}

// The S-expression the printer makes of an unchecked expression, types left out.
std::string tree(const std::string& expr) {
  SourceFile file("p.vmodel", "model {\n  target += " + expr + ";\n}\n");
  Diagnostics diags;
  std::unique_ptr<ast::Program> program = frontend::parse_program(file, diags);
  if (!program) return diags.str();
  std::string dump = frontend::print_ast(*program);
  std::string value = dump.substr(dump.find("value: ") + 7);
  value = value.substr(0, value.find('\n'));
  // Unchecked expressions are poisoned: drop the annotations.
  for (size_t at; (at = value.find(" : <error>")) != std::string::npos;) value.erase(at, 10);
  return value;
}

TEST(FrontendParse, PrecedenceAndAssociativity) {
  EXPECT_EQ(tree("-a^2"), "(neg (^ (var a) (lit 2)))");
  EXPECT_EQ(tree("2^3^4"), "(^ (lit 2) (^ (lit 3) (lit 4)))");
  EXPECT_EQ(tree("a^-b^c"), "(^ (var a) (neg (^ (var b) (var c))))");
  EXPECT_EQ(tree("a - b - c"), "(- (- (var a) (var b)) (var c))");
  EXPECT_EQ(tree("a / b * c"), "(* (/ (var a) (var b)) (var c))");
  EXPECT_EQ(tree("mu + tau * v[1]"), "(+ (var mu) (* (var tau) (index (var v) (lit 1))))");
  EXPECT_EQ(tree("a * b .* c"), "(* (var a) (.* (var b) (var c)))");
  EXPECT_EQ(tree("a %/% b % c"), "(% (%/% (var a) (var b)) (var c))");
  EXPECT_EQ(tree("!a && b || c"), "(|| (&& (not (var a)) (var b)) (var c))");
  EXPECT_EQ(tree("a < b == c >= d"), "(== (< (var a) (var b)) (>= (var c) (var d)))");
  EXPECT_EQ(tree("c ? a : d ? b : e"), "(?: (var c) (var a) (?: (var d) (var b) (var e)))");
  EXPECT_EQ(tree("c ? a ? b : d : e"), "(?: (var c) (?: (var a) (var b) (var d)) (var e))");
  EXPECT_EQ(tree("a || b ? 1 : 2"), "(?: (|| (var a) (var b)) (lit 1) (lit 2))");
  EXPECT_EQ(tree("+a - -b"), "(- (plus (var a)) (neg (var b)))");
  EXPECT_EQ(tree("(a + b) * c"), "(* (+ (var a) (var b)) (var c))");
}

TEST(FrontendParse, IndexingAndCalls) {
  EXPECT_EQ(tree("x[i, j]"), "(index (var x) (var i) (var j))");
  EXPECT_EQ(tree("x[i][j]"), "(index (index (var x) (var i)) (var j))");
  EXPECT_EQ(tree("f(a, b)[1]"), "(index (call f (var a) (var b)) (lit 1))");
  EXPECT_EQ(tree("normal_lpdf(y | mu, sigma)"), "(call normal_lpdf (var y) | (var mu) (var sigma))");
  EXPECT_EQ(tree("std_normal_lpdf(y |)"), "(call std_normal_lpdf (var y))");
  EXPECT_EQ(tree("f()"), "(call f)");
  EXPECT_EQ(parsed("-(a + b)^2 * c[i + 1]"), "-(a + b) ^ 2 * c[i + 1]");
}

TEST(FrontendParse, Literals) {
  EXPECT_EQ(tree("1"), "(lit 1)");
  EXPECT_EQ(tree("1.5"), "(lit 1.5)");
  EXPECT_EQ(tree("1e-3"), "(lit 0.001)");
  EXPECT_EQ(tree(".5"), "(lit 0.5)");
  EXPECT_EQ(tree("2."), "(lit 2.0)");
  EXPECT_EQ(tree("3E2"), "(lit 300.0)");
}

TEST(FrontendParse, CommentsAreSkipped) {
  EXPECT_EQ(tree("a /* inline */ + // to the end\n b # also to the end\n"), "(+ (var a) (var b))");
}

TEST(FrontendParse, Declarations) {
  SourceFile file("d.vmodel", R"(data {
  int n[3, 4];
  real y[5];
  array[2, 3] vector<lower=0>[4] z;
  matrix<upper=1>[2, 3] m;
  row_vector[7] r;
}
)");
  Diagnostics diags;
  std::unique_ptr<ast::Program> program = frontend::parse_program(file, diags);
  ASSERT_NE(program, nullptr) << diags.str();
  const auto& stmts = program->blocks[0].stmts;
  const ast::VarDecl& n = *stmts[0]->as<ast::DeclStmt>().decl;
  EXPECT_EQ(n.type.type().str(), "array[,] int");
  EXPECT_EQ(n.type.array_dims.size(), 2u);
  EXPECT_EQ(stmts[1]->as<ast::DeclStmt>().decl->type.type().str(), "array[] real");
  const ast::VarDecl& z = *stmts[2]->as<ast::DeclStmt>().decl;
  EXPECT_EQ(z.type.type().str(), "array[,] vector");
  EXPECT_EQ(z.type.shape_dims.size(), 1u);
  EXPECT_NE(z.type.lower, nullptr);
  EXPECT_EQ(z.type.upper, nullptr);
  const ast::VarDecl& m = *stmts[3]->as<ast::DeclStmt>().decl;
  EXPECT_EQ(m.type.type().str(), "matrix");
  EXPECT_EQ(m.type.shape_dims.size(), 2u);
  EXPECT_NE(m.type.upper, nullptr);
  EXPECT_EQ(stmts[4]->as<ast::DeclStmt>().decl->type.type().str(), "row_vector");
}

TEST(FrontendParse, SourceLocations) {
  SourceFile file("l.vmodel", "parameters {\n  real mu;\n}\nmodel {\n  mu ~ normal(0, 1 + 2);\n}\n");
  Diagnostics diags;
  std::unique_ptr<ast::Program> program = frontend::parse_program(file, diags);
  ASSERT_NE(program, nullptr);
  const ast::VarDecl& mu = *program->blocks[0].stmts[0]->as<ast::DeclStmt>().decl;
  EXPECT_EQ(mu.loc.str(), "l.vmodel:2:8");
  EXPECT_EQ(program->blocks[1].loc.str(), "l.vmodel:4:1");
  const auto& tilde = program->blocks[1].stmts[0]->as<ast::TildeStmt>();
  EXPECT_EQ(tilde.loc.str(), "l.vmodel:5:3");
  EXPECT_EQ(tilde.lhs->loc.str(), "l.vmodel:5:3");
  EXPECT_EQ(tilde.distribution_loc.str(), "l.vmodel:5:8");
  EXPECT_EQ(tilde.args[0]->loc.str(), "l.vmodel:5:15");
  // A binary expression is located at its operator.
  EXPECT_EQ(tilde.args[1]->loc.str(), "l.vmodel:5:20");
  EXPECT_EQ(tilde.args[1]->as<ast::Binary>().lhs->loc.str(), "l.vmodel:5:18");
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Compares print_ast of `model_path` with the golden file; VIC_UPDATE_GOLDEN=1
// rewrites the golden file instead (review the diff).
void expect_golden_ast(const std::string& model_path, const std::string& golden_path) {
  SourceFile file(model_path, read_file(model_path));
  Diagnostics diags;
  std::unique_ptr<ast::Program> program = frontend::parse_and_check(file, diags);
  ASSERT_NE(program, nullptr) << diags.str();
  EXPECT_EQ(diags.str(), "");
  const std::string dump = frontend::print_ast(*program);
  if (const char* update = std::getenv("VIC_UPDATE_GOLDEN"); update && std::string(update) == "1") {
    std::ofstream(golden_path, std::ios::binary) << dump;
    return;
  }
  EXPECT_EQ(dump, read_file(golden_path));
}

TEST(FrontendGolden, EightSchoolsAst) {
  const std::string dir = VIC_FRONTEND_TEST_DIR;
  expect_golden_ast(dir + "/golden/eight_schools.vmodel", dir + "/golden/eight_schools.ast");
}

TEST(FrontendGolden, GarchAst) {
  const std::string dir = VIC_FRONTEND_TEST_DIR;
  expect_golden_ast(dir + "/golden/garch.vmodel", dir + "/golden/garch.ast");
}

// Functions, constrained types, slices, truncation, reject, literals and loops.
TEST(FrontendGolden, LanguageAst) {
  const std::string dir = VIC_FRONTEND_TEST_DIR;
  expect_golden_ast(dir + "/golden/language.vmodel", dir + "/golden/language.ast");
}

}  // namespace
}  // namespace vic
