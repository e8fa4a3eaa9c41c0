// The scalar evaluator for sizes and data bounds.
#include "frontend/const_eval.h"

#include <cmath>

namespace vic::frontend {

double to_double(const Scalar& s) {
  return std::holds_alternative<long long>(s) ? static_cast<double>(std::get<long long>(s)) : std::get<double>(s);
}

namespace {

bool is_int(const Scalar& s) { return std::holds_alternative<long long>(s); }

Expected<Scalar> binary(ast::BinaryOp op, const Scalar& a, const Scalar& b, const ast::Expr& e) {
  if (is_int(a) && is_int(b)) {
    long long x = std::get<long long>(a), y = std::get<long long>(b);
    switch (op) {
      case ast::BinaryOp::Add: return Scalar{x + y};
      case ast::BinaryOp::Sub: return Scalar{x - y};
      case ast::BinaryOp::Mul: return Scalar{x * y};
      case ast::BinaryOp::Div:
      case ast::BinaryOp::IntDiv:
        if (y == 0) return Error{e.loc.str() + ": integer division by zero"};
        return Scalar{x / y};
      case ast::BinaryOp::Mod:
        if (y == 0) return Error{e.loc.str() + ": integer modulus by zero"};
        return Scalar{x % y};
      default: break;
    }
  }
  double x = to_double(a), y = to_double(b);
  switch (op) {
    case ast::BinaryOp::Add: return Scalar{x + y};
    case ast::BinaryOp::Sub: return Scalar{x - y};
    case ast::BinaryOp::Mul:
    case ast::BinaryOp::EltMul: return Scalar{x * y};
    case ast::BinaryOp::Div:
    case ast::BinaryOp::EltDiv: return Scalar{x / y};
    case ast::BinaryOp::Pow: return Scalar{std::pow(x, y)};
    case ast::BinaryOp::Less: return Scalar{static_cast<long long>(x < y)};
    case ast::BinaryOp::LessEq: return Scalar{static_cast<long long>(x <= y)};
    case ast::BinaryOp::Greater: return Scalar{static_cast<long long>(x > y)};
    case ast::BinaryOp::GreaterEq: return Scalar{static_cast<long long>(x >= y)};
    case ast::BinaryOp::Equal: return Scalar{static_cast<long long>(x == y)};
    case ast::BinaryOp::NotEqual: return Scalar{static_cast<long long>(x != y)};
    case ast::BinaryOp::And: return Scalar{static_cast<long long>(x != 0 && y != 0)};
    case ast::BinaryOp::Or: return Scalar{static_cast<long long>(x != 0 || y != 0)};
    default: return Error{e.loc.str() + ": cannot evaluate this operator here"};
  }
}

}  // namespace

Expected<Scalar> evaluate_scalar(const ast::Expr& e, const ScalarLookup& lookup) {
  switch (e.kind) {
    case ast::ExprKind::IntLiteral: return Scalar{e.as<ast::IntLiteral>().value};
    case ast::ExprKind::RealLiteral: return Scalar{e.as<ast::RealLiteral>().value};
    case ast::ExprKind::Variable: {
      const auto& v = e.as<ast::Variable>();
      std::optional<Scalar> value = v.decl ? lookup(*v.decl) : std::nullopt;
      if (!value) return Error{e.loc.str() + ": the value of '" + v.name + "' is not known here"};
      return *value;
    }
    case ast::ExprKind::Unary: {
      const auto& u = e.as<ast::Unary>();
      Expected<Scalar> x = evaluate_scalar(*u.operand, lookup);
      if (!x) return x;
      if (u.op == ast::UnaryOp::Plus) return x;
      if (u.op == ast::UnaryOp::Not) return Scalar{static_cast<long long>(to_double(*x) == 0)};
      if (is_int(*x)) return Scalar{-std::get<long long>(*x)};
      return Scalar{-std::get<double>(*x)};
    }
    case ast::ExprKind::Binary: {
      const auto& b = e.as<ast::Binary>();
      Expected<Scalar> x = evaluate_scalar(*b.lhs, lookup);
      if (!x) return x;
      Expected<Scalar> y = evaluate_scalar(*b.rhs, lookup);
      if (!y) return y;
      return binary(b.op, *x, *y, e);
    }
    case ast::ExprKind::Conditional: {
      const auto& c = e.as<ast::Conditional>();
      Expected<Scalar> cond = evaluate_scalar(*c.cond, lookup);
      if (!cond) return cond;
      return evaluate_scalar(to_double(*cond) != 0 ? *c.then_expr : *c.else_expr, lookup);
    }
    default:
      return Error{e.loc.str() + ": cannot evaluate this expression before the model runs"};
  }
}

}  // namespace vic::frontend
