// format_shortest: the shortest round-trip decimal spelling of a double, via
// std::to_chars, which is exact and locale-independent (printf's %g is neither);
// format_sizes: a shape as messages spell it.
#include "runtime/format.h"

#include <charconv>
#include <cmath>

namespace vic::runtime {

std::string format_shortest(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  // Enough for any double in shortest form ("-2.2250738585072014e-308" is 24 chars).
  char buffer[64];
  auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return std::string(buffer, result.ptr);
}

std::string format_sizes(const std::vector<int64_t>& sizes) {
  std::string text;
  for (int64_t size : sizes) text += (text.empty() ? "" : " x ") + std::to_string(size);
  return text;
}

}  // namespace vic::runtime
