// Log cumulative distribution functions, `_lcdf` and `_lccdf` (and `_cdf`,
// their exp), for the distributions whose CDFs are closed forms in the IR's
// differentiable ops; Student-t's goes through Boost.Math and takes data only.
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
