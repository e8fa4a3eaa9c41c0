// Lowering expressions: scalars to values, containers to element generators
// (fused into the loop that consumes them), calls to the stdlib's IR.
#include "ir/lower/lower_internal.h"
#include "stdlib/signatures.h"

namespace vic::lower::internal {

// ---------------------------------------------------------------------------
// Expressions

LExpr FunctionLowering::view_expr(const View& view, bool parameter) {
  LExpr l;
  l.view = view;
  l.parameter = parameter;
  if (view.dims.empty()) {
    l.scalar = view.read(*b_, view.offset);
    l.view = view;
    return l;
  }
  l.size = product(view.dims);
  l.dims = view.dims;
  if (view.tensor && view.root && view.dims.size() == env_[view.root].view->dims.size()) l.tensor = view.tensor;
  l.element = [view](Builder& b, Value* i) { return view.read(b, b.op(OpKind::IAdd, {view.offset, i})); };
  return l;
}

LExpr FunctionLowering::lower_variable(const ast::Variable& v) {
  const ast::VarDecl* decl = v.decl;
  auto it = env_.find(decl);
  VIC_CHECK(it != env_.end()) << "variable '" << v.name << "' used before it was lowered";
  bool parameter = v.dependence == ast::Dependence::Parameter;
  if (it->second.scalar) {
    LExpr l;
    l.scalar = it->second.scalar;
    l.parameter = parameter;
    return l;
  }
  return view_expr(*it->second.view, parameter);
}

// A 1-based Stan index, range-checked, as a 0-based i64.
Value* FunctionLowering::index_value(const ast::Expr& index, Value* dim) {
  Value* i = to_int(lower_scalar(index));
  b_->set_loc(index.loc);
  Value* ok = b_->op(OpKind::And, {b_->cmp(CmpPredicate::Ge, i, b_->const_i64(1)), b_->cmp(CmpPredicate::Le, i, dim)});
  b_->check(ok, add_fatal_check("index out of range", index.loc));
  return b_->op(OpKind::ISub, {i, b_->const_i64(1)});
}

FunctionLowering::IndexPlan FunctionLowering::plan_index(const View& view, const std::vector<ast::ExprPtr>& indices) {
  // Per indexed dimension: its stride, and either a single 0-based position
  // (checked here) or a multi-index's count and k-th 1-based position (checked
  // where it is read).
  struct Dim {
    Value* stride;
    Value* single = nullptr;
    Value* count = nullptr;
    std::function<Value*(Builder&, Value*)> position;
    Value* extent;
  };
  std::vector<Dim> dims;
  IndexPlan plan;
  for (size_t k = 0; k < indices.size(); ++k) {
    VIC_CHECK(k < view.dims.size()) << "too many indices";
    const ast::Expr& index = *indices[k];
    Dim d;
    d.extent = view.dims[k];
    d.stride = product(std::vector<Value*>(view.dims.begin() + static_cast<long>(k) + 1, view.dims.end()));
    if (index.type.is_int_scalar()) {
      d.single = index_value(index, d.extent);
    } else if (index.kind == ast::ExprKind::Range) {
      // lo:hi lists lo, ..., hi; its ends are 1 and the size where left out.
      const auto& range = index.as<ast::Range>();
      Value* lo = range.lo ? to_int(lower_scalar(*range.lo)) : b_->const_i64(1);
      Value* hi = range.hi ? to_int(lower_scalar(*range.hi)) : d.extent;
      Value* count = b_->op(OpKind::IAdd, {b_->op(OpKind::ISub, {hi, lo}), b_->const_i64(1)});
      d.count = b_->op(OpKind::Select, {b_->cmp(CmpPredicate::Lt, count, b_->const_i64(0)), b_->const_i64(0), count});
      d.position = [lo](Builder& b, Value* j) { return b.op(OpKind::IAdd, {lo, j}); };
    } else {
      LExpr idx = lower_expr(index);
      d.count = idx.size;
      d.position = idx.element;
    }
    if (d.count) plan.dims.push_back(d.count);
    dims.push_back(std::move(d));
  }
  std::vector<Value*> trailing(view.dims.begin() + static_cast<long>(indices.size()), view.dims.end());
  plan.dims.insert(plan.dims.end(), trailing.begin(), trailing.end());
  Value* trailing_size = trailing.empty() ? nullptr : product(trailing);
  int64_t out_of_range = add_fatal_check("index out of range", indices[0]->loc);
  Value* base = view.offset;
  for (const Dim& d : dims)
    if (d.single) base = b_->op(OpKind::IAdd, {base, b_->op(OpKind::IMul, {d.single, d.stride})});
  // Element i of the result (row-major over plan.dims) is at base + the
  // trailing offset + each multi-index's position times its stride.
  plan.offset = [dims, trailing_size, base, out_of_range](Builder& b, Value* i) {
    Value* rest = i;
    Value* at = base;
    if (trailing_size) {
      at = b.op(OpKind::IAdd, {at, b.op(OpKind::IMod, {rest, trailing_size})});
      rest = b.op(OpKind::IDiv, {rest, trailing_size});
    }
    // Multi-indices from the innermost out; the outermost takes what is left.
    std::vector<const Dim*> multi;
    for (const Dim& d : dims)
      if (d.count) multi.push_back(&d);
    for (size_t m = multi.size(); m-- > 0;) {
      const Dim& d = *multi[m];
      Value* j = rest;
      if (m > 0) {
        j = b.op(OpKind::IMod, {rest, d.count});
        rest = b.op(OpKind::IDiv, {rest, d.count});
      }
      Value* k = d.position(b, j);
      b.check(b.op(OpKind::And, {b.cmp(CmpPredicate::Ge, k, b.const_i64(1)), b.cmp(CmpPredicate::Le, k, d.extent)}),
              out_of_range);
      at = b.op(OpKind::IAdd, {at, b.op(OpKind::IMul, {b.op(OpKind::ISub, {k, b.const_i64(1)}), d.stride})});
    }
    return at;
  };
  return plan;
}

LExpr FunctionLowering::lower_index(const ast::Index& e) {
  LExpr base = lower_expr(*e.base);
  if (!base.view) {
    // An expression's value (`f(x)[i]`, `x[idx][j]`): stored, then indexed.
    View stored;
    stored.element = element_type(e.base->type);
    stored.tensor = materialize_as(base, stored.element);
    stored.offset = b_->const_i64(0);
    stored.dims = base.dims.empty() ? std::vector<Value*>{base.size} : base.dims;
    base.view = stored;
  }
  View view = *base.view;
  const bool parameter = e.dependence == ast::Dependence::Parameter;
  if (std::any_of(e.indices.begin(), e.indices.end(), [](const ast::ExprPtr& i) { return !i->type.is_int_scalar(); })) {
    // Slices and multi-indices: a generator reading through the plan.
    IndexPlan plan = plan_index(view, e.indices);
    LExpr l;
    l.dims = plan.dims;
    l.size = product(plan.dims);
    l.parameter = parameter;
    l.element = [view, offset = plan.offset](Builder& b, Value* i) { return view.read(b, offset(b, i)); };
    return l;
  }
  for (const auto& index : e.indices) {
    VIC_CHECK(!view.dims.empty()) << "too many indices at " << e.loc.str();
    // A latent's item n is its minibatch slot (lower_guide.cpp).
    const bool latent_item = &index == &e.indices[0] && plate_slot_ && e.base->kind == ast::ExprKind::Variable &&
                             e.base->as<ast::Variable>().decl->is_latent && index->kind == ast::ExprKind::Variable &&
                             index->as<ast::Variable>().decl == plate_index_;
    Value* i = latent_item ? plate_slot_ : index_value(*index, view.dims[0]);
    std::vector<Value*> rest(view.dims.begin() + 1, view.dims.end());
    Value* stride = product(rest);
    view.offset = b_->op(OpKind::IAdd, {view.offset, b_->op(OpKind::IMul, {i, stride})});
    view.dims = rest;
  }
  return view_expr(view, parameter);
}

// x op y on i64 for a user's `+`, `-`, `*`, `/`, `%/%` and `%`: an overflow, a
// division by zero or INT64_MIN / -1 rejects the point with a message naming
// the operator's place, as Stan rejects an integer division by zero.
Value* FunctionLowering::checked_int_op(Builder& b, OpKind kind, Value* x, Value* y, const IntChecks& checks) {
  switch (kind) {
    case OpKind::IAdd:
      b.check(b.op(OpKind::Not, {b.op(OpKind::IAddOverflows, {x, y})}), checks.overflow);
      break;
    case OpKind::ISub:
      b.check(b.op(OpKind::Not, {b.op(OpKind::ISubOverflows, {x, y})}), checks.overflow);
      break;
    case OpKind::IMul:
      b.check(b.op(OpKind::Not, {b.op(OpKind::IMulOverflows, {x, y})}), checks.overflow);
      break;
    case OpKind::IDiv:
    case OpKind::IMod: {
      b.check(b.cmp(CmpPredicate::Ne, y, b.const_i64(0)), checks.by_zero);
      Value* min = b.cmp(CmpPredicate::Eq, x, b.const_i64(std::numeric_limits<int64_t>::min()));
      Value* minus_one = b.cmp(CmpPredicate::Eq, y, b.const_i64(-1));
      b.check(b.op(OpKind::Not, {b.op(OpKind::And, {min, minus_one})}), checks.overflow);
      break;
    }
    default:
      VIC_UNREACHABLE() << "not a checked integer op: " << ir::op_spelling(kind);
  }
  return b.op(kind, {x, y});
}

FunctionLowering::IntChecks FunctionLowering::int_checks(OpKind kind, const std::string& spelling, SourceLoc loc) {
  IntChecks checks;
  checks.overflow = add_check("integer overflow in '" + spelling + "'", loc);
  if (kind == OpKind::IDiv) checks.by_zero = add_check("integer division by zero", loc);
  if (kind == OpKind::IMod) checks.by_zero = add_check("integer modulus by zero", loc);
  return checks;
}

// What one binary operator does to a pair of elements.
FunctionLowering::ElementOp FunctionLowering::element_op(const ast::Binary& e) {
  const bool ints = e.lhs->type.base == ast::BaseType::Int && e.rhs->type.base == ast::BaseType::Int;
  auto real = [](Builder& b, Value* v) {
    if (v->type == Type::I64) return b.op(OpKind::IToF, {v});
    if (v->type == Type::I1) return b.op(OpKind::Select, {v, b.const_f64(1.0), b.const_f64(0.0)});
    return v;
  };
  auto integer = [](Builder& b, Value* v) {
    return v->type == Type::I1 ? b.op(OpKind::Select, {v, b.const_i64(1), b.const_i64(0)}) : v;
  };
  auto arith = [&](OpKind f, OpKind i) -> ElementOp {
    if (!ints) return [=](Builder& b, Value* x, Value* y) { return b.op(f, {real(b, x), real(b, y)}); };
    IntChecks checks = int_checks(i, ast::binary_op_spelling(e.op), e.loc);
    return [=, this](Builder& b, Value* x, Value* y) {
      return checked_int_op(b, i, integer(b, x), integer(b, y), checks);
    };
  };
  auto compare = [&](CmpPredicate p) -> ElementOp {
    return [=](Builder& b, Value* x, Value* y) {
      if (ints) return b.cmp(p, integer(b, x), integer(b, y));
      return b.cmp(p, real(b, x), real(b, y));
    };
  };
  auto logic = [&](OpKind k) -> ElementOp {
    return [=](Builder& b, Value* x, Value* y) {
      auto boolean = [&](Value* v) {
        if (v->type == Type::I1) return v;
        if (v->type == Type::I64) return b.cmp(CmpPredicate::Ne, v, b.const_i64(0));
        return b.cmp(CmpPredicate::Ne, v, b.const_f64(0.0));
      };
      return b.op(k, {boolean(x), boolean(y)});
    };
  };
  switch (e.op) {
    case ast::BinaryOp::Add:
      return arith(OpKind::FAdd, OpKind::IAdd);
    case ast::BinaryOp::Sub:
      return arith(OpKind::FSub, OpKind::ISub);
    case ast::BinaryOp::Mul:
    case ast::BinaryOp::EltMul:
      return arith(OpKind::FMul, OpKind::IMul);
    case ast::BinaryOp::Div:
    case ast::BinaryOp::EltDiv:
    case ast::BinaryOp::IntDiv:
      return arith(OpKind::FDiv, OpKind::IDiv);
    case ast::BinaryOp::Mod:
      return arith(OpKind::FDiv, OpKind::IMod);
    case ast::BinaryOp::Pow:
      return [=](Builder& b, Value* x, Value* y) { return b.op(OpKind::FPow, {real(b, x), real(b, y)}); };
    case ast::BinaryOp::Less:
      return compare(CmpPredicate::Lt);
    case ast::BinaryOp::LessEq:
      return compare(CmpPredicate::Le);
    case ast::BinaryOp::Greater:
      return compare(CmpPredicate::Gt);
    case ast::BinaryOp::GreaterEq:
      return compare(CmpPredicate::Ge);
    case ast::BinaryOp::Equal:
      return compare(CmpPredicate::Eq);
    case ast::BinaryOp::NotEqual:
      return compare(CmpPredicate::Ne);
    case ast::BinaryOp::And:
      return logic(OpKind::And);
    case ast::BinaryOp::Or:
      return logic(OpKind::Or);
  }
  VIC_UNREACHABLE();
}

// A chain `a op1 b op2 c ...` folded along its left spine, innermost first. While
// every operand is a scalar the result is a value; from the first container on,
// the rest of the chain becomes one element generator that applies the
// remaining operators in a loop, so a 10^5-term vector chain neither recurses
// nor nests 10^5 closures.
LExpr FunctionLowering::lower_binary(const ast::Binary& top) {
  std::vector<const ast::Binary*> spine = ast::left_spine(top);
  LExpr acc = lower_expr(*spine.back()->lhs);
  struct Step {
    ElementOp op;
    LExpr rhs;
  };
  std::shared_ptr<std::vector<Step>> steps;  // the container part of the chain
  for (auto it = spine.rbegin(); it != spine.rend(); ++it) {
    const ast::Binary& e = **it;
    if ((e.op == ast::BinaryOp::And || e.op == ast::BinaryOp::Or) && acc.is_scalar()) {
      // Stan's && and || evaluate their right side only when the left does
      // not decide: `i <= N && y[i] > 0` must not index y[N + 1].
      b_->set_loc(e.loc);
      const bool is_and = e.op == ast::BinaryOp::And;
      Op* branch = b_->create_if(to_bool(acc.scalar), {Type::I1});
      for (int r = 0; r < 2; ++r) {
        RegionScope scope(b_, branch->region(r));
        const bool decided = is_and ? r == 1 : r == 0;
        b_->yield({decided ? b_->const_bool(!is_and) : to_bool(lower_scalar(*e.rhs))});
      }
      acc = LExpr{};
      acc.scalar = branch->result();
      acc.parameter = e.dependence == ast::Dependence::Parameter;
      continue;
    }
    LExpr rhs = lower_expr(*e.rhs);
    b_->set_loc(e.loc);
    ElementOp op = element_op(e);
    const bool parameter = e.dependence == ast::Dependence::Parameter;
    if (e.op == ast::BinaryOp::Mul && !acc.is_scalar() && !rhs.is_scalar()) {
      // A matrix or vector product ends the elementwise chain so far; the
      // chain goes on from its result.
      acc = lower_product(acc, rhs, e);
      acc.parameter = parameter;
      steps.reset();
      continue;
    }
    if (acc.is_scalar() && rhs.is_scalar()) {
      acc.scalar = op(*b_, acc.scalar, rhs.scalar);
      acc.parameter = parameter;
      acc.view.reset();
      continue;
    }
    if (!acc.is_scalar() && !rhs.is_scalar()) {
      b_->check(b_->cmp(CmpPredicate::Eq, acc.size, rhs.size),
                add_fatal_check("elementwise operands differ in size", e.loc));
    }
    if (!steps) {
      steps = std::make_shared<std::vector<Step>>();
      LExpr first = acc;
      LExpr chain;
      chain.size = first.is_scalar() ? rhs.size : first.size;
      chain.dims = first.is_scalar() ? rhs.dims : first.dims;
      chain.element = [first, steps](Builder& b, Value* i) {
        Value* x = first.is_scalar() ? first.scalar : first.element(b, i);
        for (const Step& step : *steps)
          x = step.op(b, x, step.rhs.is_scalar() ? step.rhs.scalar : step.rhs.element(b, i));
        return x;
      };
      acc = std::move(chain);
    }
    steps->push_back({std::move(op), std::move(rhs)});
    acc.parameter = parameter;
  }
  return acc;
}

Value* FunctionLowering::materialize(const LExpr& x) {
  return stdlib::as_tensor(*b_, {x.size, x.dims, x.element, x.tensor});
}

Value* FunctionLowering::materialize_as(const LExpr& x, Type t) {
  if (t == Type::F64) return materialize(x);
  if (x.tensor && x.tensor->type == ir::tensor_of(t)) return x.tensor;
  Op* gen = b_->create_generate(x.size, t, "k");
  RegionScope scope(b_, gen->region(0));
  b_->yield({to_type(x.element(*b_, gen->region(0).args[0]), t)});
  return gen->result();
}

LExpr FunctionLowering::inline_call(const ast::FunctionDef& f, const std::vector<LExpr>& args, bool parameter) {
  for (size_t i = 0; i < args.size(); ++i) {
    const ast::VarDecl& name = *f.arguments[i];
    const LExpr& a = args[i];
    const Type t = element_type(name.type);
    Binding binding;
    if (a.is_scalar()) {
      binding.scalar = to_type(a.scalar, t);
    } else if (a.view && a.view->element == t) {
      binding.view = *a.view;  // a stored value is read where it is
    } else {
      View v;
      v.dims = a.dims.empty() ? std::vector<Value*>{a.size} : a.dims;
      v.element = t;
      v.offset = b_->const_i64(0);
      v.tensor = materialize_as(a, t);
      binding.view = v;
    }
    env_[&name] = binding;
  }
  return lower_function_body(f, parameter);
}

LExpr FunctionLowering::lower_function_body(const ast::FunctionDef& f, bool parameter) {
  // The body's statements: a block's, or the one statement it is.
  std::vector<const ast::Stmt*> stmts;
  if (f.body->kind == ast::StmtKind::Block) {
    for (const ast::StmtPtr& s : f.body->as<ast::BlockStmt>().stmts) stmts.push_back(s.get());
  } else {
    stmts.push_back(f.body.get());
  }
  // The caller's loops and return are not the body's.
  std::vector<std::unique_ptr<LoopControl>> caller_loops = std::move(loops_);
  std::unique_ptr<ReturnControl> caller_return = std::move(return_);
  loops_.clear();
  LExpr result;
  result.parameter = parameter;
  bool early = false;
  for (const ast::Stmt* s : stmts) early |= s != stmts.back() && may_return(*s);
  early |= stmts.back()->kind != ast::StmtKind::Return && may_return(*stmts.back());
  if (early) {
    // Returns before the end (the checker allows them for a scalar value):
    // flags and the value, carried like variables; the statements after a
    // `return` run only while it has not.
    return_ = std::make_unique<ReturnControl>();
    return_->returned.name = "returned";
    return_->value.name = "value";
    env_[&return_->returned].scalar = b_->const_bool(false);
    if (!f.returns_void) {
      return_->has_value = true;
      return_->type = element_type(f.return_type);
      env_[&return_->value].scalar = return_->type == Type::I64 ? b_->const_i64(0) : b_->const_f64(0.0);
    }
    lower_stmt(*f.body);
    if (return_->has_value) result.scalar = env_[&return_->value].scalar;
    env_.erase(&return_->returned);
    env_.erase(&return_->value);
  } else {
    for (const ast::Stmt* s : stmts) {
      if (s->kind != ast::StmtKind::Return) {
        lower_stmt(*s);
        continue;
      }
      // The body's last statement.
      const ast::Expr* value = s->as<ast::ReturnStmt>().value.get();
      if (!value) break;
      LExpr r = lower_value(*value);
      const Type t = element_type(f.return_type);
      if (r.is_scalar()) {
        result.scalar = to_type(r.scalar, t);
      } else {
        std::vector<Value*> dims = r.dims.empty() ? std::vector<Value*>{r.size} : r.dims;
        result = tensor_expr(materialize_as(r, t), dims, parameter);
      }
    }
  }
  loops_ = std::move(caller_loops);
  return_ = std::move(caller_return);
  return result;
}

LExpr FunctionLowering::tensor_expr(Value* tensor, std::vector<Value*> dims, bool parameter) {
  LExpr l;
  l.size = product(dims);
  l.dims = std::move(dims);
  l.parameter = parameter;
  l.tensor = tensor;
  l.element = [tensor](Builder& b, Value* i) { return b.extract(tensor, i); };
  return l;
}

stdlib::ContainerArg FunctionLowering::container_arg(const LExpr& x, const ast::Type& type) {
  stdlib::ContainerArg a;
  if (x.is_scalar()) {
    a.shape = stdlib::ArgShape::Scalar;
    a.scalar = x.scalar;
    return a;
  }
  a.shape = type.array_rank > 0                   ? stdlib::ArgShape::Array
            : type.shape == ast::Shape::Vector    ? stdlib::ArgShape::Vector
            : type.shape == ast::Shape::RowVector ? stdlib::ArgShape::RowVector
                                                  : stdlib::ArgShape::Matrix;
  a.elements = {x.size, x.dims, x.element, x.tensor, type.base == ast::BaseType::Int ? Type::I64 : Type::F64};
  return a;
}

LExpr FunctionLowering::lower_transpose(const LExpr& x, const ast::Type& type) {
  if (type.shape != ast::Shape::Matrix) return x;  // a vector's transpose has the same elements
  // Row r of the transpose is column r of x: x's elements column by column.
  stdlib::Elements t = stdlib::column_major({x.size, x.dims, x.element});
  LExpr l;
  l.size = t.size;
  l.dims = t.dims;
  l.parameter = x.parameter;
  l.element = t.element;
  return l;
}

LExpr FunctionLowering::lower_product(const LExpr& lhs, const LExpr& rhs, const ast::Binary& e) {
  const ast::Shape ls = e.lhs->type.shape, rs = e.rhs->type.shape;
  const bool parameter = e.dependence == ast::Dependence::Parameter;
  auto sizes_agree = [&](Value* a, Value* b) {
    b_->check(b_->cmp(CmpPredicate::Eq, a, b),
              add_fatal_check("multiplication: the operands' sizes do not match", e.loc));
  };
  auto last = [](const LExpr& x) { return x.dims.back(); };
  VIC_CHECK(!lhs.dims.empty() && !rhs.dims.empty()) << "a product of containers of unknown sizes at " << e.loc.str();
  if (ls == ast::Shape::RowVector && rs == ast::Shape::Vector) {
    // A dot product.
    sizes_agree(lhs.size, rhs.size);
    LExpr l;
    l.parameter = parameter;
    l.scalar = sum_over({lhs, rhs}, [&](const std::vector<Value*>& xs) {
      return b_->op(OpKind::FMul, {to_real(xs[0]), to_real(xs[1])});
    });
    return l;
  }
  if (ls == ast::Shape::Vector && rs == ast::Shape::RowVector) {
    // An outer product, element by element.
    Value* n = rhs.size;
    LExpr l;
    l.size = b_->op(OpKind::IMul, {lhs.size, n});
    l.dims = {lhs.size, n};
    l.parameter = parameter;
    l.element = [lhs, rhs, n](Builder& b, Value* k) {
      return b.op(OpKind::FMul,
                  {lhs.element(b, b.op(OpKind::IDiv, {k, n})), rhs.element(b, b.op(OpKind::IMod, {k, n}))});
    };
    return l;
  }
  if (ls == ast::Shape::Matrix && rs == ast::Shape::Vector) {
    Value* m = lhs.dims[lhs.dims.size() - 2];
    Value* n = last(lhs);
    sizes_agree(n, rhs.size);
    return tensor_expr(b_->op(OpKind::MatVec, {materialize(lhs), materialize(rhs), m, n}), {m}, parameter);
  }
  if (ls == ast::Shape::RowVector && rs == ast::Shape::Matrix) {
    // x' A = (A' x)'
    Value* m = rhs.dims[rhs.dims.size() - 2];
    Value* n = last(rhs);
    sizes_agree(lhs.size, m);
    return tensor_expr(b_->op(OpKind::MatVecT, {materialize(rhs), materialize(lhs), m, n}), {n}, parameter);
  }
  // A matrix product, with its own adjoints (ir/op_table.cpp).
  VIC_CHECK(ls == ast::Shape::Matrix && rs == ast::Shape::Matrix) << "unsupported product at " << e.loc.str();
  Value* m = lhs.dims[lhs.dims.size() - 2];
  Value* k = last(lhs);
  Value* n = last(rhs);
  sizes_agree(k, rhs.dims[rhs.dims.size() - 2]);
  Value* product = b_->op(OpKind::MatMul, {materialize(lhs), materialize(rhs), m, k, n, b_->op(OpKind::IMul, {m, n})});
  return tensor_expr(product, {m, n}, parameter);
}

Value* FunctionLowering::sum_over(const std::vector<LExpr>& args,
                                  const std::function<Value*(const std::vector<Value*>&)>& f) {
  const LExpr* container = nullptr;
  for (const LExpr& a : args) {
    if (a.is_scalar()) continue;
    if (container) {
      b_->check(b_->cmp(CmpPredicate::Eq, container->size, a.size),
                add_fatal_check("vectorised arguments differ in size", b_->loc()));
    } else {
      container = &a;
    }
  }
  if (!container) {
    std::vector<Value*> xs;
    for (const LExpr& a : args) xs.push_back(a.scalar);
    return f(xs);
  }
  Op* loop = b_->create_for(b_->const_i64(0), container->size, {b_->const_f64(0.0)}, "i");
  Block& body = loop->region(0);
  RegionScope scope(b_, body);
  std::vector<Value*> xs;
  for (const LExpr& a : args) xs.push_back(a.is_scalar() ? a.scalar : a.element(*b_, body.args[0]));
  b_->yield({b_->op(OpKind::FAdd, {body.args[1], f(xs)})});
  return loop->results[0];
}

Value* FunctionLowering::reduce(const LExpr& a, Value* init, const std::function<Value*(Value*, Value*)>& f) {
  Op* loop = b_->create_for(b_->const_i64(0), a.size, {init}, "i");
  Block& body = loop->region(0);
  RegionScope scope(b_, body);
  b_->yield({f(body.args[1], a.element(*b_, body.args[0]))});
  return loop->results[0];
}

LExpr FunctionLowering::lower_call(const ast::Call& e) {
  if (stdlib::is_ode_solver(e.name)) return lower_ode_call(e);
  bool parameter = e.dependence == ast::Dependence::Parameter;
  auto [base, suffix] = stdlib::split_distribution_suffix(e.name);
  std::vector<LExpr> args;
  for (const auto& a : e.args) args.push_back(lower_value(*a));
  if (e.function) return inline_call(*e.function, args, parameter);
  if (e.network) return lower_network_call(e, args[0]);
  LExpr l;
  l.parameter = parameter;
  if (suffix == "_lpdf" || suffix == "_lpmf") {
    b_->set_loc(e.loc);  // the density's checks name the call, not its last argument
    l.scalar = log_density(std::string(base), args, /*propto=*/false);
    return l;
  }
  if (suffix == "_lcdf" || suffix == "_lccdf" || suffix == "_cdf") {
    // The sum over vectorised arguments of the log CDF; _cdf is its exp (the product).
    b_->set_loc(e.loc);
    Value* sum = log_cdf(std::string(base), args, suffix == "_lccdf", /*bound=*/false);
    l.scalar = suffix == "_cdf" ? b_->op(OpKind::Exp, {sum}) : sum;
    return l;
  }
  if (suffix == "_rng" && stdlib::is_multivariate(base)) {
    std::vector<stdlib::ContainerArg> cargs;
    for (size_t i = 0; i < args.size(); ++i) cargs.push_back(container_arg(args[i], e.args[i]->type));
    b_->set_loc(e.loc);
    stdlib::ContainerResult r = stdlib::build_multivariate_rng(*b_, base, cargs, check_adder());
    if (r.scalar) {
      l.scalar = r.scalar;
      return l;
    }
    // multinomial's counts are ints.
    Value* t = r.elements.element_type == Type::I64 ? r.elements.tensor : stdlib::as_tensor(*b_, r.elements);
    return tensor_expr(t, r.elements.dims, false);
  }
  if (suffix == "_rng") {
    const Type t = e.type.base == ast::BaseType::Int ? Type::I64 : Type::F64;
    auto draw = [&](Builder& b, const std::vector<Value*>& xs) {
      b.set_loc(e.loc);  // where its checks point
      Value* x = stdlib::build_rng(b, base, xs, check_adder());
      return t == Type::I64 ? b.op(OpKind::FToI, {x}) : x;
    };
    const LExpr* container = nullptr;
    for (const LExpr& a : args)
      if (!a.is_scalar()) container = &a;
    if (!container) {
      std::vector<Value*> xs;
      for (const LExpr& a : args) xs.push_back(a.scalar);
      l.scalar = draw(*b_, xs);
      return l;
    }
    // Vectorised: one draw per element, in order, into an array (a loop, not
    // a generate, whose elements may be computed in any order or twice).
    Value* n = container->size;
    for (const LExpr& a : args) {
      if (a.is_scalar()) continue;
      b_->check(b_->cmp(CmpPredicate::Eq, a.size, n),
                add_fatal_check("vectorised arguments differ in size", e.loc));
    }
    Value* draws = loop(b_->const_i64(0), n, {b_->splat(n, t == Type::I64 ? b_->const_i64(0) : b_->const_f64(0.0))},
                        [&](Value* i, const std::vector<Value*>& carried) {
                          std::vector<Value*> xs;
                          for (const LExpr& a : args) xs.push_back(a.is_scalar() ? a.scalar : a.element(*b_, i));
                          return std::vector<Value*>{b_->insert(carried[0], i, draw(*b_, xs))};
                        })[0];
    return tensor_expr(draws, {n}, false);
  }
  const std::string& name = e.name;
  // Functions of scalars alone (pow, fmin, pi(), ...): stdlib/scalar_functions.h.
  if (stdlib::is_scalar_function(name) &&
      std::all_of(args.begin(), args.end(), [](const LExpr& a) { return a.is_scalar(); }) &&
      !(args.size() == 1 && (name == "log2" || name == "log10" || name == "min" || name == "max"))) {
    std::vector<Value*> xs;
    for (const LExpr& a : args) xs.push_back(a.scalar);
    l.scalar = stdlib::build_scalar_function(*b_, name, xs);
    return l;
  }
  // The functions of whole containers are stdlib's (stdlib/container_functions.h).
  std::vector<stdlib::ContainerArg> cargs;
  for (size_t i = 0; i < args.size(); ++i) cargs.push_back(container_arg(args[i], e.args[i]->type));
  b_->set_loc(e.loc);  // the call's checks name the call, not its last argument
  if (auto r = stdlib::build_container_function(*b_, name, cargs, check_adder())) {
    l.scalar = r->scalar;
    if (!l.scalar) {
      l.size = r->elements.size;
      l.dims = r->elements.dims;
      l.element = r->elements.element;
      l.tensor = r->elements.tensor;
    }
    return l;
  }
  if (name == "transpose") return lower_transpose(args[0], e.args[0]->type);
  // Elementwise functions of one argument.
  std::string fname = name;
  if (name == "abs" && args[0].is_scalar() && args[0].scalar->type == ir::Type::I64) {
    // An int's absolute value, an int.
    Value* x = args[0].scalar;
    l.scalar = b_->op(OpKind::Select, {b_->cmp(ir::CmpPredicate::Lt, x, b_->const_i64(0)),
                                       b_->op(OpKind::ISub, {b_->const_i64(0), x}), x});
    return l;
  }
  if (args[0].is_scalar()) {
    l.scalar = stdlib::build_function(*b_, fname, args[0].scalar);
    return l;
  }
  LExpr a = args[0];
  l.size = a.size;
  l.dims = a.dims;
  l.element = [a, fname](Builder& b, Value* i) { return stdlib::build_function(b, fname, a.element(b, i)); };
  return l;
}

LExpr FunctionLowering::lower_expr(const ast::Expr& e) {
  b_->set_loc(e.loc);
  bool parameter = e.dependence == ast::Dependence::Parameter;
  switch (e.kind) {
    case ast::ExprKind::IntLiteral: {
      LExpr l;
      l.scalar = b_->const_i64(e.as<ast::IntLiteral>().value);
      return l;
    }
    case ast::ExprKind::RealLiteral: {
      LExpr l;
      l.scalar = b_->const_f64(e.as<ast::RealLiteral>().value);
      return l;
    }
    case ast::ExprKind::Variable:
      return lower_variable(e.as<ast::Variable>());
    case ast::ExprKind::Unary: {
      const auto& u = e.as<ast::Unary>();
      LExpr x = lower_expr(*u.operand);
      if (u.op == ast::UnaryOp::Plus) return x;
      if (u.op == ast::UnaryOp::Transpose) return lower_transpose(x, u.operand->type);
      bool is_int = u.operand->type.base == ast::BaseType::Int;
      std::function<Value*(Builder&, Value*)> f;
      if (u.op == ast::UnaryOp::Negate && is_int) {
        IntChecks checks = int_checks(OpKind::ISub, "-", u.loc);
        f = [this, checks](Builder& b, Value* v) {
          if (v->type == Type::I1) v = b.op(OpKind::Select, {v, b.const_i64(1), b.const_i64(0)});
          return checked_int_op(b, OpKind::ISub, b.const_i64(0), v, checks);
        };
      } else if (u.op == ast::UnaryOp::Negate) {
        f = [](Builder& b, Value* v) { return b.op(OpKind::FNeg, {v}); };
      } else {
        f = [](Builder& b, Value* v) {
          if (v->type == Type::I1) return b.op(OpKind::Not, {v});
          if (v->type == Type::I64) return b.cmp(CmpPredicate::Eq, v, b.const_i64(0));
          return b.cmp(CmpPredicate::Eq, v, b.const_f64(0.0));
        };
      }
      LExpr l;
      l.parameter = parameter;
      if (x.is_scalar()) {
        l.scalar = f(*b_, x.scalar);
        return l;
      }
      l.size = x.size;
      l.dims = x.dims;
      l.element = [x, f](Builder& b, Value* i) { return f(b, x.element(b, i)); };
      return l;
    }
    case ast::ExprKind::Binary:
      return lower_binary(e.as<ast::Binary>());
    case ast::ExprKind::Index:
      return lower_index(e.as<ast::Index>());
    case ast::ExprKind::Call:
      return lower_call(e.as<ast::Call>());
    case ast::ExprKind::Conditional: {
      // Only the branch taken is evaluated (Stan's semantics), so neither its
      // value nor its gradient sees the other branch's NaN (scalars only).
      const auto& c = e.as<ast::Conditional>();
      Value* cond = to_bool(lower_scalar(*c.cond));
      Type t = element_type(e.type);
      b_->set_loc(e.loc);
      Op* branch = b_->create_if(cond, {t});
      for (int r = 0; r < 2; ++r) {
        RegionScope scope(b_, branch->region(r));
        b_->yield({to_type(lower_scalar(r == 0 ? *c.then_expr : *c.else_expr), t)});
      }
      LExpr l;
      l.parameter = parameter;
      l.scalar = branch->result();
      return l;
    }
    case ast::ExprKind::Range:
      VIC_UNREACHABLE() << "a slice outside an index, at " << e.loc.str();
    case ast::ExprKind::ContainerLiteral: {
      // A tensor of the elements, each converted to the literal's element type.
      const auto& c = e.as<ast::ContainerLiteral>();
      const Type t = element_type(e.type);
      Value* count = b_->const_i64(static_cast<int64_t>(c.elements.size()));
      if (c.elements[0]->type.is_scalar()) {
        Value* tensor = b_->splat(count, t == Type::F64 ? b_->const_f64(0.0) : b_->const_i64(0));
        for (size_t k = 0; k < c.elements.size(); ++k)
          tensor = b_->insert(tensor, b_->const_i64(static_cast<int64_t>(k)), to_type(lower_scalar(*c.elements[k]), t));
        return tensor_expr(tensor, {count}, parameter);
      }
      // Containers (rows of a matrix, elements of an array) laid end to end,
      // each the size of the first.
      std::vector<LExpr> parts;
      for (const auto& element : c.elements) parts.push_back(lower_value(*element));
      Value* size = parts[0].size;
      Value* tensor = materialize_as(parts[0], t);
      if (t == Type::I64) {
        // Ints (tensor.concat takes reals): each part copied into place.
        tensor = b_->splat(b_->op(OpKind::IMul, {size, count}), b_->const_i64(0));
      }
      for (size_t k = t == Type::I64 ? 0 : 1; k < parts.size(); ++k) {
        b_->check(b_->cmp(CmpPredicate::Eq, parts[k].size, size),
                  add_fatal_check("the elements of a literal differ in size", c.elements[k]->loc));
        Value* part = materialize_as(parts[k], t);
        if (t == Type::I64) {
          Value* at = b_->op(OpKind::IMul, {size, b_->const_i64(static_cast<int64_t>(k))});
          tensor = loop(b_->const_i64(0), size, {tensor}, [&](Value* i, const std::vector<Value*>& c) {
            return std::vector<Value*>{b_->insert(c[0], b_->op(OpKind::IAdd, {at, i}), b_->extract(part, i))};
          })[0];
          continue;
        }
        Value* total = b_->op(OpKind::IMul, {size, b_->const_i64(static_cast<int64_t>(k + 1))});
        tensor = b_->op(OpKind::TensorConcat, {tensor, part, total});
      }
      std::vector<Value*> dims = {count};
      if (parts[0].dims.empty()) {
        dims.push_back(size);
      } else {
        dims.insert(dims.end(), parts[0].dims.begin(), parts[0].dims.end());
      }
      return tensor_expr(tensor, dims, parameter);
    }
  }
  VIC_UNREACHABLE();
}

}  // namespace vic::lower::internal
