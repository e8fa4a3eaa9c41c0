// The op table's derivative rules, op by op: each scalar op's JVP against a
// central finite difference of the compiled op, and against its VJP
// (<JVP(t), 1> = sum_k t_k VJP_k(1)), at random points of its domain.
#include "ir/op_table.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <utility>
#include <vector>

#include "codegen/jit.h"
#include "ir/builder.h"

namespace vic {
namespace {

using ir::Builder;
using ir::OpKind;
using ir::Value;

// @rules(theta, out): x = theta[0..n), tangents = theta[n..2n);
// out = [op(x), jvp, vjp_0, .., vjp_n-1].
struct Compiled {
  std::unique_ptr<codegen::JitModule> module;
  codegen::ConstrainFn fn;
};

Compiled compile_rules(OpKind kind, size_t n) {
  ir::Program program;
  auto f = std::make_unique<ir::Function>(
      "rules", std::vector<ir::FunctionArg>{{"theta", ir::Type::BufF64}, {"out", ir::Type::BufF64}},
      std::vector<ir::Type>{});
  Builder b(*f, f->body);
  std::vector<Value*> x, t;
  for (size_t k = 0; k < 2 * n; ++k) {
    Value* v = b.load(f->arg(0), b.const_i64(static_cast<int64_t>(k)));
    (k < n ? x : t).push_back(v);
  }
  std::vector<Value*> operands = x;
  if (kind == OpKind::Select) {
    // select(x0 > 0, x1, x2): its derivative follows the condition.
    operands[0] = b.cmp(ir::CmpPredicate::Gt, x[0], b.const_f64(0.0));
    t[0] = nullptr;
  }
  Value* r = b.op(kind, operands);
  const ir::DerivativeSite site{b, kind, operands, r};
  const ir::OpInfo& info = ir::op_info(kind);
  Value* jvp = info.jvp(site, t);
  b.store(f->arg(1), b.const_i64(0), r);
  b.store(f->arg(1), b.const_i64(1), jvp ? jvp : b.const_f64(0.0));
  for (size_t k = 0; k < n; ++k) {
    Value* vjp = info.vjp(site, k, b.const_f64(1.0));
    b.store(f->arg(1), b.const_i64(static_cast<int64_t>(2 + k)), vjp ? vjp : b.const_f64(0.0));
  }
  b.ret({});
  program.add(std::move(f));
  Expected<std::unique_ptr<codegen::JitModule>> module = codegen::jit_compile(program);
  EXPECT_TRUE(module) << (module ? "" : module.error());
  if (!module) return {};
  Compiled c;
  c.module = std::move(*module);
  c.fn = reinterpret_cast<codegen::ConstrainFn>(c.module->lookup("rules"));
  return c;
}

struct Case {
  OpKind kind;
  size_t arity;
  double lo, hi;  // the domain points are drawn from
  // Where operands differ, operand k's own (lo, hi): the incomplete beta's
  // x in (0, 1) beside shapes that may exceed 1.
  std::vector<std::pair<double, double>> domains = {};
};

const Case kCases[] = {
    {OpKind::FAdd, 2, -3, 3},       {OpKind::FAddReassoc, 2, -3, 3}, {OpKind::FSub, 2, -3, 3},        {OpKind::FMul, 2, -3, 3},
    {OpKind::FDiv, 2, 0.5, 3},      {OpKind::FPow, 2, 0.5, 2},       {OpKind::FNeg, 1, -3, 3},
    {OpKind::Exp, 1, -3, 3},        {OpKind::Log, 1, 0.1, 5},        {OpKind::Sqrt, 1, 0.1, 5},
    {OpKind::Log1p, 1, -0.5, 5},    {OpKind::Expm1, 1, -3, 3},       {OpKind::Lgamma, 1, 0.2, 6},
    {OpKind::Fabs, 1, 0.1, 3},      {OpKind::InvLogit, 1, -4, 4},    {OpKind::Log1pExp, 1, -4, 4},
    {OpKind::Select, 3, -2, 2},     {OpKind::Digamma, 1, 0.2, 6},    {OpKind::Tgamma, 1, 0.3, 4},
    {OpKind::Erf, 1, -2, 2},        {OpKind::Erfc, 1, -2, 2},      {OpKind::Tanh, 1, -3, 3},
    {OpKind::Sin, 1, -3, 3},        {OpKind::Cos, 1, -3, 3},       {OpKind::Atan, 1, -3, 3},
    {OpKind::Floor, 1, -3, 3},      {OpKind::Ceil, 1, -3, 3},      {OpKind::Round, 1, -3, 3},
    {OpKind::Trunc, 1, -3, 3},      {OpKind::LogBesselI0, 1, 0.1, 30},
    // Shapes a and x on both sides of x = a + 1, where P's partial in a
    // switches from the power series to the continued fraction.
    {OpKind::GammaP, 2, 0, 0, {{0.3, 6}, {0.1, 10}}},
    {OpKind::GammaQ, 2, 0, 0, {{0.3, 6}, {0.1, 10}}},
    // x on both sides of (a + 1) / (a + b + 2), where I's partials switch sides.
    {OpKind::IBeta, 3, 0, 0, {{0.3, 6}, {0.3, 6}, {0.05, 0.95}}},
    {OpKind::IBetaC, 3, 0, 0, {{0.3, 6}, {0.3, 6}, {0.05, 0.95}}},
    {OpKind::Erfcx, 1, -3, 6},
    // z on both sides of 0, where the skew normal's log CDF switches tails.
    {OpKind::SkewNormalLcdf, 2, 0, 0, {{-4, 3}, {-3, 3}}},
    // [a, b] within one turn, across the density's peak at 0.
    {OpKind::VonMisesLogMass, 3, 0, 0, {{-3, -0.5}, {0, 2.5}, {0.2, 20}}},
};

class OpRules : public testing::TestWithParam<Case> {};

TEST_P(OpRules, JvpMatchesFiniteDifferencesAndTheVjp) {
  const Case& c = GetParam();
  Compiled rules = compile_rules(c.kind, c.arity);
  ASSERT_TRUE(rules.fn);
  codegen::VicJitContext ctx{};
  // The buffer arguments' sizes, for the bounds assertions the tests compile in.
  const int64_t sizes[] = {static_cast<int64_t>(2 * c.arity), static_cast<int64_t>(2 + c.arity)};
  ctx.arg_sizes = sizes;
  std::mt19937_64 rng(static_cast<uint64_t>(c.kind) + 1);
  std::uniform_real_distribution<double> tangent(-1, 1);
  std::vector<std::uniform_real_distribution<double>> point;
  const size_t n = c.arity;
  for (size_t k = 0; k < n; ++k)
    point.emplace_back(c.domains.empty() ? c.lo : c.domains[k].first, c.domains.empty() ? c.hi : c.domains[k].second);
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<double> theta(2 * n), out(2 + n), plus(2 + n), minus(2 + n);
    for (size_t k = 0; k < n; ++k) theta[k] = point[k](rng);
    for (size_t k = n; k < 2 * n; ++k) theta[k] = tangent(rng);
    if (c.kind == OpKind::Select) theta[n] = 0;  // the condition has no tangent
    rules.fn(theta.data(), out.data(), &ctx);
    const double h = 1e-6;
    std::vector<double> tp = theta, tm = theta;
    for (size_t k = 0; k < n; ++k) {
      tp[k] += h * theta[n + k];
      tm[k] -= h * theta[n + k];
    }
    rules.fn(tp.data(), plus.data(), &ctx);
    rules.fn(tm.data(), minus.data(), &ctx);
    const double fd = (plus[0] - minus[0]) / (2 * h);
    const double scale = std::max(1.0, std::fabs(fd));
    EXPECT_NEAR(out[1], fd, 1e-6 * scale) << ir::op_spelling(c.kind) << " jvp at trial " << trial;
    double vjp_sum = 0;
    for (size_t k = 0; k < n; ++k) vjp_sum += theta[n + k] * out[2 + k];
    EXPECT_NEAR(out[1], vjp_sum, 1e-12 * scale) << ir::op_spelling(c.kind) << " jvp and vjp disagree";
  }
}

INSTANTIATE_TEST_SUITE_P(EveryScalarOp, OpRules, testing::ValuesIn(kCases),
                         [](const testing::TestParamInfo<Case>& info) {
                           std::string name = ir::op_spelling(info.param.kind);
                           for (char& ch : name)
                             if (ch == '.' || ch == '_') ch = 'X';
                           return name;
                         });

// Every differentiable op of the table is in kCases (or is a tensor op or a
// kernel call, tested in tensor_op_rules_test.cpp).
TEST(OpTable, EveryScalarRuleIsTested) {
  for (int k = 0; k <= static_cast<int>(OpKind::RngCall); ++k) {
    const ir::OpInfo& info = ir::op_info(static_cast<OpKind>(k));
    EXPECT_EQ(info.kind, static_cast<OpKind>(k));
    if (!info.vjp || info.signature == ir::Signature::MatVec || info.signature == ir::Signature::MatMul ||
        info.signature == ir::Signature::T_F || info.signature == ir::Signature::Slice ||
        info.signature == ir::Signature::Concat || info.kind == OpKind::KernelCall)
      continue;
    bool tested = false;
    for (const Case& c : kCases) tested |= c.kind == info.kind;
    EXPECT_TRUE(tested) << info.spelling << " has derivative rules but no test here";
    EXPECT_NE(info.jvp, nullptr) << info.spelling << " has a VJP but no JVP";
  }
}

}  // namespace
}  // namespace vic
