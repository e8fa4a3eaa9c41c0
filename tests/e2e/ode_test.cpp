// The ODE solvers (ode_rk45, ode_bdf, their _tol forms, integrate_ode_rk45 and
// integrate_ode_bdf) against closed-form solutions: the values, and through
// the gradient the sensitivities in the initial state, the right-hand side's
// arguments, the initial time and the output times. The right-hand sides use
// a matrix product, a loop, a branch on t and data arguments, so that the
// forward-mode derivatives (ir/ad/forward_mode.cpp) of each are exercised,
// the JVP of the JVP by ode_bdf (Rosenbrock's Jacobian). Then the errors:
// each compile-time one's text, each run-time check's message.
#include <gtest/gtest.h>

#include <cmath>

#include "frontend/frontend.h"
#include "ir/lower/check_supported.h"
#include "test_util.h"

namespace vic {
namespace {

using testing_util::compile_source;

struct Evaluation {
  double lp = 0;
  std::vector<double> grad;
  std::string error;
};

Evaluation evaluate(const runtime::Model& model, const std::vector<double>& theta) {
  Evaluation e;
  e.grad.assign(theta.size(), 0.0);
  runtime::EvalError error = 0;
  e.lp = model.lp_grad(theta.data(), e.grad.data(), &error);
  if (error) e.error = model.describe_error(error);
  return e;
}

class OdeSolvers : public testing::TestWithParam<const char*> {};

// y1' = y2, y2' = -w^2 y1 from (a, 0): y1 = a cos(w t), y2 = -a w sin(w t).
// lp = -sum_t (y1(t) - o_t)^2 / 2 - y2(T)^2 / 2, its gradient in (w, a) written out.
TEST_P(OdeSolvers, HarmonicOscillatorAndItsSensitivities) {
  const std::string solver = GetParam();
  auto m = compile_source("oscillator", R"(functions {
  vector oscillator(real t, vector y, real w) {
    matrix[2, 2] A = [[0, 1], [-w * w, 0]];
    return A * y;
  }
}
data {
  int T;
  array[T] real ts;
  vector[T] o;
}
parameters {
  real w;
  real a;
}
transformed parameters {
  array[T] vector[2] y = )" + solver + R"((oscillator, [a, 0]', 0.0, ts, 1e-10, 1e-10, 1000000, w);
}
model {
  for (t in 1:T) target += -0.5 * square(y[t][1] - o[t]);
  target += -0.5 * square(y[T][2]);
}
)",
                          R"({"T": 3, "ts": [0.5, 1.25, 2.0], "o": [0.8, -0.1, -0.6]})");
  ASSERT_TRUE(m);
  const double w = 1.3, a = 0.9;
  const double ts[] = {0.5, 1.25, 2.0}, o[] = {0.8, -0.1, -0.6};
  double lp = 0, dw = 0, da = 0;
  for (int t = 0; t < 3; ++t) {
    const double c = std::cos(w * ts[t]), s = std::sin(w * ts[t]), r = a * c - o[t];
    lp -= 0.5 * r * r;
    da -= r * c;
    dw -= r * (-a * ts[t] * s);
  }
  const double y2 = -a * w * std::sin(w * 2.0);
  lp -= 0.5 * y2 * y2;
  da -= y2 * (-w * std::sin(w * 2.0));
  dw -= y2 * (-a * std::sin(w * 2.0) - a * w * 2.0 * std::cos(w * 2.0));
  Evaluation e = evaluate(m->model(), {w, a});
  ASSERT_EQ(e.error, "");
  EXPECT_NEAR(e.lp, lp, 1e-7);
  EXPECT_NEAR(e.grad[0], dw, 1e-6);
  EXPECT_NEAR(e.grad[1], da, 1e-6);
  // The transformed parameter as written out.
  std::map<std::string, double> out = testing_util::constrained_outputs(m->model(), {w, a});
  EXPECT_NEAR(out.at("y.2.1"), a * std::cos(w * 1.25), 1e-7);
  EXPECT_NEAR(out.at("y.3.2"), y2, 1e-7);
}

// Three decays whose rates are scaled by a data argument, in a loop, and
// grow with t: y_i' = -c k_i r(t) y_i, r = 1 + t^2 computed in two branches
// (one before t = 1, one after, each differentiated), so
// y_i(t) = y0_i exp(-c k_i R(t)) with R(t) = t + t^3 / 3. (A right-hand side
// with a kink would cost Rosenbrock 4 its order: its error estimate assumes
// smoothness.) lp = sum_i log y_i(T).
TEST_P(OdeSolvers, LoopsBranchesAndDataArguments) {
  const std::string solver = GetParam();
  auto m = compile_source("decays", R"(functions {
  vector decays(real t, vector y, vector k, data real c) {
    vector[3] dydt;
    real r = 1;
    if (t > 1) {
      r += t^2;
    } else {
      r += t * t;
    }
    for (i in 1:3) dydt[i] = -c * k[i] * r * y[i];
    return dydt;
  }
}
data {
  real c;
}
parameters {
  vector<lower=0>[3] k;
  vector<lower=0>[3] y0;
}
transformed parameters {
  array[1] vector[3] y = )" + solver + R"((decays, y0, 0, {1.5}, 1e-10, 1e-10, 1000000, k, c);
}
model {
  target += sum(log(y[1]));
}
)",
                          R"({"c": 0.2})");
  ASSERT_TRUE(m);
  const std::vector<double> theta = {-0.2, 0.1, 0.4, 0.3, -0.5, 0.2};  // log k, log y0
  const double c = 0.2, R = 1.5 + 1.5 * 1.5 * 1.5 / 3;
  double lp = 0;
  for (int i = 0; i < 3; ++i) lp += theta[3 + i] - c * std::exp(theta[i]) * R + theta[i] + theta[3 + i];
  Evaluation e = evaluate(m->model(), theta);
  ASSERT_EQ(e.error, "");
  EXPECT_NEAR(e.lp, lp, 1e-6);
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(e.grad[i], 1 - c * std::exp(theta[i]) * R, 1e-5) << i;  // log k_i, with its Jacobian
    EXPECT_NEAR(e.grad[3 + i], 2, 1e-6) << i;                             // log y0_i: log y_i + Jacobian
  }
  // (No finite-difference check here: the step sizes the error control picks
  // change with the parameters, which makes differences at 1e-6 noisy by 1e-4.)
}

// The initial time and the output times may be parameters:
// y = y0 exp(-k (t - t0)), d/dt0 = k y, d/dt = -k y.
TEST_P(OdeSolvers, TimesThatAreParameters) {
  const std::string solver = GetParam();
  auto m = compile_source("times", R"(functions {
  vector decay(real t, vector y, real k) { return -k * y; }
}
parameters {
  real t0;
  real<lower=t0> t1;
}
transformed parameters {
  array[2] vector[1] y = )" + solver + R"((decay, [2.0]', t0, {t1, t1 + 1}, 1e-10, 1e-10, 1000000, 0.8);
}
model {
  target += y[1][1] + 3 * y[2][1];
}
)",
                          "{}");
  ASSERT_TRUE(m);
  const double t0 = 0.3, u = -0.4, t1 = t0 + std::exp(u), k = 0.8;
  const double y1 = 2 * std::exp(-k * (t1 - t0)), y2 = 2 * std::exp(-k * (t1 + 1 - t0));
  Evaluation e = evaluate(m->model(), {t0, u});
  ASSERT_EQ(e.error, "");
  EXPECT_NEAR(e.lp, y1 + 3 * y2 + u, 1e-7);
  // t1 = t0 + exp(u): d/dt0 at fixed u moves both times with t0, so only the Jacobian's 0 remains.
  EXPECT_NEAR(e.grad[0], 0.0, 1e-5);
  EXPECT_NEAR(e.grad[1], (-k * y1 - 3 * k * y2) * std::exp(u) + 1, 1e-5);
}

INSTANTIATE_TEST_SUITE_P(RungeKuttaAndRosenbrock, OdeSolvers, testing::Values("ode_rk45_tol", "ode_bdf_tol"));

// The deprecated forms: theta, x_r (data reals), x_i (data ints), and the
// default tolerances; y' = -theta[x_i[1]] x_r[1] y.
TEST(Ode, DeprecatedIntegrateOdeForms) {
  for (const char* solver : {"integrate_ode_rk45", "integrate_ode_bdf"}) {
    auto m = compile_source("deprecated", std::string(R"(functions {
  array[] real decay(real t, array[] real y, array[] real theta, array[] real x_r, array[] int x_i) {
    return {-theta[x_i[1]] * x_r[1] * y[1]};
  }
}
data {
  array[1] real x_r;
  array[1] int x_i;
}
parameters {
  array[2] real theta;
}
transformed parameters {
  array[2, 1] real y = )") + solver + R"((decay, {1.5}, 0.0, {1.0, 2.0}, theta, x_r, x_i);
}
model {
  target += y[1, 1] + y[2, 1];
}
)",
                            R"({"x_r": [0.5], "x_i": [2]})");
    ASSERT_TRUE(m);
    const double k = 0.6 * 0.5;
    Evaluation e = evaluate(m->model(), {-1.0, 0.6});
    ASSERT_EQ(e.error, "") << solver;
    const double y1 = 1.5 * std::exp(-k), y2 = 1.5 * std::exp(-2 * k);
    EXPECT_NEAR(e.lp, y1 + y2, 1e-5) << solver;
    EXPECT_EQ(e.grad[0], 0.0) << solver;  // theta[1] is not used
    EXPECT_NEAR(e.grad[1], -0.5 * (y1 + 2 * y2), 1e-5) << solver;
  }
}

std::string check_errors(const std::string& source) {
  SourceFile file("m.vmodel", source);
  Diagnostics diags;
  std::unique_ptr<ast::Program> program = frontend::parse_and_check(file, diags);
  if (program && !diags.has_errors()) lower::check_supported(*program, diags);
  const std::string text = diags.str();
  return text.substr(0, text.find('\n'));
}

TEST(Ode, CompileTimeErrorsNameTheProblem) {
  const std::string f = "functions { vector f(real t, vector y, real k) { return -k * y; } }\n";
  EXPECT_EQ(check_errors(f + "parameters { real k; } model { target += ode_rk45(exp, [1]', 0, {1.0}, k)[1][1]; }"),
            "m.vmodel:2:51: error: the first argument of 'ode_rk45' must be a function 'vector f(real, vector, ...)'");
  EXPECT_EQ(check_errors("functions { real g(real t, vector y) { return t; } }\n"
                         "transformed data { array[1] vector[1] z = ode_bdf(g, [1]', 0, {1.0}); }"),
            "m.vmodel:2:51: error: the first argument of 'ode_bdf' must be a function 'vector f(real, vector, ...)', "
            "not 'g'");
  // A right-hand side that draws random numbers (or adds to the target) is not one.
  EXPECT_EQ(check_errors("functions { vector g_rng(real t, vector y) { return y * normal_rng(0, 1); } }\n"
                         "generated quantities { array[1] vector[1] z = ode_rk45(g_rng, [1]', 0, {1.0}); }"),
            "m.vmodel:2:56: error: the first argument of 'ode_rk45' must be a function 'vector f(real, vector, ...)', "
            "not 'g_rng'");
  EXPECT_EQ(check_errors(f + "transformed data { array[1] vector[1] z = ode_rk45(f, [1]', 0, {1.0}); }"),
            "m.vmodel:2:43: error: no signature of 'ode_rk45' takes (f, vector, int, array[] real); expected "
            "ode_rk45(f, vector, real, array[] real, real)");
  EXPECT_EQ(check_errors(f + "parameters { real<lower=0> tol; } model { "
                             "target += ode_rk45_tol(f, [1]', 0, {1.0}, tol, 1e-6, 100, 1)[1][1]; }"),
            "m.vmodel:2:85: error: argument 5 of 'ode_rk45_tol' must be data only (it is declared 'data')");
}

const char* const kFailingFunctions = R"(functions {
  vector f(real t, vector y, real k) { return [-k * y[1]]'; }
  vector g(real t, vector y, real k) {
    if (k > 1) reject("g: k is too large");
    return -k * y;
  }
}
parameters {
  real k;
}
model {
  target += )";

// Each failure at run time: its message, and the point rejected.
TEST(Ode, RunTimeChecksRejectThePoint) {
  const std::pair<std::string, std::string> cases[] = {
      {"ode_rk45(f, [1]', 0, {2.0 * k, 1.0}, k)", "ode_rk45: times must be finite, sorted, and after the initial time"},
      {"ode_rk45(f, [1]', 0, {0.0 * k}, k)", "ode_rk45: times must be finite, sorted, and after the initial time"},
      {"ode_rk45(f, [k - 2]' / 0, 0, {1.0}, k)", "ode_rk45: initial state must be finite"},
      {"ode_rk45_tol(f, [1]', 0, {1000.0}, 1e-6, 1e-6, 3, k)",
       "ode_rk45_tol: Failed to integrate to next output time in less than max_num_steps steps"},
      {"ode_bdf(f, [1, 2]', 0, {1.0}, k)", "ode_bdf: the right-hand side 'f' returned a size that differs from the state's"},
      {"ode_rk45(g, [1]', 0, {1.0}, k)", "g: k is too large"},
  };
  for (const auto& [call, message] : cases) {
    auto m = compile_source("failing", kFailingFunctions + call + "[1][1];\n}\n", "{}");
    ASSERT_TRUE(m);
    Evaluation e = evaluate(m->model(), {2.0});
    EXPECT_EQ(e.lp, -HUGE_VAL) << call;
    EXPECT_NE(e.error.find(message), std::string::npos) << call << ": " << e.error;
  }
}

// A check that fails whatever the parameters ends the compilation.
TEST(Ode, ChecksOfDataAloneFailAtCompileTime) {
  const std::pair<std::string, std::string> cases[] = {
      {"ode_rk45(f, [1]', 0, {2.0, 1.0}, k)", "ode_rk45: times must be finite, sorted, and after the initial time"},
      {"ode_rk45_tol(f, [1]', 0, {1.0}, -1, 1e-6, 100, k)", "ode_rk45_tol: relative_tolerance must be positive"},
      {"ode_bdf_tol(f, [1]', 0, {1.0}, 1e-6, 1e-6, 0, k)", "ode_bdf_tol: max_num_steps must be positive"},
  };
  for (const auto& [call, message] : cases) {
    tools::CheckedModel checked = tools::check_model_source("failing", kFailingFunctions + call + "[1][1];\n}\n");
    ASSERT_TRUE(checked.ast) << call;
    Expected<runtime::DataSet> none = runtime::read_stan_json("{}", "d.json", tools::data_declarations(*checked.ast));
    ASSERT_TRUE(none);
    Expected<tools::CompiledModel> compiled = tools::compile_model(*checked.ast, *none, ir::PipelineSettings{});
    ASSERT_FALSE(compiled) << call;
    EXPECT_EQ(compiled.error(), "failing:12:13: " + message +
                                    "; it depends on the data alone, so it fails at every value of the parameters");
  }
}

}  // namespace
}  // namespace vic
