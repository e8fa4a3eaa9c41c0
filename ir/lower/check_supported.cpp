// The lowering's support check.
#include "ir/lower/check_supported.h"

#include <algorithm>

#include "stdlib/multivariate.h"
#include "stdlib/signatures.h"

namespace vic::lower {
namespace {

class SupportChecker {
 public:
  explicit SupportChecker(Diagnostics& diags) : diags_(diags) {}

  void stmt(const ast::Stmt& s) {
    switch (s.kind) {
      case ast::StmtKind::Decl: decl(*s.as<ast::DeclStmt>().decl); break;
      case ast::StmtKind::Assign: {
        const auto& a = s.as<ast::AssignStmt>();
        expr(*a.lhs);
        expr(*a.rhs);
        break;
      }
      case ast::StmtKind::Tilde: {
        const auto& t = s.as<ast::TildeStmt>();
        expr(*t.lhs);
        for (const auto& a : t.args) expr(*a);
        if (t.truncated) {
          if (t.truncate_lower) expr(*t.truncate_lower);
          if (t.truncate_upper) expr(*t.truncate_upper);
          if (t.function || !stdlib::has_cdf(t.distribution) || !stdlib::cdf_differentiable(t.distribution)) {
            diags_.error(DiagnosticKind::NotSupportedYet, t.distribution_loc,
                         {"truncating '" + t.distribution + "' (vic has no differentiable CDF of it yet)"});
          } else if (!t.lhs->type.is_scalar() ||
                     (!stdlib::is_multivariate(t.distribution) &&
                      std::any_of(t.args.begin(), t.args.end(), [](const auto& a) { return !a->type.is_scalar(); }))) {
            diags_.error(DiagnosticKind::NotSupportedYet, t.lhs->loc, {"truncating a vectorised '~'"});
          }
        }
        break;
      }
      case ast::StmtKind::TargetPlus: expr(*s.as<ast::TargetPlusStmt>().value); break;
      case ast::StmtKind::For: {
        const auto& f = s.as<ast::ForStmt>();
        expr(*f.lower);
        expr(*f.upper);
        stmt(*f.body);
        break;
      }
      case ast::StmtKind::While:
        expr(*s.as<ast::WhileStmt>().cond);
        stmt(*s.as<ast::WhileStmt>().body);
        break;
      case ast::StmtKind::Break:
      case ast::StmtKind::Continue: break;
      case ast::StmtKind::If: {
        const auto& i = s.as<ast::IfStmt>();
        expr(*i.cond);
        stmt(*i.then_stmt);
        if (i.else_stmt) stmt(*i.else_stmt);
        break;
      }
      case ast::StmtKind::Block:
        for (const auto& c : s.as<ast::BlockStmt>().stmts) stmt(*c);
        break;
      case ast::StmtKind::Return:
        if (const auto& v = s.as<ast::ReturnStmt>().value) expr(*v);
        break;
      case ast::StmtKind::Call: expr(*s.as<ast::CallStmt>().call); break;
      case ast::StmtKind::Reject:
      case ast::StmtKind::Print:
        for (const ast::PrintPiece& piece : s.kind == ast::StmtKind::Print ? s.as<ast::PrintStmt>().pieces
                                                                             : s.as<ast::RejectStmt>().pieces)
          if (piece.value) expr(*piece.value);
        break;
    }
  }

 private:
  void decl(const ast::VarDecl& d) {
    for (const auto& e : d.type.array_dims) expr(*e);
    for (const auto& e : d.type.shape_dims) expr(*e);
    if (d.type.lower) expr(*d.type.lower);
    if (d.type.upper) expr(*d.type.upper);
    if (d.type.offset) expr(*d.type.offset);
    if (d.type.multiplier) expr(*d.type.multiplier);
    if ((d.type.offset || d.type.multiplier) && d.block != ast::BlockKind::Parameters) {
      diags_.error(DiagnosticKind::NotSupportedYet, d.loc, {"'offset' and 'multiplier' outside the parameters block"});
    }
    if (d.type.constraint != ast::Constraint::None && d.is_local) {
      // Stan declares locals without constraints.
      diags_.error(DiagnosticKind::NotSupportedYet, d.loc,
                   {std::string("a local variable of the constrained type '") + ast::constraint_name(d.type.constraint) + "'"});
    }
    if (d.init) expr(*d.init);
  }

  static bool is_container(const ast::Expr& e) { return !e.type.error && !e.type.is_scalar(); }
  void expr(const ast::Expr& e) {
    switch (e.kind) {
      case ast::ExprKind::Unary: expr(*e.as<ast::Unary>().operand); break;
      case ast::ExprKind::Binary: {
        std::vector<const ast::Binary*> spine = ast::left_spine(e.as<ast::Binary>());
        expr(*spine.back()->lhs);
        for (auto it = spine.rbegin(); it != spine.rend(); ++it) {
          const ast::Binary& b = **it;
          expr(*b.rhs);
          // Products of containers lower to matrix-vector ops (lower_product);
          // a division by a matrix (a solve) does not yet.
          if (b.op == ast::BinaryOp::Div && is_container(*b.lhs) && is_container(*b.rhs)) {
            diags_.error(DiagnosticKind::NotSupportedYet, b.loc,
                         {"'" + std::string(ast::binary_op_spelling(b.op)) + "' between " + b.lhs->type.str() +
                          " and " + b.rhs->type.str() + " (a matrix division)"});
          }
        }
        break;
      }
      case ast::ExprKind::Index: {
        const auto& i = e.as<ast::Index>();
        expr(*i.base);
        for (const auto& x : i.indices) expr(*x);
        break;
      }
      case ast::ExprKind::Call: {
        const auto& c = e.as<ast::Call>();
        for (const auto& a : c.args) expr(*a);
        auto [base, suffix] = stdlib::split_distribution_suffix(c.name);
        if ((suffix == "_lcdf" || suffix == "_lccdf" || suffix == "_cdf") && !stdlib::cdf_differentiable(base) &&
            e.dependence == ast::Dependence::Parameter) {
          diags_.error(DiagnosticKind::NotSupportedYet, e.loc, {"'" + c.name + "' of parameters (vic takes it of data)"});
        }
        break;
      }
      case ast::ExprKind::Conditional: {
        const auto& c = e.as<ast::Conditional>();
        expr(*c.cond);
        expr(*c.then_expr);
        expr(*c.else_expr);
        if (is_container(e)) diags_.error(DiagnosticKind::NotSupportedYet, e.loc, {"a conditional expression of vectors"});
        break;
      }
      default: break;
    }
  }

  Diagnostics& diags_;
};

}  // namespace

void check_supported(const ast::Program& program, Diagnostics& diags) {
  SupportChecker checker(diags);
  for (const ast::FunctionDefPtr& f : program.functions) checker.stmt(*f->body);
  for (const ast::ProgramBlock& block : program.blocks)
    for (const auto& s : block.stmts) checker.stmt(*s);
}

}  // namespace vic::lower
