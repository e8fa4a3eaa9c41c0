// JitGuideModel: runtime::GuideModel implemented by the JIT-compiled
// @guide_elbo and @guide_elbo_grad over bound data.
#pragma once

#include <memory>

#include "codegen/jit.h"
#include "runtime/data.h"
#include "runtime/guide_model.h"

namespace vic::codegen {

// Wraps the compiled guide ELBO of `program` with `layout`, the program's
// layout resolved for `data` (which it copies).
Expected<std::unique_ptr<runtime::GuideModel>> make_jit_guide_model(std::unique_ptr<JitModule> module,
                                                                    const ir::Program& program,
                                                                    const ir::ResolvedLayout& layout,
                                                                    const runtime::DataSet& data);

}  // namespace vic::codegen
