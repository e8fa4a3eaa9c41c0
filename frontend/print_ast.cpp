// The AST printer (`vic compile --emit ast`, golden tests) and the source-like
// spelling of expressions used in messages.
//
// Format: one node per line, children indented by two spaces, no source
// locations. Blocks print their Stan name; statements:
//   decl NAME : TYPE            (`decl local ...` for locals), then optional
//     constraint: NAME / dim: E / size: E / lower: E / upper: E / init: E lines
//   assign OP                   then `lhs: E` and `rhs: E`
//   tilde DIST                  then `lhs: E`, one `arg: E` per argument, and for
//                               `T[L, U]` `truncated` with `truncate lower: E` / `truncate upper: E`
//   target +=                   then `value: E`
//   for NAME                    then `from: E`, `to: E` and the body statement
//   if                          then `cond: E`, `then:` STMT and maybe `else:` STMT
//   block                       then its statements (an empty statement is an empty block)
//   return                      then `value: E` when it has one
//   call NAME                   then one `arg: E` per argument (a void function's call)
//   reject "MESSAGE"            (or fatal_error) then `value: E` per value it prints
// A network prints `network NAME : mlp, activation A, output B` and a `size: E`
// line per layer size, where it stands among the blocks.
// User-defined functions come first: `function NAME : TYPE` (or void), then one
// `arg NAME : TYPE` line per argument (`arg data ...` when data-only) and the body.
// Expressions are S-expressions ending in `: TYPE DEP` (DEP is data or param; a
// poisoned expression shows `: <error>`):
//   (lit 1.5 : real data) (var mu : real param) (neg E : ...) (plus E ...) (not E ...)
//   (+ A B : ...) (index B I1 I2 : ...) (call f A B : ...) (call f_lpdf A | B C : ...)
//   (?: C A B : ...)
#include <charconv>
#include <sstream>

#include "frontend/frontend.h"

namespace vic::frontend {
namespace {

std::string real_spelling(double value) {
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  std::string s(buffer, ec == std::errc() ? end : buffer);
  if (s.find_first_of(".en") == std::string::npos) s += ".0";
  return s;
}

class Printer {
 public:
  std::string print(const ast::Program& program) {
    out_ << "program\n";
    for (const ast::FunctionDefPtr& f : program.functions) {
      line(1) << "function " << f->name << " : " << (f->returns_void ? "void" : f->return_type.str()) << "\n";
      for (size_t i = 0; i < f->arguments.size(); ++i) {
        line(2) << "arg " << (f->data_only[i] ? "data " : "") << f->arguments[i]->name << " : "
                << f->arguments[i]->type.type().str() << "\n";
      }
      stmt(*f->body, 2);
    }
    for (size_t k = 0; k <= program.blocks.size(); ++k) {
      for (const ast::NetworkDeclPtr& n : program.networks) {
        if (n->after_blocks != k) continue;
        line(1) << "network " << n->name << " : mlp, activation " << ast::activation_name(n->activation)
                << ", output " << ast::activation_name(n->output) << "\n";
        for (const ast::ExprPtr& size : n->sizes) labeled(2, "size", *size);
      }
      if (k == program.blocks.size()) break;
      const ast::ProgramBlock& block = program.blocks[k];
      line(1) << ast::block_kind_name(block.kind) << "\n";
      for (const ast::StmtPtr& s : block.stmts) stmt(*s, 2);
    }
    return out_.str();
  }

 private:
  std::ostream& line(int indent) {
    for (int i = 0; i < indent; ++i) out_ << "  ";
    return out_;
  }

  void labeled(int indent, const char* label, const ast::Expr& e) { line(indent) << label << ": " << expr(e) << "\n"; }

  void decl(const ast::VarDecl& d, int indent) {
    line(indent) << "decl " << (d.is_local ? "local " : "") << (d.is_latent ? "latent " : "") << d.name << " : " << d.type.type().str() << "\n";
    if (d.type.constraint != ast::Constraint::None) {
      line(indent + 1) << "constraint: " << ast::constraint_name(d.type.constraint) << "\n";
    }
    for (const ast::ExprPtr& dim : d.type.array_dims) labeled(indent + 1, "dim", *dim);
    for (const ast::ExprPtr& size : d.type.shape_dims) labeled(indent + 1, "size", *size);
    if (d.type.lower) labeled(indent + 1, "lower", *d.type.lower);
    if (d.type.upper) labeled(indent + 1, "upper", *d.type.upper);
    if (d.init) labeled(indent + 1, "init", *d.init);
  }

  void stmt(const ast::Stmt& s, int indent) {
    switch (s.kind) {
      case ast::StmtKind::Decl:
        decl(*s.as<ast::DeclStmt>().decl, indent);
        return;
      case ast::StmtKind::Assign: {
        const auto& a = s.as<ast::AssignStmt>();
        static const char* const kOps[] = {"=", "+=", "-=", "*=", "/="};
        line(indent) << "assign " << kOps[static_cast<int>(a.op)] << "\n";
        labeled(indent + 1, "lhs", *a.lhs);
        labeled(indent + 1, "rhs", *a.rhs);
        return;
      }
      case ast::StmtKind::Tilde: {
        const auto& t = s.as<ast::TildeStmt>();
        line(indent) << "tilde " << t.distribution << "\n";
        labeled(indent + 1, "lhs", *t.lhs);
        for (const ast::ExprPtr& arg : t.args) labeled(indent + 1, "arg", *arg);
        if (t.truncated) line(indent + 1) << "truncated\n";
        if (t.truncate_lower) labeled(indent + 1, "truncate lower", *t.truncate_lower);
        if (t.truncate_upper) labeled(indent + 1, "truncate upper", *t.truncate_upper);
        return;
      }
      case ast::StmtKind::TargetPlus:
        line(indent) << "target +=\n";
        labeled(indent + 1, "value", *s.as<ast::TargetPlusStmt>().value);
        return;
      case ast::StmtKind::For: {
        const auto& f = s.as<ast::ForStmt>();
        line(indent) << "for " << f.index->name << "\n";
        labeled(indent + 1, "from", *f.lower);
        labeled(indent + 1, "to", *f.upper);
        stmt(*f.body, indent + 1);
        return;
      }
      case ast::StmtKind::While: {
        const auto& w = s.as<ast::WhileStmt>();
        line(indent) << "while\n";
        labeled(indent + 1, "cond", *w.cond);
        stmt(*w.body, indent + 1);
        return;
      }
      case ast::StmtKind::Break:
        line(indent) << "break\n";
        return;
      case ast::StmtKind::Continue:
        line(indent) << "continue\n";
        return;
      case ast::StmtKind::If: {
        const auto& i = s.as<ast::IfStmt>();
        line(indent) << "if\n";
        labeled(indent + 1, "cond", *i.cond);
        line(indent + 1) << "then:\n";
        stmt(*i.then_stmt, indent + 2);
        if (i.else_stmt) {
          line(indent + 1) << "else:\n";
          stmt(*i.else_stmt, indent + 2);
        }
        return;
      }
      case ast::StmtKind::Block:
        line(indent) << "block\n";
        for (const ast::StmtPtr& child : s.as<ast::BlockStmt>().stmts) stmt(*child, indent + 1);
        return;
      case ast::StmtKind::Return:
        line(indent) << "return\n";
        if (const ast::Expr* v = s.as<ast::ReturnStmt>().value.get()) labeled(indent + 1, "value", *v);
        return;
      case ast::StmtKind::Reject:
      case ast::StmtKind::Print: {
        const bool print = s.kind == ast::StmtKind::Print;
        line(indent) << (print ? "print" : s.as<ast::RejectStmt>().fatal ? "fatal_error" : "reject") << "\n";
        for (const ast::PrintPiece& piece : print ? s.as<ast::PrintStmt>().pieces : s.as<ast::RejectStmt>().pieces) {
          if (piece.value) {
            labeled(indent + 1, "value", *piece.value);
          } else {
            line(indent + 1) << '"' << piece.text << "\"\n";
          }
        }
        return;
      }
      case ast::StmtKind::Call: {
        // A void call has no value (and so no type) to print: its name and arguments.
        const auto& c = s.as<ast::CallStmt>().call->as<ast::Call>();
        line(indent) << "call " << c.name << "\n";
        for (const ast::ExprPtr& arg : c.args) labeled(indent + 1, "arg", *arg);
        return;
      }
    }
  }

  static std::string annotation(const ast::Expr& e) {
    if (e.type.error) return " : <error>)";
    return " : " + e.type.str() + (e.dependence == ast::Dependence::Parameter ? " param)" : " data)");
  }

  std::string expr(const ast::Expr& e) {
    std::string s;
    switch (e.kind) {
      case ast::ExprKind::IntLiteral:
        s = "(lit " + std::to_string(e.as<ast::IntLiteral>().value);
        break;
      case ast::ExprKind::RealLiteral:
        s = "(lit " + real_spelling(e.as<ast::RealLiteral>().value);
        break;
      case ast::ExprKind::Variable:
        s = "(var " + e.as<ast::Variable>().name;
        break;
      case ast::ExprKind::Unary: {
        const auto& u = e.as<ast::Unary>();
        const char* op = u.op == ast::UnaryOp::Negate ? "neg"
                         : u.op == ast::UnaryOp::Plus ? "plus"
                         : u.op == ast::UnaryOp::Not  ? "not"
                                                      : "transpose";
        s = std::string("(") + op + " " + expr(*u.operand);
        break;
      }
      case ast::ExprKind::Binary: {
        // (op2 (op1 a b : t) c : t), built along the left spine without recursing into it.
        std::vector<const ast::Binary*> spine = ast::left_spine(e.as<ast::Binary>());
        for (const ast::Binary* b : spine) s += std::string("(") + ast::binary_op_spelling(b->op) + " ";
        s += expr(*spine.back()->lhs);
        for (auto it = spine.rbegin(); it != spine.rend(); ++it) {
          s += " " + expr(*(*it)->rhs);
          if (*it != spine.front()) s += annotation(**it);
        }
        break;
      }
      case ast::ExprKind::Index: {
        const auto& i = e.as<ast::Index>();
        s = "(index " + expr(*i.base);
        for (const ast::ExprPtr& index : i.indices) s += " " + expr(*index);
        break;
      }
      case ast::ExprKind::Call: {
        const auto& c = e.as<ast::Call>();
        s = "(call " + c.name;
        for (size_t i = 0; i < c.args.size(); ++i) s += (c.conditional && i == 1 ? " | " : " ") + expr(*c.args[i]);
        break;
      }
      case ast::ExprKind::Conditional: {
        const auto& c = e.as<ast::Conditional>();
        s = "(?: " + expr(*c.cond) + " " + expr(*c.then_expr) + " " + expr(*c.else_expr);
        break;
      }
      case ast::ExprKind::ContainerLiteral: {
        const auto& c = e.as<ast::ContainerLiteral>();
        s = c.array ? "(array" : "(row_vector";
        for (const ast::ExprPtr& x : c.elements) s += " " + expr(*x);
        break;
      }
      case ast::ExprKind::Range: {
        const auto& r = e.as<ast::Range>();
        s = "(range " + (r.lo ? expr(*r.lo) : std::string("_")) + " " + (r.hi ? expr(*r.hi) : std::string("_"));
        break;
      }
    }
    return s + annotation(e);
  }

  std::ostringstream out_;
};

// Binding strength for expr_to_source: higher binds tighter.
int precedence(const ast::Expr& e) {
  switch (e.kind) {
    case ast::ExprKind::Conditional:
    case ast::ExprKind::Range:
      return 0;
    case ast::ExprKind::ContainerLiteral:
      return 10;
    case ast::ExprKind::Unary:
      return e.as<ast::Unary>().op == ast::UnaryOp::Transpose ? 10 : 8;
    case ast::ExprKind::Binary:
      switch (e.as<ast::Binary>().op) {
        case ast::BinaryOp::Or:
          return 1;
        case ast::BinaryOp::And:
          return 2;
        case ast::BinaryOp::Equal:
        case ast::BinaryOp::NotEqual:
          return 3;
        case ast::BinaryOp::Less:
        case ast::BinaryOp::LessEq:
        case ast::BinaryOp::Greater:
        case ast::BinaryOp::GreaterEq:
          return 4;
        case ast::BinaryOp::Add:
        case ast::BinaryOp::Sub:
          return 5;
        case ast::BinaryOp::Mul:
        case ast::BinaryOp::Div:
        case ast::BinaryOp::IntDiv:
        case ast::BinaryOp::Mod:
          return 6;
        case ast::BinaryOp::EltMul:
        case ast::BinaryOp::EltDiv:
          return 7;
        case ast::BinaryOp::Pow:
          return 9;
      }
      return 0;
    default:
      return 10;
  }
}

std::string source_at_least(const ast::Expr& e, int min_precedence) {
  std::string s = expr_to_source(e);
  return precedence(e) < min_precedence ? "(" + s + ")" : s;
}

}  // namespace

std::string print_ast(const ast::Program& program) { return Printer().print(program); }

std::string expr_to_source(const ast::Expr& e) {
  switch (e.kind) {
    case ast::ExprKind::IntLiteral:
      return std::to_string(e.as<ast::IntLiteral>().value);
    case ast::ExprKind::RealLiteral:
      return real_spelling(e.as<ast::RealLiteral>().value);
    case ast::ExprKind::Variable:
      return e.as<ast::Variable>().name;
    case ast::ExprKind::Unary: {
      const auto& u = e.as<ast::Unary>();
      if (u.op == ast::UnaryOp::Transpose) return source_at_least(*u.operand, 10) + "'";
      const char* op = u.op == ast::UnaryOp::Negate ? "-" : u.op == ast::UnaryOp::Plus ? "+" : "!";
      return op + source_at_least(*u.operand, 8);
    }
    case ast::ExprKind::Binary: {
      // A left-associative chain of one precedence needs no parentheses along
      // its spine: spell it iteratively, however long it is.
      const int p = precedence(e);
      std::vector<const ast::Binary*> chain{&e.as<ast::Binary>()};
      if (chain[0]->op != ast::BinaryOp::Pow) {
        while (chain.back()->lhs->kind == ast::ExprKind::Binary && precedence(*chain.back()->lhs) == p)
          chain.push_back(&chain.back()->lhs->as<ast::Binary>());
      }
      const bool right_assoc = chain[0]->op == ast::BinaryOp::Pow;
      std::string s = source_at_least(*chain.back()->lhs, right_assoc ? p + 1 : p);
      for (auto it = chain.rbegin(); it != chain.rend(); ++it)
        s += std::string(" ") + ast::binary_op_spelling((*it)->op) + " " +
             source_at_least(*(*it)->rhs, right_assoc ? 8 : p + 1);
      return s;
    }
    case ast::ExprKind::Index: {
      const auto& i = e.as<ast::Index>();
      std::string s = source_at_least(*i.base, 10) + "[";
      for (size_t k = 0; k < i.indices.size(); ++k) s += (k ? ", " : "") + expr_to_source(*i.indices[k]);
      return s + "]";
    }
    case ast::ExprKind::Call: {
      const auto& c = e.as<ast::Call>();
      std::string s = c.name + "(";
      for (size_t k = 0; k < c.args.size(); ++k) {
        s += (k == 0 ? "" : c.conditional && k == 1 ? " | " : ", ") + expr_to_source(*c.args[k]);
      }
      return s + ")";
    }
    case ast::ExprKind::Conditional: {
      const auto& c = e.as<ast::Conditional>();
      return source_at_least(*c.cond, 1) + " ? " + expr_to_source(*c.then_expr) + " : " + expr_to_source(*c.else_expr);
    }
    case ast::ExprKind::ContainerLiteral: {
      const auto& c = e.as<ast::ContainerLiteral>();
      std::string s = c.array ? "{" : "[";
      for (size_t k = 0; k < c.elements.size(); ++k) s += (k ? ", " : "") + expr_to_source(*c.elements[k]);
      return s + (c.array ? "}" : "]");
    }
    case ast::ExprKind::Range: {
      const auto& r = e.as<ast::Range>();
      return (r.lo ? expr_to_source(*r.lo) : std::string()) + ":" + (r.hi ? expr_to_source(*r.hi) : std::string());
    }
  }
  return "?";
}

}  // namespace vic::frontend
