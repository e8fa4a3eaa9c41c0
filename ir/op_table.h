// The op table: every operation of the IR defined once, with its spelling,
// its type rule, its effects, its vector-Jacobian product (reverse mode) and,
// where it has one, its Jacobian-vector product (forward mode). Builder,
// the printer and parser, the passes and AD all read it; adding an op is a
// line in ops.def and a row in op_table.cpp (see ir/README.md).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ir/ir.h"

namespace vic::ir {

class Builder;

// The operand types an op takes and the type it returns. Special: built by a
// Builder method of its own (constants, memory, control flow, tensors), which
// checks its operands there.
enum class Signature : uint8_t {
  Special,
  F_F,     // (f64) -> f64
  FF_F,    // (f64, f64) -> f64
  FFF_F,   // (f64, f64, f64) -> f64
  I_F,     // (i64) -> f64
  F_I,     // (f64) -> i64
  II_I,    // (i64, i64) -> i64
  II_B,    // (i64, i64) -> i1
  B_B,     // (i1) -> i1
  BB_B,    // (i1, i1) -> i1
  Select,  // (i1, T, T) -> T
  MatVec,  // (tensor<f64>, tensor<f64>, i64, i64) -> tensor<f64>
  MatMul,  // (tensor<f64>, tensor<f64>, i64, i64, i64, i64) -> tensor<f64>
  T_F,     // (tensor<f64>) -> f64
  Slice,   // (tensor<f64>, i64, i64) -> tensor<f64>
  Concat,  // (tensor<f64>, tensor<f64>, i64) -> tensor<f64>
};

// What running an op may do besides computing its results.
enum class Effect : uint8_t {
  Pure,        // nothing: it may be removed when unused, merged with an equal op, moved
  Input,       // reads the data or a constant (pure, and cheap to repeat)
  Allocates,   // each result is a new buffer: never merged
  Writes,      // writes memory (store, copy)
  Checks,      // may end the evaluation (check)
  Random,      // draws from the random number generator
  Output,      // writes to the program's output (print)
  Region,      // runs its regions (for, if, generate): its effects are theirs
  Terminator,  // ends a block (yield, return)
};

// An op r = f(x_0 .. x_n-1) where its derivative code is built: the builder
// at that place and the op's operand and result values there.
struct DerivativeSite {
  Builder& b;
  OpKind kind;
  const std::vector<Value*>& x;
  Value* r;  // the result (a kernel.call's tensor)
  std::string_view name = {};  // a kernel.call's kernel
};

// adjoint * d r / d x_k, the contribution to operand k's adjoint, or null
// when operand k gets none (a select's condition).
using Vjp = Value* (*)(const DerivativeSite& site, size_t k, Value* adjoint);
// sum_k d r / d x_k * tangent_k, a null tangent being zero; null when every
// tangent is.
using Jvp = Value* (*)(const DerivativeSite& site, const std::vector<Value*>& tangents);

struct OpInfo {
  OpKind kind;
  const char* spelling;
  Signature signature;
  Effect effect;
  Vjp vjp;  // null: not differentiated (integer and boolean work, inputs, ...)
  Jvp jvp;  // null: no forward rule
};

const OpInfo& op_info(OpKind kind);

// The operand types an op of a non-Special signature takes (a select's
// follow its second operand) and the type it returns.
struct SignatureTypes {
  std::vector<Type> operands;
  Type result;
};
SignatureTypes signature_types(OpKind kind, const std::vector<Type>& operands);

// The result type of an op of a non-Special signature on these operands, or
// nullopt with what it takes in `expected` ("(f64, f64)").
std::optional<Type> signature_result(OpKind kind, const std::vector<Type>& operands, std::string* expected = nullptr);

// p + q element by element (tensors of one size), a null one being zero:
// how tangents and adjoints of tensors add.
Value* tensor_add(Builder& b, Value* p, Value* q);

}  // namespace vic::ir
