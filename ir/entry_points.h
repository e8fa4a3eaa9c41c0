// The entry-point table: every function a compiled program exports, with its
// role (log density with its Stan log_prob<propto, jacobian> flags and whether
// it returns the gradient, constrain, unconstrain) and its symbol. Lowering,
// the pipeline, codegen and the runtime find functions through this table,
// never by spelling their names.
#pragma once

#include <optional>
#include <span>
#include <string>

namespace vic::ir {

enum class EntryPoint : uint8_t {
#define ENTRY_POINT(Name, Symbol, Role, Propto, Jacobian, Gradient) Name,
#include "ir/entry_points.def"
};

enum class EntryRole : uint8_t { LogDensity, Constrain, Unconstrain, Elbo, GuideElbo };

struct EntryPointInfo {
  EntryPoint id;
  const char* symbol;
  EntryRole role;
  bool propto;    // log densities: constants `~` drops are dropped
  bool jacobian;  // log densities: each transform's log-Jacobian is added
  bool gradient;  // log densities: also writes d lp / d theta into `grad`
};

// Every entry point, in the table's order.
std::span<const EntryPointInfo> all_entry_points();
const EntryPointInfo& entry_point_info(EntryPoint e);
inline const char* entry_point_symbol(EntryPoint e) { return entry_point_info(e).symbol; }

// The log density with these flags.
EntryPoint log_density_entry_point(bool propto, bool jacobian, bool gradient);
// The function a gradient entry point differentiates (itself when it has no
// gradient): the log density with the same flags, or the same family's ELBO.
EntryPoint entry_point_value(EntryPoint e);
// The entry point with this symbol, if any.
std::optional<EntryPoint> find_entry_point(const std::string& symbol);

// The entry points `vic fit` needs: ADVI's two densities, constrain (draws)
// and unconstrain (initial values on the constrained scale).
std::span<const EntryPoint> default_entry_points();

// The function that fills the scratch buffers hoisted out of `source` when the
// data are bound ("bind.lp_grad").
std::string bind_function_name(const std::string& source);

}  // namespace vic::ir
