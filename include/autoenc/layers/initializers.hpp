/// @file
/// Keras's default initialisation of kernels: glorot-uniform (biases start at zero).
// SPDX-License-Identifier: MIT
#pragma once

#include <cmath>
#include <utility>

#include "../core/config.hpp"
#include "../core/random.hpp"
#include "../core/shape.hpp"

namespace autoenc {
namespace detail {

/// Keras's fans of a kernel shape: (fan_in, fan_out) = (shape[0], shape[1]) for a matrix; for a
/// convolution kernel (kh, kw, in, out), receptive field r = kh kw and (in r, out r).
inline std::pair<double, double> glorot_fans(const Shape& shape) {
  if (shape.rank() < 2) return {double(shape.size()), double(shape.size())};
  Index receptive = 1;
  for (int i = 0; i + 2 < shape.rank(); ++i) receptive *= shape[i];
  return {double(shape[shape.rank() - 2] * receptive), double(shape[shape.rank() - 1] * receptive)};
}

/// w ~ U(-l, l) with l = sqrt(6 / (fan_in + fan_out)) (Glorot and Bengio, 2010).
template <class T>
void glorot_uniform(T* w, Index count, double fan_in, double fan_out, Rng& rng) {
  const double limit = std::sqrt(6.0 / (fan_in + fan_out));
  for (Index i = 0; i < count; ++i) w[i] = T(rng.uniform(-limit, limit));
}

}  // namespace detail
}  // namespace autoenc
