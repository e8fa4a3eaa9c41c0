// Log cumulative distribution functions, `_lcdf` and `_lccdf` (and `_cdf`,
// their exp): closed forms in the IR's differentiable ops, the incomplete
// gamma and beta functions among them (the gamma and beta families and the
// discrete distributions); Student-t's goes through Boost.Math and takes
// data only. A discrete variate (and a count such as the binomial's N)
// comes as an i64.
#pragma once

#include <string_view>
#include <vector>

#include "stdlib/container_functions.h"
#include "stdlib/distributions.h"
#include "stdlib/signatures.h"  // has_cdf

namespace vic::stdlib {

// log P(Y <= y) (log P(Y > y) when `complement`) at one element; args are
// the variate then the parameters, in signature order.
ir::Value* build_log_cdf(ir::Builder& b, std::string_view dist, const std::vector<ir::Value*>& args, bool complement,
                         const AddCheck& add_check);

// poisson_binomial_lcdf (_lccdf when `complement`): the sum over the outcomes
// y (args[0], an int or an int array) of log P(Y <= y) (log P(Y > y)), Y the
// successes in trials of probabilities args[1] (one vector), by the
// recursion over the trials of the log probabilities of each count, which
// the AD pass differentiates. Stan's checks: 0 <= y <= size(theta) and each
// theta in [0, 1]; a truncation's `bound` may lie outside [0, size(theta)]
// (F = 0 below, 1 at and above the size).
ir::Value* build_poisson_binomial_log_cdf(ir::Builder& b, const std::vector<ContainerArg>& args, bool complement,
                                          bool bound, const AddCheck& add_check);

}  // namespace vic::stdlib
