// The derivative rules of the tensor ops and the kernels, as op_table_test
// checks the scalar ones: for r = op(inputs) and fixed weights w, the JVP's
// <w, dr> against a central finite difference of <w, r>, and against the
// VJP's sum_k <VJP_k(w), t_k> (both rules must describe one derivative).
// Inputs are drawn so the op is defined there: a symmetric positive definite
// matrix for cholesky (and eigen_sym), a lower-triangular one (its upper triangle junk that
// the kernel must ignore) for the triangular solves.
#include <gtest/gtest.h>

#include <cmath>
#include <algorithm>
#include <functional>
#include <random>

#include "codegen/jit.h"
#include "ir/builder.h"
#include "ir/kernels.h"
#include "ir/op_table.h"
#include "ir/passes/bufferize.h"

namespace vic {
namespace {

using ir::Builder;
using ir::CmpPredicate;
using ir::Op;
using ir::OpKind;
using ir::Type;
using ir::Value;

// How an input tensor is made from `size` parameters x (and its tangent from t).
enum class Prep {
  Plain,      // x
  Symmetric,  // (x + x') / 2 + n I, n x n; tangent (t + t') / 2
  Lower,      // x + 3 I, n x n; tangent t (a triangular solve reads the lower triangle)
};

struct Input {
  int64_t size;
  Prep prep = Prep::Plain;
};

struct TensorCase {
  const char* name;
  std::vector<Input> inputs;
  // Builds the op on the input tensors; returns it.
  std::function<Op*(Builder&, const std::vector<Value*>&)> make;
};

Value* i64(Builder& b, int64_t v) { return b.const_i64(v); }

Op* op_of(Value* v) { return v->def; }

const std::vector<TensorCase>& cases() {
  static const std::vector<TensorCase> all = {
      {"slice", {{5}}, [](Builder& b, const auto& in) { return op_of(b.op(OpKind::TensorSlice, {in[0], i64(b, 1), i64(b, 3)})); }},
      {"concat", {{3}, {2}}, [](Builder& b, const auto& in) { return op_of(b.op(OpKind::TensorConcat, {in[0], in[1], i64(b, 5)})); }},
      {"matvec", {{6}, {3}}, [](Builder& b, const auto& in) { return op_of(b.op(OpKind::MatVec, {in[0], in[1], i64(b, 2), i64(b, 3)})); }},
      {"matvec_t", {{6}, {2}}, [](Builder& b, const auto& in) { return op_of(b.op(OpKind::MatVecT, {in[0], in[1], i64(b, 2), i64(b, 3)})); }},
      {"matmul", {{6}, {6}}, [](Builder& b, const auto& in) {
         return op_of(b.op(OpKind::MatMul, {in[0], in[1], i64(b, 2), i64(b, 3), i64(b, 2), i64(b, 4)}));
       }},
      {"matmul_nt", {{6}, {6}}, [](Builder& b, const auto& in) {
         return op_of(b.op(OpKind::MatMulNT, {in[0], in[1], i64(b, 2), i64(b, 3), i64(b, 2), i64(b, 4)}));
       }},
      {"matmul_tn", {{6}, {6}}, [](Builder& b, const auto& in) {
         return op_of(b.op(OpKind::MatMulTN, {in[0], in[1], i64(b, 2), i64(b, 3), i64(b, 2), i64(b, 4)}));
       }},
      {"reduce_add", {{4}}, [](Builder& b, const auto& in) { return op_of(b.op(OpKind::ReduceAdd, {in[0]})); }},
      {"reduce_max", {{4}}, [](Builder& b, const auto& in) { return op_of(b.op(OpKind::ReduceMax, {in[0]})); }},
      {"reduce_lse", {{4}}, [](Builder& b, const auto& in) { return op_of(b.op(OpKind::ReduceLogSumExp, {in[0]})); }},
      {"cholesky", {{9, Prep::Symmetric}}, [](Builder& b, const auto& in) {
         return b.kernel_call("cholesky", {in[0], i64(b, 3), i64(b, 9)});
       }},
      {"tri_solve", {{9, Prep::Lower}, {6}}, [](Builder& b, const auto& in) {
         return b.kernel_call("tri_solve", {in[0], in[1], i64(b, 3), i64(b, 2), i64(b, 6)});
       }},
      {"tri_solve_t", {{9, Prep::Lower}, {6}}, [](Builder& b, const auto& in) {
         return b.kernel_call("tri_solve.t", {in[0], in[1], i64(b, 3), i64(b, 2), i64(b, 6)});
       }},
      // x + 3 I: a full matrix far from singular.
      {"inverse", {{9, Prep::Lower}}, [](Builder& b, const auto& in) {
         return b.kernel_call("inverse", {in[0], i64(b, 3), i64(b, 9)});
       }},
      {"log_determinant", {{9, Prep::Lower}}, [](Builder& b, const auto& in) {
         return b.kernel_call("log_determinant", {in[0], i64(b, 3), i64(b, 2)});
       }},
      // A random symmetric matrix: its eigenvalues are distinct.
      {"eigen_sym", {{9, Prep::Symmetric}}, [](Builder& b, const auto& in) {
         return b.kernel_call("eigen_sym", {in[0], i64(b, 3), i64(b, 12)});
       }},
      {"sort", {{5}}, [](Builder& b, const auto& in) { return b.kernel_call("sort", {in[0], i64(b, 0), i64(b, 5)}); }},
      {"sort_descending", {{5}}, [](Builder& b, const auto& in) {
         return b.kernel_call("sort", {in[0], i64(b, 1), i64(b, 5)});
       }},
  };
  return all;
}

// A tensor of `input.size` elements read from theta[offset..), prepared; the
// tangent form drops the constant part.
Value* prepared(Builder& b, Value* theta, int64_t offset, const Input& input, bool tangent) {
  const int64_t n = static_cast<int64_t>(std::lround(std::sqrt(static_cast<double>(input.size))));
  Op* gen = b.create_generate(i64(b, input.size), Type::F64, "k");
  Builder in(b.function(), gen->region(0));
  Value* k = gen->region(0).args[0];
  Value* x = in.load(theta, in.op(OpKind::IAdd, {in.const_i64(offset), k}));
  if (input.prep != Prep::Plain) {
    Value* i = in.op(OpKind::IDiv, {k, in.const_i64(n)});
    Value* j = in.op(OpKind::IMod, {k, in.const_i64(n)});
    if (input.prep == Prep::Symmetric) {
      Value* kt = in.op(OpKind::IAdd, {in.op(OpKind::IMul, {j, in.const_i64(n)}), i});
      Value* xt = in.load(theta, in.op(OpKind::IAdd, {in.const_i64(offset), kt}));
      x = in.op(OpKind::FMul, {in.op(OpKind::FAdd, {x, xt}), in.const_f64(0.5)});
    }
    if (!tangent) {
      const double diagonal = input.prep == Prep::Symmetric ? static_cast<double>(n) : 3.0;
      x = in.op(OpKind::FAdd, {x, in.op(OpKind::Select, {in.cmp(CmpPredicate::Eq, i, j), in.const_f64(diagonal),
                                                         in.const_f64(0.0)})});
    }
  }
  in.yield({x});
  return gen->result();
}

// <p, q> for two tensors of `size` elements, or p q for scalars.
Value* inner(Builder& b, Value* p, Value* q) {
  if (p->type == Type::F64) return b.op(OpKind::FMul, {p, q});
  Op* gen = b.create_generate(ir::tensor_size(p), Type::F64, "k");
  Builder in(b.function(), gen->region(0));
  Value* k = gen->region(0).args[0];
  in.yield({in.op(OpKind::FMul, {in.extract(p, k), in.extract(q, k)})});
  return b.op(OpKind::ReduceAdd, {gen->result()});
}

// @rules(theta, out): x = theta[0..m), t = theta[m..2m); out = [<w, r>, <w, jvp>, sum_k <vjp_k(w), t_k>].
struct Compiled {
  std::unique_ptr<codegen::JitModule> module;
  codegen::ConstrainFn fn;
};

Compiled compile_rules(const TensorCase& c, int64_t m) {
  ir::Program program;
  auto f = std::make_unique<ir::Function>(
      "rules", std::vector<ir::FunctionArg>{{"theta", Type::BufF64}, {"out", Type::BufF64}}, std::vector<Type>{});
  Builder b(*f, f->body);
  std::vector<Value*> xs, ts;
  int64_t offset = 0;
  for (const Input& input : c.inputs) {
    xs.push_back(prepared(b, f->arg(0), offset, input, false));
    ts.push_back(prepared(b, f->arg(0), m + offset, input, true));
    offset += input.size;
  }
  Op* op = c.make(b, xs);
  Value* r = op->results[0];
  Value* w = r->type == Type::F64 ? b.const_f64(1.0) : [&] {
    Op* gen = b.create_generate(ir::tensor_size(r), Type::F64, "k");
    Builder in(*f, gen->region(0));
    // w_i = 0.37 i - 0.5: weights of both signs, none equal.
    Value* i = in.op(OpKind::IToF, {gen->region(0).args[0]});
    in.yield({in.op(OpKind::FSub, {in.op(OpKind::FMul, {i, in.const_f64(0.37)}), in.const_f64(0.5)})});
    return gen->result();
  }();
  // Each operand's tangent: its input's, none for the sizes.
  std::vector<Value*> tangents;
  for (Value* x : op->operands) {
    auto it = std::find(xs.begin(), xs.end(), x);
    tangents.push_back(it == xs.end() ? nullptr : ts[static_cast<size_t>(it - xs.begin())]);
  }
  const ir::DerivativeSite site{b, op->kind, op->operands, r, op->name};
  const ir::OpInfo& info = ir::op_info(op->kind);
  Value* jvp = info.jvp(site, tangents);
  Value* vjp_sum = b.const_f64(0.0);
  for (size_t k = 0; k < op->operands.size(); ++k) {
    if (!tangents[k]) continue;
    Value* adj = info.vjp(site, k, w);
    if (adj) vjp_sum = b.op(OpKind::FAdd, {vjp_sum, inner(b, adj, tangents[k])});
  }
  b.store(f->arg(1), i64(b, 0), inner(b, w, r));
  b.store(f->arg(1), i64(b, 1), jvp ? inner(b, w, jvp) : b.const_f64(0.0));
  b.store(f->arg(1), i64(b, 2), vjp_sum);
  b.ret({});
  program.add(std::move(f));
  Expected<std::unique_ptr<codegen::JitModule>> module = codegen::jit_compile(ir::bufferize(program));
  EXPECT_TRUE(module) << (module ? "" : module.error());
  if (!module) return {};
  Compiled compiled;
  compiled.module = std::move(*module);
  compiled.fn = reinterpret_cast<codegen::ConstrainFn>(compiled.module->lookup("rules"));
  return compiled;
}

void PrintTo(const TensorCase& c, std::ostream* os) { *os << c.name; }

class TensorRules : public testing::TestWithParam<TensorCase> {};

TEST_P(TensorRules, JvpMatchesFiniteDifferencesAndTheVjp) {
  const TensorCase& c = GetParam();
  int64_t m = 0;
  for (const Input& input : c.inputs) m += input.size;
  Compiled rules = compile_rules(c, m);
  ASSERT_TRUE(rules.fn);
  codegen::VicJitContext ctx{};
  const int64_t sizes[] = {2 * m, 3};
  ctx.arg_sizes = sizes;
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> point(-1, 1);
  for (int trial = 0; trial < 10; ++trial) {
    std::vector<double> theta(static_cast<size_t>(2 * m)), out(3), plus(3), minus(3);
    for (double& v : theta) v = point(rng);
    rules.fn(theta.data(), out.data(), &ctx);
    const double h = 1e-6;
    std::vector<double> tp = theta, tm = theta;
    for (int64_t k = 0; k < m; ++k) {
      tp[static_cast<size_t>(k)] += h * theta[static_cast<size_t>(m + k)];
      tm[static_cast<size_t>(k)] -= h * theta[static_cast<size_t>(m + k)];
    }
    rules.fn(tp.data(), plus.data(), &ctx);
    rules.fn(tm.data(), minus.data(), &ctx);
    const double fd = (plus[0] - minus[0]) / (2 * h);
    const double scale = std::max(1.0, std::fabs(fd));
    EXPECT_NEAR(out[1], fd, 1e-6 * scale) << c.name << " jvp at trial " << trial;
    EXPECT_NEAR(out[1], out[2], 1e-10 * scale) << c.name << " jvp and vjp disagree at trial " << trial;
  }
}

INSTANTIATE_TEST_SUITE_P(EveryTensorOpAndKernel, TensorRules, testing::ValuesIn(cases()),
                         [](const testing::TestParamInfo<TensorCase>& info) { return std::string(info.param.name); });

// Every tensor op and kernel with derivative rules has a case above.
TEST(TensorRules, EveryTensorRuleIsTested) {
  for (int k = 0; k <= static_cast<int>(OpKind::RngCall); ++k) {
    const ir::OpInfo& info = ir::op_info(static_cast<OpKind>(k));
    const bool tensor = info.signature == ir::Signature::MatVec || info.signature == ir::Signature::MatMul ||
                        info.signature == ir::Signature::T_F || info.signature == ir::Signature::Slice ||
                        info.signature == ir::Signature::Concat;
    if (!info.vjp || !tensor) continue;
    std::string spelling = info.spelling;
    bool tested = false;
    for (const TensorCase& c : cases()) {
      std::string name = c.name;
      for (char& ch : name)
        if (ch == '_') ch = '.';
      tested |= name == spelling || "tensor." + name == spelling ||
                "tensor.reduce." + name.substr(name.find('.') + 1) == spelling;
    }
    EXPECT_TRUE(tested) << spelling << " has derivative rules but no test here";
  }
  for (const ir::KernelInfo& kernel : ir::all_kernels()) {
    // The ODE solvers need a right-hand side: tests/e2e/ode_test.cpp.
    if (!kernel.vjp || kernel.calls_function) continue;
    bool tested = false;
    for (const TensorCase& c : cases()) {
      std::string name = c.name;
      if (name == "tri_solve_t") name = "tri_solve.t";
      tested |= name == kernel.name;
    }
    EXPECT_TRUE(tested) << "kernel " << kernel.name << " has derivative rules but no test here";
    EXPECT_NE(kernel.jvp, nullptr) << "kernel " << kernel.name << " has a VJP but no JVP";
  }
}

}  // namespace
}  // namespace vic
