// Variational families on the unconstrained scale: q(zeta) with zeta = T(phi, eta)
// for eta ~ N(0, I), phi the family's parameters. What a fitting algorithm
// needs of a family, and nothing about how it is fitted: the reparameterised
// draw, the chain rule from d log p / d zeta back to phi, the entropy and its
// gradient, and log q at a draw. Mean-field and full-rank Gaussians are here;
// a low-rank or normalising-flow family implements the same interface.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace vic::runtime {

// zeta = shift + A z with A lower triangular: diagonal (matrix holds dim
// values) or dense (dim x dim, column-major). The coordinates a fit works in.
struct AffineMap {
  std::vector<double> shift;
  std::vector<double> matrix;

  bool is_diagonal() const { return matrix.size() == shift.size(); }
  void apply(const double* z, double* zeta) const;
  // grad_z = A' grad_zeta.
  void pull_back(const double* grad_zeta, double* grad_z) const;
  double log_det() const;
};

class VariationalFamily {
 public:
  virtual ~VariationalFamily() = default;

  // "meanfield", "fullrank".
  virtual std::string name() const = 0;
  // Dimension of zeta.
  virtual size_t dim() const = 0;
  // Number of variational parameters phi.
  virtual size_t num_parameters() const = 0;

  // zeta = T(phi, eta).
  virtual void transform(const double* phi, const double* eta, double* zeta) const = 0;
  // grad_phi += (d zeta / d phi)' grad_zeta at eta: one draw's term of the
  // reparameterisation gradient of E_q[log p].
  virtual void add_pullback(const double* phi, const double* eta, const double* grad_zeta, double* grad_phi) const = 0;
  // grad_zeta -= d log q(zeta) / d zeta at zeta = T(phi, eta), phi held
  // fixed, which is -Sigma^-1 (zeta - mu) = -L^-T eta. Applied to d log p /
  // d zeta it gives the "sticking the landing" gradient (Roeder, Wu and
  // Duvenaud 2017), whose variance vanishes where q equals the posterior.
  virtual void subtract_log_density_gradient(const double* phi, const double* eta, double* grad_zeta) const = 0;
  // The entropy of q, and grad_phi += its gradient.
  virtual double entropy(const double* phi) const = 0;
  virtual void add_entropy_gradient(const double* phi, double* grad_phi) const = 0;
  // log q(T(phi, eta)).
  double log_density(const double* phi, const double* eta) const;
  // (zeta - mu)' Sigma^-1 (zeta - mu): how many sds (squared) zeta is from q's mean.
  virtual double squared_distance(const double* phi, const double* zeta) const = 0;

  // phi for the Gaussian N(mean, covariance) (covariance dim x dim,
  // column-major, positive definite); a mean-field family keeps its diagonal.
  virtual std::vector<double> parameters_for(const std::vector<double>& mean,
                                             const std::vector<double>& covariance) const = 0;
  // The parameters of the image of q under `map`, in place. A mean-field
  // family takes a diagonal map only.
  virtual void map_affine(double* phi, const AffineMap& map) const = 0;
  // The mean of zeta and the standard deviation of each coordinate.
  virtual std::vector<double> mean(const double* phi) const = 0;
  virtual std::vector<double> marginal_sds(const double* phi) const = 0;
  // The covariance of zeta, dim x dim, column-major.
  virtual std::vector<double> covariance(const double* phi) const = 0;
};

// zeta = mu + exp(omega) .* eta; phi = (mu, omega). Stan's normal_meanfield.
std::unique_ptr<VariationalFamily> make_meanfield_family(size_t dim);
// zeta = mu + L eta with L lower triangular, its diagonal exp(lambda) so that
// it stays positive; phi = (mu, lambda, the strictly lower part row by row).
std::unique_ptr<VariationalFamily> make_fullrank_family(size_t dim);

}  // namespace vic::runtime
