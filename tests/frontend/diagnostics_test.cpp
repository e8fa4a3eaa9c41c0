// One test per diagnostic the frontend reports: a small model and the exact
// text Diagnostics::str() prints for it (location, message, source line, caret,
// hints), plus the kind of the first diagnostic.
#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "frontend/frontend.h"
#include "ir/lower/check_supported.h"

namespace vic {
namespace {

struct Result {
  std::string text;
  std::string first_kind;
};

Result diagnose(const std::string& source) {
  SourceFile file("m.vmodel", source);
  Diagnostics diags;
  frontend::parse_and_check(file, diags);
  Result r{diags.str(), ""};
  if (!diags.all().empty()) r.first_kind = diagnostic_kind_name(diags.all().front().kind);
  return r;
}

TEST(FrontendDiagnostics, MissingSemicolon) {
  Result r = diagnose("model {\n"
            "  real x = 1\n"
            "  x = 2;\n"
            "}\n");
  EXPECT_EQ(r.first_kind, "SyntaxError");
  EXPECT_EQ(r.text,
            "m.vmodel:2:13: error: expected ';' at the end of the declaration\n"
            "      real x = 1\n"
            "                ^\n");
}

TEST(FrontendDiagnostics, MissingSemicolonAfterTilde) {
  Result r = diagnose("parameters { real mu; }\n"
            "model {\n"
            "  mu ~ normal(0, 1)\n"
            "  mu ~ normal(0, 2);\n"
            "}\n");
  EXPECT_EQ(r.first_kind, "SyntaxError");
  EXPECT_EQ(r.text,
            "m.vmodel:3:20: error: expected ';' at the end of the statement\n"
            "      mu ~ normal(0, 1)\n"
            "                       ^\n");
}

TEST(FrontendDiagnostics, UnclosedBrace) {
  Result r = diagnose("parameters { real mu; }\n"
            "model {\n"
            "  mu ~ normal(0, 1);\n");
  EXPECT_EQ(r.first_kind, "SyntaxError");
  EXPECT_EQ(r.text,
            "m.vmodel:2:7: error: unbalanced '{': no matching '}' before the end of the file\n"
            "    model {\n"
            "          ^\n");
}

TEST(FrontendDiagnostics, ExtraClosingBrace) {
  Result r = diagnose("model {\n"
            "}\n"
            "}\n");
  EXPECT_EQ(r.first_kind, "SyntaxError");
  EXPECT_EQ(r.text,
            "m.vmodel:3:1: error: unbalanced '}': no '{' is open here\n"
            "    }\n"
            "    ^\n");
}

TEST(FrontendDiagnostics, UnbalancedParenthesis) {
  Result r = diagnose("parameters { real mu; }\n"
            "model {\n"
            "  mu ~ normal(0, 1;\n"
            "}\n");
  EXPECT_EQ(r.first_kind, "SyntaxError");
  EXPECT_EQ(r.text,
            "m.vmodel:4:1: error: expected ')' to close the '(' at line 3, column 14, found '}'\n"
            "    }\n"
            "    ^\n");
}

TEST(FrontendDiagnostics, StatementOutsideBlock) {
  Result r = diagnose("real x;\n"
            "model { }\n");
  EXPECT_EQ(r.first_kind, "SyntaxError");
  EXPECT_EQ(r.text,
            "m.vmodel:1:1: error: expected a block ('data', 'transformed data', 'parameters', 'transformed parameters', 'model' or 'generated quantities'), found 'real'\n"
            "    real x;\n"
            "    ^\n"
            "hint: statements and declarations must be inside a block, e.g. 'model { ... }'\n");
}

TEST(FrontendDiagnostics, FunctionsBlockMustComeFirst) {
  Result r = diagnose(
      "model { }\n"
      "functions { }\n");
  EXPECT_EQ(r.first_kind, "SyntaxError");
  EXPECT_EQ(r.text,
            "m.vmodel:2:1: error: the 'functions' block must come first\n"
            "    functions { }\n"
            "    ^\n");
}

TEST(FrontendDiagnostics, AssignToFunctionArgument) {
  Result r = diagnose(
      "functions {\n"
      "  real f(real x) {\n"
      "    x = 2;\n"
      "    return x;\n"
      "  }\n"
      "}\n");
  EXPECT_EQ(r.first_kind, "AssignToArgument");
  EXPECT_EQ(r.text,
            "m.vmodel:3:5: error: cannot assign to 'x': a function's arguments are read-only\n"
            "        x = 2;\n"
            "        ^\n");
}

TEST(FrontendDiagnostics, FunctionWithoutReturn) {
  Result r = diagnose(
      "functions {\n"
      "  real f(real x) {\n"
      "    real y = x;\n"
      "  }\n"
      "}\n");
  EXPECT_EQ(r.first_kind, "MissingReturn");
  EXPECT_EQ(r.text,
            "m.vmodel:2:8: error: the function 'f' must return a real on every path through its body\n"
            "      real f(real x) {\n"
            "           ^\n");
}

TEST(FrontendDiagnostics, ReturnOfTheWrongType) {
  Result r = diagnose(
      "functions {\n"
      "  vector f(real x) {\n"
      "    return x;\n"
      "  }\n"
      "}\n");
  EXPECT_EQ(r.first_kind, "BadReturn");
  EXPECT_EQ(r.text,
            "m.vmodel:3:12: error: 'f' returns a vector, not a real\n"
            "        return x;\n"
            "               ^\n");
}

TEST(FrontendDiagnostics, VoidFunctionReturningAValue) {
  Result r = diagnose(
      "functions {\n"
      "  void f(real x) {\n"
      "    return x;\n"
      "  }\n"
      "}\n");
  EXPECT_EQ(r.first_kind, "BadReturn");
  EXPECT_EQ(r.text,
            "m.vmodel:3:5: error: the void function 'f' cannot return a value\n"
            "        return x;\n"
            "        ^\n");
}

TEST(FrontendDiagnostics, ReturnOutsideAFunction) {
  Result r = diagnose(
      "model {\n"
      "  return 1;\n"
      "}\n");
  EXPECT_EQ(r.first_kind, "BadReturn");
  EXPECT_EQ(r.text,
            "m.vmodel:2:3: error: 'return' is only allowed in a function\n"
            "      return 1;\n"
            "      ^\n");
}

// A function may return early where its value is a scalar; every path must
// return, as in Stan.
TEST(FrontendDiagnostics, EarlyReturns) {
  EXPECT_EQ(diagnose("functions {\n"
                     "  real f(real x) {\n"
                     "    if (x > 0) return 1;\n"
                     "    else return 2;\n"
                     "  }\n"
                     "}\n")
                .text,
            "");
  Result r = diagnose(
      "functions {\n"
      "  real f(real x) {\n"
      "    if (x > 0) return 1;\n"
      "  }\n"
      "}\n");
  EXPECT_EQ(r.first_kind, "MissingReturn");
  EXPECT_EQ(r.text.substr(0, r.text.find('\n')),
            "m.vmodel:2:8: error: the function 'f' must return a real on every path through its body");
  r = diagnose(
      "functions {\n"
      "  vector f(vector x) {\n"
      "    if (x[1] > 0) return x;\n"
      "    return -x;\n"
      "  }\n"
      "}\n");
  EXPECT_EQ(r.first_kind, "NotSupportedYet");
  EXPECT_EQ(r.text,
            "m.vmodel:3:19: error: 'return' before the end of a function returning a vector is not supported yet\n"
            "        if (x[1] > 0) return x;\n"
            "                      ^\n");
}

TEST(FrontendDiagnostics, RecursionUnsupported) {
  Result r = diagnose(
      "functions {\n"
      "  real f(real x) {\n"
      "    return g(x);\n"
      "  }\n"
      "  real g(real x) {\n"
      "    return f(x);\n"
      "  }\n"
      "}\n");
  EXPECT_EQ(r.first_kind, "NotSupportedYet");
  EXPECT_EQ(r.text,
            "m.vmodel:2:8: error: a recursive function ('f') is not supported yet\n"
            "      real f(real x) {\n"
            "           ^\n");
}

TEST(FrontendDiagnostics, VoidFunctionAsValue) {
  Result r = diagnose(
      "functions {\n"
      "  void f(real x) { }\n"
      "}\n"
      "model {\n"
      "  real y = f(1);\n"
      "}\n");
  EXPECT_EQ(r.first_kind, "VoidValue");
  EXPECT_EQ(r.text,
            "m.vmodel:5:12: error: 'f' returns nothing (void); call it as a statement\n"
            "      real y = f(1);\n"
            "               ^\n");
}

TEST(FrontendDiagnostics, NonVoidFunctionAsStatement) {
  Result r = diagnose(
      "functions {\n"
      "  real f(real x) { return x; }\n"
      "}\n"
      "model {\n"
      "  f(1);\n"
      "}\n");
  EXPECT_EQ(r.first_kind, "UnusedValue");
  EXPECT_EQ(r.text,
            "m.vmodel:5:3: error: the value of 'f' is not used; only void functions are called as statements\n"
            "      f(1);\n"
            "      ^\n");
}

TEST(FrontendDiagnostics, ParameterPassedAsDataArgument) {
  Result r = diagnose(
      "functions {\n"
      "  real f(data real x) { return x; }\n"
      "}\n"
      "parameters { real mu; }\n"
      "model {\n"
      "  mu ~ normal(f(mu), 1);\n"
      "}\n");
  EXPECT_EQ(r.first_kind, "DataOnlyArgument");
  EXPECT_EQ(r.text,
            "m.vmodel:6:17: error: argument 1 of 'f' must be data only (it is declared 'data')\n"
            "      mu ~ normal(f(mu), 1);\n"
            "                    ^\n");
}

TEST(FrontendDiagnostics, UserFunctionWrongArguments) {
  Result r = diagnose(
      "functions {\n"
      "  real f(real x, vector v) { return x; }\n"
      "}\n"
      "model {\n"
      "  real y = f(1);\n"
      "}\n");
  EXPECT_EQ(r.first_kind, "NoMatchingSignature");
  EXPECT_EQ(r.text,
            "m.vmodel:5:12: error: no signature of 'f' takes (int); expected f(real, vector)\n"
            "      real y = f(1);\n"
            "               ^\n");
}

TEST(FrontendDiagnostics, UserFunctionShadowsLibrary) {
  Result r = diagnose(
      "functions {\n"
      "  real exp(real x) { return x; }\n"
      "}\n");
  EXPECT_EQ(r.first_kind, "Redeclaration");
  EXPECT_EQ(r.text,
            "m.vmodel:2:8: error: 'exp' is already declared\n"
            "      real exp(real x) { return x; }\n"
            "           ^\n"
            "hint: 'exp' is a function of the standard library\n");
}

TEST(FrontendDiagnostics, LpFunctionOutsideModel) {
  Result r = diagnose(
      "functions {\n"
      "  real f_lp(real x) { target += x; return x; }\n"
      "}\n"
      "transformed data {\n"
      "  real y = f_lp(1);\n"
      "}\n");
  EXPECT_EQ(r.first_kind, "TargetOutsideModel");
  EXPECT_EQ(r.text,
            "m.vmodel:5:12: error: 'f_lp' is only allowed in the model block\n"
            "      real y = f_lp(1);\n"
            "               ^\n");
}

TEST(FrontendDiagnostics, BadDeclarationMissingSize) {
  Result r = diagnose("data { vector y; }\n");
  EXPECT_EQ(r.first_kind, "SyntaxError");
  EXPECT_EQ(r.text,
            "m.vmodel:1:15: error: expected '[' and the size after 'vector', found 'y'\n"
            "    data { vector y; }\n"
            "                  ^\n");
}

TEST(FrontendDiagnostics, BadBoundKeyword) {
  Result r = diagnose("data { real<scale=0> x; }\n");
  EXPECT_EQ(r.first_kind, "SyntaxError");
  EXPECT_EQ(r.text,
            "m.vmodel:1:13: error: expected 'lower', 'upper', 'offset' or 'multiplier', found 'scale'\n"
            "    data { real<scale=0> x; }\n"
            "                ^\n");
}

TEST(FrontendDiagnostics, MissingOperatorInStatement) {
  Result r = diagnose("parameters { real mu; }\n"
            "model { mu normal(0, 1); }\n");
  EXPECT_EQ(r.first_kind, "SyntaxError");
  EXPECT_EQ(r.text,
            "m.vmodel:2:12: error: expected '~' or an assignment ('=', '+=', ...), found 'normal'\n"
            "    model { mu normal(0, 1); }\n"
            "               ^\n");
}

TEST(FrontendDiagnostics, ExpectedExpression) {
  Result r = diagnose("model { real x = 1 +; }\n");
  EXPECT_EQ(r.first_kind, "SyntaxError");
  EXPECT_EQ(r.text,
            "m.vmodel:1:21: error: expected an expression, found ';'\n"
            "    model { real x = 1 +; }\n"
            "                        ^\n");
}

// A byte that is not UTF-8 (here Latin-1 'e acute', 0xE9) is harmless in a
// comment, and an error with its place anywhere else. The echoed line shows it
// as '?', one column.
TEST(FrontendDiagnostics, InvalidUtf8) {
  EXPECT_EQ(diagnose("parameters { real mu; } // caf\xe9\nmodel { mu ~ normal(0, 1); } /* \xff\xfe */\n").text, "");
  Result r = diagnose("parameters { real mu; }\nmodel { real x\xe9 = 1; }\n");
  EXPECT_EQ(r.first_kind, "InvalidUtf8");
  EXPECT_EQ(r.text,
            "m.vmodel:2:15: error: the byte 0xE9 is not valid UTF-8 here; save the file as UTF-8\n"
            "    model { real x? = 1; }\n"
            "                  ^\n");
  // Overlong forms, surrogates, truncated sequences and stray continuation bytes.
  for (const char* bad : {"\xc0\xaf", "\xed\xa0\x80", "\xe2\x82", "\x80", "\xf8\x88\x80\x80\x80", "\xf4\x90\x80\x80"}) {
    EXPECT_EQ(diagnose(std::string("model { ") + bad + " }\n").first_kind, "InvalidUtf8") << bad;
  }
}

// A character outside the language is reported as itself, before the parser
// could misread it; a control character is named by its code point and never
// echoed raw (it could drive the terminal).
TEST(FrontendDiagnostics, StrayCharacters) {
  EXPECT_EQ(diagnose("model { real x = 1 @ 2; }\n").text,
            "m.vmodel:1:20: error: unexpected character '@'\n"
            "    model { real x = 1 @ 2; }\n"
            "                       ^\n");
  EXPECT_EQ(diagnose("model { \x1b[31m }\n").text,
            "m.vmodel:1:9: error: unexpected character U+001B\n"
            "    model { ?[31m }\n"
            "            ^\n");
  // Columns count characters: the caret sits under the 'é' after a 'µ'.
  EXPECT_EQ(diagnose("model { // \xc2\xb5\n  \xc3\xa9 }\n").text,
            "m.vmodel:2:3: error: unexpected character '\xc3\xa9'\n"
            "      \xc3\xa9 }\n"
            "      ^\n");
  EXPECT_EQ(diagnose(std::string("model { \0 }\n", 12)).text,
            "m.vmodel:1:9: error: unexpected character U+0000\n"
            "    model { ? }\n"
            "            ^\n");
}

TEST(FrontendDiagnostics, UnterminatedComment) {
  Result r = diagnose("model { /* open\n"
            "}\n");
  EXPECT_EQ(r.first_kind, "UnterminatedComment");
  EXPECT_EQ(r.text,
            "m.vmodel:1:9: error: unterminated block comment\n"
            "    model { /* open\n"
            "            ^\n");
}

TEST(FrontendDiagnostics, DuplicateBlock) {
  Result r = diagnose("data { int N; }\n"
            "model { }\n"
            "data { int M; }\n");
  EXPECT_EQ(r.first_kind, "DuplicateBlock");
  EXPECT_EQ(r.text,
            "m.vmodel:3:1: error: block 'data' appears twice\n"
            "    data { int M; }\n"
            "    ^\n");
}

TEST(FrontendDiagnostics, BadBlockOrder) {
  Result r = diagnose("model { }\n"
            "data { int M; }\n");
  EXPECT_EQ(r.first_kind, "BadBlockOrder");
  EXPECT_EQ(r.text,
            "m.vmodel:2:1: error: block 'data' must come before block 'model'\n"
            "    data { int M; }\n"
            "    ^\n");
}

TEST(FrontendDiagnostics, StatementInDataBlock) {
  Result r = diagnose("data { int N; N = 3; }\n");
  EXPECT_EQ(r.first_kind, "SyntaxError");
  EXPECT_EQ(r.text,
            "m.vmodel:1:15: error: only declarations are allowed in the data block\n"
            "    data { int N; N = 3; }\n"
            "                  ^\n");
}

TEST(FrontendDiagnostics, UndeclaredName) {
  Result r = diagnose("parameters { real mu; }\n"
            "model { mu ~ normal(nu, 1); }\n");
  EXPECT_EQ(r.first_kind, "UndeclaredName");
  EXPECT_EQ(r.text,
            "m.vmodel:2:21: error: 'nu' is not declared\n"
            "    model { mu ~ normal(nu, 1); }\n"
            "                        ^\n");
}

TEST(FrontendDiagnostics, Redeclaration) {
  Result r = diagnose("parameters { real mu; }\n"
            "model { real mu = 1; }\n");
  EXPECT_EQ(r.first_kind, "Redeclaration");
  EXPECT_EQ(r.text,
            "m.vmodel:2:14: error: 'mu' is already declared\n"
            "    model { real mu = 1; }\n"
            "                 ^\n"
            "hint: 'mu' was first declared at line 1\n");
}

TEST(FrontendDiagnostics, UnknownDistributionWithHint) {
  Result r = diagnose("parameters { real mu; }\n"
            "model { mu ~ nromal(0, 1); }\n");
  EXPECT_EQ(r.first_kind, "UnknownDistribution");
  EXPECT_EQ(r.text,
            "m.vmodel:2:14: error: unknown distribution 'nromal'\n"
            "    model { mu ~ nromal(0, 1); }\n"
            "                 ^\n"
            "hint: did you mean 'normal'?\n");
}

TEST(FrontendDiagnostics, UnknownDistributionWithSuffix) {
  Result r = diagnose("parameters { real mu; }\n"
            "model { mu ~ normal_lpdf(0, 1); }\n");
  EXPECT_EQ(r.first_kind, "UnknownDistribution");
  EXPECT_EQ(r.text,
            "m.vmodel:2:14: error: unknown distribution 'normal_lpdf'\n"
            "    model { mu ~ normal_lpdf(0, 1); }\n"
            "                 ^\n"
            "hint: after '~' write the distribution without its suffix: 'normal'\n");
}

TEST(FrontendDiagnostics, UnknownFunction) {
  Result r = diagnose("parameters { real mu; }\n"
            "model { target += foo(mu); }\n");
  EXPECT_EQ(r.first_kind, "UnknownFunction");
  EXPECT_EQ(r.text,
            "m.vmodel:2:19: error: unknown function 'foo'\n"
            "    model { target += foo(mu); }\n"
            "                      ^\n");
}

TEST(FrontendDiagnostics, UnknownFunctionWithHint) {
  Result r = diagnose("parameters { real mu; }\n"
            "model { target += exq(mu); }\n");
  EXPECT_EQ(r.first_kind, "UnknownFunction");
  EXPECT_EQ(r.text,
            "m.vmodel:2:19: error: unknown function 'exq'\n"
            "    model { target += exq(mu); }\n"
            "                      ^\n"
            "hint: did you mean 'exp'?\n");
}

TEST(FrontendDiagnostics, DistributionCalledAsFunction) {
  Result r = diagnose("parameters { real mu; }\n"
            "model { target += normal(mu); }\n");
  EXPECT_EQ(r.first_kind, "UnknownFunction");
  EXPECT_EQ(r.text,
            "m.vmodel:2:19: error: unknown function 'normal'\n"
            "    model { target += normal(mu); }\n"
            "                      ^\n"
            "hint: 'normal' is a distribution: use it after '~', or call 'normal_lpdf'\n");
}

TEST(FrontendDiagnostics, WrongArgumentCountForDistribution) {
  Result r = diagnose("parameters { real mu; }\n"
            "model { mu ~ normal(0, 1, 2); }\n");
  EXPECT_EQ(r.first_kind, "NoMatchingSignature");
  EXPECT_EQ(r.text,
            "m.vmodel:2:14: error: no signature of 'normal' takes (real | int, int, int); expected normal(reals | reals mu, reals sigma)\n"
            "    model { mu ~ normal(0, 1, 2); }\n"
            "                 ^\n");
}

TEST(FrontendDiagnostics, WrongArgumentCountForVector) {
  Result r = diagnose("parameters { vector[3] v; }\n"
            "model { v ~ normal(0, 1, 2); }\n");
  EXPECT_EQ(r.first_kind, "NoMatchingSignature");
  EXPECT_EQ(r.text,
            "m.vmodel:2:13: error: no signature of 'normal' takes (vector | int, int, int); expected normal(reals | reals mu, reals sigma)\n"
            "    model { v ~ normal(0, 1, 2); }\n"
            "                ^\n");
}

// An _rng whose arguments are not its density's parameters: the hint is its own signature.
TEST(FrontendDiagnostics, WrongArgumentsForAnRngOfItsOwnSignature) {
  Result r = diagnose("generated quantities { array[3] int y = multinomial_rng([0.2, 0.3, 0.5]'); }\n");
  EXPECT_EQ(r.first_kind, "NoMatchingSignature");
  EXPECT_EQ(r.text,
            "m.vmodel:1:41: error: no signature of 'multinomial_rng' takes (vector); expected multinomial_rng(vector theta, int N)\n"
            "    generated quantities { array[3] int y = multinomial_rng([0.2, 0.3, 0.5]'); }\n"
            "                                            ^\n");
  r = diagnose("generated quantities { matrix[2, 2] L = lkj_corr_cholesky_rng(2.5, 2); }\n");
  EXPECT_EQ(r.first_kind, "NoMatchingSignature");
  EXPECT_NE(r.text.find("expected lkj_corr_cholesky_rng(int K, real eta)"), std::string::npos) << r.text;
  // A draw's type: a matrix, an int array, an array of vectors for an array of locations.
  r = diagnose("generated quantities {\n  matrix[2, 2] W = wishart_rng(3, [[1, 0], [0, 1]]);\n"
               "  array[2] int y = multinomial_logit_rng([1, 2]', 5);\n"
               "  array[2] vector[2] t = multi_student_t_cholesky_rng(3, {[1, 2]', [3, 4]'}, [[1, 0], [0, 1]]);\n"
               "  vector[2] v = multi_normal_rng({[1, 2]', [3, 4]'}, [[1, 0], [0, 1]]);\n}\n");
  EXPECT_EQ(r.first_kind, "TypeMismatch") << r.text;
  // Only the last line is wrong: the array of draws does not fit a vector.
  EXPECT_EQ(r.text.substr(0, 11), "m.vmodel:5:") << r.text;
  EXPECT_EQ(r.text.find("error:", r.text.find("error:") + 1), std::string::npos) << r.text;
}

TEST(FrontendDiagnostics, RealVariateForDiscreteDistribution) {
  Result r = diagnose("data { real y; }\n"
            "parameters { real<lower=0> lambda; }\n"
            "model { y ~ poisson(lambda); }\n");
  EXPECT_EQ(r.first_kind, "NoMatchingSignature");
  EXPECT_EQ(r.text,
            "m.vmodel:3:13: error: no signature of 'poisson' takes (real | real); expected poisson(ints | reals lambda)\n"
            "    model { y ~ poisson(lambda); }\n"
            "                ^\n");
}

TEST(FrontendDiagnostics, VectorVariateForDiscreteDistribution) {
  Result r = diagnose("data { vector[3] y; }\n"
            "parameters { real<lower=0> lambda; }\n"
            "model { y ~ poisson(lambda); }\n");
  EXPECT_EQ(r.first_kind, "NoMatchingSignature");
  EXPECT_EQ(r.text,
            "m.vmodel:3:13: error: no signature of 'poisson' takes (vector | real); expected poisson(ints | reals lambda)\n"
            "    model { y ~ poisson(lambda); }\n"
            "                ^\n");
}

TEST(FrontendDiagnostics, WrongArgumentTypeForFunction) {
  Result r = diagnose("data { real x; }\n"
            "model { target += sum(x); }\n");
  EXPECT_EQ(r.first_kind, "NoMatchingSignature");
  EXPECT_EQ(r.text,
            "m.vmodel:2:19: error: no signature of 'sum' takes (real); expected sum(ints) or sum(vector)\n"
            "    model { target += sum(x); }\n"
            "                      ^\n");
}

TEST(FrontendDiagnostics, LpdfWithoutBar) {
  Result r = diagnose("parameters { real mu; }\n"
            "model { target += normal_lpdf(mu, 0, 1); }\n");
  EXPECT_EQ(r.first_kind, "LpdfMisuse");
  EXPECT_EQ(r.text,
            "m.vmodel:2:19: error: 'normal_lpdf' must be called with '|' after its first argument\n"
            "    model { target += normal_lpdf(mu, 0, 1); }\n"
            "                      ^\n"
            "hint: expected normal_lpdf(reals | reals mu, reals sigma)\n");
}

TEST(FrontendDiagnostics, LpmfWrongSuffix) {
  Result r = diagnose("data { int k; }\n"
            "parameters { real<lower=0> lambda; }\n"
            "model { target += poisson_lpdf(k | lambda); }\n");
  EXPECT_EQ(r.first_kind, "UnknownFunction");
  EXPECT_EQ(r.text,
            "m.vmodel:3:19: error: unknown function 'poisson_lpdf'\n"
            "    model { target += poisson_lpdf(k | lambda); }\n"
            "                      ^\n"
            "hint: did you mean 'poisson_lpmf'?\n");
}

TEST(FrontendDiagnostics, BarInPlainCall) {
  Result r = diagnose("data { vector[3] v; }\n"
            "model { real x = exp(v | 1); }\n");
  EXPECT_EQ(r.first_kind, "ConditionalBarMisuse");
  EXPECT_EQ(r.text,
            "m.vmodel:2:18: error: '|' is only allowed in calls of _lpdf and _lpmf functions, not 'exp'\n"
            "    model { real x = exp(v | 1); }\n"
            "                     ^\n");
}

TEST(FrontendDiagnostics, AssignToData) {
  Result r = diagnose("data { real y; }\n"
            "parameters { real mu; }\n"
            "model { y = mu; }\n");
  EXPECT_EQ(r.first_kind, "AssignToReadOnly");
  EXPECT_EQ(r.text,
            "m.vmodel:3:9: error: cannot assign to 'y': data variables are read-only in the model block\n"
            "    model { y = mu; }\n"
            "            ^\n");
}

TEST(FrontendDiagnostics, AssignToParameter) {
  Result r = diagnose("parameters { real mu; }\n"
            "model { mu += 1; }\n");
  EXPECT_EQ(r.first_kind, "AssignToReadOnly");
  EXPECT_EQ(r.text,
            "m.vmodel:2:9: error: cannot assign to 'mu': parameter variables are read-only in the model block\n"
            "    model { mu += 1; }\n"
            "            ^\n");
}

TEST(FrontendDiagnostics, AssignToLoopIndex) {
  Result r = diagnose("data { int N; }\n"
            "model { for (i in 1:N) { i = 2; } }\n");
  EXPECT_EQ(r.first_kind, "AssignToLoopIndex");
  EXPECT_EQ(r.text,
            "m.vmodel:2:26: error: cannot assign to the loop index 'i'\n"
            "    model { for (i in 1:N) { i = 2; } }\n"
            "                             ^\n");
}

TEST(FrontendDiagnostics, RealAssignedToInt) {
  Result r = diagnose("model {\n"
            "  int n;\n"
            "  real x = 1;\n"
            "  n = x;\n"
            "}\n");
  EXPECT_EQ(r.first_kind, "TypeMismatch");
  EXPECT_EQ(r.text,
            "m.vmodel:4:3: error: cannot assign a real to 'n' of type int\n"
            "      n = x;\n"
            "      ^\n");
}

TEST(FrontendDiagnostics, RealInitOfInt) {
  Result r = diagnose("transformed data { int n = 2.5; }\n");
  EXPECT_EQ(r.first_kind, "TypeMismatch");
  EXPECT_EQ(r.text,
            "m.vmodel:1:28: error: cannot assign a real to 'n' of type int\n"
            "    transformed data { int n = 2.5; }\n"
            "                               ^\n");
}

TEST(FrontendDiagnostics, VectorAssignedToReal) {
  Result r = diagnose("data { vector[3] v; }\n"
            "model { real x; x = v; }\n");
  EXPECT_EQ(r.first_kind, "TypeMismatch");
  EXPECT_EQ(r.text,
            "m.vmodel:2:17: error: cannot assign a vector to 'x' of type real\n"
            "    model { real x; x = v; }\n"
            "                    ^\n");
}

TEST(FrontendDiagnostics, WrongIndexCount) {
  Result r = diagnose("data { vector[3] v; }\n"
            "model { real a = v[1, 2]; }\n");
  EXPECT_EQ(r.first_kind, "WrongIndexCount");
  EXPECT_EQ(r.text,
            "m.vmodel:2:19: error: 'v' has 1 dimension(s) but is indexed with 2\n"
            "    model { real a = v[1, 2]; }\n"
            "                      ^\n");
}

TEST(FrontendDiagnostics, WrongIndexCountOnArray) {
  Result r = diagnose("data { array[3] real y; }\n"
            "model { real a = y[1][2]; }\n");
  EXPECT_EQ(r.first_kind, "WrongIndexCount");
  EXPECT_EQ(r.text,
            "m.vmodel:2:22: error: 'y[1]' has 0 dimension(s) but is indexed with 1\n"
            "    model { real a = y[1][2]; }\n"
            "                         ^\n");
}

TEST(FrontendDiagnostics, NonIntIndex) {
  Result r = diagnose("data { vector[3] v; real r; }\n"
            "model { real a = v[r]; }\n");
  EXPECT_EQ(r.first_kind, "NonIntIndex");
  EXPECT_EQ(r.text,
            "m.vmodel:2:20: error: an index must be an int, not real\n"
            "    model { real a = v[r]; }\n"
            "                       ^\n");
}

TEST(FrontendDiagnostics, TargetOutsideModel) {
  Result r = diagnose("parameters { real mu; }\n"
            "transformed parameters { real x = mu; target += x; }\n");
  EXPECT_EQ(r.first_kind, "TargetOutsideModel");
  EXPECT_EQ(r.text,
            "m.vmodel:2:39: error: 'target +=' is only allowed in the model block\n"
            "    transformed parameters { real x = mu; target += x; }\n"
            "                                          ^\n");
}

TEST(FrontendDiagnostics, TildeOutsideModel) {
  Result r = diagnose("parameters { real mu; }\n"
            "generated quantities { mu ~ normal(0, 1); }\n");
  EXPECT_EQ(r.first_kind, "TargetOutsideModel");
  EXPECT_EQ(r.text,
            "m.vmodel:2:24: error: '~' is only allowed in the model block\n"
            "    generated quantities { mu ~ normal(0, 1); }\n"
            "                           ^\n");
}

TEST(FrontendDiagnostics, RngOutsideGeneratedQuantities) {
  Result r = diagnose("parameters { real mu; }\n"
            "model { real z = normal_rng(mu, 1); }\n");
  EXPECT_EQ(r.first_kind, "RngOutsideGenerated");
  EXPECT_EQ(r.text,
            "m.vmodel:2:18: error: 'normal_rng' is only allowed in transformed data and generated quantities\n"
            "    model { real z = normal_rng(mu, 1); }\n"
            "                     ^\n");
}

TEST(FrontendDiagnostics, IntParameter) {
  Result r = diagnose("parameters { int n; }\n");
  EXPECT_EQ(r.first_kind, "IntParameter");
  EXPECT_EQ(r.text,
            "m.vmodel:1:18: error: parameters must be real-valued; 'n' is declared int\n"
            "    parameters { int n; }\n"
            "                     ^\n");
}

TEST(FrontendDiagnostics, SizeDependsOnParameter) {
  Result r = diagnose("parameters { real<lower=0> s; }\n"
            "transformed parameters { vector[s > 1 ? 2 : 1] v; }\n");
  EXPECT_EQ(r.first_kind, "SizeDependsOnParameter");
  EXPECT_EQ(r.text,
            "m.vmodel:2:39: error: a size must depend on data only\n"
            "    transformed parameters { vector[s > 1 ? 2 : 1] v; }\n"
            "                                          ^\n");
}

TEST(FrontendDiagnostics, NonIntSize) {
  Result r = diagnose("data { real N; vector[N] v; }\n");
  EXPECT_EQ(r.first_kind, "NonIntSize");
  EXPECT_EQ(r.text,
            "m.vmodel:1:23: error: a size must be an int expression, not real\n"
            "    data { real N; vector[N] v; }\n"
            "                          ^\n");
}

TEST(FrontendDiagnostics, BadBound) {
  Result r = diagnose("data { vector[3] v; real<lower=v> x; }\n");
  EXPECT_EQ(r.first_kind, "BadBound");
  EXPECT_EQ(r.text,
            "m.vmodel:1:32: error: the bound 'lower' must be a real or int scalar, not vector\n"
            "    data { vector[3] v; real<lower=v> x; }\n"
            "                                   ^\n");
}

TEST(FrontendDiagnostics, ConditionNotScalar) {
  Result r = diagnose("data { vector[3] v; }\n"
            "model { if (v) { } }\n");
  EXPECT_EQ(r.first_kind, "ConditionNotScalar");
  EXPECT_EQ(r.text,
            "m.vmodel:2:13: error: a condition must be an int or real scalar, not vector\n"
            "    model { if (v) { } }\n"
            "                ^\n");
}

TEST(FrontendDiagnostics, WhileConditionNotScalar) {
  Result r = diagnose("data { vector[3] v; }\n"
            "model { while (v) { } }\n");
  EXPECT_EQ(r.first_kind, "ConditionNotScalar");
  EXPECT_EQ(r.text,
            "m.vmodel:2:16: error: a condition must be an int or real scalar, not vector\n"
            "    model { while (v) { } }\n"
            "                   ^\n");
}

// break and continue belong to a loop: of the function they are in, not of
// the loop around its call.
// The rules of networks, latents and the guide (vic train).
const char* kVaePrefix =
    "data { int N; int D; array[N] vector[D] x; }\n"
    "network enc = mlp(D -> 3 -> 4, activation = tanh);\n"
    "network dec = mlp(2 -> 3 -> D);\n";

TEST(FrontendDiagnostics, BadNetwork) {
  Result r = diagnose("data { int D; }\nnetwork f = cnn(D -> D);\n");
  EXPECT_EQ(r.first_kind, "BadNetwork");
  EXPECT_EQ(r.text,
            "m.vmodel:2:13: error: unknown network kind 'cnn': vic has mlp (dense layers)\n"
            "    network f = cnn(D -> D);\n"
            "                ^\n");
  r = diagnose("data { int D; }\nnetwork f = mlp(D -> D, activation = swish);\n");
  EXPECT_EQ(r.text.substr(0, r.text.find('\n')),
            "m.vmodel:2:38: error: unknown activation 'swish': vic has identity, relu, tanh, sigmoid, softplus and elu");
  r = diagnose("data { int D; }\nnetwork f = mlp(D -> D, dropout = relu);\n");
  EXPECT_EQ(r.text.substr(0, r.text.find('\n')),
            "m.vmodel:2:25: error: unknown option 'dropout' of mlp: it takes 'activation' (the hidden layers') and "
            "'output' (the last layer's)");
  r = diagnose(std::string(kVaePrefix) + "model { vector[4] h = enc([1, 2]'); }\n");
  EXPECT_EQ(r.text.substr(0, r.text.find('\n')),
            "m.vmodel:2:9: error: the network 'enc' is learned by vic train with a guide, and this program has no "
            "guide block");
  r = diagnose(std::string(kVaePrefix) + "model { vector[4] h = enc(x); }\n");
  EXPECT_EQ(r.text.substr(0, r.text.find('\n')),
            "m.vmodel:4:23: error: the network 'enc' takes one vector, not (array[] vector)");
  r = diagnose(std::string(kVaePrefix) + "generated quantities { vector[4] h = enc(x[1]); }\n");
  EXPECT_EQ(r.text.substr(0, r.text.find('\n')),
            "m.vmodel:4:38: error: the network 'enc' is called in the generated quantities block; networks are "
            "called in the model and the guide");
  r = diagnose("data { real s; }\nnetwork f = mlp(s -> 2);\n");
  EXPECT_EQ(r.first_kind, "NonIntSize");
  r = diagnose("data { int D; }\nnetwork D = mlp(D -> 2);\n");
  EXPECT_EQ(r.first_kind, "Redeclaration");
}

TEST(FrontendDiagnostics, BadLatent) {
  auto first_line = [](const std::string& source) {
    Result r = diagnose(std::string(kVaePrefix) + source);
    EXPECT_EQ(r.first_kind, "BadLatent") << r.text;
    return r.text.substr(0, r.text.find('\n'));
  };
  EXPECT_EQ(first_line("parameters { latent real z; }\n"),
            "m.vmodel:4:26: error: a latent is an array with one element per data item: 'latent array[N] ...' with N "
            "an int declared in the data block");
  EXPECT_EQ(first_line("model { latent real z; }\n"),
            "m.vmodel:4:9: error: 'latent' applies to declarations in the parameters block");
  EXPECT_EQ(first_line("parameters { latent array[N] vector[2] z; real mu; }\nguide { }\n"),
            "m.vmodel:4:48: error: 'mu' is not latent: with a guide, vic train learns the networks and draws the "
            "latents; global parameters beside a guide are not supported yet");
  EXPECT_EQ(first_line("parameters { latent array[N] vector[2] z; }\nmodel { target += sum(z[1]); }\nguide { }\n"),
            "m.vmodel:5:23: error: the latent 'z' is read one data item at a time: 'z[n]' inside 'for (n in 1:N)'");
  EXPECT_EQ(first_line("parameters { latent array[N] vector[2] z; }\n"
                       "guide { for (n in 1:N) z[n] ~ gamma(1, 1); }\n"),
            "m.vmodel:5:24: error: the guide draws 'z' from 'gamma'; vic's guides draw from normal (reparameterised: "
            "mu + sigma * eps)");
  EXPECT_EQ(first_line("parameters { latent array[N] vector[2] z; }\n"
                       "guide { for (n in 1:N) { z[n] ~ normal(0, 1); z[n] ~ normal(0, 1); } }\n"),
            "m.vmodel:5:47: error: the guide draws 'z' twice");
  EXPECT_EQ(first_line("parameters { latent array[N] vector[2] z; }\nguide { }\n"),
            "m.vmodel:5:1: error: the guide does not draw the latent 'z'");
  EXPECT_EQ(first_line("parameters { latent array[N] vector[2] z; }\n"
                       "guide { for (i in 1:2) z[i] ~ normal(0, 1); }\n"),
            "m.vmodel:5:25: error: the guide's '~' draws one data item's latent, 'z[n]' inside 'for (n in 1:N)' with "
            "z declared 'latent'");
  EXPECT_EQ(first_line("parameters { real a; }\nguide { }\n"),
            "m.vmodel:4:19: error: 'a' is not latent: with a guide, vic train learns the networks and draws the "
            "latents; global parameters beside a guide are not supported yet");
  EXPECT_EQ(first_line("parameters { latent array[N] vector[2] z; }\n"
                       "guide { for (n in 1:N) { for (m in 1:N) z[n] ~ normal(0, 1); } }\n"),
            "m.vmodel:5:26: error: a loop over the plate 'N' inside another: each data item is visited once");
  // A guide may not add to the target, and its draws must come from a data-sized plate.
  Result r = diagnose(std::string(kVaePrefix) + "parameters { latent array[N] vector[2] z; }\n"
                                                "guide { target += 1; for (n in 1:N) z[n] ~ normal(0, 1); }\n");
  EXPECT_EQ(r.first_kind, "TargetOutsideModel");
  // Without a guide a latent is an ordinary parameter.
  EXPECT_EQ(diagnose("data { int N; }\nparameters { latent array[N] vector[2] z; }\n"
                                               "model { for (n in 1:N) z[n] ~ std_normal(); to_vector(z[1]) ~ normal(0, 1); }\n")
                .text,
            "");
}

TEST(FrontendDiagnostics, JumpOutsideLoop) {
  Result r = diagnose("model { if (1) { break; } }\n");
  EXPECT_EQ(r.first_kind, "JumpOutsideLoop");
  EXPECT_EQ(r.text,
            "m.vmodel:1:18: error: 'break' is only allowed inside a loop\n"
            "    model { if (1) { break; } }\n"
            "                     ^\n");
  r = diagnose("functions { void f() { continue; } }\n"
               "model { while (1) { f(); } }\n");
  EXPECT_EQ(r.first_kind, "JumpOutsideLoop");
  EXPECT_EQ(r.text.substr(0, r.text.find('\n')), "m.vmodel:1:24: error: 'continue' is only allowed inside a loop");
}

TEST(FrontendDiagnostics, LoopBoundNotInt) {
  Result r = diagnose("data { real N; }\n"
            "model { for (i in 1:N) { } }\n");
  EXPECT_EQ(r.first_kind, "LoopBoundNotInt");
  EXPECT_EQ(r.text,
            "m.vmodel:2:21: error: a loop bound must be an int, not real\n"
            "    model { for (i in 1:N) { } }\n"
            "                        ^\n");
}

TEST(FrontendDiagnostics, VectorTimesVector) {
  Result r = diagnose("data { vector[3] v; }\n"
            "model { real x = v * v; }\n");
  EXPECT_EQ(r.first_kind, "TypeMismatch");
  EXPECT_EQ(r.text,
            "m.vmodel:2:20: error: cannot apply '*' to vector and vector\n"
            "    model { real x = v * v; }\n"
            "                       ^\n"
            "hint: for elementwise multiplication use '.*'\n");
}

TEST(FrontendDiagnostics, ArithmeticOnArrays) {
  Result r = diagnose("data { array[3] real y; }\n"
            "model { real x = y + 1; }\n");
  EXPECT_EQ(r.first_kind, "TypeMismatch");
  EXPECT_EQ(r.text,
            "m.vmodel:2:20: error: cannot apply '+' to array[] real and int\n"
            "    model { real x = y + 1; }\n"
            "                       ^\n");
}

TEST(FrontendDiagnostics, ConditionalBranchesDiffer) {
  Result r = diagnose("data { vector[3] v; int c; }\n"
            "model { real x = c ? v : 1; }\n");
  EXPECT_EQ(r.first_kind, "TypeMismatch");
  EXPECT_EQ(r.text,
            "m.vmodel:2:20: error: the branches of '?:' have different types: vector and int\n"
            "    model { real x = c ? v : 1; }\n"
            "                       ^\n");
}

TEST(FrontendDiagnostics, TwoErrorsInOneFile) {
  Result r = diagnose("parameters { real mu; real sigma; }\n"
            "model {\n"
            "  mu ~ normal(0, undefined_scale);\n"
            "  sigma ~ normul(0, 1);\n"
            "}\n");
  EXPECT_EQ(r.first_kind, "UndeclaredName");
  EXPECT_EQ(r.text,
            "m.vmodel:3:18: error: 'undefined_scale' is not declared\n"
            "      mu ~ normal(0, undefined_scale);\n"
            "                     ^\n"
            "m.vmodel:4:11: error: unknown distribution 'normul'\n"
            "      sigma ~ normul(0, 1);\n"
            "              ^\n"
            "hint: did you mean 'normal'?\n");
}

TEST(FrontendDiagnostics, PoisonedExpressionNoCascade) {
  Result r = diagnose("parameters { real mu; }\n"
            "model { mu ~ normal(exp(nope) + 2 * nope, 1); }\n");
  EXPECT_EQ(r.first_kind, "UndeclaredName");
  EXPECT_EQ(r.text,
            "m.vmodel:2:25: error: 'nope' is not declared\n"
            "    model { mu ~ normal(exp(nope) + 2 * nope, 1); }\n"
            "                            ^\n"
            "m.vmodel:2:37: error: 'nope' is not declared\n"
            "    model { mu ~ normal(exp(nope) + 2 * nope, 1); }\n"
            "                                        ^\n");
}

// The expected text for a NestingTooDeep diagnostic on the one-line `source` at `column`.
std::string nesting_message(const std::string& source, int column, int limit) {
  std::string line = source.substr(0, source.find('\n'));
  return "m.vmodel:1:" + std::to_string(column) + ": error: expression or statement nesting is deeper than " +
         std::to_string(limit) + " levels\n    " + line + "\n    " + std::string(column - 1, ' ') + "^\n";
}

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

TEST(FrontendDiagnostics, HundredThousandNestedParentheses) {
  const std::string source = "model { real x = " + repeat("(", 100000) + "1" + repeat(")", 100000) + "; }\n";
  Result r = diagnose(source);
  EXPECT_EQ(r.first_kind, "NestingTooDeep");
  // The model block's '{' and 200 '(' make 201 levels: the 200th '(' (column 17 + 200) is too deep.
  EXPECT_EQ(first_line(r.text), "m.vmodel:1:217: error: expression or statement nesting is deeper than 200 levels");
  // Compared as a bool: the source line is 200,000 characters long.
  EXPECT_TRUE(r.text == nesting_message(source, 217, frontend::kMaxNesting));
}

TEST(FrontendDiagnostics, HundredThousandUnclosedParentheses) {
  const std::string source = "model { real x = " + repeat("(", 100000) + "\n";
  Result r = diagnose(source);
  EXPECT_EQ(first_line(r.text), "m.vmodel:1:217: error: expression or statement nesting is deeper than 200 levels");
  EXPECT_TRUE(r.text == nesting_message(source, 217, frontend::kMaxNesting));
}

TEST(FrontendDiagnostics, DeeplyNestedUnbracedStatements) {
  const std::string source = "model { real x; " + repeat("if (1) ", 100000) + "x = 1; }\n";
  Result r = diagnose(source);
  EXPECT_EQ(r.first_kind, "NestingTooDeep");
  // The block's '{', 199 unbraced `if`s and the '(' of the 199th make 201 levels.
  EXPECT_EQ(first_line(r.text),
            "m.vmodel:1:" + std::to_string(17 + 198 * 7 + 3) +
                ": error: expression or statement nesting is deeper than 200 levels");
  EXPECT_TRUE(r.text == nesting_message(source, 17 + 198 * 7 + 3, frontend::kMaxNesting));
}

// 10^5 statements in one block: every walk over statements is a loop.
TEST(FrontendDiagnostics, HundredThousandStatements) {
  std::string source = "parameters { real mu; }\nmodel {\n" + repeat("  target += -0.5 * square(mu);\n", 100000) +
                       "  mu ~ nromal(0, 1);\n}\n";
  Result r = diagnose(source);
  EXPECT_EQ(first_line(r.text), "m.vmodel:100003:8: error: unknown distribution 'nromal'");
}

TEST(FrontendDiagnostics, LongElseIfChain) {
  const std::string source = "model { real x; if (1) x = 1; " + repeat("else if (1) x = 1; ", 100000) + "}\n";
  EXPECT_EQ(diagnose(source).first_kind, "NestingTooDeep");
}

// A flat chain of one left-associative operator is one level of nesting,
// however long: 10^5 terms parse and check (and print) without recursing.
TEST(FrontendDiagnostics, FlatOperatorChainsOfHundredThousandTermsAreFine) {
  EXPECT_EQ(diagnose("model { real y = " + repeat("1 + ", 100000) + "1; }\n").text, "");
  // Every left-associative operator (10^4 terms: far past the nesting limit, and quick).
  for (const char* term : {"1 - ", "2 * ", "x / ", "1 && ", "0 || ", "1 == ", "1 < ", "x .* ", "5 % "}) {
    std::string source = "data { real x; }\nmodel { real y = " + repeat(term, 10000) + "1; }\n";
    EXPECT_EQ(diagnose(source).text, "") << term;
  }
  // Of vectors too, mixing operators of one precedence.
  std::string source = "data { vector[3] v; }\nmodel { vector[3] w = v" + repeat(" + v - v", 50000) + "; }\n";
  EXPECT_EQ(diagnose(source).text, "");
}

// The AST printer and expr_to_source walk a long chain's spine iteratively too.
TEST(FrontendDiagnostics, LongChainsPrint) {
  SourceFile file("m.vmodel", "model { real y = " + repeat("2 - ", 100000) + "1; }\n");
  Diagnostics diags;
  std::unique_ptr<ast::Program> program = frontend::parse_and_check(file, diags);
  ASSERT_TRUE(program && !diags.has_errors()) << diags.str();
  std::string printed = frontend::print_ast(*program);
  EXPECT_NE(printed.find(repeat("(- ", 100000) + "(lit 2 : int data) (lit 2 : int data) : int data) (lit 2"),
            std::string::npos);
  const ast::Expr& init = *program->blocks[0].stmts[0]->as<ast::DeclStmt>().decl->init;
  EXPECT_EQ(frontend::expr_to_source(init), repeat("2 - ", 100000) + "1");
}

// Nesting stays bounded: prefix operators, '^' (right-associative) and
// ternaries nest, and past the documented depth they are a clear error.
TEST(FrontendDiagnostics, LongNestedChainsAreTooDeep) {
  for (const std::string& chain : {repeat("- ", 100000), repeat("2 ^ ", 100000), repeat("1 ? 2 : ", 100000),
                                   repeat("1 ? ", 100000)}) {
    std::string source = "model { real x = " + chain + "1" + (chain == repeat("1 ? ", 100000) ? repeat(" : 2", 100000) : "") + "; }\n";
    Result r = diagnose(source);
    EXPECT_EQ(r.first_kind, "NestingTooDeep") << chain.substr(0, 10);
  }
}

// A type error deep in a long chain is reported at its own operator.
TEST(FrontendDiagnostics, TypeErrorInsideALongChain) {
  std::string source = "data { vector[3] v; }\nmodel { real y = " + repeat("1 + ", 5000) + "v * v" + repeat(" + 1", 5000) + "; }\n";
  Result r = diagnose(source);
  EXPECT_EQ(r.first_kind, "TypeMismatch");
  EXPECT_EQ(first_line(r.text), "m.vmodel:2:" + std::to_string(18 + 5000 * 4 + 2) +
                                    ": error: cannot apply '*' to vector and vector");
}

TEST(FrontendDiagnostics, NestingJustBelowTheLimitIsFine) {
  const std::string parens = "model { real x = " + repeat("(", 199) + "1" + repeat(")", 199) + "; }\n";
  EXPECT_EQ(diagnose(parens).text, "");
  const std::string braces = "model { real x; " + repeat("{", 190) + "x = 1;" + repeat("}", 190) + "}\n";
  EXPECT_EQ(diagnose(braces).text, "");
  const std::string minus = "model { real x = " + repeat("-", 900) + "1; }\n";
  EXPECT_EQ(diagnose(minus).text, "");
}

}  // namespace
}  // namespace vic

namespace vic {
namespace {

// Every kind in support/diagnostic_kinds.def is produced by some input: a kind
// no input reaches is dead code or an untested message.
TEST(FrontendDiagnostics, EveryKindIsProduced) {
  const std::vector<std::pair<DiagnosticKind, std::string>> cases = {
      {DiagnosticKind::SyntaxError, "model { real x = 1 }"},
      {DiagnosticKind::NestingTooDeep, "model { real x = " + std::string(300, '(') + "1" + std::string(300, ')') + "; }"},
      {DiagnosticKind::UnterminatedComment, "model { /* }"},
      {DiagnosticKind::InvalidUtf8, "model { \xe9 }"},
      {DiagnosticKind::UndeclaredName, "model { target += x; }"},
      {DiagnosticKind::Redeclaration, "data { int N; int N; }"},
      {DiagnosticKind::UnknownFunction, "model { target += foo(1); }"},
      {DiagnosticKind::UnknownDistribution, "parameters { real y; } model { y ~ nromal(0, 1); }"},
      {DiagnosticKind::AssignToReadOnly, "data { real y; } model { y = 1; }"},
      {DiagnosticKind::BadBlockOrder, "model { } data { }"},
      {DiagnosticKind::DuplicateBlock, "model { } model { }"},
      {DiagnosticKind::TypeMismatch, "model { int n = 1.5; }"},
      {DiagnosticKind::NoMatchingSignature, "parameters { real y; } model { y ~ normal(0, 1, 2); }"},
      {DiagnosticKind::WrongIndexCount, "data { vector[3] v; } model { target += v[1, 2]; }"},
      {DiagnosticKind::NonIntSize, "data { vector[1.5] v; }"},
      {DiagnosticKind::SizeDependsOnParameter, "parameters { real s; } transformed parameters { vector[s > 1 ? 2 : 1] v; }"},
      {DiagnosticKind::NonIntIndex, "data { vector[3] v; } model { target += v[1.5]; }"},
      {DiagnosticKind::ConditionNotScalar, "data { vector[3] v; } model { if (v) target += 1; }"},
      {DiagnosticKind::LoopBoundNotInt, "model { for (i in 1:2.5) target += 1; }"},
      {DiagnosticKind::JumpOutsideLoop, "model { continue; }"},
      {DiagnosticKind::IntParameter, "parameters { int n; }"},
      {DiagnosticKind::BadBound, "data { vector[2] v; real<lower=v> x; }"},
      {DiagnosticKind::TargetOutsideModel, "parameters { real a; } transformed parameters { real b = a; target += a; }"},
      {DiagnosticKind::RngOutsideGenerated, "model { real x = normal_rng(0, 1); }"},
      {DiagnosticKind::LpdfMisuse, "parameters { real a; } model { target += normal_lpdf(a, 0, 1); }"},
      {DiagnosticKind::AssignToLoopIndex, "model { for (i in 1:3) { i = 2; } }"},
      {DiagnosticKind::ConditionalBarMisuse, "model { target += exp(1 | 2); }"},
      {DiagnosticKind::AssignToArgument, "functions { real f(real x) { x = 1; return x; } }"},
      {DiagnosticKind::MissingReturn, "functions { real f(real x) { } }"},
      {DiagnosticKind::BadReturn, "model { return; }"},
      {DiagnosticKind::VoidValue, "functions { void f() { } } model { real x = f(); }"},
      {DiagnosticKind::UnusedValue, "model { exp(1); }"},
      {DiagnosticKind::DataOnlyArgument,
       "functions { real f(data real x) { return x; } } parameters { real a; } model { target += f(a); }"},
      {DiagnosticKind::BadOdeFunction, "transformed data { array[1] vector[1] z = ode_rk45(exp, [1]', 0, {1.0}); }"},
      {DiagnosticKind::NotSupportedYet, "data { matrix[2, 2] X; row_vector[2] v; } parameters { real a; } "
                                        "model { target += sum(v / X) * a; }"},
      {DiagnosticKind::BadNetwork, "data { int D; } network f = cnn(D -> D);"},
      {DiagnosticKind::BadLatent, "data { int N; } parameters { latent real z; }"},
  };
  std::vector<bool> produced(num_diagnostic_kinds(), false);
  {
    // A model too large for the memory budget (lowered to 1 KiB: two tokens).
    setenv("VIC_MAX_MEMORY", "1K", 1);
    EXPECT_EQ(diagnose("model { }").first_kind, "SourceTooLarge");
    unsetenv("VIC_MAX_MEMORY");
    produced[static_cast<int>(DiagnosticKind::SourceTooLarge)] = true;
  }
  for (const auto& [kind, source] : cases) {
    SourceFile file("m.vmodel", source);
    Diagnostics diags;
    std::unique_ptr<ast::Program> program = frontend::parse_and_check(file, diags);
    if (program && !diags.has_errors()) lower::check_supported(*program, diags);
    bool found = false;
    for (const Diagnostic& d : diags.all()) found |= d.kind == kind;
    EXPECT_TRUE(found) << diagnostic_kind_name(kind) << " not produced by: " << source << "\n" << diags.str();
    produced[static_cast<int>(kind)] = true;
  }
  for (int k = 0; k < num_diagnostic_kinds(); ++k) {
    EXPECT_TRUE(produced[k]) << "no test input produces " << diagnostic_kind_name(static_cast<DiagnosticKind>(k));
  }
}

}  // namespace
}  // namespace vic

namespace vic {
namespace {

TEST(FrontendDiagnostics, MatrixDivisionNotSupportedYet) {
  SourceFile file("m.vmodel",
                  "data { int N; matrix[N, 2] X; matrix[2, 2] B; }\n"
                  "parameters { real a; }\n"
                  "model { target += a * sum(X / B); }\n");
  Diagnostics diags;
  std::unique_ptr<ast::Program> program = frontend::parse_and_check(file, diags);
  ASSERT_TRUE(program);
  lower::check_supported(*program, diags);
  EXPECT_EQ(diags.str(),
            "m.vmodel:3:29: error: '/' between matrix and matrix (a matrix division) is not supported yet\n"
            "    model { target += a * sum(X / B); }\n"
            "                                ^\n");
}

TEST(FrontendDiagnostics, ConstrainedLocalsNotSupportedYet) {
  SourceFile file("m.vmodel",
                  "parameters { corr_matrix[3] R; }\n"
                  "model { simplex[3] p; }\n");
  Diagnostics diags;
  std::unique_ptr<ast::Program> program = frontend::parse_and_check(file, diags);
  ASSERT_TRUE(program);
  lower::check_supported(*program, diags);
  EXPECT_EQ(diags.str(),
            "m.vmodel:2:20: error: a local variable of the constrained type 'simplex' is not supported yet\n"
            "    model { simplex[3] p; }\n"
            "                       ^\n");
}

}  // namespace
}  // namespace vic

namespace vic {
namespace {

// Stan constructs vic does not parse yet are named as such, where they start,
// not reported as the token the grammar did not expect.
TEST(FrontendDiagnostics, UnparsedStanConstructsAreNamed) {
  const std::pair<const char*, const char*> cases[] = {
      {"parameters { real<lower=0, offset=1> x; }",
       "m.vmodel:1:18: error: a declaration takes bounds ('lower', 'upper') or 'offset' and 'multiplier', not both"},
      {"functions { vector f(real t, vector y) { return y; } }\n"
       "transformed data { vector[1] z = f; }",
       "m.vmodel:2:34: error: a function used as a value ('f') is not supported yet"},
      {"parameters { sum_to_zero_matrix[3, 3] theta; }",
       "m.vmodel:1:14: error: the constrained type 'sum_to_zero_matrix' is not supported yet"},
      {"model { reject(\"no); }", "m.vmodel:1:16: error: a string without its closing '\"' on the same line"},
      {"parameters { vector[2] y; } model { array[2] vector[2] a = {y, 1}; }",
       "m.vmodel:1:64: error: an array literal's elements must be vectors, not an int"},
      {"parameters { vector[2] y; } model { matrix[1, 2] a = [y]; }",
       "m.vmodel:1:55: error: a row-vector literal's elements must be scalars or row_vectors, not a vector"},
  };
  for (const auto& [source, message] : cases) {
    SourceFile file("m.vmodel", source);
    Diagnostics diags;
    frontend::parse_and_check(file, diags);
    const std::string text = diags.str();
    EXPECT_EQ(text.substr(0, text.find('\n')), message) << source;
  }
}

}  // namespace
}  // namespace vic
