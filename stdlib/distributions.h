// Each distribution's log density and each elementwise function, written once
// as IR built from primitive ops, so the AD pass differentiates them with its
// local rules. Densities are split into terms tagged with the arguments they
// depend on: under `~` (propto) a term none of whose arguments can change with
// the parameters is dropped, as Stan's include_summand does.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "ir/builder.h"

namespace vic::stdlib {

// One scalar argument of a density at one element: its IR value (f64, or i64
// for an int variate or count) and whether it depends on the parameters.
struct DensityArg {
  ir::Value* value;
  bool parameter;
};

// Registers a domain check's message and returns its id for Builder::check.
using AddCheck = std::function<int64_t(const std::string& message)>;

// The log density (or mass) of `dist` at one element; args are the variate
// then the distribution's parameters, in signature order.
ir::Value* build_log_density(ir::Builder& b, std::string_view dist, const std::vector<DensityArg>& args,
                             bool propto, const AddCheck& add_check);


// A draw of `dist` (normal_rng etc.) given its parameters, after the
// density's checks of them ("normal_rng: Scale parameter must be positive");
// f64 (integers for discrete distributions are whole numbers in an f64).
ir::Value* build_rng(ir::Builder& b, std::string_view dist, const std::vector<ir::Value*>& params,
                     const AddCheck& add_check);

}  // namespace vic::stdlib
