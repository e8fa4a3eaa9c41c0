// The ELBO as IR: each variational family's reparameterisation and entropy,
// written once here, around the model's own log density, so that AD turns the
// whole into one native function returning the ELBO estimate and its gradient
// with respect to the variational parameters (design: "The ELBO is compiled
// too"). The runtime calls it through runtime::CompiledElbo and never sees this.
//
//   @elbo_<family>(phi: buf<f64>, draws: buf<f64>, shape: buf<i64>,
//                  shift: buf<f64>, scale: buf<f64>) -> (f64)
//     shape = (B, D): B draws of D standard normals, draw-major in `draws`.
//     Each draw is zeta = shift + A T(phi, eta), T the family's
//     reparameterisation and A the fixed affine map a fit works through (vic's
//     VI whitens the posterior with it): diagonal for the mean-field family
//     (`scale` holds D values), lower triangular for the full-rank one (D x D,
//     column-major). (A map chosen at run time would put a branch inside the
//     draws' loop, whose adjoint bufferization copies.)
//     Returns (1/B) sum_b lp(zeta_b) + H(phi), lp the log density `~` defines
//     (constants dropped, log-Jacobians kept: @lp_propto) and H the family's
//     entropy (the ELBO in the mapped coordinates: log |A| left out). A failed
//     check in any draw rejects the whole evaluation, as it rejects one lp.
//   @elbo_<family>_grad(phi, grad, draws, shape, shift, scale) -> (f64): the
//     same, adding d ELBO / d phi into grad (see add_elbo_gradient).
//
// The draws are a loop dimension of the IR: the backend may vectorise or
// thread it, or run it on a GPU, as it does any loop.
#pragma once

#include <string>

#include "ir/entry_points.h"
#include "ir/ir.h"

namespace vic::ir {

enum class ElboFamily : uint8_t {
  // zeta = mu + exp(omega) .* eta; phi = (mu, omega), 2D values (Stan's normal_meanfield).
  MeanField,
  // zeta = mu + L eta, L lower triangular with diagonal exp(lambda); phi = (mu,
  // lambda, L's strictly lower part row by row), 2D + D(D-1)/2 values.
  FullRank,
};

const char* elbo_family_name(ElboFamily family);  // "meanfield", "fullrank"
// The family of an ELBO entry point (ir/entry_points.def, role Elbo).
ElboFamily elbo_family(EntryPoint e);
// The ELBO entry point of a family, with or without the gradient.
EntryPoint elbo_entry_point(ElboFamily family, bool gradient);

// Adds `@<name>`, the ELBO of `family` around the log density `@<density>`
// (which takes the parameter buffer theta and returns one f64), to the program.
void add_elbo_function(Program& program, ElboFamily family, const std::string& density, const std::string& name);

// The ELBO's gradient is not AD of the function above: AD reverses a loop by
// recomputing its body, and the draws' loop would then evaluate every draw's
// density twice. Instead, at each draw it inlines the density's own gradient
// (@lp_grad, which AD builds from @<density> when the program lacks it), keeps
// d lp / d zeta per draw, and pulls those back to phi through AD of the
// family's surrogate (1/B) sum_b dlp_b . zeta_b + H(phi).
//
// Lowering adds the surrogate, `@elbo_<family>.surrogate`; the AD pass
// differentiates it (differentiate_elbo_surrogate, which also adds @lp_grad
// when the program lacks it); once the cleanup passes have removed what AD
// left unread (tapes nothing reads keep a data-only loop from moving),
// the build-elbo pass composes `@<name>` (add_elbo_gradient) and removes the
// surrogate. The top-level work of @lp_grad that depends on the data alone
// runs once, before the draws' loop.
std::string elbo_surrogate_name(ElboFamily family);
void add_elbo_surrogate(Program& program, ElboFamily family);
void differentiate_elbo_surrogate(Program& program, ElboFamily family);
void add_elbo_gradient(Program& program, ElboFamily family, const std::string& name);

}  // namespace vic::ir
