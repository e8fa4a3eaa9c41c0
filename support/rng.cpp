// The MIXMAX engine. Arithmetic is modulo the Mersenne prime p = 2^61 - 1 with
// the same lazy reductions as the reference implementation, so the outputs
// match bit for bit (and not only modulo p).
//
// Seeding follows MIXMAX's stream scheme: start from the unit vector e_0 and
// jump ahead by A^(2^(512 + r)) for every set bit r of each 32-bit ID (stream
// ID bits first, then run, machine and cluster). A jump is applied through
// the polynomial x^(2^(512 + r)) mod chi(x), chi being A's characteristic
// polynomial (Cayley-Hamilton: A^k = sum_j c_j A^j). Those polynomials are
// computed here, once, from the matrix itself.
#include "support/rng.h"

#include <mutex>
#include <vector>

namespace vic {
namespace {

constexpr uint64_t kM61 = (uint64_t{1} << 61) - 1;
constexpr int kN = Mixmax::kN;

uint64_t mod_mersenne(uint64_t k) { return (k & kM61) + (k >> 61); }
uint64_t mod_add(uint64_t a, uint64_t b) { return mod_mersenne(a + b); }
// k * 2^36 mod p, as a rotation of the 61-bit word.
uint64_t mul_by_2_36(uint64_t k) { return ((k << 36) & kM61) ^ (k >> 25); }

// cum + s * a mod p, lazily reduced exactly as the reference does.
uint64_t fused_mul_add(uint64_t cum, uint64_t s, uint64_t a) {
  constexpr uint64_t kMask32 = 0xFFFFFFFFULL;
  uint64_t o = s * a;
  uint64_t ph = s >> 32, pl = s & kMask32, ah = a >> 32, al = a & kMask32;
  o = (o & kM61) + ((ph * ah) << 3) + ((ah * pl + al * ph + ((al * pl) >> 32)) >> 29);
  o += cum;
  return (o & kM61) + (o >> 61);
}

// Canonical arithmetic mod p for computing the jump polynomials.
uint64_t mulmod(uint64_t a, uint64_t b) { return static_cast<uint64_t>((static_cast<unsigned __int128>(a) * b) % kM61); }
uint64_t addmod(uint64_t a, uint64_t b) { return (a + b) % kM61; }
uint64_t submod(uint64_t a, uint64_t b) { return (a + kM61 - b) % kM61; }
uint64_t powmod(uint64_t a, uint64_t e) {
  uint64_t r = 1;
  for (; e; e >>= 1, a = mulmod(a, a))
    if (e & 1) r = mulmod(r, a);
  return r;
}

// The MIXMAX step in canonical arithmetic.
std::array<uint64_t, kN> step(const std::array<uint64_t, kN>& y) {
  std::array<uint64_t, kN> out{};
  uint64_t sum = 0;
  for (uint64_t v : y) sum = addmod(sum, v);
  const uint64_t m = (uint64_t{1} << 36) + 1;
  out[0] = sum;
  uint64_t partial = 0, v = sum;
  for (int i = 1; i < kN; ++i) {
    // v_i = v_{i-1} + m * partial_{i-1} + y_i; partial_i = partial_{i-1} + y_i
    v = addmod(addmod(v, mulmod(m, partial)), y[i]);
    partial = addmod(partial, y[i]);
    out[i] = v;
  }
  return out;
}

// chi(x) = x^17 + c_16 x^16 + ... + c_0, as {c_0, ..., c_16}: the minimal
// polynomial of the sequence (A^n e_1)_0, found by Berlekamp-Massey.
std::array<uint64_t, kN> characteristic_polynomial() {
  std::vector<uint64_t> s;
  std::array<uint64_t, kN> x{};
  x[1] = 1;
  for (int n = 0; n < 2 * kN; ++n) {
    s.push_back(x[0]);
    x = step(x);
  }
  std::vector<uint64_t> c{1}, b{1};
  size_t length = 0;
  int shift = 1;
  uint64_t last = 1;
  for (size_t n = 0; n < s.size(); ++n) {
    uint64_t d = s[n];
    for (size_t i = 1; i <= length; ++i) d = addmod(d, mulmod(c[i], s[n - i]));
    if (d == 0) {
      ++shift;
      continue;
    }
    std::vector<uint64_t> previous = c;
    uint64_t factor = mulmod(d, powmod(last, kM61 - 2));
    if (c.size() < b.size() + shift) c.resize(b.size() + shift, 0);
    for (size_t i = 0; i < b.size(); ++i) c[i + shift] = submod(c[i + shift], mulmod(factor, b[i]));
    if (2 * length <= n) {
      length = n + 1 - length;
      b = previous;
      last = d;
      shift = 1;
    } else {
      ++shift;
    }
  }
  // A minimal polynomial of lower degree would mean e_1 is not cyclic; MIXMAX's
  // is of full degree.
  std::array<uint64_t, kN> chi{};
  for (int i = 0; i < kN; ++i) chi[i] = static_cast<size_t>(kN - i) < c.size() ? c[kN - i] : 0;
  return chi;
}

using Poly = std::array<uint64_t, kN>;

Poly square_mod(const Poly& a, const Poly& chi) {
  std::array<uint64_t, 2 * kN - 1> r{};
  for (int i = 0; i < kN; ++i)
    for (int j = 0; j < kN; ++j) r[i + j] = addmod(r[i + j], mulmod(a[i], a[j]));
  for (int k = 2 * kN - 2; k >= kN; --k) {
    if (!r[k]) continue;
    for (int i = 0; i < kN; ++i) r[k - kN + i] = submod(r[k - kN + i], mulmod(r[k], chi[i]));
    r[k] = 0;
  }
  Poly out;
  for (int i = 0; i < kN; ++i) out[i] = r[i];
  return out;
}

// The jump polynomials x^(2^(512 + r)) mod chi, r = 0..127, computed once.
const std::vector<Poly>& jump_polynomials() {
  static std::vector<Poly> rows;
  static std::once_flag once;
  std::call_once(once, [] {
    Poly chi = characteristic_polynomial();
    Poly x{};
    x[1] = 1;
    for (int e = 0; e < 512; ++e) x = square_mod(x, chi);
    for (int r = 0; r < 128; ++r) {
      rows.push_back(x);
      x = square_mod(x, chi);
    }
  });
  return rows;
}

}  // namespace

uint64_t Mixmax::iterate(uint64_t* y, uint64_t sum_old) {
  uint64_t partial = 0, v = sum_old;
  y[0] = v;
  uint64_t sum = y[0], overflow = 0;
  for (int i = 1; i < kN; ++i) {
    v = v + mul_by_2_36(partial);
    partial = mod_add(partial, y[i]);
    v = mod_add(v, partial);
    y[i] = v;
    sum += v;
    if (sum < v) ++overflow;
  }
  return mod_mersenne(mod_mersenne(sum) + (overflow << 3));
}

Mixmax::Mixmax(uint32_t cluster_id, uint32_t machine_id, uint32_t run_id, uint32_t stream_id) {
  const std::vector<Poly>& jumps = jump_polynomials();
  std::array<uint64_t, kN> y{};
  y[0] = 1;
  uint64_t sum = 1;
  const uint32_t ids[4] = {stream_id, run_id, machine_id, cluster_id};
  for (int which = 0; which < 4; ++which) {
    uint32_t id = ids[which];
    for (int r = 0; id; ++r, id >>= 1) {
      if (!(id & 1)) continue;
      const Poly& c = jumps[r + 32 * which];
      std::array<uint64_t, kN> cum{};
      // cum = sum_j c_j A^j y, accumulating as the reference does.
      for (int j = 0; j < kN; ++j) {
        for (int i = 0; i < kN; ++i) cum[i] = fused_mul_add(cum[i], c[j], y[i]);
        sum = iterate(y.data(), sum);
      }
      sum = 0;
      for (int i = 0; i < kN; ++i) {
        y[i] = cum[i];
        sum = mod_add(sum, cum[i]);
      }
    }
  }
  state_ = y;
  sum_ = 0;
  for (uint64_t v : y) sum_ = mod_add(sum_, v);
  counter_ = 1;
}

}  // namespace vic
