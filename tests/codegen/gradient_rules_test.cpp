// Every distribution's log density (each argument) and every elementwise
// function, built as IR, differentiated by the AD pass, JIT-compiled, and the
// gradient compared with central finite differences at random points.
#include <cmath>
#include <functional>
#include <random>

#include <gtest/gtest.h>

#include "codegen/jit.h"
#include "ir/ad/reverse_mode.h"
#include "ir/builder.h"
#include "ir/passes/pipeline.h"
#include "stdlib/distributions.h"
#include "stdlib/scalar_functions.h"

namespace vic {
namespace {

using ir::Builder;
using ir::OpKind;
using ir::Value;

// How a real argument is made from an unconstrained theta_k.
enum class Domain { Real, Positive, Unit, GreaterThanOne };

struct Compiled {
  std::unique_ptr<codegen::JitModule> module;
  codegen::LogDensityFn lp;
  codegen::GradientFn grad;
};

// Builds @lp_propto(theta) = body(builder, theta values), differentiates and compiles it.
Compiled compile(size_t dim, const std::function<Value*(Builder&, const std::vector<Value*>&, ir::Program&)>& body) {
  ir::Program program;
  auto f = std::make_unique<ir::Function>("lp_propto", std::vector<ir::FunctionArg>{{"theta", ir::Type::BufF64}},
                                          std::vector<ir::Type>{ir::Type::F64});
  Builder b(*f, f->body);
  std::vector<Value*> theta;
  for (size_t k = 0; k < dim; ++k) theta.push_back(b.load(f->arg(0), b.const_i64(static_cast<int64_t>(k))));
  Value* result = body(b, theta, program);
  b.ret({result});
  program.add(std::move(f));
  program.entry_points = {ir::EntryPoint::GradientProptoJacobian};
  ir::PipelineSettings settings;
  ir::Program optimized = ir::run_pipeline(program, settings, nullptr);
  auto module = codegen::jit_compile(optimized);
  VIC_CHECK(module) << module.error();
  Compiled c;
  c.module = module.take();
  c.lp = reinterpret_cast<codegen::LogDensityFn>(c.module->lookup("lp_propto"));
  c.grad = reinterpret_cast<codegen::GradientFn>(c.module->lookup("lp_grad"));
  return c;
}

Value* constrain(Builder& b, Value* u, Domain d) {
  switch (d) {
    case Domain::Real: return u;
    case Domain::Positive: return b.op(OpKind::Exp, {u});
    case Domain::Unit: return b.op(OpKind::InvLogit, {u});
    case Domain::GreaterThanOne: return b.op(OpKind::FAdd, {b.const_f64(1.0), b.op(OpKind::Exp, {u})});
  }
  return u;
}

// Checks the compiled gradient against central differences at `points` random points.
void expect_gradient_matches(const Compiled& c, size_t dim, int points, uint64_t seed, const std::string& what) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> uniform(-1.5, 1.5);
  // lp reads the first size (theta), lp_grad both (theta, grad): the bounds assertions' sizes.
  const int64_t arg_sizes[] = {static_cast<int64_t>(dim), static_cast<int64_t>(dim)};
  codegen::VicJitContext ctx{nullptr, 0, 0, nullptr, nullptr, arg_sizes};
  for (int p = 0; p < points; ++p) {
    std::vector<double> theta(dim), grad(dim, 0.0);
    for (double& t : theta) t = uniform(rng);
    double value = c.grad(theta.data(), grad.data(), &ctx);
    ASSERT_EQ(ctx.error, 0) << what;
    EXPECT_NEAR(value, c.lp(theta.data(), &ctx), 1e-12 * (1 + std::fabs(value))) << what;
    for (size_t k = 0; k < dim; ++k) {
      const double h = 1e-6;
      std::vector<double> plus = theta, minus = theta;
      plus[k] += h;
      minus[k] -= h;
      double fd = (c.lp(plus.data(), &ctx) - c.lp(minus.data(), &ctx)) / (2 * h);
      EXPECT_NEAR(grad[k], fd, 1e-6 * std::max(1.0, std::fabs(fd))) << what << ": d/dtheta[" << k << "] at point " << p;
    }
  }
}

struct DensityCase {
  std::string name;
  std::vector<Domain> real_args;  // variate (if continuous) then parameters
  std::vector<int64_t> int_args;  // leading int arguments (variate, counts), as constants
};
// Test names show the distribution, not the struct's bytes.
void PrintTo(const DensityCase& c, std::ostream* os) { *os << c.name; }
void PrintTo(Domain d, std::ostream* os) {
  static const char* names[] = {"real", "positive", "unit", "greater than one"};
  *os << names[static_cast<int>(d)];
}

class DensityGradient : public testing::TestWithParam<DensityCase> {};

TEST_P(DensityGradient, MatchesFiniteDifferences) {
  const DensityCase& dc = GetParam();
  size_t dim = dc.real_args.size();
  for (bool propto : {false, true}) {
    Compiled c = compile(dim, [&](Builder& b, const std::vector<Value*>& theta, ir::Program& program) {
      std::vector<stdlib::DensityArg> args;
      for (int64_t n : dc.int_args) args.push_back({b.const_i64(n), false});
      for (size_t k = 0; k < dim; ++k) args.push_back({constrain(b, theta[k], dc.real_args[k]), true});
      return stdlib::build_log_density(b, dc.name, args, propto, [&](const std::string& m) {
        program.checks.push_back({m, {}});
        return static_cast<int64_t>(program.checks.size() - 1);
      });
    });
    expect_gradient_matches(c, dim, 5, 42, dc.name + (propto ? " (propto)" : ""));
  }
}

using D = Domain;
INSTANTIATE_TEST_SUITE_P(
    Stdlib, DensityGradient,
    testing::Values(DensityCase{"normal", {D::Real, D::Real, D::Positive}, {}},
                    DensityCase{"std_normal", {D::Real}, {}},
                    DensityCase{"student_t", {D::Real, D::Positive, D::Real, D::Positive}, {}},
                    DensityCase{"cauchy", {D::Real, D::Real, D::Positive}, {}},
                    DensityCase{"lognormal", {D::Positive, D::Real, D::Positive}, {}},
                    DensityCase{"exponential", {D::Positive, D::Positive}, {}},
                    DensityCase{"gamma", {D::Positive, D::Positive, D::Positive}, {}},
                    DensityCase{"inv_gamma", {D::Positive, D::Positive, D::Positive}, {}},
                    DensityCase{"beta", {D::Unit, D::Positive, D::Positive}, {}},
                    DensityCase{"bernoulli", {D::Unit}, {1}},
                    DensityCase{"bernoulli_logit", {D::Real}, {0}},
                    DensityCase{"binomial", {D::Unit}, {3, 10}},
                    DensityCase{"poisson", {D::Positive}, {4}},
                    DensityCase{"poisson_log", {D::Real}, {2}},
                    DensityCase{"binomial_logit", {D::Real}, {3, 10}},
                    DensityCase{"neg_binomial_2", {D::Positive, D::Positive}, {4}},
                    DensityCase{"neg_binomial_2_log", {D::Real, D::Positive}, {4}},
                    DensityCase{"weibull", {D::Positive, D::Positive, D::Positive}, {}},
                    DensityCase{"logistic", {D::Real, D::Real, D::Positive}, {}},
                    DensityCase{"double_exponential", {D::Real, D::Real, D::Positive}, {}},
                    DensityCase{"gumbel", {D::Real, D::Real, D::Positive}, {}},
                    DensityCase{"chi_square", {D::Positive, D::Positive}, {}},
                    DensityCase{"inv_chi_square", {D::Positive, D::Positive}, {}},
                    DensityCase{"scaled_inv_chi_square", {D::Positive, D::Positive, D::Positive}, {}},
                    DensityCase{"rayleigh", {D::Positive, D::Positive}, {}},
                    DensityCase{"pareto", {D::GreaterThanOne, D::Unit, D::Positive}, {}},
                    DensityCase{"frechet", {D::Positive, D::Positive, D::Positive}, {}},
                    DensityCase{"beta_binomial", {D::Positive, D::Positive}, {3, 10}},
                    DensityCase{"neg_binomial", {D::Positive, D::Positive}, {4}},
                    DensityCase{"skew_normal", {D::Real, D::Real, D::Positive, D::Real}, {}},
                    DensityCase{"exp_mod_normal", {D::Real, D::Real, D::Positive, D::Positive}, {}},
                    DensityCase{"von_mises", {D::Real, D::Real, D::Positive}, {}}),
    [](const testing::TestParamInfo<DensityCase>& info) { return info.param.name; });

TEST(DensityGradient, UniformInsideItsBounds) {
  // y = a + (b - a) * inv_logit(u) stays inside (a, b); a and b move freely.
  Compiled c = compile(3, [&](Builder& b, const std::vector<Value*>& t, ir::Program& program) {
    Value* lo = t[1];
    Value* hi = b.op(OpKind::FAdd, {lo, b.op(OpKind::Exp, {t[2]})});
    Value* y = b.op(OpKind::FAdd, {lo, b.op(OpKind::FMul, {b.op(OpKind::FSub, {hi, lo}), b.op(OpKind::InvLogit, {t[0]})})});
    return stdlib::build_log_density(b, "uniform", {{y, true}, {lo, true}, {hi, true}}, false, [&](const std::string& m) {
      program.checks.push_back({m, {}});
      return static_cast<int64_t>(program.checks.size() - 1);
    });
  });
  expect_gradient_matches(c, 3, 5, 7, "uniform");
}

class FunctionGradient : public testing::TestWithParam<std::pair<std::string, Domain>> {};

TEST_P(FunctionGradient, MatchesFiniteDifferences) {
  auto [name, domain] = GetParam();
  Compiled c = compile(1, [&](Builder& b, const std::vector<Value*>& t, ir::Program&) {
    // f(x) * (1 + x) exercises the adjoint of both factors.
    Value* x = constrain(b, t[0], domain);
    Value* fx = stdlib::build_function(b, name, x);
    return b.op(OpKind::FMul, {fx, b.op(OpKind::FAdd, {b.const_f64(1.0), x})});
  });
  expect_gradient_matches(c, 1, 5, 11, name);
}

INSTANTIATE_TEST_SUITE_P(Stdlib, FunctionGradient,
                         testing::Values(std::pair{"exp", D::Real}, std::pair{"log", D::Positive},
                                         std::pair{"sqrt", D::Positive}, std::pair{"square", D::Real},
                                         std::pair{"fabs", D::Real}, std::pair{"inv_logit", D::Real},
                                         std::pair{"logit", D::Unit}, std::pair{"log1p", D::Positive},
                                         std::pair{"expm1", D::Real}, std::pair{"lgamma", D::Positive}),
                         [](const auto& info) { return info.param.first; });

TEST(LoopGradient, CarriedRecurrenceMatchesFiniteDifferences) {
  // s_t = a + b * s_{t-1}^2 / (1 + s_{t-1}^2), lp = sum_t log(1 + s_t), over 50 steps.
  Compiled c = compile(2, [&](Builder& b, const std::vector<Value*>& t, ir::Program&) {
    ir::Op* loop = b.create_for(b.const_i64(0), b.const_i64(50), {b.const_f64(0.5), b.const_f64(0.0)}, "t");
    Builder in(b.function(), loop->region(0));
    Value* s = loop->region(0).args[1];
    Value* acc = loop->region(0).args[2];
    Value* s2 = in.op(OpKind::FMul, {s, s});
    Value* next = in.op(OpKind::FAdd, {t[0], in.op(OpKind::FDiv, {in.op(OpKind::FMul, {t[1], s2}),
                                                                   in.op(OpKind::FAdd, {in.const_f64(1.0), s2})})});
    in.yield({next, in.op(OpKind::FAdd, {acc, in.op(OpKind::Log1p, {in.op(OpKind::Fabs, {next})})})});
    return loop->results[1];
  });
  expect_gradient_matches(c, 2, 5, 3, "recurrence");
}

}  // namespace
}  // namespace vic
