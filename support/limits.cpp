// The memory budget and byte formatting of support/limits.h.
#include "support/limits.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <optional>

namespace vic::limits {

namespace {

// VIC_MAX_MEMORY's value in bytes ("512M", "2G", "1000000"), or nullopt when
// it is unset or not a number with an optional K/M/G/T suffix.
std::optional<uint64_t> budget_from_environment() {
  const char* text = std::getenv("VIC_MAX_MEMORY");
  if (!text || !*text) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  unsigned long long value = std::strtoull(text, &end, 10);
  if (errno != 0 || end == text || *text == '-') return std::nullopt;
  int shift = 0;
  switch (*end) {
    case '\0': break;
    case 'K': shift = 10; break;
    case 'M': shift = 20; break;
    case 'G': shift = 30; break;
    case 'T': shift = 40; break;
    default: return std::nullopt;
  }
  if (shift && end[1] != '\0') return std::nullopt;
  if (value > (~0ULL >> shift)) return std::nullopt;
  return static_cast<uint64_t>(value) << shift;
}

uint64_t physical_memory_bytes() {
  long pages = sysconf(_SC_PHYS_PAGES);
  long page_size = sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page_size <= 0) return uint64_t{1} << 32;  // unknown: 4 GiB
  return static_cast<uint64_t>(pages) * static_cast<uint64_t>(page_size);
}

}  // namespace

uint64_t memory_budget_bytes() {
  const uint64_t physical = physical_memory_bytes();
  std::optional<uint64_t> configured = budget_from_environment();
  return configured && *configured < physical ? *configured : physical;
}

std::string describe_memory_budget() {
  const uint64_t budget = memory_budget_bytes();
  if (budget < physical_memory_bytes()) return "the " + format_bytes(budget) + " that VIC_MAX_MEMORY allows";
  return "this machine's " + format_bytes(budget) + " of memory";
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
