// The random number generator shared by ADVI and the `_rng` functions that
// generated quantities call from compiled code. Seeded explicitly: the same seed
// gives the same draws, byte for byte.
//
// It is MIXMAX (N = 17, m = 2^36 + 1, s = 0; Savvidy 2015), the generator Stan
// 2.39 uses (boost::random::mixmax), seeded as CmdStan seeds chain 1. Debian's
// Boost 1.74 predates boost::random::mixmax, so vic has its own engine with the
// same output; with Boost's distributions on top, a seed draws the same numbers
// as CmdStan's, so `vic fit --seed N` starts from the point CmdStan's ADVI
// starts from and follows its random path.
#pragma once

#include <algorithm>
#include <array>
#include <boost/random/normal_distribution.hpp>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace vic {

class Mixmax {
 public:
  using result_type = uint64_t;
  static constexpr int kN = 17;
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return (uint64_t{1} << 61) - 1; }

  // The stream with these IDs, as boost::random::mixmax(cluster, machine, run, stream).
  Mixmax(uint32_t cluster_id, uint32_t machine_id, uint32_t run_id, uint32_t stream_id);
  // CmdStan's generator for `seed` and chain 1: Mixmax(0, 1, seed, 1). Seeds
  // past 32 bits use the cluster ID for their high half.
  explicit Mixmax(uint64_t seed = 1) : Mixmax(static_cast<uint32_t>(seed >> 32), 1, static_cast<uint32_t>(seed), 1) {}

  // One uniform integer in [0, 2^61 - 1].
  result_type operator()() {
    if (counter_ <= kN - 1) return state_[counter_++];
    sum_ = iterate(state_.data(), sum_);
    counter_ = 2;
    return state_[1];
  }
  void discard(uint64_t n) {
    for (uint64_t i = 0; i < n; ++i) (*this)();
  }

  friend bool operator==(const Mixmax&, const Mixmax&) = default;

  // One step of the MIXMAX matrix on a raw state; returns the new sum.
  static uint64_t iterate(uint64_t* y, uint64_t sum);

 private:
  std::array<uint64_t, kN> state_{};
  uint64_t sum_ = 0;
  int counter_ = 0;
};

using Rng = Mixmax;

// n standard normals into out[0..n), one boost normal per coordinate, in
// order, as stan::math::normal_rng draws them (so ADVI follows Stan's draws).
inline void standard_normals(Rng& rng, double* out, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    boost::random::normal_distribution<double> normal(0.0, 1.0);
    out[i] = normal(rng);
  }
}

// Standard normals drawn ahead as a block (for a batched evaluation, the
// compiled ELBO) and, when the block goes unused, handed out one draw at a
// time before any new one: the stream of draws is the same either way.
class NormalBlock {
 public:
  // n new normals; any the previous block had left are dropped.
  const double* draw(Rng& rng, size_t n) {
    block_.resize(n);
    next_ = 0;
    standard_normals(rng, block_.data(), n);
    return block_.data();
  }
  // The block was used: nothing of it is handed out again.
  void consume() {
    block_.clear();
    next_ = 0;
  }
  // The next n normals: the unused block's first, then new ones.
  void next(Rng& rng, double* out, size_t n) {
    const size_t taken = std::min(n, block_.size() - next_);
    std::copy_n(block_.begin() + static_cast<std::ptrdiff_t>(next_), taken, out);
    next_ += taken;
    standard_normals(rng, out + taken, n - taken);
  }

 private:
  std::vector<double> block_;
  size_t next_ = 0;
};

}  // namespace vic
