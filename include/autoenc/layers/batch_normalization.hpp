/// @file
/// BatchNormalization over the last axis (the channels), with Keras's defaults and moving
/// statistics kept as non-trainable state.
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "../core/common_args.hpp"
#include "../core/error.hpp"
#include "../core/named_args.hpp"
#include "../core/parallel.hpp"
#include "config_text.hpp"
#include "layer.hpp"

namespace autoenc {

/// momentum and epsilon, with Keras's names and defaults (ae::momentum, ae::epsilon).
struct BatchNormalizationOptions {
  double momentum = 0.99;  ///< weight of the old moving statistics, in [0, 1]
  double epsilon = 1e-3;   ///< added to the variance before the square root, > 0
  void set(NamedArg<MomentumTag, double> a) { momentum = a.value; }  ///< ae::momentum
  void set(NamedArg<EpsilonTag, double> a) { epsilon = a.value; }    ///< ae::epsilon
  /// Throws ConfigError for a value out of range.
  void validate() const {
    if (!(momentum >= 0 && momentum <= 1))
      throw ConfigError("BatchNormalization: momentum must be in [0, 1], got " + std::to_string(momentum));
    if (!(epsilon > 0 && std::isfinite(epsilon)))
      throw ConfigError("BatchNormalization: epsilon must be > 0, got " + std::to_string(epsilon));
  }
};

/// Keras's BatchNormalization(axis=-1): each of the C channels (the last axis) is normalised over
/// every other axis. With the M = batch * (values per sample / C) values x_m of a channel:
///
///     training:   mean = (1/M) sum x_m,   var = (1/M) sum (x_m - mean)^2     (biased, as Keras)
///                 y_m = gamma (x_m - mean) / sqrt(var + epsilon) + beta
///                 moving_mean     = moving_mean     * momentum + mean * (1 - momentum)
///                 moving_variance = moving_variance * momentum + var  * (1 - momentum)
///     inference:  y_m = gamma (x_m - moving_mean) / sqrt(moving_variance + epsilon) + beta
///
/// gamma and beta are the trainable weights (Keras's order; init 1 and 0). moving_mean and
/// moving_variance are non-trainable state (init 0 and 1; state_shapes()), which the model saves
/// and which Keras's summary counts as non-trainable parameters.
///
/// The moving variance follows the biased batch variance, as Keras 3 and tf.keras's non-fused
/// path do. (tf.keras 2's fused kernel, which it picks for 4-D inputs, moves it towards the
/// unbiased M / (M - 1) var instead: a relative difference of 1 / (M - 1).)
/// A batch whose statistics are not finite leaves the moving statistics unchanged. A layer with
/// no state bound (checked alone, outside a model) normalises with the batch statistics in
/// training and has no moving statistics to update.
template <class T = DefaultScalar>
class BatchNormalization : public Layer<T> {
 public:
  /// BatchNormalization() or BatchNormalization(ae::momentum = 0.9, ae::epsilon = 1e-5).
  template <class... Args, class = std::enable_if_t<detail::all_named_args<Args...>>>
  explicit BatchNormalization(Args&&... args) : s_(make_options(std::forward<Args>(args)...)) {}
  /// From a filled-in options struct (checked: ConfigError).
  explicit BatchNormalization(const BatchNormalizationOptions& options) : s_(options) { s_.validate(); }

  std::string kind() const override { return "BatchNormalization"; }
  std::string config_string() const override {
    return "axis=-1, momentum=" + detail::config_number(s_.momentum) + ", epsilon=" + detail::config_number(s_.epsilon);
  }
  const BatchNormalizationOptions& options() const { return s_; }  ///< momentum and epsilon
  Index channels() const { return channels_; }  ///< C, the size of the last axis (0 before build)

  Shape build(const Shape& in) override {
    if (in.rank() == 0 || in[in.rank() - 1] <= 0)
      throw ShapeError("BatchNormalization expects samples with a channel axis (the last), got " + in.to_string());
    channels_ = in[in.rank() - 1];
    const auto c = static_cast<std::size_t>(channels_);
    mean_.assign(c, 0.0);
    var_.assign(c, 0.0);
    inv_std_.assign(c, 0.0);
    center_.assign(c, T(0));
    coef_.assign(3 * c, T(0));
    stats_source_ = {};
    return in;
  }

  /// Keras's weights: gamma (C), then beta (C).
  std::vector<Shape> weight_shapes() const override { return {Shape{channels_}, Shape{channels_}}; }
  /// Keras's non-trainable weights: moving_mean (C), then moving_variance (C).
  std::vector<Shape> state_shapes() const override { return {Shape{channels_}, Shape{channels_}}; }

  /// gamma = 1, beta = 0, moving_mean = 0, moving_variance = 1 (Keras's initialisers).
  void init(Rng&) override {
    if (T* p = this->params()) {
      std::fill(p, p + channels_, T(1));
      std::fill(p + channels_, p + 2 * channels_, T(0));
    }
    if (T* s = this->state()) {
      std::fill(s, s + channels_, T(0));
      std::fill(s + channels_, s + 2 * channels_, T(1));
    }
  }

  using Vector = Eigen::Map<Eigen::Matrix<T, 1, Eigen::Dynamic>>;  ///< C values in the layer's buffers
  /// Read/write access to the weights and the moving statistics, for inspection and tests.
  Vector gamma() { return {this->params(), channels_}; }
  Vector beta() { return {this->params() + channels_, channels_}; }  ///< The shift beta (C), read/write.
  /// The moving mean (C), read/write; ConfigError when no model bound the state.
  Vector moving_mean() { return {require_state("moving_mean"), channels_}; }
  /// The moving variance (C), read/write; ConfigError when no model bound the state.
  Vector moving_variance() { return {require_state("moving_variance") + channels_, channels_}; }
  /// The mean and (biased) variance of the last training batch, per channel.
  const std::vector<double>& batch_mean() const { return mean_; }
  /// The (biased) variance of the last training batch, per channel.
  const std::vector<double>& batch_variance() const { return var_; }

 protected:
  /// y = gamma (x - mean) / sqrt(var + epsilon) + beta, with the batch's statistics in training
  /// (updating the moving ones) and the moving statistics in inference.
  void forward_impl(TensorView<const T> x, TensorView<T> y) override {
    const Index C = channels_, rows = x.size() / C;
    if (rows == 0) return;
    const T* gamma = this->params();
    const T* beta = gamma + C;
    if (this->training()) {
      batch_statistics(x);
      if (T* s = this->state()) update_moving_statistics(s);
    } else {
      moving_statistics("forward in inference mode");
    }
    // y = (x - center) * scale + beta,  scale = gamma * inv_std  (centred first: no cancellation)
    T* scale = coef_.data();
    for (Index c = 0; c < C; ++c) scale[c] = T(static_cast<double>(gamma[c]) * inv_std_[c]);
    const T* center = center_.data();
    parallel_for_range(
        rows, rows_per_chunk(),
        [&](Index r0, Index r1) {
          for (Index r = r0; r < r1; ++r) {
            const T* xr = x.data + r * C;
            T* yr = y.data + r * C;
            for (Index c = 0; c < C; ++c) yr[c] = (xr[c] - center[c]) * scale[c] + beta[c];
          }
        },
        x.size() > kParallelWork);
  }

  /// With xhat = (x - center) inv_std and y = gamma xhat + beta, summing over the M rows:
  ///
  ///     dbeta = sum dy,   dgamma = sum dy xhat
  ///     inference (center, inv_std constants):   dx = gamma inv_std dy
  ///     training (center = mean, inv_std = 1 / sqrt(var + eps) depend on every x of the channel):
  ///       dx = gamma inv_std (dy - dbeta / M - xhat dgamma / M)
  void backward_impl(TensorView<const T> x, TensorView<const T>, TensorView<const T> dy,
                     TensorView<T> dx) override {
    const Index C = channels_, rows = x.size() / C;
    T* dgamma = this->grads();
    T* dbeta = dgamma + C;
    if (rows == 0) {
      std::fill(dgamma, dgamma + 2 * C, T(0));
      return;
    }
    const bool training = this->training();
    if (!training)
      moving_statistics("backward in inference mode");
    else if (x.data != stats_source_.data || x.shape != stats_source_.shape)
      batch_statistics(x);  // not the forward's input: its own statistics, the moving ones untouched

    // The two sums per channel, as ordered partial sums over fixed chunks of rows.
    const Index per_chunk = rows_per_chunk(), chunks = detail::ceil_div(rows, per_chunk);
    grow(partial_, static_cast<std::size_t>(chunks * 2 * C));
    const T* center = center_.data();
    parallel_for(
        chunks,
        [&](Index k) {
          double* sum_dy = partial_.data() + k * 2 * C;
          double* sum_dy_xc = sum_dy + C;
          std::fill(sum_dy, sum_dy + 2 * C, 0.0);
          for (Index r = k * per_chunk, end = std::min(rows, r + per_chunk); r < end; ++r) {
            const T* xr = x.data + r * C;
            const T* gr = dy.data + r * C;
            for (Index c = 0; c < C; ++c) {
              sum_dy[c] += static_cast<double>(gr[c]);
              sum_dy_xc[c] += static_cast<double>(gr[c]) * static_cast<double>(xr[c] - center[c]);
            }
          }
        },
        x.size() > kParallelWork);
    // dx = a dy + b (x - center) + d, per channel
    T* a = coef_.data();
    T* b = a + C;
    T* d = b + C;
    const double M = static_cast<double>(rows);
    for (Index c = 0; c < C; ++c) {
      double db = 0, dg = 0;
      for (Index k = 0; k < chunks; ++k) {
        db += partial_[static_cast<std::size_t>(k * 2 * C + c)];
        dg += partial_[static_cast<std::size_t>(k * 2 * C + C + c)];
      }
      dg *= inv_std_[c];  // sum dy xhat
      dbeta[c] = T(db);
      dgamma[c] = T(dg);
      const double k1 = static_cast<double>(this->params()[c]) * inv_std_[c];
      a[c] = T(k1);
      b[c] = training ? T(-k1 * inv_std_[c] * dg / M) : T(0);
      d[c] = training ? T(-k1 * db / M) : T(0);
    }
    if (!dx) return;
    parallel_for_range(
        rows, per_chunk,
        [&](Index r0, Index r1) {
          for (Index r = r0; r < r1; ++r) {
            const T* xr = x.data + r * C;
            const T* gr = dy.data + r * C;
            T* dr = dx.data + r * C;
            for (Index c = 0; c < C; ++c) dr[c] = a[c] * gr[c] + b[c] * (xr[c] - center[c]) + d[c];
          }
        },
        x.size() > kParallelWork);
  }

 private:
  static constexpr Index kParallelWork = 1 << 15;  // below this many values, one thread

  template <class... Args>
  static BatchNormalizationOptions make_options(Args&&... args) {
    BatchNormalizationOptions o;
    detail::apply_named_args(o, std::forward<Args>(args)...);
    o.validate();
    return o;
  }

  template <class V>
  static void grow(V& v, std::size_t n) {
    if (v.size() < n) v.resize(n);
  }

  /// Rows per chunk of the reductions: fixed by the channel count alone, never by the threads.
  Index rows_per_chunk() const { return std::max<Index>(1, 16384 / channels_); }

  T* require_state(const char* what) const {
    if (!this->state())
      throw ConfigError("BatchNormalization::" + std::string(what) +
                        ": the layer has no moving statistics; add it to a model and build the model first");
    return this->state();
  }

  /// mean_, var_ (biased) and inv_std_ of x's channels, in double, by two passes of ordered
  /// partial sums over fixed chunks of rows (the same bits with any number of threads).
  void batch_statistics(TensorView<const T> x) {
    const Index C = channels_, rows = x.size() / C;
    const Index per_chunk = rows_per_chunk(), chunks = detail::ceil_div(rows, per_chunk);
    grow(partial_, static_cast<std::size_t>(chunks * C));
    const bool threads = x.size() > kParallelWork;
    // pass 1: mean = (1/M) sum x
    parallel_for(
        chunks,
        [&](Index k) {
          double* acc = partial_.data() + k * C;
          std::fill(acc, acc + C, 0.0);
          for (Index r = k * per_chunk, end = std::min(rows, r + per_chunk); r < end; ++r)
            for (Index c = 0; c < C; ++c) acc[c] += static_cast<double>(x.data[r * C + c]);
        },
        threads);
    sum_chunks(chunks, mean_);
    for (Index c = 0; c < C; ++c) mean_[c] /= static_cast<double>(rows);
    // pass 2: var = (1/M) sum (x - mean)^2
    parallel_for(
        chunks,
        [&](Index k) {
          double* acc = partial_.data() + k * C;
          std::fill(acc, acc + C, 0.0);
          for (Index r = k * per_chunk, end = std::min(rows, r + per_chunk); r < end; ++r)
            for (Index c = 0; c < C; ++c) {
              const double e = static_cast<double>(x.data[r * C + c]) - mean_[c];
              acc[c] += e * e;
            }
        },
        threads);
    sum_chunks(chunks, var_);
    for (Index c = 0; c < C; ++c) {
      var_[c] /= static_cast<double>(rows);
      inv_std_[c] = 1.0 / std::sqrt(var_[c] + s_.epsilon);
      center_[c] = T(mean_[c]);
    }
    stats_source_ = x;
  }

  /// out[c] = the chunks' partial sums of channel c, added in chunk order.
  void sum_chunks(Index chunks, std::vector<double>& out) const {
    const Index C = channels_;
    std::fill(out.begin(), out.end(), 0.0);
    for (Index k = 0; k < chunks; ++k)
      for (Index c = 0; c < C; ++c) out[c] += partial_[static_cast<std::size_t>(k * C + c)];
  }

  /// Keras: moving = moving * momentum + batch * (1 - momentum); skipped for a non-finite batch.
  void update_moving_statistics(T* s) const {
    const Index C = channels_;
    for (Index c = 0; c < C; ++c)
      if (!std::isfinite(mean_[c]) || !std::isfinite(var_[c])) return;
    const double m = s_.momentum;
    for (Index c = 0; c < C; ++c) {
      s[c] = T(static_cast<double>(s[c]) * m + mean_[c] * (1 - m));
      s[C + c] = T(static_cast<double>(s[C + c]) * m + var_[c] * (1 - m));
    }
  }

  /// center_ = moving_mean and inv_std_ = 1 / sqrt(moving_variance + epsilon), for inference.
  void moving_statistics(const char* what) {
    const T* s = require_state(what);
    for (Index c = 0; c < channels_; ++c) {
      center_[c] = s[c];
      inv_std_[c] = 1.0 / std::sqrt(static_cast<double>(s[channels_ + c]) + s_.epsilon);
    }
    stats_source_ = {};
  }

  BatchNormalizationOptions s_;
  Index channels_ = 0;
  // Per channel: the statistics in use (the batch's in training, the moving ones in inference).
  std::vector<double> mean_, var_, inv_std_;
  std::vector<T> center_;         // the mean subtracted: the batch's or the moving one, as T
  std::vector<T> coef_;           // per-channel coefficients of the elementwise loops (3 C)
  std::vector<double> partial_;   // per-chunk partial sums; only grows
  TensorView<const T> stats_source_;  // the x of the last training statistics (none: inference)
};

// Precompiled mode: these instantiations live in libautoenc_compiled (src/instantiations/).
#if defined(AUTOENC_PRECOMPILED) && !defined(AUTOENC_COMPILING_LIBRARY)
extern template class BatchNormalization<float>;
extern template class BatchNormalization<double>;
#endif

}  // namespace autoenc
