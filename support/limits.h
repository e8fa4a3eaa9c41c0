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

// The bytes vic lets one run plan to allocate (draws, outputs, model storage):
// the machine's physical memory, read once.
uint64_t memory_budget_bytes();

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
