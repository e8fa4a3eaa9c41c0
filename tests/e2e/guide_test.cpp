// Networks, latents and the guide (vic train): the compiled minibatch ELBO of
// a small VAE against the same ELBO written out in C++ for each activation, its
// gradient against finite differences, training on scikit-learn's digits
// improving the held-out ELBO and repeating bit for bit, and the weights file.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <tuple>

#include <boost/math/distributions/normal.hpp>

#include "runtime/data.h"
#include "runtime/format.h"
#include "runtime/train.h"
#include "runtime/weights_file.h"
#include "test_util.h"
#include "vic_process.h"
#include "tools/transformed_data_draws.h"

namespace vic {
namespace {

const double kLogSqrt2Pi = 0.5 * std::log(2 * std::acos(-1.0));

// A VAE with D pixels, H hidden units and K latent dimensions, both networks'
// hidden layers applying `activation`.
std::string vae_source(const std::string& activation) {
  return R"(data {
  int<lower=1> N;
  int<lower=1> D;
  array[N] vector[D] x;
}
transformed data {
  int K = 2;
  int H = 3;
}
network encoder = mlp(D -> H -> 2 * K, activation = )" +
         activation + R"();
network decoder = mlp(K -> H -> D, activation = )" +
         activation + R"();
parameters {
  latent array[N] vector[K] z;
}
model {
  for (n in 1:N) {
    z[n] ~ std_normal();
    vector[D] logits = decoder(z[n]);
    target += dot_product(x[n], logits) - sum(log1p_exp(logits));
  }
}
guide {
  for (n in 1:N) {
    vector[2 * K] h = encoder(x[n]);
    z[n] ~ normal(h[1:K], exp(0.5 * h[K + 1:2 * K]));
  }
}
)";
}

constexpr const char* kData = R"({"N": 5, "D": 4, "x": [[0.1, 0.9, 0.5, 0], [1, 0.25, 0.75, 0.5],
  [0, 0, 1, 0.3], [0.6, 0.2, 0.1, 0.8], [0.4, 0.4, 0.9, 0.05]]})";
constexpr int kN = 5, kD = 4, kK = 2, kH = 3;

struct CompiledGuide {
  tools::CheckedModel checked;
  tools::CompiledGuideModel compiled;
  const runtime::GuideModel& model() const { return *compiled.model; }
};

std::unique_ptr<CompiledGuide> compile_guide(const std::string& source, const std::string& json,
                                             bool batch_plates = true) {
  auto m = std::make_unique<CompiledGuide>();
  m->checked = tools::check_model_source("vae", source);
  if (!m->checked.ast) {
    ADD_FAILURE() << m->checked.diagnostics.str();
    return nullptr;
  }
  Expected<runtime::DataSet> data =
      runtime::read_stan_json(json, "vae.json", tools::data_declarations(*m->checked.ast));
  if (!data) {
    ADD_FAILURE() << data.error();
    return nullptr;
  }
  lower::LowerOptions lowering;
  lowering.batch_plates = batch_plates;
  Expected<tools::CompiledGuideModel> compiled = tools::compile_guide_model(*m->checked.ast, *data, {}, lowering);
  if (!compiled) {
    ADD_FAILURE() << compiled.error();
    return nullptr;
  }
  m->compiled = compiled.take();
  return m;
}

double activate(const std::string& a, double x) {
  if (a == "relu") return x > 0 ? x : 0;
  if (a == "tanh") return std::tanh(x);
  if (a == "sigmoid") return 1 / (1 + std::exp(-x));
  if (a == "softplus") return std::log1p(std::exp(x));
  if (a == "elu") return x > 0 ? x : std::expm1(x);
  return x;
}

// One dense layer, W (out x in, row-major) then b, read from w at `at`.
std::vector<double> dense(const std::vector<double>& w, size_t& at, const std::vector<double>& in, int out,
                          const std::string& activation) {
  std::vector<double> y(static_cast<size_t>(out));
  const size_t n = in.size();
  for (int i = 0; i < out; ++i) {
    double s = w[at + n * static_cast<size_t>(out) + static_cast<size_t>(i)];  // the bias
    for (size_t j = 0; j < n; ++j) s += w[at + static_cast<size_t>(i) * n + j] * in[j];
    y[static_cast<size_t>(i)] = activate(activation, s);
  }
  at += (n + 1) * static_cast<size_t>(out);
  return y;
}

double normal_lpdf(double y, double mu, double sigma) {
  const double z = (y - mu) / sigma;
  return -0.5 * z * z - std::log(sigma) - kLogSqrt2Pi;
}

// Each slot's log p(x, z) - log q(z | x) as the program defines it, written out.
std::vector<double> expected_log_weights(const std::string& activation, const std::vector<double>& w,
                                         const std::vector<double>& x, const std::vector<int64_t>& items,
                                         const std::vector<double>& eps) {
  std::vector<double> out;
  for (size_t b = 0; b < items.size(); ++b) {
    std::vector<double> xn(x.begin() + items[b] * kD, x.begin() + (items[b] + 1) * kD);
    size_t at = 0;
    std::vector<double> h = dense(w, at, dense(w, at, xn, kH, activation), 2 * kK, "identity");
    double log_q = 0, log_p = 0;
    std::vector<double> z(kK);
    for (int k = 0; k < kK; ++k) {
      const double sd = std::exp(0.5 * h[kK + k]);
      z[k] = h[k] + sd * eps[b * kK + k];
      log_q += normal_lpdf(z[k], h[k], sd);
      log_p += normal_lpdf(z[k], 0, 1);
    }
    std::vector<double> logits = dense(w, at, dense(w, at, z, kH, activation), kD, "identity");
    for (int d = 0; d < kD; ++d) log_p += xn[d] * logits[d] - std::log1p(std::exp(logits[d]));
    out.push_back(log_p - log_q);
  }
  return out;
}

// The training ELBO estimate of the minibatch, scaled by N / B: the guide's
// entropy in closed form, and the prior's expectation under the guide too
// when `closed_form_prior` (a batched plate), else at the draw.
double expected_elbo(const std::string& activation, const std::vector<double>& w, const std::vector<double>& x,
                     const std::vector<int64_t>& items, const std::vector<double>& eps, bool closed_form_prior) {
  double total = 0;
  for (size_t b = 0; b < items.size(); ++b) {
    std::vector<double> xn(x.begin() + items[b] * kD, x.begin() + (items[b] + 1) * kD);
    size_t at = 0;
    std::vector<double> h = dense(w, at, dense(w, at, xn, kH, activation), 2 * kK, "identity");
    std::vector<double> z(kK);
    for (int k = 0; k < kK; ++k) {
      const double sd = std::exp(0.5 * h[kK + k]);
      z[k] = h[k] + sd * eps[b * kK + k];
      total += std::log(sd) + 0.5 * std::log(2 * M_PI * M_E);  // H(q)
      total += closed_form_prior ? -0.5 * (h[k] * h[k] + sd * sd) - kLogSqrt2Pi : normal_lpdf(z[k], 0, 1);
    }
    std::vector<double> logits = dense(w, at, dense(w, at, z, kH, activation), kD, "identity");
    for (int d = 0; d < kD; ++d) total += xn[d] * logits[d] - std::log1p(std::exp(logits[d]));
  }
  return total * kN / static_cast<double>(items.size());
}

std::vector<double> data_x() {
  return {0.1, 0.9, 0.5, 0, 1, 0.25, 0.75, 0.5, 0, 0, 1, 0.3, 0.6, 0.2, 0.1, 0.8, 0.4, 0.4, 0.9, 0.05};
}

// Each activation, with the plate loops lowered for the whole minibatch (matrix
// products) and item by item (matrix-vector products).
class ActivationTest : public ::testing::TestWithParam<std::tuple<const char*, bool>> {};

TEST_P(ActivationTest, ElboMatchesTheProgramWrittenOutAndItsGradientMatchesFiniteDifferences) {
  const std::string activation = std::get<0>(GetParam());
  auto m = compile_guide(vae_source(activation), kData, std::get<1>(GetParam()));
  ASSERT_TRUE(m);
  const runtime::GuideModel& model = m->model();
  // Encoder (4 + 1) x 3 + (3 + 1) x 4, decoder (2 + 1) x 3 + (3 + 1) x 4.
  ASSERT_EQ(model.dim(), 31u + 25u);
  ASSERT_EQ(model.num_items(), 5u);
  ASSERT_EQ(model.normals_per_item(), 2u);
  ASSERT_EQ(model.networks().size(), 2u);
  EXPECT_EQ(model.networks()[1].offset, 31);
  Rng rng(7);
  std::vector<double> w = runtime::initial_weights(model, rng);
  for (double& v : w) v *= 2;  // away from zero, where relu's kink is
  const std::vector<int64_t> items{3, 0, 4};
  std::vector<double> eps(items.size() * 2);
  standard_normals(rng, eps.data(), eps.size());

  runtime::EvalError error = 0;
  const double value = model.elbo(w.data(), items, eps.data(), &error);
  ASSERT_EQ(error, 0) << model.describe_error(error);
  EXPECT_NEAR(value, expected_elbo(activation, w, data_x(), items, eps, std::get<1>(GetParam())),
              1e-10 * std::abs(value));

  std::vector<double> log_w(items.size());
  model.log_weights(w.data(), items, eps.data(), log_w.data(), &error);
  ASSERT_EQ(error, 0) << model.describe_error(error);
  const std::vector<double> expected_w = expected_log_weights(activation, w, data_x(), items, eps);
  for (size_t b = 0; b < items.size(); ++b) EXPECT_NEAR(log_w[b], expected_w[b], 1e-10 * std::abs(expected_w[b]));

  // The guide's codes (eps = 0: each item's location mu) and the decoder on them.
  std::vector<double> zeros(eps.size(), 0.0), codes(eps.size());
  model.latents(w.data(), items, zeros.data(), codes.data(), &error);
  ASSERT_EQ(error, 0) << model.describe_error(error);
  std::vector<double> decoded(items.size() * kD);
  model.network(1, w.data(), codes.data(), items.size(), decoded.data(), &error);
  ASSERT_EQ(error, 0) << model.describe_error(error);
  const std::vector<double> x = data_x();
  for (size_t b = 0; b < items.size(); ++b) {
    std::vector<double> xn(x.begin() + items[b] * kD, x.begin() + (items[b] + 1) * kD);
    size_t at = 0;
    std::vector<double> h = dense(w, at, dense(w, at, xn, kH, activation), 2 * kK, "identity");
    std::vector<double> z(h.begin(), h.begin() + kK);
    for (int k = 0; k < kK; ++k) EXPECT_NEAR(codes[b * kK + k], z[k], 1e-12 * std::max(1.0, std::abs(z[k])));
    std::vector<double> logits = dense(w, at, dense(w, at, z, kH, activation), kD, "identity");
    for (int d = 0; d < kD; ++d)
      EXPECT_NEAR(decoded[b * kD + d], logits[d], 1e-12 * std::max(1.0, std::abs(logits[d])));
  }

  std::vector<double> grad(w.size());
  const double with_gradient = model.elbo_gradient(w.data(), items, eps.data(), grad.data(), &error);
  ASSERT_EQ(error, 0);
  EXPECT_DOUBLE_EQ(with_gradient, value);
  for (size_t i = 0; i < w.size(); ++i) {
    const double h = 1e-6;
    std::vector<double> up = w, down = w;
    up[i] += h;
    down[i] -= h;
    const double fd = (model.elbo(up.data(), items, eps.data(), &error) -
                       model.elbo(down.data(), items, eps.data(), &error)) /
                      (2 * h);
    EXPECT_NEAR(grad[i], fd, 1e-6 * std::max(1.0, std::abs(fd))) << activation << " weight " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Guide, ActivationTest,
                         ::testing::Combine(::testing::Values("relu", "tanh", "sigmoid", "softplus", "elu", "identity"),
                                            ::testing::Bool()));

// The batched lowering of a plate loop is the item-by-item one's arithmetic
// reordered: the same ELBO and gradient, to rounding, on a body with slices,
// elements, sums, dot products, locals and data reals (and a loop with a
// statement the batched lowering does not take, which runs item by item).
TEST(Guide, BatchedPlatesAgreeWithItemByItem) {
  const std::string source = R"(data {
  int N;
  int D;
  array[N] vector[D] x;
  array[N] real w;
}
network enc = mlp(D -> 5 -> 4, activation = softplus);
network dec = mlp(2 -> 5 -> D, activation = tanh, output = sigmoid);
parameters {
  latent array[N] vector[2] z;
}
model {
  for (n in 1:N) {
    vector[D] p = dec(z[n]);
    real s = sum(p) * 0.5 + dot_product(p, x[n]) - w[n];
    z[n] ~ normal(0, 1.5);
    x[n] ~ normal(p, 0.3);
    target += -square(s) / 10 + p[2] - 0.1 * sum(log1p_exp(-p .* x[n]));
  }
  for (n in 1:N) {
    if (w[n] > 0) target += z[n][1];
  }
}
guide {
  for (n in 1:N) {
    vector[4] h = enc(x[n] * 2 - 1);
    z[n] ~ normal(h[1:2] - 0.5, exp(h[3:4]) + 0.1);
  }
}
)";
  const std::string data = R"({"N": 5, "D": 4, "w": [0.5, -1, 2, 0.25, -0.75], "x": [[0.1, 0.9, 0.5, 0],
    [1, 0.25, 0.75, 0.5], [0, 0, 1, 0.3], [0.6, 0.2, 0.1, 0.8], [0.4, 0.4, 0.9, 0.05]]})";
  auto batched = compile_guide(source, data, true);
  auto item_by_item = compile_guide(source, data, false);
  ASSERT_TRUE(batched && item_by_item);
  Rng rng(11);
  std::vector<double> w = runtime::initial_weights(batched->model(), rng);
  const std::vector<int64_t> items{4, 1, 2};
  std::vector<double> eps(6);
  standard_normals(rng, eps.data(), eps.size());
  std::vector<double> g1(w.size()), g2(w.size());
  runtime::EvalError e1 = 0, e2 = 0;
  const double v1 = batched->model().elbo_gradient(w.data(), items, eps.data(), g1.data(), &e1);
  const double v2 = item_by_item->model().elbo_gradient(w.data(), items, eps.data(), g2.data(), &e2);
  ASSERT_EQ(e1, 0) << batched->model().describe_error(e1);
  ASSERT_EQ(e2, 0) << item_by_item->model().describe_error(e2);
  EXPECT_NEAR(v1, v2, 1e-12 * std::abs(v2));
  for (size_t i = 0; i < w.size(); ++i) EXPECT_NEAR(g1[i], g2[i], 1e-11 * std::max(1.0, std::abs(g2[i]))) << i;
  // Each slot's log weight (at the draws: no closed forms), the same both ways.
  std::vector<double> w1(items.size()), w2(items.size());
  batched->model().log_weights(w.data(), items, eps.data(), w1.data(), &e1);
  item_by_item->model().log_weights(w.data(), items, eps.data(), w2.data(), &e2);
  ASSERT_EQ(e1 + e2, 0);
  for (size_t b = 0; b < items.size(); ++b) EXPECT_NEAR(w1[b], w2[b], 1e-11 * std::abs(w2[b])) << b;
}

}  // namespace
}  // namespace vic

namespace vic {
namespace {

std::unique_ptr<CompiledGuide> compile_digits(const std::string& split) {
  return compile_guide(testing_util::read_file(testing_util::example_path("vae/digits/model.vmodel")),
                       testing_util::read_file(testing_util::example_path("vae/digits/" + split + ".json")));
}

// Two epochs of the digits VAE: the held-out ELBO per image rises by more
// than 8 nats from the initial weights', and a second run with the same seed
// gives the same weights, bit for bit.
TEST(GuideTraining, DigitsImproveTheHeldOutElboAndRepeat) {
  auto train = compile_digits("train");
  auto test = compile_digits("test");
  ASSERT_TRUE(train && test);
  EXPECT_EQ(train->model().num_items(), 1500u);
  EXPECT_EQ(test->model().num_items(), 297u);
  EXPECT_EQ(train->model().dim(), (64u + 1) * 128 + (128 + 1) * 4 + (2 + 1) * 128 + (128 + 1) * 64);
  runtime::TrainOptions options;
  options.epochs = 2;
  options.seed = 3;
  auto run = [&](std::vector<runtime::EpochReport>& reports) {
    Rng rng(options.seed);
    std::vector<double> w = runtime::initial_weights(train->model(), rng);
    Status s = runtime::train(train->model(), &test->model(), options, w,
                              [&](const runtime::EpochReport& r) { reports.push_back(r); });
    EXPECT_TRUE(s) << s.error();
    return w;
  };
  Rng rng(options.seed);
  std::vector<double> initial = runtime::initial_weights(train->model(), rng);
  Expected<double> before = runtime::mean_elbo(test->model(), initial, 128, rng);
  ASSERT_TRUE(before) << before.error();
  std::vector<runtime::EpochReport> first, second;
  std::vector<double> w1 = run(first), w2 = run(second);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_GT(first[1].test_elbo, *before + 8) << "before " << *before;
  EXPECT_GT(first[1].train_elbo, first[0].train_elbo);
  EXPECT_EQ(w1, w2);
  EXPECT_EQ(first[1].test_elbo, second[1].test_elbo);
  // The IWAE bound tightens the ELBO (Burda et al.): with 50 draws per image, by 0.83 nats here.
  Rng iwae_rng(9);
  Expected<double> iwae = runtime::iwae_bound(test->model(), w1, 50, iwae_rng, 1000);
  ASSERT_TRUE(iwae) << iwae.error();
  EXPECT_GT(*iwae, first[1].test_elbo + 0.5) << "IWAE " << *iwae << ", ELBO " << first[1].test_elbo;
  EXPECT_LT(*iwae, first[1].test_elbo + 10);
}

TEST(GuideTraining, WeightsFileRoundTripsAndNamesWhatDoesNotMatch) {
  auto m = compile_guide(vae_source("relu"), kData);
  ASSERT_TRUE(m);
  Rng rng(5);
  std::vector<double> w = runtime::initial_weights(m->model(), rng);
  w[0] = 1.0 / 3;  // needs all 17 digits
  const std::string path = ::testing::TempDir() + "/vic_weights.json";
  {
    std::ofstream out(path);
    runtime::write_weights(out, m->model(), w);
  }
  Expected<std::vector<double>> read = runtime::read_weights(path, m->model());
  ASSERT_TRUE(read) << read.error();
  EXPECT_EQ(*read, w);

  auto other = compile_guide(vae_source("relu"), R"({"N": 1, "D": 3, "x": [[0, 1, 0]]})");
  ASSERT_TRUE(other);
  read = runtime::read_weights(path, other->model());
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error(), path + ": the network 'encoder' has sizes 4 -> 3 -> 4 in the file, 3 -> 3 -> 4 in the model");
  {
    std::ofstream out(path);
    out << "{\"networks\": []}";
  }
  read = runtime::read_weights(path, m->model());
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error(), path + ": not a vic weights file (it has no \"format\": \"vic-weights-1\" and \"networks\")");
  EXPECT_EQ(runtime::read_weights(path + ".missing", m->model()).error(),
            "cannot read the weights file '" + path + ".missing'");
}

}  // namespace
}  // namespace vic

namespace vic {
namespace {

// `vic train`: a line per epoch, the weights written and read back by --init;
// a model without a guide, and vic fit on a model with one, say what to use.
TEST(GuideCommandLine, TrainsWritesAndRestartsFromTheWeights) {
  testing_util::ScratchDir dir("vic_train");
  dir.write("vae.vmodel", vae_source("tanh"));
  dir.write("d.json", kData);
  testing_util::VicRun r =
      testing_util::run_vic(dir.path(), {"train", "vae.vmodel", "--data", "d.json", "--test", "d.json", "--epochs", "3",
                                         "--batch", "2", "--output", "w.json"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
  std::vector<std::string> lines;
  for (size_t at = 0, next; (next = r.out.find('\n', at)) != std::string::npos; at = next + 1)
    lines.push_back(r.out.substr(at, next - at));
  ASSERT_EQ(lines.size(), 5u) << r.out;
  EXPECT_EQ(lines[0], "epoch   seconds  train_elbo  test_elbo");
  EXPECT_EQ(lines[3].substr(0, 5), "    3");
  EXPECT_EQ(lines[4], "weights written to w.json");
  EXPECT_NE(dir.read("w.json").find("\"name\": \"decoder\", \"sizes\": [2, 3, 4]"), std::string::npos);
  r = testing_util::run_vic(dir.path(), {"train", "vae.vmodel", "--data", "d.json", "--epochs", "1", "--init", "w.json",
                                         "--output", "w2.json"});
  EXPECT_EQ(r.status, 0) << r.err;
  r = testing_util::run_vic(dir.path(), {"train", "vae.vmodel", "--data", "d.json", "--output", "vae.vmodel"});
  EXPECT_EQ(r.status, 2);

  dir.write("plain.vmodel", testing_util::kConvergingModel);
  r = testing_util::run_vic(dir.path(), {"train", "plain.vmodel", "--data", "d.json"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "error: plain.vmodel has no guide block: vic train learns a guide's networks; fit a model without "
                   "one with vic fit\n");
  r = testing_util::run_vic(dir.path(), {"fit", "vae.vmodel", "--data", "d.json"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "error: vae.vmodel: a model with networks or a guide is trained with vic train; vic fit, optimize "
                   "and gradcheck take models without them\n");
}

}  // namespace
}  // namespace vic

namespace vic {
namespace {

// A conditional VAE's inputs, a per-item one-hot label appended to the data and
// to the code: the batched plates agree with the item-by-item ones.
TEST(Guide, BatchedOneHotAndAppendRowAgreeWithItemByItem) {
  const std::string source = R"(data {
  int N;
  int D;
  array[N] vector[D] x;
  array[N] int<lower=0, upper=2> label;
}
network enc = mlp(D + 3 -> 5 -> 4, activation = tanh);
network dec = mlp(2 + 3 -> 5 -> D, activation = relu);
parameters {
  latent array[N] vector[2] z;
}
model {
  for (n in 1:N) {
    z[n] ~ std_normal();
    vector[D] l = dec(append_row(z[n], one_hot_vector(3, label[n] + 1)));
    target += dot_product(x[n], l) - sum(log1p_exp(l));
  }
}
guide {
  for (n in 1:N) {
    vector[4] h = enc(append_row(x[n], one_hot_vector(3, label[n] + 1)));
    z[n] ~ normal(h[1:2], exp(0.5 * h[3:4]));
  }
}
)";
  const std::string data = R"({"N": 5, "D": 4, "label": [2, 0, 1, 1, 0], "x": [[0.1, 0.9, 0.5, 0],
    [1, 0.25, 0.75, 0.5], [0, 0, 1, 0.3], [0.6, 0.2, 0.1, 0.8], [0.4, 0.4, 0.9, 0.05]]})";
  auto batched = compile_guide(source, data, true);
  auto item_by_item = compile_guide(source, data, false);
  ASSERT_TRUE(batched && item_by_item);
  Rng rng(13);
  std::vector<double> w = runtime::initial_weights(batched->model(), rng);
  const std::vector<int64_t> items{0, 3, 4, 2};
  std::vector<double> eps(8);
  standard_normals(rng, eps.data(), eps.size());
  // Item by item the prior is taken at the draw: compare the log weights, which both take there.
  std::vector<double> w1(items.size()), w2(items.size());
  runtime::EvalError e1 = 0, e2 = 0;
  batched->model().log_weights(w.data(), items, eps.data(), w1.data(), &e1);
  item_by_item->model().log_weights(w.data(), items, eps.data(), w2.data(), &e2);
  ASSERT_EQ(e1, 0) << batched->model().describe_error(e1);
  ASSERT_EQ(e2, 0) << item_by_item->model().describe_error(e2);
  for (size_t b = 0; b < items.size(); ++b) EXPECT_NEAR(w1[b], w2[b], 1e-11 * std::abs(w2[b])) << b;
  std::vector<double> g(w.size());
  const double v = batched->model().elbo_gradient(w.data(), items, eps.data(), g.data(), &e1);
  ASSERT_EQ(e1, 0);
  for (size_t i = 0; i < w.size(); i += 7) {
    const double h = 1e-6;
    std::vector<double> up = w, down = w;
    up[i] += h;
    down[i] -= h;
    const double fd = (batched->model().elbo(up.data(), items, eps.data(), &e1) -
                       batched->model().elbo(down.data(), items, eps.data(), &e1)) /
                      (2 * h);
    EXPECT_NEAR(g[i], fd, 1e-6 * std::max(1.0, std::abs(fd))) << i << " of ELBO " << v;
  }
}

// `vic encode` writes each item's code (the guide's location: eps = 0) and
// `vic decode` runs the decoder on codes from that file or from N(0, I): the
// values equal the compiled model's own, and a PNG grid is written.
TEST(GuideCommandLine, EncodeAndDecode) {
  testing_util::ScratchDir dir("vic_codes");
  dir.write("vae.vmodel", vae_source("relu"));
  dir.write("d.json", kData);
  testing_util::VicRun r = testing_util::run_vic(
      dir.path(), {"train", "vae.vmodel", "--data", "d.json", "--epochs", "2", "--batch", "2", "--output", "w.json"});
  ASSERT_EQ(r.status, 0) << r.err;
  r = testing_util::run_vic(dir.path(), {"encode", "vae.vmodel", "--data", "d.json", "--weights", "w.json", "--items",
                                         "3", "--output", "codes.csv"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "codes of 3 items written to codes.csv\n");
  auto m = compile_guide(vae_source("relu"), kData);
  ASSERT_TRUE(m);
  Expected<std::vector<double>> w = runtime::read_weights((dir.path() / "w.json").string(), m->model());
  ASSERT_TRUE(w) << w.error();
  std::vector<double> zeros(6, 0.0), codes(6);
  runtime::EvalError error = 0;
  m->model().latents(w->data(), {0, 1, 2}, zeros.data(), codes.data(), &error);
  ASSERT_EQ(error, 0);
  std::string expected = "item,z.1,z.2\n";
  for (int i = 0; i < 3; ++i)
    expected += std::to_string(i + 1) + "," + runtime::format_shortest(codes[2 * i]) + "," +
                runtime::format_shortest(codes[2 * i + 1]) + "\n";
  EXPECT_EQ(dir.read("codes.csv"), expected);

  r = testing_util::run_vic(dir.path(), {"decode", "vae.vmodel", "--data", "d.json", "--weights", "w.json", "--network",
                                         "decoder", "--codes", "codes.csv", "--link", "inv_logit", "--output", "x.csv",
                                         "--png", "x.png", "--originals", "x"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "decoded 3 codes with 'decoder' into x.csv and x.png\n");
  std::vector<double> logits(12);
  m->model().network(1, w->data(), codes.data(), 3, logits.data(), &error);
  const std::string csv = dir.read("x.csv");
  EXPECT_EQ(csv.substr(0, csv.find('\n')), "decoder.1,decoder.2,decoder.3,decoder.4");
  EXPECT_NE(csv.find("\n" + runtime::format_shortest(1 / (1 + std::exp(-logits[0]))) + ","), std::string::npos);
  EXPECT_EQ(dir.read("x.png").substr(1, 3), "PNG");

  r = testing_util::run_vic(dir.path(), {"decode", "vae.vmodel", "--data", "d.json", "--weights", "w.json", "--network",
                                         "decoder", "--prior", "5", "--png", "s.png"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "decoded 5 codes with 'decoder' into s.png\n");

  // A grid of 2-D codes, and codes followed by appended values, as the network sees them.
  r = testing_util::run_vic(dir.path(), {"decode", "vae.vmodel", "--data", "d.json", "--weights", "w.json", "--network",
                                         "decoder", "--grid", "3", "--output", "grid.csv"});
  ASSERT_EQ(r.status, 0) << r.err;
  // The first row's first two cells: (q(1/6), q(5/6)) and (q(1/2), q(5/6)), q the normal's quantile.
  const boost::math::normal standard;
  const double q1 = boost::math::quantile(standard, 1.0 / 6), q5 = boost::math::quantile(standard, 5.0 / 6);
  std::vector<double> grid_codes{q1, q5, boost::math::quantile(standard, 0.5), q5};
  std::vector<double> grid_out(8);
  m->model().network(1, w->data(), grid_codes.data(), 2, grid_out.data(), &error);
  const std::string grid = dir.read("grid.csv");
  std::stringstream rows(grid);
  std::string line;
  std::getline(rows, line);
  for (int k = 0; k < 2; ++k) {
    std::getline(rows, line);
    EXPECT_EQ(line.substr(0, line.find(',')), runtime::format_shortest(grid_out[4 * k])) << k;
  }
  r = testing_util::run_vic(dir.path(), {"decode", "vae.vmodel", "--data", "d.json", "--weights", "w.json", "--network",
                                         "decoder", "--codes", "one.csv", "--append", "0.25", "--output", "a.csv"});
  EXPECT_EQ(r.status, 1);  // no such file
  dir.write("one.csv", "item,z.1\n1,0.5\n");
  r = testing_util::run_vic(dir.path(), {"decode", "vae.vmodel", "--data", "d.json", "--weights", "w.json", "--network",
                                         "decoder", "--codes", "one.csv", "--append", "0.25", "--output", "a.csv"});
  ASSERT_EQ(r.status, 0) << r.err;
  std::vector<double> appended_in{0.5, 0.25}, appended_out(4);
  m->model().network(1, w->data(), appended_in.data(), 1, appended_out.data(), &error);
  const std::string a = dir.read("a.csv");
  EXPECT_EQ(a.substr(a.find('\n') + 1, a.find(',', a.find('\n')) - a.find('\n') - 1),
            runtime::format_shortest(appended_out[0]));
  r = testing_util::run_vic(dir.path(), {"decode", "vae.vmodel", "--data", "d.json", "--weights", "w.json", "--network",
                                         "decoder", "--grid", "3", "--append", "1"});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "error: --grid lays out 2-D codes; the network 'decoder' takes codes of 1\n");

  r = testing_util::run_vic(dir.path(), {"decode", "vae.vmodel", "--data", "d.json", "--weights", "w.json", "--network",
                                         "dekoder", "--prior", "5"});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "error: no network 'dekoder' in vae.vmodel; it has encoder, decoder\n");
  r = testing_util::run_vic(dir.path(), {"decode", "vae.vmodel", "--data", "d.json", "--weights", "w.json", "--network",
                                         "encoder", "--codes", "codes.csv"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "error: codes.csv:1: 3 columns; the network takes codes of 4 (after the item column)\n");
  r = testing_util::run_vic(dir.path(), {"decode", "vae.vmodel", "--data", "d.json", "--weights", "w.json", "--network",
                                         "decoder"});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "error: decode takes its codes from --codes FILE, draws --prior N of them or lays out a --grid N; "
                   "one of the three\n");
}

}  // namespace
}  // namespace vic
