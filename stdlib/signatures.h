// The signatures of the standard library's functions and distributions: the one
// piece of stdlib/ the type checker reads, kept free of the IR so that frontend/
// can use it (stdlib/CMakeLists.txt builds it as its own small library).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vic::stdlib {

// What an argument position accepts, in Stan's vocabulary.
enum class ArgKind {
  Int,         // int
  Real,        // real (an int promotes)
  Ints,        // int or array[] int
  Reals,       // real, int, vector, row_vector, array[] real, array[] int
  RealVector,  // vector, row_vector, array[] real, array[] int (a container of reals)
  Shaped,      // vector, row_vector, matrix
  Elements,    // vector, row_vector, matrix, array[] real, array[] int
  Vector,      // a vector
  RowVector,   // a row_vector
  Matrix,      // a matrix
  Container,   // anything but a scalar: vectors, matrices, arrays of any of them
  Vectors,     // a vector or an array of vectors
  VectorArray, // an array of vectors
  IntArray,    // an array of ints
  Array2,      // array[,] real or array[,] int
};
// Stan's spelling of an argument kind ("reals", "vector", ...).
const char* arg_kind_name(ArgKind kind);

// What a call returns.
enum class ReturnKind {
  Real,        // a real scalar
  Int,         // an int scalar
  LikeArg,     // elementwise: the type of its (single) argument, int promoted to real
  Vector,      // a vector
  Matrix,      // a matrix
  RowVector,   // a row_vector
  Transposed,  // the transpose of its argument's type (a vector's is a row_vector)
  IntArray,    // array[] int
  RealArray,   // array[] real
  RealOrArray, // _rng: real when every argument is a scalar, else array[] real
  IntOrArray,  // _rng of a discrete distribution: int or array[] int
};

struct FunctionSignature {
  std::vector<ArgKind> args;
  ReturnKind result;
};

struct FunctionInfo {
  std::string name;
  std::vector<FunctionSignature> signatures;
};

struct DistributionInfo {
  std::string name;   // "normal"
  bool discrete;      // `_lpmf` (variate Ints) rather than `_lpdf`
  ArgKind variate;
  std::vector<ArgKind> params;
  // Readable parameter names, for messages: {"mu", "sigma"}.
  std::vector<std::string> param_names;
};

// The arguments of a distribution's _rng: its density's parameters, or its own
// where Stan's differ (multinomial_rng(theta, N) takes the number of trials,
// lkj_corr_rng(K, eta) the size).
struct RngSignature {
  std::vector<ArgKind> params;
  std::vector<std::string> param_names;
};
// Null when the distribution has no _rng (a GLM's).
std::optional<RngSignature> rng_signature(const DistributionInfo& dist);

// Looks up a plain function (exp, sum, ...); null when unknown.
const FunctionInfo* find_function(std::string_view name);
// Looks up a distribution by its bare name ("normal"); null when unknown.
const DistributionInfo* find_distribution(std::string_view name);
// All distributions, for listing and tests.
const std::vector<DistributionInfo>& all_distributions();
const std::vector<FunctionInfo>& all_functions();

// "normal_lpdf(reals | reals mu, reals sigma)".
std::string describe_distribution_signature(const DistributionInfo& dist, std::string_view suffix);
// "dot_product(vector, vector)".
std::string describe_function_signature(const std::string& name, const FunctionSignature& sig);

// Whether a distribution is a GLM ("bernoulli_logit_glm"): its density is its
// base distribution's ("bernoulli_logit") at alpha + x * beta.
bool is_glm(std::string_view name);
// The ODE solvers (ode_rk45, ode_bdf, their _tol forms, integrate_ode_rk45 and
// integrate_ode_bdf), which take a function: frontend/check_ode.cpp types them,
// ir/lower/lower_ode.cpp lowers them.
struct OdeSolverForm {
  bool stiff;        // ode_bdf's Rosenbrock 4, not rk45's Dormand-Prince
  bool deprecated;   // integrate_ode_*: (f, y0, t0, ts, theta, x_r, x_i [, rtol, atol, max_num_steps])
  bool tolerances;   // the _tol forms: (f, y0, t0, ts, rtol, atol, max_num_steps, ...)
};
// The form of the solver called `name`, or nullopt when it names none.
std::optional<OdeSolverForm> ode_solver_form(std::string_view name);
inline bool is_ode_solver(std::string_view name) { return ode_solver_form(name).has_value(); }
std::string_view glm_base(std::string_view name);

// Whether `dist` has _lcdf, _lccdf and _cdf (stdlib/cdfs.h), and whether that
// CDF can be differentiated (Student-t's cannot: its arguments must be data).
bool has_cdf(std::string_view dist);
bool cdf_differentiable(std::string_view dist);

// Splits "normal_lpdf" into ("normal", "_lpdf"); suffix empty when none of
// _lpdf, _lpmf, _rng, _lcdf, _lccdf, _cdf ends the name.
std::pair<std::string_view, std::string_view> split_distribution_suffix(std::string_view name);

}  // namespace vic::stdlib
