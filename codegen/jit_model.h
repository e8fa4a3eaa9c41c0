// JitModel: runtime::Model implemented by JIT-compiled functions over bound data.
#pragma once

#include <memory>

#include "codegen/jit.h"
#include "runtime/data.h"
#include "runtime/model.h"

namespace vic::codegen {

// Wraps the compiled entry points of `program` (ADVI's two log densities,
// constrain, unconstrain: ir/entry_points.def) with `layout`, the program's
// layout resolved for `data`; copies the data each function reads.
// Scratch buffers (hoisted data-only values) are allocated and filled here.
Expected<std::unique_ptr<runtime::Model>> make_jit_model(std::unique_ptr<JitModule> module, const ir::Program& program,
                                                         ir::ResolvedLayout layout, const runtime::DataSet& data);

}  // namespace vic::codegen
