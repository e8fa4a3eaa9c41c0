// The IR pass bind_data_sizes: one function from Program to Program.
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

}  // namespace vic::ir
