/// @file
/// Losses: a scalar L(prediction, target) averaged over every element of the batch (as Keras),
/// and its gradient dL/dprediction. With M = batch * elements per sample:
///
///     mse                  L = 1/M sum (p - t)^2                  dL/dp = 2 (p - t) / M
///
///     binary_crossentropy, two paths, as Keras computes it:
///     - from the logits z of a sigmoid output layer (the model fuses the two; p = sigmoid(z)):
///         L = 1/M sum max(z, 0) - z t + log(1 + e^-|z|)          dL/dz = (sigmoid(z) - t) / M
///       which is -t log p - (1 - t) log(1 - p) written without forming p, so it never overflows
///       and a saturated unit still gets its gradient (a unit with z = 20 and t = 0 gets 1 / M).
///     - from probabilities p (any other output layer): Keras clips p to [eps, 1 - eps], eps = 1e-7,
///       and adds eps inside the logarithms:
///         L = -1/M sum t log(pc + eps) + (1 - t) log(1 - pc + eps),   pc = clip(p, eps, 1 - eps)
///         dL/dp = -(t / (pc + eps) - (1 - t) / (1 - pc + eps)) / M    where eps <= p <= 1 - eps,
///       and 0 outside, where the clip holds p (TensorFlow's clip_by_value gradient).
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "../core/error.hpp"
#include "../core/parallel.hpp"
#include "../core/tensor.hpp"

namespace autoenc {

/// The losses a model can be compiled with (Keras's loss names).
enum class LossKind {
  mse,                 ///< Mean squared error, "mse".
  binary_crossentropy  ///< Binary cross-entropy, "binary_crossentropy", for targets in [0, 1].
};

/// Keras's name of the loss: "mse" or "binary_crossentropy".
inline const char* loss_name(LossKind k) {
  return k == LossKind::mse ? "mse" : "binary_crossentropy";
}

/// "mse" / "mean_squared_error", "binary_crossentropy" / "bce".
inline LossKind loss_from_name(const std::string& name) {
  if (name == "mse" || name == "mean_squared_error") return LossKind::mse;
  if (name == "binary_crossentropy" || name == "bce") return LossKind::binary_crossentropy;
  throw ConfigError("unknown loss '" + name + "' (known: mse, binary_crossentropy)");
}

namespace detail {
constexpr Index kLossChunk = 16384;  // elements per chunk of the loss reduction
constexpr double kBceEpsilon = 1e-7;  // Keras's backend epsilon

/// Binary cross-entropy of one probability p against t (Keras's probability path, see the top),
/// with its derivative dL/dp (before dividing by M) when dp is not null.
template <class T>
inline double bce_from_probability(T p, T t, T* dp) {
  constexpr double eps = kBceEpsilon;
  const double pd = static_cast<double>(p), td = static_cast<double>(t);
  const double pc = std::min(std::max(pd, eps), 1.0 - eps);
  if (dp) *dp = (pd >= eps && pd <= 1.0 - eps) ? T(-(td / (pc + eps) - (1.0 - td) / (1.0 - pc + eps))) : T(0);
  return -(td * std::log(pc + eps) + (1.0 - td) * std::log(1.0 - pc + eps));
}

/// Sum over one chunk of the loss, writing scale * dL/dprediction into grad when it is not null.
template <class T>
double loss_chunk(LossKind kind, bool from_logits, const T* prediction, const T* target, T* grad, Index n, T scale) {
  using Array = Eigen::Array<T, Eigen::Dynamic, 1>;
  Eigen::Map<const Array> p(prediction, n), t(target, n);
  if (kind == LossKind::mse) {
    if (grad) Eigen::Map<Array>(grad, n) = (T(2) * scale) * (p - t);
    return static_cast<double>((p - t).square().sum());
  }
  if (from_logits) {  // p holds the logits z
    // max(z, 0) - z t + log(1 + e^-|z|): vectorised by Eigen (exp, log1p, logistic).
    if (grad) Eigen::Map<Array>(grad, n) = scale * (p.logistic() - t);
    return static_cast<double>((p.max(T(0)) - p * t + (-p.abs()).exp().log1p()).sum());
  }
  double sum = 0.0;
  for (Index i = 0; i < n; ++i) {
    T dp = 0;
    sum += bce_from_probability(prediction[i], target[i], grad ? &dp : nullptr);
    if (grad) grad[i] = dp * scale;
  }
  return sum;
}
}  // namespace detail

/// Mean loss over all elements; when `grad.data` is not null, also writes dL/dprediction.
/// With `from_logits` (binary cross-entropy only), `prediction` holds the logits z of a sigmoid
/// output and the gradient is dL/dz. The sum is taken in fixed chunks added in order, so it is
/// the same with any thread count. `partials` is scratch (one double per chunk); pass a member to
/// avoid an allocation per call.
template <class T>
double compute_loss(LossKind kind, TensorView<const T> prediction, TensorView<const T> target,
                    TensorView<T> grad, std::vector<double>& partials, bool from_logits = false) {
  if (prediction.shape != target.shape)
    throw ShapeError(std::string("loss '") + loss_name(kind) + "': prediction shape " +
                     prediction.shape.to_string() + " differs from target shape " +
                     target.shape.to_string());
  if (from_logits && kind != LossKind::binary_crossentropy)
    throw ConfigError(std::string("loss '") + loss_name(kind) + "' has no logits form");
  const Index m = prediction.size();
  if (m == 0) return 0.0;
  const T scale = T(1.0 / static_cast<double>(m));
  const Index n_chunks = detail::ceil_div(m, detail::kLossChunk);
  partials.resize(static_cast<std::size_t>(n_chunks));
  parallel_for(n_chunks, [&](Index c) {
    const Index begin = c * detail::kLossChunk, end = std::min(m, begin + detail::kLossChunk);
    partials[static_cast<std::size_t>(c)] =
        detail::loss_chunk(kind, from_logits, prediction.data + begin, target.data + begin,
                           grad ? grad.data + begin : nullptr, end - begin, scale);
  });
  double total = 0.0;
  for (double p : partials) total += p;
  return total / static_cast<double>(m);
}

/// Convenience overload that allocates its own scratch.
template <class T>
double compute_loss(LossKind kind, const Tensor<T>& prediction, const Tensor<T>& target, bool from_logits = false) {
  std::vector<double> partials;
  return compute_loss<T>(kind, prediction.view(), target.view(), TensorView<T>(), partials, from_logits);
}

}  // namespace autoenc
