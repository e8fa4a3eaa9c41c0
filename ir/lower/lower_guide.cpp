// Networks, latents and the guide's ELBO on a minibatch (vic train).
//
// @guide_elbo(theta, eps, batch) runs the guide, then the model, over the B
// items of the minibatch `batch` = {B, item indices}: each plate loop
// `for (n in 1:N)` visits those items only, a latent holds one element per
// minibatch slot, and the guide's `z[n] ~ normal(mu, sigma)` sets
// z[n] = mu + sigma * eps (the reparameterisation) and adds
// normal_lpdf(z[n] | mu, sigma) to the guide's target. The result is
// log p(x, z) - log q(z | x) with every constant, each plate's terms scaled by
// N / B: an unbiased estimate of the ELBO whose gradient AD writes.
#include "ir/lower/lower_internal.h"

namespace vic::lower::internal {

void FunctionLowering::declare_networks(size_t after_blocks, Value*& offset) {
  for (const ast::NetworkDeclPtr& n : program_.networks) {
    if (n->after_blocks != after_blocks) continue;
    b_->set_loc(n->loc);
    NetworkWeights& net = networks_[n.get()];
    for (const ast::ExprPtr& size : n->sizes) net.sizes.push_back(to_int(lower_scalar(*size)));
    // Reads `count` weights from theta, as one tensor.
    auto read = [&](Value* count) {
      Value* base = offset;
      Op* gen = b_->create_generate(count, Type::F64, "w");
      {
        RegionScope scope(b_, gen->region(0));
        b_->yield({b_->load(theta_, b_->op(OpKind::IAdd, {base, gen->region(0).args[0]}))});
      }
      offset = b_->op(OpKind::IAdd, {offset, count});
      gen->result()->hint = n->name;
      return gen->result();
    };
    for (size_t k = 0; k + 1 < net.sizes.size(); ++k) {
      net.weights.push_back(read(b_->op(OpKind::IMul, {net.sizes[k + 1], net.sizes[k]})));
      net.biases.push_back(read(net.sizes[k + 1]));
    }
  }
}

Value* activate(Builder& b, ast::Activation a, Value* x) {
  switch (a) {
    case ast::Activation::Identity:
      return x;
    case ast::Activation::Relu:
      return b.op(OpKind::Select, {b.cmp(CmpPredicate::Gt, x, b.const_f64(0.0)), x, b.const_f64(0.0)});
    case ast::Activation::Tanh:
      return b.op(OpKind::Tanh, {x});
    case ast::Activation::Sigmoid:
      return b.op(OpKind::InvLogit, {x});
    case ast::Activation::Softplus:
      return b.op(OpKind::Log1pExp, {x});
    case ast::Activation::Elu:
      return b.op(OpKind::Select, {b.cmp(CmpPredicate::Gt, x, b.const_f64(0.0)), x, b.op(OpKind::Expm1, {x})});
  }
  return x;
}

LExpr FunctionLowering::lower_network_call(const ast::Call& e, const LExpr& input) {
  // One item's call: the minibatch's lowering (lower_plate.cpp) for a batch of one.
  Value* saved = plate_count_;
  plate_count_ = b_->const_i64(1);
  ItemValue y = lower_item_network(*e.network, e.loc, ItemValue{input, input.size});
  plate_count_ = saved;
  return y.l;
}

void FunctionLowering::declare_latent(const ast::VarDecl& d) {
  b_->set_loc(d.loc);
  View view;
  view.dims = lower_dims(d.type);
  Value* per_item = product(std::vector<Value*>(view.dims.begin() + 1, view.dims.end()));
  view.dims[0] = batch_count();
  view.element = Type::F64;
  view.root = &d;
  view.offset = b_->const_i64(0);
  view.whole_size = b_->op(OpKind::IMul, {view.dims[0], per_item});
  view.tensor = b_->splat(view.whole_size, b_->const_f64(0.0),
                          add_check("out of memory: cannot allocate '" + d.name + "'", d.loc));
  view.tensor->hint = d.name;
  env_[&d].view = view;
  if (!eps_per_item_) eps_per_item_ = b_->const_i64(0);
  latent_eps_offset_[&d] = eps_per_item_;
  eps_per_item_ = b_->op(OpKind::IAdd, {eps_per_item_, per_item});
}

bool FunctionLowering::is_plate_loop(const ast::ForStmt& s) const {
  if (!plate_ || !batch_) return false;
  const bool from_one = s.lower->kind == ast::ExprKind::IntLiteral && s.lower->as<ast::IntLiteral>().value == 1;
  return from_one && s.upper->kind == ast::ExprKind::Variable && s.upper->as<ast::Variable>().decl == plate_;
}

Value* FunctionLowering::batch_count() { return b_->load(batch_, b_->const_i64(0)); }

void FunctionLowering::end_plate(Value* outer_target) {
  Value* scale = b_->op(OpKind::FDiv, {to_real(env_[plate_].scalar), to_real(batch_count())});
  Value*& target = env_[&kTargetDecl].scalar;
  target = b_->op(OpKind::FAdd, {outer_target, b_->op(OpKind::FMul, {scale, target})});
}

void FunctionLowering::enter_plate_item(const ast::VarDecl& index, Value* slot) {
  // The item's 1-based index, as the user's code reads the data with it.
  Value* item = b_->load(batch_, b_->op(OpKind::IAdd, {slot, b_->const_i64(1)}));
  env_[&index].scalar = b_->op(OpKind::IAdd, {item, b_->const_i64(1)});
  env_[&index].scalar->hint = index.name;
  plate_index_ = &index;
  plate_slot_ = slot;
}

void FunctionLowering::lower_guide_draw(const ast::TildeStmt& s) {
  b_->set_loc(s.loc);
  const ast::VarDecl* latent = assigned_variable(*s.lhs);
  LExpr target = lower_expr(*s.lhs);  // z[n]: the slot's elements
  VIC_CHECK(target.view && plate_slot_) << "the checker lets the guide draw z[n] in a plate loop only";
  LExpr mu = lower_value(*s.args[0]);
  LExpr sigma = lower_value(*s.args[1]);
  Value* k = target.size;
  for (const LExpr* p : {&mu, &sigma}) {
    if (p->is_scalar()) continue;
    b_->check(b_->cmp(CmpPredicate::Eq, p->size, k),
              add_fatal_check("normal: the location and scale must have the size of '" + latent->name + "[n]'", s.loc));
  }
  Value* first = b_->op(OpKind::IAdd, {b_->op(OpKind::IMul, {plate_slot_, eps_per_item_}), latent_eps_offset_.at(latent)});
  Op* gen = b_->create_generate(k, Type::F64, "k");
  {
    RegionScope scope(b_, gen->region(0));
    Value* i = gen->region(0).args[0];
    Value* m = mu.is_scalar() ? to_real(mu.scalar) : mu.element(*b_, i);
    Value* sd = sigma.is_scalar() ? to_real(sigma.scalar) : sigma.element(*b_, i);
    Value* eps = b_->load(eps_, b_->op(OpKind::IAdd, {first, i}));
    b_->yield({b_->op(OpKind::FAdd, {m, b_->op(OpKind::FMul, {sd, eps})})});
  }
  LExpr draw = tensor_expr(gen->result(), {k}, /*parameter=*/true);
  assign_container(*target.view, draw, nullptr);
  if (closed_form_terms()) {
    add_to_target(normal_negative_entropy(sigma, k));
    return;
  }
  add_to_target(log_density("normal", {draw, mu, sigma}, /*propto=*/false));
}

Value* FunctionLowering::normal_negative_entropy(const LExpr& sigma, Value* count) {
  const double half_log_2_pi_e = 0.5 * std::log(2 * M_PI * M_E);
  Value* constant = b_->op(OpKind::FMul, {to_real(count), b_->const_f64(-half_log_2_pi_e)});
  if (sigma.is_scalar()) {
    Value* log_sigma = b_->op(OpKind::Log, {to_real(sigma.scalar)});
    return b_->op(OpKind::FSub, {constant, b_->op(OpKind::FMul, {to_real(count), log_sigma})});
  }
  Value* sum_log = reduce(sigma, b_->const_f64(0.0), [&](Value* acc, Value* x) {
    return b_->op(OpKind::FAdd, {acc, b_->op(OpKind::Log, {to_real(x)})});
  });
  return b_->op(OpKind::FSub, {constant, sum_log});
}

void FunctionLowering::add_log_weight(Value* slot, Value* delta) {
  Value* old = b_->load(log_weights_, slot);
  b_->store(log_weights_, slot, b_->op(OpKind::FAdd, {old, b_->op(OpKind::FMul, {b_->const_f64(log_weight_sign_), delta})}));
}

void FunctionLowering::add_log_weights(Value* terms) {
  loop(b_->const_i64(0), batch_count(), {}, [&](Value* slot, const std::vector<Value*>&) {
    add_log_weight(slot, b_->extract(terms, slot));
    return std::vector<Value*>{};
  });
}

void FunctionLowering::lower_guide_elbo(const ast::Program& program) {
  const ast::ProgramBlock* guide = program.block(BlockKind::Guide);
  const ast::ProgramBlock* model = program.block(BlockKind::Model);
  VIC_CHECK(guide) << "a guide's ELBO without a guide";
  if (log_weights_) {
    loop(b_->const_i64(0), batch_count(), {}, [&](Value* slot, const std::vector<Value*>&) {
      b_->store(log_weights_, slot, b_->const_f64(0.0));
      return std::vector<Value*>{};
    });
  }
  env_[&kTargetDecl].scalar = b_->const_f64(0.0);
  in_guide_ = true;
  log_weight_sign_ = -1.0;
  lower_stmts(guide->stmts);
  in_guide_ = false;
  log_weight_sign_ = 1.0;
  Value* log_q = env_[&kTargetDecl].scalar;
  if (latents_out_) {
    // Each slot's draws, latent after latent, as eps lays them out.
    for (const auto& [latent, offset] : latent_eps_offset_) {
      const View& view = *env_[latent].view;
      Value* k = product(std::vector<Value*>(view.dims.begin() + 1, view.dims.end()));
      Value* tensor = view.tensor;
      Value* first = offset;
      loop(b_->const_i64(0), view.whole_size, {}, [&](Value* j, const std::vector<Value*>&) {
        Value* slot = b_->op(OpKind::IDiv, {j, k});
        Value* at = b_->op(OpKind::IAdd, {b_->op(OpKind::IMul, {slot, eps_per_item_}),
                                          b_->op(OpKind::IAdd, {first, b_->op(OpKind::IMod, {j, k})})});
        b_->store(latents_out_, at, b_->extract(tensor, j));
        return std::vector<Value*>{};
      });
    }
    b_->ret({log_q});
    return;
  }
  env_[&kTargetDecl].scalar = b_->const_f64(0.0);
  if (model) lower_stmts(model->stmts);
  Value* log_p = env_[&kTargetDecl].scalar;
  b_->ret({b_->op(OpKind::FSub, {log_p, log_q})});
}

void FunctionLowering::lower_network_function(Value* in, Value* shape, Value* out) {
  Value* which = b_->load(shape, b_->const_i64(0));
  plate_count_ = b_->load(shape, b_->const_i64(1));
  for (size_t k = 0; k < program_.networks.size(); ++k) {
    const ast::NetworkDecl& decl = *program_.networks[k];
    Op* branch = b_->create_if(b_->cmp(CmpPredicate::Eq, which, b_->const_i64(static_cast<int64_t>(k))), {});
    {
      RegionScope scope(b_, branch->region(0));
      const NetworkWeights& net = networks_.at(&decl);
      ItemValue input = per_item(net.sizes[0], [in](Builder& b, Value* j) { return b.load(in, j); });
      ItemValue y = lower_item_network(decl, decl.loc, input);
      loop(b_->const_i64(0), y.l.size, {}, [&](Value* j, const std::vector<Value*>&) {
        b_->store(out, j, y.l.element(*b_, j));
        return std::vector<Value*>{};
      });
      b_->yield({});
    }
    {
      RegionScope scope(b_, branch->region(1));
      b_->yield({});
    }
  }
  plate_count_ = nullptr;
  b_->ret({});
}

}  // namespace vic::lower::internal
