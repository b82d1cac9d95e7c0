// Keras's default initialisation of kernels: glorot-uniform (biases start at zero).
// SPDX-License-Identifier: MIT
#pragma once

#include <cmath>

#include "../core/config.hpp"
#include "../core/random.hpp"

namespace autoenc {
namespace detail {

/// w ~ U(-l, l) with l = sqrt(6 / (fan_in + fan_out)) (Glorot and Bengio, 2010).
template <class T>
void glorot_uniform(T* w, Index count, double fan_in, double fan_out, Rng& rng) {
  const double limit = std::sqrt(6.0 / (fan_in + fan_out));
  for (Index i = 0; i < count; ++i) w[i] = T(rng.uniform(-limit, limit));
}

}  // namespace detail
}  // namespace autoenc
