/// @file
/// Random numbers addressed by (seed, step, element), for the layers that draw noise in training
/// (Dropout, GaussianNoise).
///
/// Element i of a training step s gets the bits
///
///     key = splitmix64(seed ^ splitmix64(s)),    bits(i) = splitmix64(key + i * golden)
///
/// (the i-th output of the SplitMix64 generator started at `key`). A number depends only on
/// (seed, s, i) and never on which thread computes it or in which order, so noise is the same with
/// 1 thread or 8, and any element can be drawn alone (no sequential state to replay).
// SPDX-License-Identifier: MIT
#pragma once

#include <cmath>
#include <cstdint>

namespace autoenc {
namespace detail {

constexpr std::uint64_t kGolden64 = 0x9e3779b97f4a7c15ull;  // 2^64 / golden ratio, SplitMix64's step

/// SplitMix64's output function applied to z + golden (Steele, Lea and Flood, 2014).
inline std::uint64_t splitmix64(std::uint64_t z) {
  z += kGolden64;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/// The random numbers of one training step of one layer.
class CounterNoise {
 public:
  CounterNoise(std::uint64_t seed, std::uint64_t step) : key_(splitmix64(seed ^ splitmix64(step))) {}

  /// 64 random bits for element i.
  std::uint64_t bits(std::uint64_t i) const { return splitmix64(key_ + i * kGolden64); }

  /// Uniform in [0, 1) from 53 of element i's bits.
  double uniform(std::uint64_t i) const { return static_cast<double>(bits(i) >> 11) * 0x1.0p-53; }

  /// Standard normal for element i, by Box-Muller from the uniforms of indices 2i and 2i + 1:
  ///     z = sqrt(-2 ln u1) cos(2 pi u2),   u1 in (0, 1], u2 in [0, 1).
  double normal(std::uint64_t i) const {
    const double u1 = static_cast<double>((bits(2 * i) >> 11) + 1) * 0x1.0p-53;  // never 0: ln stays finite
    const double u2 = uniform(2 * i + 1);
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }

 private:
  std::uint64_t key_;
};

}  // namespace detail
}  // namespace autoenc
