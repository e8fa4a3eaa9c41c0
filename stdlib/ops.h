// Arithmetic shorthands over an IR builder, for the densities and functions
// stdlib writes as IR.
#pragma once

#include "ir/builder.h"

namespace vic::stdlib {

struct Ops {
  ir::Builder& b;
  ir::Value* c(double v) { return b.const_f64(v); }
  ir::Value* add(ir::Value* x, ir::Value* y) { return b.op(ir::OpKind::FAdd, {x, y}); }
  ir::Value* sub(ir::Value* x, ir::Value* y) { return b.op(ir::OpKind::FSub, {x, y}); }
  ir::Value* mul(ir::Value* x, ir::Value* y) { return b.op(ir::OpKind::FMul, {x, y}); }
  ir::Value* div(ir::Value* x, ir::Value* y) { return b.op(ir::OpKind::FDiv, {x, y}); }
  ir::Value* neg(ir::Value* x) { return b.op(ir::OpKind::FNeg, {x}); }
  ir::Value* log(ir::Value* x) { return b.op(ir::OpKind::Log, {x}); }
  ir::Value* log1p(ir::Value* x) { return b.op(ir::OpKind::Log1p, {x}); }
  ir::Value* expm1(ir::Value* x) { return b.op(ir::OpKind::Expm1, {x}); }
  ir::Value* lgamma(ir::Value* x) { return b.op(ir::OpKind::Lgamma, {x}); }
  ir::Value* exp(ir::Value* x) { return b.op(ir::OpKind::Exp, {x}); }
  ir::Value* square(ir::Value* x) { return mul(x, x); }
  ir::Value* real(ir::Value* x) { return x->type == ir::Type::I64 ? b.op(ir::OpKind::IToF, {x}) : x; }
  // log(1 - x)
  ir::Value* log1m(ir::Value* x) { return log1p(neg(x)); }
  // cond ? x : y
  ir::Value* select(ir::Value* cond, ir::Value* x, ir::Value* y) { return b.op(ir::OpKind::Select, {cond, x, y}); }
  ir::Value* less(ir::Value* x, ir::Value* y) { return b.cmp(ir::CmpPredicate::Lt, x, y); }
};

}  // namespace vic::stdlib
