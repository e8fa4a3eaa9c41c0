// Local derivative rules: for an op r = f(x_1, ..., x_n) and the adjoint a of
// r, the contribution a * df/dx_k to the adjoint of operand k. One table, one
// line of maths per rule (derivative_rules.cpp); the ops that are not
// differentiable are listed there explicitly.
#pragma once

#include "ir/builder.h"

namespace vic::ir {

// Whether values flow through `kind` differentiably (false for comparisons,
// integer arithmetic, conversions, ...).
bool is_differentiable(OpKind kind);

// The contribution to operand `k`'s adjoint, or null when that operand gets
// none (e.g. the condition of a select). `operands` and `result` are the
// values of the op's operands and result where the adjoint code runs.
Value* operand_adjoint(Builder& b, OpKind kind, size_t k, const std::vector<Value*>& operands, Value* result,
                       Value* adjoint);

}  // namespace vic::ir
