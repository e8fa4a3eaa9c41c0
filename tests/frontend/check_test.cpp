// Type checking and name resolution: the types and dependence of representative
// expressions under Stan's rules, and whole models that must check cleanly.
#include <string>

#include <gtest/gtest.h>

#include "frontend/frontend.h"

namespace vic {
namespace {

const char* kDeclarations = R"(data {
  int N;
  int k;
  real x;
  array[N] real y;
  array[N] int counts;
  array[N, 2] real grid;
  vector[N] v;
  row_vector[N] rv;
  matrix[N, N] m;
}
parameters {
  real mu;
  vector[N] theta;
}
)";

// "TYPE DEPENDENCE" of `expr` (checked inside the model block of a program
// declaring the variables above), or the diagnostics when it does not check.
std::string type_of(const std::string& expr) {
  SourceFile file("t.vmodel", std::string(kDeclarations) + "model {\n  target += " + expr + ";\n}\n");
  Diagnostics diags;
  std::unique_ptr<ast::Program> program = frontend::parse_and_check(file, diags);
  if (diags.has_errors()) return diags.str();
  const ast::Expr& e = *program->block(ast::BlockKind::Model)->stmts.back()->as<ast::TargetPlusStmt>().value;
  return e.type.str() + (e.dependence == ast::Dependence::Parameter ? " param" : " data");
}

TEST(FrontendTypes, Arithmetic) {
  EXPECT_EQ(type_of("k + 1"), "int data");
  EXPECT_EQ(type_of("k / 2"), "int data");
  EXPECT_EQ(type_of("k %/% 2"), "int data");
  EXPECT_EQ(type_of("k % 2"), "int data");
  EXPECT_EQ(type_of("k * 1.5"), "real data");
  EXPECT_EQ(type_of("x + k"), "real data");
  EXPECT_EQ(type_of("k ^ 2"), "real data");
  EXPECT_EQ(type_of("-k"), "int data");
  EXPECT_EQ(type_of("mu - 1"), "real param");
}

TEST(FrontendTypes, VectorsAndMatrices) {
  EXPECT_EQ(type_of("mu + x * theta"), "vector param");
  EXPECT_EQ(type_of("v + v"), "vector data");
  EXPECT_EQ(type_of("v - 1"), "vector data");
  EXPECT_EQ(type_of("1 - v"), "vector data");
  EXPECT_EQ(type_of("v .* theta"), "vector param");
  EXPECT_EQ(type_of("v ./ v"), "vector data");
  EXPECT_EQ(type_of("v / 2"), "vector data");
  EXPECT_EQ(type_of("rv * v"), "real data");
  EXPECT_EQ(type_of("v * rv"), "matrix data");
  EXPECT_EQ(type_of("m * theta"), "vector param");
  EXPECT_EQ(type_of("rv * m"), "row_vector data");
  EXPECT_EQ(type_of("m * m"), "matrix data");
  EXPECT_EQ(type_of("-theta"), "vector param");
}

TEST(FrontendTypes, Indexing) {
  EXPECT_EQ(type_of("y[1]"), "real data");
  EXPECT_EQ(type_of("counts[k]"), "int data");
  EXPECT_EQ(type_of("grid[1]"), "array[] real data");
  EXPECT_EQ(type_of("grid[1, 2]"), "real data");
  EXPECT_EQ(type_of("grid[1][2]"), "real data");
  EXPECT_EQ(type_of("theta[k]"), "real param");
  EXPECT_EQ(type_of("m[1]"), "row_vector data");
  EXPECT_EQ(type_of("m[1, 2]"), "real data");
  EXPECT_EQ(type_of("m[1][2]"), "real data");
  EXPECT_EQ(type_of("v[counts[1]]"), "real data");
}

TEST(FrontendTypes, ComparisonsLogicAndConditionals) {
  EXPECT_EQ(type_of("mu < 1"), "int param");
  EXPECT_EQ(type_of("x == k"), "int data");
  EXPECT_EQ(type_of("!k && x || mu"), "int param");
  EXPECT_EQ(type_of("k ? 1 : 2"), "int data");
  EXPECT_EQ(type_of("k ? 1 : x"), "real data");
  EXPECT_EQ(type_of("k > 0 ? theta : v"), "vector param");
}

TEST(FrontendTypes, Calls) {
  EXPECT_EQ(type_of("sum(y)"), "real data");
  EXPECT_EQ(type_of("sum(counts)"), "int data");  // as in Stan
  EXPECT_EQ(type_of("sum(theta)"), "real param");
  EXPECT_EQ(type_of("exp(k)"), "real data");
  EXPECT_EQ(type_of("exp(theta)"), "vector param");
  EXPECT_EQ(type_of("log(y)"), "array[] real data");
  EXPECT_EQ(type_of("dot_product(v, theta)"), "real param");
  EXPECT_EQ(type_of("normal_lpdf(y | mu, 1)"), "real param");
  EXPECT_EQ(type_of("normal_lpdf(v | 0, 1)"), "real data");
  EXPECT_EQ(type_of("poisson_lpmf(counts | exp(mu))"), "real param");
  EXPECT_EQ(type_of("std_normal_lpdf(theta)"), "real param");
}

TEST(FrontendTypes, EightSchoolsExpressions) {
  SourceFile file("eight_schools.vmodel", R"(data { int<lower=0> J; array[J] real y; array[J] real<lower=0> sigma; }
parameters { vector[J] theta_trans; real mu; real<lower=0> tau; }
transformed parameters { vector[J] theta = mu + tau * theta_trans; }
model { target += sum(y); }
)");
  Diagnostics diags;
  std::unique_ptr<ast::Program> program = frontend::parse_and_check(file, diags);
  ASSERT_EQ(diags.str(), "");
  const ast::VarDecl& theta =
      *program->block(ast::BlockKind::TransformedParameters)->stmts[0]->as<ast::DeclStmt>().decl;
  EXPECT_EQ(theta.init->type.str(), "vector");
  EXPECT_EQ(theta.init->dependence, ast::Dependence::Parameter);
  const ast::Expr& sum = *program->block(ast::BlockKind::Model)->stmts[0]->as<ast::TargetPlusStmt>().value;
  EXPECT_EQ(sum.type, ast::Type::real_scalar());
  EXPECT_EQ(sum.dependence, ast::Dependence::Data);
  // Name resolution points at the declarations.
  const auto& y = sum.as<ast::Call>().args[0]->as<ast::Variable>();
  const ast::VarDecl& y_decl = *program->block(ast::BlockKind::Data)->stmts[1]->as<ast::DeclStmt>().decl;
  EXPECT_EQ(y.decl, &y_decl);
  EXPECT_EQ(y_decl.block, ast::BlockKind::Data);
  EXPECT_FALSE(y_decl.is_local);
}

const char* kGarch = R"(data { int<lower=2> T; vector[T] r; real<lower=0> sigma1; }
parameters { real mu; real<lower=0> alpha0; real<lower=0, upper=1> alpha1; real<lower=0, upper=(1 - alpha1)> beta1; }
model {
  real sigma2 = square(sigma1);
  for (t in 2:T) {
    sigma2 = alpha0 + alpha1 * square(r[t - 1] - mu) + beta1 * sigma2;
    r[t] ~ normal(mu, sqrt(sigma2));
  }
}
generated quantities { real z = normal_rng(mu, 1); }
)";

TEST(FrontendCheck, GarchWithParameterDependentBound) {
  SourceFile file("garch.vmodel", kGarch);
  Diagnostics diags;
  std::unique_ptr<ast::Program> program = frontend::parse_and_check(file, diags);
  ASSERT_NE(program, nullptr);
  EXPECT_EQ(diags.str(), "");
  const ast::VarDecl& beta1 = *program->block(ast::BlockKind::Parameters)->stmts[3]->as<ast::DeclStmt>().decl;
  EXPECT_EQ(beta1.type.upper->dependence, ast::Dependence::Parameter);
  const ast::ProgramBlock& model = *program->block(ast::BlockKind::Model);
  const ast::VarDecl& sigma2 = *model.stmts[0]->as<ast::DeclStmt>().decl;
  EXPECT_TRUE(sigma2.is_local);
  const auto& loop = model.stmts[1]->as<ast::ForStmt>();
  EXPECT_TRUE(loop.index->is_loop_index);
  EXPECT_EQ(loop.index->type.type(), ast::Type::int_scalar());
  const auto& body = loop.body->as<ast::BlockStmt>();
  // sigma2 is a real local of the model block: parameter-dependent.
  EXPECT_EQ(body.stmts[0]->as<ast::AssignStmt>().lhs->dependence, ast::Dependence::Parameter);
  const auto& tilde = body.stmts[1]->as<ast::TildeStmt>();
  EXPECT_EQ(tilde.lhs->type, ast::Type::real_scalar());
  EXPECT_EQ(tilde.lhs->dependence, ast::Dependence::Data);
  const auto& index = tilde.lhs->as<ast::Index>().indices[0]->as<ast::Variable>();
  EXPECT_EQ(index.decl, loop.index.get());
  const ast::VarDecl& z =
      *program->block(ast::BlockKind::GeneratedQuantities)->stmts[0]->as<ast::DeclStmt>().decl;
  EXPECT_EQ(z.init->type, ast::Type::real_scalar());
}

TEST(FrontendCheck, ExampleModelsCheckCleanly) {
  for (const char* name : {"eight_schools", "garch", "kidiq_momiq", "kidiq_interaction_z"}) {
    std::string path = std::string(VIC_FRONTEND_TEST_DIR) + "/../../examples/" + name + "/model.vmodel";
    FILE* f = std::fopen(path.c_str(), "rb");
    ASSERT_NE(f, nullptr) << path;
    std::string text;
    char buffer[4096];
    for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, f)) > 0;) text.append(buffer, n);
    std::fclose(f);
    SourceFile file(path, text);
    Diagnostics diags;
    EXPECT_NE(frontend::parse_and_check(file, diags), nullptr) << name;
    EXPECT_EQ(diags.str(), "") << name;
  }
}

TEST(FrontendCheck, KeywordsAsIdentifiers) {
  SourceFile file("k.vmodel", R"(data { int<lower=0> T; int<lower=0> lower; real upper; }
transformed data { real in = T + lower + upper; }
parameters { real<lower=lower, upper=upper> model; }
model { model ~ normal(in, 1); }
)");
  Diagnostics diags;
  std::unique_ptr<ast::Program> program = frontend::parse_and_check(file, diags);
  EXPECT_EQ(diags.str(), "");
  ASSERT_NE(program, nullptr);
  EXPECT_EQ(program->block(ast::BlockKind::Data)->stmts[0]->as<ast::DeclStmt>().decl->name, "T");
}

TEST(FrontendCheck, DependenceOfLocals) {
  SourceFile file("d.vmodel", R"(data { int N; }
transformed data { real a = N; }
parameters { real mu; }
transformed parameters { real b = mu; }
model {
  int n = N;
  real c = 1;
  target += a + n;
  target += c;
  target += b;
}
generated quantities { real g = mu; }
)");
  Diagnostics diags;
  std::unique_ptr<ast::Program> program = frontend::parse_and_check(file, diags);
  ASSERT_EQ(diags.str(), "");
  const auto& stmts = program->block(ast::BlockKind::Model)->stmts;
  EXPECT_EQ(stmts[2]->as<ast::TargetPlusStmt>().value->dependence, ast::Dependence::Data);
  EXPECT_EQ(stmts[3]->as<ast::TargetPlusStmt>().value->dependence, ast::Dependence::Parameter);
  EXPECT_EQ(stmts[4]->as<ast::TargetPlusStmt>().value->dependence, ast::Dependence::Parameter);
}

TEST(FrontendCheck, AssignmentsAllowedInTheirOwnBlock) {
  SourceFile file("a.vmodel", R"(data { int N; }
transformed data { vector[N] v; v = rep(N); }
)");
  Diagnostics diags;
  frontend::parse_and_check(file, diags);
  // rep is not a stdlib function; only that is reported.
  ASSERT_EQ(diags.all().size(), 1u);
  EXPECT_EQ(diags.all()[0].kind, DiagnosticKind::UnknownFunction);

  SourceFile ok("b.vmodel", R"(data { int N; array[N] real y; }
transformed data { array[N] real z; for (i in 1:N) { z[i] = y[i] * 2; z[i] += 1; } int m = N; m *= 2; }
parameters { real mu; }
transformed parameters { real s = 0; for (i in 1:N) s += mu * z[i]; }
generated quantities { real g; g = s > 0 ? mu : -mu; if (g > 1) g = 1; else g /= 2; }
)");
  Diagnostics ok_diags;
  frontend::parse_and_check(ok, ok_diags);
  EXPECT_EQ(ok_diags.str(), "");
}

}  // namespace
}  // namespace vic
