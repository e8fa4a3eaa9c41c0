// What the type checker accepts but the lowering cannot compile yet (matrix
// products, vectorised _rng, indexing a computed expression): reported as
// NotSupportedYet diagnostics before lowering, so such a model gets a message
// with its place instead of wrong code.
#pragma once

#include "frontend/ast.h"
#include "support/diagnostics.h"

namespace vic::lower {

void check_supported(const ast::Program& program, Diagnostics& diags);

}  // namespace vic::lower
