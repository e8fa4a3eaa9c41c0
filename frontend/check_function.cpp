// Type checking of user-defined functions: their definitions (arguments in
// scope, a `return` of the declared type at the end), their calls (argument
// types, `data` arguments, the suffix rules of _lpdf, _lp and _rng), and the
// rejection of recursion, which the lowering cannot inline.
#include <algorithm>
#include <functional>
#include <unordered_set>

#include "frontend/check_internal.h"
#include "frontend/frontend.h"

namespace vic::frontend::internal {

using ast::BaseType;
using ast::Dependence;
using ast::Type;

namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Calls `f` on every `return` in `s`.
void for_each_return(ast::Stmt& s, const std::function<void(ast::ReturnStmt&)>& f) {
  switch (s.kind) {
    case ast::StmtKind::Return: f(s.as<ast::ReturnStmt>()); break;
    case ast::StmtKind::For: for_each_return(*s.as<ast::ForStmt>().body, f); break;
    case ast::StmtKind::While: for_each_return(*s.as<ast::WhileStmt>().body, f); break;
    case ast::StmtKind::If: {
      auto& i = s.as<ast::IfStmt>();
      for_each_return(*i.then_stmt, f);
      if (i.else_stmt) for_each_return(*i.else_stmt, f);
      break;
    }
    case ast::StmtKind::Block:
      for (ast::StmtPtr& c : s.as<ast::BlockStmt>().stmts) for_each_return(*c, f);
      break;
    default: break;
  }
}

// Whether every way through `s` ends in a `return` (Stan's rule for a
// function with a value: no path may fall off its end).
bool always_returns(const ast::Stmt& s) {
  switch (s.kind) {
    case ast::StmtKind::Return: return true;
    case ast::StmtKind::If: {
      const auto& i = s.as<ast::IfStmt>();
      return i.else_stmt && always_returns(*i.then_stmt) && always_returns(*i.else_stmt);
    }
    case ast::StmtKind::Block:
      for (const ast::StmtPtr& c : s.as<ast::BlockStmt>().stmts)
        if (always_returns(*c)) return true;
      return false;
    default: return false;  // a loop may run no iteration
  }
}

}  // namespace

bool Checker::in_function_with_suffix(std::string_view suffix) const {
  return current_function_ && ends_with(current_function_->name, suffix);
}

void Checker::check_functions(ast::Program& program) {
  for (const ast::FunctionDefPtr& f : program.functions) {
    if (find_user_function(f->name) || stdlib::find_function(f->name) ||
        stdlib::find_distribution(stdlib::split_distribution_suffix(f->name).first)) {
      Diagnostic& d = diags_.error(DiagnosticKind::Redeclaration, f->loc, {f->name});
      if (!find_user_function(f->name)) d.hints.push_back("'" + f->name + "' is a function of the standard library");
      continue;
    }
    functions_[f->name] = f.get();
  }
  for (const ast::FunctionDefPtr& f : program.functions) check_function_body(*f);
  current_function_ = nullptr;

  // Every call is inlined, so a function may not reach itself.
  std::unordered_set<const ast::FunctionDef*> done, on_path;
  std::function<bool(const ast::FunctionDef*)> visit = [&](const ast::FunctionDef* f) {
    if (done.count(f)) return false;
    if (!on_path.insert(f).second) {
      diags_.error(DiagnosticKind::NotSupportedYet, f->loc, {"a recursive function ('" + f->name + "')"});
      return true;
    }
    for (const ast::FunctionDef* g : callees_[f])
      if (visit(g)) return true;
    on_path.erase(f);
    done.insert(f);
    return false;
  };
  for (const ast::FunctionDefPtr& f : program.functions) {
    on_path.clear();
    if (visit(f.get())) break;
  }
}

void Checker::check_function_body(ast::FunctionDef& f) {
  current_function_ = &f;
  block_ = ast::BlockKind::Functions;
  push_scope();
  for (size_t i = 0; i < f.arguments.size(); ++i) {
    const ast::VarDecl& arg = *f.arguments[i];
    // An argument may be a parameter at some call unless it is an int or `data`.
    dependence_[&arg] = f.data_only[i] || arg.type.base == BaseType::Int ? Dependence::Data : Dependence::Parameter;
    declare(arg);
  }
  check_stmt(*f.body);
  pop_scope();

  // A `return` before the end carries its value in a variable of the
  // function's (scalar) type through the branches and loops it leaves.
  ast::Stmt* last = f.body.get();
  if (auto* block = f.body->kind == ast::StmtKind::Block ? &f.body->as<ast::BlockStmt>() : nullptr) {
    last = block->stmts.empty() ? nullptr : block->stmts.back().get();
  }
  if (!f.returns_void && !f.return_type.is_scalar()) {
    for_each_return(*f.body, [&](ast::ReturnStmt& r) {
      if (&r != last) {
        diags_.error(DiagnosticKind::NotSupportedYet, r.loc,
                     {"'return' before the end of a function returning " + with_article(f.return_type)});
      }
    });
  }
  if (!f.returns_void && !always_returns(*f.body)) {
    diags_.error(DiagnosticKind::MissingReturn, f.loc, {f.name, with_article(f.return_type)});
  }
}

void Checker::check_return(ast::ReturnStmt& s) {
  if (!current_function_) {
    diags_.error(DiagnosticKind::BadReturn, s.loc, {"'return' is only allowed in a function"});
    return;
  }
  const ast::FunctionDef& f = *current_function_;
  if (s.value) check_expr(*s.value);
  if (f.returns_void) {
    if (s.value) diags_.error(DiagnosticKind::BadReturn, s.loc, {"the void function '" + f.name + "' cannot return a value"});
    return;
  }
  if (!s.value) {
    diags_.error(DiagnosticKind::BadReturn, s.loc, {"'" + f.name + "' must return " + with_article(f.return_type)});
  } else if (!s.value->type.error && !assignable(f.return_type, s.value->type)) {
    diags_.error(DiagnosticKind::BadReturn, s.value->loc,
                 {"'" + f.name + "' returns " + with_article(f.return_type) + ", not " + with_article(s.value->type)});
  }
}

void Checker::check_call_stmt(ast::CallStmt& s) {
  auto& call = s.call->as<ast::Call>();
  for (const char* statement : {"reject", "fatal_error"}) {
    if (call.name == statement) {
      diags_.error(DiagnosticKind::NotSupportedYet, call.loc, {"the '" + call.name + "' statement"});
      return;
    }
  }
  for (ast::ExprPtr& arg : call.args) check_expr(*arg);
  if (check_user_call(call, /*as_statement=*/true)) return;
  if (stdlib::find_function(call.name) || stdlib::find_distribution(stdlib::split_distribution_suffix(call.name).first)) {
    diags_.error(DiagnosticKind::UnusedValue, call.loc, {call.name});
  } else {
    diags_.error(DiagnosticKind::UnknownFunction, call.loc, {call.name});
  }
}

bool Checker::check_user_call(ast::Call& e, bool as_statement) {
  const ast::FunctionDef* f = find_user_function(e.name);
  if (!f) return false;
  if (current_function_) callees_[current_function_].push_back(f);
  e.type = Type::poisoned();
  e.dependence = Dependence::Data;
  for (const ast::ExprPtr& arg : e.args) e.dependence = join(e.dependence, arg->dependence);
  auto [base, suffix] = stdlib::split_distribution_suffix(e.name);
  const bool density = suffix == "_lpdf" || suffix == "_lpmf";
  if (density && !e.conditional && e.args.size() >= 2) {
    diags_.error(DiagnosticKind::LpdfMisuse, e.loc, {e.name});
    return true;
  }
  if (!density && e.conditional) {
    diags_.error(DiagnosticKind::ConditionalBarMisuse, e.loc, {e.name});
    return true;
  }
  if (suffix == "_rng" && block_ != ast::BlockKind::TransformedData && block_ != ast::BlockKind::GeneratedQuantities &&
      !in_function_with_suffix("_rng")) {
    diags_.error(DiagnosticKind::RngOutsideGenerated, e.loc, {e.name});
  }
  if (ends_with(e.name, "_lp")) require_model_block(e.loc, e.name.c_str());

  bool ok = e.args.size() == f->arguments.size();
  for (size_t i = 0; ok && i < e.args.size(); ++i) {
    if (e.args[i]->type.error) return true;
    ok = assignable(f->arguments[i]->type.type(), e.args[i]->type);
  }
  if (!ok) {
    std::string got, expected;
    for (size_t i = 0; i < e.args.size(); ++i) got += (i ? ", " : "") + e.args[i]->type.str();
    expected = e.name + "(";
    for (size_t i = 0; i < f->arguments.size(); ++i) {
      expected += (i ? ", " : "") + f->arguments[i]->type.type().str();
    }
    diags_.error(DiagnosticKind::NoMatchingSignature, e.loc, {e.name, got, expected + ")"});
    return true;
  }
  for (size_t i = 0; i < e.args.size(); ++i) {
    if (f->data_only[i] && e.args[i]->dependence == Dependence::Parameter) {
      diags_.error(DiagnosticKind::DataOnlyArgument, e.args[i]->loc, {std::to_string(i + 1), e.name});
    }
  }
  if (f->returns_void != as_statement) {
    diags_.error(f->returns_void ? DiagnosticKind::VoidValue : DiagnosticKind::UnusedValue, e.loc, {e.name});
    return true;
  }
  e.function = f;
  if (!f->returns_void) e.type = f->return_type;
  // An int result cannot change with the parameters; draws are never differentiated.
  if (e.type.base == BaseType::Int || suffix == "_rng") e.dependence = Dependence::Data;
  return true;
}

}  // namespace vic::frontend::internal
