// Stan's scalar functions in IR: the elementwise functions of one real (exp,
// log1m, Phi, erf, ...) and those of several scalars (pow, fmin, log_diff_exp,
// log_mix, ...), with the constants (pi(), negative_infinity(), ...). Each is
// built from ops whose adjoints the op table has, so AD differentiates it.
#pragma once

#include <string_view>
#include <vector>

#include "ir/builder.h"

namespace vic::stdlib {

// An elementwise function of one scalar (the signature table's LikeArg ones).
ir::Value* build_function(ir::Builder& b, std::string_view name, ir::Value* x);

// Whether `name` is a function of scalars only (none of them a container), of
// any arity, that build_scalar_function builds.
bool is_scalar_function(std::string_view name);
// The function of scalars `xs` (i64 or f64): f64, or i64 where Stan returns an int.
ir::Value* build_scalar_function(ir::Builder& b, std::string_view name, const std::vector<ir::Value*>& xs);

}  // namespace vic::stdlib
