/// @file
/// Rng: a seeded random engine with distributions defined here, so that the same seed gives the
/// same numbers with every compiler and standard library (std::uniform_*_distribution does not
/// promise that).
// SPDX-License-Identifier: MIT
#pragma once

#include <cmath>
#include <cstdint>
#include <utility>

#include "config.hpp"

namespace autoenc {

namespace detail {
/// The 64-bit Mersenne Twister, the numbers of std::mt19937_64 (the C++ standard fixes them:
/// the 10,000th of the default seed 5489 is 9981545732273789042). Written out here so that
/// every file that draws random numbers need not compile <random>.
class MersenneTwister64 {
 public:
  explicit MersenneTwister64(std::uint64_t s = 5489) { seed(s); }

  /// state[0] = seed, state[i] = f (state[i-1] xor (state[i-1] >> 62)) + i.
  void seed(std::uint64_t s) {
    state_[0] = s;
    for (int i = 1; i < kN; ++i)
      state_[i] = 6364136223846793005ULL * (state_[i - 1] ^ (state_[i - 1] >> 62)) + static_cast<std::uint64_t>(i);
    index_ = kN;
  }

  /// The next 64 bits: a word of the state, tempered.
  std::uint64_t operator()() {
    if (index_ >= kN) twist();
    std::uint64_t y = state_[index_++];
    y ^= (y >> 29) & 0x5555555555555555ULL;
    y ^= (y << 17) & 0x71D67FFFEDA60000ULL;
    y ^= (y << 37) & 0xFFF7EEE000000000ULL;
    y ^= y >> 43;
    return y;
  }

 private:
  static constexpr int kN = 312, kM = 156;
  static constexpr std::uint64_t kUpper = ~((std::uint64_t(1) << 31) - 1), kLower = (std::uint64_t(1) << 31) - 1;

  /// The recurrence x[k+n] = x[k+m] xor ((upper(x[k]) | lower(x[k+1])) A), for the next n words.
  void twist() {
    for (int i = 0; i < kN; ++i) {
      const std::uint64_t x = (state_[i] & kUpper) | (state_[(i + 1) % kN] & kLower);
      state_[i] = state_[(i + kM) % kN] ^ (x >> 1) ^ ((x & 1) ? 0xB5026F5AA96619E9ULL : 0);
    }
    index_ = 0;
  }

  std::uint64_t state_[kN];
  int index_ = kN;
};
}  // namespace detail

/// The library's random numbers: the 64-bit Mersenne Twister (std::mt19937_64's numbers) with
/// its own uniform, integer and normal draws, so a seed means the same numbers everywhere.
class Rng {
 public:
  /// An engine started from `seed`.
  explicit Rng(std::uint64_t seed = 0) : engine_(seed) {}

  /// Starts the sequence again from `s`.
  void seed(std::uint64_t s) { engine_.seed(s); }

  /// 64 random bits.
  std::uint64_t bits() { return engine_(); }

  /// Uniform in [0, 1), 53 random bits.
  double uniform() { return static_cast<double>(bits() >> 11) * 0x1.0p-53; }

  /// Uniform in [low, high).
  double uniform(double low, double high) { return low + (high - low) * uniform(); }

  /// Uniform integer in [0, n), without modulo bias (Lemire's multiply-and-reject).
  std::uint64_t below(std::uint64_t n) {
    if (n == 0) return 0;
    const std::uint64_t threshold = (0 - n) % n;  // 2^64 mod n
    for (;;) {
      const unsigned __int128 m = static_cast<unsigned __int128>(bits()) * n;
      if (static_cast<std::uint64_t>(m) >= threshold) return static_cast<std::uint64_t>(m >> 64);
    }
  }

  /// Standard normal, Box-Muller (both values drawn each call, for simplicity).
  double normal() {
    double u1 = uniform();
    while (u1 <= 0.0) u1 = uniform();
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }

  /// Fisher-Yates shuffle of [first, last).
  template <class It>
  void shuffle(It first, It last) {
    const auto n = static_cast<std::uint64_t>(last - first);
    for (std::uint64_t i = n; i > 1; --i) std::swap(first[i - 1], first[below(i)]);
  }

 private:
  detail::MersenneTwister64 engine_;
};

}  // namespace autoenc
