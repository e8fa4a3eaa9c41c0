// negative_hessian and laplace_approximation: finite differences of the
// gradient, then LAPACK's Cholesky and inverse (OpenBLAS).
#include "runtime/laplace.h"

#include <cmath>

extern "C" {
void dpotrf_(const char* uplo, const int* n, double* a, const int* lda, int* info, size_t uplo_length);
void dpotri_(const char* uplo, const int* n, double* a, const int* lda, int* info, size_t uplo_length);
}

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
  int n = static_cast<int>(mode.size());
  int info = 0;
  if (n > 0) dpotrf_("L", &n, covariance.data(), &n, &info, 1);
  if (info != 0) {
    return Error{"the negative Hessian at the mode is not positive definite: the point is not a mode, or the "
                 "posterior is improper or flat there"};
  }
  if (n > 0) dpotri_("L", &n, covariance.data(), &n, &info, 1);
  for (int j = 0; j < n; ++j)
    for (int i = 0; i < j; ++i) covariance[i + j * n] = covariance[j + i * n];
  ViResult result;
  result.family = make_fullrank_family(mode.size());
  result.phi = result.family->parameters_for(mode, covariance);
  result.converged = true;
  result.start = "the mode";
  result.num_lp_grad_calls = 2 * static_cast<int64_t>(mode.size());
  return result;
}

}  // namespace vic::runtime
