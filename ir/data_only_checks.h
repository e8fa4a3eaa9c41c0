// Which domain checks of a function depend on the data alone. Such a check sees
// the same condition at every value of the parameters, on a path it reaches
// whatever they are, so when it fails at one point it fails at all of them: an
// index read from the data that is out of range, a scale given as data that is
// negative. The runtime evaluates the density once when it binds the data and
// reports such a failure as an error about the data, before any fitting starts,
// instead of rejecting every initial point.
#pragma once

#include <cstdint>
#include <unordered_set>

#include "ir/ir.h"

namespace vic::ir {

// The ids (Op::integer, indexing Program::checks) of the checks in `function`
// whose condition depends on no function argument (the parameters) and whose
// enclosing `for` bounds and `if` conditions do not either; allocations count
// as checks of their size (running out of memory). A buffer that some
// store fills with a parameter-dependent value, at a parameter-dependent index
// or under parameter-dependent control counts as parameter-dependent.
std::unordered_set<int64_t> data_only_checks(const Function& function);

}  // namespace vic::ir
