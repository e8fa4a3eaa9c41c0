// The pass pipeline, in one straight line: what runs, in which order, and the
// switches that let a test run one pass alone or dump the IR after each.
#pragma once

#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "ir/ir.h"

namespace vic::ir {

// Whether PipelineSettings::verify is on by default: the environment variable
// VIC_VERIFY_IR when set ("0" is off, anything else on), else on in debug
// builds (-DVIC_DEBUG_CHECKS=ON, or a Debug build). ctest sets it for every test (tests/CMakeLists.txt).
bool verify_ir_by_default();

struct PipelineSettings {
  bool fold_constants = true;
  bool simplify_algebra = true;
  bool eliminate_common_subexpressions = true;
  bool eliminate_dead_code = true;
  bool hoist_data_only = true;
  // Sums of tensor.reduce ops may be reassociated (vectorised); off, they add
  // in index order and reproduce Stan's arithmetic.
  bool reorder_reductions = false;
  // Run the verifier (ir/verify.h) on the input and after every pass that
  // ran; an invalid program is a bug in vic, so it aborts naming the pass.
  bool verify = verify_ir_by_default();
  // Print the program after this pass ("all" for every pass), or "(unchanged)".
  std::string dump_ir_after;
  std::ostream* dump = nullptr;
  // Print each pass's time.
  bool time_passes = false;
  // Called after every pass that ran, in order, with its name and its output
  // (the golden tests record each stage through it).
  std::function<void(const std::string& pass, const Program& after)> after_pass;

  // Every pass that may change a value off: the reference the optimised
  // pipeline is checked against (random programs, gradient findings).
  static PipelineSettings unoptimised() {
    PipelineSettings s;
    s.fold_constants = false;
    s.simplify_algebra = false;
    s.eliminate_common_subexpressions = false;
    s.eliminate_dead_code = false;
    s.hoist_data_only = false;
    return s;
  }
};

// The names of the passes run_pipeline runs, in their first order, as
// PipelineSettings::dump_ir_after takes them (besides "all").
std::vector<std::string> pipeline_pass_names();

// The cleanup passes, in order: fold, simplify, CSE, DCE.
Program simplify_program(const Program& program, const PipelineSettings& settings);

// The whole pipeline for a lowered program: bind the data sizes (when
// `lookup_size` is given), simplify, differentiate the value function of each
// gradient entry point the program exports (`@lp_propto` into `@lp_grad`;
// containers are still values), simplify, build the ELBO gradients asked for
// (ir/elbo.h) and simplify again, bufferize, hoist data-only work, simplify again.
Program run_pipeline(const Program& lowered, const PipelineSettings& settings,
                     const std::function<std::optional<int64_t>(const std::string&)>* lookup_size);

}  // namespace vic::ir
