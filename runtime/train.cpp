// Training a program with a guide (runtime/train.h).
#include "runtime/train.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

#include <boost/random/uniform_real_distribution.hpp>

extern "C" void openblas_set_num_threads(int num_threads);  // OpenBLAS's own, beside cblas

namespace vic::runtime {
namespace {

// Adam's state, and one step on the gradient of the loss (PyTorch's update).
class Adam {
 public:
  Adam(size_t dim, const TrainOptions& o) : m_(dim, 0.0), v_(dim, 0.0), o_(o) {}

  void step(std::vector<double>& w, const std::vector<double>& loss_gradient) {
    ++t_;
    const double correction1 = 1 - std::pow(o_.beta1, static_cast<double>(t_));
    const double correction2 = 1 - std::pow(o_.beta2, static_cast<double>(t_));
    const double step_size = o_.learning_rate / correction1;
    const double root_correction2 = std::sqrt(correction2);
    const double beta1 = o_.beta1, beta2 = o_.beta2, epsilon = o_.epsilon;
    double* m = m_.data();
    double* v = v_.data();
    double* x = w.data();
    const double* grad = loss_gradient.data();
    // One pass the compiler vectorises (train.cpp is built without errno from sqrt).
    for (size_t i = 0; i < w.size(); ++i) {
      const double g = grad[i];
      m[i] = beta1 * m[i] + (1 - beta1) * g;
      v[i] = beta2 * v[i] + (1 - beta2) * g * g;
      x[i] -= step_size * m[i] / (std::sqrt(v[i]) / root_correction2 + epsilon);
    }
  }

 private:
  std::vector<double> m_, v_;
  const TrainOptions& o_;
  int64_t t_ = 0;
};

Status evaluation_error(const GuideModel& model, EvalError error) {
  return Error{"the ELBO cannot be evaluated: " + model.describe_error(error)};
}

}  // namespace

void set_matrix_product_threads(int threads) { openblas_set_num_threads(threads); }

std::vector<double> initial_weights(const GuideModel& model, Rng& rng) {
  std::vector<double> w(model.dim(), 0.0);
  for (const NetworkShape& n : model.networks()) {
    size_t at = static_cast<size_t>(n.offset);
    for (size_t k = 0; k + 1 < n.sizes.size(); ++k) {
      const double bound = 1 / std::sqrt(static_cast<double>(n.sizes[k]));
      boost::random::uniform_real_distribution<double> uniform(-bound, bound);
      const size_t count = static_cast<size_t>((n.sizes[k] + 1) * n.sizes[k + 1]);
      for (size_t i = 0; i < count; ++i) w[at + i] = uniform(rng);
      at += count;
    }
  }
  return w;
}

Expected<double> mean_elbo(const GuideModel& model, const std::vector<double>& weights, int64_t batch_size, Rng& rng) {
  const int64_t n = static_cast<int64_t>(model.num_items());
  double total = 0;
  std::vector<double> eps;
  for (int64_t first = 0; first < n; first += batch_size) {
    std::vector<int64_t> items(static_cast<size_t>(std::min(batch_size, n - first)));
    std::iota(items.begin(), items.end(), first);
    eps.resize(items.size() * model.normals_per_item());
    standard_normals(rng, eps.data(), eps.size());
    EvalError error = 0;
    const double value = model.elbo(weights.data(), items, eps.data(), &error);
    if (error) return Error{evaluation_error(model, error).error()};
    // The estimate is scaled to all N items; this minibatch's own sum is B / N of it.
    total += value * static_cast<double>(items.size()) / static_cast<double>(n);
  }
  return n > 0 ? total / static_cast<double>(n) : NAN;
}

Expected<double> iwae_bound(const GuideModel& model, const std::vector<double>& weights, int64_t k, Rng& rng,
                            int64_t max_slots) {
  const int64_t n = static_cast<int64_t>(model.num_items());
  const int64_t items_per_call = std::max<int64_t>(1, max_slots / std::max<int64_t>(k, 1));
  double total = 0;
  std::vector<double> eps, log_w;
  for (int64_t first = 0; first < n; first += items_per_call) {
    const int64_t count = std::min(items_per_call, n - first);
    // Each item k times, draw after draw.
    std::vector<int64_t> slots;
    for (int64_t i = first; i < first + count; ++i) slots.insert(slots.end(), static_cast<size_t>(k), i);
    eps.resize(slots.size() * model.normals_per_item());
    standard_normals(rng, eps.data(), eps.size());
    log_w.assign(slots.size(), 0.0);
    EvalError error = 0;
    model.log_weights(weights.data(), slots, eps.data(), log_w.data(), &error);
    if (error) return Error{evaluation_error(model, error).error()};
    for (int64_t i = 0; i < count; ++i) {
      const double* w = log_w.data() + i * k;
      const double top = *std::max_element(w, w + k);
      double s = 0;
      for (int64_t j = 0; j < k; ++j) s += std::exp(w[j] - top);
      total += top + std::log(s) - std::log(static_cast<double>(k));
    }
  }
  return n > 0 ? total / static_cast<double>(n) : NAN;
}

Status train(const GuideModel& model, const GuideModel* test, const TrainOptions& options, std::vector<double>& weights,
             const std::function<void(const EpochReport&)>& on_epoch) {
  Rng rng(options.seed);
  Adam adam(model.dim(), options);
  const int64_t n = static_cast<int64_t>(model.num_items());
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::vector<double> grad(model.dim()), eps;
  for (int epoch = 1; epoch <= options.epochs; ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    std::shuffle(order.begin(), order.end(), rng);
    double total = 0;
    for (int64_t first = 0; first < n; first += options.batch_size) {
      std::vector<int64_t> items(order.begin() + first, order.begin() + std::min(n, first + options.batch_size));
      eps.resize(items.size() * model.normals_per_item());
      standard_normals(rng, eps.data(), eps.size());
      EvalError error = 0;
      const double value = model.elbo_gradient(weights.data(), items, eps.data(), grad.data(), &error);
      if (error) return evaluation_error(model, error);
      if (!std::isfinite(value)) return Error{"the ELBO is not finite at epoch " + std::to_string(epoch)};
      // The loss is the minibatch's summed negative ELBO (PyTorch's), B / N of the estimate.
      const double scale = -static_cast<double>(items.size()) / static_cast<double>(n);
      for (double& g : grad) g *= scale;
      adam.step(weights, grad);
      total += value * static_cast<double>(items.size()) / static_cast<double>(n);
    }
    EpochReport report;
    report.epoch = epoch;
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    report.train_elbo = total / static_cast<double>(n);
    report.test_elbo = NAN;
    if (test) {
      Expected<double> elbo = mean_elbo(*test, weights, options.batch_size, rng);
      if (!elbo) return Error{elbo.error()};
      report.test_elbo = *elbo;
    }
    on_epoch(report);
  }
  return Status::ok();
}

}  // namespace vic::runtime
