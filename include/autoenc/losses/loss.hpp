// Losses: a scalar L(prediction, target) averaged over every element of the batch (as Keras),
// and its gradient dL/dprediction.
//   mse                  L = 1/M sum (p - t)^2                        dL/dp = 2 (p - t) / M
//   binary_crossentropy  L = -1/M sum t log p + (1 - t) log(1 - p)    dL/dp = (p - t) / (p (1 - p) M)
// where M = batch * elements per sample. Binary cross-entropy clips p to [1e-7, 1 - 1e-7] as
// Keras does (its gradient is zero where the clip is active).
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

enum class LossKind { mse, binary_crossentropy };

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

// Loss of one element and its derivative (before dividing by M).
template <class T>
inline double loss_element(LossKind kind, T p, T t, T* dp) {
  if (kind == LossKind::mse) {
    const T d = p - t;
    if (dp) *dp = T(2) * d;
    return static_cast<double>(d) * static_cast<double>(d);
  }
  const double eps = kBceEpsilon;
  const double pc = std::min(std::max(static_cast<double>(p), eps), 1.0 - eps);
  const double tt = static_cast<double>(t);
  if (dp) *dp = (pc > eps && pc < 1.0 - eps) ? T((pc - tt) / (pc * (1.0 - pc))) : T(0);
  return -(tt * std::log(pc) + (1.0 - tt) * std::log(1.0 - pc));
}
}  // namespace detail

/// Mean loss over all elements; when `grad.data` is not null, also writes dL/dprediction.
/// The sum is taken in fixed chunks added in order, so it is the same with any thread count.
/// `partials` is scratch (one double per chunk); pass a member to avoid an allocation per call.
template <class T>
double compute_loss(LossKind kind, TensorView<const T> prediction, TensorView<const T> target,
                    TensorView<T> grad, std::vector<double>& partials) {
  if (prediction.shape != target.shape)
    throw ShapeError(std::string("loss '") + loss_name(kind) + "': prediction shape " +
                     prediction.shape.to_string() + " differs from target shape " +
                     target.shape.to_string());
  const Index m = prediction.size();
  if (m == 0) return 0.0;
  const T scale = T(1.0 / static_cast<double>(m));
  const Index n_chunks = detail::ceil_div(m, detail::kLossChunk);
  partials.resize(static_cast<std::size_t>(n_chunks));
  parallel_for(n_chunks, [&](Index c) {
    const Index begin = c * detail::kLossChunk, end = std::min(m, begin + detail::kLossChunk);
    double sum = 0.0;
    if (kind == LossKind::mse) {
      // The common case as Eigen array expressions, which Eigen vectorises.
      using Array = Eigen::Array<T, Eigen::Dynamic, 1>;
      Eigen::Map<const Array> p(prediction.data + begin, end - begin), t(target.data + begin, end - begin);
      sum = static_cast<double>((p - t).square().sum());
      if (grad) Eigen::Map<Array>(grad.data + begin, end - begin) = (T(2) * scale) * (p - t);
    } else {
      for (Index i = begin; i < end; ++i) {
        T dp;
        sum += detail::loss_element(kind, prediction.data[i], target.data[i], grad ? &dp : nullptr);
        if (grad) grad.data[i] = dp * scale;
      }
    }
    partials[static_cast<std::size_t>(c)] = sum;
  });
  double total = 0.0;
  for (double p : partials) total += p;
  return total / static_cast<double>(m);
}

/// Convenience overload that allocates its own scratch.
template <class T>
double compute_loss(LossKind kind, const Tensor<T>& prediction, const Tensor<T>& target) {
  std::vector<double> partials;
  return compute_loss<T>(kind, prediction.view(), target.view(), TensorView<T>(), partials);
}

}  // namespace autoenc
