// The sorting kernels kernel.call names (ir/kernels.h): sort, sort.indices and
// sort.ranks, by std::stable_sort. Each writes its result into `out` (never its
// input) and returns 0 or a failure status; `descending` is 0 or 1. The three
// sort with one comparison, so that ties land in the same places in each: the
// gradient of a sort follows the permutation its values were put in.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <vector>

#include "ir/kernels.h"

namespace {

// x before y in ascending order, NaNs last (a strict weak order even with NaNs).
bool before(double x, double y) { return x < y || (std::isnan(y) && !std::isnan(x)); }

// The indices of x in sorted order.
std::vector<int64_t> order(const double* x, int64_t n, bool descending) {
  std::vector<int64_t> index(static_cast<size_t>(n));
  std::iota(index.begin(), index.end(), int64_t{0});
  std::stable_sort(index.begin(), index.end(), [x, descending](int64_t i, int64_t j) {
    return descending ? before(x[j], x[i]) : before(x[i], x[j]);
  });
  return index;
}

}  // namespace

extern "C" {

// out = x sorted; fails when an element is NaN (Stan's sort_asc and sort_desc reject it).
int64_t vic_kernel_sort(double* out, const double* x, int64_t descending, int64_t n) {
  const std::vector<int64_t> index = order(x, n, descending != 0);
  bool nan = false;
  for (int64_t i = 0; i < n; ++i) {
    out[i] = x[index[static_cast<size_t>(i)]];
    nan |= std::isnan(out[i]);
  }
  return nan ? vic::ir::kKernelNotANumber : 0;
}

// out[i] = the (0-based) index of the i-th element in sorted order.
int64_t vic_kernel_sort_indices(double* out, const double* x, int64_t descending, int64_t n) {
  const std::vector<int64_t> index = order(x, n, descending != 0);
  for (int64_t i = 0; i < n; ++i) out[i] = static_cast<double>(index[static_cast<size_t>(i)]);
  return 0;
}

// out[j] = the (0-based) position of element j in sorted order: the inverse
// of sort.indices.
int64_t vic_kernel_sort_ranks(double* out, const double* x, int64_t descending, int64_t n) {
  const std::vector<int64_t> index = order(x, n, descending != 0);
  for (int64_t i = 0; i < n; ++i) out[index[static_cast<size_t>(i)]] = static_cast<double>(i);
  return 0;
}

}  // extern "C"
