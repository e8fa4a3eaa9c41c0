// The few out-of-line pieces of the AST: spellings of types, operators and
// blocks, and the walks along a chain's left spine.
#include "frontend/ast.h"

namespace vic::ast {

Binary::~Binary() {
  // Unlink the spine one node at a time, so a 10^5-term chain is freed
  // without 10^5 nested destructor calls.
  ExprPtr next = std::move(lhs);
  while (next && next->kind == ExprKind::Binary) next = std::move(static_cast<Binary&>(*next).lhs);
}

std::vector<Binary*> left_spine(Binary& top) {
  std::vector<Binary*> spine{&top};
  while (spine.back()->lhs->kind == ExprKind::Binary) spine.push_back(&spine.back()->lhs->as<Binary>());
  return spine;
}

std::vector<const Binary*> left_spine(const Binary& top) {
  std::vector<const Binary*> spine{&top};
  while (spine.back()->lhs->kind == ExprKind::Binary) spine.push_back(&spine.back()->lhs->as<Binary>());
  return spine;
}

int Type::num_dims() const {
  int container = shape == Shape::Scalar ? 0 : shape == Shape::Matrix ? 2 : 1;
  return array_rank + container;
}

std::string Type::str() const {
  if (error) return "<error>";
  std::string element;
  switch (shape) {
    case Shape::Scalar: element = base == BaseType::Int ? "int" : "real"; break;
    case Shape::Vector: element = "vector"; break;
    case Shape::RowVector: element = "row_vector"; break;
    case Shape::Matrix: element = "matrix"; break;
  }
  if (array_rank == 0) return element;
  return "array[" + std::string(static_cast<size_t>(array_rank - 1), ',') + "] " + element;
}

const char* binary_op_spelling(BinaryOp op) {
  switch (op) {
    case BinaryOp::Add: return "+";
    case BinaryOp::Sub: return "-";
    case BinaryOp::Mul: return "*";
    case BinaryOp::Div: return "/";
    case BinaryOp::IntDiv: return "%/%";
    case BinaryOp::Mod: return "%";
    case BinaryOp::Pow: return "^";
    case BinaryOp::EltMul: return ".*";
    case BinaryOp::EltDiv: return "./";
    case BinaryOp::Less: return "<";
    case BinaryOp::LessEq: return "<=";
    case BinaryOp::Greater: return ">";
    case BinaryOp::GreaterEq: return ">=";
    case BinaryOp::Equal: return "==";
    case BinaryOp::NotEqual: return "!=";
    case BinaryOp::And: return "&&";
    case BinaryOp::Or: return "||";
  }
  return "?";
}

const char* constraint_name(Constraint c) {
  switch (c) {
    case Constraint::None: return "none";
    case Constraint::Simplex: return "simplex";
    case Constraint::Ordered: return "ordered";
    case Constraint::PositiveOrdered: return "positive_ordered";
    case Constraint::UnitVector: return "unit_vector";
    case Constraint::SumToZero: return "sum_to_zero_vector";
    case Constraint::CholeskyFactorCorr: return "cholesky_factor_corr";
    case Constraint::CholeskyFactorCov: return "cholesky_factor_cov";
    case Constraint::CorrMatrix: return "corr_matrix";
    case Constraint::CovMatrix: return "cov_matrix";
  }
  return "?";
}

const char* block_kind_name(BlockKind block) {
  switch (block) {
    case BlockKind::Data: return "data";
    case BlockKind::TransformedData: return "transformed data";
    case BlockKind::Parameters: return "parameters";
    case BlockKind::TransformedParameters: return "transformed parameters";
    case BlockKind::Model: return "model";
    case BlockKind::Guide: return "guide";
    case BlockKind::GeneratedQuantities: return "generated quantities";
    case BlockKind::Functions: return "functions";
  }
  return "?";
}

const char* activation_name(Activation a) {
  switch (a) {
    case Activation::Identity: return "identity";
    case Activation::Relu: return "relu";
    case Activation::Tanh: return "tanh";
    case Activation::Sigmoid: return "sigmoid";
    case Activation::Softplus: return "softplus";
    case Activation::Elu: return "elu";
  }
  return "?";
}

bool calls(const Expr* e, const std::function<bool(const Call&)>& accept) {
  if (!e) return false;
  switch (e->kind) {
    case ExprKind::Unary: return calls(e->as<Unary>().operand.get(), accept);
    case ExprKind::Binary: {
      const std::vector<const Binary*> spine = left_spine(e->as<Binary>());
      for (const Binary* b : spine)
        if (calls(b->rhs.get(), accept)) return true;
      return calls(spine.back()->lhs.get(), accept);
    }
    case ExprKind::Index: {
      const auto& i = e->as<Index>();
      if (calls(i.base.get(), accept)) return true;
      for (const auto& x : i.indices)
        if (calls(x.get(), accept)) return true;
      return false;
    }
    case ExprKind::Call: {
      const auto& c = e->as<Call>();
      if (accept(c)) return true;
      for (const auto& a : c.args)
        if (calls(a.get(), accept)) return true;
      return false;
    }
    case ExprKind::Conditional: {
      const auto& c = e->as<Conditional>();
      return calls(c.cond.get(), accept) || calls(c.then_expr.get(), accept) || calls(c.else_expr.get(), accept);
    }
    case ExprKind::Range: return calls(e->as<Range>().lo.get(), accept) || calls(e->as<Range>().hi.get(), accept);
    case ExprKind::ContainerLiteral:
      for (const auto& x : e->as<ContainerLiteral>().elements)
        if (calls(x.get(), accept)) return true;
      return false;
    default: return false;
  }
}

bool stmt_calls(const Stmt& s, const std::function<bool(const Call&)>& accept) {
  auto any = [&](const std::vector<ExprPtr>& es) {
    for (const auto& e : es)
      if (calls(e.get(), accept)) return true;
    return false;
  };
  switch (s.kind) {
    case StmtKind::Decl: {
      const VarDecl& d = *s.as<DeclStmt>().decl;
      const SizedType& t = d.type;
      return any(t.array_dims) || any(t.shape_dims) || calls(t.lower.get(), accept) || calls(t.upper.get(), accept) ||
             calls(t.offset.get(), accept) || calls(t.multiplier.get(), accept) || calls(d.init.get(), accept);
    }
    case StmtKind::Assign:
      return calls(s.as<AssignStmt>().lhs.get(), accept) || calls(s.as<AssignStmt>().rhs.get(), accept);
    case StmtKind::Tilde: {
      const auto& t = s.as<TildeStmt>();
      return calls(t.lhs.get(), accept) || any(t.args) || calls(t.truncate_lower.get(), accept) ||
             calls(t.truncate_upper.get(), accept);
    }
    case StmtKind::TargetPlus: return calls(s.as<TargetPlusStmt>().value.get(), accept);
    case StmtKind::For: {
      const auto& f = s.as<ForStmt>();
      return calls(f.lower.get(), accept) || calls(f.upper.get(), accept) || stmt_calls(*f.body, accept);
    }
    case StmtKind::While:
      return calls(s.as<WhileStmt>().cond.get(), accept) || stmt_calls(*s.as<WhileStmt>().body, accept);
    case StmtKind::If: {
      const auto& i = s.as<IfStmt>();
      return calls(i.cond.get(), accept) || stmt_calls(*i.then_stmt, accept) ||
             (i.else_stmt && stmt_calls(*i.else_stmt, accept));
    }
    case StmtKind::Block:
      for (const auto& c : s.as<BlockStmt>().stmts)
        if (stmt_calls(*c, accept)) return true;
      return false;
    case StmtKind::Return: return calls(s.as<ReturnStmt>().value.get(), accept);
    case StmtKind::Call: return calls(s.as<CallStmt>().call.get(), accept);
    case StmtKind::Reject:
    case StmtKind::Print:
      for (const PrintPiece& piece : s.kind == StmtKind::Print ? s.as<PrintStmt>().pieces : s.as<RejectStmt>().pieces)
        if (calls(piece.value.get(), accept)) return true;
      return false;
    case StmtKind::Break:
    case StmtKind::Continue: return false;
  }
  return false;
}

bool transformed_data_draws(const Program& program) {
  const ProgramBlock* block = program.block(BlockKind::TransformedData);
  if (!block) return false;
  auto draws = [](const Call& c) { return c.name.size() > 4 && c.name.compare(c.name.size() - 4, 4, "_rng") == 0; };
  for (const auto& s : block->stmts)
    if (stmt_calls(*s, draws)) return true;
  return false;
}

}  // namespace vic::ast
