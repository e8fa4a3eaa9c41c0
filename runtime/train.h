// Training a program with a guide (vic train): the networks' weights by Adam
// on minibatch ELBO estimates, as PyTorch trains a VAE.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "runtime/guide_model.h"
#include "support/expected.h"

namespace vic::runtime {

struct TrainOptions {
  int epochs = 10;
  int64_t batch_size = 128;
  // Adam, with PyTorch's defaults.
  double learning_rate = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double epsilon = 1e-8;
  uint64_t seed = 1;
  // The threads of the matrix products (OpenBLAS's); the rest runs on one.
  int threads = 1;
};

struct EpochReport {
  int epoch = 0;
  double seconds = 0;     // the training pass
  double train_elbo = 0;  // per item, the minibatch estimates summed over the epoch as they went
  double test_elbo = 0;   // per held-out item (one draw each); NaN without held-out data
};

// How many threads BLAS's matrix products use, for the whole process.
void set_matrix_product_threads(int threads);

// Weights and biases as torch.nn.Linear starts them: uniform on
// +-1/sqrt(fan_in), drawn layer after layer (weights, then bias) from `rng`.
std::vector<double> initial_weights(const GuideModel& model, Rng& rng);

// The ELBO per item of every item of `model`, in minibatches of `batch_size`,
// one draw of the latents each: an estimate of the mean ELBO.
Expected<double> mean_elbo(const GuideModel& model, const std::vector<double>& weights, int64_t batch_size, Rng& rng);

// The IWAE bound (Burda et al. 2016) per item of `model`: the mean over its
// items of log (1/k) sum_i p(x, z_i) / q(z_i | x), z_i ~ q(z | x), k draws per
// item; at most `max_slots` item-draws per call of the compiled function.
Expected<double> iwae_bound(const GuideModel& model, const std::vector<double>& weights, int64_t k, Rng& rng,
                            int64_t max_slots = 4096);

// Trains `weights` in place for options.epochs epochs, each a pass over the
// items of `train` in a fresh random order, minibatch after minibatch (the
// last one the remainder), one Adam step on each minibatch's summed negative
// ELBO; after each epoch the held-out ELBO (when `test` is given) and a call
// of `on_epoch`. The same seed gives the same weights, bit for bit.
Status train(const GuideModel& train, const GuideModel* test, const TrainOptions& options, std::vector<double>& weights,
             const std::function<void(const EpochReport&)>& on_epoch);

}  // namespace vic::runtime
