// The table of standard-library signatures.
#include "stdlib/signatures.h"

namespace vic::stdlib {
namespace {

using A = ArgKind;
using R = ReturnKind;

std::vector<DistributionInfo> make_distributions() {
  return {
      {"normal", false, A::Reals, {A::Reals, A::Reals}, {"mu", "sigma"}},
      {"std_normal", false, A::Reals, {}, {}},
      {"student_t", false, A::Reals, {A::Reals, A::Reals, A::Reals}, {"nu", "mu", "sigma"}},
      {"cauchy", false, A::Reals, {A::Reals, A::Reals}, {"mu", "sigma"}},
      {"lognormal", false, A::Reals, {A::Reals, A::Reals}, {"mu", "sigma"}},
      {"exponential", false, A::Reals, {A::Reals}, {"beta"}},
      {"gamma", false, A::Reals, {A::Reals, A::Reals}, {"alpha", "beta"}},
      {"inv_gamma", false, A::Reals, {A::Reals, A::Reals}, {"alpha", "beta"}},
      {"beta", false, A::Reals, {A::Reals, A::Reals}, {"alpha", "beta"}},
      {"uniform", false, A::Reals, {A::Reals, A::Reals}, {"alpha", "beta"}},
      {"bernoulli", true, A::Ints, {A::Reals}, {"theta"}},
      {"bernoulli_logit", true, A::Ints, {A::Reals}, {"alpha"}},
      {"binomial", true, A::Ints, {A::Ints, A::Reals}, {"N", "theta"}},
      {"poisson", true, A::Ints, {A::Reals}, {"lambda"}},
      {"poisson_log", true, A::Ints, {A::Reals}, {"alpha"}},
      {"binomial_logit", true, A::Ints, {A::Ints, A::Reals}, {"N", "alpha"}},
      {"neg_binomial_2", true, A::Ints, {A::Reals, A::Reals}, {"mu", "phi"}},
      {"neg_binomial_2_log", true, A::Ints, {A::Reals, A::Reals}, {"eta", "phi"}},
      {"weibull", false, A::Reals, {A::Reals, A::Reals}, {"alpha", "sigma"}},
      {"logistic", false, A::Reals, {A::Reals, A::Reals}, {"mu", "sigma"}},
      {"double_exponential", false, A::Reals, {A::Reals, A::Reals}, {"mu", "sigma"}},
      {"gumbel", false, A::Reals, {A::Reals, A::Reals}, {"mu", "beta"}},
      {"chi_square", false, A::Reals, {A::Reals}, {"nu"}},
      {"inv_chi_square", false, A::Reals, {A::Reals}, {"nu"}},
      {"scaled_inv_chi_square", false, A::Reals, {A::Reals, A::Reals}, {"nu", "s"}},
      {"rayleigh", false, A::Reals, {A::Reals}, {"sigma"}},
      {"pareto", false, A::Reals, {A::Reals, A::Reals}, {"y_min", "alpha"}},
      {"frechet", false, A::Reals, {A::Reals, A::Reals}, {"alpha", "sigma"}},
      {"beta_binomial", true, A::Ints, {A::Ints, A::Reals, A::Reals}, {"N", "alpha", "beta"}},
      {"hypergeometric", true, A::Int, {A::Int, A::Int, A::Int}, {"N", "a", "b"}},
      {"neg_binomial", true, A::Ints, {A::Reals, A::Reals}, {"alpha", "beta"}},
      {"skew_normal", false, A::Reals, {A::Reals, A::Reals, A::Reals}, {"xi", "omega", "alpha"}},
      {"von_mises", false, A::Reals, {A::Reals, A::Reals}, {"mu", "kappa"}},
      {"exp_mod_normal", false, A::Reals, {A::Reals, A::Reals, A::Reals}, {"mu", "sigma", "lambda"}},
      // Distributions of whole vectors (stdlib/multivariate.h).
      {"dirichlet", false, A::Vectors, {A::Vectors}, {"alpha"}},
      {"categorical", true, A::Ints, {A::Vector}, {"theta"}},
      {"categorical_logit", true, A::Ints, {A::Vector}, {"beta"}},
      {"multi_normal", false, A::Vectors, {A::Vectors, A::Matrix}, {"mu", "Sigma"}},
      {"multi_normal_cholesky", false, A::Vectors, {A::Vectors, A::Matrix}, {"mu", "L"}},
      {"lkj_corr_cholesky", false, A::Matrix, {A::Real}, {"eta"}},
      {"multinomial", true, A::IntArray, {A::Vector}, {"theta"}},
      {"multinomial_logit", true, A::IntArray, {A::Vector}, {"gamma"}},
      {"poisson_binomial", true, A::Ints, {A::Vector}, {"theta"}},
      {"lkj_corr", false, A::Matrix, {A::Real}, {"eta"}},
      {"wishart", false, A::Matrix, {A::Real, A::Matrix}, {"nu", "Sigma"}},
      {"inv_wishart", false, A::Matrix, {A::Real, A::Matrix}, {"nu", "Sigma"}},
      {"wishart_cholesky", false, A::Matrix, {A::Real, A::Matrix}, {"nu", "L_S"}},
      {"inv_wishart_cholesky", false, A::Matrix, {A::Real, A::Matrix}, {"nu", "L_S"}},
      {"multi_student_t", false, A::Vectors, {A::Real, A::Vectors, A::Matrix}, {"nu", "mu", "Sigma"}},
      {"multi_student_t_cholesky", false, A::Vectors, {A::Real, A::Vectors, A::Matrix}, {"nu", "mu", "L"}},
      {"ordered_logistic", true, A::Ints, {A::Reals, A::Vectors}, {"eta", "c"}},
      {"ordered_probit", true, A::Ints, {A::Reals, A::Vectors}, {"eta", "c"}},
      // Generalised linear models: the base distribution of alpha + x * beta.
      {"bernoulli_logit_glm", true, A::Ints, {A::Matrix, A::Reals, A::Vector}, {"x", "alpha", "beta"}},
      {"poisson_log_glm", true, A::Ints, {A::Matrix, A::Reals, A::Vector}, {"x", "alpha", "beta"}},
      {"normal_id_glm", false, A::Reals, {A::Matrix, A::Reals, A::Vector, A::Reals}, {"x", "alpha", "beta", "sigma"}},
      {"neg_binomial_2_log_glm",
       true,
       A::Ints,
       {A::Matrix, A::Reals, A::Vector, A::Reals},
       {"x", "alpha", "beta", "phi"}},
  };
}

std::vector<FunctionInfo> make_functions() {
  std::vector<FunctionInfo> fs;
  for (const char* name : {"exp", "log", "sqrt", "square", "fabs", "inv_logit", "logit", "log1p", "expm1", "lgamma",
                           "digamma", "tgamma", "erf", "erfc", "log1m", "log1p_exp", "log1m_exp",
                           "Phi", "Phi_approx", "inv_cloglog", "inv", "inv_sqrt", "inv_square", "step",
                           "log_inv_logit", "log1m_inv_logit", "tanh", "sin", "cos", "tan", "asin", "acos",
                           "atan", "sinh", "cosh", "asinh", "acosh", "atanh", "cbrt", "floor", "ceil",
                           "round", "trunc"}) {
    // Elementwise: of a scalar, or of every element of any container.
    fs.push_back({name, {{{A::Reals}, R::LikeArg}, {{A::Container}, R::LikeArg}}});
  }
  // abs: an int's is an int.
  fs.push_back({"abs", {{{A::Int}, R::Int}, {{A::Reals}, R::LikeArg}}});
  // log2 and log10 of a value, and the constants of the same names.
  fs.push_back({"log2", {{{A::Reals}, R::LikeArg}, {{}, R::Real}}});
  fs.push_back({"log10", {{{A::Reals}, R::LikeArg}, {{}, R::Real}}});
  for (const char* name : {"pi", "e", "sqrt2", "not_a_number", "positive_infinity", "negative_infinity",
                           "machine_precision"}) {
    fs.push_back({name, {{{}, R::Real}}});
  }
  // Functions of scalars (stdlib/scalar_functions.h).
  for (const char* name : {"pow", "fmin", "fmax", "fdim", "log_diff_exp", "lbeta", "lchoose", "atan2", "hypot", "fmod"}) {
    fs.push_back({name, {{{A::Real, A::Real}, R::Real}}});
  }
  fs.push_back({"fma", {{{A::Real, A::Real, A::Real}, R::Real}}});
  fs.push_back({"log_mix", {{{A::Real, A::Real, A::Real}, R::Real}}});
  fs.push_back({"binary_log_loss", {{{A::Int, A::Real}, R::Real}}});
  for (const char* name : {"int_step", "is_inf", "is_nan"}) fs.push_back({name, {{{A::Real}, R::Int}}});
  // sum of ints is an int.
  fs.push_back({"sum", {{{A::Ints}, R::Int}, {{A::Elements}, R::Real}}});
  for (const char* name : {"mean", "sd"}) {
    fs.push_back({name, {{{A::Elements}, R::Real}}});
  }
  fs.push_back({"dot_product", {{{A::RealVector, A::RealVector}, R::Real}}});
  fs.push_back({"log_sum_exp", {{{A::Elements}, R::Real}, {{A::Real, A::Real}, R::Real}}});
  // min and max of ints are ints.
  for (const char* name : {"min", "max"}) {
    fs.push_back({name, {{{A::Ints}, R::Int}, {{A::Elements}, R::Real}, {{A::Int, A::Int}, R::Int},
                         {{A::Real, A::Real}, R::Real}}});
  }
  fs.push_back({"diag_matrix", {{{A::Vector}, R::Matrix}}});
  fs.push_back({"columns_dot_product", {{{A::Matrix, A::Matrix}, R::RowVector}, {{A::Vector, A::Vector}, R::RowVector}}});
  fs.push_back({"rows_dot_product", {{{A::Matrix, A::Matrix}, R::Vector}, {{A::Vector, A::Vector}, R::Vector}}});
  fs.push_back({"crossprod", {{{A::Matrix}, R::Matrix}}});
  fs.push_back({"tcrossprod", {{{A::Matrix}, R::Matrix}}});
  fs.push_back({"quad_form", {{{A::Matrix, A::Matrix}, R::Matrix}, {{A::Matrix, A::Vector}, R::Real}}});
  fs.push_back({"choose", {{{A::Int, A::Int}, R::Int}}});
  fs.push_back({"to_matrix", {{{A::Matrix}, R::Matrix}, {{A::Vector, A::Int, A::Int}, R::Matrix},
                              {{A::RowVector, A::Int, A::Int}, R::Matrix}, {{A::Array2}, R::Matrix}}});
  fs.push_back({"col", {{{A::Matrix, A::Int}, R::Vector}}});
  fs.push_back({"row", {{{A::Matrix, A::Int}, R::RowVector}}});
  fs.push_back({"cov_exp_quad", {{{A::RealVector, A::Real, A::Real}, R::Matrix},
                                 {{A::VectorArray, A::Real, A::Real}, R::Matrix}}});
  fs.push_back({"gp_matern32_cov", {{{A::RealVector, A::Real, A::Real}, R::Matrix}}});
  fs.push_back({"quad_form_diag", {{{A::Matrix, A::Vector}, R::Matrix}}});
  fs.push_back({"multiply_lower_tri_self_transpose", {{{A::Matrix}, R::Matrix}}});
  fs.push_back({"dims", {{{A::Container}, R::IntArray}, {{A::Real}, R::IntArray}}});
  fs.push_back({"diag_pre_multiply", {{{A::Vector, A::Matrix}, R::Matrix}, {{A::RowVector, A::Matrix}, R::Matrix}}});
  fs.push_back({"diag_post_multiply", {{{A::Matrix, A::Vector}, R::Matrix}, {{A::Matrix, A::RowVector}, R::Matrix}}});
  fs.push_back({"transpose", {{{A::Shaped}, R::Transposed}}});
  fs.push_back({"sub_col", {{{A::Matrix, A::Int, A::Int, A::Int}, R::Vector}}});
  fs.push_back({"sub_row", {{{A::Matrix, A::Int, A::Int, A::Int}, R::RowVector}}});
  fs.push_back({"prod", {{{A::Ints}, R::Int}, {{A::Elements}, R::Real}}});
  fs.push_back({"dot_self", {{{A::RealVector}, R::Real}}});
  fs.push_back({"rep_matrix", {{{A::Real, A::Int, A::Int}, R::Matrix}, {{A::Vector, A::Int}, R::Matrix},
                               {{A::RowVector, A::Int}, R::Matrix}}});
  fs.push_back({"rep_row_vector", {{{A::Real, A::Int}, R::RowVector}}});
  fs.push_back({"cumulative_sum", {{{A::RealVector}, R::LikeArg}}});
  for (const char* name : {"softmax", "log_softmax"}) fs.push_back({name, {{{A::Vector}, R::Vector}}});
  fs.push_back({"append_col", {{{A::Matrix, A::Matrix}, R::Matrix}, {{A::Matrix, A::Vector}, R::Matrix},
                               {{A::Vector, A::Matrix}, R::Matrix}, {{A::Vector, A::Vector}, R::Matrix},
                               {{A::RowVector, A::RowVector}, R::RowVector}, {{A::Real, A::RowVector}, R::RowVector},
                               {{A::RowVector, A::Real}, R::RowVector}}});
  fs.push_back({"gp_exp_quad_cov", {{{A::RealVector, A::Real, A::Real}, R::Matrix},
                                    {{A::VectorArray, A::Real, A::Real}, R::Matrix}}});
  fs.push_back({"rows", {{{A::Shaped}, R::Int}}});
  fs.push_back({"size", {{{A::Container}, R::Int}}});
  fs.push_back({"num_elements", {{{A::Container}, R::Int}}});
  fs.push_back({"rep_array", {{{A::Int, A::Int}, R::IntArray}, {{A::Real, A::Int}, R::RealArray}}});
  fs.push_back({"cols", {{{A::Shaped}, R::Int}}});
  fs.push_back({"rep_vector", {{{A::Real, A::Int}, R::Vector}}});
  fs.push_back({"one_hot_vector", {{{A::Int, A::Int}, R::Vector}}});
  fs.push_back({"to_vector", {{{A::Elements}, R::Vector}}});
  fs.push_back({"head", {{{A::Vector, A::Int}, R::Vector}}});
  fs.push_back({"tail", {{{A::Vector, A::Int}, R::Vector}}});
  fs.push_back({"segment", {{{A::Vector, A::Int, A::Int}, R::Vector}}});
  fs.push_back({"append_row", {{{A::Vector, A::Vector}, R::Vector}, {{A::Real, A::Vector}, R::Vector},
                               {{A::Vector, A::Real}, R::Vector}, {{A::Matrix, A::Matrix}, R::Matrix},
                               {{A::Matrix, A::RowVector}, R::Matrix}, {{A::RowVector, A::Matrix}, R::Matrix},
                               {{A::RowVector, A::RowVector}, R::Matrix}}});
  fs.push_back({"cholesky_decompose", {{{A::Matrix}, R::Matrix}}});
  fs.push_back({"mdivide_left_tri_low", {{{A::Matrix, A::Vector}, R::Vector}, {{A::Matrix, A::Matrix}, R::Matrix}}});
  for (const char* name : {"mdivide_left", "mdivide_left_spd"})
    fs.push_back({name, {{{A::Matrix, A::Vector}, R::Vector}, {{A::Matrix, A::Matrix}, R::Matrix}}});
  // Sorting an int array gives ints; the indices and ranks are ints.
  for (const char* name : {"sort_asc", "sort_desc"})
    fs.push_back({name, {{{A::IntArray}, R::IntArray}, {{A::RealVector}, R::LikeArg}}});
  for (const char* name : {"sort_indices_asc", "sort_indices_desc"}) fs.push_back({name, {{{A::RealVector}, R::IntArray}}});
  fs.push_back({"rank", {{{A::RealVector, A::Int}, R::Int}}});
  for (const char* name : {"inverse", "inverse_spd"}) fs.push_back({name, {{{A::Matrix}, R::Matrix}}});
  fs.push_back({"eigenvalues_sym", {{{A::Matrix}, R::Vector}}});
  fs.push_back({"eigenvectors_sym", {{{A::Matrix}, R::Matrix}}});
  for (const char* name : {"log_determinant", "log_determinant_spd", "determinant"})
    fs.push_back({name, {{{A::Matrix}, R::Real}}});
  return fs;
}

}  // namespace

bool has_cdf(std::string_view dist) {
  for (std::string_view d :
       {"normal", "std_normal", "lognormal", "exponential", "logistic", "gumbel", "weibull", "rayleigh", "pareto",
        "double_exponential", "student_t", "uniform", "frechet", "cauchy", "gamma", "inv_gamma", "chi_square",
        "inv_chi_square", "scaled_inv_chi_square", "beta", "poisson", "binomial", "bernoulli", "neg_binomial",
        "neg_binomial_2", "beta_binomial", "skew_normal", "exp_mod_normal", "von_mises", "poisson_binomial"})
    if (dist == d) return true;
  return false;
}

bool cdf_differentiable(std::string_view dist) { return dist != "student_t"; }

std::optional<OdeSolverForm> ode_solver_form(std::string_view name) {
  static const std::pair<std::string_view, OdeSolverForm> kSolvers[] = {
      {"ode_rk45", {false, false, false}},          {"ode_rk45_tol", {false, false, true}},
      {"ode_bdf", {true, false, false}},            {"ode_bdf_tol", {true, false, true}},
      {"integrate_ode_rk45", {false, true, false}}, {"integrate_ode_bdf", {true, true, false}},
  };
  for (const auto& [solver, form] : kSolvers)
    if (name == solver) return form;
  return std::nullopt;
}

bool is_glm(std::string_view name) { return name.size() > 4 && name.substr(name.size() - 4) == "_glm"; }

std::string_view glm_base(std::string_view name) {
  if (name == "normal_id_glm") return "normal";
  return name.substr(0, name.size() - 4);
}

const char* arg_kind_name(ArgKind kind) {
  switch (kind) {
    case A::Int: return "int";
    case A::Real: return "real";
    case A::Ints: return "ints";
    case A::Reals: return "reals";
    case A::RealVector: return "vector";
    // As for RealVector, the commonest spelling stands for the kind.
    case A::Shaped: return "matrix";
    case A::Elements: return "vector";
    case A::Vector: return "vector";
    case A::Matrix: return "matrix";
    case A::Container: return "container";
    case A::RowVector: return "row_vector";
    case A::Vectors: return "vectors";
    case A::VectorArray: return "array[] vector";
    case A::IntArray: return "array[] int";
    case A::Array2: return "array[,] real";
  }
  return "?";
}

const std::vector<DistributionInfo>& all_distributions() {
  static const std::vector<DistributionInfo> table = make_distributions();
  return table;
}

const std::vector<FunctionInfo>& all_functions() {
  static const std::vector<FunctionInfo> table = make_functions();
  return table;
}

std::optional<RngSignature> rng_signature(const DistributionInfo& dist) {
  if (is_glm(dist.name)) return std::nullopt;
  if (dist.name == "multinomial" || dist.name == "multinomial_logit") {
    return RngSignature{{A::Vector, A::Int}, {dist.param_names[0], "N"}};
  }
  if (dist.name == "lkj_corr" || dist.name == "lkj_corr_cholesky") return RngSignature{{A::Int, A::Real}, {"K", "eta"}};
  // One vector of concentrations, not an array of them.
  if (dist.name == "dirichlet") return RngSignature{{A::Vector}, dist.param_names};
  return RngSignature{dist.params, dist.param_names};
}

const DistributionInfo* find_distribution(std::string_view name) {
  for (const DistributionInfo& d : all_distributions())
    if (d.name == name) return &d;
  return nullptr;
}

const FunctionInfo* find_function(std::string_view name) {
  for (const FunctionInfo& f : all_functions())
    if (f.name == name) return &f;
  return nullptr;
}

std::string describe_distribution_signature(const DistributionInfo& dist, std::string_view suffix) {
  std::string out = dist.name + std::string(suffix) + "(";
  if (suffix == "_rng") {
    RngSignature rng = rng_signature(dist).value_or(RngSignature{});
    for (size_t i = 0; i < rng.params.size(); ++i) {
      if (i) out += ", ";
      out += std::string(arg_kind_name(rng.params[i])) + " " + rng.param_names[i];
    }
    return out + ")";
  }
  out += arg_kind_name(dist.variate);
  for (size_t i = 0; i < dist.params.size(); ++i) {
    out += i == 0 ? " | " : ", ";
    out += std::string(arg_kind_name(dist.params[i])) + " " + dist.param_names[i];
  }
  return out + ")";
}

std::string describe_function_signature(const std::string& name, const FunctionSignature& sig) {
  std::string out = name + "(";
  for (size_t i = 0; i < sig.args.size(); ++i) {
    if (i) out += ", ";
    out += arg_kind_name(sig.args[i]);
  }
  return out + ")";
}

std::pair<std::string_view, std::string_view> split_distribution_suffix(std::string_view name) {
  for (std::string_view suffix : {"_lpdf", "_lpmf", "_rng", "_lcdf", "_lccdf", "_cdf"}) {
    if (name.size() > suffix.size() && name.substr(name.size() - suffix.size()) == suffix) {
      return {name.substr(0, name.size() - suffix.size()), suffix};
    }
  }
  return {name, {}};
}

}  // namespace vic::stdlib
