// fold_constants: evaluates what is known at compile time.
#include <cmath>
#include <limits>
#include <optional>

#include "ir/passes/fold_constants.h"
#include "ir/rewriter.h"
#include "support/limits.h"

namespace vic::ir {
namespace {

const Op* constant(const Value* v) {
  if (!v->def) return nullptr;
  OpKind k = v->def->kind;
  return (k == OpKind::ConstF64 || k == OpKind::ConstI64 || k == OpKind::ConstBool) ? v->def : nullptr;
}

bool compare(CmpPredicate p, auto a, auto b) {
  switch (p) {
    case CmpPredicate::Eq: return a == b;
    case CmpPredicate::Ne: return a != b;
    case CmpPredicate::Lt: return a < b;
    case CmpPredicate::Le: return a <= b;
    case CmpPredicate::Gt: return a > b;
    case CmpPredicate::Ge: return a >= b;
  }
  return false;
}

class FoldConstants : public Rewriter {
 protected:
  void rewrite_op(const Op& op, Builder& b) override {
    std::vector<Value*> xs = get_all(op.operands);
    bool all_constant = !xs.empty();
    for (Value* x : xs) all_constant &= constant(x) != nullptr;

    if (op.kind == OpKind::If) {
      if (const Op* c = constant(xs[0])) {
        inline_region(op, op.region(c->integer ? 0 : 1), b);
        return;
      }
    }
    if (op.kind == OpKind::For) {
      const Op* lo = constant(xs[0]);
      const Op* hi = constant(xs[1]);
      if (lo && hi && hi->integer <= lo->integer) {
        for (size_t k = 0; k < op.results.size(); ++k) map(op.results[k], xs[k + 2]);
        return;
      }
    }
    if (op.kind == OpKind::Check) {
      if (const Op* c = constant(xs[0]); c && c->integer) return;
    }
    if (all_constant && op.is_pure() && op.results.size() == 1 && op.kind != OpKind::Load) {
      if (Value* folded = fold(op.kind, op.integer, xs, b)) {
        map(op.result(), folded);
        return;
      }
    }
    copy_op(op, b);
  }

 private:
  void inline_region(const Op& op, const Block& region, Builder& b) {
    for (const auto& inner : region.ops) {
      if (inner->kind == OpKind::Yield) {
        for (size_t k = 0; k < op.results.size(); ++k) map(op.results[k], get(inner->operands[k]));
        continue;
      }
      b.set_loc(inner->loc);
      rewrite_op(*inner, b);
    }
  }

  static Value* integer(Builder& b, std::optional<int64_t> n) { return n ? b.const_i64(*n) : nullptr; }
  // x / y and x % y are defined: y is not 0, and the quotient fits (not INT64_MIN / -1).
  static bool divisible(int64_t x, int64_t y) {
    return y != 0 && !(x == std::numeric_limits<int64_t>::min() && y == -1);
  }

  static Value* fold(OpKind kind, int64_t attr, const std::vector<Value*>& xs, Builder& b) {
    auto f = [&](size_t i) { return constant(xs[i])->number; };
    auto n = [&](size_t i) { return constant(xs[i])->integer; };
    switch (kind) {
      case OpKind::FAdd: return b.const_f64(f(0) + f(1));
      case OpKind::FSub: return b.const_f64(f(0) - f(1));
      case OpKind::FMul: return b.const_f64(f(0) * f(1));
      case OpKind::FDiv: return b.const_f64(f(0) / f(1));
      case OpKind::FPow: return b.const_f64(std::pow(f(0), f(1)));
      case OpKind::FNeg: return b.const_f64(-f(0));
      case OpKind::Exp: return b.const_f64(std::exp(f(0)));
      case OpKind::Log: return b.const_f64(std::log(f(0)));
      case OpKind::Sqrt: return b.const_f64(std::sqrt(f(0)));
      case OpKind::Log1p: return b.const_f64(std::log1p(f(0)));
      case OpKind::Expm1: return b.const_f64(std::expm1(f(0)));
      case OpKind::Lgamma: return b.const_f64(std::lgamma(f(0)));
      case OpKind::Erf: return b.const_f64(std::erf(f(0)));
      case OpKind::Erfc: return b.const_f64(std::erfc(f(0)));
      case OpKind::Tanh: return b.const_f64(std::tanh(f(0)));
      case OpKind::Sin: return b.const_f64(std::sin(f(0)));
      case OpKind::Cos: return b.const_f64(std::cos(f(0)));
      case OpKind::Atan: return b.const_f64(std::atan(f(0)));
      case OpKind::Floor: return b.const_f64(std::floor(f(0)));
      case OpKind::Ceil: return b.const_f64(std::ceil(f(0)));
      case OpKind::Round: return b.const_f64(std::round(f(0)));
      case OpKind::Trunc: return b.const_f64(std::trunc(f(0)));
      case OpKind::Fabs: return b.const_f64(std::fabs(f(0)));
      // Integer ops fold only where the result is defined; a division by zero
      // or an overflow is left for the check that guards it to report.
      case OpKind::IAdd: return integer(b, limits::checked_add(n(0), n(1)));
      case OpKind::ISub: return integer(b, limits::checked_sub(n(0), n(1)));
      case OpKind::IMul: return integer(b, limits::checked_mul(n(0), n(1)));
      case OpKind::IAddOverflows: return b.const_bool(!limits::checked_add(n(0), n(1)));
      case OpKind::ISubOverflows: return b.const_bool(!limits::checked_sub(n(0), n(1)));
      case OpKind::IMulOverflows: return b.const_bool(!limits::checked_mul(n(0), n(1)));
      case OpKind::IDiv: return divisible(n(0), n(1)) ? b.const_i64(n(0) / n(1)) : nullptr;
      case OpKind::IMod: return divisible(n(0), n(1)) ? b.const_i64(n(0) % n(1)) : nullptr;
      case OpKind::IToF: return b.const_f64(static_cast<double>(n(0)));
      case OpKind::FCmp: return b.const_bool(compare(static_cast<CmpPredicate>(attr), f(0), f(1)));
      case OpKind::ICmp: return b.const_bool(compare(static_cast<CmpPredicate>(attr), n(0), n(1)));
      case OpKind::And: return b.const_bool(n(0) && n(1));
      case OpKind::Or: return b.const_bool(n(0) || n(1));
      case OpKind::Not: return b.const_bool(!n(0));
      case OpKind::Select: return n(0) ? xs[1] : xs[2];
      default: return nullptr;
    }
  }
};

}  // namespace

Program fold_constants(const Program& program) {
  return rewrite_program(program, [] { return FoldConstants(); });
}

}  // namespace vic::ir
