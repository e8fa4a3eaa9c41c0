// The linear-algebra kernels kernel.call names (ir/kernels.h): LAPACK's
// Cholesky and LU factorisations, its symmetric eigendecomposition and BLAS's
// triangular products and solves,
// from OpenBLAS. Matrices are row-major; each kernel writes its result into `out`
// (never one of its inputs) and returns 0 or a failure status.
#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "ir/kernels.h"
#include "support/lapack.h"


namespace {

// Stan's tolerance for a symmetric matrix (CONSTRAINT_TOLERANCE).
constexpr double kSymmetryTolerance = 1e-8;

void copy(double* out, const double* in, int64_t n) {
  if (n > 0) std::memcpy(out, in, static_cast<size_t>(n) * sizeof(double));
}

}  // namespace

extern "C" {

// L = chol(A), A n x n. Row-major A read as column-major is A' = A, whose
// upper factor U (A = U'U) read back row-major is L, so LAPACK's 'U' case
// writes L's lower triangle with no transposition.
int64_t vic_kernel_cholesky(double* L, const double* A, int64_t n, int64_t) {
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j)
      if (!std::isfinite(A[i * n + j])) return vic::ir::kKernelNotPositiveDefinite;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < i; ++j)
      if (!(std::fabs(A[i * n + j] - A[j * n + i]) <= kSymmetryTolerance)) return vic::ir::kKernelNotSymmetric;
  if (n == 0) return 0;
  copy(L, A, n * n);
  const int size = static_cast<int>(n);
  int info = 0;
  dpotrf_("U", &size, L, &size, &info, 1);
  if (info != 0) return vic::ir::kKernelNotPositiveDefinite;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = i + 1; j < n; ++j) L[i * n + j] = 0.0;
  return 0;
}

// adj_A = sym(L^-T Phi(L' adj_L) L^-1), Phi taking the lower triangle with its
// diagonal halved (Murray 2016, "Differentiation of the Cholesky
// decomposition"); sym(S) = (S + S') / 2, as A enters only through its
// symmetric part.
int64_t vic_kernel_cholesky_adjoint(double* adj_A, const double* L, const double* adj_L, int64_t n, int64_t) {
  if (n == 0) return 0;
  const int m = static_cast<int>(n);
  copy(adj_A, adj_L, n * n);
  cblas_dtrmm(CblasRowMajor, CblasLeft, CblasLower, CblasTrans, CblasNonUnit, m, m, 1.0, L, m, adj_A, m);
  for (int64_t i = 0; i < n; ++i) {
    adj_A[i * n + i] *= 0.5;
    for (int64_t j = i + 1; j < n; ++j) adj_A[i * n + j] = 0.0;
  }
  cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasTrans, CblasNonUnit, m, m, 1.0, L, m, adj_A, m);
  cblas_dtrsm(CblasRowMajor, CblasRight, CblasLower, CblasNoTrans, CblasNonUnit, m, m, 1.0, L, m, adj_A, m);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < i; ++j) {
      const double s = 0.5 * (adj_A[i * n + j] + adj_A[j * n + i]);
      adj_A[i * n + j] = adj_A[j * n + i] = s;
    }
  return 0;
}

// C = op(A) op(B), m x n, summing over k: matmul (A m x k, B k x n), matmul.nt
// (B n x k) and matmul.tn (A k x m), row-major, as the IR's ops.
static int64_t gemm(double* C, const double* A, const double* B, int64_t m, int64_t k, int64_t n,
                    CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb) {
  if (m == 0 || n == 0) return 0;
  if (k == 0) {
    std::fill_n(C, m * n, 0.0);
    return 0;
  }
  const int lda = static_cast<int>(ta == CblasTrans ? m : k);
  const int ldb = static_cast<int>(tb == CblasTrans ? k : n);
  cblas_dgemm(CblasRowMajor, ta, tb, static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), 1.0, A, lda, B,
              ldb, 0.0, C, static_cast<int>(n));
  return 0;
}

int64_t vic_kernel_gemm(double* C, const double* A, const double* B, int64_t m, int64_t k, int64_t n, int64_t) {
  return gemm(C, A, B, m, k, n, CblasNoTrans, CblasNoTrans);
}

int64_t vic_kernel_gemm_nt(double* C, const double* A, const double* B, int64_t m, int64_t k, int64_t n, int64_t) {
  return gemm(C, A, B, m, k, n, CblasNoTrans, CblasTrans);
}

int64_t vic_kernel_gemm_tn(double* C, const double* A, const double* B, int64_t m, int64_t k, int64_t n, int64_t) {
  return gemm(C, A, B, m, k, n, CblasTrans, CblasNoTrans);
}

// X = L^-1 B and X = L^-T B, L n x n (its lower triangle), B n x k.
static int64_t tri_solve(double* X, const double* L, const double* B, int64_t n, int64_t k, CBLAS_TRANSPOSE trans) {
  if (n == 0 || k == 0) return 0;
  copy(X, B, n * k);
  cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, trans, CblasNonUnit, static_cast<int>(n), static_cast<int>(k), 1.0,
              L, static_cast<int>(n), X, static_cast<int>(k));
  return 0;
}

int64_t vic_kernel_tri_solve(double* X, const double* L, const double* B, int64_t n, int64_t k, int64_t) {
  return tri_solve(X, L, B, n, k, CblasNoTrans);
}

int64_t vic_kernel_tri_solve_t(double* X, const double* L, const double* B, int64_t n, int64_t k, int64_t) {
  return tri_solve(X, L, B, n, k, CblasTrans);
}

// The LU factorisation with partial pivoting of the n x n `lu` in place
// (dgetrf); false when a pivot is exactly zero. Row-major A read as
// column-major is A', whose factors serve both the inverse ((A')^-1 read back
// row-major is A^-1) and the determinant (det A' = det A).
static bool factor_lu(double* lu, int64_t n, std::vector<int>& pivots) {
  const int m = static_cast<int>(n);
  pivots.assign(static_cast<size_t>(n), 0);
  int info = 0;
  dgetrf_(&m, &m, lu, &m, pivots.data(), &info);
  return info == 0;
}

// R = A^-1 by LU (dgetrf, dgetri); a singular A fails with R all NaN. A NaN
// or infinite element gives NaNs (Stan's inverse checks nothing but the shape).
int64_t vic_kernel_inverse(double* R, const double* A, int64_t n, int64_t) {
  if (n == 0) return 0;
  const int64_t nn = n * n;
  for (int64_t k = 0; k < nn; ++k) {
    if (!std::isfinite(A[k])) {
      for (int64_t i = 0; i < nn; ++i) R[i] = std::numeric_limits<double>::quiet_NaN();
      return 0;
    }
  }
  copy(R, A, nn);
  std::vector<int> pivots;
  const int m = static_cast<int>(n);
  int info = 0;
  if (factor_lu(R, n, pivots)) {
    int lwork = -1;
    double query = 0;
    dgetri_(&m, R, &m, pivots.data(), &query, &lwork, &info);
    lwork = std::max(m, static_cast<int>(query));
    std::vector<double> work(static_cast<size_t>(lwork));
    dgetri_(&m, R, &m, pivots.data(), work.data(), &lwork, &info);
    if (info == 0) return 0;
  }
  for (int64_t i = 0; i < nn; ++i) R[i] = std::numeric_limits<double>::quiet_NaN();
  return vic::ir::kKernelSingular;
}

// out = (log |det A|, sign det A) from A's LU factors: the sum of the logs of
// |U_ii|, the sign that of their product times -1 per row interchange. A
// singular A has (-inf, 0), as Stan's log_determinant has -inf; a non-finite
// element gives NaNs.
int64_t vic_kernel_log_determinant(double* out, const double* A, int64_t n, int64_t) {
  out[0] = 0.0;
  out[1] = 1.0;
  if (n == 0) return 0;
  const int64_t nn = n * n;
  for (int64_t k = 0; k < nn; ++k) {
    if (!std::isfinite(A[k])) {
      out[0] = out[1] = std::numeric_limits<double>::quiet_NaN();
      return 0;
    }
  }
  std::vector<double> lu(A, A + nn);
  std::vector<int> pivots;
  if (!factor_lu(lu.data(), n, pivots)) {
    out[0] = -HUGE_VAL;
    out[1] = 0.0;
    return 0;
  }
  for (int64_t i = 0; i < n; ++i) {
    const double u = lu[static_cast<size_t>(i * n + i)];
    out[0] += std::log(std::fabs(u));
    if ((u < 0) != (pivots[static_cast<size_t>(i)] != i + 1)) out[1] = -out[1];
  }
  return 0;
}

// A = V diag(w) V' for a symmetric n x n A (LAPACK's dsyev: Householder
// tridiagonalisation, then implicit QL/QR): out holds w, ascending, then V
// row-major, its columns the unit eigenvectors in w's order. Each
// eigenvector's sign is LAPACK's, kept as it comes (Stan's, from Eigen, may
// differ): it is a smooth function of A wherever the eigenvalues are distinct,
// which is what the derivative rules assume. A non-finite element or a
// non-symmetric A (Stan's tolerance) fails with out all NaN, as does a
// failure to converge.
int64_t vic_kernel_eigen_sym(double* out, const double* A, int64_t n, int64_t) {
  const int64_t nn = n * n;
  auto fail = [&](int64_t status) {
    for (int64_t k = 0; k < n + nn; ++k) out[k] = std::numeric_limits<double>::quiet_NaN();
    return status;
  };
  for (int64_t k = 0; k < nn; ++k)
    if (!std::isfinite(A[k])) return fail(vic::ir::kKernelNotANumber);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < i; ++j)
      if (!(std::fabs(A[i * n + j] - A[j * n + i]) <= kSymmetryTolerance)) return fail(vic::ir::kKernelNotSymmetric);
  if (n == 0) return 0;
  // Row-major A read as column-major is A' = A; dsyev reads its lower triangle.
  std::vector<double> a(A, A + nn);
  const int m = static_cast<int>(n);
  int info = 0, lwork = -1;
  double query = 0;
  dsyev_("V", "L", &m, a.data(), &m, out, &query, &lwork, &info, 1, 1);
  lwork = std::max(3 * m, static_cast<int>(query));
  std::vector<double> work(static_cast<size_t>(lwork));
  dsyev_("V", "L", &m, a.data(), &m, out, work.data(), &lwork, &info, 1, 1);
  if (info != 0) return fail(vic::ir::kKernelNotConverged);
  // Eigenvector j is column j of the column-major result, a[j n .. j n + n).
  double* V = out + n;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) V[i * n + j] = a[static_cast<size_t>(j * n + i)];
  return 0;
}

}  // extern "C"
