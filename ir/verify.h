// The IR verifier: checks the invariants every pass may assume and must keep
// (MLIR's verify()). The pipeline runs it after every pass when
// PipelineSettings::verify is set, so a pass that breaks the IR is named at
// once rather than found as a crash or a wrong gradient far downstream.
#pragma once

#include "ir/ir.h"
#include "support/expected.h"

namespace vic::ir {

// Where in the pipeline a program is: containers are tensor values until
// bufferize, buffers after it.
enum class IrStage {
  Tensors,  // tensors and buffers may both appear
  Buffers,  // after bufferize: no tensor type or tensor op remains
};

// Checks `program`:
// - types: each op's operand and result types and counts (the rules of
//   ir/builder.cpp), predicates, check ids within Program::checks;
// - dominance: every operand is defined earlier in its block or in an
//   enclosing one; a region's arguments are seen only inside it; each value
//   is defined once, and def/owner/parent links agree with the nesting;
// - regions: for, if and tensor.generate have their regions, region
//   arguments and a closing yield of the right types; a function body ends in
//   a return of its declared result types; yield and return end blocks only;
// - stage: after bufferize (IrStage::Buffers) no tensor remains;
// - effects: stores and copies write only buffers, never `theta`, and a data
//   buffer only from the function that fills it (Program::scratch_buffers);
// - tensor_size (ir.h) resolves for every tensor value to an i64.
// The first problem found is the error, "@function: op %value: problem", with
// values named as print_program names them.
Status verify(const Program& program, IrStage stage);

}  // namespace vic::ir
