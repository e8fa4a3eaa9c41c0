// The mean-field and full-rank Gaussian families: the reparameterisation, its
// pullback, and the entropy 0.5 dim (1 + log 2 pi) + log |det L|.
#include "runtime/variational_family.h"

#include "runtime/dense_matrix.h"

#include <cblas.h>

#include <cmath>
#include <numbers>

namespace vic::runtime {

namespace {

// Where row i of a strictly lower triangle starts when stored row by row.
size_t row_start(size_t i) { return i == 0 ? 0 : i * (i - 1) / 2; }

double gaussian_entropy_constant(size_t dim) {
  return 0.5 * static_cast<double>(dim) * (1.0 + std::log(2.0 * std::numbers::pi));
}

// What both Gaussian families share: phi = (mu, log of L's diagonal, ...),
// so the entropy is 0.5 dim (1 + log 2 pi) + sum of phi[dim, 2 dim).
class GaussianFamily : public VariationalFamily {
 public:
  explicit GaussianFamily(size_t dim) : dim_(dim) {}
  size_t dim() const override { return dim_; }
  double entropy(const double* phi) const override {
    double sum = gaussian_entropy_constant(dim_);
    for (size_t i = 0; i < dim_; ++i) sum += phi[dim_ + i];
    return sum;
  }
  void add_entropy_gradient(const double*, double* grad) const override {
    for (size_t i = 0; i < dim_; ++i) grad[dim_ + i] += 1.0;
  }
  std::vector<double> mean(const double* phi) const override { return {phi, phi + dim_}; }

 protected:
  size_t dim_;
};

class MeanField : public GaussianFamily {
 public:
  explicit MeanField(size_t dim) : GaussianFamily(dim) {}
  std::string name() const override { return "meanfield"; }
  size_t num_parameters() const override { return 2 * dim_; }

  void transform(const double* phi, const double* eta, double* zeta) const override {
    for (size_t i = 0; i < dim_; ++i) zeta[i] = phi[i] + std::exp(phi[dim_ + i]) * eta[i];
  }
  void add_pullback(const double* phi, const double* eta, const double* g, double* grad) const override {
    for (size_t i = 0; i < dim_; ++i) {
      grad[i] += g[i];
      grad[dim_ + i] += g[i] * eta[i] * std::exp(phi[dim_ + i]);
    }
  }
  void subtract_log_density_gradient(const double* phi, const double* eta, double* grad_zeta) const override {
    for (size_t i = 0; i < dim_; ++i) grad_zeta[i] += eta[i] * std::exp(-phi[dim_ + i]);
  }
  double squared_distance(const double* phi, const double* zeta) const override {
    double sum = 0;
    for (size_t i = 0; i < dim_; ++i) {
      const double z = (zeta[i] - phi[i]) * std::exp(-phi[dim_ + i]);
      sum += z * z;
    }
    return sum;
  }
  std::vector<double> parameters_for(const std::vector<double>& mean,
                                     const std::vector<double>& covariance) const override {
    std::vector<double> phi(2 * dim_);
    for (size_t i = 0; i < dim_; ++i) {
      phi[i] = mean[i];
      phi[dim_ + i] = 0.5 * std::log(covariance[i + i * dim_]);
    }
    return phi;
  }
  void map_affine(double* phi, const AffineMap& map) const override {
    // A diagonal map only: a dense one would correlate the coordinates.
    for (size_t i = 0; i < dim_; ++i) {
      phi[i] = map.shift[i] + map.matrix[i] * phi[i];
      phi[dim_ + i] += std::log(map.matrix[i]);
    }
  }
  std::vector<double> marginal_sds(const double* phi) const override {
    std::vector<double> sds(dim_);
    for (size_t i = 0; i < dim_; ++i) sds[i] = std::exp(phi[dim_ + i]);
    return sds;
  }
  std::vector<double> covariance(const double* phi) const override {
    std::vector<double> c(dim_ * dim_, 0.0);
    for (size_t i = 0; i < dim_; ++i) c[i + i * dim_] = std::exp(2 * phi[dim_ + i]);
    return c;
  }

};

// phi = (mu [dim], lambda [dim], the strictly lower part of L row by row:
// L(1,0), L(2,0), L(2,1), ...).
class FullRank : public GaussianFamily {
 public:
  explicit FullRank(size_t dim) : GaussianFamily(dim) {}
  std::string name() const override { return "fullrank"; }
  size_t num_parameters() const override { return 2 * dim_ + row_start(dim_); }

  void transform(const double* phi, const double* eta, double* zeta) const override {
    const double* lower = phi + 2 * dim_;
    for (size_t i = 0; i < dim_; ++i) {
      double sum = phi[i] + std::exp(phi[dim_ + i]) * eta[i];
      const double* row = lower + row_start(i);
      for (size_t j = 0; j < i; ++j) sum += row[j] * eta[j];
      zeta[i] = sum;
    }
  }
  void add_pullback(const double* phi, const double* eta, const double* g, double* grad) const override {
    double* lower = grad + 2 * dim_;
    for (size_t i = 0; i < dim_; ++i) {
      grad[i] += g[i];
      grad[dim_ + i] += g[i] * eta[i] * std::exp(phi[dim_ + i]);
      double* row = lower + row_start(i);
      for (size_t j = 0; j < i; ++j) row[j] += g[i] * eta[j];
    }
  }
  double squared_distance(const double* phi, const double* zeta) const override {
    // |L^-1 (zeta - mu)|^2.
    std::vector<double> l = lower_factor(phi);
    std::vector<double> x(dim_);
    for (size_t i = 0; i < dim_; ++i) x[i] = zeta[i] - phi[i];
    const int n = static_cast<int>(dim_);
    if (n > 0) cblas_dtrsv(CblasRowMajor, CblasLower, CblasNoTrans, CblasNonUnit, n, l.data(), n, x.data(), 1);
    double sum = 0;
    for (double v : x) sum += v * v;
    return sum;
  }
  void subtract_log_density_gradient(const double* phi, const double* eta, double* grad_zeta) const override {
    // Solve L' x = eta.
    std::vector<double> l = lower_factor(phi);
    std::vector<double> x(eta, eta + dim_);
    const int n = static_cast<int>(dim_);
    if (n > 0) cblas_dtrsv(CblasRowMajor, CblasLower, CblasTrans, CblasNonUnit, n, l.data(), n, x.data(), 1);
    for (size_t i = 0; i < dim_; ++i) grad_zeta[i] += x[i];
  }
  std::vector<double> parameters_for(const std::vector<double>& mean,
                                     const std::vector<double>& covariance) const override {
    // L from LAPACK's Cholesky (OpenBLAS); a covariance that is not positive
    // definite keeps only its diagonal.
    std::vector<double> l = covariance;
    const bool positive_definite = cholesky_lower(dim_, l);
    std::vector<double> phi(num_parameters(), 0.0);
    for (size_t i = 0; i < dim_; ++i) {
      phi[i] = mean[i];
      phi[dim_ + i] = positive_definite ? std::log(l[i + i * dim_]) : 0.5 * std::log(covariance[i + i * dim_]);
      if (!positive_definite) continue;
      double* row = phi.data() + 2 * dim_ + row_start(i);
      for (size_t j = 0; j < i; ++j) row[j] = l[i + j * dim_];
    }
    return phi;
  }
  void map_affine(double* phi, const AffineMap& map) const override {
    // mu -> shift + A mu, L -> A L (lower triangular again), column by column.
    std::vector<double> l = lower_factor(phi);
    std::vector<double> mu(phi, phi + dim_);
    map.apply(mu.data(), phi);
    std::vector<double> column(dim_), image(dim_);
    const AffineMap linear{std::vector<double>(dim_, 0.0), map.matrix};
    for (size_t j = 0; j < dim_; ++j) {
      for (size_t i = 0; i < dim_; ++i) column[i] = l[i * dim_ + j];
      linear.apply(column.data(), image.data());
      for (size_t i = 0; i < dim_; ++i) l[i * dim_ + j] = image[i];
    }
    for (size_t i = 0; i < dim_; ++i) {
      phi[dim_ + i] = std::log(l[i * dim_ + i]);
      double* row = phi + 2 * dim_ + row_start(i);
      for (size_t j = 0; j < i; ++j) row[j] = l[i * dim_ + j];
    }
  }
  std::vector<double> marginal_sds(const double* phi) const override {
    std::vector<double> sds(dim_);
    const double* lower = phi + 2 * dim_;
    for (size_t i = 0; i < dim_; ++i) {
      double d = std::exp(phi[dim_ + i]);
      double sum = d * d;
      const double* row = lower + row_start(i);
      for (size_t j = 0; j < i; ++j) sum += row[j] * row[j];
      sds[i] = std::sqrt(sum);
    }
    return sds;
  }

 private:
  // L as a dense dim x dim matrix, row-major.
  std::vector<double> lower_factor(const double* phi) const {
    std::vector<double> l(dim_ * dim_, 0.0);
    for (size_t i = 0; i < dim_; ++i) {
      l[i * dim_ + i] = std::exp(phi[dim_ + i]);
      const double* row = phi + 2 * dim_ + row_start(i);
      for (size_t j = 0; j < i; ++j) l[i * dim_ + j] = row[j];
    }
    return l;
  }
  std::vector<double> covariance(const double* phi) const override {
    // L L'.
    std::vector<double> l = lower_factor(phi);
    std::vector<double> c(dim_ * dim_, 0.0);
    const int n = static_cast<int>(dim_);
    if (n > 0) cblas_dsyrk(CblasRowMajor, CblasLower, CblasNoTrans, n, n, 1.0, l.data(), n, 0.0, c.data(), n);
    for (size_t i = 0; i < dim_; ++i)
      for (size_t j = 0; j < i; ++j) c[j * dim_ + i] = c[i * dim_ + j];
    return c;
  }

};

}  // namespace

void AffineMap::apply(const double* z, double* zeta) const {
  const size_t n = shift.size();
  if (is_diagonal()) {
    for (size_t i = 0; i < n; ++i) zeta[i] = shift[i] + matrix[i] * z[i];
    return;
  }
  for (size_t i = 0; i < n; ++i) {
    double sum = shift[i];
    for (size_t j = 0; j <= i; ++j) sum += matrix[i + j * n] * z[j];
    zeta[i] = sum;
  }
}

void AffineMap::pull_back(const double* grad_zeta, double* grad_z) const {
  const size_t n = shift.size();
  if (is_diagonal()) {
    for (size_t i = 0; i < n; ++i) grad_z[i] = matrix[i] * grad_zeta[i];
    return;
  }
  for (size_t j = 0; j < n; ++j) {
    double sum = 0;
    for (size_t i = j; i < n; ++i) sum += matrix[i + j * n] * grad_zeta[i];
    grad_z[j] = sum;
  }
}

double AffineMap::log_det() const {
  const size_t n = shift.size();
  double sum = 0;
  for (size_t i = 0; i < n; ++i) sum += std::log(is_diagonal() ? matrix[i] : matrix[i + i * n]);
  return sum;
}

double VariationalFamily::log_density(const double* phi, const double* eta) const {
  // log q(zeta) = -0.5 |eta|^2 - dim/2 log(2 pi) - log|det L|, and the entropy
  // is dim/2 (1 + log 2 pi) + log|det L|.
  double eta_squared = 0;
  for (size_t i = 0; i < dim(); ++i) eta_squared += eta[i] * eta[i];
  const double log_det = entropy(phi) - gaussian_entropy_constant(dim());
  return -0.5 * eta_squared - 0.5 * static_cast<double>(dim()) * std::log(2.0 * std::numbers::pi) - log_det;
}

std::unique_ptr<VariationalFamily> make_meanfield_family(size_t dim) { return std::make_unique<MeanField>(dim); }
std::unique_ptr<VariationalFamily> make_fullrank_family(size_t dim) { return std::make_unique<FullRank>(dim); }

}  // namespace vic::runtime
