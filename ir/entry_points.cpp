// The entry-point table (ir/entry_points.def) and its look-ups.
#include "ir/entry_points.h"

#include "support/check.h"

namespace vic::ir {
namespace {

constexpr EntryPointInfo kTable[] = {
#define ENTRY_POINT(Name, Symbol, Role, Propto, Jacobian, Gradient) \
  {EntryPoint::Name, Symbol, EntryRole::Role, Propto, Jacobian, Gradient},
#include "ir/entry_points.def"
};

constexpr EntryPoint kDefault[] = {EntryPoint::GradientProptoJacobian, EntryPoint::LogDensityJacobian,
                                   EntryPoint::Constrain, EntryPoint::Unconstrain};

}  // namespace

std::span<const EntryPointInfo> all_entry_points() { return kTable; }

const EntryPointInfo& entry_point_info(EntryPoint e) {
  const EntryPointInfo& info = kTable[static_cast<size_t>(e)];
  VIC_CHECK(info.id == e) << "entry_points.def is out of order";
  return info;
}

EntryPoint log_density_entry_point(bool propto, bool jacobian, bool gradient) {
  for (const EntryPointInfo& info : kTable) {
    if (info.role == EntryRole::LogDensity && info.propto == propto && info.jacobian == jacobian &&
        info.gradient == gradient) {
      return info.id;
    }
  }
  VIC_CHECK(false) << "entry_points.def lacks a log density";
  return EntryPoint::LogDensity;
}

EntryPoint entry_point_value(EntryPoint e) {
  const EntryPointInfo& info = entry_point_info(e);
  if (!info.gradient) return e;
  if (info.role == EntryRole::Elbo || info.role == EntryRole::GuideElbo) {
    // The table lists each ELBO right before its gradient.
    const EntryPoint value = static_cast<EntryPoint>(static_cast<size_t>(e) - 1);
    VIC_CHECK(entry_point_info(value).role == info.role && !entry_point_info(value).gradient)
        << "entry_points.def: @" << info.symbol << " must follow its ELBO";
    return value;
  }
  return log_density_entry_point(info.propto, info.jacobian, false);
}

std::optional<EntryPoint> find_entry_point(const std::string& symbol) {
  for (const EntryPointInfo& info : kTable)
    if (symbol == info.symbol) return info.id;
  return std::nullopt;
}

std::span<const EntryPoint> default_entry_points() { return kDefault; }

std::string bind_function_name(const std::string& source) { return "bind." + source; }

}  // namespace vic::ir
