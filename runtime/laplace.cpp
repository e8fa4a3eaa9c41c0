// negative_hessian and laplace_approximation: finite differences of the
// gradient, then the Cholesky factor and the inverse (runtime/dense_matrix.h).
#include "runtime/laplace.h"

#include "runtime/dense_matrix.h"

#include <cmath>

namespace vic::runtime {

Expected<std::vector<double>> negative_hessian(const Model& model, const std::vector<double>& theta,
                                               double epsilon) {
  const size_t n = theta.size();
  std::vector<double> h(n * n), up(n), down(n), x = theta;
  for (size_t j = 0; j < n; ++j) {
    EvalError error_up = 0, error_down = 0;
    x[j] = theta[j] + epsilon;
    model.lp_grad(x.data(), up.data(), &error_up);
    x[j] = theta[j] - epsilon;
    model.lp_grad(x.data(), down.data(), &error_down);
    x[j] = theta[j];
    if (error_up != 0 || error_down != 0) {
      return Error{"the Hessian at the mode cannot be computed: " +
                   model.describe_error(error_up != 0 ? error_up : error_down)};
    }
    for (size_t i = 0; i < n; ++i) h[i + j * n] = -(up[i] - down[i]) / (2 * epsilon);
  }
  for (size_t j = 0; j < n; ++j)
    for (size_t i = 0; i < j; ++i) h[i + j * n] = h[j + i * n] = 0.5 * (h[i + j * n] + h[j + i * n]);
  for (double v : h)
    if (!std::isfinite(v)) return Error{"the Hessian at the mode is not finite"};
  return h;
}

Expected<ViResult> laplace_approximation(const Model& model, const std::vector<double>& mode) {
  Expected<std::vector<double>> precision = negative_hessian(model, mode);
  if (!precision) return Error{precision.error()};
  std::vector<double> covariance = precision.take();
  if (!cholesky_lower(mode.size(), covariance)) {
    return Error{"the negative Hessian at the mode is not positive definite: the point is not a mode, or the "
                 "posterior is improper or flat there"};
  }
  inverse_from_cholesky(mode.size(), covariance);
  ViResult result;
  result.family = make_fullrank_family(mode.size());
  result.phi = result.family->parameters_for(mode, covariance);
  result.converged = true;
  result.start = "the mode";
  result.num_lp_grad_calls = 2 * static_cast<int64_t>(mode.size());
  return result;
}

}  // namespace vic::runtime
