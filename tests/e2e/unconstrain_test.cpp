// unconstrain, the inverse of constrain's parameter outputs: for every kind of
// bound (none, lower, upper, both; from the data and from other parameters),
// on scalars, vectors and two-dimensional arrays (CmdStan's column-major
// order against theta's row-major one), unconstrain(constrain(theta)) gives
// theta back; a value outside its bounds is an error naming the parameter.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "test_util.h"

namespace vic {
namespace {

const char* kModel = R"(data {
  real lo;
  int K;
}
parameters {
  real mu;
  real<lower=lo> a;
  real<upper=3> b;
  real<lower=-1, upper=2> c;
  vector<lower=0>[K] v;
  array[2, K] real<lower=-1, upper=1> w;
  array[K] vector[2] z;
  real<lower=a, upper=a + exp(b)> d;
}
transformed parameters {
  real s = a + b;
}
model {
  mu ~ normal(0, 1);
  a ~ normal(0, 1);
  b ~ normal(0, 2);
  c ~ normal(0.5, 1);
  v ~ exponential(1);
  d ~ normal(a, 1);
}
generated quantities {
  real g = mu * 2;
}
)";

TEST(Unconstrain, InvertsConstrainForEveryTransform) {
  auto m = testing_util::compile_source("unconstrain", kModel, R"({"lo": -0.5, "K": 3})");
  ASSERT_TRUE(m);
  const runtime::Model& model = m->model();
  // mu, a, b, c, v[3], w[2, 3], z[3][2], d.
  ASSERT_EQ(model.dim(), 20u);
  ASSERT_EQ(model.num_parameter_outputs(), 20u);
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> uniform(-3.0, 3.0);
  Rng draws(1);
  for (int point = 0; point < 20; ++point) {
    std::vector<double> theta(model.dim());
    for (double& t : theta) t = uniform(rng);
    std::vector<double> out(model.output_names().size());
    runtime::EvalError error = 0;
    model.constrain(theta.data(), draws, out.data(), &error);
    ASSERT_EQ(error, 0) << model.describe_error(error);
    std::vector<double> back(model.dim(), NAN);
    model.unconstrain(out.data(), back.data(), &error);
    ASSERT_EQ(error, 0) << model.describe_error(error);
    for (size_t k = 0; k < theta.size(); ++k) {
      // x - lb and ub - x cancel: with lb = a and ub = a + exp(b) the round
      // trip keeps about eps * |a| / (x - a) of relative accuracy, as Stan's does.
      EXPECT_NEAR(back[k], theta[k], 1e-7 * std::max(1.0, std::fabs(theta[k])))
          << "theta[" << k << "] (" << model.output_names()[k] << ") at point " << point;
    }
  }
}

// The constrained values are read in CmdStan's order: w.1.2 is w[1, 2].
TEST(Unconstrain, ReadsColumnMajorOutputs) {
  auto m = testing_util::compile_source("unconstrain", kModel, R"({"lo": -0.5, "K": 3})");
  ASSERT_TRUE(m);
  const runtime::Model& model = m->model();
  const std::vector<std::string>& names = model.output_names();
  std::vector<double> values(model.num_parameter_outputs(), 0.5);
  values[1] = 0.0;      // a > lo
  values[2] = 1.0;      // b < 3
  values.back() = 0.5;  // a < d < a + e
  for (size_t k = 0; k < names.size(); ++k)
    if (names[k] == "w.1.2") values[k] = 0.25;
  std::vector<double> theta(model.dim());
  runtime::EvalError error = 0;
  model.unconstrain(values.data(), theta.data(), &error);
  ASSERT_EQ(error, 0) << model.describe_error(error);
  // theta holds w row-major after mu, a, b, c, v[3]: w[1, 2] is theta[7 + 1];
  // its inverse transform is logit((x + 1) / 2).
  EXPECT_NEAR(theta[8], std::log(1.25 / 0.75), 1e-12);
  EXPECT_NEAR(theta[9], std::log(1.5 / 0.5), 1e-12);  // w[1, 3] = 0.5
}

TEST(Unconstrain, AValueOutsideItsBoundsIsAnError) {
  auto m = testing_util::compile_source("unconstrain", kModel, R"({"lo": -0.5, "K": 3})");
  ASSERT_TRUE(m);
  const runtime::Model& model = m->model();
  std::vector<double> values(model.num_parameter_outputs(), 0.5);
  values[1] = -0.75;  // a below lo = -0.5
  std::vector<double> theta(model.dim());
  runtime::EvalError error = 0;
  model.unconstrain(values.data(), theta.data(), &error);
  ASSERT_NE(error, 0);
  EXPECT_EQ(model.describe_error(error), "unconstrain:7:18: parameter 'a' is outside its declared bounds");
}

// The layout says where each parameter lives: moving theta within one
// parameter's unconstrained range changes that parameter's outputs and no
// other parameter's (none of these bounds depends on another parameter).
TEST(Unconstrain, TheLayoutPlacesEachParameter) {
  auto m = testing_util::compile_source("placed",
                                        "data { int K; }\nparameters { real mu; array[2, K] real<lower=0> w; "
                                        "vector<upper=1>[K] v; real<lower=0, upper=1> p; }\nmodel { }\n",
                                        R"({"K": 3})");
  ASSERT_TRUE(m);
  const ir::ResolvedLayout& layout = m->compiled.layout;
  ASSERT_EQ(layout.variables.size(), 4u);
  ASSERT_EQ(static_cast<size_t>(layout.unconstrained_size), m->model().dim());
  ASSERT_EQ(layout.output_names(), m->model().output_names());
  Rng draws(1);
  std::vector<double> theta(m->model().dim(), 0.1), base(m->model().output_names().size());
  runtime::EvalError error = 0;
  m->model().constrain(theta.data(), draws, base.data(), &error);
  ASSERT_EQ(error, 0);
  for (const ir::ResolvedVariable& moved : layout.variables) {
    std::vector<double> shifted = theta;
    for (int64_t k = 0; k < moved.unconstrained_size; ++k) shifted[moved.unconstrained_offset + k] += 0.5;
    std::vector<double> out(base.size());
    m->model().constrain(shifted.data(), draws, out.data(), &error);
    ASSERT_EQ(error, 0);
    for (const ir::ResolvedVariable& v : layout.variables) {
      for (int64_t k = 0; k < v.size; ++k) {
        const size_t column = static_cast<size_t>(v.output_offset + k);
        if (&v == &moved) {
          EXPECT_NE(out[column], base[column])
              << "moving " << moved.name << " leaves " << layout.output_names()[column];
        } else {
          EXPECT_EQ(out[column], base[column])
              << "moving " << moved.name << " changes " << layout.output_names()[column];
        }
      }
    }
  }
}

}  // namespace
}  // namespace vic
