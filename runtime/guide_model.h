// The GuideModel interface: what vic train needs from a compiled program with
// a guide, and nothing about how it was compiled (codegen/ implements it).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/model.h"

namespace vic::runtime {

// A network's layer sizes and where its weights start among the learned
// values: per layer the weight matrix (out x in, row-major), then the bias.
struct NetworkShape {
  std::string name;
  std::vector<int64_t> sizes;
  int64_t offset = 0;
};

class GuideModel {
 public:
  virtual ~GuideModel() = default;
  // The learned values: every network's weights and biases.
  virtual size_t dim() const = 0;
  virtual const std::vector<NetworkShape>& networks() const = 0;
  // N, the data items of the plate, and how many standard normals the guide
  // draws per item (the latents' elements).
  virtual size_t num_items() const = 0;
  virtual size_t normals_per_item() const = 0;
  // The ELBO estimate of the minibatch `items` (0-based, distinct) at
  // `weights`, with `eps` the items' standard normals (items.size() x
  // normals_per_item(), item after item): log p(x, z) - log q(z | x) summed
  // over the minibatch and scaled by N / B. Writes its gradient into grad
  // (dim() values). A failed check returns -inf and sets *error.
  virtual double elbo_gradient(const double* weights, const std::vector<int64_t>& items, const double* eps,
                               double* grad, EvalError* error) const = 0;
  // The same without the gradient.
  virtual double elbo(const double* weights, const std::vector<int64_t>& items, const double* eps,
                      EvalError* error) const = 0;
  // The log importance weight of each slot of the minibatch, log p(x, z) -
  // log q(z | x) for its item and draw (its plates' terms), into out
  // (items.size() values).
  virtual void log_weights(const double* weights, const std::vector<int64_t>& items, const double* eps, double* out,
                           EvalError* error) const = 0;
  // The guide's draws of the slots' latents (normals_per_item() values each,
  // slot after slot); eps all zero gives each item's code, the guide's location.
  virtual void latents(const double* weights, const std::vector<int64_t>& items, const double* eps, double* out,
                       EvalError* error) const = 0;
  // networks()[index] applied to `count` inputs (its first size each, one
  // after another) into out (its last size each).
  virtual void network(size_t index, const double* weights, const double* in, size_t count, double* out,
                       EvalError* error) const = 0;
  // "model.vmodel:12:5: message" for a failed check.
  virtual std::string describe_error(EvalError error) const = 0;
};

}  // namespace vic::runtime
