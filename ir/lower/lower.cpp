// Lowering the checked AST to IR: the functions it produces and the
// declarations (data, locals, parameters with their constraint transforms,
// outputs).
//
// Scalars become SSA values; mutable scalar variables (and `target`) are carried
// through `for` and `if` as explicit region arguments and results. Containers
// (vectors, arrays) are tensor values with value semantics: an assignment to
// an element yields a new tensor, and a container a loop or branch assigns is
// carried like a scalar (bufferization maps them to memory after AD). The data
// and the unconstrained parameters are read-only buffers. A vector expression
// is lowered lazily to an element generator, so `y ~ normal(mu + tau * v,
// sigma)` becomes one loop with no temporary vector.
#include "ir/lower/lower.h"

#include "ir/lower/lower_internal.h"
#include "stdlib/signatures.h"
#include "support/limits.h"

namespace vic::lower::internal {

// ---------------------------------------------------------------------------
// Functions

std::unique_ptr<ir::Function> FunctionLowering::run() {
  std::unique_ptr<ir::Function> f;
  switch (kind_) {
    case FunctionKind::LogDensity:
      f = std::make_unique<ir::Function>("lp_propto", std::vector<ir::FunctionArg>{{"theta", Type::BufF64}},
                                         std::vector<Type>{Type::F64});
      break;
    case FunctionKind::LogDensityFull:
      f = std::make_unique<ir::Function>("lp", std::vector<ir::FunctionArg>{{"theta", Type::BufF64}},
                                         std::vector<Type>{Type::F64});
      break;
    case FunctionKind::Constrain:
      f = std::make_unique<ir::Function>(
          "constrain", std::vector<ir::FunctionArg>{{"theta", Type::BufF64}, {"out", Type::BufF64}},
          std::vector<Type>{});
      out_buffer_ = f->arg(1);
      break;
  }
  function_ = f.get();
  theta_ = f->arg(0);
  root_builder_ = std::make_unique<Builder>(*f, f->body);
  b_ = root_builder_.get();
  env_[&kTargetDecl].scalar = b_->const_f64(0.0);

  bool log_density = kind_ != FunctionKind::Constrain;
  Value* offset = b_->const_i64(0);
  for (const ast::ProgramBlock& block : program_.blocks) {
    switch (block.kind) {
      case BlockKind::Data:
        for (const auto& s : block.stmts) declare_data(*s->as<ast::DeclStmt>().decl);
        break;
      case BlockKind::TransformedData:
        lower_stmts(block.stmts);
        for (const auto& s : block.stmts)
          if (s->kind == ast::StmtKind::Decl) check_bounds(*s->as<ast::DeclStmt>().decl, "transformed data");
        break;
      case BlockKind::Parameters:
        for (const auto& s : block.stmts) declare_parameter(*s->as<ast::DeclStmt>().decl, offset);
        break;
      case BlockKind::TransformedParameters:
        lower_stmts(block.stmts);
        for (const auto& s : block.stmts)
          if (s->kind == ast::StmtKind::Decl) check_bounds(*s->as<ast::DeclStmt>().decl, "transformed parameter");
        break;
      case BlockKind::Model:
        if (log_density) lower_stmts(block.stmts);
        break;
      case BlockKind::GeneratedQuantities:
        if (!log_density) lower_stmts(block.stmts);
        break;
    }
  }
  if (log_density) {
    b_->ret({env_[&kTargetDecl].scalar});
  } else {
    Value* out_offset = b_->const_i64(0);
    for (BlockKind k : {BlockKind::Parameters, BlockKind::TransformedParameters, BlockKind::GeneratedQuantities}) {
      const ast::ProgramBlock* block = program_.block(k);
      if (!block) continue;
      for (const auto& s : block->stmts)
        if (s->kind == ast::StmtKind::Decl) write_output(*s->as<ast::DeclStmt>().decl, out_offset);
    }
    b_->ret({});
  }
  return f;
}

// ---------------------------------------------------------------------------
// Declarations

std::vector<Value*> FunctionLowering::lower_dims(const ast::SizedType& t) {
  std::vector<Value*> dims;
  for (const auto& d : t.array_dims) dims.push_back(to_int(lower_scalar(*d)));
  for (const auto& d : t.shape_dims) dims.push_back(to_int(lower_scalar(*d)));
  return dims;
}

void FunctionLowering::declare_data(const ast::VarDecl& d) {
  b_->set_loc(d.loc);
  Binding& binding = env_[&d];
  if (d.type.type().is_scalar()) {
    binding.scalar = d.type.base == ast::BaseType::Int ? b_->data_int(d.name) : b_->data_real(d.name);
    return;
  }
  View view;
  view.dims = lower_dims(d.type);
  view.element = element_type(d.type);
  view.buffer = b_->data_buf(d.name, view.element);
  view.offset = b_->const_i64(0);
  binding.view = view;
}

// The element count of a local container whose sizes are computed when the
// model runs: each size must be non-negative and their product at most the
// container limit, or the evaluation ends before anything is allocated.
Value* FunctionLowering::checked_size(const std::vector<Value*>& dims, const ast::VarDecl& d) {
  // Sizes known here that fit need no run-time check.
  int64_t known = 1;
  for (Value* dim : dims) {
    const bool constant = dim->def && dim->def->kind == OpKind::ConstI64 && dim->def->integer >= 0;
    std::optional<int64_t> product = constant ? limits::checked_mul(known, dim->def->integer) : std::nullopt;
    if (!product || *product > limits::kMaxContainerElements) {
      known = -1;
      break;
    }
    known = *product;
  }
  if (known >= 0) return product(dims);
  int64_t negative = add_check("the size of '" + d.name + "' is negative", d.loc);
  int64_t too_large = add_check("'" + d.name + "' would hold more than " +
                                    std::to_string(limits::kMaxContainerElements) + " elements",
                                d.loc);
  Value* n = b_->const_i64(1);
  for (Value* dim : dims) {
    b_->check(b_->cmp(CmpPredicate::Ge, dim, b_->const_i64(0)), negative);
    b_->check(b_->op(OpKind::Not, {b_->op(OpKind::IMulOverflows, {n, dim})}), too_large);
    n = b_->op(OpKind::IMul, {n, dim});
    b_->check(b_->cmp(CmpPredicate::Le, n, b_->const_i64(limits::kMaxContainerElements)), too_large);
  }
  return n;
}

void FunctionLowering::declare_local(const ast::VarDecl& d) {
  b_->set_loc(d.loc);
  Binding& binding = env_[&d];
  Type t = element_type(d.type);
  if (d.type.type().is_scalar()) {
    // Stan initialises real locals to NaN.
    binding.scalar = t == Type::F64 ? b_->const_f64(NAN) : b_->const_i64(std::numeric_limits<int64_t>::min());
    binding.scalar->hint = d.name;
  } else {
    View view;
    view.dims = lower_dims(d.type);
    view.element = t;
    view.root = &d;
    view.offset = b_->const_i64(0);
    view.whole_size = checked_size(view.dims, d);
    view.tensor = b_->splat(view.whole_size, t == Type::F64 ? b_->const_f64(0.0) : b_->const_i64(0),
                            add_check("out of memory: cannot allocate '" + d.name + "'", d.loc));
    view.tensor->hint = d.name;
    binding.view = view;
  }
  if (d.init) {
    if (binding.view) {
      assign_container(*binding.view, lower_expr(*d.init), nullptr);
    } else {
      binding.scalar = to_type(lower_scalar(*d.init), t);
      binding.scalar->hint = d.name;
    }
  }
}

// The constrained value of an unconstrained u under the declaration's bounds;
// adds the transform's log-Jacobian to the target when asked.
Value* FunctionLowering::bounded(Value* u, const ast::VarDecl& d, Value* lower, Value* upper, bool add_jacobian) {
  if (lower && upper) {
    // x = lb + (ub - lb) inv_logit(u); log|dx/du| = log(ub - lb) - log1p_exp(-u) - log1p_exp(u)
    Value* width = b_->op(OpKind::FSub, {upper, lower});
    Value* x = b_->op(OpKind::FAdd, {lower, b_->op(OpKind::FMul, {width, b_->op(OpKind::InvLogit, {u})})});
    if (add_jacobian) {
      Value* j = b_->op(OpKind::FSub, {b_->op(OpKind::Log, {width}), b_->op(OpKind::Log1pExp, {b_->op(OpKind::FNeg, {u})})});
      add_to_target(b_->op(OpKind::FSub, {j, b_->op(OpKind::Log1pExp, {u})}));
    }
    return x;
  }
  if (lower) {
    // x = lb + exp(u); log|dx/du| = u
    if (add_jacobian) add_to_target(u);
    return b_->op(OpKind::FAdd, {lower, b_->op(OpKind::Exp, {u})});
  }
  if (upper) {
    // x = ub - exp(u); log|dx/du| = u
    if (add_jacobian) add_to_target(u);
    return b_->op(OpKind::FSub, {upper, b_->op(OpKind::Exp, {u})});
  }
  return u;
}

void FunctionLowering::declare_parameter(const ast::VarDecl& d, Value*& offset) {
  b_->set_loc(d.loc);
  Binding& binding = env_[&d];
  Value* lower = d.type.lower ? to_real(lower_scalar(*d.type.lower)) : nullptr;
  Value* upper = d.type.upper ? to_real(lower_scalar(*d.type.upper)) : nullptr;
  if (lower && upper) {
    b_->check(b_->cmp(CmpPredicate::Lt, lower, upper),
              add_check("parameter '" + d.name + "': lower bound must be less than the upper bound", d.loc));
  }
  bool jacobian = kind_ != FunctionKind::Constrain;
  if (d.type.type().is_scalar()) {
    Value* u = b_->load(theta_, offset);
    binding.scalar = bounded(u, d, lower, upper, jacobian);
    binding.scalar->hint = d.name;
    offset = b_->op(OpKind::IAdd, {offset, b_->const_i64(1)});
    return;
  }
  View view;
  view.dims = lower_dims(d.type);
  Value* size = product(view.dims);
  if (!lower && !upper) {
    // An unconstrained container is read in place.
    view.buffer = theta_;
    view.offset = offset;
  } else {
    // The constrained values, then the log-Jacobian summed in a second loop:
    // a tensor is made by a generate, which yields one element and nothing else.
    view.root = &d;
    view.offset = b_->const_i64(0);
    view.whole_size = size;
    Value* base = offset;
    Op* gen = b_->create_generate(size, Type::F64, "i",
                                  add_check("out of memory: cannot allocate '" + d.name + "'", d.loc));
    {
      RegionScope scope(b_, gen->region(0));
      Value* u = b_->load(theta_, b_->op(OpKind::IAdd, {base, gen->region(0).args[0]}));
      b_->yield({bounded(u, d, lower, upper, /*add_jacobian=*/false)});
    }
    view.tensor = gen->result();
    view.tensor->hint = d.name;
    if (jacobian) {
      Op* loop = b_->create_for(b_->const_i64(0), size, {env_[&kTargetDecl].scalar}, "i");
      Value* i = loop->region(0).args[0];
      env_[&kTargetDecl].scalar = loop->region(0).args[1];
      {
        RegionScope scope(b_, loop->region(0));
        Value* u = b_->load(theta_, b_->op(OpKind::IAdd, {base, i}));
        bounded(u, d, lower, upper, /*add_jacobian=*/true);
        b_->yield({env_[&kTargetDecl].scalar});
      }
      env_[&kTargetDecl].scalar = loop->results[0];
    }
  }
  binding.view = view;
  offset = b_->op(OpKind::IAdd, {offset, size});
}

// Rejects the point when a transformed parameter breaks its declared bounds.
void FunctionLowering::check_bounds(const ast::VarDecl& d, const char* what) {
  if (!d.type.lower && !d.type.upper) return;
  b_->set_loc(d.loc);
  Value* lower = d.type.lower ? to_real(lower_scalar(*d.type.lower)) : nullptr;
  Value* upper = d.type.upper ? to_real(lower_scalar(*d.type.upper)) : nullptr;
  int64_t id = add_check(std::string(what) + " '" + d.name + "' is outside its declared bounds", d.loc);
  auto within = [&](Builder& b, Value* x) {
    Value* ok = b.const_bool(true);
    if (lower) ok = b.op(OpKind::And, {ok, b.cmp(CmpPredicate::Ge, x, lower)});
    if (upper) ok = b.op(OpKind::And, {ok, b.cmp(CmpPredicate::Le, x, upper)});
    return ok;
  };
  const Binding& binding = env_[&d];
  if (binding.scalar) {
    b_->check(within(*b_, to_real(binding.scalar)), id);
    return;
  }
  LExpr all = view_expr(*binding.view, true);
  Op* loop = b_->create_for(b_->const_i64(0), all.size, {}, "i");
  Builder inner(*function_, loop->region(0));
  inner.set_loc(d.loc);
  Value* x = all.element(inner, loop->region(0).args[0]);
  if (x->type != Type::F64) x = inner.op(OpKind::IToF, {x});
  inner.check(within(inner, x), id);
  inner.yield({});
}

// Stores a variable into `out` in CmdStan's column-major order.
void FunctionLowering::write_output(const ast::VarDecl& d, Value*& out_offset) {
  b_->set_loc(d.loc);
  const Binding& binding = env_[&d];
  if (binding.scalar) {
    b_->store(out_buffer_, out_offset, to_real(binding.scalar));
    out_offset = b_->op(OpKind::IAdd, {out_offset, b_->const_i64(1)});
    return;
  }
  const View& view = *binding.view;
  Value* size = product(view.dims);
  Op* loop = b_->create_for(b_->const_i64(0), size, {}, "r");
  Builder in(*function_, loop->region(0));
  Value* r = loop->region(0).args[0];
  // Row-major index r -> indices (i_1 .. i_k) -> column-major position.
  Value* rest = r;
  std::vector<Value*> idx(view.dims.size());
  for (size_t k = view.dims.size(); k-- > 0;) {
    idx[k] = in.op(OpKind::IMod, {rest, view.dims[k]});
    rest = in.op(OpKind::IDiv, {rest, view.dims[k]});
  }
  Value* col = in.const_i64(0);
  for (size_t k = view.dims.size(); k-- > 0;) col = in.op(OpKind::IAdd, {in.op(OpKind::IMul, {col, view.dims[k]}), idx[k]});
  Value* x = view.read(in, in.op(OpKind::IAdd, {view.offset, r}));
  if (x->type != Type::F64) x = in.op(OpKind::IToF, {x});
  in.store(out_buffer_, in.op(OpKind::IAdd, {out_offset, col}), x);
  in.yield({});
  out_offset = b_->op(OpKind::IAdd, {out_offset, size});
}

}  // namespace vic::lower::internal

namespace vic::lower {

ir::Program lower_program(const ast::Program& program) {
  using internal::FunctionKind;
  ir::Program out;
  for (FunctionKind kind : {FunctionKind::LogDensity, FunctionKind::LogDensityFull, FunctionKind::Constrain}) {
    out.add(internal::FunctionLowering(program, out, kind).run());
  }
  return out;
}

}  // namespace vic::lower
