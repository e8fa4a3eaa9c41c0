// JitModel: runtime::Model implemented by JIT-compiled functions over bound data.
#pragma once

#include <memory>

#include "codegen/jit.h"
#include "runtime/data.h"
#include "runtime/model.h"

namespace vic::codegen {

// What the model's outputs and unconstrained vector look like once the sizes
// are known (computed by the caller from the declarations and the data).
struct ModelLayout {
  size_t dim = 0;
  std::vector<std::string> output_names;
  size_t num_parameter_outputs = 0;
  size_t num_transformed_outputs = 0;
};

// Wraps compiled `@lp_grad`, `@lp` and `@constrain` of `program`;
// copies the data each function reads.
// Scratch buffers (hoisted data-only values) are allocated and filled here.
Expected<std::unique_ptr<runtime::Model>> make_jit_model(std::unique_ptr<JitModule> module, const ir::Program& program,
                                                         ModelLayout layout, const runtime::DataSet& data);

}  // namespace vic::codegen
