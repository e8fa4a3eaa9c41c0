// The IR passes. Each is one function from Program to Program, defined in a
// file of its own; ir/passes/pipeline.h runs them in order.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "ir/ir.h"

namespace vic::ir {

// Replaces `data.int` reads by the bound values, making sizes constants.
// `lookup` returns nullopt for a name that is not bound (it stays a read).
Program bind_data_sizes(const Program& program,
                        const std::function<std::optional<int64_t>(const std::string&)>& lookup);

// Evaluates ops whose operands are constants; takes the branch of an `if` on a
// constant condition; removes checks that always pass and loops that never run.
Program fold_constants(const Program& program);

// Algebraic identities: x + 0, x * 1, x / 1, -(-x), select(c, x, x), log(exp(x)), ...
Program simplify_algebra(const Program& program);

// Merges pure ops equal in kind, operands and attributes, within a region and
// the regions it encloses. Loads merge only from buffers nothing stores to; a
// check of a condition already checked in scope is dropped.
Program eliminate_common_subexpressions(const Program& program);

// Removes ops whose results nobody needs, buffers nobody reads (with their
// stores), and loops and ifs with no needed results and no effects.
Program eliminate_dead_code(const Program& program);

// Moves data-only work at the top level of the log-density functions into a
// function run once when the data is bound; its results are read back from a
// scratch buffer.
Program hoist_data_only(const Program& program);

}  // namespace vic::ir
