// The choice sources behind the program generator.
#include "fuzz/choices.h"

#include <numeric>

namespace vic::fuzz {

int64_t ChoiceSource::in_range(int64_t lo, int64_t hi) {
  if (hi <= lo) return lo;
  const uint64_t span = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo);
  if (span == UINT64_MAX) return static_cast<int64_t>(below(UINT64_MAX));
  return static_cast<int64_t>(static_cast<uint64_t>(lo) + below(span + 1));
}

bool ChoiceSource::chance(int percent) { return static_cast<int>(below(100)) < percent; }

size_t ChoiceSource::weighted(const std::vector<int>& weights) {
  const int total = std::accumulate(weights.begin(), weights.end(), 0);
  int roll = static_cast<int>(below(static_cast<uint64_t>(total)));
  for (size_t i = 0; i < weights.size(); ++i) {
    if (roll < weights[i]) return i;
    roll -= weights[i];
  }
  return 0;
}

uint64_t SeededChoices::below(uint64_t bound) {
  if (bound <= 1) return 0;
  return engine_() % bound;
}

uint64_t ByteChoices::below(uint64_t bound) {
  if (bound <= 1) return 0;
  // FuzzedDataProvider::ConsumeIntegralInRange<uint64_t>(0, bound - 1).
  const uint64_t range = bound - 1;
  uint64_t result = 0;
  size_t offset = 0;
  while (offset < 64 && (range >> offset) > 0 && remaining_ != 0) {
    --remaining_;
    result = (result << 8) | data_[remaining_];
    offset += 8;
  }
  return result % bound;
}

}  // namespace vic::fuzz
