// Log cumulative distribution functions, `_lcdf` and `_lccdf` (and `_cdf`,
// their exp): closed forms in the IR's differentiable ops, the incomplete
// gamma and beta functions among them (the gamma and beta families and the
// discrete distributions); Student-t's goes through Boost.Math and takes
// data only. A discrete variate (and a count such as the binomial's N)
// comes as an i64.
#pragma once

#include <string_view>
#include <vector>

#include "stdlib/distributions.h"
#include "stdlib/signatures.h"  // has_cdf

namespace vic::stdlib {

// log P(Y <= y) (log P(Y > y) when `complement`) at one element; args are
// the variate then the parameters, in signature order.
ir::Value* build_log_cdf(ir::Builder& b, std::string_view dist, const std::vector<ir::Value*>& args, bool complement,
                         const AddCheck& add_check);

}  // namespace vic::stdlib
