// The scalar evaluator for sizes and data bounds.
#include "frontend/const_eval.h"

#include <cmath>
#include <limits>

#include "support/limits.h"

namespace vic::frontend {

double to_double(const Scalar& s) {
  return std::holds_alternative<long long>(s) ? static_cast<double>(std::get<long long>(s)) : std::get<double>(s);
}

namespace {

bool is_int(const Scalar& s) { return std::holds_alternative<long long>(s); }

Expected<Scalar> binary(ast::BinaryOp op, const Scalar& a, const Scalar& b, const ast::Expr& e) {
  if (is_int(a) && is_int(b)) {
    const long long x = std::get<long long>(a), y = std::get<long long>(b);
    std::optional<int64_t> r;
    switch (op) {
      case ast::BinaryOp::Add: r = limits::checked_add(x, y); break;
      case ast::BinaryOp::Sub: r = limits::checked_sub(x, y); break;
      case ast::BinaryOp::Mul: r = limits::checked_mul(x, y); break;
      case ast::BinaryOp::Div:
      case ast::BinaryOp::IntDiv:
      case ast::BinaryOp::Mod:
        if (y == 0) {
          return Error{e.loc.str() + (op == ast::BinaryOp::Mod ? ": integer modulus by zero" : ": integer division by zero")};
        }
        // The one quotient that does not fit: INT64_MIN / -1.
        if (!(x == std::numeric_limits<long long>::min() && y == -1)) r = op == ast::BinaryOp::Mod ? x % y : x / y;
        break;
      default: break;
    }
    if (r) return Scalar{static_cast<long long>(*r)};
    if (op == ast::BinaryOp::Add || op == ast::BinaryOp::Sub || op == ast::BinaryOp::Mul ||
        op == ast::BinaryOp::Div || op == ast::BinaryOp::IntDiv || op == ast::BinaryOp::Mod) {
      return Error{e.loc.str() + ": integer overflow in " + std::to_string(x) + " " + ast::binary_op_spelling(op) +
                   " " + std::to_string(y)};
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
      if (is_int(*x)) {
        const long long n = std::get<long long>(*x);
        if (n == std::numeric_limits<long long>::min()) return Error{e.loc.str() + ": integer overflow in -(" + std::to_string(n) + ")"};
        return Scalar{-n};
      }
      return Scalar{-std::get<double>(*x)};
    }
    case ast::ExprKind::Binary: {
      // Along the chain's left spine, innermost first.
      std::vector<const ast::Binary*> spine = ast::left_spine(e.as<ast::Binary>());
      Expected<Scalar> acc = evaluate_scalar(*spine.back()->lhs, lookup);
      for (auto it = spine.rbegin(); it != spine.rend() && acc; ++it) {
        Expected<Scalar> y = evaluate_scalar(*(*it)->rhs, lookup);
        if (!y) return y;
        acc = binary((*it)->op, *acc, *y, **it);
      }
      return acc;
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
