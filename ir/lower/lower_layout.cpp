// The program's layout (ir/layout.h) from the declarations: each parameter's
// transform, each output's sizes as expressions over scalar data fields. The
// functions lowering builds read theta and write `out` in this order
// (declare_parameter, write_output in lower.cpp).
#include "ir/lower/lower_internal.h"

namespace vic::lower::internal {
namespace {

using ir::SizeExpr;

SizeExpr unknown(const ast::Expr& e, std::string why) {
  SizeExpr s;
  s.kind = SizeExpr::Kind::Unknown;
  s.text = std::move(why);
  s.loc = e.loc;
  return s;
}

std::optional<SizeExpr::Op> size_op(ast::BinaryOp op) {
  using B = ast::BinaryOp;
  using S = SizeExpr::Op;
  switch (op) {
    case B::Add:
      return S::Add;
    case B::Sub:
      return S::Sub;
    case B::Mul:
    case B::EltMul:
      return S::Mul;
    case B::Div:
    case B::EltDiv:
      return S::Div;
    case B::IntDiv:
      return S::IntDiv;
    case B::Mod:
      return S::Mod;
    case B::Pow:
      return S::Pow;
    case B::Less:
      return S::Lt;
    case B::LessEq:
      return S::Le;
    case B::Greater:
      return S::Gt;
    case B::GreaterEq:
      return S::Ge;
    case B::Equal:
      return S::Eq;
    case B::NotEqual:
      return S::Ne;
    case B::And:
      return S::And;
    case B::Or:
      return S::Or;
  }
  return std::nullopt;
}

// A size expression; recursion is bounded by the frontend's expression depth
// (a left-associative chain is one level, kept flat).
SizeExpr size_expr(const ast::Expr& e, const std::unordered_set<const ast::VarDecl*>& fixed) {
  SizeExpr s;
  s.loc = e.loc;
  switch (e.kind) {
    case ast::ExprKind::IntLiteral:
      s.kind = SizeExpr::Kind::Int;
      s.integer = e.as<ast::IntLiteral>().value;
      return s;
    case ast::ExprKind::RealLiteral:
      s.kind = SizeExpr::Kind::Real;
      s.real = e.as<ast::RealLiteral>().value;
      return s;
    case ast::ExprKind::Variable: {
      const auto& v = e.as<ast::Variable>();
      // A transformed data int given once, by its declaration (`int Kc = K - 1;`), is its value's expression.
      if (v.decl && fixed.count(v.decl)) return size_expr(*v.decl->init, fixed);
      // Only scalar data is known before the model runs.
      if (!v.decl || v.decl->block != BlockKind::Data || v.decl->is_local || !v.decl->type.type().is_scalar()) {
        return unknown(e, "the value of '" + v.name + "' is not known here");
      }
      s.kind = SizeExpr::Kind::Data;
      s.text = v.name;
      return s;
    }
    case ast::ExprKind::Unary: {
      const auto& u = e.as<ast::Unary>();
      if (u.op == ast::UnaryOp::Plus) return size_expr(*u.operand, fixed);
      s.kind = SizeExpr::Kind::Unary;
      s.op = u.op == ast::UnaryOp::Not ? SizeExpr::Op::Not : SizeExpr::Op::Neg;
      s.operands.push_back(size_expr(*u.operand, fixed));
      return s;
    }
    case ast::ExprKind::Binary: {
      std::vector<const ast::Binary*> spine = ast::left_spine(e.as<ast::Binary>());
      s.kind = SizeExpr::Kind::Binary;
      s.operands.push_back(size_expr(*spine.back()->lhs, fixed));
      for (auto it = spine.rbegin(); it != spine.rend(); ++it) {
        std::optional<SizeExpr::Op> op = size_op((*it)->op);
        if (!op) return unknown(**it, "cannot evaluate this operator here");
        s.steps.push_back({*op, ast::binary_op_spelling((*it)->op), (*it)->loc});
        s.operands.push_back(size_expr(*(*it)->rhs, fixed));
      }
      return s;
    }
    case ast::ExprKind::Conditional: {
      const auto& c = e.as<ast::Conditional>();
      s.kind = SizeExpr::Kind::Select;
      s.operands.push_back(size_expr(*c.cond, fixed));
      s.operands.push_back(size_expr(*c.then_expr, fixed));
      s.operands.push_back(size_expr(*c.else_expr, fixed));
      return s;
    }
    default:
      return unknown(e, "cannot evaluate this expression before the model runs");
  }
}

ir::OutputBlock output_block(BlockKind kind) {
  switch (kind) {
    case BlockKind::Parameters:
      return ir::OutputBlock::Parameters;
    case BlockKind::TransformedParameters:
      return ir::OutputBlock::TransformedParameters;
    default:
      return ir::OutputBlock::GeneratedQuantities;
  }
}

}  // namespace

ir::Transform parameter_transform(const ast::SizedType& t) {
  switch (t.constraint) {
    case ast::Constraint::None: break;
    case ast::Constraint::Simplex: return ir::Transform::Simplex;
    case ast::Constraint::Ordered: return ir::Transform::Ordered;
    case ast::Constraint::PositiveOrdered: return ir::Transform::PositiveOrdered;
    case ast::Constraint::UnitVector: return ir::Transform::UnitVector;
    case ast::Constraint::SumToZero: return ir::Transform::SumToZero;
    case ast::Constraint::CholeskyFactorCorr: return ir::Transform::CholeskyFactorCorr;
    case ast::Constraint::CholeskyFactorCov: return ir::Transform::CholeskyFactorCov;
    case ast::Constraint::CovMatrix: return ir::Transform::CovMatrix;
    case ast::Constraint::CorrMatrix: return ir::Transform::CorrMatrix;
  }
  if (t.offset || t.multiplier) return ir::Transform::OffsetMultiplier;
  if (t.lower && t.upper) return ir::Transform::LowerUpper;
  if (t.lower) return ir::Transform::Lower;
  if (t.upper) return ir::Transform::Upper;
  return ir::Transform::Identity;
}

namespace {

// The variables a statement assigns to, through its sub-statements.
void assigned(const ast::Stmt& s, std::unordered_set<const ast::VarDecl*>& out) {
  switch (s.kind) {
    case ast::StmtKind::Assign: {
      const ast::Expr* e = s.as<ast::AssignStmt>().lhs.get();
      while (const auto* index = e->dyn<ast::Index>()) e = index->base.get();
      if (const auto* var = e->dyn<ast::Variable>()) out.insert(var->decl);
      break;
    }
    case ast::StmtKind::For: assigned(*s.as<ast::ForStmt>().body, out); break;
    case ast::StmtKind::While: assigned(*s.as<ast::WhileStmt>().body, out); break;
    case ast::StmtKind::If:
      assigned(*s.as<ast::IfStmt>().then_stmt, out);
      if (s.as<ast::IfStmt>().else_stmt) assigned(*s.as<ast::IfStmt>().else_stmt, out);
      break;
    case ast::StmtKind::Block:
      for (const auto& c : s.as<ast::BlockStmt>().stmts) assigned(*c, out);
      break;
    default: break;
  }
}

// Transformed data ints (and generated quantities', whose sizes the checker
// keeps to data, as when transformed data with draws runs as generated
// quantities) whose declaration gives their only value.
std::unordered_set<const ast::VarDecl*> fixed_ints(const ast::Program& program) {
  std::unordered_set<const ast::VarDecl*> fixed, changed;
  for (BlockKind kind : {BlockKind::TransformedData, BlockKind::GeneratedQuantities}) {
    const ast::ProgramBlock* block = program.block(kind);
    if (!block) continue;
    for (const auto& s : block->stmts) assigned(*s, changed);
    for (const auto& s : block->stmts) {
      if (s->kind != ast::StmtKind::Decl) continue;
      const ast::VarDecl& d = *s->as<ast::DeclStmt>().decl;
      if (d.init && d.type.type().is_int_scalar() && !changed.count(&d)) fixed.insert(&d);
    }
  }
  return fixed;
}

}  // namespace

ir::ProgramLayout lower_layout(const ast::Program& program) {
  ir::ProgramLayout layout;
  const std::unordered_set<const ast::VarDecl*> fixed = fixed_ints(program);
  for (BlockKind kind : {BlockKind::Parameters, BlockKind::TransformedParameters, BlockKind::GeneratedQuantities}) {
    const ast::ProgramBlock* block = program.block(kind);
    if (!block) continue;
    for (const auto& s : block->stmts) {
      if (s->kind != ast::StmtKind::Decl) continue;
      const ast::VarDecl& d = *s->as<ast::DeclStmt>().decl;
      ir::LayoutVariable v;
      v.name = d.name;
      v.block = output_block(kind);
      // Bounds on transformed parameters and generated quantities are checks, not transforms.
      v.transform = kind == BlockKind::Parameters ? parameter_transform(d.type) : ir::Transform::Identity;
      for (const auto& dim : d.type.array_dims) v.dims.push_back(size_expr(*dim, fixed));
      for (const auto& dim : d.type.shape_dims) v.dims.push_back(size_expr(*dim, fixed));
      v.loc = d.loc;
      if (d.is_latent && program.block(BlockKind::Guide)) {
        // The guide draws it, a minibatch at a time: local to the plate its first size counts.
        if (layout.plates.empty()) layout.plates.push_back({d.type.array_dims[0]->as<ast::Variable>().name, v.dims[0], {}});
        v.plate = 0;
      }
      layout.variables.push_back(std::move(v));
    }
  }
  for (const ast::NetworkDeclPtr& n : program.networks) {
    ir::NetworkLayout network{n->name, {}, n->loc};
    for (const ast::ExprPtr& size : n->sizes) network.sizes.push_back(size_expr(*size, fixed));
    layout.networks.push_back(std::move(network));
  }
  return layout;
}

}  // namespace vic::lower::internal
