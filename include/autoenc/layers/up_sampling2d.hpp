/// @file
/// UpSampling2D: repeats each pixel of an NHWC image into a block (Keras's default "nearest").
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <string>

#include "../core/error.hpp"
#include "../core/named_args.hpp"
#include "../core/parallel.hpp"
#include "conv_geometry.hpp"
#include "conv_options.hpp"
#include "layer.hpp"

namespace autoenc {

struct SizeTag;
/// ae::size = 2 or ae::size = {2, 3}: UpSampling2D's factors for rows and columns.
inline constexpr ArgName<SizeTag, Size2> size{};

/// Keras's UpSampling2D(size) with interpolation "nearest", over (batch, H, W, C) images:
///
///     y[n, i, j, c] = x[n, floor(i / sh), floor(j / sw), c]        y is (batch, H sh, W sw, C)
///     dx[n, a, b, c] = sum over p < sh, q < sw of dy[n, a sh + p, b sw + q, c]
template <class T = DefaultScalar>
class UpSampling2D : public Layer<T> {
 public:
  /// UpSampling2D(), UpSampling2D(2), UpSampling2D({2, 3}) or UpSampling2D(ae::size = 2).
  explicit UpSampling2D(Size2 size = 2) : size_(size) {
    if (size.height <= 0 || size.width <= 0)
      throw ConfigError("UpSampling2D: size must be > 0, got " + size.to_string());
  }
  /// UpSampling2D(ae::size = 2).
  explicit UpSampling2D(NamedArg<SizeTag, Size2> size) : UpSampling2D(size.value) {}

  std::string kind() const override { return "UpSampling2D"; }
  std::string config_string() const override { return "size=" + size_.to_string() + ", interpolation=nearest"; }
  Size2 size() const { return size_; }  ///< The factors (sh, sw) for rows and columns.

  Shape build(const Shape& in) override {
    ConvOptions::check_image_input(kind(), in);
    h_ = in[0];
    w_ = in[1];
    channels_ = in[2];
    return Shape{h_ * size_.height, w_ * size_.width, channels_};
  }

 protected:
  /// y[n, i, j, c] = x[n, floor(i / sh), floor(j / sw), c]
  void forward_impl(TensorView<const T> x, TensorView<T> y) override {
    const Index C = channels_, out_h = h_ * size_.height, out_w = w_ * size_.width;
    parallel_for_range(
        x.batch() * out_h, kRowsPerChunk,
        [&](Index r0, Index r1) {
          for (Index row = r0; row < r1; ++row) {  // output row (n, i)
            const Index n = row / out_h, i = row % out_h;
            const T* src = x.data + (n * h_ + i / size_.height) * w_ * C;
            T* dst = y.data + row * out_w * C;
            for (Index b = 0; b < w_; ++b)
              for (Index q = 0; q < size_.width; ++q, dst += C) std::copy(src + b * C, src + (b + 1) * C, dst);
          }
        },
        y.size() > kParallelWork);
  }

  /// dx[n, a, b, c] = sum over p < sh, q < sw of dy[n, a sh + p, b sw + q, c]
  void backward_impl(TensorView<const T>, TensorView<const T>, TensorView<const T> dy, TensorView<T> dx) override {
    if (!dx) return;
    const Index C = channels_, sh = size_.height, sw = size_.width, out_w = w_ * sw;
    parallel_for_range(
        dx.batch() * h_, kRowsPerChunk,
        [&](Index r0, Index r1) {
          for (Index row = r0; row < r1; ++row) {  // input row (n, a)
            const Index n = row / h_, a = row % h_;
            for (Index b = 0; b < w_; ++b) {
              T* d = dx.data + (row * w_ + b) * C;
              // The block's cells in row-major order: the first one sets d, the others add.
              for (Index p = 0; p < sh; ++p)
                for (Index q = 0; q < sw; ++q) {
                  const T* g = dy.data + ((n * h_ * sh + a * sh + p) * out_w + b * sw + q) * C;
                  if (p == 0 && q == 0)
                    std::copy(g, g + C, d);
                  else
                    for (Index c = 0; c < C; ++c) d[c] += g[c];
                }
            }
          }
        },
        dy.size() > kParallelWork);
  }

 private:
  static constexpr Index kRowsPerChunk = 8;
  static constexpr Index kParallelWork = 1 << 15;  // below this many values, one thread

  Size2 size_;
  Index h_ = 0, w_ = 0, channels_ = 0;
};

// Precompiled mode: these instantiations live in libautoenc_compiled (src/instantiations/).
#if defined(AUTOENC_PRECOMPILED) && !defined(AUTOENC_COMPILING_LIBRARY)
extern template class UpSampling2D<float>;
extern template class UpSampling2D<double>;
#endif

}  // namespace autoenc
