// The kernel table (kernels.h): each kernel's operands and its derivative
// rules as IR, one line of maths above each.
#include "ir/kernels.h"

#include <functional>

#include "ir/builder.h"

namespace vic::ir {
namespace {

using D = DerivativeSite;
using Tangents = std::vector<Value*>;

Value* call(Builder& b, const char* kernel, const std::vector<Value*>& args) {
  return b.kernel_call(kernel, args)->results[0];
}

Value* mul(Builder& b, Value* p, Value* q) { return b.op(OpKind::IMul, {p, q}); }

// An n x n matrix whose element (i, j) is f(i, j, element (i, j) of m).
Value* per_element(Builder& b, Value* m, Value* n,
                   const std::function<Value*(Builder&, Value* i, Value* j, Value* x)>& f) {
  Op* gen = b.create_generate(mul(b, n, n), Type::F64, "k");
  Builder in(b.function(), gen->region(0));
  Value* k = gen->region(0).args[0];
  in.yield({f(in, in.op(OpKind::IDiv, {k, n}), in.op(OpKind::IMod, {k, n}), in.extract(m, k))});
  return gen->result();
}

// scale * m on and below the diagonal, 0 above: what of a matrix (a tangent,
// an adjoint) a kernel reading only its lower triangle sees.
Value* lower(Builder& b, Value* m, Value* n, double scale = 1.0) {
  return per_element(b, m, n, [scale](Builder& in, Value* i, Value* j, Value* x) {
    Value* scaled = scale == 1.0 ? x : in.op(OpKind::FMul, {x, in.const_f64(scale)});
    return in.op(OpKind::Select, {in.cmp(CmpPredicate::Le, j, i), scaled, in.const_f64(0.0)});
  });
}

// p - q element by element, a null p being zero (q is not null).
Value* subtract(Builder& b, Value* p, Value* q) {
  if (!q) return p;
  Op* gen = b.create_generate(tensor_size(q), Type::F64, "k");
  Builder in(b.function(), gen->region(0));
  Value* k = gen->region(0).args[0];
  Value* qk = in.extract(q, k);
  in.yield({p ? in.op(OpKind::FSub, {in.extract(p, k), qk}) : in.op(OpKind::FNeg, {qk})});
  return gen->result();
}

// L = chol(A):  dL = L Phi(L^-1 dA L^-T), Phi taking the lower triangle with
// the diagonal halved; A's adjoint is the kernel cholesky.adjoint.
Value* cholesky_vjp(const D& d, size_t, Value* a) {
  return call(d.b, "cholesky.adjoint", {d.r, a, d.x[1], d.x[2]});
}

Value* cholesky_jvp(const D& d, const Tangents& t) {
  if (!t[0]) return nullptr;
  Builder& b = d.b;
  Value *L = d.r, *n = d.x[1], *nn = d.x[2];
  Value* w = call(b, "tri_solve", {L, t[0], n, n, nn});  // L^-1 dA
  Value* wt = per_element(b, w, n, [&](Builder& in, Value* i, Value* j, Value*) {
    return in.extract(w, in.op(OpKind::IAdd, {in.op(OpKind::IMul, {j, n}), i}));
  });
  Value* m = call(b, "tri_solve", {L, wt, n, n, nn});  // L^-1 dA L^-T, dA being symmetric
  Value* phi = per_element(b, m, n, [](Builder& in, Value* i, Value* j, Value* x) {
    Value* half = in.op(OpKind::FMul, {x, in.const_f64(0.5)});
    return in.op(OpKind::Select, {in.cmp(CmpPredicate::Lt, j, i), x,
                                  in.op(OpKind::Select, {in.cmp(CmpPredicate::Eq, j, i), half, in.const_f64(0.0)})});
  });
  return b.op(OpKind::MatMul, {L, phi, n, n, n, nn});
}

// X = op(L)^-1 B, op(L) being L (tri_solve) or L' (tri_solve.t), L n x n
// lower, B n x k:
//   adj_B = op(L)^-T a;  adj_L = -tril(adj_B X') for L, -tril(X adj_B') for L'.
//   dX = op(L)^-1 (dB - op(tril(dL)) X).
Value* solve_vjp(const D& d, size_t k, Value* a, bool transposed) {
  Builder& b = d.b;
  Value *L = d.x[0], *n = d.x[2], *cols = d.x[3];
  Value* g = call(b, transposed ? "tri_solve" : "tri_solve.t", {L, a, n, cols, d.x[4]});
  if (k == 1) return g;
  Value* outer = transposed ? b.op(OpKind::MatMulNT, {d.r, g, n, cols, n, mul(b, n, n)})
                            : b.op(OpKind::MatMulNT, {g, d.r, n, cols, n, mul(b, n, n)});
  return lower(b, outer, n, -1.0);
}

Value* solve_jvp(const D& d, const Tangents& t, bool transposed) {
  if (!t[0] && !t[1]) return nullptr;
  Builder& b = d.b;
  Value *L = d.x[0], *n = d.x[2], *cols = d.x[3];
  const OpKind product = transposed ? OpKind::MatMulTN : OpKind::MatMul;
  Value* dl_x = t[0] ? b.op(product, {lower(b, t[0], n), d.r, n, n, cols, d.x[4]}) : nullptr;
  return call(b, transposed ? "tri_solve.t" : "tri_solve", {L, subtract(b, t[1], dl_x), n, cols, d.x[4]});
}

// y = ode(f, y0, p, ...) at times t_1 .. t_T (from t0), y T x N. The kernel
// `<solver>_sensitivity` gives the (T N) x (K + 2) matrix S whose row t N + n
// holds d y_n(t_t) / d (y0, p) (K = N + P columns), d y_n(t_t) / d t0 and
// f_n(t_t, y(t_t)) = d y_n(t_t) / d t_t. Then with g = S' a, adj_y0 and adj_p
// are g's first two parts, adj_t0 is g_K, and adj_t_t = sum_n a_tn f_n(t_t).
Value* ode_vjp(const D& d, size_t k, Value* a) {
  if (k != 0 && k != 1 && k != 5 && k != 6) return nullptr;  // data: x_r, x_i, sizes
  Builder& b = d.b;
  Value *n = d.x[7], *p = d.x[8], *t = d.x[12];
  Value* width = b.op(OpKind::IAdd, {b.op(OpKind::IAdd, {n, p}), b.const_i64(2)});
  Value* rows = mul(b, t, n);
  std::vector<Value*> args(d.x.begin(), d.x.end() - 1);
  args.push_back(mul(b, rows, width));
  const std::string_view name = d.name;
  const std::string solver(name.substr(0, name.find('.')));
  Value* s = call(b, (solver + "_sensitivity." + std::string(called_function(name))).c_str(), args);
  if (k == 5) {  // the output times
    Op* gen = b.create_generate(t, Type::F64, "i");
    Builder in(b.function(), gen->region(0));
    Value* row0 = mul(in, gen->region(0).args[0], n);
    Value* rate_column = in.op(OpKind::ISub, {width, in.const_i64(1)});
    Value* sum = in.for_loop(in.const_i64(0), n, {in.const_f64(0.0)}, [&](Builder& body, Value* r, const std::vector<Value*>& c) {
      Value* row = body.op(OpKind::IAdd, {row0, r});
      Value* rate = body.extract(s, body.op(OpKind::IAdd, {mul(body, row, width), rate_column}));
      return std::vector<Value*>{body.op(OpKind::FAdd, {c[0], body.op(OpKind::FMul, {body.extract(a, row), rate})})};
    })[0];
    in.yield({sum});
    return gen->result();
  }
  Value* g = b.op(OpKind::MatVecT, {s, a, rows, width});
  if (k == 0) return b.op(OpKind::TensorSlice, {g, b.const_i64(0), n});
  if (k == 1) return b.op(OpKind::TensorSlice, {g, n, p});
  // The control tensor {t0, rtol, atol, max_num_steps}: only t0 has an adjoint.
  Value* zero = b.const_f64(0.0);
  Value* adj_t0 = b.extract(g, b.op(OpKind::IAdd, {n, p}));
  return b.insert(b.splat(b.const_i64(4), zero), b.const_i64(0), adj_t0);
}

// -m element by element.
Value* negated(Builder& b, Value* m, Value* n) {
  return per_element(b, m, n, [](Builder& in, Value*, Value*, Value* x) { return in.op(OpKind::FNeg, {x}); });
}

Value* product(Builder& b, OpKind kind, Value* p, Value* q, Value* n, Value* nn) {
  return b.op(kind, {p, q, n, n, n, nn});
}

// R = A^-1:  adj_A = -R' adj_R R';  dR = -R dA R.
Value* inverse_vjp(const D& d, size_t, Value* a) {
  Builder& b = d.b;
  Value *R = d.r, *n = d.x[1], *nn = d.x[2];
  return negated(b, product(b, OpKind::MatMulNT, product(b, OpKind::MatMulTN, R, a, n, nn), R, n, nn), n);
}

Value* inverse_jvp(const D& d, const Tangents& t) {
  if (!t[0]) return nullptr;
  Builder& b = d.b;
  Value *R = d.r, *n = d.x[1], *nn = d.x[2];
  return negated(b, product(b, OpKind::MatMul, product(b, OpKind::MatMul, R, t[0], n, nn), R, n, nn), n);
}

// r = (log |det A|, sign det A):  adj_A = adj_r[0] A^-T (the sign is piecewise
// constant);  dr = (tr(A^-1 dA), 0).
Value* log_determinant_vjp(const D& d, size_t, Value* a) {
  Builder& b = d.b;
  Value* n = d.x[1];
  Value* inv = call(b, "inverse", {d.x[0], n, mul(b, n, n)});
  Value* a0 = b.extract(a, b.const_i64(0));
  return per_element(b, inv, n, [&](Builder& in, Value* i, Value* j, Value*) {
    return in.op(OpKind::FMul, {a0, in.extract(inv, in.op(OpKind::IAdd, {in.op(OpKind::IMul, {j, n}), i}))});
  });
}

Value* log_determinant_jvp(const D& d, const Tangents& t) {
  if (!t[0]) return nullptr;
  Builder& b = d.b;
  Value* n = d.x[1];
  Value* inv = call(b, "inverse", {d.x[0], n, mul(b, n, n)});
  // tr(A^-1 dA) = sum_ij inv[i, j] dA[j, i]
  Value* terms = per_element(b, inv, n, [&](Builder& in, Value* i, Value* j, Value* x) {
    return in.op(OpKind::FMul, {x, in.extract(t[0], in.op(OpKind::IAdd, {in.op(OpKind::IMul, {j, n}), i}))});
  });
  Value* trace = b.op(OpKind::ReduceAdd, {terms});
  Op* gen = b.create_generate(d.x[2], Type::F64, "k");
  Builder in(b.function(), gen->region(0));
  Value* first = in.cmp(CmpPredicate::Eq, gen->region(0).args[0], in.const_i64(0));
  in.yield({in.op(OpKind::Select, {first, trace, in.const_f64(0.0)})});
  return gen->result();
}

// Element (i, j) of the n x n matrix m.
Value* at(Builder& b, Value* m, Value* n, Value* i, Value* j) {
  return b.extract(m, b.op(OpKind::IAdd, {b.op(OpKind::IMul, {i, n}), j}));
}

// x F_ij with F_ij = 1 / (w_j - w_i), for i != j: the eigenvector part of the
// rules below. Zero when x is, so that a zero adjoint or tangent meets no
// infinity where eigenvalues repeat (there the derivative is not defined,
// in Stan as here).
Value* over_gap(Builder& in, Value* w, Value* i, Value* j, Value* x) {
  Value* quotient = in.op(OpKind::FDiv, {x, in.op(OpKind::FSub, {in.extract(w, j), in.extract(w, i)})});
  Value* zero = in.const_f64(0.0);
  return in.op(OpKind::Select, {in.cmp(CmpPredicate::Eq, x, zero), zero, quotient});
}

// (w, V) = eigen_sym(A), A = V diag(w) V' symmetric, the result w then V
// row-major; F as in over_gap:
//   adj_A = sym(V (diag(adj_w) + F o (V' adj_V)) V'), sym(S) = (S + S') / 2,
//     as A enters only through its symmetric part (as cholesky.adjoint);
//   with M = sym(V' dA V):  dw_i = M_ii;  dV = V (F o M).
Value* eigen_sym_vjp(const D& d, size_t, Value* a) {
  Builder& b = d.b;
  Value *n = d.x[1], *nn = mul(b, n, n), *zero = b.const_i64(0);
  Value* w = b.op(OpKind::TensorSlice, {d.r, zero, n});
  Value* V = b.op(OpKind::TensorSlice, {d.r, n, nn});
  Value* adj_w = b.op(OpKind::TensorSlice, {a, zero, n});
  Value* adj_V = b.op(OpKind::TensorSlice, {a, n, nn});
  Value* m = product(b, OpKind::MatMulTN, V, adj_V, n, nn);
  Value* inner = per_element(b, m, n, [&](Builder& in, Value* i, Value* j, Value* x) {
    return in.op(OpKind::Select, {in.cmp(CmpPredicate::Eq, i, j), in.extract(adj_w, i), over_gap(in, w, i, j, x)});
  });
  Value* g = product(b, OpKind::MatMulNT, product(b, OpKind::MatMul, V, inner, n, nn), V, n, nn);
  return per_element(b, g, n, [&](Builder& in, Value* i, Value* j, Value* x) {
    return in.op(OpKind::FMul, {in.const_f64(0.5), in.op(OpKind::FAdd, {x, at(in, g, n, j, i)})});
  });
}

Value* eigen_sym_jvp(const D& d, const Tangents& t) {
  if (!t[0]) return nullptr;
  Builder& b = d.b;
  Value *n = d.x[1], *nn = mul(b, n, n), *zero = b.const_i64(0);
  Value* w = b.op(OpKind::TensorSlice, {d.r, zero, n});
  Value* V = b.op(OpKind::TensorSlice, {d.r, n, nn});
  Value* m = product(b, OpKind::MatMul, product(b, OpKind::MatMulTN, V, t[0], n, nn), V, n, nn);
  auto sym = [&](Builder& in, Value* i, Value* j, Value* x) {
    return in.op(OpKind::FMul, {in.const_f64(0.5), in.op(OpKind::FAdd, {x, at(in, m, n, j, i)})});
  };
  Op* gen = b.create_generate(n, Type::F64, "i");
  Builder diagonal(b.function(), gen->region(0));
  Value* k = gen->region(0).args[0];
  diagonal.yield({at(diagonal, m, n, k, k)});
  Value* dw = gen->result();
  Value* scaled = per_element(b, m, n, [&](Builder& in, Value* i, Value* j, Value* x) {
    return in.op(OpKind::Select, {in.cmp(CmpPredicate::Eq, i, j), in.const_f64(0.0), over_gap(in, w, i, j, sym(in, i, j, x))});
  });
  Value* dv = product(b, OpKind::MatMul, V, scaled, n, nn);
  return b.op(OpKind::TensorConcat, {dw, dv, d.x[2]});
}

// The tensor whose element i is t[p[i]], p a tensor of (0-based) indices held as reals.
Value* gather(Builder& b, Value* t, Value* p) {
  Op* gen = b.create_generate(tensor_size(p), Type::F64, "k");
  Builder in(b.function(), gen->region(0));
  Value* at = in.op(OpKind::FToI, {in.extract(p, gen->region(0).args[0])});
  in.yield({in.extract(t, at)});
  return gen->result();
}

// r = sort(x), r[i] = x[p[i]] with p = sort.indices(x):  adj_x[j] = adj_r[q[j]]
// with q = sort.ranks(x), p's inverse;  dr[i] = dx[p[i]].
Value* sort_vjp(const D& d, size_t, Value* a) {
  return gather(d.b, a, call(d.b, "sort.ranks", {d.x[0], d.x[1], d.x[2]}));
}

Value* sort_jvp(const D& d, const Tangents& t) {
  if (!t[0]) return nullptr;
  return gather(d.b, t[0], call(d.b, "sort.indices", {d.x[0], d.x[1], d.x[2]}));
}

const std::vector<KernelInfo> kKernels = {
    // (A; n; n * n) -> the lower Cholesky factor L, zeros above; fails when
    // A is not symmetric or not positive definite.
    {"cholesky", "vic_kernel_cholesky", 1, 1, cholesky_vjp, cholesky_jvp},
    // (L, adj_L; n; n * n) -> adj_A = sym(L^-T Phi(L' adj_L) L^-1); only in
    // cholesky's rule, and vic differentiates once.
    {"cholesky.adjoint", "vic_kernel_cholesky_adjoint", 2, 1, nullptr, nullptr},
    // (L, B; n, k; n * k) -> L^-1 B, reading L's lower triangle.
    {"tri_solve", "vic_kernel_tri_solve", 2, 2, [](const D& d, size_t k, Value* a) { return solve_vjp(d, k, a, false); },
     [](const D& d, const Tangents& t) { return solve_jvp(d, t, false); }},
    // (L, B; n, k; n * k) -> L^-T B.
    {"tri_solve.t", "vic_kernel_tri_solve_t", 2, 2,
     [](const D& d, size_t k, Value* a) { return solve_vjp(d, k, a, true); },
     [](const D& d, const Tangents& t) { return solve_jvp(d, t, true); }},
    // The ODE solvers, calling the right-hand side f(t, y, p, x_r, x_i, dims)
    // they name (ir/lower/lower_ode.cpp builds it): (y0, p, x_r, x_i, dims,
    // ts, {t0, rtol, atol, max_num_steps}; N, P, |x_r|, |x_i|, |dims|, T; T N)
    // -> y(t_1) .. y(t_T). x_i and dims hold integers as reals.
    {"ode_rk45", "vic_kernel_ode_rk45", 7, 6, ode_vjp, nullptr, true},
    {"ode_bdf", "vic_kernel_ode_bdf", 7, 6, ode_vjp, nullptr, true},
    // The same operands; the result is (T N) x (N + P + 2), S above. Only in
    // the solvers' rules.
    {"ode_rk45_sensitivity", "vic_kernel_ode_rk45_sensitivity", 7, 6, nullptr, nullptr, true},
    {"ode_bdf_sensitivity", "vic_kernel_ode_bdf_sensitivity", 7, 6, nullptr, nullptr, true},
    // (A; n; n * n) -> A^-1 by LU with partial pivoting; fails (all NaN) when
    // A is singular.
    {"inverse", "vic_kernel_inverse", 1, 1, inverse_vjp, inverse_jvp},
    // (A; n; 2) -> (log |det A|, sign det A) by LU; (-inf, 0) when A is singular.
    {"log_determinant", "vic_kernel_log_determinant", 1, 1, log_determinant_vjp, log_determinant_jvp},
    // (A; n; n + n * n) -> the eigenvalues of the symmetric A, ascending, then
    // the unit eigenvectors as the columns of an n x n matrix (LAPACK's dsyev,
    // LAPACK's signs); fails when A is not symmetric or not finite.
    {"eigen_sym", "vic_kernel_eigen_sym", 1, 1, eigen_sym_vjp, eigen_sym_jvp},
    // (x; descending; n) -> x sorted (descending: 0 or 1); fails when an
    // element is NaN.
    {"sort", "vic_kernel_sort", 1, 1, sort_vjp, sort_jvp},
    // (x; descending; n) -> the 0-based indices of x in sorted order, and the
    // 0-based position of each element in it; integers held as reals.
    {"sort.indices", "vic_kernel_sort_indices", 1, 1, nullptr, nullptr},
    {"sort.ranks", "vic_kernel_sort_ranks", 1, 1, nullptr, nullptr},
    // BLAS's matrix products (dgemm), for bufferize to run matmul, matmul.nt
    // and matmul.tn with when it may reorder sums: (A, B; m, k, n; m * n),
    // operands as the ops'. After AD only: they have no rules.
    {"gemm", "vic_kernel_gemm", 2, 3, nullptr, nullptr},
    {"gemm.nt", "vic_kernel_gemm_nt", 2, 3, nullptr, nullptr},
    {"gemm.tn", "vic_kernel_gemm_tn", 2, 3, nullptr, nullptr},
};

}  // namespace

std::vector<Type> kernel_operand_types(const KernelInfo& kernel, bool run) {
  std::vector<Type> types(run ? 1 + kernel.num_tensors : kernel.num_tensors, run ? Type::BufF64 : tensor_of(Type::F64));
  types.insert(types.end(), kernel.num_sizes + 1, Type::I64);
  return types;
}

const KernelInfo* find_kernel(std::string_view name) {
  for (const KernelInfo& k : kKernels)
    if (name == k.name) return &k;
  const size_t dot = name.find('.');
  if (dot == std::string_view::npos || dot + 1 == name.size()) return nullptr;
  for (const KernelInfo& k : kKernels)
    if (k.calls_function && name.substr(0, dot) == k.name) return &k;
  return nullptr;
}

std::string_view called_function(std::string_view call_name) {
  const size_t dot = call_name.find('.');
  return dot == std::string_view::npos ? std::string_view() : call_name.substr(dot + 1);
}

const std::vector<KernelInfo>& all_kernels() { return kKernels; }

}  // namespace vic::ir
