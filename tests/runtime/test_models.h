// Hand-written Models for the runtime tests: Gaussian posteriors (for which the
// mean-field family is exact, so ADVI's answer is known), a positive parameter
// on the log scale with a generated quantity, and a model that always fails.
#pragma once

#include <boost/random/normal_distribution.hpp>
#include <cmath>
#include <limits>
#include <numbers>
#include <string>
#include <vector>

#include "runtime/model.h"

namespace vic::runtime::testing {

inline const double kHalfLog2Pi = 0.5 * std::log(2.0 * std::numbers::pi);

// theta[d] ~ normal(means[d], sds[d]) independently, plus a constant `offset` in
// lp (standing for data terms `~` drops), so the ELBO is not near zero.
class IndependentNormals : public Model {
 public:
  IndependentNormals(std::vector<double> means, std::vector<double> sds, double offset = -50)
      : means_(std::move(means)), sds_(std::move(sds)), offset_(offset) {
    for (size_t d = 0; d < means_.size(); ++d) names_.push_back("theta." + std::to_string(d + 1));
  }
  size_t dim() const override { return means_.size(); }
  const std::vector<std::string>& output_names() const override { return names_; }
  size_t num_parameter_outputs() const override { return names_.size(); }
  size_t num_transformed_outputs() const override { return 0; }
  double lp_grad(const double* theta, double* grad, EvalError* error) const override {
    double lp = 0;
    for (size_t d = 0; d < dim(); ++d) {
      double z = (theta[d] - means_[d]) / sds_[d];
      lp += -0.5 * z * z;
      grad[d] = -z / sds_[d];
    }
    return lp;
  }
  double lp(const double* theta, EvalError* error) const override {
    double lp = offset_;
    for (size_t d = 0; d < dim(); ++d) {
      double z = (theta[d] - means_[d]) / sds_[d];
      lp += -0.5 * z * z - std::log(sds_[d]) - kHalfLog2Pi;
    }
    return lp;
  }
  void constrain(const double* theta, Rng& rng, double* out, EvalError* error) const override {
    for (size_t d = 0; d < dim(); ++d) out[d] = theta[d];
  }
  void unconstrain(const double* values, double* theta, EvalError*) const override {
    for (size_t d = 0; d < dim(); ++d) theta[d] = values[d];
  }
  std::string describe_error(EvalError error) const override { return "no error"; }

 private:
  std::vector<double> means_;
  std::vector<double> sds_;
  double offset_;
  std::vector<std::string> names_;
};

// sigma ~ lognormal(m, s) with sigma > 0 unconstrained as u = log(sigma): with the
// Jacobian, u ~ normal(m, s) exactly. Outputs: sigma (parameter), log_sigma
// (transformed parameter), y_rep ~ normal(0, sigma) (generated quantity, uses rng).
class LogScale : public Model {
 public:
  LogScale(double m, double s) : m_(m), s_(s) {}
  size_t dim() const override { return 1; }
  const std::vector<std::string>& output_names() const override { return names_; }
  size_t num_parameter_outputs() const override { return 1; }
  size_t num_transformed_outputs() const override { return 1; }
  double lp_grad(const double* theta, double* grad, EvalError* error) const override {
    // lognormal_lpdf(exp(u) | m, s) + u, dropping constants: -0.5 z^2 - u + u.
    double z = (theta[0] - m_) / s_;
    grad[0] = -z / s_;
    return -0.5 * z * z;
  }
  double lp(const double* theta, EvalError* error) const override {
    double z = (theta[0] - m_) / s_;
    return -20.0 - 0.5 * z * z - std::log(s_) - kHalfLog2Pi;
  }
  void constrain(const double* theta, Rng& rng, double* out, EvalError* error) const override {
    out[0] = std::exp(theta[0]);
    out[1] = theta[0];
    boost::random::normal_distribution<double> normal(0.0, out[0]);
    out[2] = normal(rng);
  }
  void unconstrain(const double* values, double* theta, EvalError* error) const override {
    if (!(values[0] > 0)) *error = 1;
    theta[0] = std::log(values[0]);
  }
  std::string describe_error(EvalError error) const override { return "no error"; }

 private:
  double m_;
  double s_;
  std::vector<std::string> names_ = {"sigma", "log_sigma", "y_rep"};
};

// mu ~ normal(0, 1), with mu_sq = mu^2 as a transformed parameter: deterministic
// outputs for checking the CSV layout.
class Tiny : public Model {
 public:
  size_t dim() const override { return 1; }
  const std::vector<std::string>& output_names() const override { return names_; }
  size_t num_parameter_outputs() const override { return 1; }
  size_t num_transformed_outputs() const override { return 1; }
  double lp_grad(const double* theta, double* grad, EvalError* error) const override {
    grad[0] = -theta[0];
    return -0.5 * theta[0] * theta[0];
  }
  double lp(const double* theta, EvalError* error) const override {
    return -0.5 * theta[0] * theta[0] - kHalfLog2Pi;
  }
  void constrain(const double* theta, Rng& rng, double* out, EvalError* error) const override {
    out[0] = theta[0];
    out[1] = theta[0] * theta[0];
  }
  void unconstrain(const double* values, double* theta, EvalError*) const override { theta[0] = values[0]; }
  std::string describe_error(EvalError error) const override { return "no error"; }

 private:
  std::vector<std::string> names_ = {"mu", "mu_sq"};
};

// theta ~ multi_normal(mean, inverse(precision)) in `dim` dimensions, with a
// constant offset in lp: a correlated Gaussian target whose answer every
// algorithm should recover. `precision` is row-major dim x dim.
class CorrelatedNormal : public Model {
 public:
  CorrelatedNormal(std::vector<double> mean, std::vector<double> precision, double log_det_precision)
      : mean_(std::move(mean)), precision_(std::move(precision)), log_det_precision_(log_det_precision) {
    for (size_t d = 0; d < mean_.size(); ++d) names_.push_back("theta." + std::to_string(d + 1));
  }
  size_t dim() const override { return mean_.size(); }
  const std::vector<std::string>& output_names() const override { return names_; }
  size_t num_parameter_outputs() const override { return names_.size(); }
  size_t num_transformed_outputs() const override { return 0; }
  double lp_grad(const double* theta, double* grad, EvalError*) const override {
    double lp = 0;
    for (size_t i = 0; i < dim(); ++i) {
      grad[i] = 0;
      for (size_t j = 0; j < dim(); ++j) grad[i] -= precision_[i * dim() + j] * (theta[j] - mean_[j]);
      lp += 0.5 * (theta[i] - mean_[i]) * grad[i];
    }
    return lp;
  }
  double lp(const double* theta, EvalError* error) const override {
    std::vector<double> grad(dim());
    return -10 + lp_grad(theta, grad.data(), error) + 0.5 * log_det_precision_ -
           static_cast<double>(dim()) * kHalfLog2Pi;
  }
  void constrain(const double* theta, Rng&, double* out, EvalError*) const override {
    for (size_t d = 0; d < dim(); ++d) out[d] = theta[d];
  }
  void unconstrain(const double* values, double* theta, EvalError*) const override {
    for (size_t d = 0; d < dim(); ++d) theta[d] = values[d];
  }
  std::string describe_error(EvalError) const override { return "no error"; }

 private:
  std::vector<double> mean_;
  std::vector<double> precision_;
  double log_det_precision_;
  std::vector<std::string> names_;
};

// The 3-dimensional correlated target of the optimiser tests: mean (1, -2, 3),
// covariance [[4, 1.8, -0.5], [1.8, 1, -0.3], [-0.5, -0.3, 0.25]] (sds 2, 1,
// 0.5; correlations 0.9, -0.5, -0.6).
inline const std::vector<double> kCorrelatedMean = {1, -2, 3};
inline const std::vector<double> kCorrelatedCovariance = {4, 1.8, -0.5, 1.8, 1, -0.3, -0.5, -0.3, 0.25};

inline CorrelatedNormal correlated_target() {
  const std::vector<double>& c = kCorrelatedCovariance;
  auto at = [&](int i, int j) { return c[i * 3 + j]; };
  // The inverse by cofactors (symmetric, so the adjugate is the cofactor matrix).
  std::vector<double> cofactor(9);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) {
      int i1 = (i + 1) % 3, i2 = (i + 2) % 3, j1 = (j + 1) % 3, j2 = (j + 2) % 3;
      cofactor[i * 3 + j] = at(i1, j1) * at(i2, j2) - at(i1, j2) * at(i2, j1);
    }
  double det = at(0, 0) * cofactor[0] + at(0, 1) * cofactor[1] + at(0, 2) * cofactor[2];
  for (double& v : cofactor) v /= det;
  return CorrelatedNormal(kCorrelatedMean, cofactor, -std::log(det));
}

// Every evaluation is a domain error.
class AlwaysFails : public Model {
 public:
  size_t dim() const override { return 2; }
  const std::vector<std::string>& output_names() const override { return names_; }
  size_t num_parameter_outputs() const override { return 2; }
  size_t num_transformed_outputs() const override { return 0; }
  double lp_grad(const double* theta, double* grad, EvalError* error) const override {
    *error = 1;
    return -std::numeric_limits<double>::infinity();
  }
  double lp(const double* theta, EvalError* error) const override {
    *error = 1;
    return -std::numeric_limits<double>::infinity();
  }
  void constrain(const double* theta, Rng& rng, double* out, EvalError* error) const override {
    *error = 1;
  }
  void unconstrain(const double*, double*, EvalError* error) const override { *error = 1; }
  std::string describe_error(EvalError error) const override {
    return "m.vmodel:3:5: normal_lpdf: Scale parameter is -1, but must be positive";
  }

 private:
  std::vector<std::string> names_ = {"a", "b"};
};

}  // namespace vic::runtime::testing
