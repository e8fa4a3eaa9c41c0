// A plate loop lowered for the whole minibatch at once: every value of one
// data item becomes a tensor of the B items' values (item after item), so that
// a network call is one matrix product for the minibatch (B x in times the
// weights' transpose) whose adjoints are matrix products too, rather than B
// matrix-vector products. The loop `for (n in 1:N) { ... }` qualifies when its
// body is made of what this file lowers (plate_batchable): locals of one item
// (reals and vectors, set once), `~` of univariate distributions, `target +=`,
// the data's item n, latents' z[n], networks, elementwise arithmetic and
// functions, sum and dot_product of an item's vector, an item vector's slices
// and elements. Any other loop over the plate runs item by item (lower_for):
// both give the same ELBO.
#include "frontend/frontend.h"
#include "ir/lower/lower_internal.h"
#include "stdlib/signatures.h"

namespace vic::lower::internal {
namespace {

bool univariate(const std::string& name) {
  const stdlib::DistributionInfo* d = stdlib::find_distribution(name);
  if (!d || stdlib::is_glm(name)) return false;
  auto scalarish = [](stdlib::ArgKind k) {
    return k == stdlib::ArgKind::Reals || k == stdlib::ArgKind::Ints || k == stdlib::ArgKind::Real ||
           k == stdlib::ArgKind::Int;
  };
  if (!scalarish(d->variate)) return false;
  return std::all_of(d->params.begin(), d->params.end(), scalarish);
}

bool elementwise_function(const std::string& name) {
  const stdlib::FunctionInfo* f = stdlib::find_function(name);
  if (!f) return false;
  for (const stdlib::FunctionSignature& s : f->signatures)
    if (s.result == stdlib::ReturnKind::LikeArg && s.args.size() == 1) return true;
  return false;
}

bool arithmetic(ast::BinaryOp op) {
  switch (op) {
    case ast::BinaryOp::Add:
    case ast::BinaryOp::Sub:
    case ast::BinaryOp::Mul:
    case ast::BinaryOp::Div:
    case ast::BinaryOp::EltMul:
    case ast::BinaryOp::EltDiv:
    case ast::BinaryOp::Pow:
      return true;
    default:
      return false;
  }
}

}  // namespace

FunctionLowering::ItemKind FunctionLowering::item_kind(const ast::Expr& e) const {
  using K = ItemKind;
  auto all_global = [&](const std::vector<ast::ExprPtr>& xs) {
    return std::all_of(xs.begin(), xs.end(), [&](const ast::ExprPtr& x) { return item_kind(*x) == K::Global; });
  };
  switch (e.kind) {
    case ast::ExprKind::IntLiteral:
    case ast::ExprKind::RealLiteral:
      return K::Global;
    case ast::ExprKind::Variable: {
      const ast::VarDecl* d = e.as<ast::Variable>().decl;
      if (d == plate_index_ || d->is_latent) return K::Unsupported;
      auto it = plate_local_kinds_.find(d);
      return it == plate_local_kinds_.end() ? K::Global : it->second;
    }
    case ast::ExprKind::Unary: {
      const auto& u = e.as<ast::Unary>();
      const K k = item_kind(*u.operand);
      if (k == K::Global) return K::Global;
      return u.op == ast::UnaryOp::Negate || u.op == ast::UnaryOp::Plus ? k : K::Unsupported;
    }
    case ast::ExprKind::Binary: {
      const auto& b = e.as<ast::Binary>();
      const K l = item_kind(*b.lhs), r = item_kind(*b.rhs);
      if (l == K::Unsupported || r == K::Unsupported) return K::Unsupported;
      if (l == K::Global && r == K::Global) return K::Global;
      if (!arithmetic(b.op)) return K::Unsupported;
      // A per-item value with another of its kind, or with a global scalar.
      const ast::Expr& global = l == K::Global ? *b.lhs : *b.rhs;
      if (l != K::Global && r != K::Global) {
        if (l != r) return K::Unsupported;
        if (l == K::Container && (b.op == ast::BinaryOp::Mul || b.op == ast::BinaryOp::Div ||
                                  b.op == ast::BinaryOp::Pow))
          return K::Unsupported;
        return l;
      }
      if (!global.type.is_scalar()) return K::Unsupported;
      const K item = l == K::Global ? r : l;
      if (item == K::Container && b.op == ast::BinaryOp::Pow) return K::Unsupported;
      return item;
    }
    case ast::ExprKind::Index: {
      const auto& index = e.as<ast::Index>();
      if (index.base->kind != ast::ExprKind::Variable) return all_global(index.indices) && item_kind(*index.base) == K::Global ? K::Global : K::Unsupported;
      const ast::VarDecl* d = index.base->as<ast::Variable>().decl;
      const ast::Expr& first = *index.indices[0];
      const bool by_item = first.kind == ast::ExprKind::Variable && first.as<ast::Variable>().decl == plate_index_;
      if (by_item) {
        if (index.indices.size() != 1 || d->type.array_dims.size() != 1) return K::Unsupported;
        const bool data = d->block == BlockKind::Data || d->block == BlockKind::TransformedData;
        if (!data && !d->is_latent) return K::Unsupported;
        if (d->type.shape == ast::Shape::Vector) return K::Container;
        return d->type.shape == ast::Shape::Scalar ? K::Scalar : K::Unsupported;
      }
      auto local = plate_local_kinds_.find(d);
      if (local != plate_local_kinds_.end()) {
        if (local->second != K::Container || index.indices.size() != 1) return K::Unsupported;
        if (first.kind == ast::ExprKind::Range) {
          const auto& r = first.as<ast::Range>();
          if ((r.lo && item_kind(*r.lo) != K::Global) || (r.hi && item_kind(*r.hi) != K::Global)) return K::Unsupported;
          return K::Container;
        }
        return first.type.is_int_scalar() && item_kind(first) == K::Global ? K::Scalar : K::Unsupported;
      }
      if (d == plate_index_ || d->is_latent) return K::Unsupported;
      return all_global(index.indices) ? K::Global : K::Unsupported;
    }
    case ast::ExprKind::Call: {
      const auto& c = e.as<ast::Call>();
      if (all_global(c.args)) return K::Global;
      if (c.function || c.conditional || c.args.empty()) return K::Unsupported;
      std::vector<K> kinds;
      for (const ast::ExprPtr& a : c.args) kinds.push_back(item_kind(*a));
      if (c.network) return kinds[0] == K::Container ? K::Container : K::Unsupported;
      if (c.name == "sum" && c.args.size() == 1) return kinds[0] == K::Container ? K::Scalar : K::Unsupported;
      // A per-item label as a one-hot vector, and an item's vectors one after the other (a conditional VAE's inputs).
      if (c.name == "one_hot_vector" && c.args.size() == 2)
        return kinds[0] == K::Global && kinds[1] == K::Scalar ? K::Container : K::Unsupported;
      if (c.name == "append_row" && c.args.size() == 2) {
        auto vector_part = [&](size_t k) {
          return kinds[k] == K::Container || (kinds[k] == K::Global && c.args[k]->type == ast::Type::vector());
        };
        return vector_part(0) && vector_part(1) ? K::Container : K::Unsupported;
      }
      if (c.name == "dot_product" && c.args.size() == 2)
        return kinds[0] == K::Container && kinds[1] == K::Container ? K::Scalar : K::Unsupported;
      if (c.args.size() == 1 && elementwise_function(c.name) && kinds[0] != K::Unsupported) return kinds[0];
      return K::Unsupported;
    }
    case ast::ExprKind::Conditional:
    case ast::ExprKind::Range:
    case ast::ExprKind::ContainerLiteral: {
      std::vector<const ast::Expr*> parts;
      if (e.kind == ast::ExprKind::Conditional) {
        const auto& c = e.as<ast::Conditional>();
        parts = {c.cond.get(), c.then_expr.get(), c.else_expr.get()};
      } else if (e.kind == ast::ExprKind::Range) {
        parts = {e.as<ast::Range>().lo.get(), e.as<ast::Range>().hi.get()};
      } else {
        for (const auto& x : e.as<ast::ContainerLiteral>().elements) parts.push_back(x.get());
      }
      for (const ast::Expr* p : parts)
        if (p && item_kind(*p) != K::Global) return K::Unsupported;
      return K::Global;
    }
  }
  return K::Unsupported;
}

bool FunctionLowering::plate_batchable(const ast::ForStmt& s) {
  using K = ItemKind;
  plate_index_ = s.index.get();
  plate_local_kinds_.clear();
  std::vector<const ast::Stmt*> stmts{s.body.get()};
  for (size_t k = 0; k < stmts.size(); ++k) {
    const ast::Stmt& st = *stmts[k];
    switch (st.kind) {
      case ast::StmtKind::Block:
        for (const ast::StmtPtr& c : st.as<ast::BlockStmt>().stmts) stmts.push_back(c.get());
        break;
      case ast::StmtKind::Decl: {
        const ast::VarDecl& d = *st.as<ast::DeclStmt>().decl;
        const ast::SizedType& t = d.type;
        if (!d.init || !t.array_dims.empty() || t.base != ast::BaseType::Real || t.lower || t.upper || t.offset ||
            t.multiplier || t.constraint != ast::Constraint::None ||
            (t.shape != ast::Shape::Scalar && t.shape != ast::Shape::Vector))
          return false;
        for (const ast::ExprPtr& size : t.shape_dims)
          if (item_kind(*size) != K::Global) return false;
        const K want = t.shape == ast::Shape::Vector ? K::Container : K::Scalar;
        if (item_kind(*d.init) != want) return false;
        plate_local_kinds_[&d] = want;
        break;
      }
      case ast::StmtKind::Tilde: {
        const auto& t = st.as<ast::TildeStmt>();
        if (t.truncated || t.function || !univariate(t.distribution)) return false;
        std::vector<const ast::Expr*> parts{t.lhs.get()};
        for (const ast::ExprPtr& a : t.args) parts.push_back(a.get());
        K item = K::Global;
        for (const ast::Expr* p : parts) {
          const K k2 = in_guide_ && p == t.lhs.get() ? K::Container : item_kind(*p);
          if (k2 == K::Unsupported) return false;
          if (k2 == K::Global) {
            if (!p->type.is_scalar()) return false;
            continue;
          }
          if (item != K::Global && item != k2) return false;
          item = k2;
        }
        // A statement of the global values alone repeats per item: not batched.
        if (item == K::Global) return false;
        if (in_guide_ && item != K::Container) return false;
        break;
      }
      case ast::StmtKind::TargetPlus: {
        const K k2 = item_kind(*st.as<ast::TargetPlusStmt>().value);
        if (k2 != K::Scalar && k2 != K::Container) return false;
        break;
      }
      default:
        return false;
    }
  }
  return true;
}

// ---------------------------------------------------------------------------
// Lowering

FunctionLowering::ItemValue FunctionLowering::item_values(Value* tensor, Value* item_size) {
  ItemValue v;
  v.l = tensor_expr(tensor, {b_->op(OpKind::IMul, {plate_count_, item_size})}, /*parameter=*/true);
  v.item_size = item_size;
  return v;
}

FunctionLowering::ItemValue FunctionLowering::per_item(Value* item_size,
                                                       std::function<Value*(Builder&, Value*)> element) {
  ItemValue v;
  v.l.size = b_->op(OpKind::IMul, {plate_count_, item_size});
  v.l.dims = {v.l.size};
  v.l.parameter = true;
  v.l.element = std::move(element);
  v.item_size = item_size;
  return v;
}

FunctionLowering::ItemValue FunctionLowering::lower_item_expr(const ast::Expr& e) {
  b_->set_loc(e.loc);
  if (item_kind(e) == ItemKind::Global) return ItemValue{lower_value(e), nullptr};
  switch (e.kind) {
    case ast::ExprKind::Variable:
      return plate_locals_.at(e.as<ast::Variable>().decl);
    case ast::ExprKind::Unary: {
      ItemValue x = lower_item_expr(*e.as<ast::Unary>().operand);
      if (e.as<ast::Unary>().op == ast::UnaryOp::Plus) return x;
      LExpr xl = x.l;
      return per_item(x.item_size, [xl](Builder& b, Value* j) { return b.op(OpKind::FNeg, {xl.element(b, j)}); });
    }
    case ast::ExprKind::Binary: {
      const auto& bin = e.as<ast::Binary>();
      ItemValue l = lower_item_expr(*bin.lhs), r = lower_item_expr(*bin.rhs);
      ElementOp op = element_op(bin);
      const ItemValue& item = l.per_item() ? l : r;
      if (l.per_item() && r.per_item()) {
        b_->check(b_->cmp(CmpPredicate::Eq, l.item_size, r.item_size),
                  add_fatal_check("the sizes of the operands of '" + std::string(ast::binary_op_spelling(bin.op)) +
                                      "' differ",
                                  bin.loc));
      }
      LExpr ll = l.l, rl = r.l;
      return per_item(item.item_size, [ll, rl, op](Builder& b, Value* j) {
        return op(b, ll.is_scalar() ? ll.scalar : ll.element(b, j), rl.is_scalar() ? rl.scalar : rl.element(b, j));
      });
    }
    case ast::ExprKind::Index:
      return lower_item_index(e.as<ast::Index>());
    case ast::ExprKind::Call: {
      const auto& c = e.as<ast::Call>();
      if (c.network) return lower_item_network(*c.network, c.loc, lower_item_expr(*c.args[0]));
      std::vector<ItemValue> args;
      for (const ast::ExprPtr& a : c.args) args.push_back(lower_item_expr(*a));
      if (c.name == "sum") return item_values(slot_sums(args[0]), b_->const_i64(1));
      if (c.name == "dot_product") {
        b_->check(b_->cmp(CmpPredicate::Eq, args[0].item_size, args[1].item_size),
                  add_fatal_check("dot_product: the sizes of the vectors differ", c.loc));
        const LExpr x = args[0].l, y = args[1].l;
        ItemValue products = per_item(args[0].item_size, [x, y](Builder& b, Value* j) {
          return b.op(OpKind::FMul, {x.element(b, j), y.element(b, j)});
        });
        return item_values(slot_sums(products), b_->const_i64(1));
      }
      if (c.name == "one_hot_vector") return lower_item_one_hot(c, args[0], args[1]);
      if (c.name == "append_row") return lower_item_append_row(args[0], args[1]);
      LExpr x = args[0].l;
      std::string name = c.name;
      return per_item(args[0].item_size,
                      [x, name](Builder& b, Value* j) { return stdlib::build_function(b, name, x.element(b, j)); });
    }
    default:
      break;
  }
  VIC_UNREACHABLE() << "plate_batchable lets through what lower_item_expr cannot lower at " << e.loc.str();
}

FunctionLowering::ItemValue FunctionLowering::lower_item_one_hot(const ast::Call& c, const ItemValue& size,
                                                                 const ItemValue& k) {
  // Each item's one_hot_vector(n, k): the checks of stdlib's, item by item.
  Value* n = to_int(size.l.scalar);
  b_->set_loc(c.loc);
  b_->check(b_->cmp(CmpPredicate::Gt, n, b_->const_i64(0)), add_check("one_hot_vector: the size must be positive", c.loc));
  const int64_t outside = add_check("one_hot_vector: k must be between 1 and the size", c.loc);
  const LExpr ks = k.l;
  Value* last = to_real(n);
  loop(b_->const_i64(0), plate_count_, {}, [&](Value* slot, const std::vector<Value*>&) {
    Value* x = to_real(ks.element(*b_, slot));
    b_->check(b_->op(OpKind::And, {b_->cmp(CmpPredicate::Ge, x, b_->const_f64(1.0)), b_->cmp(CmpPredicate::Le, x, last)}),
              outside);
    return std::vector<Value*>{};
  });
  return per_item(n, [ks, n](Builder& b, Value* j) {
    Value* hot = ks.element(b, b.op(OpKind::IDiv, {j, n}));
    if (hot->type != Type::F64) hot = b.op(OpKind::IToF, {hot});
    Value* position = b.op(OpKind::IToF, {b.op(OpKind::IAdd, {b.op(OpKind::IMod, {j, n}), b.const_i64(1)})});
    return b.op(OpKind::Select, {b.cmp(CmpPredicate::Eq, position, hot), b.const_f64(1.0), b.const_f64(0.0)});
  });
}

FunctionLowering::ItemValue FunctionLowering::lower_item_append_row(const ItemValue& a, const ItemValue& c) {
  // Element i of item `slot` comes from the first part when i < its size, else
  // from the second; a part the same for every item is read at i alone. A
  // branch, so that the part not taken is not read out of its range.
  auto size_of = [](const ItemValue& v) { return v.per_item() ? v.item_size : v.l.size; };
  Value* sa = size_of(a);
  Value* total = b_->op(OpKind::IAdd, {sa, size_of(c)});
  auto read = [](const ItemValue& v, Value* size, Builder& b, Value* slot, Value* i) {
    if (!v.per_item()) return to_real_in(b, v.l.element(b, i));
    return to_real_in(b, v.l.element(b, b.op(OpKind::IAdd, {b.op(OpKind::IMul, {slot, size}), i})));
  };
  Value* sc = size_of(c);
  return per_item(total, [a, c, sa, sc, total, read](Builder& b, Value* j) {
    Value* slot = b.op(OpKind::IDiv, {j, total});
    Value* i = b.op(OpKind::IMod, {j, total});
    Op* branch = b.create_if(b.cmp(CmpPredicate::Lt, i, sa), {Type::F64});
    Builder first(b.function(), branch->region(0));
    first.yield({read(a, sa, first, slot, i)});
    Builder second(b.function(), branch->region(1));
    second.yield({read(c, sc, second, slot, second.op(OpKind::ISub, {i, sa}))});
    return branch->result();
  });
}

Value* FunctionLowering::slot_sums(const ItemValue& v) {
  // One sum per item: a loop over the item's elements.
  Value* s = v.item_size;
  const LExpr x = v.l;
  Op* gen = b_->create_generate(plate_count_, Type::F64, "b");
  {
    RegionScope scope(b_, gen->region(0));
    Value* first = b_->op(OpKind::IMul, {gen->region(0).args[0], s});
    Value* total = loop(b_->const_i64(0), s, {b_->const_f64(0.0)}, [&](Value* k, const std::vector<Value*>& acc) {
      return std::vector<Value*>{
          b_->op(OpKind::FAdd, {acc[0], to_real(x.element(*b_, b_->op(OpKind::IAdd, {first, k})))})};
    })[0];
    b_->yield({total});
  }
  return gen->result();
}

Value* FunctionLowering::slot_log_densities(const std::string& dist, const std::vector<ItemValue>& args, bool propto) {
  // A loop over the slots, each one's density of its own elements (a loop:
  // the density checks its arguments, which a generate may not).
  Value* terms = b_->splat(plate_count_, b_->const_f64(0.0), add_check("out of memory", b_->loc()));
  return loop(b_->const_i64(0), plate_count_, {terms}, [&](Value* slot, const std::vector<Value*>& carried) {
    std::vector<LExpr> own;
    for (const ItemValue& a : args) {
      if (!a.per_item()) {
        own.push_back(a.l);
        continue;
      }
      LExpr x;
      x.size = a.item_size;
      x.dims = {a.item_size};
      x.parameter = true;
      Value* first = b_->op(OpKind::IMul, {slot, a.item_size});
      const LExpr whole = a.l;
      x.element = [whole, first](Builder& b, Value* i) { return whole.element(b, b.op(OpKind::IAdd, {first, i})); };
      if (a.item_size->def && a.item_size->def->kind == OpKind::ConstI64 && a.item_size->def->integer == 1) {
        x = LExpr{};
        x.scalar = whole.element(*b_, slot);
      }
      own.push_back(x);
    }
    return std::vector<Value*>{b_->insert(carried[0], slot, log_density(dist, own, propto))};
  })[0];
}

bool FunctionLowering::standard_normal_prior(const ast::TildeStmt& t) {
  auto literal = [](const ast::Expr& e, double v) {
    if (e.kind == ast::ExprKind::IntLiteral) return static_cast<double>(e.as<ast::IntLiteral>().value) == v;
    return e.kind == ast::ExprKind::RealLiteral && e.as<ast::RealLiteral>().value == v;
  };
  if (t.distribution == "std_normal") return t.args.empty();
  return t.distribution == "normal" && t.args.size() == 2 && literal(*t.args[0], 0) && literal(*t.args[1], 1);
}

void FunctionLowering::add_slot_terms(Value* terms) {
  add_log_weights(terms);
  add_to_target(reduce(tensor_expr(terms, {plate_count_}, true), b_->const_f64(0.0),
                       [&](Value* a, Value* x) { return b_->op(OpKind::FAdd, {a, x}); }));
}

FunctionLowering::ItemValue FunctionLowering::lower_item_index(const ast::Index& e) {
  const ast::VarDecl* d = e.base->as<ast::Variable>().decl;
  const ast::Expr& first = *e.indices[0];
  if (d->is_latent) {
    // The guide has drawn the minibatch's items: the latent's tensor, slot after slot.
    const View& view = *env_[d].view;
    return item_values(view.tensor, product(std::vector<Value*>(view.dims.begin() + 1, view.dims.end())));
  }
  if (first.kind == ast::ExprKind::Variable && first.as<ast::Variable>().decl == plate_index_) {
    // The data's item n for each n of the minibatch (batch[1 + b], checked on entry).
    const View view = *env_[d].view;
    Value* s = product(std::vector<Value*>(view.dims.begin() + 1, view.dims.end()));
    Value* batch = batch_;
    const bool scalar = view.dims.size() == 1;
    return per_item(s, [view, s, batch, scalar](Builder& b, Value* j) {
      Value* slot = scalar ? j : b.op(OpKind::IDiv, {j, s});
      Value* item = b.load(batch, b.op(OpKind::IAdd, {slot, b.const_i64(1)}));
      Value* at = b.op(OpKind::IMul, {item, s});
      if (!scalar) at = b.op(OpKind::IAdd, {at, b.op(OpKind::IMod, {j, s})});
      return view.read(b, b.op(OpKind::IAdd, {view.offset, at}));  // an int array's ints stay ints
    });
  }
  // An element or a slice of each item's local vector.
  const ItemValue local = plate_locals_.at(d);
  Value* s = local.item_size;
  LExpr l = local.l;
  int64_t range_check = add_fatal_check("index out of range", first.loc);
  if (first.kind != ast::ExprKind::Range) {
    Value* k = to_int(lower_scalar(first));
    b_->check(b_->op(OpKind::And, {b_->cmp(CmpPredicate::Ge, k, b_->const_i64(1)), b_->cmp(CmpPredicate::Le, k, s)}),
              range_check);
    Value* at = b_->op(OpKind::ISub, {k, b_->const_i64(1)});
    return per_item(b_->const_i64(1), [l, s, at](Builder& b, Value* slot) {
      return l.element(b, b.op(OpKind::IAdd, {b.op(OpKind::IMul, {slot, s}), at}));
    });
  }
  const auto& r = first.as<ast::Range>();
  Value* lo = r.lo ? to_int(lower_scalar(*r.lo)) : b_->const_i64(1);
  Value* hi = r.hi ? to_int(lower_scalar(*r.hi)) : s;
  // Stan's rule: 1 <= lo, hi <= size, and lo <= hi + 1 (an empty slice).
  Value* ok = b_->op(OpKind::And, {b_->cmp(CmpPredicate::Ge, lo, b_->const_i64(1)), b_->cmp(CmpPredicate::Le, hi, s)});
  ok = b_->op(OpKind::And, {ok, b_->cmp(CmpPredicate::Le, lo, b_->op(OpKind::IAdd, {hi, b_->const_i64(1)}))});
  b_->check(ok, range_check);
  Value* count = b_->op(OpKind::IAdd, {b_->op(OpKind::ISub, {hi, lo}), b_->const_i64(1)});
  Value* start = b_->op(OpKind::ISub, {lo, b_->const_i64(1)});
  return per_item(count, [l, s, count, start](Builder& b, Value* j) {
    Value* slot = b.op(OpKind::IDiv, {j, count});
    Value* at = b.op(OpKind::IAdd, {b.op(OpKind::IMul, {slot, s}), b.op(OpKind::IAdd, {start, b.op(OpKind::IMod, {j, count})})});
    return l.element(b, at);
  });
}

FunctionLowering::ItemValue FunctionLowering::lower_item_network(const ast::NetworkDecl& decl, SourceLoc loc,
                                                                 const ItemValue& input) {
  auto it = networks_.find(&decl);
  VIC_CHECK(it != networks_.end()) << "network '" << decl.name << "' called where its weights are not bound";
  const NetworkWeights& net = it->second;
  b_->set_loc(loc);
  b_->check(b_->cmp(CmpPredicate::Eq, input.item_size, net.sizes[0]),
            add_fatal_check("the network '" + decl.name + "' takes a vector of its first size (" +
                                frontend::expr_to_source(*decl.sizes[0]) + ")",
                            loc));
  // H (B x in) times W' (in x out), each layer: one matrix product for the minibatch.
  Value* h = materialize(input.l);
  for (size_t k = 0; k < net.weights.size(); ++k) {
    Value* in = net.sizes[k];
    Value* out = net.sizes[k + 1];
    Value* size = b_->op(OpKind::IMul, {plate_count_, out});
    Value* wx = b_->op(OpKind::MatMulNT, {h, net.weights[k], plate_count_, in, out, size});
    const ast::Activation a = k + 2 == net.sizes.size() ? decl.output : decl.activation;
    Op* gen = b_->create_generate(size, Type::F64, "j");
    {
      RegionScope scope(b_, gen->region(0));
      Value* j = gen->region(0).args[0];
      Value* bias = b_->extract(net.biases[k], b_->op(OpKind::IMod, {j, out}));
      b_->yield({activate(*b_, a, b_->op(OpKind::FAdd, {b_->extract(wx, j), bias}))});
    }
    h = gen->result();
  }
  return item_values(h, net.sizes.back());
}

void FunctionLowering::lower_item_stmt(const ast::Stmt& s) {
  b_->set_loc(s.loc);
  switch (s.kind) {
    case ast::StmtKind::Block:
      for (const ast::StmtPtr& c : s.as<ast::BlockStmt>().stmts) lower_item_stmt(*c);
      return;
    case ast::StmtKind::Decl: {
      const ast::VarDecl& d = *s.as<ast::DeclStmt>().decl;
      ItemValue v = lower_item_expr(*d.init);
      if (d.type.shape == ast::Shape::Vector) {
        Value* declared = to_int(lower_scalar(*d.type.shape_dims[0]));
        b_->check(b_->cmp(CmpPredicate::Eq, declared, v.item_size),
                  add_fatal_check("assignment: the sizes of the two sides differ", d.loc));
      }
      Value* t = materialize(v.l);
      t->hint = d.name;
      plate_locals_[&d] = item_values(t, v.item_size);
      return;
    }
    case ast::StmtKind::TargetPlus: {
      ItemValue v = lower_item_expr(*s.as<ast::TargetPlusStmt>().value);
      if (log_weights_) {
        Value* terms = slot_sums(v);
        add_slot_terms(terms);
        return;
      }
      add_to_target(reduce(v.l, b_->const_f64(0.0), [&](Value* a, Value* x) { return b_->op(OpKind::FAdd, {a, x}); }));
      return;
    }
    case ast::StmtKind::Tilde: {
      const auto& t = s.as<ast::TildeStmt>();
      std::vector<ItemValue> items;
      if (!in_guide_) items.push_back(lower_item_expr(*t.lhs));
      for (const ast::ExprPtr& a : t.args) items.push_back(lower_item_expr(*a));
      std::vector<LExpr> args;
      for (const ItemValue& v : items) args.push_back(v.l);
      if (!in_guide_) {
        // E_q[log N(z | 0, 1)] = -(mu^2 + sigma^2) / 2 - log(2 pi) / 2 per element, q the guide's normal.
        const ast::VarDecl* latent = t.lhs->kind == ast::ExprKind::Index ? assigned_variable(*t.lhs) : nullptr;
        auto moments = latent ? guide_moments_.find(latent) : guide_moments_.end();
        if (closed_form_terms() && moments != guide_moments_.end() && standard_normal_prior(t)) {
          const LExpr mu = moments->second.mu, sigma = moments->second.sigma;
          const double half_log_2_pi = 0.5 * std::log(2 * M_PI);
          auto element = [&](const LExpr& x, Value* j) { return to_real(x.is_scalar() ? x.scalar : x.element(*b_, j)); };
          Value* n = items[0].l.size;
          Value* sum = loop(b_->const_i64(0), n, {b_->const_f64(0.0)}, [&](Value* j, const std::vector<Value*>& acc) {
            Value* m = element(mu, j);
            Value* sd = element(sigma, j);
            Value* second = b_->op(OpKind::FAdd, {b_->op(OpKind::FMul, {m, m}), b_->op(OpKind::FMul, {sd, sd})});
            Value* term = b_->op(OpKind::FSub, {b_->op(OpKind::FMul, {second, b_->const_f64(-0.5)}),
                                                b_->const_f64(half_log_2_pi)});
            return std::vector<Value*>{b_->op(OpKind::FAdd, {acc[0], term})};
          })[0];
          add_to_target(sum);
          return;
        }
        if (log_weights_) {
          Value* terms = slot_log_densities(t.distribution, items, propto());
          add_slot_terms(terms);
          return;
        }
        add_to_target(log_density(t.distribution, std::move(args), propto()));
        return;
      }
      // The guide's draw of the minibatch's latents: mu + sigma * eps, item after item.
      const ast::VarDecl* latent = assigned_variable(*t.lhs);
      View& view = *env_[latent].view;
      Value* k = product(std::vector<Value*>(view.dims.begin() + 1, view.dims.end()));
      for (const LExpr& p : args) {
        if (p.is_scalar()) continue;
        b_->check(b_->cmp(CmpPredicate::Eq, p.size, view.whole_size),
                  add_fatal_check("normal: the location and scale must have the size of '" + latent->name + "[n]'",
                                  t.loc));
      }
      Value* per = eps_per_item_;
      Value* offset = latent_eps_offset_.at(latent);
      Value* eps = eps_;
      const LExpr mu = args[0], sigma = args[1];
      Op* gen = b_->create_generate(view.whole_size, Type::F64, "j");
      {
        RegionScope scope(b_, gen->region(0));
        Value* j = gen->region(0).args[0];
        Value* at = b_->op(OpKind::IAdd, {b_->op(OpKind::IMul, {b_->op(OpKind::IDiv, {j, k}), per}),
                                          b_->op(OpKind::IAdd, {offset, b_->op(OpKind::IMod, {j, k})})});
        Value* m = mu.is_scalar() ? to_real(mu.scalar) : mu.element(*b_, j);
        Value* sd = sigma.is_scalar() ? to_real(sigma.scalar) : sigma.element(*b_, j);
        b_->yield({b_->op(OpKind::FAdd, {m, b_->op(OpKind::FMul, {sd, b_->load(eps, at)})})});
      }
      set_tensor(latent, gen->result());
      LExpr draw = tensor_expr(gen->result(), {view.whole_size}, /*parameter=*/true);
      if (log_weights_) {
        std::vector<ItemValue> slots{ItemValue{draw, k}, items[0], items[1]};
        Value* terms = slot_log_densities("normal", slots, /*propto=*/false);
        add_slot_terms(terms);
        return;
      }
      guide_moments_[latent] = {mu, sigma};
      if (closed_form_terms()) {
        add_to_target(normal_negative_entropy(sigma, view.whole_size));
        return;
      }
      add_to_target(log_density("normal", {draw, mu, sigma}, /*propto=*/false));
      return;
    }
    default:
      VIC_UNREACHABLE() << "plate_batchable lets through a statement lower_item_stmt cannot lower";
  }
}

void FunctionLowering::lower_batched_plate(const ast::ForStmt& s) {
  b_->set_loc(s.loc);
  plate_count_ = batch_count();
  // The runtime's item indices, checked once: the data are read through them.
  Value* n = env_[plate_].scalar;
  int64_t bad_item = add_fatal_check("the minibatch names an item outside 1.." + plate_->name, s.loc);
  loop(b_->const_i64(0), plate_count_, {}, [&](Value* slot, const std::vector<Value*>&) {
    Value* item = b_->load(batch_, b_->op(OpKind::IAdd, {slot, b_->const_i64(1)}));
    b_->check(b_->op(OpKind::And, {b_->cmp(CmpPredicate::Ge, item, b_->const_i64(0)), b_->cmp(CmpPredicate::Lt, item, n)}),
              bad_item);
    return std::vector<Value*>{};
  });
  Value* outer_target = env_[&kTargetDecl].scalar;
  env_[&kTargetDecl].scalar = b_->const_f64(0.0);
  plate_locals_.clear();
  lower_item_stmt(*s.body);
  plate_locals_.clear();
  end_plate(outer_target);
  plate_count_ = nullptr;
}

}  // namespace vic::lower::internal
