// Library-wide configuration: index type, the default scalar, debug assertions.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>

#include <Eigen/Core>

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
