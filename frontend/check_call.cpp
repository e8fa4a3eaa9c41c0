// Type checking of calls and `~` statements against the standard library's
// signature table (stdlib/signatures.h): plain functions, `_lpdf`/`_lpmf` with
// their `|`, `_rng` (transformed data and generated quantities only), and
// distributions after `~`, with "did you mean" hints for near-miss names.
#include <algorithm>

#include "frontend/check_internal.h"
#include "frontend/frontend.h"

namespace vic::frontend::internal {

using ast::BaseType;
using ast::Dependence;
using ast::Shape;
using ast::Type;
using stdlib::ArgKind;

bool matches(ArgKind kind, const Type& t) {
  const bool real_sequence = (t.array_rank == 0 && (t.shape == Shape::Vector || t.shape == Shape::RowVector)) ||
                             (t.array_rank == 1 && t.shape == Shape::Scalar);
  switch (kind) {
    case ArgKind::Int: return t.is_int_scalar();
    case ArgKind::Real: return t.is_scalar();
    case ArgKind::Ints:
      return t.shape == Shape::Scalar && t.base == BaseType::Int && (t.array_rank == 0 || t.array_rank == 1);
    case ArgKind::Reals: return t.is_scalar() || real_sequence;
    case ArgKind::RealVector: return real_sequence;
    case ArgKind::Shaped: return t.array_rank == 0 && t.shape != Shape::Scalar;
    case ArgKind::Elements: return real_sequence || (t.array_rank == 0 && t.shape == Shape::Matrix);
    case ArgKind::Vector: return t.array_rank == 0 && t.shape == Shape::Vector;
    case ArgKind::Matrix: return t.array_rank == 0 && t.shape == Shape::Matrix;
    case ArgKind::Container: return !t.is_scalar();
    case ArgKind::RowVector: return t.array_rank == 0 && t.shape == Shape::RowVector;
    case ArgKind::Vectors: return t.shape == Shape::Vector && t.array_rank <= 1;
    case ArgKind::VectorArray: return t.shape == Shape::Vector && t.array_rank == 1;
    case ArgKind::IntArray: return t.shape == Shape::Scalar && t.base == BaseType::Int && t.array_rank == 1;
    case ArgKind::Array2: return t.shape == Shape::Scalar && t.array_rank == 2;
  }
  return false;
}

namespace {

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

bool all_match(const std::vector<ArgKind>& kinds, const std::vector<const Type*>& types) {
  if (kinds.size() != types.size()) return false;
  for (size_t i = 0; i < kinds.size(); ++i)
    if (!matches(kinds[i], *types[i])) return false;
  return true;
}

// "vector, real" or, with `bar`, "vector | real, real".
std::string type_list(const std::vector<const Type*>& types, bool bar) {
  std::string out;
  for (size_t i = 0; i < types.size(); ++i) {
    if (i) out += bar && i == 1 ? " | " : ", ";
    out += types[i]->str();
  }
  return out;
}

std::vector<const Type*> arg_types(const std::vector<ast::ExprPtr>& args) {
  std::vector<const Type*> out;
  for (const ast::ExprPtr& a : args) out.push_back(&a->type);
  return out;
}

// Every callable name, for hints: functions and each distribution's suffixed forms.
std::vector<std::string> callable_names() {
  std::vector<std::string> names;
  for (const stdlib::FunctionInfo& f : stdlib::all_functions()) names.push_back(f.name);
  for (const stdlib::DistributionInfo& d : stdlib::all_distributions()) {
    names.push_back(d.name + (d.discrete ? "_lpmf" : "_lpdf"));
    names.push_back(d.name + "_rng");
  }
  return names;
}

std::vector<std::string> distribution_names() {
  std::vector<std::string> names;
  for (const stdlib::DistributionInfo& d : stdlib::all_distributions()) names.push_back(d.name);
  return names;
}

void add_did_you_mean(Diagnostic& d, std::string_view name, const std::vector<std::string>& candidates) {
  if (std::optional<std::string> best = closest_name(name, candidates)) {
    d.hints.push_back("did you mean '" + *best + "'?");
  }
}

}  // namespace

std::optional<std::string> closest_name(std::string_view name, const std::vector<std::string>& candidates) {
  const size_t limit = std::max<size_t>(1, std::min<size_t>(3, name.size() / 3));
  std::optional<std::string> best;
  size_t best_distance = limit + 1;
  for (const std::string& candidate : candidates) {
    size_t d = edit_distance(name, candidate);
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  return best;
}

void Checker::check_call(ast::Call& e) {
  if (stdlib::is_ode_solver(e.name)) {
    check_ode_call(e);
    return;
  }
  e.dependence = Dependence::Data;
  for (ast::ExprPtr& arg : e.args) {
    check_expr(*arg);
    e.dependence = join(e.dependence, arg->dependence);
  }
  e.type = Type::poisoned();
  if (check_network_call(e)) return;
  if (check_user_call(e)) return;
  auto [base, suffix] = stdlib::split_distribution_suffix(e.name);
  if (suffix == "_lpdf" || suffix == "_lpmf" || suffix == "_lcdf" || suffix == "_lccdf" || suffix == "_cdf") {
    check_distribution_call(e, base, suffix);
  } else if (suffix == "_rng") {
    check_rng_call(e, base);
  } else {
    check_function_call(e);
  }
  // An int cannot change with the parameters: `rows(theta)` may size a local.
  if (e.type.base == BaseType::Int && !e.type.error) e.dependence = Dependence::Data;
}

void Checker::check_distribution_call(ast::Call& e, std::string_view base, std::string_view suffix) {
  const stdlib::DistributionInfo* dist = stdlib::find_distribution(base);
  const bool density = suffix == "_lpdf" || suffix == "_lpmf";
  if (!dist || (density && dist->discrete != (suffix == "_lpmf")) || (!density && !stdlib::has_cdf(base))) {
    Diagnostic& d = diags_.error(DiagnosticKind::UnknownFunction, e.loc, {e.name});
    if (dist) {
      d.hints.push_back("did you mean '" + dist->name + (dist->discrete ? "_lpmf" : "_lpdf") + "'?");
    } else {
      add_did_you_mean(d, e.name, callable_names());
    }
    return;
  }
  if (!e.conditional && e.args.size() >= 2) {
    Diagnostic& d = diags_.error(DiagnosticKind::LpdfMisuse, e.loc, {e.name});
    d.hints.push_back("expected " + stdlib::describe_distribution_signature(*dist, suffix));
    return;
  }
  std::vector<const Type*> types = arg_types(e.args);
  if (std::any_of(types.begin(), types.end(), [](const Type* t) { return t->error; })) return;
  std::vector<ArgKind> kinds = {dist->variate};
  kinds.insert(kinds.end(), dist->params.begin(), dist->params.end());
  if (!all_match(kinds, types)) {
    diags_.error(DiagnosticKind::NoMatchingSignature, e.loc,
                 {e.name, type_list(types, true), stdlib::describe_distribution_signature(*dist, suffix)});
    return;
  }
  e.type = Type::real_scalar();
}

void Checker::check_rng_call(ast::Call& e, std::string_view base) {
  const stdlib::DistributionInfo* dist = stdlib::find_distribution(base);
  // Stan has no _rng of a GLM.
  std::optional<stdlib::RngSignature> rng = dist ? stdlib::rng_signature(*dist) : std::nullopt;
  if (!rng) {
    Diagnostic& d = diags_.error(DiagnosticKind::UnknownFunction, e.loc, {e.name});
    add_did_you_mean(d, e.name, callable_names());
    return;
  }
  if (e.conditional) {
    diags_.error(DiagnosticKind::ConditionalBarMisuse, e.loc, {e.name});
    return;
  }
  if (block_ != ast::BlockKind::TransformedData && block_ != ast::BlockKind::GeneratedQuantities &&
      !in_function_with_suffix("_rng")) {
    diags_.error(DiagnosticKind::RngOutsideGenerated, e.loc, {e.name});
  }
  std::vector<const Type*> types = arg_types(e.args);
  if (std::any_of(types.begin(), types.end(), [](const Type* t) { return t->error; })) return;
  if (!all_match(rng->params, types)) {
    diags_.error(DiagnosticKind::NoMatchingSignature, e.loc,
                 {e.name, type_list(types, false), stdlib::describe_distribution_signature(*dist, "_rng")});
    return;
  }
  const bool vectorized = std::any_of(types.begin(), types.end(), [](const Type* t) { return !t->is_scalar(); });
  e.type = dist->discrete ? Type::int_scalar() : Type::real_scalar();
  if (dist->variate == ArgKind::Vectors) {
    // One draw of a vector (dirichlet, multi_normal), or one per location
    // vector when those come as an array (multi_normal's and multi_student_t's).
    e.type = Type::vector();
    for (size_t i = 0; i < types.size(); ++i)
      if (rng->params[i] == ArgKind::Vectors && types[i]->array_rank == 1) e.type.array_rank = 1;
  } else if (dist->variate == ArgKind::Matrix) {
    e.type = {BaseType::Real, Shape::Matrix, 0, false};  // wishart, lkj_corr, ...
  } else if (dist->variate == ArgKind::IntArray) {
    e.type = {BaseType::Int, Shape::Scalar, 1, false};  // multinomial's counts
  } else if (vectorized && std::none_of(rng->params.begin(), rng->params.end(),
                                        [](ArgKind k) { return k == ArgKind::Vector || k == ArgKind::Vectors; })) {
    e.type.array_rank = 1;  // one draw per element; a vector parameter (categorical's) is one distribution
  }
  // Random draws are never differentiated.
  e.dependence = Dependence::Data;
}

void Checker::check_function_call(ast::Call& e) {
  const stdlib::FunctionInfo* fn = stdlib::find_function(e.name);
  if (!fn) {
    Diagnostic& d = diags_.error(DiagnosticKind::UnknownFunction, e.loc, {e.name});
    if (const stdlib::DistributionInfo* dist = stdlib::find_distribution(e.name)) {
      d.hints.push_back("'" + dist->name + "' is a distribution: use it after '~', or call '" + dist->name +
                        (dist->discrete ? "_lpmf" : "_lpdf") + "'");
    } else {
      add_did_you_mean(d, e.name, callable_names());
    }
    return;
  }
  if (e.conditional) {
    diags_.error(DiagnosticKind::ConditionalBarMisuse, e.loc, {e.name});
    return;
  }
  std::vector<const Type*> types = arg_types(e.args);
  if (std::any_of(types.begin(), types.end(), [](const Type* t) { return t->error; })) return;
  for (const stdlib::FunctionSignature& sig : fn->signatures) {
    if (!all_match(sig.args, types)) continue;
    switch (sig.result) {
      case stdlib::ReturnKind::Real: e.type = Type::real_scalar(); break;
      case stdlib::ReturnKind::Int: e.type = Type::int_scalar(); break;
      case stdlib::ReturnKind::Vector: e.type = Type::vector(); break;
      case stdlib::ReturnKind::Matrix: e.type = {BaseType::Real, Shape::Matrix, 0, false}; break;
      case stdlib::ReturnKind::RowVector: e.type = {BaseType::Real, Shape::RowVector, 0, false}; break;
      case stdlib::ReturnKind::Transposed:
        e.type = {BaseType::Real, types[0]->shape, 0, false};
        if (types[0]->shape == Shape::Vector) e.type.shape = Shape::RowVector;
        if (types[0]->shape == Shape::RowVector) e.type.shape = Shape::Vector;
        break;
      case stdlib::ReturnKind::IntArray: e.type = {BaseType::Int, Shape::Scalar, 1, false}; break;
      case stdlib::ReturnKind::RealArray: e.type = {BaseType::Real, Shape::Scalar, 1, false}; break;
      case stdlib::ReturnKind::LikeArg:
        e.type = *types[0];
        e.type.base = BaseType::Real;
        break;
      case stdlib::ReturnKind::RealOrArray:
      case stdlib::ReturnKind::IntOrArray: {
        const bool vectorized =
            std::any_of(types.begin(), types.end(), [](const Type* t) { return !t->is_scalar(); });
        e.type = sig.result == stdlib::ReturnKind::IntOrArray ? Type::int_scalar() : Type::real_scalar();
        if (vectorized) e.type.array_rank = 1;
        break;
      }
    }
    return;
  }
  std::string expected;
  for (const stdlib::FunctionSignature& sig : fn->signatures) {
    if (!expected.empty()) expected += " or ";
    expected += stdlib::describe_function_signature(fn->name, sig);
  }
  diags_.error(DiagnosticKind::NoMatchingSignature, e.loc, {e.name, type_list(types, false), expected});
}

void Checker::check_tilde(ast::TildeStmt& s) {
  require_model_block(s.loc, "~", /*or_guide=*/true);
  check_expr(*s.lhs);
  for (ast::ExprPtr& arg : s.args) check_expr(*arg);
  const stdlib::DistributionInfo* dist = stdlib::find_distribution(s.distribution);
  for (auto [bound, name] : {std::pair{s.truncate_lower.get(), "lower"}, std::pair{s.truncate_upper.get(), "upper"}}) {
    if (!bound) continue;
    check_expr(*bound);
    if (!bound->type.error && !bound->type.is_scalar()) {
      diags_.error(DiagnosticKind::BadBound, bound->loc, {name, bound->type.str()});
    } else if (!bound->type.error && dist && dist->discrete && bound->type.base != BaseType::Int) {
      // Its CDF takes ints, as in Stan.
      diags_.error(DiagnosticKind::TypeMismatch, bound->loc,
                   {std::string("the ") + name + " bound of a truncated '" + s.distribution + "' must be an int, not " +
                    bound->type.str()});
    }
  }
  const ast::FunctionDef* user = nullptr;
  for (const char* suffix : {"_lpdf", "_lpmf"})
    if (!user) user = find_user_function(s.distribution + suffix);
  if (user && !dist) {
    // `y ~ foo(a)` is `target += foo_lpdf(y | a)`.
    std::vector<const Type*> types = {&s.lhs->type};
    for (const ast::ExprPtr& arg : s.args) types.push_back(&arg->type);
    if (std::any_of(types.begin(), types.end(), [](const Type* t) { return t->error; })) return;
    bool ok = types.size() == user->arguments.size();
    for (size_t i = 0; ok && i < types.size(); ++i) ok = assignable(user->arguments[i]->type.type(), *types[i]);
    if (!ok) {
      std::string expected;
      for (size_t i = 0; i < user->arguments.size(); ++i)
        expected += (i ? i == 1 ? " | " : ", " : "") + user->arguments[i]->type.type().str();
      diags_.error(DiagnosticKind::NoMatchingSignature, s.distribution_loc,
                   {s.distribution, type_list(types, true), user->name + "(" + expected + ")"});
      return;
    }
    if (current_function_) callees_[current_function_].push_back(user);
    s.function = user;
    return;
  }
  if (!dist) {
    Diagnostic& d = diags_.error(DiagnosticKind::UnknownDistribution, s.distribution_loc, {s.distribution});
    auto [base, suffix] = stdlib::split_distribution_suffix(s.distribution);
    if (!suffix.empty() && stdlib::find_distribution(base)) {
      d.hints.push_back("after '~' write the distribution without its suffix: '" + std::string(base) + "'");
    } else {
      add_did_you_mean(d, s.distribution, distribution_names());
    }
    return;
  }
  std::vector<const Type*> types = {&s.lhs->type};
  for (const ast::ExprPtr& arg : s.args) types.push_back(&arg->type);
  if (std::any_of(types.begin(), types.end(), [](const Type* t) { return t->error; })) return;
  std::vector<ArgKind> kinds = {dist->variate};
  kinds.insert(kinds.end(), dist->params.begin(), dist->params.end());
  if (!all_match(kinds, types)) {
    diags_.error(DiagnosticKind::NoMatchingSignature, s.distribution_loc,
                 {s.distribution, type_list(types, true), stdlib::describe_distribution_signature(*dist, "")});
  }
}

}  // namespace vic::frontend::internal
