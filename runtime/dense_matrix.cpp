// cholesky_lower, inverse_from_cholesky and thin_qr: LAPACK's dpotrf, dpotri,
// dgeqrf and dorgqr, with the workspace queries and the triangles tidied.
#include "runtime/dense_matrix.h"

#include <algorithm>

#include "support/lapack.h"

namespace vic::runtime {

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double sum = 0;
  for (size_t i = 0; i < a.size(); ++i) sum += a[i] * b[i];
  return sum;
}

bool cholesky_lower(size_t n, std::vector<double>& a) {
  int size = static_cast<int>(n);
  int info = 0;
  if (size > 0) dpotrf_("L", &size, a.data(), &size, &info, 1);
  for (size_t j = 0; j < n; ++j)
    for (size_t i = 0; i < j; ++i) a[i + j * n] = 0;
  return info == 0;
}

void inverse_from_cholesky(size_t n, std::vector<double>& l) {
  int size = static_cast<int>(n);
  int info = 0;
  if (size > 0) dpotri_("L", &size, l.data(), &size, &info, 1);
  for (size_t j = 0; j < n; ++j)
    for (size_t i = 0; i < j; ++i) l[i + j * n] = l[j + i * n];
}

void thin_qr(size_t n, size_t c, std::vector<double> a, std::vector<double>& q, std::vector<double>& r) {
  int rows = static_cast<int>(n), cols = static_cast<int>(c);
  const int k = std::min(rows, cols);
  std::vector<double> tau(static_cast<size_t>(std::max(k, 1)));
  int info = 0;
  int lwork = -1;
  double query = 0;
  dgeqrf_(&rows, &cols, a.data(), &rows, tau.data(), &query, &lwork, &info);
  lwork = std::max(1, static_cast<int>(query));
  std::vector<double> work(static_cast<size_t>(lwork));
  dgeqrf_(&rows, &cols, a.data(), &rows, tau.data(), work.data(), &lwork, &info);
  r.assign(static_cast<size_t>(k) * c, 0.0);
  for (int j = 0; j < cols; ++j)
    for (int i = 0; i <= std::min(j, k - 1); ++i) r[i + j * k] = a[i + j * rows];
  lwork = -1;
  dorgqr_(&rows, &k, &k, a.data(), &rows, tau.data(), &query, &lwork, &info);
  lwork = std::max(1, static_cast<int>(query));
  work.assign(static_cast<size_t>(lwork), 0.0);
  dorgqr_(&rows, &k, &k, a.data(), &rows, tau.data(), work.data(), &lwork, &info);
  q.assign(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(n) * k);
}

}  // namespace vic::runtime
