// The runtime's dense linear algebra on small vectors and column-major matrices
// (covariances, Pathfinder's low-rank factors), over LAPACK.
#pragma once

#include <cstddef>
#include <vector>

namespace vic::runtime {

// a . b over a's length.
double dot(const std::vector<double>& a, const std::vector<double>& b);

// The lower Cholesky factor of the n x n `a`, in place, its upper part
// zeroed; false when `a` is not positive definite.
bool cholesky_lower(size_t n, std::vector<double>& a);

// The inverse of L L' from its lower Cholesky factor `l` (as cholesky_lower
// leaves it), in place, both triangles filled.
void inverse_from_cholesky(size_t n, std::vector<double>& l);

// The thin QR of the n x c `a`: Q (n x k) and R (k x c, upper), k = min(n, c).
void thin_qr(size_t n, size_t c, std::vector<double> a, std::vector<double>& q, std::vector<double>& r);

}  // namespace vic::runtime
