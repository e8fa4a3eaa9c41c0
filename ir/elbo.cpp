// The ELBO template: the draws loop, each family's reparameterisation and
// entropy, and the model's log density inlined into the loop's body.
#include "ir/elbo.h"

#include <cmath>
#include <numbers>

#include "ir/builder.h"
#include "ir/rewriter.h"

namespace vic::ir {
namespace {

// Copies a log density's body into a block, reading the parameters from the
// tensor `zeta` instead of the buffer theta; the returned value is what the
// density returned.
class DensityInliner : public Rewriter {
 public:
  DensityInliner(const Function& density, Function& target, Value* zeta)
      : density_(density), zeta_(zeta) {
    target_ = &target;
  }

  Value* inline_into(Builder& b) {
    rewrite_block(density_.body, b.block(), b);
    VIC_CHECK(result_) << "the log density @" << density_.name << " has no return";
    return result_;
  }

 protected:
  void rewrite_op(const Op& op, Builder& b) override {
    if (op.kind == OpKind::Return) {
      VIC_CHECK(op.operands.size() == 1) << "a log density returns one f64";
      result_ = get(op.operands[0]);
      return;
    }
    if (op.kind == OpKind::Load && op.operands[0] == density_.arg(0)) {
      map(op.result(), b.extract(zeta_, get(op.operands[1])));
      return;
    }
    for (const Value* x : op.operands)
      VIC_CHECK(x != density_.arg(0)) << "the ELBO template reads theta only through loads";
    copy_op(op, b);
  }

 private:
  const Function& density_;
  Value* zeta_;
  Value* result_ = nullptr;
};

class ElboBuilder {
 public:
  ElboBuilder(ElboFamily family, Function& f) : family_(family), f_(f), b_(f, f.body) {}

  void build(const Function& density) {
    phi_ = f_.arg(0);
    draws_ = f_.arg(1);
    Value* shape = f_.arg(2);
    Value* num_draws = b_.load(shape, b_.const_i64(0));
    dim_ = b_.load(shape, b_.const_i64(1));
    num_draws->hint = "num_draws";
    dim_->hint = "dim";
    Op* loop = b_.create_for(b_.const_i64(0), num_draws, {b_.const_f64(0.0)}, "draw");
    Builder in(f_, loop->region(0));
    Value* draw = loop->region(0).args[0];
    Value* zeta = reparameterise(in, in.op(OpKind::IMul, {draw, dim_}));
    zeta->hint = "zeta";
    Value* lp = DensityInliner(density, f_, zeta).inline_into(in);
    in.yield({in.op(OpKind::FAdd, {loop->region(0).args[1], lp})});
    Value* mean = b_.op(OpKind::FDiv, {loop->result(), b_.op(OpKind::IToF, {num_draws})});
    b_.ret({b_.op(OpKind::FAdd, {mean, entropy()})});
  }

 private:
  Value* phi(Builder& b, Value* offset, Value* i) { return b.load(phi_, b.op(OpKind::IAdd, {offset, i})); }

  // zeta = T(phi, eta) for the draw at `base` in draws.
  Value* reparameterise(Builder& b, Value* base) {
    Op* gen = b.create_generate(dim_, Type::F64, "i");
    Builder in(f_, gen->region(0));
    Value* i = gen->region(0).args[0];
    Value* scaled = in.op(OpKind::FMul, {in.op(OpKind::Exp, {phi(in, dim_, i)}),
                                         in.load(draws_, in.op(OpKind::IAdd, {base, i}))});
    Value* zeta = in.op(OpKind::FAdd, {phi(in, in.const_i64(0), i), scaled});
    if (family_ == ElboFamily::FullRank) {
      // + sum_{j < i} L[i][j] eta[j], row i of L's strict lower part starting
      // at 2D + i (i - 1) / 2.
      Value* row = in.op(OpKind::IAdd,
                         {in.op(OpKind::IMul, {in.const_i64(2), dim_}),
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

  // H = sum of the log scales + D/2 (1 + log 2 pi), the same for both families.
  Value* entropy() {
    Op* sum = b_.create_for(b_.const_i64(0), dim_, {b_.const_f64(0.0)}, "d");
    Builder in(f_, sum->region(0));
    in.yield({in.op(OpKind::FAdd, {sum->region(0).args[1], phi(in, dim_, sum->region(0).args[0])})});
    const double per_dim = 0.5 * (1.0 + std::log(2.0 * std::numbers::pi));
    Value* constant = b_.op(OpKind::FMul, {b_.const_f64(per_dim), b_.op(OpKind::IToF, {dim_})});
    return b_.op(OpKind::FAdd, {sum->result(), constant});
  }

  ElboFamily family_;
  Function& f_;
  Builder b_;
  Value* phi_ = nullptr;
  Value* draws_ = nullptr;
  Value* dim_ = nullptr;
};

}  // namespace

const char* elbo_family_name(ElboFamily family) {
  return family == ElboFamily::MeanField ? "meanfield" : "fullrank";
}

ElboFamily elbo_family(EntryPoint e) {
  VIC_CHECK(entry_point_info(e).role == EntryRole::Elbo) << "@" << entry_point_symbol(e) << " is not an ELBO";
  return e == EntryPoint::ElboMeanField || e == EntryPoint::ElboGradientMeanField ? ElboFamily::MeanField
                                                                                   : ElboFamily::FullRank;
}

EntryPoint elbo_entry_point(ElboFamily family, bool gradient) {
  if (family == ElboFamily::MeanField) return gradient ? EntryPoint::ElboGradientMeanField : EntryPoint::ElboMeanField;
  return gradient ? EntryPoint::ElboGradientFullRank : EntryPoint::ElboFullRank;
}

void add_elbo_function(Program& program, ElboFamily family, const std::string& density, const std::string& name) {
  const Function* lp = program.find(density);
  VIC_CHECK(lp) << "no log density @" << density << " for the ELBO";
  auto f = std::make_unique<Function>(
      name, std::vector<FunctionArg>{{"phi", Type::BufF64}, {"draws", Type::BufF64}, {"shape", Type::BufI64}},
      std::vector<Type>{Type::F64});
  ElboBuilder(family, *f).build(*lp);
  program.add(std::move(f));
}

}  // namespace vic::ir
