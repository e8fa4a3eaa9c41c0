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

#include "ir/elbo.h"
#include "ir/lower/lower_internal.h"
#include "stdlib/signatures.h"
#include "support/limits.h"

namespace vic::lower::internal {
namespace {

// Whether x lies within the bounds that are given (true when neither is).
Value* within_bounds(Builder& b, Value* x, Value* lower, Value* upper) {
  Value* ok = b.const_bool(true);
  if (lower) ok = b.op(OpKind::And, {ok, b.cmp(CmpPredicate::Ge, x, lower)});
  if (upper) ok = b.op(OpKind::And, {ok, b.cmp(CmpPredicate::Le, x, upper)});
  return ok;
}

// The position in CmdStan's column-major order (first index fastest) of the
// element at row-major position r of a container with these sizes.
Value* column_major_position(Builder& b, Value* r, const std::vector<Value*>& dims) {
  Value* rest = r;
  std::vector<Value*> idx(dims.size());
  for (size_t k = dims.size(); k-- > 0;) {
    idx[k] = b.op(OpKind::IMod, {rest, dims[k]});
    rest = b.op(OpKind::IDiv, {rest, dims[k]});
  }
  Value* col = b.const_i64(0);
  for (size_t k = dims.size(); k-- > 0;) col = b.op(OpKind::IAdd, {b.op(OpKind::IMul, {col, dims[k]}), idx[k]});
  return col;
}

}  // namespace

// ---------------------------------------------------------------------------
// Functions

std::unique_ptr<ir::Function> FunctionLowering::run() {
  std::unique_ptr<ir::Function> f;
  switch (entry_.role) {
    case ir::EntryRole::LogDensity:
      VIC_CHECK(!entry_.gradient) << "lowering builds value functions; AD builds @" << entry_.symbol;
      f = std::make_unique<ir::Function>(entry_.symbol, std::vector<ir::FunctionArg>{{"theta", Type::BufF64}},
                                         std::vector<Type>{Type::F64});
      theta_ = f->arg(0);
      break;
    case ir::EntryRole::Constrain:
      f = std::make_unique<ir::Function>(
          entry_.symbol, std::vector<ir::FunctionArg>{{"theta", Type::BufF64}, {"out", Type::BufF64}},
          std::vector<Type>{});
      theta_ = f->arg(0);
      out_buffer_ = f->arg(1);
      break;
    case ir::EntryRole::Unconstrain:
      f = std::make_unique<ir::Function>(
          entry_.symbol, std::vector<ir::FunctionArg>{{"values", Type::BufF64}, {"theta", Type::BufF64}},
          std::vector<Type>{});
      values_ = f->arg(0);
      theta_ = f->arg(1);
      break;
    case ir::EntryRole::Elbo:
      VIC_UNREACHABLE() << "the ELBO is ir/elbo.h's template, not lowered from the AST";
    case ir::EntryRole::GuideElbo: {
      VIC_CHECK(!entry_.gradient) << "lowering builds value functions; AD builds @" << entry_.symbol;
      if (entry_.id == ir::EntryPoint::GuideNetwork) {
        f = std::make_unique<ir::Function>(entry_.symbol,
                                           std::vector<ir::FunctionArg>{{"theta", Type::BufF64},
                                                                        {"in", Type::BufF64},
                                                                        {"shape", Type::BufI64},
                                                                        {"out", Type::BufF64}},
                                           std::vector<Type>{});
        theta_ = f->arg(0);
        break;
      }
      std::vector<ir::FunctionArg> args{{"theta", Type::BufF64}, {"eps", Type::BufF64}, {"batch", Type::BufI64}};
      const bool out = entry_.id == ir::EntryPoint::GuideLogWeights || entry_.id == ir::EntryPoint::GuideLatents;
      if (out) args.push_back({"out", Type::BufF64});
      f = std::make_unique<ir::Function>(entry_.symbol, args, std::vector<Type>{Type::F64});
      theta_ = f->arg(0);
      eps_ = f->arg(1);
      batch_ = f->arg(2);
      if (entry_.id == ir::EntryPoint::GuideLogWeights) log_weights_ = f->arg(3);
      if (entry_.id == ir::EntryPoint::GuideLatents) latents_out_ = f->arg(3);
      break;
    }
  }
  function_ = f.get();
  root_builder_ = std::make_unique<Builder>(*f, f->body);
  b_ = root_builder_.get();
  env_[&kTargetDecl].scalar = b_->const_f64(0.0);

  const bool log_density = entry_.role == ir::EntryRole::LogDensity;
  const bool unconstrain = entry_.role == ir::EntryRole::Unconstrain;
  const bool guide_elbo = entry_.role == ir::EntryRole::GuideElbo;
  Value* offset = b_->const_i64(0);
  Value* in_offset = unconstrain ? b_->const_i64(0) : nullptr;
  // The networks' weights follow the parameters in theta; a program with
  // networks has no parameters in theta (its latents are the guide's).
  Value* network_offset = guide_elbo ? b_->const_i64(0) : nullptr;
  for (size_t k = 0; k < program_.blocks.size(); ++k) {
    const ast::ProgramBlock& block = program_.blocks[k];
    if (guide_elbo) declare_networks(k, network_offset);
    switch (block.kind) {
      case BlockKind::Data:
        for (const auto& s : block.stmts) {
          declare_data(*s->as<ast::DeclStmt>().decl);
          check_constrained_type(*s->as<ast::DeclStmt>().decl, "data");
        }
        break;
      case BlockKind::TransformedData:
        if (ast::transformed_data_draws(program_)) {
          // Computed once, with its draws, before the model was compiled
          // (tools/transformed_data_draws.h): its variables are data fields.
          for (const auto& s : block.stmts)
            if (s->kind == ast::StmtKind::Decl) declare_data(*s->as<ast::DeclStmt>().decl);
        } else {
          lower_stmts(block.stmts);
        }
        for (const auto& s : block.stmts)
          if (s->kind == ast::StmtKind::Decl) check_bounds(*s->as<ast::DeclStmt>().decl, "transformed data");
        break;
      case BlockKind::Parameters:
        for (const auto& s : block.stmts) {
          if (guide_elbo && entry_.id == ir::EntryPoint::GuideNetwork) {
            // The networks alone.
          } else if (guide_elbo) {
            const ast::VarDecl& d = *s->as<ast::DeclStmt>().decl;
            VIC_CHECK(d.is_latent) << "the checker allows latents only beside a guide";
            plate_ = d.type.array_dims[0]->as<ast::Variable>().decl;
            declare_latent(d);
          } else if (unconstrain) {
            unconstrain_parameter(*s->as<ast::DeclStmt>().decl, in_offset, offset);
          } else {
            declare_parameter(*s->as<ast::DeclStmt>().decl, offset);
          }
        }
        break;
      case BlockKind::TransformedParameters:
        if (unconstrain) break;
        lower_stmts(block.stmts);
        for (const auto& s : block.stmts)
          if (s->kind == ast::StmtKind::Decl) check_bounds(*s->as<ast::DeclStmt>().decl, "transformed parameter");
        break;
      case BlockKind::Model:
        if (log_density) lower_stmts(block.stmts);
        break;
      case BlockKind::Guide:
        break;  // lower_guide_elbo's, after the blocks
      case BlockKind::GeneratedQuantities:
        if (entry_.role != ir::EntryRole::Constrain) break;
        lower_stmts(block.stmts);
        for (const auto& s : block.stmts)
          if (s->kind == ast::StmtKind::Decl) check_constrained_type(*s->as<ast::DeclStmt>().decl, "generated quantity");
        break;
      case BlockKind::Functions:
        VIC_UNREACHABLE() << "function bodies are inlined where they are called";
    }
  }
  if (guide_elbo) {
    declare_networks(program_.blocks.size(), network_offset);
    if (entry_.id == ir::EntryPoint::GuideNetwork) {
      lower_network_function(f->arg(1), f->arg(2), f->arg(3));
    } else {
      lower_guide_elbo(program_);
    }
  } else if (log_density) {
    b_->ret({env_[&kTargetDecl].scalar});
  } else if (unconstrain) {
    b_->ret({});
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
  if (auto it = affine_.find(&d); it != affine_.end()) {
    // x = offset + multiplier u; log|dx/du| = log(multiplier)
    auto [offset, multiplier] = it->second;
    if (add_jacobian) add_to_target(b_->op(OpKind::Log, {multiplier}));
    return b_->op(OpKind::FAdd, {offset, b_->op(OpKind::FMul, {multiplier, u})});
  }
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

std::pair<Value*, Value*> FunctionLowering::parameter_bounds(const ast::VarDecl& d) {
  Value* lower = d.type.lower ? to_real(lower_scalar(*d.type.lower)) : nullptr;
  Value* upper = d.type.upper ? to_real(lower_scalar(*d.type.upper)) : nullptr;
  if (lower && upper) {
    b_->check(b_->cmp(CmpPredicate::Lt, lower, upper),
              add_check("parameter '" + d.name + "': lower bound must be less than the upper bound", d.loc));
  }
  if (d.type.offset || d.type.multiplier) {
    Value* offset = d.type.offset ? to_real(lower_scalar(*d.type.offset)) : b_->const_f64(0.0);
    Value* multiplier = d.type.multiplier ? to_real(lower_scalar(*d.type.multiplier)) : b_->const_f64(1.0);
    b_->check(b_->op(OpKind::And, {b_->cmp(CmpPredicate::Gt, multiplier, b_->const_f64(0.0)),
                                   b_->cmp(CmpPredicate::Lt, multiplier, b_->const_f64(HUGE_VAL))}),
              add_check("parameter '" + d.name + "': the multiplier must be positive finite", d.loc));
    affine_[&d] = {offset, multiplier};
  }
  return {lower, upper};
}

void FunctionLowering::declare_parameter(const ast::VarDecl& d, Value*& offset) {
  b_->set_loc(d.loc);
  if (d.type.constraint != ast::Constraint::None) {
    declare_constrained_parameter(d, offset);
    return;
  }
  Binding& binding = env_[&d];
  auto [lower, upper] = parameter_bounds(d);
  const bool jacobian = entry_.role == ir::EntryRole::LogDensity && entry_.jacobian;
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
  if (!lower && !upper && !affine_.count(&d)) {
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

// The inverse transforms: x = lb + exp(u) gives u = log(x - lb); x = ub - exp(u)
// gives u = log(ub - x); x = lb + (ub - lb) inv_logit(u) gives
// u = logit((x - lb) / (ub - lb)) = log(x - lb) - log(ub - x).
Value* FunctionLowering::unbounded(Builder& b, Value* x, Value* lower, Value* upper, const ast::VarDecl& d) {
  if (auto it = affine_.find(&d); it != affine_.end()) {
    return b.op(OpKind::FDiv, {b.op(OpKind::FSub, {x, it->second.first}), it->second.second});
  }
  if (lower && upper) {
    return b.op(OpKind::FSub, {b.op(OpKind::Log, {b.op(OpKind::FSub, {x, lower})}),
                               b.op(OpKind::Log, {b.op(OpKind::FSub, {upper, x})})});
  }
  if (lower) return b.op(OpKind::Log, {b.op(OpKind::FSub, {x, lower})});
  if (upper) return b.op(OpKind::Log, {b.op(OpKind::FSub, {upper, x})});
  return x;
}

void FunctionLowering::unconstrain_parameter(const ast::VarDecl& d, Value*& in_offset, Value*& offset) {
  b_->set_loc(d.loc);
  Binding& binding = env_[&d];
  Value* lower = nullptr;
  Value* upper = nullptr;
  std::tie(lower, upper) = parameter_bounds(d);
  // A value outside its bounds has no unconstrained value (Stan rejects it too).
  const int64_t outside =
      lower || upper ? add_check("parameter '" + d.name + "' is outside its declared bounds", d.loc) : -1;
  auto store_unconstrained = [&](Builder& b, Value* x, Value* at) {
    if (outside >= 0) b.check(within_bounds(b, x, lower, upper), outside);
    b.store(theta_, at, unbounded(b, x, lower, upper, d));
  };
  if (d.type.type().is_scalar()) {
    Value* x = b_->load(values_, in_offset);
    binding.scalar = x;
    x->hint = d.name;
    store_unconstrained(*b_, x, offset);
    in_offset = b_->op(OpKind::IAdd, {in_offset, b_->const_i64(1)});
    offset = b_->op(OpKind::IAdd, {offset, b_->const_i64(1)});
    return;
  }
  View view;
  view.dims = lower_dims(d.type);
  Value* size = product(view.dims);
  // The values in theta's row-major order, read from CmdStan's column-major
  // one: a tensor, as declare_parameter binds it, for later bounds to read.
  view.root = &d;
  view.offset = b_->const_i64(0);
  view.whole_size = size;
  Value* base = in_offset;
  Op* gen = b_->create_generate(size, Type::F64, "i",
                                add_check("out of memory: cannot allocate '" + d.name + "'", d.loc));
  {
    RegionScope scope(b_, gen->region(0));
    Value* col = column_major_position(*b_, gen->region(0).args[0], view.dims);
    b_->yield({b_->load(values_, b_->op(OpKind::IAdd, {base, col}))});
  }
  view.tensor = gen->result();
  view.tensor->hint = d.name;
  binding.view = view;
  if (d.type.constraint != ast::Constraint::None) {
    // Each container's free values, through the inverse of its transform.
    const size_t rank = d.type.constraint >= ast::Constraint::CholeskyFactorCorr ? 2 : 1;
    std::vector<Value*> array_dims(view.dims.begin(), view.dims.end() - static_cast<long>(rank));
    std::vector<Value*> shape(view.dims.end() - static_cast<long>(rank), view.dims.end());
    Value* count = product(array_dims);
    Value* per = product(shape);
    Value* free = free_count(d.type.constraint, shape);
    Value* tensor = view.tensor;
    Value* base_out = offset;
    loop(b_->const_i64(0), count, {}, [&](Value* a, const std::vector<Value*>&) {
      Value* x = b_->op(OpKind::TensorSlice, {tensor, b_->op(OpKind::IMul, {a, per}), per});
      Value* y = unconstrain_values(d, x, shape);
      Value* at = b_->op(OpKind::IAdd, {base_out, b_->op(OpKind::IMul, {a, free})});
      loop(b_->const_i64(0), free, {}, [&](Value* j, const std::vector<Value*>&) {
        b_->store(theta_, b_->op(OpKind::IAdd, {at, j}), b_->extract(y, j));
        return std::vector<Value*>{};
      });
      return std::vector<Value*>{};
    });
    in_offset = b_->op(OpKind::IAdd, {in_offset, size});
    offset = b_->op(OpKind::IAdd, {offset, b_->op(OpKind::IMul, {count, free})});
    return;
  }
  Op* loop = b_->create_for(b_->const_i64(0), size, {}, "r");
  {
    RegionScope scope(b_, loop->region(0));
    Value* r = loop->region(0).args[0];
    store_unconstrained(*b_, b_->extract(view.tensor, r), b_->op(OpKind::IAdd, {offset, r}));
    b_->yield({});
  }
  in_offset = b_->op(OpKind::IAdd, {in_offset, size});
  offset = b_->op(OpKind::IAdd, {offset, size});
}

// Rejects the point when a transformed parameter breaks its declared bounds.
void FunctionLowering::check_bounds(const ast::VarDecl& d, const char* what) {
  check_constrained_type(d, what);
  if (!d.type.lower && !d.type.upper) return;
  b_->set_loc(d.loc);
  Value* lower = d.type.lower ? to_real(lower_scalar(*d.type.lower)) : nullptr;
  Value* upper = d.type.upper ? to_real(lower_scalar(*d.type.upper)) : nullptr;
  int64_t id = add_check(std::string(what) + " '" + d.name + "' is outside its declared bounds", d.loc);
  auto within = [&](Builder& b, Value* x) { return within_bounds(b, x, lower, upper); };
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
  Value* col = column_major_position(in, r, view.dims);
  Value* x = view.read(in, in.op(OpKind::IAdd, {view.offset, r}));
  if (x->type != Type::F64) x = in.op(OpKind::IToF, {x});
  in.store(out_buffer_, in.op(OpKind::IAdd, {out_offset, col}), x);
  in.yield({});
  out_offset = b_->op(OpKind::IAdd, {out_offset, size});
}

}  // namespace vic::lower::internal

namespace vic::lower {

ir::Program lower_program(const ast::Program& program, std::span<const ir::EntryPoint> entry_points,
                          const LowerOptions& options) {
  ir::Program out;
  out.layout = internal::lower_layout(program);
  for (ir::EntryPoint e : entry_points) {
    VIC_CHECK(!out.exports(e)) << "entry point @" << ir::entry_point_symbol(e) << " asked for twice";
    out.entry_points.push_back(e);
    // A gradient is AD's work: lowering gives it the log density to differentiate.
    ir::EntryPoint lowered = ir::entry_point_value(e);
    if (out.find(lowered) && ir::entry_point_info(lowered).role != ir::EntryRole::Elbo) continue;
    if (ir::entry_point_info(lowered).role == ir::EntryRole::Elbo) {
      // The family's template around the density `~` defines; for the
      // gradient, the surrogate the pipeline completes (ir/elbo.h).
      const ir::EntryPoint density = ir::EntryPoint::LogDensityProptoJacobian;
      if (!out.find(density)) out.add(internal::FunctionLowering(program, out, density).run());
      if (ir::entry_point_info(e).gradient) {
        ir::add_elbo_surrogate(out, ir::elbo_family(e));
      } else {
        ir::add_elbo_function(out, ir::elbo_family(e), ir::entry_point_symbol(density), ir::entry_point_symbol(e));
      }
      continue;
    }
    out.add(internal::FunctionLowering(program, out, lowered, options.batch_plates).run());
  }
  return out;
}

}  // namespace vic::lower
