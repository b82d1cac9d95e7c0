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

/// True when the windows tile the image exactly (stride = kernel, no padding, no pixel left
/// over, as in a Conv2DTranspose(k, strides = k)): every pixel belongs to one window.
inline bool windows_tile_image(const ConvGeometry& g) {
  return g.stride_h == g.kernel_h && g.stride_w == g.kernel_w && g.pad_top == 0 && g.pad_left == 0 &&
         g.out_h * g.stride_h == g.in_h && g.out_w * g.stride_w == g.in_w;
}

/// col2im of rows [r0, r1) of cols, for windows that tile the image (windows_tile_image):
/// `rows` holds those rows, from row r0 on. Each pixel is written once, as 0 + v (the same bits
/// as filling the image with zeros and adding, -0.0 included). finish(run, pixels) is called on
/// each run of pixels as soon as it is written, while it is in cache (a layer's bias and
/// activation).
template <class T, class Finish>
void col2im_tiled_rows(const T* rows, Index r0, Index r1, Index channels, const ConvGeometry& g, T* x,
                       Finish&& finish) {
  const Index row_len = g.patch_size(channels), window_row = g.kernel_w * channels;
  const Index windows_per_image = g.out_h * g.out_w;
  for (Index r = r0; r < r1;) {
    // Windows j0 .. j1-1 of window row i of image n: for each kernel row p, one contiguous run of
    // (j1 - j0) kernel_w pixels of image row i kernel_h + p.
    const Index n = r / windows_per_image, i = r % windows_per_image / g.out_w, j0 = r % g.out_w;
    const Index j1 = std::min(g.out_w, j0 + (r1 - r));
    T* image = x + n * g.in_h * g.in_w * channels;
    for (Index p = 0; p < g.kernel_h; ++p) {
      T* run = image + ((i * g.stride_h + p) * g.in_w + j0 * g.stride_w) * channels;
      const T* src = rows + (r - r0) * row_len + p * window_row;
      for (Index j = j0; j < j1; ++j, src += row_len) {
        T* dst = run + (j - j0) * window_row;
        for (Index c = 0; c < window_row; ++c) dst[c] = T(0) + src[c];
      }
      finish(run, (j1 - j0) * g.kernel_w);
    }
    r += j1 - j0;
  }
}

/// The adjoint of im2col: x (batch, in_h, in_w, channels) = sum of every row of cols put back
/// where im2col read it from. x is overwritten.
template <class T>
void col2im(const T* cols, Index batch, Index channels, const ConvGeometry& g, T* x) {
  const Index row_len = g.patch_size(channels);
  if (windows_tile_image(g)) {  // every pixel written once (col2im_tiled_rows)
    const Index windows_per_image = g.out_h * g.out_w;
    parallel_for(batch, [&](Index n) {
      col2im_tiled_rows(cols + n * windows_per_image * row_len, n * windows_per_image, (n + 1) * windows_per_image,
                        channels, g, x, [](T*, Index) {});
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
