// `vic compile`: prints one stage of compilation (the AST, the IR without or
// with the data bound, the gradient's IR, LLVM IR), with the pass pipeline's
// --dump-ir-after and --time-passes output on stderr.
#include <algorithm>
#include <iostream>

#include "codegen/jit.h"
#include "frontend/frontend.h"
#include "ir/elbo.h"
#include "ir/lower/lower.h"
#include "ir/printer.h"
#include "tools/command_support.h"
#include "tools/commands.h"
#include "tools/exit_status.h"

namespace vic::tools {

int run_compile(const CompileOptions& o) {
  // The pipeline runs only for a stage past the AST, once the data is bound.
  const char* pipeline_option = !o.dump_ir_after.empty() ? "--dump-ir-after"
                                : o.time_passes          ? "--time-passes"
                                                         : nullptr;
  if (pipeline_option && (o.emit == "ast" || o.data.empty())) {
    std::cerr << "error: " << pipeline_option
              << " needs the pass pipeline, which runs only with --data FILE and --emit ir, grad-ir, elbo-ir or llvm\n";
    return kExitUsage;
  }
  std::optional<CheckedModel> m = load_model(o.model);
  if (!m) return kExitError;
  if (o.emit == "ast") {
    std::cout << frontend::print_ast(*m->ast);
    return kExitOk;
  }
  // A program with a guide has one function, its minibatch ELBO (vic train's).
  const bool guide = m->ast->block(ast::BlockKind::Guide) != nullptr;
  const std::vector<ir::EntryPoint> guide_entry_points{ir::EntryPoint::GuideElboGradient};
  if (guide && (o.emit == "elbo-ir" || o.emit == "llvm")) {
    std::cerr << "error: --emit " << o.emit << " is for programs without a guide; --emit ir or grad-ir shows the "
              << "guide's ELBO\n";
    return kExitUsage;
  }
  if (o.emit == "ir" && o.data.empty()) {
    std::cout << ir::print_program(guide ? lower::lower_program(*m->ast, std::vector{ir::EntryPoint::GuideElbo})
                                         : lower::lower_program(*m->ast));
    return kExitOk;
  }
  // The ELBO of each family (ir/elbo.h): the template around @lp_propto, or
  // with the data its gradient as the pipeline leaves it.
  const bool with_data = !o.data.empty();
  std::vector<ir::EntryPoint> elbos;
  for (ir::ElboFamily family : {ir::ElboFamily::MeanField, ir::ElboFamily::FullRank})
    elbos.push_back(ir::elbo_entry_point(family, with_data));
  if (o.emit == "elbo-ir" && !with_data) {
    ir::Program p = lower::lower_program(*m->ast, elbos);
    for (ir::EntryPoint e : elbos) std::cout << ir::print_function(*p.find(e));
    return kExitOk;
  }
  if (o.data.empty()) {
    std::cerr << "error: --emit " << o.emit << " needs the data (--data FILE): sizes are fixed when it is bound\n";
    return kExitError;
  }
  std::optional<runtime::DataSet> data = load_data(*m->ast, o.data, /*seed=*/1);
  if (!data) return kExitError;
  ir::PipelineSettings settings;
  settings.dump_ir_after = o.dump_ir_after;
  settings.time_passes = o.time_passes;
  settings.dump = &std::cerr;
  if (guide) {
    // The ELBO before AD (ir), or its gradient (grad-ir), sizes bound.
    ir::Program p = optimized_program(*m->ast, *data, settings, guide_entry_points);
    ir::EntryPoint shown = o.emit == "ir" ? ir::EntryPoint::GuideElbo : ir::EntryPoint::GuideElboGradient;
    std::cout << ir::print_function(*p.find(shown));
    return kExitOk;
  }
  if (o.emit == "ir") {
    // With data: the lowered IR, sizes bound and simplified, before AD.
    settings.hoist_data_only = true;
    ir::Program p = optimized_program(*m->ast, *data, settings);
    const std::string gradient = ir::entry_point_symbol(ir::EntryPoint::GradientProptoJacobian);
    std::erase_if(p.functions, [&](const auto& f) { return f->name == gradient; });
    std::cout << ir::print_program(p);
    return kExitOk;
  }
  if (o.emit == "elbo-ir") {
    ir::Program p = optimized_program(*m->ast, *data, settings, elbos);
    for (ir::EntryPoint e : elbos) std::cout << ir::print_function(*p.find(e));
    return kExitOk;
  }
  ir::Program p = optimized_program(*m->ast, *data, settings);
  if (o.emit == "grad-ir") {
    std::cout << ir::print_function(*p.find(ir::EntryPoint::GradientProptoJacobian));
    return kExitOk;
  }
  std::cout << codegen::emit_llvm_text(p);
  return kExitOk;
}

}  // namespace vic::tools
