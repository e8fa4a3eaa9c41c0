// The pass pipeline.
#include "ir/passes/pipeline.h"

#include <chrono>
#include <cstdlib>

#include "ir/ad/forward_mode.h"
#include "ir/ad/reverse_mode.h"
#include "ir/elbo.h"
#include "ir/passes/passes.h"
#include "ir/printer.h"
#include "ir/rewriter.h"
#include "ir/verify.h"

namespace vic::ir {
namespace {

// The passes' names, as --dump-ir-after and --time-passes spell them.
constexpr const char* kBindDataSizes = "bind-data-sizes";
constexpr const char* kFoldConstants = "fold-constants";
constexpr const char* kSimplifyAlgebra = "simplify-algebra";
constexpr const char* kCse = "cse";
constexpr const char* kDce = "dce";
constexpr const char* kHoistDataOnly = "hoist-data-only";
constexpr const char* kReverseModeAd = "reverse-mode-ad";
constexpr const char* kForwardModeAd = "forward-mode-ad";
constexpr const char* kBufferize = "bufferize";
constexpr const char* kBuildElbo = "build-elbo";

class Runner {
 public:
  explicit Runner(const PipelineSettings& s) : s_(s) {}

  // Verifies the program a pass received from outside the pipeline.
  void verify_input(const Program& in) const { verify_at("given to the pipeline", in); }

  template <typename Pass>
  Program run(const char* name, bool enabled, const Program& in, Pass pass) {
    if (!enabled) return clone_program(in);
    auto start = std::chrono::steady_clock::now();
    Program out = pass(in);
    if (s_.time_passes && s_.dump) {
      if (std::string(name) == "bufferize")
        *s_.dump << "bufferize: " << out.statistics["bufferize.copies"] << " copies\n";
      double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
      *s_.dump << "pass " << name << ": " << ms << " ms\n";
    }
    // Containers are buffers from bufferize on.
    if (std::string(name) == kBufferize) stage_ = IrStage::Buffers;
    verify_at("after pass " + std::string(name), out);
    if (s_.after_pass) s_.after_pass(name, out);
    if (s_.dump && (s_.dump_ir_after == name || s_.dump_ir_after == "all")) {
      std::string before = print_program(in);
      std::string after = print_program(out);
      *s_.dump << "// ----- IR after " << name << "\n" << (before == after ? "(unchanged)\n" : after);
    }
    return out;
  }

 private:
  void verify_at(const std::string& where, const Program& p) const {
    if (!s_.verify) return;
    Status status = verify(p, stage_);
    VIC_CHECK(status) << "invalid IR " << where << ": " << status.error();
  }

  const PipelineSettings& s_;
  IrStage stage_ = IrStage::Tensors;
};

// The cleanup passes, in order, run by `r` (which knows the stage).
Program simplify_with(Runner& r, const Program& program, const PipelineSettings& s) {
  Program p = r.run(kFoldConstants, s.fold_constants, program, fold_constants);
  p = r.run(kSimplifyAlgebra, s.simplify_algebra, p, simplify_algebra);
  p = r.run(kCse, s.eliminate_common_subexpressions, p, eliminate_common_subexpressions);
  return r.run(kDce, s.eliminate_dead_code, p, eliminate_dead_code);
}

}  // namespace

bool verify_ir_by_default() {
  if (const char* env = std::getenv("VIC_VERIFY_IR"); env && *env) return std::string(env) != "0";
#ifdef VIC_DEBUG_CHECKS
  return true;
#else
  return false;
#endif
}

std::vector<std::string> pipeline_pass_names() {
  return {kBindDataSizes, kFoldConstants, kSimplifyAlgebra, kCse,          kDce,
          kForwardModeAd, kReverseModeAd, kBuildElbo,     kBufferize,       kHoistDataOnly};
}

Program simplify_program(const Program& program, const PipelineSettings& s) {
  Runner r(s);
  return simplify_with(r, program, s);
}

Program run_pipeline(const Program& lowered, const PipelineSettings& s,
                     const std::function<std::optional<int64_t>(const std::string&)>* lookup_size) {
  Runner r(s);
  r.verify_input(lowered);
  Program p = lookup_size ? r.run(kBindDataSizes, true, lowered,
                                  [&](const Program& in) { return bind_data_sizes(in, *lookup_size); })
                          : clone_program(lowered);
  // Differentiate while containers are values; then give them memory; then
  // move what depends on the data alone (in buffer form) to the bind step.
  p = simplify_with(r, p, s);
  p = r.run(kForwardModeAd, !p.jvp_requests.empty(), p, add_requested_jvps);
  p = r.run(kReverseModeAd, true, p, [](const Program& in) {
    Program out = clone_program(in);
    for (EntryPoint e : in.entry_points) {
      if (!entry_point_info(e).gradient) continue;
      if (entry_point_info(e).role == EntryRole::Elbo) {
        differentiate_elbo_surrogate(out, elbo_family(e));
        continue;
      }
      // (An ELBO's gradient may have added @lp_grad already.)
      if (!out.find(entry_point_symbol(e)))
        add_gradient_function(out, entry_point_symbol(entry_point_value(e)), entry_point_symbol(e));
    }
    return out;
  });
  p = simplify_with(r, p, s);
  bool elbo = false;
  for (EntryPoint e : p.entry_points)
    elbo |= entry_point_info(e).role == EntryRole::Elbo && entry_point_info(e).gradient;
  if (elbo) {
    p = r.run(kBuildElbo, true, p, [](const Program& in) {
      Program out = clone_program(in);
      for (EntryPoint e : in.entry_points)
        if (entry_point_info(e).role == EntryRole::Elbo && entry_point_info(e).gradient)
          add_elbo_gradient(out, elbo_family(e), entry_point_symbol(e));
      return out;
    });
    p = simplify_with(r, p, s);
  }
  p = r.run(kBufferize, true, p, [&](const Program& in) { return bufferize(in, s.reorder_reductions); });
  p = r.run(kHoistDataOnly, s.hoist_data_only, p, hoist_data_only);
  return simplify_with(r, p, s);
}

}  // namespace vic::ir
