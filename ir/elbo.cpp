// The ELBO template: the draws loop, each family's reparameterisation and
// entropy, and the model's log density inlined into the loop's body.
#include "ir/elbo.h"

#include <cmath>
#include <numbers>
#include <unordered_set>

#include "ir/ad/reverse_mode.h"
#include "ir/builder.h"
#include "ir/op_table.h"
#include "ir/rewriter.h"

namespace vic::ir {
namespace {

// Whether `op` and everything in its regions reads only `outside` values (and
// its own), with no effect but checks: it gives the same result wherever it runs.
bool depends_only_on(const Op& op, const std::unordered_set<const Value*>& outside,
                     std::unordered_set<const Value*>& inner) {
  const Effect effect = op_info(op.kind).effect;
  if (effect != Effect::Pure && effect != Effect::Input && effect != Effect::Region && effect != Effect::Checks &&
      op.kind != OpKind::Yield)
    return false;
  for (const Value* x : op.operands)
    if (!outside.count(x) && !inner.count(x)) return false;
  for (const auto& region : op.regions) {
    for (const Value* a : region->args) inner.insert(a);
    for (const auto& nested : region->ops) {
      if (!depends_only_on(*nested, outside, inner)) return false;
      for (const Value* r : nested->results) inner.insert(r);
    }
  }
  return true;
}

// The top-level ops of `f` that depend on none of its arguments (the data's
// transformed values, data-only sums and their checks): an ELBO computes them
// once, before its draws' loop, rather than at every draw.
std::unordered_set<const Op*> argument_free_ops(const Function& f) {
  std::unordered_set<const Op*> ops;
  std::unordered_set<const Value*> free_values;
  for (const auto& op : f.body.ops) {
    if (op->kind == OpKind::Return) continue;
    std::unordered_set<const Value*> inner;
    if (!depends_only_on(*op, free_values, inner)) continue;
    ops.insert(op.get());
    for (const Value* r : op->results) free_values.insert(r);
  }
  return ops;
}

// How an inlined function's buffer argument is bound: its loads and stores
// go to `buffer` at `offset` + their index, or (a parameter vector now held
// as a tensor) its loads become extracts from `tensor`.
struct ArgBinding {
  Value* buffer = nullptr;
  Value* offset = nullptr;
  Value* tensor = nullptr;
};

// Copies a function's body into a block, its arguments bound as given; the
// value it returned is the result.
class Inliner : public Rewriter {
 public:
  Inliner(const Function& source, Function& target, std::vector<ArgBinding> bindings)
      : source_(source), bindings_(std::move(bindings)) {
    target_ = &target;
    VIC_CHECK(bindings_.size() == source.body.args.size()) << "inlining @" << source.name << ": arguments";
  }

  Value* inline_into(Builder& b) {
    rewrite_block(source_.body, b.block(), b);
    VIC_CHECK(result_) << "inlining @" << source_.name << ": no return";
    return result_;
  }

  // Copies the top-level ops in `ops` (with their regions) to the end of b's
  // block, in order: the part of the function that can run elsewhere.
  void inline_top_level(Builder& b, const std::unordered_set<const Op*>& ops) {
    for (const auto& op : source_.body.ops) {
      if (!ops.count(op.get())) continue;
      b.set_loc(op->loc);
      rewrite_op(*op, b);
    }
  }

  // Then the rest: every other top-level op, binding the arguments now.
  Value* inline_rest(Builder& b, const std::unordered_set<const Op*>& done, std::vector<ArgBinding> bindings) {
    bindings_ = std::move(bindings);
    for (const auto& op : source_.body.ops) {
      if (done.count(op.get())) continue;
      b.set_loc(op->loc);
      rewrite_op(*op, b);
    }
    VIC_CHECK(result_) << "inlining @" << source_.name << ": no return";
    return result_;
  }

 protected:
  void rewrite_op(const Op& op, Builder& b) override {
    if (op.kind == OpKind::Return) {
      VIC_CHECK(op.operands.size() == 1) << "inlining @" << source_.name << ": it must return one f64";
      result_ = get(op.operands[0]);
      return;
    }
    if ((op.kind == OpKind::Load || op.kind == OpKind::Store) && argument(op.operands[0])) {
      const ArgBinding& bound = *argument(op.operands[0]);
      Value* index = get(op.operands[1]);
      if (op.kind == OpKind::Load && bound.tensor) {
        map(op.result(), b.extract(bound.tensor, index));
        return;
      }
      VIC_CHECK(bound.buffer) << "inlining @" << source_.name << ": a store into a parameter tensor";
      if (bound.offset) index = b.op(OpKind::IAdd, {bound.offset, index});
      if (op.kind == OpKind::Load) {
        map(op.result(), b.load(bound.buffer, index));
      } else {
        b.store(bound.buffer, index, get(op.operands[2]));
      }
      return;
    }
    for (const Value* x : op.operands)
      VIC_CHECK(!argument(x)) << "inlining @" << source_.name << ": an argument used other than by loads and stores";
    copy_op(op, b);
  }

 private:
  const ArgBinding* argument(const Value* v) const {
    for (size_t k = 0; k < bindings_.size(); ++k)
      if (source_.arg(k) == v) return &bindings_[k];
    return nullptr;
  }

  const Function& source_;
  std::vector<ArgBinding> bindings_;
  Value* result_ = nullptr;
};

ArgBinding bind_tensor(Value* tensor) {
  ArgBinding a;
  a.tensor = tensor;
  return a;
}
ArgBinding bind_buffer(Value* buffer, Value* offset = nullptr) {
  ArgBinding a;
  a.buffer = buffer;
  a.offset = offset;
  return a;
}

class ElboBuilder {
 public:
  ElboBuilder(Program& program, ElboFamily family, Function& f)
      : program_(program), family_(family), f_(f), b_(f, f.body) {}

  // @elbo_<family>(phi, draws, shape, shift, scale): the density inlined at each draw.
  void build_value(const Function& density) {
    start(f_.arg(0), f_.arg(1), f_.arg(2), f_.arg(3), f_.arg(4));
    DrawsLoop loop = draws_loop();
    Value* lp = Inliner(density, f_, {bind_tensor(loop.zeta)}).inline_into(loop.body);
    finish(loop, lp);
  }

  // @elbo_<family>.surrogate(phi, draws, shape, shift, scale, dlp):
  // (1/B) sum_b dlp_b . zeta_b + H(phi), dlp_b = d lp / d zeta at draw b held
  // fixed: its gradient is the ELBO's (the chain rule through the family and
  // the map), so AD of this small function writes the family's pull-back.
  void build_surrogate() {
    start(f_.arg(0), f_.arg(1), f_.arg(2), f_.arg(3), f_.arg(4));
    Value* dlp = f_.arg(5);
    DrawsLoop loop = draws_loop();
    Builder& in = loop.body;
    Op* dot = in.create_for(in.const_i64(0), dim_, {in.const_f64(0.0)}, "i");
    Builder d(f_, dot->region(0));
    Value* i = dot->region(0).args[0];
    Value* g = d.load(dlp, d.op(OpKind::IAdd, {loop.base, i}));
    d.yield({d.op(OpKind::FAdd, {dot->region(0).args[1], d.op(OpKind::FMul, {g, d.extract(loop.zeta, i)})})});
    finish(loop, dot->result());
  }

  // @elbo_<family>_grad(phi, grad, draws, shape, shift, scale): at each draw
  // the density's own gradient function (AD's @lp_grad, inlined, its
  // gradient kept per draw), then the surrogate's gradient (inlined) pulls
  // them back to phi. The model's work per draw is lp_grad's, once: AD of the
  // whole ELBO would recompute each draw's density in its reverse loop.
  void build_gradient(const Function& density_gradient, const Function& surrogate_gradient) {
    start(f_.arg(0), f_.arg(2), f_.arg(3), f_.arg(4), f_.arg(5));
    Value* grad = f_.arg(1);
    program_.checks.push_back({"out of memory: cannot allocate the ELBO's gradients at its draws", SourceLoc{}, true});
    Value* dlp = b_.alloc(Type::F64, b_.op(OpKind::IMul, {num_draws_, dim_}),
                          static_cast<int64_t>(program_.checks.size() - 1), "dlp");
    // What the density computes from the data alone runs once, before the draws.
    const std::unordered_set<const Op*> data_only = argument_free_ops(density_gradient);
    Inliner density(density_gradient, f_, {ArgBinding{}, ArgBinding{}});
    density.inline_top_level(b_, data_only);
    DrawsLoop loop = draws_loop();
    Value* lp = density.inline_rest(loop.body, data_only, {bind_tensor(loop.zeta), bind_buffer(dlp, loop.base)});
    Op* draws = loop.op;
    loop.body.yield({loop.body.op(OpKind::FAdd, {draws->region(0).args[1], lp})});
    Inliner(surrogate_gradient, f_,
            {bind_buffer(phi_), bind_buffer(grad), bind_buffer(draws_), bind_buffer(shape_), bind_buffer(shift_),
             bind_buffer(scale_), bind_buffer(dlp)})
        .inline_into(b_);
    Value* mean = b_.op(OpKind::FDiv, {draws->result(), b_.op(OpKind::IToF, {num_draws_})});
    b_.ret({b_.op(OpKind::FAdd, {mean, entropy()})});
  }

 private:
  struct DrawsLoop {
    Op* op;
    Builder body;
    Value* base;  // the draw's first element in `draws`
    Value* zeta;
  };

  void start(Value* phi, Value* draws, Value* shape, Value* shift, Value* scale) {
    phi_ = phi;
    draws_ = draws;
    shape_ = shape;
    shift_ = shift;
    scale_ = scale;
    num_draws_ = b_.load(shape, b_.const_i64(0));
    num_draws_->hint = "num_draws";
    // The dimension from the layout: a constant once the data sizes are bound,
    // so the draws' buffers are fixed-size (on the stack) and loops unroll.
    dim_ = layout_dimension(program_.layout);
    if (dim_) {
      program_.checks.push_back({"the ELBO's draws do not have the model's dimension", SourceLoc{}, true});
      b_.check(b_.cmp(CmpPredicate::Eq, b_.load(shape, b_.const_i64(1)), dim_),
               static_cast<int64_t>(program_.checks.size() - 1));
    } else {
      dim_ = b_.load(shape, b_.const_i64(1));
    }
    dim_->hint = "dim";
  }

  // for draw < B, summing what the body yields; zeta = map(T(phi, eta_draw)).
  DrawsLoop draws_loop() {
    Op* loop = b_.create_for(b_.const_i64(0), num_draws_, {b_.const_f64(0.0)}, "draw");
    DrawsLoop d{loop, Builder(f_, loop->region(0)), nullptr, nullptr};
    d.base = d.body.op(OpKind::IMul, {loop->region(0).args[0], dim_});
    Value* z = reparameterise(d.body, d.base);
    z->hint = "z";
    d.zeta = map(d.body, z);
    d.zeta->hint = "zeta";
    return d;
  }

  // Ends the draws loop adding `term`, and returns (1/B) sum + H.
  void finish(DrawsLoop& loop, Value* term) {
    loop.body.yield({loop.body.op(OpKind::FAdd, {loop.op->region(0).args[1], term})});
    Value* mean = b_.op(OpKind::FDiv, {loop.op->result(), b_.op(OpKind::IToF, {num_draws_})});
    b_.ret({b_.op(OpKind::FAdd, {mean, entropy()})});
  }

  Value* phi(Builder& b, Value* offset, Value* i) { return b.load(phi_, b.op(OpKind::IAdd, {offset, i})); }

  // zeta = T(phi, eta) for the draw at `base` in draws.
  Value* reparameterise(Builder& b, Value* base) {
    Op* gen = b.create_generate(dim_, Type::F64, "i");
    Builder in(f_, gen->region(0));
    Value* i = gen->region(0).args[0];
    Value* scaled =
        in.op(OpKind::FMul, {in.op(OpKind::Exp, {phi(in, dim_, i)}), in.load(draws_, in.op(OpKind::IAdd, {base, i}))});
    Value* zeta = in.op(OpKind::FAdd, {phi(in, in.const_i64(0), i), scaled});
    if (family_ == ElboFamily::FullRank) {
      // + sum_{j < i} L[i][j] eta[j], row i of L's strict lower part starting
      // at 2D + i (i - 1) / 2.
      Value* row =
          in.op(OpKind::IAdd, {in.op(OpKind::IMul, {in.const_i64(2), dim_}),
                               in.op(OpKind::IDiv, {in.op(OpKind::IMul, {i, in.op(OpKind::ISub, {i, in.const_i64(1)})}),
                                                    in.const_i64(2)})});
      Op* sum = in.create_for(in.const_i64(0), i, {zeta}, "j");
      Builder s(f_, sum->region(0));
      Value* j = sum->region(0).args[0];
      Value* term = s.op(OpKind::FMul, {phi(s, row, j), s.load(draws_, s.op(OpKind::IAdd, {base, j}))});
      s.yield({s.op(OpKind::FAdd, {sum->region(0).args[1], term})});
      zeta = sum->result();
    }
    in.yield({zeta});
    return gen->result();
  }

  // zeta = shift + A z: A diagonal for the mean-field family, lower
  // triangular (D x D, column-major) for the full-rank one.
  Value* map(Builder& b, Value* z) {
    Op* gen = b.create_generate(dim_, Type::F64, "i");
    Builder in(f_, gen->region(0));
    Value* i = gen->region(0).args[0];
    Value* az = nullptr;
    if (family_ == ElboFamily::MeanField) {
      az = in.op(OpKind::FMul, {in.load(scale_, i), in.extract(z, i)});
    } else {
      // sum_{j <= i} A[i + j D] z[j]
      Op* sum = in.create_for(in.const_i64(0), in.op(OpKind::IAdd, {i, in.const_i64(1)}), {in.const_f64(0.0)}, "j");
      Builder s(f_, sum->region(0));
      Value* j = sum->region(0).args[0];
      Value* a = s.load(scale_, s.op(OpKind::IAdd, {i, s.op(OpKind::IMul, {j, dim_})}));
      s.yield({s.op(OpKind::FAdd, {sum->region(0).args[1], s.op(OpKind::FMul, {a, s.extract(z, j)})})});
      az = sum->result();
    }
    in.yield({in.op(OpKind::FAdd, {in.load(shift_, i), az})});
    return gen->result();
  }

  // H = sum of the log scales + D/2 (1 + log 2 pi), the same for both families.
  Value* entropy() {
    Op* sum = b_.create_for(b_.const_i64(0), dim_, {b_.const_f64(0.0)}, "d");
    Builder in(f_, sum->region(0));
    in.yield({in.op(OpKind::FAdd, {sum->region(0).args[1], phi(in, dim_, sum->region(0).args[0])})});
    const double per_dim = 0.5 * (1.0 + std::log(2.0 * std::numbers::pi));
    Value* constant = b_.op(OpKind::FMul, {b_.const_f64(per_dim), b_.op(OpKind::IToF, {dim_})});
    return b_.op(OpKind::FAdd, {sum->result(), constant});
  }

  // The number of unconstrained parameters as an i64, from the data ints the
  // sizes name; null when a size needs more than integer arithmetic.
  Value* layout_dimension(const ProgramLayout& layout) {
    Value* total = b_.const_i64(0);
    for (const LayoutVariable& v : layout.variables) {
      if (v.block != OutputBlock::Parameters) continue;
      // A constrained type's free values are fewer: the draws' own dimension is used.
      if (v.transform > Transform::OffsetMultiplier) return nullptr;
      Value* n = b_.const_i64(1);
      for (const SizeExpr& d : v.dims) {
        Value* x = size(d);
        if (!x) return nullptr;
        n = b_.op(OpKind::IMul, {n, x});
      }
      total = b_.op(OpKind::IAdd, {total, n});
    }
    return total;
  }

  Value* size(const SizeExpr& e) {
    switch (e.kind) {
      case SizeExpr::Kind::Int:
        return b_.const_i64(e.integer);
      case SizeExpr::Kind::Data:
        return b_.data_int(e.text);
      case SizeExpr::Kind::Binary: {
        Value* acc = size(e.operands.at(0));
        for (size_t k = 0; acc && k < e.steps.size(); ++k) {
          Value* y = size(e.operands.at(k + 1));
          if (!y) return nullptr;
          switch (e.steps[k].op) {
            case SizeExpr::Op::Add:
              acc = b_.op(OpKind::IAdd, {acc, y});
              break;
            case SizeExpr::Op::Sub:
              acc = b_.op(OpKind::ISub, {acc, y});
              break;
            case SizeExpr::Op::Mul:
              acc = b_.op(OpKind::IMul, {acc, y});
              break;
            default:
              return nullptr;
          }
        }
        return acc;
      }
      default:
        return nullptr;
    }
  }

  Program& program_;
  ElboFamily family_;
  Function& f_;
  Builder b_;
  Value* phi_ = nullptr;
  Value* draws_ = nullptr;
  Value* shape_ = nullptr;
  Value* num_draws_ = nullptr;
  Value* shift_ = nullptr;
  Value* scale_ = nullptr;
  Value* dim_ = nullptr;
};

}  // namespace

const char* elbo_family_name(ElboFamily family) { return family == ElboFamily::MeanField ? "meanfield" : "fullrank"; }

ElboFamily elbo_family(EntryPoint e) {
  VIC_CHECK(entry_point_info(e).role == EntryRole::Elbo) << "@" << entry_point_symbol(e) << " is not an ELBO";
  return e == EntryPoint::ElboMeanField || e == EntryPoint::ElboGradientMeanField ? ElboFamily::MeanField
                                                                                  : ElboFamily::FullRank;
}

EntryPoint elbo_entry_point(ElboFamily family, bool gradient) {
  if (family == ElboFamily::MeanField) return gradient ? EntryPoint::ElboGradientMeanField : EntryPoint::ElboMeanField;
  return gradient ? EntryPoint::ElboGradientFullRank : EntryPoint::ElboFullRank;
}

namespace {

std::vector<FunctionArg> elbo_args(bool gradient) {
  std::vector<FunctionArg> args{{"phi", Type::BufF64}};
  if (gradient) args.push_back({"grad", Type::BufF64});
  for (const FunctionArg& a : std::vector<FunctionArg>{
           {"draws", Type::BufF64}, {"shape", Type::BufI64}, {"shift", Type::BufF64}, {"scale", Type::BufF64}})
    args.push_back(a);
  return args;
}

}  // namespace

std::string elbo_surrogate_name(ElboFamily family) {
  return std::string("elbo_") + elbo_family_name(family) + ".surrogate";
}

void add_elbo_function(Program& program, ElboFamily family, const std::string& density, const std::string& name) {
  const Function* lp = program.find(density);
  VIC_CHECK(lp) << "no log density @" << density << " for the ELBO";
  auto f = std::make_unique<Function>(name, elbo_args(false), std::vector<Type>{Type::F64});
  ElboBuilder(program, family, *f).build_value(*lp);
  program.add(std::move(f));
}

void add_elbo_surrogate(Program& program, ElboFamily family) {
  std::vector<FunctionArg> args = elbo_args(false);
  args.push_back({"dlp", Type::BufF64});
  auto f = std::make_unique<Function>(elbo_surrogate_name(family), args, std::vector<Type>{Type::F64});
  ElboBuilder(program, family, *f).build_surrogate();
  program.add(std::move(f));
}

void differentiate_elbo_surrogate(Program& program, ElboFamily family) {
  const std::string density_gradient = entry_point_symbol(EntryPoint::GradientProptoJacobian);
  if (!program.find(density_gradient))
    add_gradient_function(program, entry_point_symbol(entry_point_value(EntryPoint::GradientProptoJacobian)),
                          density_gradient);
  const std::string surrogate = elbo_surrogate_name(family);
  add_gradient_function(program, surrogate, surrogate + "_grad");
}

void add_elbo_gradient(Program& program, ElboFamily family, const std::string& name) {
  const Function* density_gradient = program.find(entry_point_symbol(EntryPoint::GradientProptoJacobian));
  const std::string surrogate = elbo_surrogate_name(family);
  const std::string surrogate_gradient = surrogate + "_grad";
  VIC_CHECK(density_gradient && program.find(surrogate_gradient))
      << "add_elbo_gradient runs after differentiate_elbo_surrogate";
  auto f = std::make_unique<Function>(name, elbo_args(true), std::vector<Type>{Type::F64});
  ElboBuilder(program, family, *f).build_gradient(*density_gradient, *program.find(surrogate_gradient));
  program.add(std::move(f));
  // Inlined: not compiled on their own.
  std::erase_if(program.functions,
                [&](const auto& fn) { return fn->name == surrogate || fn->name == surrogate_gradient; });
}

}  // namespace vic::ir
