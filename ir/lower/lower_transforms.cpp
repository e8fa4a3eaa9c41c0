// The constrained types' transforms, as Stan 2.39 (Stan Math 5.3) defines them:
// simplex (softmax of the isometric sum-to-zero transform), sum_to_zero_vector,
// ordered, positive_ordered, unit_vector, cholesky_factor_corr (tanh and the
// row-by-row stick), corr_matrix (the same stick, its values in column order,
// times its transpose), cholesky_factor_cov and cov_matrix; each with its
// log-Jacobian and its inverse (for `--init` and unconstrain). A parameter
// array of them transforms each element in turn.
#include "ir/lower/lower_internal.h"

namespace vic::lower::internal {
namespace {

// The number of trailing dims one container of the type spans.
size_t shape_rank(ast::Constraint c) { return c >= ast::Constraint::CholeskyFactorCorr ? 2 : 1; }

Value* tanh_of(Builder& in, Value* x) { return in.op(OpKind::Tanh, {x}); }

// The values below the diagonal of a K x K matrix, numbered column by column
// (read_corr_L's order, q) or row by row (p = r (r - 1) / 2 + c). Column c
// starts at q = c (2K - 1 - c) / 2; its q solve a quadratic whose root is
// exact at each start (the discriminant is the square (2K - 1 - 2c)^2).
Value* column_start(Builder& in, Value* c, Value* k) {
  Value* two_k_1 = in.op(OpKind::ISub, {in.op(OpKind::IMul, {in.const_i64(2), k}), in.const_i64(1)});
  return in.op(OpKind::IDiv, {in.op(OpKind::IMul, {c, in.op(OpKind::ISub, {two_k_1, c})}), in.const_i64(2)});
}
Value* column_of(Builder& in, Value* q, Value* k) {
  Value* two_k_1 = in.op(OpKind::IToF, {in.op(OpKind::ISub, {in.op(OpKind::IMul, {in.const_i64(2), k}), in.const_i64(1)})});
  Value* disc = in.op(OpKind::FSub, {in.op(OpKind::FMul, {two_k_1, two_k_1}),
                                     in.op(OpKind::FMul, {in.const_f64(8.0), in.op(OpKind::IToF, {q})})});
  Value* root = in.op(OpKind::FMul, {in.const_f64(0.5), in.op(OpKind::FSub, {two_k_1, in.op(OpKind::Sqrt, {disc})})});
  return in.op(OpKind::FToI, {in.op(OpKind::Floor, {root})});
}
Value* row_major_position(Builder& in, Value* r, Value* c) {
  return in.op(OpKind::IAdd, {in.op(OpKind::IDiv, {in.op(OpKind::IMul, {r, in.op(OpKind::ISub, {r, in.const_i64(1)})}), in.const_i64(2)}), c});
}

}  // namespace

std::vector<Value*> FunctionLowering::loop(Value* lo, Value* hi, const std::vector<Value*>& inits, const LoopBody& body) {
  Op* op = b_->create_for(lo, hi, inits, "i");
  {
    Block& region = op->region(0);
    RegionScope scope(b_, region);
    std::vector<Value*> carried(region.args.begin() + 1, region.args.end());
    b_->yield(body(region.args[0], carried));
  }
  return op->results;
}

Value* FunctionLowering::if_else(Value* cond, const std::function<Value*()>& then_value,
                                 const std::function<Value*()>& else_value) {
  Op* op = b_->create_if(cond, {Type::F64});
  for (int r = 0; r < 2; ++r) {
    RegionScope scope(b_, op->region(r));
    b_->yield({r == 0 ? then_value() : else_value()});
  }
  return op->result();
}

Value* FunctionLowering::free_count(ast::Constraint c, const std::vector<Value*>& shape) {
  Builder& b = *b_;
  Value* k = shape[0];
  Value* one = b.const_i64(1);
  auto half = [&](Value* x) { return b.op(OpKind::IDiv, {x, b.const_i64(2)}); };
  switch (c) {
    case ast::Constraint::Simplex:
    case ast::Constraint::SumToZero: return b.op(OpKind::ISub, {k, one});
    case ast::Constraint::CholeskyFactorCorr:
    case ast::Constraint::CorrMatrix: return half(b.op(OpKind::IMul, {k, b.op(OpKind::ISub, {k, one})}));
    case ast::Constraint::CovMatrix: return half(b.op(OpKind::IMul, {k, b.op(OpKind::IAdd, {k, one})}));
    case ast::Constraint::CholeskyFactorCov: {
      Value* n = shape[1];
      Value* triangle = half(b.op(OpKind::IMul, {n, b.op(OpKind::IAdd, {n, one})}));
      return b.op(OpKind::IAdd, {triangle, b.op(OpKind::IMul, {b.op(OpKind::ISub, {k, n}), n})});
    }
    default: return k;
  }
}

// z = sum_to_zero(u), Stan's loop: for i = N..1, w = u_i / sqrt(i (i + 1)),
// z_{i-1} += sum of the w so far, z_i -= i w.
Value* FunctionLowering::sum_to_zero(Value* u, Value* k) {
  Builder& b = *b_;
  Value* n = b.op(OpKind::ISub, {k, b.const_i64(1)});
  std::vector<Value*> out =
      loop(b.const_i64(0), n, {b.splat(k, b.const_f64(0.0)), b.const_f64(0.0)}, [&](Value* step, const auto& c) {
        Builder& in = *b_;
        Value* i = in.op(OpKind::ISub, {n, step});
        Value* im1 = in.op(OpKind::ISub, {i, in.const_i64(1)});
        Value* fi = in.op(OpKind::IToF, {i});
        Value* scale = in.op(OpKind::Sqrt, {in.op(OpKind::FMul, {fi, in.op(OpKind::FAdd, {fi, in.const_f64(1.0)})})});
        Value* w = in.op(OpKind::FDiv, {in.extract(u, im1), scale});
        Value* sum_w = in.op(OpKind::FAdd, {c[1], w});
        Value* z = in.insert(c[0], im1, in.op(OpKind::FAdd, {in.extract(c[0], im1), sum_w}));
        z = in.insert(z, i, in.op(OpKind::FSub, {in.extract(z, i), in.op(OpKind::FMul, {w, fi})}));
        return std::vector<Value*>{z, sum_w};
      });
  return out[0];
}

std::pair<Value*, Value*> FunctionLowering::constrain(ast::Constraint c, Value* u, const std::vector<Value*>& shape) {
  Builder& b = *b_;
  Value* zero = b.const_f64(0.0);
  Value* k = shape[0];
  Value* i0 = b.const_i64(0);
  switch (c) {
    case ast::Constraint::SumToZero:
      return {sum_to_zero(u, k), zero};
    case ast::Constraint::Simplex: {
      // x = softmax(z); log|J| = sum(log x) + log(K) / 2 = -K lse(z) + log(K) / 2 (z sums to 0).
      Value* z = sum_to_zero(u, k);
      Value* lse = b.op(OpKind::ReduceLogSumExp, {z});
      Op* gen = b.create_generate(k, Type::F64, "j");
      {
        RegionScope scope(b_, gen->region(0));
        b_->yield({b_->op(OpKind::Exp, {b_->op(OpKind::FSub, {b_->extract(z, gen->region(0).args[0]), lse})})});
      }
      Value* fk = b.op(OpKind::IToF, {k});
      Value* jac = b.op(OpKind::FAdd, {b.op(OpKind::FNeg, {b.op(OpKind::FMul, {fk, lse})}),
                                       b.op(OpKind::FMul, {b.const_f64(0.5), b.op(OpKind::Log, {fk})})});
      return {gen->result(), jac};
    }
    case ast::Constraint::Ordered:
    case ast::Constraint::PositiveOrdered: {
      // x_1 = u_1 (ordered) or exp(u_1); x_i = x_{i-1} + exp(u_i). log|J| = the u's exponentiated.
      const bool positive = c == ast::Constraint::PositiveOrdered;
      std::vector<Value*> out = loop(i0, k, {b.splat(k, zero), zero, zero}, [&](Value* i, const auto& carried) {
        Builder& in = *b_;
        Value* ui = in.extract(u, i);
        Value* first = in.cmp(CmpPredicate::Eq, i, in.const_i64(0));
        Value* x = positive ? in.op(OpKind::FAdd, {carried[1], in.op(OpKind::Exp, {ui})})
                            : if_else(first, [&] { return ui; },
                                      [&] { return b_->op(OpKind::FAdd, {carried[1], b_->op(OpKind::Exp, {ui})}); });
        Value* jac = positive ? in.op(OpKind::FAdd, {carried[2], ui})
                              : in.op(OpKind::FAdd, {carried[2], in.op(OpKind::Select, {first, in.const_f64(0.0), ui})});
        return std::vector<Value*>{in.insert(carried[0], i, x), x, jac};
      });
      return {out[0], out[2]};
    }
    case ast::Constraint::UnitVector: {
      // x = u / |u|; log|J| = -u.u / 2 (Stan's, with u's normal prior folded in).
      Value* ss = loop(i0, k, {zero}, [&](Value* i, const auto& carried) {
        Value* ui = b_->extract(u, i);
        return std::vector<Value*>{b_->op(OpKind::FAdd, {carried[0], b_->op(OpKind::FMul, {ui, ui})})};
      })[0];
      b.check(b.cmp(CmpPredicate::Gt, ss, zero), add_check("unit_vector: the unconstrained vector is zero", b.loc()));
      Value* norm = b.op(OpKind::Sqrt, {ss});
      Op* gen = b.create_generate(k, Type::F64, "j");
      {
        RegionScope scope(b_, gen->region(0));
        b_->yield({b_->op(OpKind::FDiv, {b_->extract(u, gen->region(0).args[0]), norm})});
      }
      return {gen->result(), b.op(OpKind::FMul, {b.const_f64(-0.5), ss})};
    }
    case ast::Constraint::CholeskyFactorCorr: {
      // z = tanh(u) (log|J| += log(1 - z^2)); row i: L[i, 0] = z, then
      // L[i, j] = z sqrt(1 - the row's sum of squares so far) (log|J| += half its log), L[i, i] closes the row.
      Value* kk = b.op(OpKind::IMul, {k, k});
      Op* eye = b.create_generate(kk, Type::F64, "j");
      {
        RegionScope scope(b_, eye->region(0));
        b_->yield({b_->op(OpKind::Select,
                          {b_->cmp(CmpPredicate::Eq, eye->region(0).args[0], b_->const_i64(0)), b_->const_f64(1.0),
                           b_->const_f64(0.0)})});
      }
      auto tanh = [&](Builder& in, Value* x) {
        Value* s = in.op(OpKind::InvLogit, {in.op(OpKind::FMul, {in.const_f64(2.0), x})});
        return in.op(OpKind::FSub, {in.op(OpKind::FMul, {in.const_f64(2.0), s}), in.const_f64(1.0)});
      };
      std::vector<Value*> rows = loop(b.const_i64(1), k, {eye->result(), zero}, [&](Value* i, const auto& outer) {
        Builder& in = *b_;
        Value* row = in.op(OpKind::IMul, {i, k});
        Value* first = in.op(OpKind::IDiv, {in.op(OpKind::IMul, {i, in.op(OpKind::ISub, {i, in.const_i64(1)})}),
                                            in.const_i64(2)});
        Value* z0 = tanh(in, in.extract(u, first));
        Value* jac = in.op(OpKind::FAdd, {outer[1], in.op(OpKind::Log1p, {in.op(OpKind::FNeg, {in.op(OpKind::FMul, {z0, z0})})})});
        Value* l = in.insert(outer[0], row, z0);
        std::vector<Value*> inner =
            loop(in.const_i64(1), i, {l, in.op(OpKind::FMul, {z0, z0}), jac}, [&](Value* j, const auto& c) {
              Builder& w = *b_;
              Value* z = tanh(w, w.extract(u, w.op(OpKind::IAdd, {first, j})));
              Value* log_z = w.op(OpKind::Log1p, {w.op(OpKind::FNeg, {w.op(OpKind::FMul, {z, z})})});
              Value* rest = w.op(OpKind::FSub, {w.const_f64(1.0), c[1]});
              Value* jac_j = w.op(OpKind::FAdd, {c[2], log_z});
              jac_j = w.op(OpKind::FAdd, {jac_j, w.op(OpKind::FMul, {w.const_f64(0.5), w.op(OpKind::Log1p, {w.op(OpKind::FNeg, {c[1]})})})});
              Value* x = w.op(OpKind::FMul, {z, w.op(OpKind::Sqrt, {rest})});
              Value* next = w.insert(c[0], w.op(OpKind::IAdd, {row, j}), x);
              return std::vector<Value*>{next, w.op(OpKind::FAdd, {c[1], w.op(OpKind::FMul, {x, x})}), jac_j};
            });
        Value* diag = in.op(OpKind::Sqrt, {in.op(OpKind::FSub, {in.const_f64(1.0), inner[1]})});
        return std::vector<Value*>{in.insert(inner[0], in.op(OpKind::IAdd, {row, i}), diag), inner[2]};
      });
      return {rows[0], rows[1]};
    }
    case ast::Constraint::CholeskyFactorCov:
    case ast::Constraint::CovMatrix: {
      // Row m < N: the first m free values below the diagonal, then exp of the
      // next on it (log|J| += that value); rows m >= N: N free values each.
      const bool cov = c == ast::Constraint::CovMatrix;
      Value* m_rows = k;
      Value* n_cols = cov ? k : shape[1];
      Value* size = b.op(OpKind::IMul, {m_rows, n_cols});
      auto row_start = [](Builder& in, Value* m) {
        return in.op(OpKind::IDiv, {in.op(OpKind::IMul, {m, in.op(OpKind::IAdd, {m, in.const_i64(1)})}), in.const_i64(2)});
      };
      Value* triangle = row_start(b, n_cols);
      Op* gen = b.create_generate(size, Type::F64, "j");
      {
        RegionScope scope(b_, gen->region(0));
        Builder& in = *b_;
        Value* e = gen->region(0).args[0];
        Value* m = in.op(OpKind::IDiv, {e, n_cols});
        Value* n = in.op(OpKind::IMod, {e, n_cols});
        Value* in_triangle = in.cmp(CmpPredicate::Lt, m, n_cols);
        Value* value = if_else(
            in_triangle,
            [&] {
              Builder& t = *b_;
              Value* at = t.op(OpKind::IAdd, {row_start(t, m), n});
              return if_else(t.cmp(CmpPredicate::Lt, n, m), [&] { return b_->extract(u, at); },
                             [&] {
                               return if_else(b_->cmp(CmpPredicate::Eq, n, m),
                                              [&] { return b_->op(OpKind::Exp, {b_->extract(u, at)}); },
                                              [&] { return b_->const_f64(0.0); });
                             });
            },
            [&] {
              Builder& r = *b_;
              Value* at = r.op(OpKind::IAdd, {triangle, r.op(OpKind::IAdd, {r.op(OpKind::IMul, {r.op(OpKind::ISub, {m, n_cols}), n_cols}), n})});
              return r.extract(u, at);
            });
        in.yield({value});
      }
      // log|J|: the diagonal's free values; cov_matrix's L L' adds K log 2 + sum (K - k + 1) of them (k from 0).
      Value* jac = loop(i0, n_cols, {zero}, [&](Value* m, const auto& carried) {
        Builder& in = *b_;
        Value* d = in.extract(u, in.op(OpKind::IAdd, {row_start(in, m), m}));
        if (cov) {
          Value* weight = in.op(OpKind::IToF, {in.op(OpKind::IAdd, {in.op(OpKind::ISub, {k, m}), in.const_i64(1)})});
          d = in.op(OpKind::FMul, {weight, d});
        }
        return std::vector<Value*>{in.op(OpKind::FAdd, {carried[0], d})};
      })[0];
      if (!cov) return {gen->result(), jac};
      Value* fk = b.op(OpKind::IToF, {k});
      jac = b.op(OpKind::FAdd, {jac, b.op(OpKind::FMul, {fk, b.const_f64(std::log(2.0))})});
      Value* sigma = b.op(OpKind::MatMulNT, {gen->result(), gen->result(), k, k, k, size});
      return {sigma, jac};
    }
    case ast::Constraint::CorrMatrix: {
      // Stan's corr_matrix_constrain: the free values are the canonical
      // partial correlations tanh(u) column by column below the diagonal
      // (read_corr_L's order), L their Cholesky factor (built as
      // cholesky_factor_corr builds it, from the same values row by row),
      // and the value L L'. log|J| = sum log(1 - z^2) (tanh) +
      // 1/2 sum (K - c - 2) log(1 - z^2) over column c's values (LKJ, eq. 11).
      Value* free = free_count(c, shape);
      Op* gen = b.create_generate(free, Type::F64, "p");
      {
        // Row r's values from column order: p = r (r - 1) / 2 + c, r = floor((1 + sqrt(1 + 8p)) / 2).
        RegionScope scope(b_, gen->region(0));
        Builder& in = *b_;
        Value* p = gen->region(0).args[0];
        Value* root = in.op(OpKind::Sqrt, {in.op(OpKind::FAdd, {in.const_f64(1.0), in.op(OpKind::FMul, {in.const_f64(8.0), in.op(OpKind::IToF, {p})})})});
        Value* r = in.op(OpKind::FToI, {in.op(OpKind::Floor, {in.op(OpKind::FMul, {in.const_f64(0.5), in.op(OpKind::FAdd, {in.const_f64(1.0), root})})})});
        Value* col = in.op(OpKind::ISub, {p, row_major_position(in, r, in.const_i64(0))});
        Value* q = in.op(OpKind::IAdd, {column_start(in, col, k), in.op(OpKind::ISub, {in.op(OpKind::ISub, {r, col}), in.const_i64(1)})});
        in.yield({in.extract(u, q)});
      }
      auto [l, unused_jacobian] = constrain(ast::Constraint::CholeskyFactorCorr, gen->result(), shape);
      (void)unused_jacobian;
      Value* jac = loop(i0, free, {zero}, [&](Value* q, const auto& t) {
        Builder& in = *b_;
        Value* col = column_of(in, q, k);
        Value* z = tanh_of(in, in.extract(u, q));
        Value* log1m_z2 = in.op(OpKind::Log1p, {in.op(OpKind::FNeg, {in.op(OpKind::FMul, {z, z})})});
        Value* weight = in.op(OpKind::FAdd, {in.const_f64(1.0),
                                             in.op(OpKind::FMul, {in.const_f64(0.5),
                                                                  in.op(OpKind::IToF, {in.op(OpKind::ISub, {in.op(OpKind::ISub, {k, col}), in.const_i64(2)})})})});
        return std::vector<Value*>{in.op(OpKind::FAdd, {t[0], in.op(OpKind::FMul, {weight, log1m_z2})})};
      })[0];
      Value* kk = b.op(OpKind::IMul, {k, k});
      return {b.op(OpKind::MatMulNT, {l, l, k, k, k, kk}), jac};
    }
    case ast::Constraint::None: break;
  }
  VIC_UNREACHABLE() << "no transform for " << ast::constraint_name(c);
}

void FunctionLowering::declare_constrained_parameter(const ast::VarDecl& d, Value*& offset) {
  const ast::Constraint c = d.type.constraint;
  const bool jacobian = entry_.role == ir::EntryRole::LogDensity && entry_.jacobian;
  std::vector<Value*> dims = lower_dims(d.type);
  const size_t rank = shape_rank(c);
  std::vector<Value*> array_dims(dims.begin(), dims.end() - static_cast<long>(rank));
  std::vector<Value*> shape(dims.end() - static_cast<long>(rank), dims.end());
  Value* count = product(array_dims);
  Value* free = free_count(c, shape);
  Value* size = product(shape);
  Value* base = offset;
  b_->set_loc(d.loc);
  // Each element of an array in turn: its free values read from theta,
  // transformed, and written into the whole variable's tensor.
  std::vector<Value*> out = loop(
      b_->const_i64(0), count,
      {b_->splat(b_->op(OpKind::IMul, {count, size}), b_->const_f64(0.0),
                 add_check("out of memory: cannot allocate '" + d.name + "'", d.loc)),
       b_->const_f64(0.0)},
      [&](Value* a, const auto& carried) {
        Builder& in = *b_;
        Value* from = in.op(OpKind::IAdd, {base, in.op(OpKind::IMul, {a, free})});
        Op* u = in.create_generate(free, Type::F64, "j");
        {
          RegionScope scope(b_, u->region(0));
          b_->yield({b_->load(theta_, b_->op(OpKind::IAdd, {from, u->region(0).args[0]}))});
        }
        auto [x, jac] = constrain(c, u->result(), shape);
        Value* at = b_->op(OpKind::IMul, {a, size});
        Value* whole = loop(b_->const_i64(0), size, {carried[0]}, [&](Value* j, const auto& t) {
          return std::vector<Value*>{b_->insert(t[0], b_->op(OpKind::IAdd, {at, j}), b_->extract(x, j))};
        })[0];
        return std::vector<Value*>{whole, b_->op(OpKind::FAdd, {carried[1], jac})};
      });
  View view;
  view.dims = dims;
  view.root = &d;
  view.offset = b_->const_i64(0);
  view.whole_size = b_->op(OpKind::IMul, {count, size});
  view.tensor = out[0];
  view.tensor->hint = d.name;
  env_[&d].view = view;
  if (jacobian) add_to_target(out[1]);
  offset = b_->op(OpKind::IAdd, {offset, b_->op(OpKind::IMul, {count, free})});
}

// Whether x (one container, row-major) is of the type, to Stan's tolerance
// 1e-8 for sums and norms.
Value* FunctionLowering::valid_constrained(ast::Constraint c, Value* x, const std::vector<Value*>& shape) {
  Builder& b = *b_;
  Value* k = shape[0];
  Value* cols = shape.size() > 1 ? shape[1] : k;
  Value* i0 = b.const_i64(0);
  Value* zero = b.const_f64(0.0);
  auto far = [&](Builder& in, Value* a, Value* target) {
    return in.cmp(CmpPredicate::Gt, in.op(OpKind::Fabs, {in.op(OpKind::FSub, {a, target})}), in.const_f64(1e-8));
  };
  // The number of elements (flat index e) for which bad(e) holds, and the sum of f(e).
  auto count = [&](Value* n, const std::function<Value*(Builder&, Value*)>& bad) {
    return loop(i0, n, {i0}, [&](Value* e, const auto& t) {
      Builder& in = *b_;
      return std::vector<Value*>{in.op(OpKind::IAdd, {t[0], in.op(OpKind::Select, {bad(in, e), in.const_i64(1), in.const_i64(0)})})};
    })[0];
  };
  auto total = [&](Value* n, const std::function<Value*(Builder&, Value*)>& f) {
    return loop(i0, n, {zero}, [&](Value* e, const auto& t) {
      return std::vector<Value*>{b_->op(OpKind::FAdd, {t[0], f(*b_, e)})};
    })[0];
  };
  auto none = [&](Value* n) { return b_->cmp(CmpPredicate::Eq, n, b_->const_i64(0)); };
  auto both = [&](Value* p, Value* q) { return b_->op(OpKind::And, {p, q}); };
  auto element = [&](Builder& in, Value* e) { return in.extract(x, e); };
  auto previous_not_below = [&](Builder& in, Value* e) {
    // x_e <= x_{e-1} for e >= 1 (the index clamped so that e = 0 reads x_0).
    Value* before = in.extract(x, in.op(OpKind::Select, {in.cmp(CmpPredicate::Gt, e, in.const_i64(0)),
                                                          in.op(OpKind::ISub, {e, in.const_i64(1)}), e}));
    return in.op(OpKind::And, {in.cmp(CmpPredicate::Gt, e, in.const_i64(0)), in.cmp(CmpPredicate::Le, in.extract(x, e), before)});
  };
  switch (c) {
    case ast::Constraint::Simplex:
      return both(none(count(k, [&](Builder& in, Value* e) { return in.cmp(CmpPredicate::Lt, element(in, e), in.const_f64(0.0)); })),
                  b.op(OpKind::Not, {far(b, total(k, element), b.const_f64(1.0))}));
    case ast::Constraint::SumToZero:
      return b.op(OpKind::Not, {far(b, total(k, element), zero)});
    case ast::Constraint::Ordered:
      return none(count(k, previous_not_below));
    case ast::Constraint::PositiveOrdered:
      return none(count(k, [&](Builder& in, Value* e) {
        Value* first_not_positive = in.op(OpKind::And, {in.cmp(CmpPredicate::Eq, e, in.const_i64(0)),
                                                        in.cmp(CmpPredicate::Le, in.extract(x, e), in.const_f64(0.0))});
        return in.op(OpKind::Or, {first_not_positive, previous_not_below(in, e)});
      }));
    case ast::Constraint::UnitVector:
      return b.op(OpKind::Not, {far(b, total(k, [&](Builder& in, Value* e) {
        Value* v = in.extract(x, e);
        return in.op(OpKind::FMul, {v, v});
      }), b.const_f64(1.0))});
    case ast::Constraint::CholeskyFactorCorr:
    case ast::Constraint::CholeskyFactorCov: {
      // Lower triangular with a positive diagonal; a correlation factor's rows have unit length.
      Value* size = b.op(OpKind::IMul, {k, cols});
      Value* ok = none(count(size, [&](Builder& in, Value* e) {
        Value* i = in.op(OpKind::IDiv, {e, cols});
        Value* j = in.op(OpKind::IMod, {e, cols});
        Value* v = in.extract(x, e);
        Value* above = in.op(OpKind::And, {in.cmp(CmpPredicate::Gt, j, i), in.cmp(CmpPredicate::Ne, v, in.const_f64(0.0))});
        Value* diagonal = in.op(OpKind::And, {in.cmp(CmpPredicate::Eq, j, i), in.cmp(CmpPredicate::Le, v, in.const_f64(0.0))});
        return in.op(OpKind::Or, {above, diagonal});
      }));
      if (c == ast::Constraint::CholeskyFactorCov) return ok;
      Value* rows_off = count(k, [&](Builder& in, Value* i) {
        Value* row = in.op(OpKind::IMul, {i, k});
        Value* ss = loop(in.const_i64(0), k, {in.const_f64(0.0)}, [&](Value* j, const auto& t) {
          Value* v = b_->extract(x, b_->op(OpKind::IAdd, {row, j}));
          return std::vector<Value*>{b_->op(OpKind::FAdd, {t[0], b_->op(OpKind::FMul, {v, v})})};
        })[0];
        return far(*b_, ss, b_->const_f64(1.0));
      });
      return both(ok, none(rows_off));
    }
    case ast::Constraint::CovMatrix:
    case ast::Constraint::CorrMatrix: {
      // Symmetric and positive definite (its Cholesky factorisation succeeds); a correlation matrix's diagonal is 1.
      Value* kk = b.op(OpKind::IMul, {k, k});
      Value* asymmetric = count(kk, [&](Builder& in, Value* e) {
        Value* i = in.op(OpKind::IDiv, {e, k});
        Value* j = in.op(OpKind::IMod, {e, k});
        Value* v = in.extract(x, e);
        Value* w = in.extract(x, in.op(OpKind::IAdd, {in.op(OpKind::IMul, {j, k}), i}));
        Value* bad = far(in, v, w);
        if (c == ast::Constraint::CorrMatrix) {
          bad = in.op(OpKind::Or, {bad, in.op(OpKind::And, {in.cmp(CmpPredicate::Eq, i, j), far(in, v, in.const_f64(1.0))})});
        }
        return bad;
      });
      Op* call = b.kernel_call("cholesky", {x, k, kk});
      return both(none(asymmetric), b.cmp(CmpPredicate::Eq, call->results[1], b.const_i64(0)));
    }
    case ast::Constraint::None: break;
  }
  return b.const_bool(true);
}

void FunctionLowering::check_constrained_type(const ast::VarDecl& d, const char* what) {
  const ast::Constraint c = d.type.constraint;
  if (c == ast::Constraint::None) return;
  b_->set_loc(d.loc);
  const View& view = *env_[&d].view;
  const size_t rank = shape_rank(c);
  std::vector<Value*> array_dims(view.dims.begin(), view.dims.end() - static_cast<long>(rank));
  std::vector<Value*> shape(view.dims.end() - static_cast<long>(rank), view.dims.end());
  Value* per = product(shape);
  LExpr all = view_expr(view, false);
  Value* tensor = materialize(all);
  int64_t id = add_check(std::string(what) + " '" + d.name + "' is not a valid " + ast::constraint_name(c), d.loc);
  loop(b_->const_i64(0), product(array_dims), {}, [&](Value* a, const std::vector<Value*>&) {
    Value* x = b_->op(OpKind::TensorSlice, {tensor, b_->op(OpKind::IMul, {a, per}), per});
    b_->check(valid_constrained(c, x, shape), id);
    return std::vector<Value*>{};
  });
}

// The inverses (Stan's *_free), for values given on the constrained scale; a
// value that is not of the type is rejected with a message naming it.
Value* FunctionLowering::unconstrain_values(const ast::VarDecl& d, Value* x, const std::vector<Value*>& shape) {
  const ast::Constraint c = d.type.constraint;
  b_->check(valid_constrained(c, x, shape),
          add_check(std::string("parameter '") + d.name + "' is not a valid " + ast::constraint_name(c), d.loc));
  return free_values_of(c, x, shape);
}

Value* FunctionLowering::free_values_of(ast::Constraint c, Value* x, const std::vector<Value*>& shape) {
  Builder& b = *b_;
  Value* k = shape[0];
  Value* zero = b.const_f64(0.0);
  Value* i0 = b.const_i64(0);
  Value* one = b.const_i64(1);
  switch (c) {
    case ast::Constraint::Simplex: {
      // y_i = (sum_{j <= i} log x_j - i log x_{i+1}) / sqrt(i (i + 1)), i from 1.
      Value* n = b.op(OpKind::ISub, {k, one});
      return loop(i0, n, {b.splat(n, zero), zero}, [&](Value* i, const auto& c2) {
        Builder& in = *b_;
        Value* cumsum = in.op(OpKind::FAdd, {c2[1], in.op(OpKind::Log, {in.extract(x, i)})});
        Value* fn = in.op(OpKind::IToF, {in.op(OpKind::IAdd, {i, in.const_i64(1)})});
        Value* next = in.op(OpKind::Log, {in.extract(x, in.op(OpKind::IAdd, {i, in.const_i64(1)}))});
        Value* y = in.op(OpKind::FDiv, {in.op(OpKind::FSub, {cumsum, in.op(OpKind::FMul, {fn, next})}),
                                        in.op(OpKind::Sqrt, {in.op(OpKind::FMul, {fn, in.op(OpKind::FAdd, {fn, in.const_f64(1.0)})})})});
        return std::vector<Value*>{in.insert(c2[0], i, y), cumsum};
      })[0];
    }
    case ast::Constraint::SumToZero: {
      // Stan's sum_to_zero_free: from the last free value back.
      Value* n = b.op(OpKind::ISub, {k, one});
      auto fsqrt = [&](Builder& in, Value* a, Value* c2) {
        return in.op(OpKind::Sqrt, {in.op(OpKind::FMul, {a, c2})});
      };
      // y_{N-1} = -x_N sqrt(N (N + 1)) / N, written by a loop that runs once when N > 0.
      Value* has_any = b.cmp(CmpPredicate::Gt, n, i0);
      Value* y_init = loop(i0, b.op(OpKind::Select, {has_any, one, i0}), {b.splat(n, zero)}, [&](Value*, const auto& t) {
        Builder& in = *b_;
        Value* fn = in.op(OpKind::IToF, {n});
        Value* last = in.op(OpKind::FDiv, {in.op(OpKind::FMul, {in.op(OpKind::FNeg, {in.extract(x, n)}),
                                                                 fsqrt(in, fn, in.op(OpKind::FAdd, {fn, in.const_f64(1.0)}))}),
                                           fn});
        return std::vector<Value*>{in.insert(t[0], in.op(OpKind::ISub, {n, in.const_i64(1)}), last)};
      })[0];
      // Then i = N - 2 down to 0 (step s = 0 .. N - 2).
      Value* steps = b.op(OpKind::Select, {b.cmp(CmpPredicate::Gt, n, one), b.op(OpKind::ISub, {n, one}), i0});
      return loop(i0, steps, {y_init, zero}, [&](Value* s, const auto& c2) {
        Builder& in = *b_;
        Value* i = in.op(OpKind::ISub, {in.op(OpKind::ISub, {n, in.const_i64(2)}), s});
        Value* fn = in.op(OpKind::IToF, {in.op(OpKind::IAdd, {i, in.const_i64(1)})});
        Value* w = in.op(OpKind::FDiv, {in.extract(c2[0], in.op(OpKind::IAdd, {i, in.const_i64(1)})),
                                        fsqrt(in, in.op(OpKind::FAdd, {fn, in.const_f64(1.0)}),
                                              in.op(OpKind::FAdd, {fn, in.const_f64(2.0)}))});
        Value* sum_w = in.op(OpKind::FAdd, {c2[1], w});
        Value* y = in.op(OpKind::FDiv, {in.op(OpKind::FMul, {in.op(OpKind::FSub, {sum_w, in.extract(x, in.op(OpKind::IAdd, {i, in.const_i64(1)}))}),
                                                             fsqrt(in, fn, in.op(OpKind::FAdd, {fn, in.const_f64(1.0)}))}),
                                        fn});
        return std::vector<Value*>{in.insert(c2[0], i, y), sum_w};
      })[0];
    }
    case ast::Constraint::Ordered:
    case ast::Constraint::PositiveOrdered: {
      const bool positive = c == ast::Constraint::PositiveOrdered;
      return loop(i0, k, {b.splat(k, zero)}, [&](Value* i, const auto& t) {
        Builder& in = *b_;
        Value* first = in.cmp(CmpPredicate::Eq, i, in.const_i64(0));
        Value* xi = in.extract(x, i);
        Value* y = if_else(
            first, [&] { return positive ? b_->op(OpKind::Log, {xi}) : xi; },
            [&] {
              Value* gap = b_->op(OpKind::FSub, {xi, b_->extract(x, b_->op(OpKind::ISub, {i, b_->const_i64(1)}))});
              return b_->op(OpKind::Log, {gap});
            });
        return std::vector<Value*>{in.insert(t[0], i, y)};
      })[0];
    }
    case ast::Constraint::UnitVector:
      return x;
    case ast::Constraint::CholeskyFactorCorr: {
      // z = atanh of each below-diagonal value over what its row leaves.
      Value* free = free_count(c, shape);
      auto atanh = [](Builder& in, Value* v) {
        return in.op(OpKind::FMul, {in.const_f64(0.5), in.op(OpKind::FSub, {in.op(OpKind::Log1p, {v}),
                                                                            in.op(OpKind::Log1p, {in.op(OpKind::FNeg, {v})})})});
      };
      return loop(one, k, {b.splat(free, zero)}, [&](Value* i, const auto& outer) {
        Builder& in = *b_;
        Value* row = in.op(OpKind::IMul, {i, k});
        Value* first = in.op(OpKind::IDiv, {in.op(OpKind::IMul, {i, in.op(OpKind::ISub, {i, in.const_i64(1)})}), in.const_i64(2)});
        Value* x0 = in.extract(x, row);
        Value* y = in.insert(outer[0], first, atanh(in, x0));
        std::vector<Value*> inner = loop(in.const_i64(1), i, {y, in.op(OpKind::FMul, {x0, x0})}, [&](Value* j, const auto& t) {
          Builder& w = *b_;
          Value* v = w.extract(x, w.op(OpKind::IAdd, {row, j}));
          Value* z = atanh(w, w.op(OpKind::FDiv, {v, w.op(OpKind::Sqrt, {w.op(OpKind::FSub, {w.const_f64(1.0), t[1]})})}));
          return std::vector<Value*>{w.insert(t[0], w.op(OpKind::IAdd, {first, j}), z),
                                     w.op(OpKind::FAdd, {t[1], w.op(OpKind::FMul, {v, v})})};
        });
        return std::vector<Value*>{inner[0]};
      })[0];
    }
    case ast::Constraint::CholeskyFactorCov:
    case ast::Constraint::CovMatrix: {
      // The lower triangle row by row, the diagonal's log; a cov_matrix through its Cholesky factor.
      const bool cov = c == ast::Constraint::CovMatrix;
      Value* n_cols = cov ? k : shape[1];
      Value* l = x;
      if (cov) {
        Value* kk = b.op(OpKind::IMul, {k, k});
        Op* call = b.kernel_call("cholesky", {x, k, kk});
        l = call->results[0];
      }
      Value* free = free_count(c, shape);
      auto row_start = [](Builder& in, Value* m) {
        return in.op(OpKind::IDiv, {in.op(OpKind::IMul, {m, in.op(OpKind::IAdd, {m, in.const_i64(1)})}), in.const_i64(2)});
      };
      Value* triangle = row_start(b, n_cols);
      Op* gen = b.create_generate(free, Type::F64, "j");
      {
        RegionScope scope(b_, gen->region(0));
        Builder& in = *b_;
        Value* p = gen->region(0).args[0];
        // Position p is in the triangle's row m with m (m + 1) / 2 <= p, or below it.
        Value* value = if_else(
            in.cmp(CmpPredicate::Lt, p, triangle),
            [&] {
              Builder& t = *b_;
              // m = floor((sqrt(8p + 1) - 1) / 2), corrected for rounding.
              Value* guess = t.op(OpKind::FToI, {t.op(OpKind::FMul, {t.const_f64(0.5), t.op(OpKind::FSub, {t.op(OpKind::Sqrt, {t.op(OpKind::FAdd, {t.op(OpKind::FMul, {t.const_f64(8.0), t.op(OpKind::IToF, {p})}), t.const_f64(1.0)})}), t.const_f64(1.0)})})});
              Value* m = t.op(OpKind::Select, {t.cmp(CmpPredicate::Gt, row_start(t, guess), p), t.op(OpKind::ISub, {guess, t.const_i64(1)}), guess});
              m = t.op(OpKind::Select, {t.cmp(CmpPredicate::Le, row_start(t, t.op(OpKind::IAdd, {m, t.const_i64(1)})), p), t.op(OpKind::IAdd, {m, t.const_i64(1)}), m});
              Value* n = t.op(OpKind::ISub, {p, row_start(t, m)});
              Value* v = t.extract(l, t.op(OpKind::IAdd, {t.op(OpKind::IMul, {m, n_cols}), n}));
              return t.op(OpKind::Select, {t.cmp(CmpPredicate::Eq, n, m), t.op(OpKind::Log, {v}), v});
            },
            [&] {
              Builder& r = *b_;
              Value* q = r.op(OpKind::ISub, {p, triangle});
              Value* m = r.op(OpKind::IAdd, {n_cols, r.op(OpKind::IDiv, {q, n_cols})});
              return r.extract(l, r.op(OpKind::IAdd, {r.op(OpKind::IMul, {m, n_cols}), r.op(OpKind::IMod, {q, n_cols})}));
            });
        in.yield({value});
      }
      return gen->result();
    }
    case ast::Constraint::CorrMatrix: {
      // Its Cholesky factor's free values (row by row) in column order.
      Value* kk = b.op(OpKind::IMul, {k, k});
      Value* l = b.kernel_call("cholesky", {x, k, kk})->results[0];
      Value* free = free_count(c, shape);
      Value* rows = free_values_of(ast::Constraint::CholeskyFactorCorr, l, shape);
      Op* gen = b.create_generate(free, Type::F64, "q");
      {
        RegionScope scope(b_, gen->region(0));
        Builder& in = *b_;
        Value* q = gen->region(0).args[0];
        Value* col = column_of(in, q, k);
        Value* row = in.op(OpKind::IAdd, {in.op(OpKind::ISub, {q, column_start(in, col, k)}), in.op(OpKind::IAdd, {col, in.const_i64(1)})});
        in.yield({in.extract(rows, row_major_position(in, row, col))});
      }
      return gen->result();
    }
    case ast::Constraint::None: break;
  }
  VIC_UNREACHABLE() << "no inverse transform for " << ast::constraint_name(c);
}

}  // namespace vic::lower::internal
