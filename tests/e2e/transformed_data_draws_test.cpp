// Transformed data that draws random numbers runs once, before the model is
// compiled, with CmdStan's generator: its draws are Stan 2.39's for the same
// seed, every function of the model sees the same values (the log density,
// its gradient, the generated quantities), matrices and int arrays keep their
// element order, and a failure in the block is reported with its message.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "test_util.h"
#include "tools/transformed_data_draws.h"
#include "vic_process.h"

namespace vic {
namespace {

constexpr const char* kModel = R"(data {
  int N;
}
transformed data {
  int K = 2;
  vector[N] x;
  for (n in 1:N) x[n] = normal_rng(0, 1);
  real z = exponential_rng(1);
  matrix[K, 3] M;
  for (i in 1:K) for (j in 1:3) M[i, j] = 10 * i + j + uniform_rng(0, 0.001);
  array[3] int counts = poisson_rng(rep_vector(4, 3));
}
parameters {
  real mu;
  vector[K] b;
}
model {
  x ~ normal(mu, 1);
  b ~ normal(M[:, 2], 1);
}
generated quantities {
  real z_out = z;
  real x1 = x[1];
  real m23 = M[2, 3];
  int c3 = counts[3];
}
)";

TEST(TransformedDataDraws, TheyAreStansDrawsForTheSeed) {
  // Stan 2.39 (the anchors' harness, which builds its model with seed 0) on
  // this block's first lines prints z = 0.957482, x[1] = 0.117246, x[4] = 0.26945.
  tools::CheckedModel m = tools::check_model_source("m.vmodel", kModel);
  ASSERT_TRUE(m.ast) << m.diagnostics.str();
  Expected<runtime::DataSet> data = runtime::read_stan_json(R"({"N": 4})", "d.json", tools::data_declarations(*m.ast));
  ASSERT_TRUE(data);
  Expected<runtime::DataSet> drawn = tools::with_transformed_data_draws(*m.ast, *data, 0);
  ASSERT_TRUE(drawn) << drawn.error();
  const runtime::DataValue* x = drawn->find("x");
  ASSERT_TRUE(x);
  EXPECT_EQ(x->dims, std::vector<int64_t>{4});
  EXPECT_NEAR(x->reals[0], 0.117246, 1e-6);
  EXPECT_NEAR(x->reals[3], 0.26945, 1e-5);
  EXPECT_NEAR(drawn->find("z")->reals[0], 0.957482, 1e-6);
  // The matrix row by row, as Stan JSON holds it.
  const runtime::DataValue* M = drawn->find("M");
  ASSERT_TRUE(M);
  EXPECT_EQ(M->dims, (std::vector<int64_t>{2, 3}));
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j) EXPECT_NEAR(M->reals[i * 3 + j], 10 * (i + 1) + (j + 1), 1e-3) << i << ", " << j;
  const runtime::DataValue* counts = drawn->find("counts");
  ASSERT_TRUE(counts && counts->is_int);
  EXPECT_EQ(counts->ints.size(), 3u);
  EXPECT_EQ(drawn->find("K")->ints, std::vector<int64_t>{2});
  // Another seed, other draws.
  Expected<runtime::DataSet> other = tools::with_transformed_data_draws(*m.ast, *data, 1);
  ASSERT_TRUE(other);
  EXPECT_NE(other->find("z")->reals[0], drawn->find("z")->reals[0]);
}

TEST(TransformedDataDraws, EveryFunctionSeesTheSameValues) {
  auto m = testing_util::compile_source("td", kModel, R"({"N": 4})");
  ASSERT_TRUE(m);
  const runtime::DataValue& x = *m->data.find("x");
  const runtime::DataValue& M = *m->data.find("M");
  const double theta[] = {0.3, -0.2, 0.4};
  double grad[3];
  runtime::EvalError error = 0;
  const double lp = m->model().lp_grad(theta, grad, &error);
  ASSERT_EQ(error, 0);
  double expected = 0, d_mu = 0;
  for (double xi : x.reals) {
    expected += -0.5 * (xi - theta[0]) * (xi - theta[0]);
    d_mu += xi - theta[0];
  }
  for (int i = 0; i < 2; ++i) expected += -0.5 * std::pow(theta[1 + i] - M.reals[i * 3 + 1], 2);
  EXPECT_NEAR(lp, expected, 1e-12);
  EXPECT_NEAR(grad[0], d_mu, 1e-12);
  EXPECT_NEAR(grad[1], M.reals[1] - theta[1], 1e-12);
  for (int draw = 0; draw < 3; ++draw) {
    std::map<std::string, double> out = testing_util::constrained_outputs(m->model(), {0.3, -0.2, 0.4});
    EXPECT_EQ(out.at("z_out"), m->data.find("z")->reals[0]);
    EXPECT_EQ(out.at("x1"), x.reals[0]);
    EXPECT_EQ(out.at("m23"), M.reals[5]);
    EXPECT_EQ(out.at("c3"), m->data.find("counts")->ints[2]);
  }
  testing_util::expect_gradcheck_passes(m->model(), 2, "td");
}

TEST(TransformedDataDraws, TheSeedOfTheFitDecidesThem) {
  const char* model = "transformed data { real z = normal_rng(0, 1); }\nparameters { real mu; }\n"
                      "model { mu ~ normal(z, 1); }\ngenerated quantities { real z_out = z; }\n";
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / ("vic_td_seed_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "m.vmodel") << model;
  auto z_of = [&](const char* seed) {
    testing_util::VicRun r = testing_util::run_vic(dir, {"optimize", "m.vmodel", "--seed", seed, "--output", "o.csv"});
    EXPECT_EQ(r.status, 0) << r.err;
    const std::string csv = testing_util::read_file((dir / "o.csv").string());
    const std::string last = csv.substr(csv.rfind('\n', csv.size() - 2) + 1);
    return std::stod(last.substr(last.rfind(',') + 1));
  };
  // mu's mode is z, and z_out is z.
  EXPECT_EQ(z_of("5"), z_of("5"));
  EXPECT_NE(z_of("5"), z_of("6"));
  std::filesystem::remove_all(dir);
}

TEST(TransformedDataDraws, AFailureInTheBlockIsReported) {
  testing_util::VicRun r = testing_util::run_vic_with_files(
      {"fit", "m.vmodel", "--quiet"},
      {{"m.vmodel", "transformed data {\n  real z = normal_rng(0, -1);\n}\nparameters { real mu; }\nmodel { mu ~ normal(0, 1); }\n"}});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "error: transformed data: m.vmodel:2:12: normal_rng: Scale parameter must be positive\n");
}

}  // namespace
}  // namespace vic
