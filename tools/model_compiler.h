// The compiler driver: source text -> checked AST -> IR -> (with data) bound,
// optimised, differentiated IR -> JIT-compiled runtime::Model. Each stage is a
// separate call so the CLI can stop after any of them, and each is timed.
#pragma once

#include <memory>
#include <ostream>
#include <span>
#include <string>

#include "frontend/ast.h"
#include "ir/ir.h"
#include "ir/lower/lower.h"
#include "ir/passes/pipeline.h"
#include "runtime/data.h"
#include "runtime/guide_model.h"
#include "runtime/model.h"
#include "support/diagnostics.h"
#include "support/expected.h"

namespace vic::tools {

// A parsed and checked model. `ast` is null when there were errors.
struct CheckedModel {
  std::unique_ptr<SourceFile> file;
  std::unique_ptr<ast::Program> ast;
  Diagnostics diagnostics;
  double parse_ms = 0;
};

// Reads and checks a .vmodel file; an Error only when the file cannot be read.
Expected<CheckedModel> check_model_file(const std::string& path);
CheckedModel check_model_source(std::string name, std::string text);

// The data declarations of a model, for the JSON loader.
std::vector<runtime::DataDecl> data_declarations(const ast::Program& program);

struct StageTimings {
  double parse_ms = 0;
  double data_ms = 0;
  double lower_ms = 0;
  double passes_ms = 0;  // passes and AD
  double emit_ms = 0;
  double optimize_ms = 0;
  double jit_ms = 0;
};

struct CompiledModel {
  std::unique_ptr<runtime::Model> model;
  ir::Program program;        // the optimised IR that was compiled
  ir::ResolvedLayout layout;  // its layout with the data's sizes
};

// Lowers, binds `data`, runs the pipeline and JIT-compiles the entry points
// `vic fit` needs, and any of `extra_entry_points` (`vic optimize`'s density
// without the Jacobian).
Expected<CompiledModel> compile_model(const ast::Program& program, const runtime::DataSet& data,
                                      const ir::PipelineSettings& settings, StageTimings* timings = nullptr,
                                      std::span<const ir::EntryPoint> extra_entry_points = {});

struct CompiledGuideModel {
  std::unique_ptr<runtime::GuideModel> model;
  ir::ResolvedLayout layout;
};

// The same for a program with a guide: its minibatch ELBO and gradient (vic train).
Expected<CompiledGuideModel> compile_guide_model(const ast::Program& program, const runtime::DataSet& data,
                                                 const ir::PipelineSettings& settings,
                                                 const lower::LowerOptions& lowering = {});

// The IR after the pipeline, with data sizes bound (for --emit grad-ir / llvm),
// for the default entry points or those given.
ir::Program optimized_program(const ast::Program& program, const runtime::DataSet& data,
                              const ir::PipelineSettings& settings,
                              std::span<const ir::EntryPoint> entry_points = ir::default_entry_points());

}  // namespace vic::tools
