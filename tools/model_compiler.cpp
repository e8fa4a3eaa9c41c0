// The compiler driver.
#include "tools/model_compiler.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "codegen/jit.h"
#include "codegen/jit_guide_model.h"
#include "codegen/jit_model.h"
#include "frontend/const_eval.h"
#include "frontend/frontend.h"
#include "ir/lower/check_supported.h"
#include "ir/lower/lower.h"
#include "runtime/format.h"
#include "support/limits.h"

namespace vic::tools {
namespace {

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

// Scalar data values, for evaluating sizes and bounds.
frontend::ScalarLookup data_lookup(const runtime::DataSet& data) {
  return [&data](const ast::VarDecl& d) -> std::optional<frontend::Scalar> {
    if (d.block != ast::BlockKind::Data) return std::nullopt;
    const runtime::DataValue* v = data.find(d.name);
    if (!v || !v->dims.empty() || v->size() != 1) return std::nullopt;
    if (v->is_int) return frontend::Scalar{static_cast<long long>(v->ints[0])};
    return frontend::Scalar{v->reals[0]};
  };
}

// The sizes of a data declaration, for the JSON loader (the outputs' sizes are
// the program's layout, ir/layout.h); an error names the declaration's place.
Expected<std::vector<int64_t>> evaluate_dims(const ast::VarDecl& decl, const runtime::DataSet& data) {
  const ast::SizedType& t = decl.type;
  const std::string& name = decl.name;
  const std::string at = decl.loc.str() + ": ";
  std::vector<int64_t> dims;
  auto add = [&](const ast::ExprPtr& e) -> Status {
    Expected<frontend::Scalar> v = frontend::evaluate_scalar(*e, data_lookup(data));
    if (!v) return Error{v.error()};
    if (!std::holds_alternative<long long>(*v)) return Error{at + "the size of '" + name + "' is not an int"};
    long long n = std::get<long long>(*v);
    if (n < 0) return Error{at + "the size of '" + name + "' is negative (" + std::to_string(n) + ")"};
    dims.push_back(n);
    return Status::ok();
  };
  for (const auto& d : t.array_dims)
    if (Status s = add(d); !s) return Error{s.error()};
  for (const auto& d : t.shape_dims)
    if (Status s = add(d); !s) return Error{s.error()};
  // All dimensions together, checked before anything is allocated.
  int64_t elements = 1;
  for (int64_t d : dims) {
    std::optional<int64_t> product = limits::checked_mul(elements, d);
    if (!product || *product > limits::kMaxContainerElements) {
      return Error{at + "'" + name + "' would hold " + runtime::format_sizes(dims) + " elements, more than the " +
                   std::to_string(limits::kMaxContainerElements) + " one container may hold"};
    }
    elements = *product;
  }
  return dims;
}

std::vector<const ast::VarDecl*> block_decls(const ast::Program& program, ast::BlockKind kind) {
  std::vector<const ast::VarDecl*> out;
  if (const ast::ProgramBlock* b = program.block(kind))
    for (const auto& s : b->stmts)
      if (s->kind == ast::StmtKind::Decl) out.push_back(s->as<ast::DeclStmt>().decl.get());
  return out;
}

// The bytes the outputs' names and one row of values take, roughly.
constexpr uint64_t kBytesPerOutput = 64;

// The scalar data fields sizes may read, ints and reals.
ir::SizeLookup scalar_data_lookup(const runtime::DataSet& data) {
  return [&data](const std::string& name) -> std::optional<ir::SizeScalar> {
    const runtime::DataValue* v = data.find(name);
    if (!v || !v->dims.empty() || v->size() != 1) return std::nullopt;
    if (v->is_int) return ir::SizeScalar{static_cast<int64_t>(v->ints[0])};
    return ir::SizeScalar{v->reals[0]};
  };
}

// The program's layout with the data's sizes, refused when naming its outputs
// alone would take more memory than the budget.
Expected<ir::ResolvedLayout> resolved_layout(const ir::Program& program, const std::string& model_name,
                                             const runtime::DataSet& data) {
  Expected<ir::ResolvedLayout> layout = ir::resolve_layout(program.layout, scalar_data_lookup(data));
  if (!layout) return layout;
  const uint64_t outputs = static_cast<uint64_t>(layout->num_outputs);
  if (outputs > static_cast<uint64_t>(limits::kMaxContainerElements) ||
      outputs * kBytesPerOutput > limits::memory_budget_bytes()) {
    return Error{model_name + ": the model has " + std::to_string(outputs) + " output values (parameters, transformed "
                 "parameters and generated quantities); naming them alone needs about " +
                 limits::format_bytes(outputs * kBytesPerOutput) + ", more than " +
                 limits::describe_memory_budget()};
  }
  return layout;
}

std::function<std::optional<int64_t>(const std::string&)> size_lookup(const runtime::DataSet& data) {
  return [&data](const std::string& name) -> std::optional<int64_t> {
    const runtime::DataValue* v = data.find(name);
    if (!v || !v->is_int || !v->dims.empty() || v->ints.size() != 1) return std::nullopt;
    return v->ints[0];
  };
}

}  // namespace

CheckedModel check_model_source(std::string name, std::string text) {
  CheckedModel m;
  auto start = std::chrono::steady_clock::now();
  m.file = std::make_unique<SourceFile>(std::move(name), std::move(text));
  m.ast = frontend::parse_and_check(*m.file, m.diagnostics);
  if (m.ast && !m.diagnostics.has_errors()) lower::check_supported(*m.ast, m.diagnostics);
  if (m.diagnostics.has_errors()) m.ast.reset();
  m.parse_ms = ms_since(start);
  return m;
}

Expected<CheckedModel> check_model_file(const std::string& path) {
  // POSIX calls rather than a stream, so the message can say why (errno's text).
  // A model is source code: past this size it is surely not one (/dev/zero).
  constexpr size_t kMaxModelBytes = size_t{64} << 20;
  auto failure = [&path](int error_number) -> Expected<CheckedModel> {
    return Error{"cannot read '" + path + "': " + std::strerror(error_number)};
  };
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return failure(errno);
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd);
    return failure(EISDIR);
  }
  std::string text;
  char chunk[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int error_number = errno;
      ::close(fd);
      return failure(error_number);
    }
    if (n == 0) break;
    if (text.size() + static_cast<size_t>(n) > kMaxModelBytes) {
      ::close(fd);
      return Error{"cannot read '" + path + "': a model file may hold at most 64 MiB"};
    }
    text.append(chunk, static_cast<size_t>(n));
  }
  ::close(fd);
  return check_model_source(path, std::move(text));
}

std::vector<runtime::DataDecl> data_declarations(const ast::Program& program) {
  std::vector<runtime::DataDecl> decls;
  for (const ast::VarDecl* d : block_decls(program, ast::BlockKind::Data)) {
    runtime::DataDecl decl;
    decl.name = d->name;
    decl.is_int = d->type.base == ast::BaseType::Int;
    decl.dims = [d](const runtime::DataSet& data) { return evaluate_dims(*d, data); };
    auto bound = [](const ast::Expr* e, const char* which) -> std::function<Expected<double>(const runtime::DataSet&)> {
      if (!e) return {};
      return [e, which](const runtime::DataSet& data) -> Expected<double> {
        Expected<frontend::Scalar> v = frontend::evaluate_scalar(*e, data_lookup(data));
        if (!v) {
          return Error{"its " + std::string(which) + " bound cannot be computed when the data is read (" + v.error() +
                       "); bounds on data may use numbers, scalar data declared before it and arithmetic"};
        }
        return frontend::to_double(*v);
      };
    };
    decl.lower = bound(d->type.lower.get(), "lower");
    decl.upper = bound(d->type.upper.get(), "upper");
    decls.push_back(std::move(decl));
  }
  return decls;
}

ir::Program optimized_program(const ast::Program& program, const runtime::DataSet& data,
                              const ir::PipelineSettings& settings, std::span<const ir::EntryPoint> entry_points) {
  ir::Program lowered = lower::lower_program(program, entry_points);
  auto lookup = size_lookup(data);
  return ir::run_pipeline(lowered, settings, &lookup);
}

Expected<CompiledModel> compile_model(const ast::Program& program, const runtime::DataSet& data,
                                      const ir::PipelineSettings& settings, StageTimings* timings,
                                      std::span<const ir::EntryPoint> extra_entry_points) {
  if (!program.networks.empty() || program.block(ast::BlockKind::Guide)) {
    return Error{program.file->name() + ": a model with networks or a guide is trained with vic train; " +
                 "vic fit, optimize and gradcheck take models without them"};
  }
  auto start = std::chrono::steady_clock::now();
  std::vector<ir::EntryPoint> entry_points(ir::default_entry_points().begin(), ir::default_entry_points().end());
  entry_points.insert(entry_points.end(), extra_entry_points.begin(), extra_entry_points.end());
  ir::Program lowered = lower::lower_program(program, entry_points);
  if (timings) timings->lower_ms = ms_since(start);
  Expected<ir::ResolvedLayout> layout = resolved_layout(lowered, program.file->name(), data);
  if (!layout) return Error{layout.error()};
  start = std::chrono::steady_clock::now();
  auto lookup = size_lookup(data);
  ir::Program optimized = ir::run_pipeline(lowered, settings, &lookup);
  // A log density that was only AD's input (@lp_propto for @lp_grad) is not exported.
  std::erase_if(optimized.functions, [&](const auto& f) {
    std::optional<ir::EntryPoint> e = ir::find_entry_point(f->name);
    return e && !optimized.exports(*e);
  });
  if (timings) timings->passes_ms = ms_since(start);
  codegen::CompileTimings jit_timings;
  auto module = codegen::jit_compile(optimized, 2, &jit_timings);
  if (!module) return Error{module.error()};
  if (timings) {
    timings->emit_ms = jit_timings.emit_ms;
    timings->optimize_ms = jit_timings.optimize_ms;
    timings->jit_ms = jit_timings.jit_ms;
  }
  auto model = codegen::make_jit_model(module.take(), optimized, *layout, data);
  if (!model) return Error{model.error()};
  CompiledModel out;
  out.model = model.take();
  out.program = std::move(optimized);
  out.layout = layout.take();
  return out;
}

Expected<CompiledGuideModel> compile_guide_model(const ast::Program& program, const runtime::DataSet& data,
                                                 const ir::PipelineSettings& settings,
                                                 const lower::LowerOptions& lowering) {
  const ir::EntryPoint entry_points[] = {ir::EntryPoint::GuideElbo, ir::EntryPoint::GuideElboGradient,
                                         ir::EntryPoint::GuideLogWeights, ir::EntryPoint::GuideLatents,
                                         ir::EntryPoint::GuideNetwork};
  ir::Program lowered = lower::lower_program(program, entry_points, lowering);
  Expected<ir::ResolvedLayout> layout = resolved_layout(lowered, program.file->name(), data);
  if (!layout) return Error{layout.error()};
  auto lookup = size_lookup(data);
  // Training is not reproducing anyone's arithmetic: sums may be reordered
  // and matrix products are BLAS's.
  ir::PipelineSettings fast = settings;
  fast.reorder_reductions = true;
  ir::Program optimized = ir::run_pipeline(lowered, fast, &lookup);
  auto module = codegen::jit_compile(optimized, 2);
  if (!module) return Error{module.error()};
  auto model = codegen::make_jit_guide_model(module.take(), optimized, *layout, data);
  if (!model) return Error{model.error()};
  CompiledGuideModel out;
  out.model = model.take();
  out.layout = layout.take();
  return out;
}

}  // namespace vic::tools
