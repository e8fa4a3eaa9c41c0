// The type checker's shared state, private to frontend/check*.cpp: check.cpp
// holds scopes, statements and operators; check_call.cpp holds calls and
// distributions (signature matching against stdlib/signatures.h).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "frontend/ast.h"
#include "stdlib/signatures.h"
#include "support/diagnostics.h"

namespace vic::frontend::internal {

class Checker {
 public:
  explicit Checker(Diagnostics& diags) : diags_(diags) {}

  void check_program(ast::Program& program);

 private:
  // --- scopes (check.cpp) ---
  void push_scope() { scopes_.emplace_back(); }
  void pop_scope() { scopes_.pop_back(); }
  const ast::VarDecl* lookup(const std::string& name) const;
  // Adds `decl` to the innermost scope (Redeclaration if the name is taken).
  void declare(const ast::VarDecl& decl);

  // --- user-defined functions (check_function.cpp) ---
  void check_functions(ast::Program& program);
  void check_function_body(ast::FunctionDef& f);
  void check_return(ast::ReturnStmt& s);
  void check_call_stmt(ast::CallStmt& s);
  // Types a call of a user-defined function; false when `e` names none.
  bool check_user_call(ast::Call& e, bool as_statement = false);
  const ast::FunctionDef* find_user_function(const std::string& name) const {
    auto it = functions_.find(name);
    return it == functions_.end() ? nullptr : it->second;
  }
  // Whether the function being checked has a name ending in `suffix`.
  bool in_function_with_suffix(std::string_view suffix) const;

  // --- statements (check.cpp) ---
  void check_stmt(ast::Stmt& s);
  void check_stmt_scoped(ast::Stmt& s);
  void check_decl(ast::VarDecl& d);
  void check_assign(ast::AssignStmt& s);
  void check_tilde(ast::TildeStmt& s);
  void check_for(ast::ForStmt& s);
  void check_condition(ast::Expr& cond);  // of an `if` or a `while`
  // `or_guide`: the guide block may have it too (its `~` draws the latents).
  void require_model_block(SourceLoc loc, const char* what, bool or_guide = false);

  // --- networks, latents and the guide (check_guide.cpp) ---
  void check_network(ast::NetworkDecl& n);
  // Types a call of a network; false when `e` names none.
  bool check_network_call(ast::Call& e);
  // The rules of latents: one plate size, read one data item at a time, each
  // drawn by the guide from a distribution vic can reparameterise.
  void check_latents(const ast::Program& program);

  // --- expressions (check.cpp) ---
  void check_expr(ast::Expr& e);
  void check_variable(ast::Variable& e);
  void check_unary(ast::Unary& e);
  void check_binary(ast::Binary& top);
  // Types one node whose operands are checked.
  void type_binary(ast::Binary& e);
  void check_index(ast::Index& e);
  void check_conditional(ast::Conditional& e);
  void check_range(ast::Range& e);
  void check_container_literal(ast::ContainerLiteral& e);

  // --- calls (check_call.cpp) ---
  void check_call(ast::Call& e);
  void check_distribution_call(ast::Call& e, std::string_view base, std::string_view suffix);
  void check_rng_call(ast::Call& e, std::string_view base);
  void check_function_call(ast::Call& e);
  // --- the ODE solvers (check_ode.cpp) ---
  void check_ode_call(ast::Call& e);

  Diagnostics& diags_;
  std::vector<std::unordered_map<std::string, const ast::VarDecl*>> scopes_;
  std::unordered_map<const ast::VarDecl*, ast::Dependence> dependence_;
  ast::BlockKind block_ = ast::BlockKind::Data;
  int loop_depth_ = 0;  // the loops around the statement being checked, for break and continue
  std::unordered_map<std::string, const ast::FunctionDef*> functions_;
  std::unordered_map<std::string, const ast::NetworkDecl*> networks_;
  const ast::FunctionDef* current_function_ = nullptr;
  // Which user-defined functions each one calls, for the recursion check.
  std::unordered_map<const ast::FunctionDef*, std::vector<const ast::FunctionDef*>> callees_;
};

// --- type rules shared by the checker's files ---

// The result of `lhs op rhs` under Stan's rules; nullopt when not defined.
std::optional<ast::Type> binary_result(ast::BinaryOp op, const ast::Type& lhs, const ast::Type& rhs);
// Whether a value of type `from` can be assigned to a variable of type `to`
// (equal types, or int promoted to real with the same shape).
bool assignable(const ast::Type& to, const ast::Type& from);
// Whether an argument of type `t` fits the stdlib argument kind `kind`.
bool matches(stdlib::ArgKind kind, const ast::Type& t);
// Parameter if either is.
ast::Dependence join(ast::Dependence a, ast::Dependence b);
// "a real", "an int", "an array[] real".
std::string with_article(const ast::Type& t);
// The candidate closest to `name` by edit distance, when close enough to be a
// likely typo; for "did you mean" hints.
std::optional<std::string> closest_name(std::string_view name, const std::vector<std::string>& candidates);

}  // namespace vic::frontend::internal
