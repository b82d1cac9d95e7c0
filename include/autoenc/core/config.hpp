/// @file
/// Library-wide configuration: index type, the default scalar, debug assertions.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>

#include "precompiled.hpp"

// GCC 12 reports "'__Y' may be used uninitialized" hundreds of times from its own AVX intrinsics
// headers (the deliberately undefined vectors of _mm256_undefined_ps and the like) once Eigen's
// kernels are inlined: a known false positive. The intrinsics headers are first included here,
// through Eigen, so the warning is silenced for their text only, not for anyone's code. Every
// autoenc header includes Eigen through this file.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Warray-bounds"  // the same intrinsics, loading 64 bytes near a scalar
#endif
#include <Eigen/Core>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif


/// Everything autoenc defines: tensors, layers, models, optimizers, file formats, KMeans and
/// TSNE (the examples write `namespace ae = autoenc;`).
namespace autoenc {

/// Signed index used for every size and position (as Eigen does).
using Index = Eigen::Index;

/// The scalar every template defaults to. Tests instantiate `double` for gradient checks.
using DefaultScalar = float;

}  // namespace autoenc

/// Cheap internal consistency checks; compiled out in release builds, like eigen_assert.
#ifndef AUTOENC_ASSERT
#ifdef NDEBUG
#define AUTOENC_ASSERT(cond) ((void)0)
#else
#include <cassert>
#define AUTOENC_ASSERT(cond) assert(cond)
#endif
#endif
