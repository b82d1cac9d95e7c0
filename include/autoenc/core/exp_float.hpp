/// @file
/// exp_float: e^x for a block of floats, with the bits of glibc's expf, in a loop that
/// vectorises.
///
/// Why: ELU needs e^z for every negative pre-activation, and one call of libm's expf per
/// element was a sixth of the chapter's elu CNN step. A faster exponential with other
/// rounding would move the chapter's numbers; this one computes what glibc's expf computes,
/// step for step, so its results are glibc's, bit for bit: compared over every float at or
/// below zero (no difference), and over every 61st in the tests. That holds when glibc picks
/// the variant this code was compiled as: glibc (2.27 and later, x86-64) uses its FMA build on
/// processors with FMA and AVX2, so compile with FMA (-march=native does) for those, without
/// it for older ones. Otherwise an input may round differently, by one unit in the last place.
///
/// The method (glibc's, from ARM's optimized-routines), in double precision:
///   x 32 / ln 2 = k + r,  k an integer, |r| <= 1/2,
///   e^x = 2^(k/32) 2^(r/32),
///   2^(k/32) = 2^floor(k/32) * 2^((k mod 32)/32): a table of 32 values, with the integer
///              part added to the exponent bits,
///   2^(r/32) ~= 1 + c2 r + c1 r^2 + c0 r^3, a cubic accurate to about 2^-34,
/// and the double result is rounded to float once. k is found with the "shift" trick: adding
/// 1.5 * 2^52 to x 32 / ln 2 rounds it to an integer, which then sits in the low bits.
/// glibc's FMA build (the one it picks on processors with FMA and AVX2) fuses some of the
/// multiplications and additions, and so does this code when compiled for FMA.
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "config.hpp"

namespace autoenc {
namespace detail {

/// The bits of 2^(i/32) for i = 0..31, minus i << 47, so that adding k << 47 to entry k mod 32
/// gives the bits of 2^(k/32) (the integer part of k/32 lands in the exponent).
alignas(64) inline constexpr std::uint64_t kExp2Table[32] = {
    0x3ff0000000000000, 0x3fefd9b0d3158574, 0x3fefb5586cf9890f, 0x3fef9301d0125b51,
    0x3fef72b83c7d517b, 0x3fef54873168b9aa, 0x3fef387a6e756238, 0x3fef1e9df51fdee1,
    0x3fef06fe0a31b715, 0x3feef1a7373aa9cb, 0x3feedea64c123422, 0x3feece086061892d,
    0x3feebfdad5362a27, 0x3feeb42b569d4f82, 0x3feeab07dd485429, 0x3feea47eb03a5585,
    0x3feea09e667f3bcd, 0x3fee9f75e8ec5f74, 0x3feea11473eb0187, 0x3feea589994cce13,
    0x3feeace5422aa0db, 0x3feeb737b0cdc5e5, 0x3feec49182a3f090, 0x3feed503b23e255d,
    0x3feee89f995ad3ad, 0x3feeff76f2fb5e47, 0x3fef199bdd85529c, 0x3fef3720dcef9069,
    0x3fef5818dcfba487, 0x3fef7c97337b9b5f, 0x3fefa4afa2a490da, 0x3fefd0765b6e4540};

/// out[i] = e^x[i] for x[i] <= 0 (and NaN), the bits of glibc's expf. For positive x the
/// result is unspecified (but raises no floating-point exception). out may be x itself, not a
/// partial overlap of it.
inline void exp_float_nonpositive(const float* x, float* out, Index n) {
  constexpr double kScale = 0x1.71547652b82fep+5;  // 32 / ln 2
  constexpr double kShift = 0x1.8p+52;             // 1.5 * 2^52: rounds to an integer
  constexpr double kC0 = 0x1.c6af84b912394p-20, kC1 = 0x1.ebfce50fac4f3p-13, kC2 = 0x1.62e42ff0c52d6p-6;
  constexpr std::uint32_t kUnderflowBits = 0xc2cff1b4u;  // -0x1.9fe368p6f = ln(2^-150): below it e^x rounds to 0
  for (Index i = 0; i < n; ++i) {
    // Decisions are made on the bits, in integer arithmetic, which vectorises (float ?: would
    // not: the compiler moves the floating-point work into branches). For a negative float the
    // bits grow with the magnitude.
    std::uint32_t x_bits;
    std::memcpy(&x_bits, x + i, sizeof x_bits);
    const std::uint32_t is_nan = 0u - std::uint32_t((x_bits & 0x7fffffffu) > 0x7f800000u);
    const std::uint32_t underflows = 0u - std::uint32_t(x_bits > kUnderflowBits);  // -inf included
    // Inputs outside [ln(2^-150), 0] are clamped (positive ones to 0), so that no lane
    // overflows or computes inf - inf; those lanes' results are chosen at the end.
    const std::uint32_t clamped_bits = std::min(x_bits, kUnderflowBits) & (0u - (x_bits >> 31));
    float clamped;
    std::memcpy(&clamped, &clamped_bits, sizeof clamped);
    const double xd = double(clamped);
#ifdef __FMA__
    const double shifted = __builtin_fma(kScale, xd, kShift);  // k + 1.5 * 2^52
#else
    const double scaled = kScale * xd;
    const double shifted = scaled + kShift;
#endif
    std::uint64_t k;
    std::memcpy(&k, &shifted, sizeof k);  // k in the low bits
    const double kd = shifted - kShift;   // k as a double
#ifdef __FMA__
    const double r = __builtin_fma(kScale, xd, -kd);  // x 32 / ln 2 - k
#else
    const double r = scaled - kd;
#endif
    const std::uint64_t s_bits = kExp2Table[k % 32] + (k << 47);
    double s;  // 2^(k/32)
    std::memcpy(&s, &s_bits, sizeof s);
    // 2^(r/32) ~= (c0 r + c1) r^2 + (c2 r + 1), in glibc's order.
#ifdef __FMA__
    const double p = __builtin_fma(r, kC0, kC1), q = __builtin_fma(r, kC2, 1.0);
    const double y = __builtin_fma(p, r * r, q) * s;
#else
    const double p = kC0 * r + kC1, q = kC2 * r + 1.0;
    const double y = (p * (r * r) + q) * s;
#endif
    const float e = float(y);
    // glibc's special cases that matter here: NaN gives x + x, which on x86 is x made quiet
    // (the top bit of the fraction set), and e^x below half the smallest subnormal (-infinity
    // included) gives 0.
    std::uint32_t e_bits;
    std::memcpy(&e_bits, &e, sizeof e_bits);
    const std::uint32_t nan_bits = x_bits | 0x00400000u;
    const std::uint32_t bits = (is_nan & nan_bits) | (~is_nan & ~underflows & e_bits);
    std::memcpy(out + i, &bits, sizeof bits);
  }
}

}  // namespace detail
}  // namespace autoenc
