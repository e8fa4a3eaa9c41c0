// Limits on what input may ask vic to allocate, checked before allocating, and
// integer arithmetic that reports overflow instead of wrapping. A size or a
// count computed from user input goes through these, so a hostile model, data
// file or command line gets a clear error rather than a crash, a wrapped size
// or an exhausted machine.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace vic::limits {

// The most elements one container (vector, array, matrix; all dimensions
// together) may hold: Stan's int range, so every index fits Stan's int.
inline constexpr int64_t kMaxContainerElements = 2147483647;

// The bytes vic lets one run plan to allocate (parsing, outputs, draws): the
// machine's physical memory, or less when the environment variable
// VIC_MAX_MEMORY sets it (bytes, or with a K, M, G or T suffix for KiB ... TiB).
uint64_t memory_budget_bytes();

// The budget in words, for messages: "this machine's 24 GiB of memory" or
// "the 100 MiB that VIC_MAX_MEMORY allows".
std::string describe_memory_budget();

// "1.5 GiB", "512 MiB", "12 KiB", "100 bytes".
std::string format_bytes(uint64_t bytes);

// a + b, a - b, a * b, or nullopt when the exact result does not fit in int64.
inline std::optional<int64_t> checked_add(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_add_overflow(a, b, &r)) return std::nullopt;
  return r;
}
inline std::optional<int64_t> checked_sub(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_sub_overflow(a, b, &r)) return std::nullopt;
  return r;
}
inline std::optional<int64_t> checked_mul(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_mul_overflow(a, b, &r)) return std::nullopt;
  return r;
}

}  // namespace vic::limits
