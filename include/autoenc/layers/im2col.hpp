/// @file
/// im2col and col2im: how convolutions become matrix products (NHWC layout).
///
/// im2col lays every window of the input out as one row:
///
///     cols[(n, i, j), (p, q, c)] = x[n, i*stride_h + p - pad_top, j*stride_w + q - pad_left, c]
///
/// (zero where the window hangs over the border), so that a convolution with kernel
/// W[(p, q, c), o] is the product cols * W. col2im is its adjoint: it adds every row back onto
/// the pixels it was read from. Both run in parallel over images; an image's rows only touch that
/// image, so there are no races and the sums are always taken in the same order.
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cstring>

#include "../core/parallel.hpp"
#include "conv_geometry.hpp"

namespace autoenc {
namespace detail {

/// x (batch, in_h, in_w, channels) -> cols (batch * out_h * out_w, kernel_h * kernel_w * channels).
template <class T>
void im2col(const T* x, Index batch, Index channels, const ConvGeometry& g, T* cols) {
  const Index row_len = g.patch_size(channels), window_row = g.kernel_w * channels;
  parallel_for(batch, [&](Index n) {
    const T* image = x + n * g.in_h * g.in_w * channels;
    T* out = cols + n * g.out_h * g.out_w * row_len;
    for (Index i = 0; i < g.out_h; ++i)
      for (Index j = 0; j < g.out_w; ++j, out += row_len) {
        const Index left = j * g.stride_w - g.pad_left;
        const bool inside_w = left >= 0 && left + g.kernel_w <= g.in_w;
        for (Index p = 0; p < g.kernel_h; ++p) {
          T* dst = out + p * window_row;
          const Index row = i * g.stride_h + p - g.pad_top;
          if (row < 0 || row >= g.in_h) {
            std::fill(dst, dst + window_row, T(0));
          } else if (inside_w) {  // the common case: one contiguous run of kernel_w * channels
            std::memcpy(dst, image + (row * g.in_w + left) * channels, sizeof(T) * std::size_t(window_row));
          } else {
            for (Index q = 0; q < g.kernel_w; ++q) {
              const Index col = left + q;
              if (col < 0 || col >= g.in_w)
                std::fill(dst + q * channels, dst + (q + 1) * channels, T(0));
              else
                std::memcpy(dst + q * channels, image + (row * g.in_w + col) * channels, sizeof(T) * std::size_t(channels));
            }
          }
        }
      }
  });
}

/// The adjoint of im2col: x (batch, in_h, in_w, channels) = sum of every row of cols put back
/// where im2col read it from. x is overwritten.
template <class T>
void col2im(const T* cols, Index batch, Index channels, const ConvGeometry& g, T* x) {
  const Index row_len = g.patch_size(channels);
  // Windows that tile the image exactly (stride = kernel, no padding, no pixel left over, as in
  // a Conv2DTranspose(k, strides = k)) write every pixel once: 0 + v instead of filling the image
  // with zeros and adding (the same bits, one pass over the image instead of two).
  const bool tiles = g.stride_h == g.kernel_h && g.stride_w == g.kernel_w && g.pad_top == 0 && g.pad_left == 0 &&
                     g.out_h * g.stride_h == g.in_h && g.out_w * g.stride_w == g.in_w;
  if (tiles) {
    const Index window_row = g.kernel_w * channels;
    parallel_for(batch, [&](Index n) {
      T* image = x + n * g.in_h * g.in_w * channels;
      const T* in = cols + n * g.out_h * g.out_w * row_len;
      for (Index i = 0; i < g.out_h; ++i)
        for (Index j = 0; j < g.out_w; ++j, in += row_len)
          for (Index p = 0; p < g.kernel_h; ++p) {
            T* dst = image + ((i * g.stride_h + p) * g.in_w + j * g.stride_w) * channels;
            const T* src = in + p * window_row;
            for (Index c = 0; c < window_row; ++c) dst[c] = T(0) + src[c];
          }
    });
    return;
  }
  parallel_for(batch, [&](Index n) {
    T* image = x + n * g.in_h * g.in_w * channels;
    std::fill(image, image + g.in_h * g.in_w * channels, T(0));
    const T* in = cols + n * g.out_h * g.out_w * row_len;
    for (Index i = 0; i < g.out_h; ++i)
      for (Index j = 0; j < g.out_w; ++j, in += row_len)
        for (Index p = 0; p < g.kernel_h; ++p) {
          const Index row = i * g.stride_h + p - g.pad_top;
          if (row < 0 || row >= g.in_h) continue;
          for (Index q = 0; q < g.kernel_w; ++q) {
            const Index col = j * g.stride_w + q - g.pad_left;
            if (col < 0 || col >= g.in_w) continue;
            T* dst = image + (row * g.in_w + col) * channels;
            const T* src = in + (p * g.kernel_w + q) * channels;
            for (Index c = 0; c < channels; ++c) dst[c] += src[c];
          }
        }
  });
}

}  // namespace detail
}  // namespace autoenc
