// Lowering statements: assignments, `~` and `target +=`, and the SSA
// construction for `for`, `while` and `if` (the variables a statement assigns
// become the region's carried values and results; `break` and `continue` are
// flags among them).
#include <algorithm>

#include "frontend/frontend.h"
#include "ir/lower/lower_internal.h"
#include "stdlib/signatures.h"

namespace vic::lower::internal {

// ---------------------------------------------------------------------------
// Statements

namespace {

struct Jumps {
  bool breaks = false, continues = false;  // the loop `s` is in
  bool returns = false;                    // from anywhere in it
};

// The jumps in `s`: a break or continue of the loop it is in (not of a loop
// inside it), and a return anywhere.
void find_jumps(const ast::Stmt& s, Jumps& jumps, bool in_inner_loop = false) {
  switch (s.kind) {
    case ast::StmtKind::Break: jumps.breaks |= !in_inner_loop; break;
    case ast::StmtKind::Continue: jumps.continues |= !in_inner_loop; break;
    case ast::StmtKind::Return: jumps.returns = true; break;
    case ast::StmtKind::If: {
      const auto& i = s.as<ast::IfStmt>();
      find_jumps(*i.then_stmt, jumps, in_inner_loop);
      if (i.else_stmt) find_jumps(*i.else_stmt, jumps, in_inner_loop);
      break;
    }
    case ast::StmtKind::Block:
      for (const auto& c : s.as<ast::BlockStmt>().stmts) find_jumps(*c, jumps, in_inner_loop);
      break;
    case ast::StmtKind::For: find_jumps(*s.as<ast::ForStmt>().body, jumps, true); break;
    case ast::StmtKind::While: find_jumps(*s.as<ast::WhileStmt>().body, jumps, true); break;
    default: break;
  }
}

}  // namespace

bool FunctionLowering::may_return(const ast::Stmt& s) {
  Jumps jumps;
  find_jumps(s, jumps);
  return jumps.returns;
}

bool FunctionLowering::may_jump(const ast::Stmt& s) const {
  Jumps jumps;
  find_jumps(s, jumps);
  return (!loops_.empty() && (jumps.breaks || jumps.continues)) || (return_ && jumps.returns);
}

void FunctionLowering::lower_stmts(const std::vector<ast::StmtPtr>& stmts, size_t from) {
  for (size_t i = from; i < stmts.size(); ++i) {
    lower_stmt(*stmts[i]);
    if (i + 1 < stmts.size() && may_jump(*stmts[i])) {
      lower_guarded(stmts, i + 1);
      return;
    }
  }
}

void FunctionLowering::lower_guarded(const std::vector<ast::StmtPtr>& stmts, size_t from) {
  std::vector<const ast::VarDecl*> carried;
  std::unordered_set<const ast::VarDecl*> inside;
  for (size_t i = from; i < stmts.size(); ++i) collect_assigned(*stmts[i], carried, inside);
  branch(not_jumped(), carried, [&] { lower_stmts(stmts, from); }, nullptr);
}

FunctionLowering::LoopControl& FunctionLowering::enter_loop(const ast::Stmt& body) {
  auto control = std::make_unique<LoopControl>();
  Jumps jumps;
  find_jumps(body, jumps);
  control->has_break = jumps.breaks;
  control->has_continue = jumps.continues;
  control->may_return = return_ && jumps.returns;
  if (control->has_break) {
    control->broke.name = "broke";
    env_[&control->broke].scalar = b_->const_bool(false);
  }
  control->continued.name = "continued";
  control->go.name = "go";
  loops_.push_back(std::move(control));
  return *loops_.back();
}

void FunctionLowering::exit_loop() {
  LoopControl& l = *loops_.back();
  for (const ast::VarDecl* flag : {&l.broke, &l.continued, &l.go}) env_.erase(flag);
  loops_.pop_back();
}

Value* FunctionLowering::not_jumped() {
  Value* jumped = nullptr;
  auto either = [&](Value* flag) { jumped = jumped ? b_->op(OpKind::Or, {jumped, flag}) : flag; };
  if (!loops_.empty()) {
    LoopControl& l = *loops_.back();
    if (l.has_break) either(env_[&l.broke].scalar);
    if (l.has_continue) either(env_[&l.continued].scalar);
  }
  if (return_) either(env_[&return_->returned].scalar);
  return b_->op(OpKind::Not, {jumped});
}

Value* FunctionLowering::loop_stopped(const LoopControl& l) {
  Value* stopped = l.has_break ? env_[&l.broke].scalar : nullptr;
  if (l.may_return) {
    Value* returned = env_[&return_->returned].scalar;
    stopped = stopped ? b_->op(OpKind::Or, {stopped, returned}) : returned;
  }
  return stopped;
}

void FunctionLowering::add_to_target(Value* v) {
  Value*& target = env_[&kTargetDecl].scalar;
  target = b_->op(OpKind::FAdd, {target, to_real(v)});
  target->hint = "target";
}

void FunctionLowering::lower_stmt(const ast::Stmt& s) {
  b_->set_loc(s.loc);
  switch (s.kind) {
    case ast::StmtKind::Decl:
      declare_local(*s.as<ast::DeclStmt>().decl);
      break;
    case ast::StmtKind::Assign:
      lower_assign(s.as<ast::AssignStmt>());
      break;
    case ast::StmtKind::Tilde:
      lower_tilde(s.as<ast::TildeStmt>());
      break;
    case ast::StmtKind::TargetPlus: {
      LExpr v = lower_expr(*s.as<ast::TargetPlusStmt>().value);
      add_to_target(v.is_scalar() ? v.scalar : reduce(v, b_->const_f64(0.0), [&](Value* a, Value* x) {
        return b_->op(OpKind::FAdd, {a, to_real(x)});
      }));
      break;
    }
    case ast::StmtKind::For:
      lower_for(s.as<ast::ForStmt>());
      break;
    case ast::StmtKind::While:
      lower_while(s.as<ast::WhileStmt>());
      break;
    case ast::StmtKind::Break:
      env_[&loops_.back()->broke].scalar = b_->const_bool(true);
      break;
    case ast::StmtKind::Continue:
      env_[&loops_.back()->continued].scalar = b_->const_bool(true);
      break;
    case ast::StmtKind::If:
      lower_if(s.as<ast::IfStmt>());
      break;
    case ast::StmtKind::Block:
      lower_stmts(s.as<ast::BlockStmt>().stmts);
      break;
    case ast::StmtKind::Return: {
      // In a function that returns early (lower_function_body); else the
      // closing `return` was taken by lower_function_body.
      if (!return_) break;
      if (const ast::Expr* value = s.as<ast::ReturnStmt>().value.get())
        env_[&return_->value].scalar = to_type(lower_scalar(*value), return_->type);
      env_[&return_->returned].scalar = b_->const_bool(true);
      break;
    }
    case ast::StmtKind::Call:
      lower_expr(*s.as<ast::CallStmt>().call);
      break;
    case ast::StmtKind::Reject: {
      // A check that always fails, its message the statement's: its strings
      // and, written by print ops as it runs, its values.
      const auto& r = s.as<ast::RejectStmt>();
      std::string source_form;
      bool values = false;
      for (const ast::PrintPiece& piece : r.pieces) {
        source_form += piece.value ? "{" + frontend::expr_to_source(*piece.value) + "}" : piece.text;
        values |= piece.value != nullptr;
      }
      const int64_t id = add_check(source_form, s.loc, r.fatal);
      if (values) {
        lower_print(r.pieces, ir::kPrintToMessage);
        out_.checks[id].message_at_run_time = true;
      }
      b_->check(b_->const_bool(false), id);
      break;
    }
    case ast::StmtKind::Print:
      lower_print(s.as<ast::PrintStmt>().pieces, ir::kPrintNewline);
      break;
  }
}

void FunctionLowering::lower_print(const std::vector<ast::PrintPiece>& pieces, int64_t flags) {
  // A reject's message starts afresh and ends no line.
  const bool to_message = flags & ir::kPrintToMessage;
  const int64_t piece_flags = to_message ? ir::kPrintToMessage : 0;
  auto text = [&](const std::string& t) { b_->print_text(t, piece_flags); };
  auto value = [&](Value* v) { b_->print_value(v, piece_flags); };
  if (to_message) b_->print_text("", ir::kPrintToMessage | ir::kPrintStartsMessage);
  for (const ast::PrintPiece& piece : pieces) {
    if (!piece.value) {
      if (!piece.text.empty()) text(piece.text);
      continue;
    }
    LExpr x = lower_value(*piece.value);
    if (x.is_scalar()) {
      value(x.scalar);
      continue;
    }
    // Stan's form: [a,b] for a vector or an array, [[a,b],[c,d]] for a
    // matrix or an array of vectors, nested as deep as the dims go.
    std::vector<Value*> dims = x.dims.empty() ? std::vector<Value*>{x.size} : x.dims;
    std::function<void(size_t, Value*)> level = [&](size_t d, Value* start) {
      text("[");
      Value* stride = b_->const_i64(1);
      for (size_t e = d + 1; e < dims.size(); ++e) stride = b_->op(OpKind::IMul, {stride, dims[e]});
      loop(b_->const_i64(0), dims[d], {}, [&](Value* i, const std::vector<Value*>&) {
        Op* comma = b_->create_if(b_->cmp(CmpPredicate::Gt, i, b_->const_i64(0)), {});
        for (int r = 0; r < 2; ++r) {
          RegionScope scope(b_, comma->region(r));
          if (r == 0) text(",");
          b_->yield({});
        }
        Value* at = b_->op(OpKind::IAdd, {start, b_->op(OpKind::IMul, {i, stride})});
        if (d + 1 == dims.size()) {
          value(x.element(*b_, at));
        } else {
          level(d + 1, at);
        }
        return std::vector<Value*>{};
      });
      text("]");
    };
    level(0, b_->const_i64(0));
  }
  if (!to_message) b_->print_text("", ir::kPrintNewline);
}

// dest = value, or dest = combine(dest, value) elementwise. The whole of a
// variable becomes a new tensor (a generate reading the old value, if at
// all, as it was); a part of one is updated element by element.
void FunctionLowering::assign_container(const View& dest, const LExpr& value,
                                        const std::function<Value*(Value*, Value*)>& combine) {
  VIC_CHECK(dest.root) << "assignment to a read-only container";
  Value* size = product(dest.dims);
  if (!value.is_scalar()) {
    b_->check(b_->cmp(CmpPredicate::Eq, size, value.size),
              add_fatal_check("assignment: the sizes of the two sides differ", b_->loc()));
  }
  const bool whole = dest.dims.size() == env_[dest.root].view->dims.size();
  auto element = [&](Value* i, Value* old) {
    Value* x = value.is_scalar() ? value.scalar : value.element(*b_, i);
    if (combine) x = combine(to_type(old, dest.element), x);
    return to_type(x, dest.element);
  };
  if (whole) {
    Op* gen = b_->create_generate(env_[dest.root].view->whole_size, dest.element, "i");
    Value* i = gen->region(0).args[0];
    {
      RegionScope scope(b_, gen->region(0));
      b_->yield({element(i, combine ? b_->extract(dest.tensor, i) : nullptr)});
    }
    set_tensor(dest.root, gen->result());
    return;
  }
  Op* loop = b_->create_for(b_->const_i64(0), size, {dest.tensor}, "i");
  Value* i = loop->region(0).args[0];
  Value* t = loop->region(0).args[1];
  {
    RegionScope scope(b_, loop->region(0));
    Value* where = b_->op(OpKind::IAdd, {dest.offset, i});
    b_->yield({b_->insert(t, where, element(i, combine ? b_->extract(t, where) : nullptr))});
  }
  set_tensor(dest.root, loop->result());
}

// The variable an assignment's left side names, through its indices.
const ast::VarDecl* FunctionLowering::assigned_variable(const ast::Expr& lhs) {
  const ast::Expr* e = &lhs;
  while (const auto* index = e->dyn<ast::Index>()) e = index->base.get();
  const auto* var = e->dyn<ast::Variable>();
  return var ? var->decl : nullptr;
}

void FunctionLowering::lower_assign(const ast::AssignStmt& s) {
  std::function<Value*(Value*, Value*)> combine;
  auto arith = [&](OpKind f, OpKind i, const char* spelling) {
    IntChecks checks = int_checks(i, spelling, s.loc);
    return [this, f, i, checks](Value* old, Value* x) {
      if (old->type == Type::I64 && x->type == Type::I64) return checked_int_op(*b_, i, old, x, checks);
      return b_->op(f, {to_real(old), to_real(x)});
    };
  };
  switch (s.op) {
    case ast::AssignOp::Assign: break;
    case ast::AssignOp::AddAssign: combine = arith(OpKind::FAdd, OpKind::IAdd, "+="); break;
    case ast::AssignOp::SubAssign: combine = arith(OpKind::FSub, OpKind::ISub, "-="); break;
    case ast::AssignOp::MulAssign: combine = arith(OpKind::FMul, OpKind::IMul, "*="); break;
    case ast::AssignOp::DivAssign: combine = arith(OpKind::FDiv, OpKind::IDiv, "/="); break;
  }
  LExpr value = lower_value(*s.rhs);
  if (const auto* var = s.lhs->dyn<ast::Variable>()) {
    Binding& binding = env_[var->decl];
    if (binding.view) {
      assign_container(*binding.view, value, combine);
    } else {
      Type t = binding.scalar->type;
      Value* x = value.scalar;
      if (combine) x = combine(binding.scalar, x);
      binding.scalar = to_type(x, t);
      binding.scalar->hint = var->name;
    }
    return;
  }
  const auto& index = s.lhs->as<ast::Index>();
  if (std::any_of(index.indices.begin(), index.indices.end(),
                  [](const ast::ExprPtr& i) { return !i->type.is_int_scalar(); })) {
    // Slices and multi-indices: element i of the value goes where the plan puts it.
    LExpr base = lower_expr(*index.base);
    VIC_CHECK(base.view && base.view->root) << "assignment target is not a variable";
    const View view = *base.view;
    IndexPlan plan = plan_index(view, index.indices);
    Value* size = product(plan.dims);
    if (!value.is_scalar()) {
      b_->check(b_->cmp(CmpPredicate::Eq, size, value.size),
                add_fatal_check("assignment: the sizes of the two sides differ", s.loc));
    }
    Op* loop = b_->create_for(b_->const_i64(0), size, {view.tensor}, "i");
    Value* i = loop->region(0).args[0];
    Value* t = loop->region(0).args[1];
    {
      RegionScope scope(b_, loop->region(0));
      Value* where = plan.offset(*b_, i);
      Value* x = value.is_scalar() ? value.scalar : value.element(*b_, i);
      // `x[idx] += v` is `x[idx] = x[idx] + v` with the right side read before any
      // write, as in Stan: a repeated index is updated once, from the old value.
      if (combine) x = combine(to_type(b_->extract(view.tensor, where), view.element), x);
      b_->yield({b_->insert(t, where, to_type(x, view.element))});
    }
    set_tensor(view.root, loop->result());
    return;
  }
  // An indexed element or sub-container: lower the target as a view.
  LExpr target = lower_expr(*s.lhs);
  VIC_CHECK(target.view && target.view->root) << "assignment target is not a variable";
  const View& view = *target.view;
  if (view.dims.empty()) {
    Value* x = value.scalar;
    if (combine) x = combine(to_type(target.scalar, view.element), x);
    set_tensor(view.root, b_->insert(view.tensor, view.offset, to_type(x, view.element)));
  } else {
    assign_container(view, value, combine);
  }
}

void FunctionLowering::lower_tilde(const ast::TildeStmt& s) {
  if (in_guide_) {
    lower_guide_draw(s);
    return;
  }
  std::vector<LExpr> args;
  args.push_back(lower_value(*s.lhs));
  for (const auto& a : s.args) args.push_back(lower_value(*a));
  if (s.function) {
    // A user-defined density: its whole value, constants included.
    add_to_target(inline_call(*s.function, args, true).scalar);
    return;
  }
  std::vector<LExpr> params(args.begin() + 1, args.end());
  Value* y = args[0].scalar;
  add_to_target(log_density(s.distribution, std::move(args), propto()));
  if (!s.truncated) return;
  y = to_real(y);
  // T[L, U]: y outside [L, U] has density 0; inside, the density is divided by
  // P(L <= Y <= U) = F(U) - F(L), on the log scale. For a discrete Y,
  // P(L <= Y) = 1 - F(L - 1): L itself has mass, so F is taken below it.
  b_->set_loc(s.loc);
  auto log_cdf = [&](Value* bound, bool complement) {
    std::vector<LExpr> xs(1);
    xs[0].scalar = bound;
    xs.insert(xs.end(), params.begin(), params.end());
    return this->log_cdf(s.distribution, xs, complement, /*bound=*/true);
  };
  const stdlib::DistributionInfo* info = stdlib::find_distribution(s.distribution);
  const bool discrete = info && info->discrete;
  // A discrete distribution's bounds are ints (the checker's rule), and so is
  // the variate its CDF takes.
  Value* lower = s.truncate_lower ? lower_scalar(*s.truncate_lower) : nullptr;
  Value* upper = s.truncate_upper ? lower_scalar(*s.truncate_upper) : nullptr;
  Value* below_lower = lower && discrete ? b_->op(OpKind::ISub, {lower, b_->const_i64(1)}) : lower;
  if (!discrete) {
    if (lower) lower = below_lower = to_real(lower);
    if (upper) upper = to_real(upper);
  }
  Value* inside = b_->const_bool(true);
  if (lower) inside = b_->op(OpKind::And, {inside, b_->cmp(CmpPredicate::Ge, y, to_real(lower))});
  if (upper) inside = b_->op(OpKind::And, {inside, b_->cmp(CmpPredicate::Le, y, to_real(upper))});
  Value* mass;
  if (lower && upper) {
    // A discrete Y may be truncated to one value, L = U.
    if (discrete) {
      b_->check(b_->cmp(CmpPredicate::Le, lower, upper),
                add_check("truncation: the lower bound is above the upper bound", s.loc));
    } else {
      b_->check(b_->cmp(CmpPredicate::Lt, lower, upper),
                add_check("truncation: the lower bound is not below the upper bound", s.loc));
    }
    mass = stdlib::build_scalar_function(*b_, "log_diff_exp", {log_cdf(upper, false), log_cdf(below_lower, false)});
  } else if (lower) {
    mass = log_cdf(below_lower, true);
  } else if (upper) {
    mass = log_cdf(upper, false);
  } else {
    return;
  }
  add_to_target(b_->op(OpKind::Select, {inside, b_->op(OpKind::FNeg, {mass}), b_->const_f64(-HUGE_VAL)}));
}

Value* FunctionLowering::log_cdf(const std::string& dist, const std::vector<LExpr>& args, bool complement, bool bound) {
  if (dist == "poisson_binomial") {
    // The outcomes as ints, theta as the one vector it is.
    std::vector<stdlib::ContainerArg> cargs;
    for (const LExpr& a : args) {
      stdlib::ContainerArg c;
      if (a.is_scalar()) {
        c.shape = stdlib::ArgShape::Scalar;
        c.scalar = a.scalar;
      } else {
        c.shape = &a == &args[0] ? stdlib::ArgShape::Array : stdlib::ArgShape::Vector;
        c.elements = {a.size, a.dims.empty() ? std::vector<Value*>{a.size} : a.dims, a.element, a.tensor};
      }
      cargs.push_back(c);
    }
    return stdlib::build_poisson_binomial_log_cdf(*b_, cargs, complement, bound, check_adder());
  }
  return sum_over(args, [&](const std::vector<Value*>& xs) {
    return stdlib::build_log_cdf(*b_, dist, xs, complement, check_adder());
  });
}

Value* FunctionLowering::log_density(const std::string& dist, std::vector<LExpr> args, bool propto) {
  if (stdlib::is_glm(dist)) {
    // args: y, x, alpha, beta[, sigma or phi]. eta = alpha + x * beta.
    const LExpr& x = args[1];
    const LExpr& beta = args[3];
    VIC_CHECK(x.dims.size() >= 2) << "a GLM's x of unknown sizes";
    Value* m = x.dims[x.dims.size() - 2];
    Value* n = x.dims.back();
    b_->check(b_->cmp(CmpPredicate::Eq, n, beta.size),
              add_fatal_check(dist + ": the columns of x and the size of beta differ", b_->loc()));
    LExpr xb = tensor_expr(b_->op(OpKind::MatVec, {materialize(x), materialize(beta), m, n}), {m},
                           x.parameter || beta.parameter);
    LExpr alpha = args[2];
    LExpr eta;
    eta.parameter = xb.parameter || alpha.parameter;
    eta.size = m;
    eta.dims = {m};
    if (!alpha.is_scalar()) {
      b_->check(b_->cmp(CmpPredicate::Eq, alpha.size, m),
                add_fatal_check(dist + ": the sizes of alpha and x differ", b_->loc()));
    }
    eta.element = [xb, alpha](Builder& b, Value* i) {
      Value* a = alpha.is_scalar() ? alpha.scalar : alpha.element(b, i);
      if (a->type != Type::F64) a = b.op(OpKind::IToF, {a});
      return b.op(OpKind::FAdd, {a, xb.element(b, i)});
    };
    std::vector<LExpr> base = {args[0], eta};
    for (size_t k = 4; k < args.size(); ++k) base.push_back(args[k]);
    return log_density(std::string(stdlib::glm_base(dist)), std::move(base), propto);
  }
  if (stdlib::is_multivariate(dist)) {
    // Whole vectors: each argument as the container it is (by its position's kind).
    const stdlib::DistributionInfo* info = stdlib::find_distribution(dist);
    std::vector<stdlib::ContainerArg> cargs;
    std::vector<bool> parameter;
    for (size_t i = 0; i < args.size(); ++i) {
      const LExpr& a = args[i];
      const stdlib::ArgKind kind = i == 0 ? info->variate : info->params[i - 1];
      stdlib::ContainerArg c;
      if (a.is_scalar()) {
        c.shape = stdlib::ArgShape::Scalar;
        c.scalar = a.scalar;
      } else {
        c.shape = kind == stdlib::ArgKind::Matrix                          ? stdlib::ArgShape::Matrix
                  : kind == stdlib::ArgKind::Vectors && a.dims.size() < 2 ? stdlib::ArgShape::Vector
                                                                          : stdlib::ArgShape::Array;
        c.elements = {a.size, a.dims.empty() ? std::vector<Value*>{a.size} : a.dims, a.element, a.tensor};
      }
      cargs.push_back(c);
      parameter.push_back(a.parameter);
    }
    return stdlib::build_multivariate_density(*b_, dist, cargs, parameter, propto, check_adder());
  }
  return sum_over(args, [&](const std::vector<Value*>& xs) {
    std::vector<stdlib::DensityArg> dargs;
    for (size_t i = 0; i < xs.size(); ++i) dargs.push_back({xs[i], args[i].parameter});
    return stdlib::build_log_density(*b_, dist, dargs, propto, check_adder());
  });
}

// The variables a statement assigns that were declared outside it (scalars
// and containers), and `target` when it adds to it: the values a loop or
// branch must carry.
void FunctionLowering::collect_assigned(const ast::Stmt& s, std::vector<const ast::VarDecl*>& out,
                                        std::unordered_set<const ast::VarDecl*>& inside) {
  auto add = [&](const ast::VarDecl* d) {
    if (inside.count(d)) return;
    for (const ast::VarDecl* o : out)
      if (o == d) return;
    out.push_back(d);
  };
  switch (s.kind) {
    case ast::StmtKind::Decl:
      inside.insert(s.as<ast::DeclStmt>().decl.get());
      break;
    case ast::StmtKind::Assign: {
      if (const ast::VarDecl* d = assigned_variable(*s.as<ast::AssignStmt>().lhs)) add(d);
      break;
    }
    case ast::StmtKind::Tilde:
      // The guide's `z[n] ~ normal(...)` also sets the latent it draws.
      if (in_guide_) add(assigned_variable(*s.as<ast::TildeStmt>().lhs));
      add(&kTargetDecl);
      break;
    case ast::StmtKind::TargetPlus:
      add(&kTargetDecl);
      break;
    case ast::StmtKind::Return:
      if (return_) {
        add(&return_->returned);
        if (return_->has_value) add(&return_->value);
      }
      break;
    case ast::StmtKind::Call:
    case ast::StmtKind::Reject:
    case ast::StmtKind::Print:
      break;
    case ast::StmtKind::For:
    case ast::StmtKind::While:
      // Its break and continue are its own.
      ++nested_loops_;
      collect_assigned(s.kind == ast::StmtKind::For ? *s.as<ast::ForStmt>().body : *s.as<ast::WhileStmt>().body, out,
                       inside);
      --nested_loops_;
      break;
    case ast::StmtKind::Break:
      if (nested_loops_ == 0) add(&loops_.back()->broke);
      break;
    case ast::StmtKind::Continue:
      if (nested_loops_ == 0) add(&loops_.back()->continued);
      break;
    case ast::StmtKind::If: {
      const auto& i = s.as<ast::IfStmt>();
      collect_assigned(*i.then_stmt, out, inside);
      if (i.else_stmt) collect_assigned(*i.else_stmt, out, inside);
      break;
    }
    case ast::StmtKind::Block:
      for (const auto& c : s.as<ast::BlockStmt>().stmts) collect_assigned(*c, out, inside);
      break;
  }
  // An `_lp` function adds to the target wherever it is called.
  if (calls_lp_function(s)) add(&kTargetDecl);
  // Parameter-block bounds add Jacobians only at the top level: nothing here.
}

namespace {

bool ends_with_lp(const std::string& name) { return name.size() > 3 && name.compare(name.size() - 3, 3, "_lp") == 0; }

bool expr_calls_lp(const ast::Expr* e) {
  return ast::calls(e, [](const ast::Call& c) { return c.function && ends_with_lp(c.name); });
}

}  // namespace

// Whether the statement's own expressions call an `_lp` function (its
// sub-statements are collect_assigned's to visit).
bool FunctionLowering::calls_lp_function(const ast::Stmt& s) {
  switch (s.kind) {
    case ast::StmtKind::Decl: return expr_calls_lp(s.as<ast::DeclStmt>().decl->init.get());
    case ast::StmtKind::Assign:
      return expr_calls_lp(s.as<ast::AssignStmt>().lhs.get()) || expr_calls_lp(s.as<ast::AssignStmt>().rhs.get());
    case ast::StmtKind::TargetPlus: return expr_calls_lp(s.as<ast::TargetPlusStmt>().value.get());
    case ast::StmtKind::Call: return expr_calls_lp(s.as<ast::CallStmt>().call.get());
    case ast::StmtKind::Reject:
    case ast::StmtKind::Print: return false;
    case ast::StmtKind::Return: return expr_calls_lp(s.as<ast::ReturnStmt>().value.get());
    case ast::StmtKind::For:
      return expr_calls_lp(s.as<ast::ForStmt>().lower.get()) || expr_calls_lp(s.as<ast::ForStmt>().upper.get());
    case ast::StmtKind::While: return expr_calls_lp(s.as<ast::WhileStmt>().cond.get());
    case ast::StmtKind::Break:
    case ast::StmtKind::Continue: return false;
    case ast::StmtKind::If: return expr_calls_lp(s.as<ast::IfStmt>().cond.get());
    case ast::StmtKind::Tilde: {
      const auto& t = s.as<ast::TildeStmt>();
      if (expr_calls_lp(t.lhs.get())) return true;
      for (const auto& a : t.args)
        if (expr_calls_lp(a.get())) return true;
      return false;
    }
    case ast::StmtKind::Block: return false;
  }
  return false;
}

void FunctionLowering::lower_for(const ast::ForStmt& s) {
  // A loop over the plate runs over the minibatch's items (lower_guide.cpp),
  // its terms in a target of their own that is scaled afterwards.
  const bool plate = is_plate_loop(s);
  if (plate && batch_plates_ && plate_batchable(s)) {
    lower_batched_plate(s);
    return;
  }
  Value* outer_target = nullptr;
  Value* lo = nullptr;
  Value* hi = nullptr;
  if (plate) {
    lo = b_->const_i64(0);
    hi = batch_count();
    outer_target = env_[&kTargetDecl].scalar;
    env_[&kTargetDecl].scalar = b_->const_f64(0.0);
  } else {
    lo = to_int(lower_scalar(*s.lower));
    // The IR's loop excludes its upper bound: upper + 1, which must not wrap.
    IntChecks bound_checks;
    bound_checks.overflow = add_check("integer overflow: the loop's upper bound is too large", s.upper->loc);
    hi = checked_int_op(*b_, OpKind::IAdd, to_int(lower_scalar(*s.upper)), b_->const_i64(1), bound_checks);
  }
  LoopControl& control = enter_loop(*s.body);
  std::vector<const ast::VarDecl*> carried;
  std::unordered_set<const ast::VarDecl*> inside{&control.continued};
  collect_assigned(*s.body, carried, inside);
  std::vector<Value*> inits;
  for (const ast::VarDecl* d : carried) inits.push_back(carried_value(d));
  b_->set_loc(s.loc);
  Op* loop = b_->create_for(lo, hi, inits, s.index->name);
  Block& body = loop->region(0);
  env_[s.index.get()].scalar = body.args[0];
  for (size_t k = 0; k < carried.size(); ++k) set_carried_value(carried[k], body.args[k + 1]);
  {
    RegionScope scope(b_, body);
    if (plate) enter_plate_item(*s.index, body.args[0]);
    // The item's own terms, for @guide_log_weights: the target's change over the iteration.
    const bool weigh = plate && log_weights_ &&
                       std::find(carried.begin(), carried.end(), &kTargetDecl) != carried.end();
    Value* target_before = weigh ? env_[&kTargetDecl].scalar : nullptr;
    auto iteration = [&] {
      if (control.has_continue) env_[&control.continued].scalar = b_->const_bool(false);
      lower_stmt(*s.body);
    };
    // The iterations after a break (or a return) do nothing.
    if (Value* stopped = loop_stopped(control)) {
      branch(b_->op(OpKind::Not, {stopped}), carried, iteration, nullptr);
    } else {
      iteration();
    }
    if (weigh) add_log_weight(body.args[0], b_->op(OpKind::FSub, {env_[&kTargetDecl].scalar, target_before}));
    std::vector<Value*> yields;
    for (const ast::VarDecl* d : carried) yields.push_back(carried_value(d));
    b_->yield(yields);
  }
  for (size_t k = 0; k < carried.size(); ++k) set_carried_value(carried[k], loop->results[k]);
  exit_loop();
  if (plate) {
    plate_slot_ = nullptr;
    end_plate(outer_target);
  }
}

void FunctionLowering::lower_while(const ast::WhileStmt& s) {
  LoopControl& control = enter_loop(*s.body);
  std::vector<const ast::VarDecl*> carried;
  std::unordered_set<const ast::VarDecl*> inside{&control.continued, &control.go};
  collect_assigned(*s.body, carried, inside);
  std::vector<const ast::VarDecl*> condition_assigns{&control.go};
  if (calls_lp_function(s)) {
    if (std::find(carried.begin(), carried.end(), &kTargetDecl) == carried.end()) carried.push_back(&kTargetDecl);
    condition_assigns.push_back(&kTargetDecl);
  }
  std::vector<Value*> inits;
  for (const ast::VarDecl* d : carried) inits.push_back(carried_value(d));
  b_->set_loc(s.loc);
  Op* loop = b_->create_while(inits);
  Block& body = loop->region(0);
  for (size_t k = 0; k < carried.size(); ++k) set_carried_value(carried[k], body.args[k]);
  {
    RegionScope scope(b_, body);
    auto condition = [&] { env_[&control.go].scalar = to_bool(lower_scalar(*s.cond)); };
    if (Value* stopped = loop_stopped(control)) {
      // A loop that broke (or returned) stops without evaluating its condition again.
      env_[&control.go].scalar = b_->const_bool(false);
      branch(stopped, condition_assigns, nullptr, condition);
    } else {
      condition();
    }
    Value* go = env_[&control.go].scalar;
    branch(go, carried, [&] {
      if (control.has_continue) env_[&control.continued].scalar = b_->const_bool(false);
      lower_stmt(*s.body);
    }, nullptr);
    std::vector<Value*> yields{go};
    for (const ast::VarDecl* d : carried) yields.push_back(carried_value(d));
    b_->yield(yields);
  }
  for (size_t k = 0; k < carried.size(); ++k) set_carried_value(carried[k], loop->results[k]);
  exit_loop();
}

void FunctionLowering::lower_if(const ast::IfStmt& s) {
  Value* cond = to_bool(lower_scalar(*s.cond));
  std::vector<const ast::VarDecl*> carried;
  std::unordered_set<const ast::VarDecl*> inside;
  collect_assigned(s, carried, inside);
  b_->set_loc(s.loc);
  std::function<void()> else_side;
  if (s.else_stmt) else_side = [&] { lower_stmt(*s.else_stmt); };
  branch(cond, carried, [&] { lower_stmt(*s.then_stmt); }, else_side);
}

void FunctionLowering::branch(Value* cond, const std::vector<const ast::VarDecl*>& carried,
                              const std::function<void()>& then_side, const std::function<void()>& else_side) {
  std::vector<Value*> before;
  std::vector<Type> types;
  for (const ast::VarDecl* d : carried) {
    before.push_back(carried_value(d));
    types.push_back(before.back()->type);
  }
  Op* op = b_->create_if(cond, types);
  for (int side = 0; side < 2; ++side) {
    for (size_t k = 0; k < carried.size(); ++k) set_carried_value(carried[k], before[k]);
    RegionScope scope(b_, op->region(side));
    const std::function<void()>& lower_side = side == 0 ? then_side : else_side;
    if (lower_side) lower_side();
    std::vector<Value*> yields;
    for (const ast::VarDecl* d : carried) yields.push_back(carried_value(d));
    b_->yield(yields);
  }
  for (size_t k = 0; k < carried.size(); ++k) {
    set_carried_value(carried[k], op->results[k]);
    op->results[k]->hint = before[k]->hint;
  }
}

}  // namespace vic::lower::internal
