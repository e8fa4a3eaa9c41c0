// support/limits.h: checked int64 arithmetic at its edges, the memory budget
// and its VIC_MAX_MEMORY override, and byte formatting.
#include "support/limits.h"

#include <cstdlib>
#include <limits>

#include <gtest/gtest.h>

namespace vic {
namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

TEST(Limits, CheckedArithmetic) {
  EXPECT_EQ(limits::checked_add(kMax - 1, 1), kMax);
  EXPECT_EQ(limits::checked_add(kMax, 1), std::nullopt);
  EXPECT_EQ(limits::checked_sub(kMin + 1, 1), kMin);
  EXPECT_EQ(limits::checked_sub(kMin, 1), std::nullopt);
  EXPECT_EQ(limits::checked_sub(0, kMin), std::nullopt);
  EXPECT_EQ(limits::checked_mul(int64_t{1} << 31, int64_t{1} << 31), int64_t{1} << 62);
  EXPECT_EQ(limits::checked_mul(int64_t{2097152} * 2097152, 2097152), std::nullopt);  // N*N*N, N = 2^21
  EXPECT_EQ(limits::checked_mul(kMin, -1), std::nullopt);
}

// Sets VIC_MAX_MEMORY for one test and restores the environment after it.
class MaxMemory {
 public:
  explicit MaxMemory(const char* value) { setenv("VIC_MAX_MEMORY", value, 1); }
  ~MaxMemory() { unsetenv("VIC_MAX_MEMORY"); }
};

TEST(Limits, MemoryBudgetIsPhysicalMemoryUnlessLowered) {
  unsetenv("VIC_MAX_MEMORY");
  const uint64_t physical = limits::memory_budget_bytes();
  EXPECT_GE(physical, uint64_t{1} << 28);
  EXPECT_EQ(limits::describe_memory_budget(), "this machine's " + limits::format_bytes(physical) + " of memory");
  {
    MaxMemory m("100M");
    EXPECT_EQ(limits::memory_budget_bytes(), uint64_t{100} << 20);
    EXPECT_EQ(limits::describe_memory_budget(), "the 100 MiB that VIC_MAX_MEMORY allows");
  }
  {
    MaxMemory m("4096");
    EXPECT_EQ(limits::memory_budget_bytes(), 4096u);
  }
  // Raising it above the machine's memory, or nonsense, leaves the machine's.
  for (const char* value : {"1000000T", "lots", "12Q", "-5", "1GB", "99999999999999999999999"}) {
    MaxMemory m(value);
    EXPECT_EQ(limits::memory_budget_bytes(), physical) << value;
  }
}

TEST(Limits, FormatBytes) {
  EXPECT_EQ(limits::format_bytes(100), "100 bytes");
  EXPECT_EQ(limits::format_bytes(12 * 1024), "12 KiB");
  EXPECT_EQ(limits::format_bytes(1536ull << 20), "1.5 GiB");
  EXPECT_EQ(limits::format_bytes(191ull << 30), "191 GiB");
}

}  // namespace
}  // namespace vic
