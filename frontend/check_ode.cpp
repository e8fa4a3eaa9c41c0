// Type checking of the ODE solvers' calls: Stan's
//   ode_rk45(f, vector y0, real t0, array[] real ts, ...)           -> array[] vector
//   ode_rk45_tol(f, y0, t0, ts, data real rtol, data real atol, data int max_num_steps, ...)
// with f `vector f(real t, vector y, ...)` taking the trailing arguments, the
// same for ode_bdf, and the deprecated
//   integrate_ode_rk45(f, array[] real y0, real t0, array[] real ts, array[] real theta,
//                      data array[] real x_r, data array[] int x_i [, rtol, atol, max_num_steps])
// -> array[,] real, with f `array[] real f(real, array[] real, array[] real,
// array[] real, array[] int)`. The tolerances, x_r and x_i must be data.
#include <algorithm>

#include "frontend/check_internal.h"

namespace vic::frontend::internal {

using ast::BaseType;
using ast::Dependence;
using ast::Shape;
using ast::Type;

namespace {

Type real_array(int rank = 1) { return {BaseType::Real, Shape::Scalar, rank, false}; }
Type int_array() { return {BaseType::Int, Shape::Scalar, 1, false}; }

}  // namespace

void Checker::check_ode_call(ast::Call& e) {
  e.type = Type::poisoned();
  e.dependence = Dependence::Data;
  const stdlib::OdeSolverForm form = *stdlib::ode_solver_form(e.name);
  const bool deprecated = form.deprecated;
  const std::string wanted = deprecated
                                 ? "a function 'array[] real f(real, array[] real, array[] real, array[] real, array[] int)'"
                                 : "a function 'vector f(real, vector, ...)'";
  // The right-hand side is named, not evaluated.
  const ast::FunctionDef* f = nullptr;
  if (!e.args.empty() && e.args[0]->kind == ast::ExprKind::Variable) {
    const auto& name = e.args[0]->as<ast::Variable>();
    if (!lookup(name.name)) f = find_user_function(name.name);
  }
  const SourceLoc where = e.args.empty() ? e.loc : e.args[0]->loc;
  for (size_t i = 1; i < e.args.size(); ++i) {
    check_expr(*e.args[i]);
    if (e.args[i]->type.error) return;
  }
  if (!f) {
    diags_.error(DiagnosticKind::BadOdeFunction, where, {e.name, wanted});
    return;
  }
  if (current_function_) callees_[current_function_].push_back(f);
  std::vector<Type> params;
  for (const ast::VarDeclPtr& a : f->arguments) params.push_back(a->type.type());
  const bool rhs_ok =
      !f->returns_void && params.size() >= 2 && params[0] == Type::real_scalar() &&
      (deprecated ? f->return_type == real_array() && params.size() == 5 && params[1] == real_array() &&
                        params[2] == real_array() && params[3] == real_array() && params[4] == int_array()
                  : f->return_type == Type::vector() && params[1] == Type::vector());
  // The right-hand side runs at every step of the solver: it may not draw
  // random numbers or add to the target.
  auto [unused_base, suffix] = stdlib::split_distribution_suffix(f->name);
  (void)unused_base;
  const bool plain = suffix != "_rng" && suffix != "_lpdf" && suffix != "_lpmf" &&
                     !(f->name.size() > 3 && f->name.substr(f->name.size() - 3) == "_lp");
  if (!rhs_ok || !plain) {
    diags_.error(DiagnosticKind::BadOdeFunction, where, {e.name, wanted + ", not '" + f->name + "'"});
    return;
  }

  // The arguments after f: what each must be, and whether it must be data.
  struct Expected {
    Type type;
    bool data;
  };
  std::vector<Expected> expected;
  const Type state = deprecated ? real_array() : Type::vector();
  expected = {{state, false}, {Type::real_scalar(), false}, {real_array(), false}};
  if (deprecated) {
    expected.push_back({real_array(), false});
    expected.push_back({real_array(), true});
    expected.push_back({int_array(), true});
  }
  const bool with_tolerances = form.tolerances || (deprecated && e.args.size() == 10);
  if (with_tolerances) {
    expected.push_back({Type::real_scalar(), true});
    expected.push_back({Type::real_scalar(), true});
    // Stan's deprecated solvers take a real count too (posteriordb's lotka_volterra passes 5e2).
    expected.push_back({deprecated ? Type::real_scalar() : Type::int_scalar(), true});
  }
  if (!deprecated)
    for (size_t k = 2; k < params.size(); ++k) expected.push_back({params[k], f->data_only[k]});

  bool ok = e.args.size() == expected.size() + 1;
  for (size_t i = 0; ok && i < expected.size(); ++i) ok = assignable(expected[i].type, e.args[i + 1]->type);
  if (!ok) {
    std::string got = f->name, signature = e.name + "(" + f->name;
    for (size_t i = 1; i < e.args.size(); ++i) got += ", " + e.args[i]->type.str();
    for (const Expected& x : expected) signature += std::string(", ") + (x.data ? "data " : "") + x.type.str();
    diags_.error(DiagnosticKind::NoMatchingSignature, e.loc, {e.name, got, signature + ")"});
    return;
  }
  for (size_t i = 0; i < expected.size(); ++i) {
    const ast::Expr& arg = *e.args[i + 1];
    if (!expected[i].data || arg.dependence == Dependence::Data) continue;
    diags_.error(DiagnosticKind::DataOnlyArgument, arg.loc, {std::to_string(i + 2), e.name});
  }
  for (size_t i = 1; i < e.args.size(); ++i) e.dependence = join(e.dependence, e.args[i]->dependence);
  e.function = f;
  e.type = deprecated ? real_array(2) : Type{BaseType::Real, Shape::Vector, 1, false};
}

}  // namespace vic::frontend::internal
