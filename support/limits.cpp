// The memory budget and byte formatting of support/limits.h.
#include "support/limits.h"

#include <unistd.h>

#include <cstdio>

namespace vic::limits {

uint64_t memory_budget_bytes() {
  static const uint64_t budget = [] {
    long pages = sysconf(_SC_PHYS_PAGES);
    long page_size = sysconf(_SC_PAGE_SIZE);
    if (pages <= 0 || page_size <= 0) return uint64_t{1} << 32;  // unknown: 4 GiB
    return static_cast<uint64_t>(pages) * static_cast<uint64_t>(page_size);
  }();
  return budget;
}

std::string format_bytes(uint64_t bytes) {
  static const char* const kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  if (bytes < 1024) return std::to_string(bytes) + " bytes";
  double value = static_cast<double>(bytes) / 1024;
  int unit = 0;
  while (value >= 1024 && unit < 5) {
    value /= 1024;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, value < 10 ? "%.1f %s" : "%.0f %s", value, kUnits[unit]);
  return text;
}

}  // namespace vic::limits
