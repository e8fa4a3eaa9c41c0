// Functions of whole containers as IR (container_functions.h).
#include "stdlib/container_functions.h"

#include <cmath>
#include <limits>
#include <utility>

#include "ir/kernels.h"

namespace vic::stdlib {
namespace {

using ir::Builder;
using ir::CmpPredicate;
using ir::Op;
using ir::OpKind;
using ir::Type;
using ir::Value;

Value* real(Builder& b, Value* v) {
  if (v->type == Type::I64) return b.op(OpKind::IToF, {v});
  if (v->type == Type::I1) return b.op(OpKind::Select, {v, b.const_f64(1.0), b.const_f64(0.0)});
  return v;
}

// A loop over the elements of `x` folding them into `init` with f.
Value* fold(Builder& b, const Elements& x, Value* init,
            const std::function<Value*(Builder&, Value* acc, Value* element)>& f) {
  return b.for_loop(b.const_i64(0), x.size, {init}, [&](Builder& in, Value* i, const std::vector<Value*>& acc) {
    return std::vector<Value*>{f(in, acc[0], x.element(in, i))};
  })[0];
}

Value* sum(Builder& b, const Elements& x) {
  if (x.tensor && x.tensor->type == ir::tensor_of(Type::F64)) return b.op(OpKind::ReduceAdd, {x.tensor});
  return fold(b, x, b.const_f64(0.0), [](Builder& in, Value* acc, Value* e) {
    return in.op(OpKind::FAdd, {acc, real(in, e)});
  });
}

// sd = sqrt(sum (x - mean)^2 / (n - 1)); 0 where the elements are equal, a
// branch of its own so that sqrt's infinite slope there meets no zero adjoint.
Value* sd(Builder& b, const Elements& x) {
  Value* n = b.op(OpKind::IToF, {x.size});
  Value* mean = b.op(OpKind::FDiv, {sum(b, x), n});
  Value* ss = fold(b, x, b.const_f64(0.0), [mean](Builder& in, Value* acc, Value* e) {
    Value* d = in.op(OpKind::FSub, {real(in, e), mean});
    return in.op(OpKind::FAdd, {acc, in.op(OpKind::FMul, {d, d})});
  });
  Op* branch = b.create_if(b.cmp(CmpPredicate::Gt, ss, b.const_f64(0.0)), {Type::F64});
  Builder then_b(b.function(), branch->region(0)), else_b(b.function(), branch->region(1));
  then_b.yield({then_b.op(OpKind::Sqrt, {then_b.op(OpKind::FDiv, {ss, then_b.op(OpKind::FSub, {n, then_b.const_f64(1.0)})})})});
  else_b.yield({else_b.const_f64(0.0)});
  return branch->result();
}

// The largest element; -inf for none.
Value* max(Builder& b, const Elements& x) {
  if (x.tensor && x.tensor->type == ir::tensor_of(Type::F64)) return b.op(OpKind::ReduceMax, {x.tensor});
  return fold(b, x, b.const_f64(-std::numeric_limits<double>::infinity()), [](Builder& in, Value* acc, Value* e) {
    Value* v = real(in, e);
    return in.op(OpKind::Select, {in.cmp(CmpPredicate::Gt, v, acc), v, acc});
  });
}

// The smallest element; +inf for none.
Value* min(Builder& b, const Elements& x) {
  return fold(b, x, b.const_f64(std::numeric_limits<double>::infinity()), [](Builder& in, Value* acc, Value* e) {
    Value* v = real(in, e);
    return in.op(OpKind::Select, {in.cmp(CmpPredicate::Lt, v, acc), v, acc});
  });
}

// log(sum(exp(x))) = m + log(sum(exp(x - m))) with m the largest element, so
// that nothing overflows; -inf when m is (no element, or all -inf).
Value* log_sum_exp(Builder& b, const Elements& x) {
  if (x.tensor && x.tensor->type == ir::tensor_of(Type::F64)) return b.op(OpKind::ReduceLogSumExp, {x.tensor});
  Value* m = max(b, x);
  Op* branch = b.create_if(b.cmp(CmpPredicate::Eq, m, b.const_f64(-std::numeric_limits<double>::infinity())),
                           {Type::F64});
  Builder none(b.function(), branch->region(0)), some(b.function(), branch->region(1));
  none.yield({m});
  Value* s = fold(some, x, some.const_f64(0.0), [m](Builder& in, Value* acc, Value* e) {
    return in.op(OpKind::FAdd, {acc, in.op(OpKind::Exp, {in.op(OpKind::FSub, {real(in, e), m})})});
  });
  some.yield({some.op(OpKind::FAdd, {m, some.op(OpKind::Log, {s})})});
  return branch->result();
}

Elements of_tensor(Value* tensor, Value* size, std::vector<Value*> dims) {
  return {size, std::move(dims), [tensor](Builder& b, Value* i) { return b.extract(tensor, i); }, tensor};
}

Value* in_range(Builder& b, Value* lo, Value* x, Value* hi) {
  return b.op(OpKind::And, {b.cmp(CmpPredicate::Le, lo, x), b.cmp(CmpPredicate::Le, x, hi)});
}

// Elements offset .. offset + n - 1 of a vector, the range checked first.
Elements segment(Builder& b, const std::string& name, const Elements& x, Value* offset, Value* n,
                 const AddCheck& add_check) {
  Value* zero = b.const_i64(0);
  Value* ok = b.op(OpKind::And, {in_range(b, zero, n, x.size), in_range(b, zero, offset, b.op(OpKind::ISub, {x.size, n}))});
  b.check(ok, add_check(name + ": the elements asked for are outside the vector"));
  return of_tensor(b.op(OpKind::TensorSlice, {as_tensor(b, x), offset, n}), n, {n});
}

// The rows and columns of a matrix argument.
std::pair<Value*, Value*> matrix_sizes(const Elements& m) {
  VIC_CHECK(m.dims.size() >= 2) << "a matrix of unknown sizes";
  return {m.dims[m.dims.size() - 2], m.dims.back()};
}

Value* square_size(Builder& b, const std::string& name, const Elements& m, const AddCheck& add_check) {
  auto [rows, cols] = matrix_sizes(m);
  b.check(b.cmp(CmpPredicate::Eq, rows, cols), add_check(name + ": the matrix is not square"));
  return rows;
}

}  // namespace

// L = cholesky_decompose(A): LAPACK's factorisation as a kernel call, its
// failures Stan's errors, naming the function and its argument (the other
// functions that factor a matrix name themselves).
Elements cholesky_decompose(Builder& b, const Elements& a, const AddCheck& add_check, const std::string& name,
                            const std::string& arg) {
  Value* n = square_size(b, name, a, add_check);
  Value* nn = b.op(OpKind::IMul, {n, n});
  Op* call = b.kernel_call("cholesky", {as_tensor(b, a), n, nn});
  Value* status = call->results[1];
  b.check(b.cmp(CmpPredicate::Ne, status, b.const_i64(ir::kKernelNotSymmetric)),
          add_check(name + ": Matrix " + arg + " is not symmetric"));
  b.check(b.cmp(CmpPredicate::Ne, status, b.const_i64(ir::kKernelNotPositiveDefinite)),
          add_check(name + ": Matrix " + arg + " is not positive definite"));
  return of_tensor(call->results[0], nn, {n, n});
}

namespace {

// The right side of a solve: its rows and columns (a vector is one column).
std::pair<Value*, Value*> right_side_sizes(Builder& b, const ContainerArg& rhs) {
  if (rhs.shape == ArgShape::Matrix) return matrix_sizes(rhs.elements);
  return {rhs.elements.size, b.const_i64(1)};
}

// inverse(A) = A^-1 by LU with partial pivoting (LAPACK's dgetrf, dgetri). A
// singular A is an error (Stan's inverse returns infinities there).
Elements inverse(Builder& b, const std::string& name, const std::string& arg, const Elements& a,
                 const AddCheck& add_check) {
  Value* n = square_size(b, name, a, add_check);
  Value* nn = b.op(OpKind::IMul, {n, n});
  Op* call = b.kernel_call("inverse", {as_tensor(b, a), n, nn});
  b.check(b.cmp(CmpPredicate::Ne, call->results[1], b.const_i64(ir::kKernelSingular)),
          add_check(name + ": Matrix " + arg + " is singular"));
  return of_tensor(call->results[0], nn, {n, n});
}

// (log |det A|, sign det A) from A's LU factors: (-inf, 0) when A is singular.
Value* log_determinant(Builder& b, const std::string& name, const Elements& a, const AddCheck& add_check) {
  Value* n = square_size(b, name, a, add_check);
  return b.kernel_call("log_determinant", {as_tensor(b, a), n, b.const_i64(2)})->results[0];
}

// eigenvalues_sym(A), eigenvectors_sym(A): LAPACK's eigendecomposition of a
// symmetric A (the kernel eigen_sym), whose result holds the eigenvalues,
// ascending, then the unit eigenvectors as the columns of a matrix (their
// signs LAPACK's); each function takes its part.
Elements eigen_sym(Builder& b, const std::string& name, const Elements& a, const AddCheck& add_check) {
  Value* n = square_size(b, name, a, add_check);
  Value* nn = b.op(OpKind::IMul, {n, n});
  Op* call = b.kernel_call("eigen_sym", {as_tensor(b, a), n, b.op(OpKind::IAdd, {n, nn})});
  Value* status = call->results[1];
  b.check(b.cmp(CmpPredicate::Ne, status, b.const_i64(ir::kKernelNotANumber)),
          add_check(name + ": Matrix m is not finite"));
  b.check(b.cmp(CmpPredicate::Ne, status, b.const_i64(ir::kKernelNotSymmetric)),
          add_check(name + ": Matrix m is not symmetric"));
  b.check(b.cmp(CmpPredicate::Ne, status, b.const_i64(ir::kKernelNotConverged)),
          add_check(name + ": the eigendecomposition did not converge"));
  if (name == "eigenvalues_sym") return of_tensor(b.op(OpKind::TensorSlice, {call->results[0], b.const_i64(0), n}), n, {n});
  return of_tensor(b.op(OpKind::TensorSlice, {call->results[0], n, nn}), nn, {n, n});
}

// X = A^-1 B for a symmetric positive-definite A = L L', given L: L^-T (L^-1 B),
// two triangular solves.
Elements spd_solve(Builder& b, const Elements& l, Value* rhs, Value* cols) {
  Value* n = l.dims[0];
  Value* size = b.op(OpKind::IMul, {n, cols});
  Value* y = b.kernel_call("tri_solve", {l.tensor, rhs, n, cols, size})->results[0];
  return of_tensor(b.kernel_call("tri_solve.t", {l.tensor, y, n, cols, size})->results[0], size, {n, cols});
}

// sort_asc, sort_desc: the sort kernel, NaN Stan's error; an int array's
// ints come back as ints.
Elements sort(Builder& b, const std::string& name, const Elements& x, const AddCheck& add_check) {
  Value* n = x.size;
  Value* descending = b.const_i64(name == "sort_desc" ? 1 : 0);
  Op* call = b.kernel_call("sort", {as_tensor(b, x), descending, n});
  b.check(b.cmp(CmpPredicate::Ne, call->results[1], b.const_i64(ir::kKernelNotANumber)),
          add_check(name + ": container argument must not be nan"));
  Elements sorted = of_tensor(call->results[0], n, {n});
  if (x.element_type != Type::I64) return sorted;
  Value* t = sorted.tensor;
  return {n, {n}, [t](Builder& in, Value* i) { return in.op(OpKind::FToI, {in.extract(t, i)}); }, nullptr, Type::I64};
}

// sort_indices_asc, sort_indices_desc: the 1-based indices in sorted order (ints).
Elements sort_indices(Builder& b, const std::string& name, const Elements& x) {
  Value* n = x.size;
  Value* descending = b.const_i64(name == "sort_indices_desc" ? 1 : 0);
  Value* t = b.kernel_call("sort.indices", {as_tensor(b, x), descending, n})->results[0];
  return {n, {n}, [t](Builder& in, Value* i) {
            return in.op(OpKind::IAdd, {in.op(OpKind::FToI, {in.extract(t, i)}), in.const_i64(1)});
          },
          nullptr, Type::I64};
}

// rank(v, s): how many elements are smaller than v[s] (s 1-based, checked).
Value* rank(Builder& b, const Elements& v, Value* s, const AddCheck& add_check) {
  b.check(in_range(b, b.const_i64(1), s, v.size), add_check("rank: index s is out of range"));
  Value* pivot = v.element(b, b.op(OpKind::ISub, {s, b.const_i64(1)}));
  return fold(b, v, b.const_i64(0), [pivot](Builder& in, Value* acc, Value* e) {
    Value* smaller = in.cmp(CmpPredicate::Lt, e, pivot);
    return in.op(OpKind::IAdd, {acc, in.op(OpKind::Select, {smaller, in.const_i64(1), in.const_i64(0)})});
  });
}

// The n x n identity.
Value* identity(Builder& b, Value* n) {
  Op* gen = b.create_generate(b.op(OpKind::IMul, {n, n}), Type::F64, "k");
  Builder in(b.function(), gen->region(0));
  Value* k = gen->region(0).args[0];
  Value* diagonal = in.cmp(CmpPredicate::Eq, in.op(OpKind::IDiv, {k, n}), in.op(OpKind::IMod, {k, n}));
  in.yield({in.op(OpKind::Select, {diagonal, in.const_f64(1.0), in.const_f64(0.0)})});
  return gen->result();
}

// mdivide_left_tri_low(L, B) = L^-1 B, reading L's lower triangle; B a vector
// or a matrix.
Elements tri_solve(Builder& b, const Elements& l, const ContainerArg& rhs, const AddCheck& add_check) {
  const std::string name = "mdivide_left_tri_low";
  Value* n = square_size(b, name, l, add_check);
  const bool matrix = rhs.shape == ArgShape::Matrix;
  Value* rows = matrix ? matrix_sizes(rhs.elements).first : rhs.elements.size;
  Value* cols = matrix ? matrix_sizes(rhs.elements).second : b.const_i64(1);
  b.check(b.cmp(CmpPredicate::Eq, rows, n), add_check(name + ": the sizes of the matrix and the right side do not match"));
  Value* size = rhs.elements.size;
  Op* call = b.kernel_call("tri_solve", {as_tensor(b, l), as_tensor(b, rhs.elements), n, cols, size});
  return of_tensor(call->results[0], size, matrix ? std::vector<Value*>{n, cols} : std::vector<Value*>{n});
}

// The running sums of a sequence: a loop carrying the sum and the result.
Elements cumulative_sum(Builder& b, const Elements& x) {
  Value* n = x.size;
  std::vector<Value*> out = b.for_loop(b.const_i64(0), n, {b.const_f64(0.0), b.splat(n, b.const_f64(0.0))},
                                       [&](Builder& in, Value* i, const std::vector<Value*>& c) {
                                         Value* sum = in.op(OpKind::FAdd, {c[0], real(in, x.element(in, i))});
                                         return std::vector<Value*>{sum, in.insert(c[1], i, sum)};
                                       });
  return of_tensor(out[1], n, {n});
}

// The columns of a (m x ka) beside those of b (m x kb); a vector is one column.
Elements append_col(Builder& b, const ContainerArg& left, const ContainerArg& right, const AddCheck& add_check) {
  auto sizes = [](const ContainerArg& a) -> std::pair<Value*, Value*> {
    if (a.shape == ArgShape::Matrix) return matrix_sizes(a.elements);
    return {a.elements.size, nullptr};
  };
  auto [m, ka] = sizes(left);
  auto [mb, kb] = sizes(right);
  if (!ka) ka = b.const_i64(1);
  if (!kb) kb = b.const_i64(1);
  b.check(b.cmp(CmpPredicate::Eq, m, mb), add_check("append_col: the numbers of rows differ"));
  Value* n = b.op(OpKind::IAdd, {ka, kb});
  Value* size = b.op(OpKind::IMul, {m, n});
  Value* lt = as_tensor(b, left.elements);
  Value* rt = as_tensor(b, right.elements);
  Op* gen = b.create_generate(size, Type::F64, "k");
  Builder in(b.function(), gen->region(0));
  in.set_loc(b.loc());
  Value* k = gen->region(0).args[0];
  Value* r = in.op(OpKind::IDiv, {k, n});
  Value* c = in.op(OpKind::IMod, {k, n});
  // Read only the side the column is on: the other index would be out of range.
  Op* side = in.create_if(in.cmp(CmpPredicate::Lt, c, ka), {Type::F64});
  Builder l(b.function(), side->region(0)), rb(b.function(), side->region(1));
  l.yield({l.extract(lt, l.op(OpKind::IAdd, {l.op(OpKind::IMul, {r, ka}), c}))});
  rb.yield({rb.extract(rt, rb.op(OpKind::IAdd, {rb.op(OpKind::IMul, {r, kb}), rb.op(OpKind::ISub, {c, ka})}))});
  in.yield({side->result()});
  return of_tensor(gen->result(), size, {m, n});
}

}  // namespace

Value* as_tensor(Builder& b, const Elements& x) {
  if (x.tensor && x.tensor->type == ir::tensor_of(Type::F64)) return x.tensor;
  Op* gen = b.create_generate(x.size, Type::F64, "k");
  Builder in(b.function(), gen->region(0));
  in.set_loc(b.loc());
  in.yield({real(in, x.element(in, gen->region(0).args[0]))});
  return gen->result();
}

Elements column_major(const Elements& matrix) {
  VIC_CHECK(matrix.dims.size() >= 2) << "a matrix of unknown sizes";
  Value* rows = matrix.dims[matrix.dims.size() - 2];
  Value* cols = matrix.dims.back();
  Elements out;
  out.size = matrix.size;
  out.dims = {cols, rows};
  // Element k of the column-major order is (row k % rows, column k / rows).
  out.element = [matrix, rows, cols](Builder& b, Value* k) {
    Value* r = b.op(OpKind::IMod, {k, rows});
    Value* c = b.op(OpKind::IDiv, {k, rows});
    return matrix.element(b, b.op(OpKind::IAdd, {b.op(OpKind::IMul, {r, cols}), c}));
  };
  return out;
}

Value* sum_over(Builder& b, const std::vector<ContainerArg>& args,
                const std::function<Value*(Builder&, const std::vector<Value*>&)>& f, const AddCheck& add_check) {
  const Elements* container = nullptr;
  for (const ContainerArg& a : args) {
    if (a.shape == ArgShape::Scalar) continue;
    if (container) {
      b.check(b.cmp(CmpPredicate::Eq, container->size, a.elements.size), add_check("vectorised arguments differ in size"));
    } else {
      container = &a.elements;
    }
  }
  if (!container) {
    std::vector<Value*> xs;
    for (const ContainerArg& a : args) xs.push_back(a.scalar);
    return f(b, xs);
  }
  Op* loop = b.create_for(b.const_i64(0), container->size, {b.const_f64(0.0)}, "i");
  Builder in(b.function(), loop->region(0));
  in.set_loc(b.loc());
  std::vector<Value*> xs;
  for (const ContainerArg& a : args)
    xs.push_back(a.shape == ArgShape::Scalar ? a.scalar : a.elements.element(in, loop->region(0).args[0]));
  in.yield({in.op(OpKind::FAdd, {loop->region(0).args[1], f(in, xs)})});
  return loop->result();
}

std::optional<ContainerResult> build_container_function(Builder& b, const std::string& name,
                                                        const std::vector<ContainerArg>& args,
                                                        const AddCheck& add_check) {
  ContainerResult r;
  const ContainerArg& x = args[0];
  if (name == "sum") {
    if (x.shape == ArgShape::Scalar) {
      r.scalar = x.scalar;
    } else if (x.elements.element_type == Type::I64) {
      // The sum of ints is an int, as in Stan.
      r.scalar = fold(b, x.elements, b.const_i64(0),
                      [](Builder& in, Value* acc, Value* e) { return in.op(OpKind::IAdd, {acc, e}); });
    } else {
      r.scalar = sum(b, x.elements);
    }
  } else if (name == "mean") {
    r.scalar = b.op(OpKind::FDiv, {sum(b, x.elements), b.op(OpKind::IToF, {x.elements.size})});
  } else if (name == "sd") {
    r.scalar = sd(b, x.elements);
  } else if ((name == "max" || name == "min") && x.shape == ArgShape::Scalar) {
    r.scalar = x.scalar;
  } else if ((name == "max" || name == "min") && x.elements.element_type == Type::I64) {
    // Of ints, an int; INT_MIN / INT_MAX for none, as Stan's.
    const bool largest = name == "max";
    r.scalar = fold(b, x.elements,
                    b.const_i64(largest ? std::numeric_limits<int64_t>::min() : std::numeric_limits<int64_t>::max()),
                    [largest](Builder& in, Value* acc, Value* e) {
                      return in.op(OpKind::Select, {in.cmp(largest ? CmpPredicate::Gt : CmpPredicate::Lt, e, acc), e, acc});
                    });
  } else if (name == "max") {
    r.scalar = max(b, x.elements);
  } else if (name == "min") {
    r.scalar = min(b, x.elements);
  } else if (name == "quad_form_diag") {
    // diag(v) M diag(v): element (i, j) is v_i M_ij v_j.
    Elements m = x.elements, v = args[1].elements;
    Value* n = square_size(b, name, m, add_check);
    b.check(b.cmp(CmpPredicate::Eq, v.size, n), add_check("quad_form_diag: the sizes of the vector and the matrix do not match"));
    r.elements.size = m.size;
    r.elements.dims = m.dims;
    r.elements.element = [m, v, n](Builder& in, Value* k) {
      Value* vi = real(in, v.element(in, in.op(OpKind::IDiv, {k, n})));
      Value* vj = real(in, v.element(in, in.op(OpKind::IMod, {k, n})));
      return in.op(OpKind::FMul, {in.op(OpKind::FMul, {vi, real(in, m.element(in, k))}), vj});
    };
  } else if (name == "multiply_lower_tri_self_transpose") {
    // L L' of the lower triangle of L (m x n).
    Elements m = x.elements;
    auto [rows, cols] = matrix_sizes(m);
    Op* gen = b.create_generate(m.size, Type::F64, "k");
    {
      Builder in(b.function(), gen->region(0));
      Value* k = gen->region(0).args[0];
      Value* lower = in.cmp(CmpPredicate::Le, in.op(OpKind::IMod, {k, cols}), in.op(OpKind::IDiv, {k, cols}));
      in.yield({in.op(OpKind::Select, {lower, real(in, m.element(in, k)), in.const_f64(0.0)})});
    }
    Value* rr = b.op(OpKind::IMul, {rows, rows});
    r.elements = of_tensor(b.op(OpKind::MatMulNT, {gen->result(), gen->result(), rows, cols, rows, rr}), rr, {rows, rows});
  } else if (name == "dims") {
    // The sizes, as ints: none for a scalar.
    std::vector<Value*> dims = x.shape == ArgShape::Scalar ? std::vector<Value*>{} : x.elements.dims;
    Value* n = b.const_i64(static_cast<int64_t>(dims.size()));
    Value* t = b.splat(n, b.const_i64(0));
    for (size_t i = 0; i < dims.size(); ++i) t = b.insert(t, b.const_i64(static_cast<int64_t>(i)), dims[i]);
    r.elements = of_tensor(t, n, {n});
    r.elements.element_type = Type::I64;
  } else if (name == "columns_dot_product" || name == "rows_dot_product") {
    // Dot products of matching columns (a row_vector) or rows (a vector).
    const bool columns = name == "columns_dot_product";
    Elements a = x.elements, c = args[1].elements;
    const bool vectors = x.shape == ArgShape::Vector;
    Value* rows = vectors ? a.size : matrix_sizes(a).first;
    Value* cols = vectors ? b.const_i64(1) : matrix_sizes(a).second;
    Value* same = vectors ? b.cmp(CmpPredicate::Eq, a.size, c.size)
                          : b.op(OpKind::And, {b.cmp(CmpPredicate::Eq, rows, matrix_sizes(c).first),
                                               b.cmp(CmpPredicate::Eq, cols, matrix_sizes(c).second)});
    b.check(same, add_check(name + ": the sizes of the arguments differ"));
    Value* n = columns ? cols : rows;
    Value* inner = columns ? rows : cols;
    r.elements.size = n;
    r.elements.dims = {n};
    r.elements.element = [a, c, cols, inner, columns](Builder& in, Value* i) {
      Elements terms{inner, {inner}, [a, c, cols, i, columns](Builder& w, Value* k) {
                       Value* at = columns ? w.op(OpKind::IAdd, {w.op(OpKind::IMul, {k, cols}), i})
                                           : w.op(OpKind::IAdd, {w.op(OpKind::IMul, {i, cols}), k});
                       return w.op(OpKind::FMul, {real(w, a.element(w, at)), real(w, c.element(w, at))});
                     }};
      return fold(in, terms, in.const_f64(0.0), [](Builder& w, Value* acc, Value* e) { return w.op(OpKind::FAdd, {acc, e}); });
    };
  } else if (name == "crossprod" || name == "tcrossprod") {
    // A' A (matmul.tn) and A A' (matmul.nt).
    auto [rows, cols] = matrix_sizes(x.elements);
    Value* t = as_tensor(b, x.elements);
    const bool cross = name == "crossprod";
    Value* n = cross ? cols : rows;
    Value* k = cross ? rows : cols;
    Value* nn = b.op(OpKind::IMul, {n, n});
    r.elements = of_tensor(b.op(cross ? OpKind::MatMulTN : OpKind::MatMulNT, {t, t, n, k, n, nn}), nn, {n, n});
  } else if (name == "quad_form") {
    // B' A B, or v' A v for a vector.
    Value* n = square_size(b, name, x.elements, add_check);
    Value* a = as_tensor(b, x.elements);
    const bool vector = args[1].shape == ArgShape::Vector;
    Value* m = vector ? b.const_i64(1) : matrix_sizes(args[1].elements).second;
    Value* rows = vector ? args[1].elements.size : matrix_sizes(args[1].elements).first;
    b.check(b.cmp(CmpPredicate::Eq, rows, n), add_check("quad_form: the sizes of the matrices do not match"));
    Value* bt = as_tensor(b, args[1].elements);
    Value* ab = b.op(OpKind::MatMul, {a, bt, n, n, m, b.op(OpKind::IMul, {n, m})});
    Value* mm = b.op(OpKind::IMul, {m, m});
    Value* q = b.op(OpKind::MatMulTN, {bt, ab, m, n, m, mm});
    if (vector) {
      r.scalar = b.extract(q, b.const_i64(0));
    } else {
      r.elements = of_tensor(q, mm, {m, m});
    }
  } else if (name == "choose") {
    // n choose k in exact integer steps: c = c (n - k + i) / i divides exactly at each i.
    Value* n = x.scalar;
    Value* k = args[1].scalar;
    b.check(b.op(OpKind::And, {b.cmp(CmpPredicate::Ge, k, b.const_i64(0)), b.cmp(CmpPredicate::Ge, n, k)}),
            add_check("choose: the arguments must satisfy 0 <= k <= n"));
    Elements steps{k, {k}, [](Builder&, Value* i) { return i; }, nullptr, Type::I64};
    r.scalar = fold(b, steps, b.const_i64(1), [n, k](Builder& in, Value* c, Value* i) {
      Value* i1 = in.op(OpKind::IAdd, {i, in.const_i64(1)});
      Value* factor = in.op(OpKind::IAdd, {in.op(OpKind::ISub, {n, k}), i1});
      return in.op(OpKind::IDiv, {in.op(OpKind::IMul, {c, factor}), i1});
    });
  } else if (name == "col" || name == "row") {
    // Column or row j (1-based) of a matrix.
    auto [rows, cols] = matrix_sizes(x.elements);
    const bool column = name == "col";
    Value* j = args[1].scalar;
    b.check(b.op(OpKind::And, {b.cmp(CmpPredicate::Ge, j, b.const_i64(1)), b.cmp(CmpPredicate::Le, j, column ? cols : rows)}),
            add_check(name + ": index " + (column ? "j" : "i") + " is out of range"));
    Value* j0 = b.op(OpKind::ISub, {j, b.const_i64(1)});
    Elements m = x.elements;
    r.elements.size = column ? rows : cols;
    r.elements.dims = {r.elements.size};
    r.elements.element = [m, cols, j0, column](Builder& in, Value* k) {
      Value* at = column ? in.op(OpKind::IAdd, {in.op(OpKind::IMul, {k, cols}), j0})
                         : in.op(OpKind::IAdd, {in.op(OpKind::IMul, {j0, cols}), k});
      return real(in, m.element(in, at));
    };
  } else if (name == "to_matrix") {
    // A matrix as it is, and a two-dimensional array row by row (both
    // row-major already); a vector filled column by column into m x n.
    if (x.shape == ArgShape::Matrix || (x.shape == ArgShape::Array && x.elements.dims.size() == 2)) {
      Elements e = x.elements;
      r.elements = {e.size, e.dims, [e](Builder& in, Value* k) { return real(in, e.element(in, k)); }, x.elements.element_type == Type::F64 ? e.tensor : nullptr};
    } else {
      Elements v = x.elements;
      Value* m = args[1].scalar;
      Value* n = args[2].scalar;
      b.check(b.cmp(CmpPredicate::Eq, b.op(OpKind::IMul, {m, n}), v.size),
              add_check("to_matrix: the sizes do not match the number of elements"));
      r.elements.size = v.size;
      r.elements.dims = {m, n};
      r.elements.element = [v, m, n](Builder& in, Value* k) {
        Value* i = in.op(OpKind::IDiv, {k, n});
        Value* j = in.op(OpKind::IMod, {k, n});
        return real(in, v.element(in, in.op(OpKind::IAdd, {in.op(OpKind::IMul, {j, m}), i})));
      };
    }
  } else if (name == "gp_matern32_cov") {
    // alpha^2 (1 + sqrt(3) d / rho) exp(-sqrt(3) d / rho), d = |x_i - x_j|; the diagonal
    // alpha^2 on its own branch (|d|'s slope at 0 would meet a zero adjoint).
    Elements xs = x.elements;
    Value* n = xs.size;
    Value* alpha = real(b, args[1].scalar);
    Value* rho = real(b, args[2].scalar);
    b.check(b.cmp(CmpPredicate::Gt, alpha, b.const_f64(0.0)), add_check("gp_matern32_cov: magnitude is not positive"));
    b.check(b.cmp(CmpPredicate::Gt, rho, b.const_f64(0.0)), add_check("gp_matern32_cov: length scale is not positive"));
    Value* alpha2 = b.op(OpKind::FMul, {alpha, alpha});
    Value* scale = b.op(OpKind::FDiv, {b.const_f64(std::sqrt(3.0)), rho});
    Op* gen = b.create_generate(b.op(OpKind::IMul, {n, n}), Type::F64, "k");
    {
      Builder in(b.function(), gen->region(0));
      in.set_loc(b.loc());
      Value* k = gen->region(0).args[0];
      Value* i = in.op(OpKind::IDiv, {k, n});
      Value* j = in.op(OpKind::IMod, {k, n});
      Op* branch = in.create_if(in.cmp(CmpPredicate::Eq, i, j), {Type::F64});
      Builder same(b.function(), branch->region(0)), other(b.function(), branch->region(1));
      same.yield({alpha2});
      Value* d = other.op(OpKind::Fabs, {other.op(OpKind::FSub, {real(other, xs.element(other, i)), real(other, xs.element(other, j))})});
      Value* r3 = other.op(OpKind::FMul, {scale, d});
      other.yield({other.op(OpKind::FMul, {alpha2, other.op(OpKind::FMul, {other.op(OpKind::FAdd, {other.const_f64(1.0), r3}),
                                                                           other.op(OpKind::Exp, {other.op(OpKind::FNeg, {r3})})})})});
      in.yield({branch->result()});
    }
    r.elements = of_tensor(gen->result(), b.op(OpKind::IMul, {n, n}), {n, n});
  } else if (name == "diag_matrix") {
    Elements v = x.elements;
    Value* n = v.size;
    r.elements.size = b.op(OpKind::IMul, {n, n});
    r.elements.dims = {n, n};
    r.elements.element = [v, n](Builder& in, Value* k) {
      Value* i = in.op(OpKind::IDiv, {k, n});
      return in.op(OpKind::Select,
                   {in.cmp(CmpPredicate::Eq, i, in.op(OpKind::IMod, {k, n})), real(in, v.element(in, i)), in.const_f64(0.0)});
    };
  } else if (name == "diag_pre_multiply" || name == "diag_post_multiply") {
    // diag(v) M scales M's rows; M diag(v) its columns.
    const bool pre = name == "diag_pre_multiply";
    Elements v = pre ? args[0].elements : args[1].elements;
    Elements m = pre ? args[1].elements : args[0].elements;
    auto [rows, cols] = matrix_sizes(m);
    b.check(b.cmp(CmpPredicate::Eq, v.size, pre ? rows : cols),
            add_check(name + ": the sizes of the vector and the matrix do not match"));
    r.elements.size = m.size;
    r.elements.dims = m.dims;
    r.elements.element = [v, m, pre, cols](Builder& in, Value* k) {
      Value* at = pre ? in.op(OpKind::IDiv, {k, cols}) : in.op(OpKind::IMod, {k, cols});
      return in.op(OpKind::FMul, {real(in, v.element(in, at)), real(in, m.element(in, k))});
    };
  } else if (name == "sub_col" || name == "sub_row") {
    // sub_col(M, i, j, n): n rows of column j from row i; sub_row(M, i, j, n): n columns of row i from column j.
    const bool col = name == "sub_col";
    Elements m = x.elements;
    auto [rows, cols] = matrix_sizes(m);
    Value* i = b.op(OpKind::ISub, {args[1].scalar, b.const_i64(1)});
    Value* j = b.op(OpKind::ISub, {args[2].scalar, b.const_i64(1)});
    Value* n = args[3].scalar;
    Value* zero = b.const_i64(0);
    Value* ok = b.op(OpKind::And, {b.op(OpKind::And, {in_range(b, zero, i, b.op(OpKind::ISub, {rows, b.const_i64(1)})),
                                                      in_range(b, zero, j, b.op(OpKind::ISub, {cols, b.const_i64(1)}))}),
                                   in_range(b, zero, n, b.op(OpKind::ISub, {col ? rows : cols, col ? i : j}))});
    b.check(ok, add_check(name + ": the elements asked for are outside the matrix"));
    r.elements.size = n;
    r.elements.dims = {n};
    r.elements.element = [m, i, j, cols, col](Builder& in, Value* k) {
      Value* row = col ? in.op(OpKind::IAdd, {i, k}) : i;
      Value* column = col ? j : in.op(OpKind::IAdd, {j, k});
      return real(in, m.element(in, in.op(OpKind::IAdd, {in.op(OpKind::IMul, {row, cols}), column})));
    };
  } else if (name == "prod") {
    if (x.elements.element_type == Type::I64) {
      r.scalar = fold(b, x.elements, b.const_i64(1),
                      [](Builder& in, Value* acc, Value* e) { return in.op(OpKind::IMul, {acc, e}); });
    } else {
      r.scalar = fold(b, x.elements, b.const_f64(1.0),
                      [](Builder& in, Value* acc, Value* e) { return in.op(OpKind::FMul, {acc, real(in, e)}); });
    }
  } else if (name == "dot_self") {
    r.scalar = fold(b, x.elements, b.const_f64(0.0), [](Builder& in, Value* acc, Value* e) {
      Value* v = real(in, e);
      return in.op(OpKind::FAdd, {acc, in.op(OpKind::FMul, {v, v})});
    });
  } else if (name == "rep_matrix" || name == "rep_row_vector") {
    // rep_matrix(x, m, n), rep_matrix(v, n) (n copies of the column v),
    // rep_matrix(rv, m) (m copies of the row rv); rep_row_vector(x, n).
    Value *rows, *cols;
    std::function<Value*(Builder&, Value*)> element;
    if (x.shape == ArgShape::Scalar) {
      Value* value = real(b, x.scalar);
      rows = name == "rep_matrix" ? args[1].scalar : b.const_i64(1);
      cols = name == "rep_matrix" ? args[2].scalar : args[1].scalar;
      element = [value](Builder&, Value*) { return value; };
    } else {
      Elements v = x.elements;
      const bool column = x.shape == ArgShape::Vector;
      rows = column ? v.size : args[1].scalar;
      cols = column ? args[1].scalar : v.size;
      element = [v, column, cols](Builder& in, Value* k) {
        return real(in, v.element(in, in.op(column ? OpKind::IDiv : OpKind::IMod, {k, cols})));
      };
    }
    for (Value* d : {rows, cols})
      b.check(b.cmp(CmpPredicate::Ge, d, b.const_i64(0)), add_check(name + ": a size is negative"));
    r.elements.size = b.op(OpKind::IMul, {rows, cols});
    r.elements.dims = name == "rep_matrix" ? std::vector<Value*>{rows, cols} : std::vector<Value*>{cols};
    r.elements.element = element;
  } else if (name == "cumulative_sum") {
    r.elements = cumulative_sum(b, x.elements);
  } else if (name == "softmax" || name == "log_softmax") {
    // log_softmax(x) = x - log_sum_exp(x); softmax its exp.
    Value* lse = log_sum_exp(b, x.elements);
    Elements v = x.elements;
    const bool log = name == "log_softmax";
    r.elements.size = v.size;
    r.elements.dims = {v.size};
    r.elements.element = [v, lse, log](Builder& in, Value* i) {
      Value* l = in.op(OpKind::FSub, {real(in, v.element(in, i)), lse});
      return log ? l : in.op(OpKind::Exp, {l});
    };
  } else if (name == "append_col" && args[0].shape != ArgShape::RowVector && args[1].shape != ArgShape::RowVector) {
    r.elements = append_col(b, args[0], args[1], add_check);
  } else if (name == "gp_exp_quad_cov" || name == "cov_exp_quad") {
    // K[i, j] = alpha^2 exp(-|x_i - x_j|^2 / (2 rho^2)); x an array of reals or of vectors.
    Elements xs = x.elements;
    const bool points = xs.dims.size() >= 2;
    Value* n = points ? xs.dims[0] : xs.size;
    Value* d = points ? xs.dims.back() : b.const_i64(1);
    Value* alpha = real(b, args[1].scalar);
    Value* rho = real(b, args[2].scalar);
    b.check(b.cmp(CmpPredicate::Gt, alpha, b.const_f64(0.0)), add_check("gp_exp_quad_cov: magnitude is not positive"));
    b.check(b.cmp(CmpPredicate::Gt, rho, b.const_f64(0.0)), add_check("gp_exp_quad_cov: length scale is not positive"));
    Value* alpha2 = b.op(OpKind::FMul, {alpha, alpha});
    Value* scale = b.op(OpKind::FDiv, {b.const_f64(-0.5), b.op(OpKind::FMul, {rho, rho})});
    r.elements.size = b.op(OpKind::IMul, {n, n});
    r.elements.dims = {n, n};
    r.elements.element = [xs, n, d, alpha2, scale](Builder& in, Value* k) {
      Value* i = in.op(OpKind::IMul, {in.op(OpKind::IDiv, {k, n}), d});
      Value* j = in.op(OpKind::IMul, {in.op(OpKind::IMod, {k, n}), d});
      Elements coordinates{d, {d}, [xs, i, j](Builder& w, Value* c) {
                             Value* diff = w.op(OpKind::FSub, {real(w, xs.element(w, w.op(OpKind::IAdd, {i, c}))),
                                                               real(w, xs.element(w, w.op(OpKind::IAdd, {j, c})))});
                             return w.op(OpKind::FMul, {diff, diff});
                           }};
      Value* squared = fold(in, coordinates, in.const_f64(0.0),
                            [](Builder& w, Value* acc, Value* e) { return w.op(OpKind::FAdd, {acc, e}); });
      return in.op(OpKind::FMul, {alpha2, in.op(OpKind::Exp, {in.op(OpKind::FMul, {scale, squared})})});
    };
  } else if (name == "log_sum_exp" && args.size() == 2) {
    // log(exp(a) + exp(b)) = max + log1p(exp(-|a - b|)); -inf when both are.
    Value* a = real(b, args[0].scalar);
    Value* c = real(b, args[1].scalar);
    Value* m = b.op(OpKind::Select, {b.cmp(CmpPredicate::Gt, a, c), a, c});
    Op* branch = b.create_if(b.cmp(CmpPredicate::Eq, m, b.const_f64(-std::numeric_limits<double>::infinity())),
                             {Type::F64});
    Builder none(b.function(), branch->region(0)), some(b.function(), branch->region(1));
    none.yield({m});
    Value* gap = some.op(OpKind::FNeg, {some.op(OpKind::Fabs, {some.op(OpKind::FSub, {a, c})})});
    some.yield({some.op(OpKind::FAdd, {m, some.op(OpKind::Log1p, {some.op(OpKind::Exp, {gap})})})});
    r.scalar = branch->result();
  } else if (name == "log_sum_exp") {
    r.scalar = log_sum_exp(b, x.elements);
  } else if (name == "dot_product") {
    r.scalar = sum_over(b, args, [](Builder& in, const std::vector<Value*>& xs) {
      return in.op(OpKind::FMul, {real(in, xs[0]), real(in, xs[1])});
    }, add_check);
  } else if (name == "rows" || name == "cols") {
    const std::vector<Value*>& dims = x.elements.dims;
    VIC_CHECK(!dims.empty()) << name << " of a container of unknown sizes";
    if (x.shape == ArgShape::Matrix) {
      r.scalar = name == "rows" ? dims[dims.size() - 2] : dims.back();
    } else {
      const bool along = (x.shape == ArgShape::Vector) == (name == "rows");
      r.scalar = along ? dims.back() : b.const_i64(1);
    }
  } else if (name == "size" || name == "num_elements") {
    // size: the first dimension (an array's length, a vector's size, a
    // matrix's rows times columns as Stan counts it); num_elements: all of them.
    const std::vector<Value*>& dims = x.elements.dims;
    VIC_CHECK(!dims.empty()) << name << " of a container of unknown sizes";
    r.scalar = name == "size" && x.shape == ArgShape::Array ? dims[0] : x.elements.size;
  } else if (name == "rep_array" && args[0].shape == ArgShape::Scalar) {
    // n copies of a scalar, an int's as ints.
    Value* value = x.scalar;
    Value* n = args[1].scalar;
    b.check(b.cmp(CmpPredicate::Ge, n, b.const_i64(0)), add_check("rep_array: the size is negative"));
    r.elements.size = n;
    r.elements.dims = {n};
    r.elements.element = [value](Builder&, Value*) { return value; };
    r.elements.element_type = value->type;
  } else if (name == "rep_vector") {
    Value* value = real(b, x.scalar);
    Value* n = args[1].scalar;
    b.check(b.cmp(CmpPredicate::Ge, n, b.const_i64(0)), add_check("rep_vector: the size is negative"));
    r.elements.size = n;
    r.elements.dims = {n};
    r.elements.element = [value](Builder&, Value*) { return value; };
  } else if (name == "one_hot_vector") {
    // one_hot_vector(n, k): n elements, the k-th (1-based) 1, the others 0.
    Value* n = x.scalar;
    Value* k = args[1].scalar;
    b.check(b.cmp(CmpPredicate::Gt, n, b.const_i64(0)), add_check("one_hot_vector: the size must be positive"));
    b.check(b.op(OpKind::And, {b.cmp(CmpPredicate::Ge, k, b.const_i64(1)), b.cmp(CmpPredicate::Le, k, n)}),
            add_check("one_hot_vector: k must be between 1 and the size"));
    Value* at = b.op(OpKind::ISub, {k, b.const_i64(1)});
    r.elements.size = n;
    r.elements.dims = {n};
    r.elements.element = [at](Builder& in, Value* i) {
      return in.op(OpKind::Select, {in.cmp(CmpPredicate::Eq, i, at), in.const_f64(1.0), in.const_f64(0.0)});
    };
  } else if (name == "to_vector") {
    // A matrix is read column by column, as Stan's to_vector reads it.
    Elements elements = x.shape == ArgShape::Matrix ? column_major(x.elements) : x.elements;
    r.elements.size = x.elements.size;
    r.elements.dims = {x.elements.size};
    r.elements.element = [elements](Builder& in, Value* i) { return real(in, elements.element(in, i)); };
  } else if (name == "head") {
    r.elements = segment(b, name, x.elements, b.const_i64(0), args[1].scalar, add_check);
  } else if (name == "tail") {
    Value* n = args[1].scalar;
    r.elements = segment(b, name, x.elements, b.op(OpKind::ISub, {x.elements.size, n}), n, add_check);
  } else if (name == "segment") {
    // segment(v, i, n): n elements from the i-th (1-based).
    Value* offset = b.op(OpKind::ISub, {args[1].scalar, b.const_i64(1)});
    r.elements = segment(b, name, x.elements, offset, args[2].scalar, add_check);
  } else if (name == "append_row" || (name == "append_col" && (args[0].shape == ArgShape::RowVector ||
                                                                  args[1].shape == ArgShape::RowVector))) {
    // One after the other: vectors (a real is one element), or the rows of
    // matrices and row_vectors with the same number of columns (row-major, so
    // the rows follow each other); append_col of row_vectors the same.
    auto part = [&](const ContainerArg& a) -> std::pair<Value*, Value*> {  // tensor, size
      if (a.shape == ArgShape::Scalar) return {b.splat(b.const_i64(1), real(b, a.scalar)), b.const_i64(1)};
      return {as_tensor(b, a.elements), a.elements.size};
    };
    auto [ta, na] = part(args[0]);
    auto [tb, nb] = part(args[1]);
    Value* n = b.op(OpKind::IAdd, {na, nb});
    std::vector<Value*> dims = {n};
    if (name == "append_row" && (args[0].shape == ArgShape::Matrix || args[0].shape == ArgShape::RowVector)) {
      auto cols_of = [](const ContainerArg& a) { return a.elements.dims.back(); };
      auto rows_of = [&](const ContainerArg& a) {
        return a.shape == ArgShape::RowVector ? b.const_i64(1) : matrix_sizes(a.elements).first;
      };
      Value* cols = cols_of(args[0]);
      b.check(b.cmp(CmpPredicate::Eq, cols, cols_of(args[1])), add_check("append_row: the numbers of columns differ"));
      dims = {b.op(OpKind::IAdd, {rows_of(args[0]), rows_of(args[1])}), cols};
    }
    r.elements = of_tensor(b.op(OpKind::TensorConcat, {ta, tb, n}), n, dims);
  } else if (name == "cholesky_decompose") {
    r.elements = cholesky_decompose(b, x.elements, add_check);
  } else if (name == "mdivide_left_tri_low") {
    r.elements = tri_solve(b, x.elements, args[1], add_check);
  } else if (name == "sort_asc" || name == "sort_desc") {
    r.elements = sort(b, name, x.elements, add_check);
  } else if (name == "sort_indices_asc" || name == "sort_indices_desc") {
    r.elements = sort_indices(b, name, x.elements);
  } else if (name == "rank") {
    r.scalar = rank(b, x.elements, args[1].scalar, add_check);
  } else if (name == "eigenvalues_sym" || name == "eigenvectors_sym") {
    r.elements = eigen_sym(b, name, x.elements, add_check);
  } else if (name == "inverse") {
    r.elements = inverse(b, name, "m", x.elements, add_check);
  } else if (name == "log_determinant" || name == "determinant") {
    // det A = sign * exp(log |det A|), 0 for a singular A.
    Value* lu = log_determinant(b, name, x.elements, add_check);
    Value* log_abs = b.extract(lu, b.const_i64(0));
    r.scalar = name == "log_determinant"
                   ? log_abs
                   : b.op(OpKind::FMul, {b.extract(lu, b.const_i64(1)), b.op(OpKind::Exp, {log_abs})});
  } else if (name == "log_determinant_spd") {
    // log det A = 2 sum_i log L_ii for A = L L'.
    Elements l = cholesky_decompose(b, x.elements, add_check, name);
    Value* n = l.dims[0];
    Value* half = fold(b, {n, {n}, [l, n](Builder& in, Value* i) {
                            return in.op(OpKind::Log, {in.extract(l.tensor, in.op(OpKind::IAdd, {in.op(OpKind::IMul, {i, n}), i}))});
                          }},
                       b.const_f64(0.0), [](Builder& in, Value* acc, Value* e) { return in.op(OpKind::FAdd, {acc, e}); });
    r.scalar = b.op(OpKind::FMul, {b.const_f64(2.0), half});
  } else if (name == "mdivide_left" || name == "mdivide_left_spd") {
    // A^-1 B, B a vector or a matrix: for mdivide_left, A's inverse times B
    // (LU); for mdivide_left_spd, two triangular solves after A's Cholesky factor.
    const bool spd = name == "mdivide_left_spd";
    Elements factor = spd ? cholesky_decompose(b, x.elements, add_check, name, "A")
                          : inverse(b, name, "A", x.elements, add_check);
    Value* n = factor.dims[0];
    auto [rows, cols] = right_side_sizes(b, args[1]);
    b.check(b.cmp(CmpPredicate::Eq, rows, n), add_check(name + ": the sizes of the matrix and the right side do not match"));
    Value* rhs = as_tensor(b, args[1].elements);
    Value* size = args[1].elements.size;
    const bool matrix = args[1].shape == ArgShape::Matrix;
    if (spd) {
      r.elements = spd_solve(b, factor, rhs, cols);
    } else {
      r.elements = of_tensor(matrix ? b.op(OpKind::MatMul, {factor.tensor, rhs, n, n, cols, size})
                                    : b.op(OpKind::MatVec, {factor.tensor, rhs, n, n}),
                             size, {n, cols});
    }
    if (!matrix) r.elements.dims = {n};
  } else if (name == "inverse_spd") {
    // A^-1 = L^-T L^-1, symmetrised as Stan's: (X + X') / 2.
    Elements l = cholesky_decompose(b, x.elements, add_check, name);
    Value* n = l.dims[0];
    Elements inv = spd_solve(b, l, identity(b, n), n);
    Value* t = inv.tensor;
    r.elements.size = inv.size;
    r.elements.dims = {n, n};
    r.elements.element = [t, n](Builder& in, Value* k) {
      Value* transposed = in.op(OpKind::IAdd, {in.op(OpKind::IMul, {in.op(OpKind::IMod, {k, n}), n}), in.op(OpKind::IDiv, {k, n})});
      return in.op(OpKind::FMul, {in.const_f64(0.5), in.op(OpKind::FAdd, {in.extract(t, k), in.extract(t, transposed)})});
    };
  } else {
    return std::nullopt;
  }
  return r;
}

}  // namespace vic::stdlib
