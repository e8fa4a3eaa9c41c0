// Name resolution and type checking: scopes, declarations, statements and the
// operators, with Stan's rules (int promotes to real; vector/matrix arithmetic;
// data and parameters read-only outside their blocks). Calls are in
// check_call.cpp. Recursion here follows the AST, whose depth the parser bounds
// (kMaxNesting, kMaxExpressionDepth).
#include <algorithm>

#include "frontend/check_internal.h"
#include "frontend/frontend.h"

namespace vic::frontend {
namespace internal {

using ast::BaseType;
using ast::BinaryOp;
using ast::Dependence;
using ast::Shape;
using ast::Type;

namespace {

bool is_container(const Type& t) { return t.array_rank == 0 && t.shape != Shape::Scalar; }

Type scalar_arithmetic(const Type& a, const Type& b) {
  return a.base == BaseType::Int && b.base == BaseType::Int ? Type::int_scalar() : Type::real_scalar();
}

Type container(Shape shape) { return {BaseType::Real, shape, 0, false}; }

// The role of a block's variables, for "data variables are read-only".
const char* variable_role(ast::BlockKind block) {
  switch (block) {
    case ast::BlockKind::Data:
      return "data";
    case ast::BlockKind::TransformedData:
      return "transformed data";
    case ast::BlockKind::Parameters:
      return "parameter";
    case ast::BlockKind::TransformedParameters:
      return "transformed parameter";
    case ast::BlockKind::Model:
      return "model";
    case ast::BlockKind::Guide:
      return "guide";
    case ast::BlockKind::GeneratedQuantities:
      return "generated quantities";
    case ast::BlockKind::Functions:
      return "function";
  }
  return "?";
}

const char* assign_op_spelling(ast::AssignOp op) {
  switch (op) {
    case ast::AssignOp::Assign:
      return "=";
    case ast::AssignOp::AddAssign:
      return "+=";
    case ast::AssignOp::SubAssign:
      return "-=";
    case ast::AssignOp::MulAssign:
      return "*=";
    case ast::AssignOp::DivAssign:
      return "/=";
  }
  return "?";
}

}  // namespace

// ---------------------------------------------------------------------------
// Type rules

std::optional<Type> binary_result(BinaryOp op, const Type& lhs, const Type& rhs) {
  if (lhs.array_rank != 0 || rhs.array_rank != 0) return std::nullopt;
  const bool ls = lhs.shape == Shape::Scalar, rs = rhs.shape == Shape::Scalar;
  switch (op) {
    case BinaryOp::Add:
    case BinaryOp::Sub:
      if (ls && rs) return scalar_arithmetic(lhs, rhs);
      if (ls) return container(rhs.shape);
      if (rs || lhs.shape == rhs.shape) return container(lhs.shape);
      return std::nullopt;
    case BinaryOp::Mul:
      if (ls && rs) return scalar_arithmetic(lhs, rhs);
      if (ls) return container(rhs.shape);
      if (rs) return container(lhs.shape);
      if (lhs.shape == Shape::RowVector && rhs.shape == Shape::Vector) return Type::real_scalar();
      if (lhs.shape == Shape::Vector && rhs.shape == Shape::RowVector) return container(Shape::Matrix);
      if (lhs.shape == Shape::Matrix && rhs.shape == Shape::Vector) return container(Shape::Vector);
      if (lhs.shape == Shape::RowVector && rhs.shape == Shape::Matrix) return container(Shape::RowVector);
      if (lhs.shape == Shape::Matrix && rhs.shape == Shape::Matrix) return container(Shape::Matrix);
      return std::nullopt;
    case BinaryOp::Div:
      // Stan: int / int is int (integer division, with a warning in stanc).
      if (ls && rs) return scalar_arithmetic(lhs, rhs);
      if (rs) return container(lhs.shape);
      if (rhs.shape == Shape::Matrix && (lhs.shape == Shape::Matrix || lhs.shape == Shape::RowVector))
        return container(lhs.shape);
      return std::nullopt;
    case BinaryOp::IntDiv:
    case BinaryOp::Mod:
      if (lhs.is_int_scalar() && rhs.is_int_scalar()) return Type::int_scalar();
      return std::nullopt;
    case BinaryOp::Pow:
      if (ls && rs) return Type::real_scalar();
      return std::nullopt;
    case BinaryOp::EltMul:
    case BinaryOp::EltDiv:
      if (ls && rs) return op == BinaryOp::EltMul ? scalar_arithmetic(lhs, rhs) : Type::real_scalar();
      if (ls) return container(rhs.shape);
      if (rs || lhs.shape == rhs.shape) return container(lhs.shape);
      return std::nullopt;
    case BinaryOp::Less:
    case BinaryOp::LessEq:
    case BinaryOp::Greater:
    case BinaryOp::GreaterEq:
    case BinaryOp::Equal:
    case BinaryOp::NotEqual:
    case BinaryOp::And:
    case BinaryOp::Or:
      if (ls && rs) return Type::int_scalar();
      return std::nullopt;
  }
  return std::nullopt;
}

bool assignable(const Type& to, const Type& from) {
  if (to.shape != from.shape || to.array_rank != from.array_rank) return false;
  return to.base == from.base || (to.base == BaseType::Real && from.base == BaseType::Int);
}

Dependence join(Dependence a, Dependence b) {
  return a == Dependence::Parameter || b == Dependence::Parameter ? Dependence::Parameter : Dependence::Data;
}

std::string with_article(const Type& t) {
  const std::string s = t.str();
  const bool vowel = !s.empty() && std::string_view("aeiou").find(s[0]) != std::string_view::npos;
  return (vowel ? "an " : "a ") + s;
}

// ---------------------------------------------------------------------------
// Scopes

const ast::VarDecl* Checker::lookup(const std::string& name) const {
  for (auto it = scopes_.rbegin(); it != scopes_.rend(); ++it) {
    auto found = it->find(name);
    if (found != it->end()) return found->second;
  }
  return nullptr;
}

void Checker::declare(const ast::VarDecl& decl) {
  if (const ast::VarDecl* previous = lookup(decl.name)) {
    Diagnostic& d = diags_.error(DiagnosticKind::Redeclaration, decl.loc, {decl.name});
    d.hints.push_back("'" + decl.name + "' was first declared at line " + std::to_string(previous->loc.line));
    return;
  }
  scopes_.back()[decl.name] = &decl;
}

// ---------------------------------------------------------------------------
// Program and statements

void Checker::check_program(ast::Program& program) {
  // The outermost scope holds the block-level variables of every block; the
  // model block's variables are locals in a scope of their own.
  check_functions(program);
  push_scope();
  auto check_networks_after = [&](size_t blocks) {
    for (ast::NetworkDeclPtr& n : program.networks)
      if (n->after_blocks == blocks) check_network(*n);
  };
  for (size_t k = 0; k < program.blocks.size(); ++k) {
    check_networks_after(k);
    ast::ProgramBlock& block = program.blocks[k];
    block_ = block.kind;
    const bool own_scope = block.kind == ast::BlockKind::Model || block.kind == ast::BlockKind::Guide;
    if (own_scope) push_scope();
    for (ast::StmtPtr& s : block.stmts) check_stmt(*s);
    if (own_scope) pop_scope();
  }
  check_networks_after(program.blocks.size());
  pop_scope();
  check_latents(program);
}

void Checker::check_stmt_scoped(ast::Stmt& s) {
  push_scope();
  check_stmt(s);
  pop_scope();
}

void Checker::require_model_block(SourceLoc loc, const char* what, bool or_guide) {
  // An `_lp` function adds to the target of the block that calls it.
  if (block_ != ast::BlockKind::Model && !(or_guide && block_ == ast::BlockKind::Guide) &&
      !in_function_with_suffix("_lp")) {
    diags_.error(DiagnosticKind::TargetOutsideModel, loc, {what});
  }
}

void Checker::check_stmt(ast::Stmt& s) {
  switch (s.kind) {
    case ast::StmtKind::Decl:
      check_decl(*s.as<ast::DeclStmt>().decl);
      return;
    case ast::StmtKind::Assign:
      check_assign(s.as<ast::AssignStmt>());
      return;
    case ast::StmtKind::Tilde:
      check_tilde(s.as<ast::TildeStmt>());
      return;
    case ast::StmtKind::TargetPlus:
      require_model_block(s.loc, "target +=");
      check_expr(*s.as<ast::TargetPlusStmt>().value);
      return;
    case ast::StmtKind::For:
      check_for(s.as<ast::ForStmt>());
      return;
    case ast::StmtKind::While: {
      auto& w = s.as<ast::WhileStmt>();
      check_condition(*w.cond);
      ++loop_depth_;
      check_stmt_scoped(*w.body);
      --loop_depth_;
      return;
    }
    case ast::StmtKind::Break:
    case ast::StmtKind::Continue:
      if (loop_depth_ == 0) {
        diags_.error(DiagnosticKind::JumpOutsideLoop, s.loc, {s.kind == ast::StmtKind::Break ? "break" : "continue"});
      }
      return;
    case ast::StmtKind::If: {
      auto& i = s.as<ast::IfStmt>();
      check_condition(*i.cond);
      check_stmt_scoped(*i.then_stmt);
      if (i.else_stmt) check_stmt_scoped(*i.else_stmt);
      return;
    }
    case ast::StmtKind::Block:
      push_scope();
      for (ast::StmtPtr& child : s.as<ast::BlockStmt>().stmts) check_stmt(*child);
      pop_scope();
      return;
    case ast::StmtKind::Return:
      check_return(s.as<ast::ReturnStmt>());
      return;
    case ast::StmtKind::Call:
      check_call_stmt(s.as<ast::CallStmt>());
      return;
    case ast::StmtKind::Reject:
    case ast::StmtKind::Print:
      for (ast::PrintPiece& piece : s.kind == ast::StmtKind::Print ? s.as<ast::PrintStmt>().pieces
                                                                     : s.as<ast::RejectStmt>().pieces)
        if (piece.value) check_expr(*piece.value);
      return;
  }
}

void Checker::check_decl(ast::VarDecl& d) {
  auto check_size = [&](ast::Expr& size) {
    check_expr(size);
    if (size.type.error) return;
    if (!size.type.is_int_scalar()) {
      diags_.error(DiagnosticKind::NonIntSize, size.loc, {size.type.str()});
    } else if (size.dependence == Dependence::Parameter) {
      diags_.error(DiagnosticKind::SizeDependsOnParameter, size.loc);
    }
  };
  for (ast::ExprPtr& size : d.type.array_dims) check_size(*size);
  for (ast::ExprPtr& size : d.type.shape_dims) check_size(*size);
  for (auto [bound, name] : {std::pair{d.type.lower.get(), "lower"}, std::pair{d.type.upper.get(), "upper"},
                             std::pair{d.type.offset.get(), "offset"}, std::pair{d.type.multiplier.get(), "multiplier"}}) {
    if (!bound) continue;
    check_expr(*bound);
    if (!bound->type.error && !bound->type.is_scalar()) {
      diags_.error(DiagnosticKind::BadBound, bound->loc, {name, bound->type.str()});
    }
  }
  const Type declared = d.type.type();
  if (d.block == ast::BlockKind::Parameters && d.type.base == BaseType::Int) {
    diags_.error(DiagnosticKind::IntParameter, d.loc, {d.name, declared.str()});
  }
  if (d.init) {
    check_expr(*d.init);
    if (!d.init->type.error && !assignable(declared, d.init->type)) {
      diags_.error(DiagnosticKind::TypeMismatch, d.init->loc,
                   {"cannot assign " + with_article(d.init->type) + " to '" + d.name + "' of type " + declared.str()});
    }
  }
  // Which values can change with the parameters: parameters, transformed
  // parameters, and (conservatively) every real local of the model and
  // transformed parameters blocks. Generated quantities are never differentiated.
  Dependence dep = Dependence::Data;
  switch (d.block) {
    case ast::BlockKind::Functions:
      // A function's real locals may hold values of its arguments, which may
      // be parameters at some call.
      if (d.type.base == BaseType::Real) dep = Dependence::Parameter;
      break;
    case ast::BlockKind::Parameters:
    case ast::BlockKind::TransformedParameters:
    case ast::BlockKind::Model:
    case ast::BlockKind::Guide:
      if (d.block == ast::BlockKind::Parameters || !d.is_local || d.type.base == BaseType::Real) {
        dep = Dependence::Parameter;
      }
      break;
    default:
      break;
  }
  dependence_[&d] = dep;
  declare(d);
}

void Checker::check_assign(ast::AssignStmt& s) {
  check_expr(*s.lhs);
  check_expr(*s.rhs);
  const ast::Expr* base = s.lhs.get();
  while (base->kind == ast::ExprKind::Index) base = base->as<ast::Index>().base.get();
  const ast::VarDecl* decl = base->kind == ast::ExprKind::Variable ? base->as<ast::Variable>().decl : nullptr;
  if (decl) {
    if (decl->is_function_argument) {
      diags_.error(DiagnosticKind::AssignToArgument, s.lhs->loc, {decl->name});
      return;
    }
    if (decl->is_loop_index) {
      diags_.error(DiagnosticKind::AssignToLoopIndex, s.lhs->loc, {decl->name});
      return;
    }
    if (decl->block != block_) {
      diags_.error(DiagnosticKind::AssignToReadOnly, s.lhs->loc,
                   {decl->name, variable_role(decl->block), ast::block_kind_name(block_)});
      return;
    }
  }
  if (s.lhs->type.error || s.rhs->type.error) return;
  Type value = s.rhs->type;
  if (s.op != ast::AssignOp::Assign) {
    static constexpr BinaryOp kOps[] = {BinaryOp::Add, BinaryOp::Add, BinaryOp::Sub, BinaryOp::Mul, BinaryOp::Div};
    std::optional<Type> result = binary_result(kOps[static_cast<int>(s.op)], s.lhs->type, s.rhs->type);
    if (!result) {
      diags_.error(DiagnosticKind::TypeMismatch, s.loc,
                   {std::string("cannot apply '") + assign_op_spelling(s.op) + "' to " + s.lhs->type.str() + " and " +
                    s.rhs->type.str()});
      return;
    }
    value = *result;
  }
  if (!assignable(s.lhs->type, value)) {
    diags_.error(
        DiagnosticKind::TypeMismatch, s.loc,
        {"cannot assign " + with_article(value) + " to '" + expr_to_source(*s.lhs) + "' of type " + s.lhs->type.str()});
  }
}

void Checker::check_for(ast::ForStmt& s) {
  for (ast::Expr* bound : {s.lower.get(), s.upper.get()}) {
    check_expr(*bound);
    if (!bound->type.error && !bound->type.is_int_scalar()) {
      diags_.error(DiagnosticKind::LoopBoundNotInt, bound->loc, {bound->type.str()});
    }
  }
  push_scope();
  dependence_[s.index.get()] = Dependence::Data;
  declare(*s.index);
  ++loop_depth_;
  check_stmt_scoped(*s.body);
  --loop_depth_;
  pop_scope();
}

void Checker::check_condition(ast::Expr& cond) {
  check_expr(cond);
  if (!cond.type.error && !cond.type.is_scalar()) {
    diags_.error(DiagnosticKind::ConditionNotScalar, cond.loc, {cond.type.str()});
  }
}

// ---------------------------------------------------------------------------
// Expressions

void Checker::check_expr(ast::Expr& e) {
  switch (e.kind) {
    case ast::ExprKind::IntLiteral:
      e.type = Type::int_scalar();
      e.dependence = Dependence::Data;
      return;
    case ast::ExprKind::RealLiteral:
      e.type = Type::real_scalar();
      e.dependence = Dependence::Data;
      return;
    case ast::ExprKind::Variable:
      check_variable(e.as<ast::Variable>());
      return;
    case ast::ExprKind::Unary:
      check_unary(e.as<ast::Unary>());
      return;
    case ast::ExprKind::Binary:
      check_binary(e.as<ast::Binary>());
      return;
    case ast::ExprKind::Index:
      check_index(e.as<ast::Index>());
      return;
    case ast::ExprKind::Call:
      check_call(e.as<ast::Call>());
      return;
    case ast::ExprKind::Conditional:
      check_conditional(e.as<ast::Conditional>());
      return;
    case ast::ExprKind::Range:
      check_range(e.as<ast::Range>());
      return;
    case ast::ExprKind::ContainerLiteral:
      check_container_literal(e.as<ast::ContainerLiteral>());
      return;
  }
}

void Checker::check_variable(ast::Variable& e) {
  e.decl = lookup(e.name);
  if (!e.decl && find_user_function(e.name)) {
    // Only the ODE solvers take a function (check_ode.cpp).
    diags_.error(DiagnosticKind::NotSupportedYet, e.loc, {"a function used as a value ('" + e.name + "')"});
    e.type = Type::poisoned();
    return;
  }
  if (!e.decl) {
    diags_.error(DiagnosticKind::UndeclaredName, e.loc, {e.name});
    e.type = Type::poisoned();
    return;
  }
  e.type = e.decl->type.type();
  auto dep = dependence_.find(e.decl);
  e.dependence = dep == dependence_.end() ? Dependence::Data : dep->second;
}

void Checker::check_unary(ast::Unary& e) {
  check_expr(*e.operand);
  e.dependence = e.operand->dependence;
  const Type& t = e.operand->type;
  if (t.error) {
    e.type = Type::poisoned();
    return;
  }
  if (e.op == ast::UnaryOp::Transpose) {
    // vector' is a row_vector, row_vector' a vector, matrix' a matrix.
    if (t.array_rank == 0 && t.shape != Shape::Scalar) {
      e.type = t;
      if (t.shape == Shape::Vector) e.type.shape = Shape::RowVector;
      if (t.shape == Shape::RowVector) e.type.shape = Shape::Vector;
      return;
    }
    diags_.error(DiagnosticKind::TypeMismatch, e.loc, {"cannot transpose " + t.str()});
    e.type = Type::poisoned();
    return;
  }
  if (e.op == ast::UnaryOp::Not ? t.is_scalar() : t.array_rank == 0) {
    e.type = e.op == ast::UnaryOp::Not ? Type::int_scalar() : t;
    return;
  }
  const char* spelling = e.op == ast::UnaryOp::Negate ? "-" : e.op == ast::UnaryOp::Plus ? "+" : "!";
  diags_.error(DiagnosticKind::TypeMismatch, e.loc, {std::string("cannot apply '") + spelling + "' to " + t.str()});
  e.type = Type::poisoned();
}

void Checker::check_binary(ast::Binary& top) {
  // Along the chain's left spine, innermost first: no recursion per term.
  std::vector<ast::Binary*> spine = ast::left_spine(top);
  check_expr(*spine.back()->lhs);
  for (auto it = spine.rbegin(); it != spine.rend(); ++it) {
    check_expr(*(*it)->rhs);
    type_binary(**it);
  }
}

void Checker::type_binary(ast::Binary& e) {
  e.dependence = join(e.lhs->dependence, e.rhs->dependence);
  if (e.lhs->type.error || e.rhs->type.error) {
    e.type = Type::poisoned();
    return;
  }
  if (std::optional<Type> result = binary_result(e.op, e.lhs->type, e.rhs->type)) {
    e.type = *result;
    return;
  }
  Diagnostic& d = diags_.error(DiagnosticKind::TypeMismatch, e.loc,
                               {std::string("cannot apply '") + ast::binary_op_spelling(e.op) + "' to " +
                                e.lhs->type.str() + " and " + e.rhs->type.str()});
  if ((e.op == BinaryOp::Mul || e.op == BinaryOp::Div) && is_container(e.lhs->type) && e.lhs->type == e.rhs->type) {
    d.hints.push_back(std::string("for elementwise ") +
                      (e.op == BinaryOp::Mul ? "multiplication use '.*'" : "division use './'"));
  }
  e.type = Type::poisoned();
}

// `[a, b]` is a row_vector, `{a, b}` an array of ints when every element is
// an int, else of reals; the elements are scalars.
void Checker::check_container_literal(ast::ContainerLiteral& e) {
  // `{a, b}` is an array of the elements' type (an int array when every one is
  // an int); `[a, b]` a row_vector of scalars or a matrix of row_vectors.
  e.dependence = Dependence::Data;
  bool ok = true, ints = true;
  const Type* first = nullptr;
  for (ast::ExprPtr& element : e.elements) {
    check_expr(*element);
    e.dependence = join(e.dependence, element->dependence);
    if (element->type.error) {
      ok = false;
      continue;
    }
    const Type& t = element->type;
    const bool allowed = e.array || t.is_scalar() || (t.array_rank == 0 && t.shape == Shape::RowVector);
    if (!allowed || (first && (t.shape != first->shape || t.array_rank != first->array_rank))) {
      diags_.error(DiagnosticKind::TypeMismatch, element->loc,
                   {std::string(e.array ? "an array literal's" : "a row-vector literal's") +
                    " elements must be " + (allowed && first ? first->str() + "s" : "scalars or row_vectors") +
                    ", not " + with_article(t)});
      ok = false;
      continue;
    }
    if (!first) first = &t;
    ints = ints && t.base == BaseType::Int;
  }
  if (!ok || !first) {
    e.type = Type::poisoned();
    return;
  }
  if (e.array) {
    e.type = *first;
    e.type.base = ints ? BaseType::Int : BaseType::Real;
    e.type.array_rank += 1;
  } else {
    e.type = Type{BaseType::Real, first->is_scalar() ? Shape::RowVector : Shape::Matrix, 0, false};
  }
}

// `lo:hi`: int ends; an int array (the checker of the index it is in says where it may be).
void Checker::check_range(ast::Range& e) {
  e.dependence = Dependence::Data;
  bool ok = true;
  for (ast::ExprPtr* end : {&e.lo, &e.hi}) {
    if (!*end) continue;
    check_expr(**end);
    e.dependence = join(e.dependence, (*end)->dependence);
    if ((*end)->type.error) {
      ok = false;
    } else if (!(*end)->type.is_int_scalar()) {
      diags_.error(DiagnosticKind::NonIntIndex, (*end)->loc, {(*end)->type.str()});
      ok = false;
    }
  }
  e.type = ok ? Type{BaseType::Int, Shape::Scalar, 1, false} : Type::poisoned();
}

void Checker::check_index(ast::Index& e) {
  check_expr(*e.base);
  e.dependence = e.base->dependence;
  bool ok = !e.base->type.error;
  // Each index is an int (a single element) or an int array / a slice (a
  // multi-index: the elements it lists, keeping the dimension).
  auto is_multi = [](const ast::Expr& index) {
    return index.type.base == BaseType::Int && index.type.array_rank == 1 && index.type.shape == Shape::Scalar;
  };
  for (ast::ExprPtr& index : e.indices) {
    check_expr(*index);
    e.dependence = join(e.dependence, index->dependence);
    if (index->type.error) {
      ok = false;
    } else if (!index->type.is_int_scalar() && !is_multi(*index)) {
      diags_.error(DiagnosticKind::NonIntIndex, index->loc, {index->type.str()});
      ok = false;
    }
  }
  if (!ok) {
    e.type = Type::poisoned();
    return;
  }
  const Type& base = e.base->type;
  const int n = static_cast<int>(e.indices.size());
  if (n > base.num_dims()) {
    diags_.error(DiagnosticKind::WrongIndexCount, e.loc,
                 {expr_to_source(*e.base), std::to_string(base.num_dims()), std::to_string(n)});
    e.type = Type::poisoned();
    return;
  }
  // Stan's rule: a single index drops its dimension, a multi-index keeps it.
  Type result = base;
  const int array_indices = std::min(n, base.array_rank);
  result.array_rank = base.array_rank - array_indices;
  for (int k = 0; k < array_indices; ++k) result.array_rank += is_multi(*e.indices[k]);
  std::vector<bool> kept;  // the container dimensions indexed: kept (multi) or dropped
  for (int k = array_indices; k < n; ++k) kept.push_back(is_multi(*e.indices[k]));
  if (!kept.empty()) {
    if (base.shape != Shape::Matrix) {
      if (!kept[0]) result.shape = Shape::Scalar;
    } else {
      const bool rows = kept[0], cols = kept.size() < 2 || kept[1];
      result.shape = rows && cols ? Shape::Matrix : rows ? Shape::Vector : cols ? Shape::RowVector : Shape::Scalar;
    }
  }
  e.type = result;
}

void Checker::check_conditional(ast::Conditional& e) {
  check_expr(*e.cond);
  check_expr(*e.then_expr);
  check_expr(*e.else_expr);
  e.dependence = join(e.cond->dependence, join(e.then_expr->dependence, e.else_expr->dependence));
  bool ok = !e.cond->type.error && !e.then_expr->type.error && !e.else_expr->type.error;
  if (!e.cond->type.error && !e.cond->type.is_scalar()) {
    diags_.error(DiagnosticKind::ConditionNotScalar, e.cond->loc, {e.cond->type.str()});
    ok = false;
  }
  if (!ok) {
    e.type = Type::poisoned();
    return;
  }
  const Type& a = e.then_expr->type;
  const Type& b = e.else_expr->type;
  if (assignable(a, b)) {
    e.type = a;
  } else if (assignable(b, a)) {
    e.type = b;
  } else {
    diags_.error(DiagnosticKind::TypeMismatch, e.loc,
                 {"the branches of '?:' have different types: " + a.str() + " and " + b.str()});
    e.type = Type::poisoned();
  }
}

}  // namespace internal

void check_program(ast::Program& program, Diagnostics& diags) {
  internal::Checker checker(diags);
  checker.check_program(program);
}

}  // namespace vic::frontend
