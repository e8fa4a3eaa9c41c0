// with_transformed_data_draws (tools/transformed_data_draws.h).
#include "tools/transformed_data_draws.h"

#include "frontend/frontend.h"
#include "support/rng.h"
#include "tools/model_compiler.h"

namespace vic::tools {
namespace {

// The program of the data alone whose generated quantities are `program`'s
// transformed data, parsed again from its source (an AST is not copied).
Expected<std::unique_ptr<ast::Program>> transformed_data_as_outputs(const ast::Program& program) {
  Diagnostics diags;
  std::unique_ptr<ast::Program> copy = frontend::parse_program(*program.file, diags);
  if (!copy) return Error{diags.str()};
  std::erase_if(copy->blocks, [](const ast::ProgramBlock& b) {
    return b.kind != ast::BlockKind::Data && b.kind != ast::BlockKind::TransformedData;
  });
  for (ast::ProgramBlock& block : copy->blocks) {
    if (block.kind != ast::BlockKind::TransformedData) continue;
    block.kind = ast::BlockKind::GeneratedQuantities;
    for (const ast::StmtPtr& s : block.stmts)
      if (s->kind == ast::StmtKind::Decl) s->as<ast::DeclStmt>().decl->block = ast::BlockKind::GeneratedQuantities;
  }
  frontend::check_program(*copy, diags);
  if (diags.has_errors()) return Error{diags.str()};
  return copy;
}

// CmdStan's order (the first index fastest) to Stan JSON's (the last fastest).
std::vector<double> row_major(const double* column_major, const std::vector<int64_t>& dims) {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  std::vector<double> out(static_cast<size_t>(n));
  std::vector<int64_t> index(dims.size(), 0);
  for (int64_t k = 0; k < n; ++k) {
    // index: k's position in row-major order; its column-major offset.
    int64_t offset = 0, stride = 1;
    for (size_t d = 0; d < dims.size(); ++d) {
      offset += index[d] * stride;
      stride *= dims[d];
    }
    out[static_cast<size_t>(k)] = column_major[offset];
    for (size_t d = dims.size(); d-- > 0;) {
      if (++index[d] < dims[d]) break;
      index[d] = 0;
    }
  }
  return out;
}

}  // namespace

Expected<runtime::DataSet> with_transformed_data_draws(const ast::Program& program, const runtime::DataSet& data,
                                                       uint64_t seed) {
  if (!ast::transformed_data_draws(program)) return data;
  Expected<std::unique_ptr<ast::Program>> outputs = transformed_data_as_outputs(program);
  if (!outputs) return Error{outputs.error()};
  Expected<CompiledModel> compiled = compile_model(**outputs, data, ir::PipelineSettings{});
  if (!compiled) return Error{compiled.error()};
  const runtime::Model& model = *compiled->model;
  Rng rng(static_cast<uint32_t>(seed >> 32), 1, static_cast<uint32_t>(seed), 0);
  std::vector<double> values(model.output_names().size());
  runtime::EvalError error = 0;
  model.constrain(nullptr, rng, values.data(), &error);
  if (error) return Error{"transformed data: " + model.describe_error(error)};

  runtime::DataSet out = data;
  const ast::ProgramBlock* block = program.block(ast::BlockKind::TransformedData);
  for (const ast::StmtPtr& s : block->stmts) {
    if (s->kind != ast::StmtKind::Decl) continue;
    const ast::VarDecl& decl = *s->as<ast::DeclStmt>().decl;
    const ir::ResolvedVariable* v = compiled->layout.find(decl.name);
    VIC_CHECK(v) << "transformed data: no output for '" << decl.name << "'";
    runtime::DataValue value;
    value.is_int = decl.type.base == ast::BaseType::Int;
    value.dims = v->dims;
    std::vector<double> elements = row_major(values.data() + v->output_offset, v->dims);
    if (value.is_int) {
      for (double x : elements) value.ints.push_back(static_cast<int64_t>(x));
    } else {
      value.reals = std::move(elements);
    }
    out.set(decl.name, std::move(value));
  }
  return out;
}

}  // namespace vic::tools
