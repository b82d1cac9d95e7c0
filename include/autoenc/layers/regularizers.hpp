/// @file
/// Activity regularizers: a penalty on what a layer outputs, added to the loss, as Keras's
/// activity_regularizer. The sparse autoencoder puts l1(1e-4) on its code so that few units fire:
///
///     ae::Dense<float>(32, "relu", ae::activity_regularizer = ae::l1(1e-4))
///
/// For a batch of B samples with outputs y, Keras adds to the mean loss
///
///     penalty = (l1 * sum |y| + l2 * sum y^2) / B
///
/// and so does the layer here (Layer::regularization_loss), in training, evaluate and fit's
/// progress line alike. Its gradient, dpenalty/dy = (l1 sign(y) + 2 l2 y) / B, is added to the
/// dL/dy the layer receives in backward.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstdio>
#include <string>

#include "../core/config.hpp"
#include "../core/error.hpp"
#include "../core/named_args.hpp"

namespace autoenc {

/// The weights of an L1 and an L2 penalty; both zero means no penalty.
struct Regularizer {
  double l1 = 0;  ///< weight of sum |y|
  double l2 = 0;  ///< weight of sum y^2

  /// Whether the penalty is not identically zero.
  bool active() const { return l1 != 0 || l2 != 0; }

  /// "l1(0.0001)", "l2(0.01)", "l1_l2(l1=0.0001, l2=0.01)" or "none": the layer's config text.
  std::string to_string() const {
    char buf[96];
    if (l1 != 0 && l2 != 0)
      std::snprintf(buf, sizeof buf, "l1_l2(l1=%.9g, l2=%.9g)", l1, l2);
    else if (l1 != 0)
      std::snprintf(buf, sizeof buf, "l1(%.9g)", l1);
    else if (l2 != 0)
      std::snprintf(buf, sizeof buf, "l2(%.9g)", l2);
    else
      return "none";
    return buf;
  }
};

/// Keras's regularizers.l1(weight): penalty weight * sum |y|.
inline Regularizer l1(double weight) {
  if (!(weight >= 0)) throw ConfigError("l1: the weight must be >= 0, got " + std::to_string(weight));
  return {weight, 0};
}
/// Keras's regularizers.l2(weight): penalty weight * sum y^2.
inline Regularizer l2(double weight) {
  if (!(weight >= 0)) throw ConfigError("l2: the weight must be >= 0, got " + std::to_string(weight));
  return {0, weight};
}
/// Keras's regularizers.l1_l2(l1, l2): both penalties.
inline Regularizer l1_l2(double l1_weight, double l2_weight) {
  return {l1(l1_weight).l1, l2(l2_weight).l2};
}

struct ActivityRegularizerTag;
/// ae::activity_regularizer = ae::l1(1e-4): a penalty on the layer's output (see above).
inline constexpr ArgName<ActivityRegularizerTag, Regularizer> activity_regularizer{};

namespace detail {

/// (l1 sum |y| + l2 sum y^2) / batch over the n values of y, summed in double.
template <class T>
double activity_penalty(const Regularizer& r, const T* y, Index n, Index batch) {
  double abs_sum = 0, square_sum = 0;
  for (Index i = 0; i < n; ++i) {
    const double v = static_cast<double>(y[i]);
    abs_sum += v < 0 ? -v : v;
    square_sum += v * v;
  }
  return (r.l1 * abs_sum + r.l2 * square_sum) / static_cast<double>(batch);
}

/// out = dy + (l1 sign(y) + 2 l2 y) / batch, the gradient of loss + penalty with respect to y.
/// sign(0) = 0, the subgradient TensorFlow takes for |y| at 0.
template <class T>
void add_activity_gradient(const Regularizer& r, const T* y, const T* dy, T* out, Index n, Index batch) {
  const T a = static_cast<T>(r.l1 / static_cast<double>(batch));
  const T b = static_cast<T>(2 * r.l2 / static_cast<double>(batch));
  for (Index i = 0; i < n; ++i) {
    const T sign = y[i] > T(0) ? T(1) : (y[i] < T(0) ? T(-1) : T(0));
    out[i] = dy[i] + a * sign + b * y[i];
  }
}

}  // namespace detail
}  // namespace autoenc
