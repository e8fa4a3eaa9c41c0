// Initial values from a file, as CmdStan's `init=FILE` takes them: Stan JSON
// with a field per parameter on the constrained scale (`{"mu": 1, "theta":
// [0.5, 2], "Sigma": [[1, 0], [0, 1]]}`), mapped to the unconstrained point
// the algorithms start from by Model::unconstrain.
#pragma once

#include <string>
#include <vector>

#include "runtime/model.h"
#include "support/expected.h"

namespace vic::runtime {

// The unconstrained point for the constrained parameter values in the JSON
// text. For each parameter output name ("mu", "theta.2", "Sigma.1.2") the
// value is the field's element at those 1-based indices. An Error names the
// file (`source_name`) and the field: one missing, an element missing or not
// a number, a value outside its parameter's constraint.
Expected<std::vector<double>> read_initial_values(const Model& model, const std::string& text,
                                                  const std::string& source_name);

}  // namespace vic::runtime
