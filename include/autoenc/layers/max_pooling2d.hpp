/// @file
/// MaxPooling2D: the maximum of each window of an NHWC image, per channel, with Keras's sizes.
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "../core/error.hpp"
#include "../core/named_args.hpp"
#include "../core/parallel.hpp"
#include "conv_geometry.hpp"
#include "conv_options.hpp"
#include "layer.hpp"

namespace autoenc {

struct PoolSizeTag;
/// ae::pool_size = 2 or ae::pool_size = {2, 3}: the window of a pooling layer.
inline constexpr ArgName<PoolSizeTag, Size2> pool_size{};

/// pool_size, strides and padding of a pooling layer, with Keras's defaults: strides = pool_size
/// unless given (Keras's strides=None), padding "valid".
struct PoolingOptions {
  Size2 pool_size = 2;               ///< the window, (height, width)
  std::optional<Size2> strides;  ///< none: the pool size
  Padding padding = Padding::valid;  ///< "valid" or "same"

  void set(NamedArg<PoolSizeTag, Size2> a) { pool_size = a.value; }     ///< ae::pool_size
  void set(NamedArg<StridesTag, Size2> a) { strides = a.value; }        ///< ae::strides
  void set(NamedArg<PaddingTag, PaddingSpec> a) { padding = a.value; }  ///< ae::padding

  /// The strides in effect: the given ones, or the pool size.
  Size2 effective_strides() const { return strides ? *strides : pool_size; }

  /// Throws ConfigError, naming the layer `kind`, for a window or stride that is not positive.
  void validate(const std::string& kind) const {
    if (pool_size.height <= 0 || pool_size.width <= 0)
      throw ConfigError(kind + ": pool_size must be > 0, got " + pool_size.to_string());
    const Size2 s = effective_strides();
    if (s.height <= 0 || s.width <= 0) throw ConfigError(kind + ": strides must be > 0, got " + s.to_string());
  }
  /// "pool_size=(2, 2), strides=(2, 2), padding=valid" for config_string().
  std::string to_string() const {
    return "pool_size=" + pool_size.to_string() + ", strides=" + effective_strides().to_string() +
           ", padding=" + padding_name(padding);
  }
};

/// Keras's MaxPooling2D over (batch, H, W, C) images:
///
///     y[n, i, j, c] = max over the window's cells (r, q) of x[n, r, q, c],
///     r in i*sh - pt + [0, ph),  q in j*sw - pl + [0, pw),  clipped to the image
///
/// Sizes and the 'same' padding (pt, pl) follow Keras (conv_geometry.hpp); padded cells never
/// win, as in TensorFlow (they are -infinity). The gradient goes to the arg-max; on ties, to the
/// first maximum in row-major order within the window, as TensorFlow's MaxPoolGrad.
template <class T = DefaultScalar>
class MaxPooling2D : public Layer<T> {
 public:
  /// MaxPooling2D(), MaxPooling2D(2), MaxPooling2D(3, ae::strides = 2, ae::padding = "same"),
  /// MaxPooling2D(ae::pool_size = {2, 3}).
  template <class... Args, class = std::enable_if_t<detail::all_named_args<Args...>>>
  explicit MaxPooling2D(Args&&... args) : s_(make_options(PoolingOptions{}, std::forward<Args>(args)...)) {}
  /// MaxPooling2D(pool_size, named arguments...): the window given first, as in Keras.
  template <class... Args, class = std::enable_if_t<detail::all_named_args<Args...>>>
  explicit MaxPooling2D(Size2 pool_size, Args&&... args)
      : s_(make_options(with_pool_size(pool_size), std::forward<Args>(args)...)) {}
  /// From a filled-in options struct (checked: ConfigError).
  explicit MaxPooling2D(const PoolingOptions& options) : s_(options) { s_.validate("MaxPooling2D"); }

  std::string kind() const override { return "MaxPooling2D"; }
  std::string config_string() const override { return s_.to_string(); }
  const PoolingOptions& options() const { return s_; }  ///< pool_size, strides, padding
  const ConvGeometry& geometry() const { return g_; }   ///< the windows' sizes and padding (after build)

  Shape build(const Shape& in) override {
    ConvOptions::check_image_input(kind(), in);
    if (s_.padding == Padding::valid && (in[0] < s_.pool_size.height || in[1] < s_.pool_size.width))
      throw ShapeError("MaxPooling2D: pool_size " + s_.pool_size.to_string() + " is larger than the input (" +
                       std::to_string(in[0]) + ", " + std::to_string(in[1]) +
                       ") with padding 'valid'; hint: use padding 'same' or a smaller pool_size");
    if (in.size() > std::numeric_limits<std::int32_t>::max())
      throw ShapeError("MaxPooling2D: an input sample of " + std::to_string(in.size()) + " values is too large");
    channels_ = in[2];
    g_ = conv_geometry(in[0], in[1], s_.pool_size, s_.effective_strides(), s_.padding);
    return Shape{g_.out_h, g_.out_w, channels_};
  }

 protected:
  /// y = the maximum of each window, per channel (and its position, kept for backward).
  void forward_impl(TensorView<const T> x, TensorView<T> y) override {
    pool(x, y.data);
    source_ = x;
  }

  /// dx[n, r, q, c] = sum of dy[n, i, j, c] over the outputs (i, j) whose maximum was x[n, r, q, c]
  void backward_impl(TensorView<const T> x, TensorView<const T> y, TensorView<const T> dy,
                     TensorView<T> dx) override {
    if (!dx) return;
    // The arg-max of the forward pass, when x is that pass's input; otherwise pooled again.
    if (x.data != source_.data || x.shape != source_.shape) {
      scratch_.resize(y.shape);
      pool(x, scratch_.data());
      source_ = x;
    }
    const Index in_size = x.sample_size(), out_size = y.sample_size();
    const std::int32_t* arg = argmax_.data();
    // One sample per chunk: overlapping windows (stride < pool) add into the same cells, in the
    // same order whatever the thread count.
    parallel_for(
        x.batch(),
        [&](Index n) {
          T* d = dx.data + n * in_size;
          std::fill(d, d + in_size, T(0));
          const T* g = dy.data + n * out_size;
          const std::int32_t* a = arg + n * out_size;
          for (Index o = 0; o < out_size; ++o) d[a[o]] += g[o];
        },
        dx.size() > kParallelWork);
  }

 private:
  static constexpr Index kParallelWork = 1 << 15;  // below this many values, one thread

  static PoolingOptions with_pool_size(Size2 pool_size) {
    PoolingOptions o;
    o.pool_size = pool_size;
    return o;
  }
  template <class... Args>
  static PoolingOptions make_options(PoolingOptions o, Args&&... args) {
    detail::apply_named_args(o, std::forward<Args>(args)...);
    o.validate("MaxPooling2D");
    return o;
  }

  /// y = max pooling of x, and argmax_[o] = the offset (r W + q) C + c within its sample of the
  /// input that output o took (the first maximum in row-major window order).
  void pool(TensorView<const T> x, T* y) {
    const Index batch = x.batch(), C = channels_, H = g_.in_h, W = g_.in_w;
    const Index out_rows = batch * g_.out_h;
    if (static_cast<Index>(argmax_.size()) < out_rows * g_.out_w * C)
      argmax_.resize(static_cast<std::size_t>(out_rows * g_.out_w * C));  // only grows
    std::int32_t* arg = argmax_.data();
    parallel_for_range(
        out_rows, 4,
        [&](Index r0, Index r1) {
          for (Index row = r0; row < r1; ++row) {
            const Index n = row / g_.out_h, i = row % g_.out_h;
            const T* xs = x.data + n * H * W * C;
            // The window's rows, clipped to the image: 'same' padding cells are never candidates.
            const Index top = i * g_.stride_h - g_.pad_top;
            const Index rb = std::max<Index>(top, 0), re = std::min<Index>(top + g_.kernel_h, H);
            for (Index j = 0; j < g_.out_w; ++j) {
              const Index left = j * g_.stride_w - g_.pad_left;
              const Index cb = std::max<Index>(left, 0), ce = std::min<Index>(left + g_.kernel_w, W);
              T* best = y + (row * g_.out_w + j) * C;
              std::int32_t* a = arg + (row * g_.out_w + j) * C;
              // Start from the first cell, then replace only on a strictly larger value: ties
              // keep the earliest cell in row-major order.
              const std::int32_t first = static_cast<std::int32_t>((rb * W + cb) * C);
              for (Index c = 0; c < C; ++c) {
                best[c] = xs[first + c];
                a[c] = first + static_cast<std::int32_t>(c);
              }
              for (Index r = rb; r < re; ++r)
                for (Index q = (r == rb ? cb + 1 : cb); q < ce; ++q) {
                  const std::int32_t off = static_cast<std::int32_t>((r * W + q) * C);
                  const T* v = xs + off;
                  // Both written every time (a select, not a branch), so that the loop runs
                  // on vectors of channels.
                  for (Index c = 0; c < C; ++c) {
                    const bool larger = v[c] > best[c];
                    best[c] = larger ? v[c] : best[c];
                    a[c] = larger ? off + static_cast<std::int32_t>(c) : a[c];
                  }
                }
            }
          }
        },
        x.size() > kParallelWork);
  }

  PoolingOptions s_;
  Index channels_ = 0;
  ConvGeometry g_;
  std::vector<std::int32_t> argmax_;  // per output value, the input offset it took; only grows
  TensorView<const T> source_;        // the x that argmax_ was computed from
  Tensor<T> scratch_;                 // a pooled output when backward has to pool again
};

// Precompiled mode: these instantiations live in libautoenc_compiled (src/instantiations/).
#if defined(AUTOENC_PRECOMPILED) && !defined(AUTOENC_COMPILING_LIBRARY)
extern template class MaxPooling2D<float>;
extern template class MaxPooling2D<double>;
#endif

}  // namespace autoenc
