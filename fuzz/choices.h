// Where a random program's decisions come from. The program generator asks a
// ChoiceSource for every choice it makes; SeededChoices answers from a seed
// (for tests that want many fixed programs), ByteChoices from a byte string
// (for the fuzzer, whose mutations of the bytes then become mutations of the
// program). ByteChoices reads numbers as libFuzzer's FuzzedDataProvider reads
// integers in a range, from the end of the data, so the same file drives the
// same program in the fuzz build and in the normal build, which lacks clang.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <string_view>
#include <vector>

namespace vic::fuzz {

// A stream of choices. Implementations only provide `below`; the helpers are
// built on it so that every source makes the same decisions from the same numbers.
class ChoiceSource {
 public:
  virtual ~ChoiceSource() = default;

  // A number in [0, bound); 0 when bound is 0 or 1.
  virtual uint64_t below(uint64_t bound) = 0;

  // A number in [lo, hi]; lo when hi < lo.
  int64_t in_range(int64_t lo, int64_t hi);
  // True with probability about `percent` / 100.
  bool chance(int percent);
  // One of `count` alternatives, weighted: weights[i] / sum(weights).
  size_t weighted(const std::vector<int>& weights);
  // An index into a container of `count` elements (count >= 1).
  size_t pick(size_t count) { return static_cast<size_t>(below(count)); }
};

// Choices from a 64-bit Mersenne Twister (whose output the C++ standard fixes),
// so a seed gives the same program on every platform.
class SeededChoices : public ChoiceSource {
 public:
  explicit SeededChoices(uint64_t seed) : engine_(seed) {}
  uint64_t below(uint64_t bound) override;

 private:
  std::mt19937_64 engine_;
};

// Choices read from bytes, as FuzzedDataProvider::ConsumeIntegralInRange reads
// them: from the end of the data, as few bytes as the range needs. When the
// bytes run out every choice is 0, so any byte string gives a finite program.
class ByteChoices : public ChoiceSource {
 public:
  ByteChoices(const uint8_t* data, size_t size) : data_(data), remaining_(size) {}
  uint64_t below(uint64_t bound) override;
  // Bytes not read yet.
  size_t remaining() const { return remaining_; }

 private:
  const uint8_t* data_;
  size_t remaining_;
};

}  // namespace vic::fuzz
