// Evaluating data-only scalar expressions (sizes, data bounds) once the data is
// known, e.g. `vector[N - 1]` or `int<upper=N> k`.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <variant>

#include "frontend/ast.h"
#include "support/expected.h"

namespace vic::frontend {

// An int or real scalar value.
using Scalar = std::variant<long long, double>;
double to_double(const Scalar& s);

// The value of a scalar variable, or nullopt when it is not known.
using ScalarLookup = std::function<std::optional<Scalar>(const ast::VarDecl& decl)>;

// Evaluates `e`; an Error names what could not be evaluated.
Expected<Scalar> evaluate_scalar(const ast::Expr& e, const ScalarLookup& lookup);

}  // namespace vic::frontend
