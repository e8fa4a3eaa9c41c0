// The Model interface: what ADVI, gradcheck and the output writers need from a
// compiled model, and nothing about how it was compiled (codegen/ implements it).
#pragma once

#include <limits>
#include <string>
#include <vector>

#include "support/rng.h"

namespace vic::runtime {

// Why an evaluation rejected a point: 0 is "no error"; other values index the
// model's domain checks (describe_error gives the message with its source line).
using EvalError = int;

// The ELBO of a variational family and its gradient with respect to the
// family's parameters, compiled with the model as one native function (ir/elbo.h):
// the family's reparameterisation, the log density and its gradient at every
// draw, and the entropy. Parameters as runtime/variational_family.h lays them
// out for the family of the same name.
class CompiledElbo {
 public:
  // zeta = shift + A z, the fixed map a fit draws through (vic's VI whitens
  // with it): A diagonal for the mean-field family (`scale` holds dim values),
  // lower triangular for the full-rank one (dim x dim, column-major). Null
  // pointers: the identity.
  struct Map {
    const double* shift = nullptr;
    const double* scale = nullptr;
  };

  virtual ~CompiledElbo() = default;
  // Over num_draws draws of dim standard normals eta (draw after draw in
  // `draws`), zeta = map(T(phi, eta)): returns (1/num_draws) sum lp(zeta) +
  // entropy(phi), lp the log density lp_grad computes (constants `~` drops are
  // dropped; log |A| left out), and writes its gradient into
  // grad[0..num_parameters). A failed check at any draw rejects the whole
  // estimate: returns -inf and sets *error.
  virtual double value_and_gradient(const double* phi, const double* draws, size_t num_draws, const Map& map,
                                    double* grad, EvalError* error) const = 0;
};

class Model {
 public:
  virtual ~Model() = default;

  // Number of unconstrained parameters.
  virtual size_t dim() const = 0;

  // CmdStan-style names of constrain()'s outputs, in order: every constrained
  // parameter, then transformed parameters, then generated quantities
  // ("mu", "theta.1", "Sigma.1.2", ...).
  virtual const std::vector<std::string>& output_names() const = 0;
  // How many of output_names() are parameters, transformed parameters, generated quantities.
  virtual size_t num_parameter_outputs() const = 0;
  virtual size_t num_transformed_outputs() const = 0;

  // Log density on the unconstrained scale with the log-Jacobian of every
  // constraint, dropping the constant terms that `~` drops (Stan's
  // log_prob<true, true>); writes its gradient into grad[0..dim).
  // On a domain error returns -inf and sets *error.
  virtual double lp_grad(const double* theta, double* grad, EvalError* error) const = 0;

  // The log density without the constraints' log-Jacobians, dropping
  // constants (Stan's log_prob<true, false>), and its gradient: what MAP
  // optimisation maximises. Only a model compiled with that entry point has
  // it (`vic optimize` asks for it); others return NaN.
  virtual double lp_grad_without_jacobian(const double* theta, double* grad, EvalError* error) const {
    (void)theta, (void)grad, (void)error;
    return std::numeric_limits<double>::quiet_NaN();
  }

  // The same density with every constant kept (Stan's log_prob<false, true>);
  // no gradient. Stan's ADVI estimates the ELBO with it.
  virtual double lp(const double* theta, EvalError* error) const = 0;

  // Writes constrained parameters, transformed parameters and generated
  // quantities (which may draw from rng) into out[0..output_names().size()).
  virtual void constrain(const double* theta, Rng& rng, double* out, EvalError* error) const = 0;

  // The inverse of constrain's first num_parameter_outputs() values: writes
  // into theta[0..dim()) the unconstrained point whose constrained parameters
  // are values[0..num_parameter_outputs()) (in output_names() order), as
  // initial values from a file need. A value outside its bounds sets *error.
  virtual void unconstrain(const double* values, double* theta, EvalError* error) const = 0;

  // The compiled ELBO of the variational family named `family` ("meanfield",
  // "fullrank"), or null when the model was compiled without it.
  virtual const CompiledElbo* compiled_elbo(const std::string& family) const {
    (void)family;
    return nullptr;
  }

  // "file:line:col: normal_lpdf: Scale parameter is -1, but must be positive".
  virtual std::string describe_error(EvalError error) const = 0;
  // Whether the error ends a fit rather than rejecting one point: an index
  // out of range, sizes that do not match (where Stan throws std::out_of_range
  // or std::invalid_argument, not std::domain_error).
  virtual bool is_fatal(EvalError) const { return false; }

  // A data value the log density reads that is not finite, as "data field 'y':
  // element 3 is inf", or "" when there is none. Initialisation names it when
  // the density is not finite at any initial point.
  virtual std::string non_finite_data() const { return {}; }
};

}  // namespace vic::runtime
