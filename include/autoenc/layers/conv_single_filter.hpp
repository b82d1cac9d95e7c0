/// @file
/// A convolution with one output channel (an autoencoder's last layer, back to a grey image),
/// computed straight from the image instead of through im2col and GEMM.
///
/// With one filter the product cols * W is a matrix times a vector: each output pixel is one
/// dot product of its window with the kernel. GEMM runs such a product at a fraction of its
/// speed and im2col first copies every window (kernel_h * kernel_w times the image), so both
/// directions read the windows where they are:
///
///     y[n, i, j]          = sum over p, q, c of x[n, i*sh + p - pt, j*sw + q - pl, c] W[p, q, c]
///     dW[p, q, c]         = sum over n, i, j of dz[n, i, j] x[n, i*sh + p - pt, j*sw + q - pl, c]
///     dx[n, r, s, c]     += dz[n, i, j] W[p, q, c]   for every (i, j, p, q) that reads (r, s)
///
/// Windows are read one kernel row at a time: a row of the window is kernel_w * channels
/// contiguous values (NHWC) unless it hangs over the left or right border.
/// Determinism: every output pixel and every image is computed by one thread in a fixed order;
/// dW is summed per image, then over the images in order, whatever the number of threads.
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <vector>

#include "../core/parallel.hpp"
#include "conv_geometry.hpp"

namespace autoenc {
namespace detail {

/// Dot products run on 16 independent partial sums (vector lanes; several registers on AVX2, so
/// that the multiply-adds do not wait on each other), added at the end.
constexpr Index kSingleFilterLanes = 16;

/// Calls visit(x_offset, k_offset, length) for each contiguous run of window (i, j): the run
/// starts at x_offset in the image (pixel-major, NHWC) and at k_offset in the kernel
/// (kh, kw, channels). One run per kernel row inside the image, or one per kernel column where
/// the row hangs over the left or right border; rows and columns outside the image (zero
/// padding) are skipped.
template <class Visit>
void for_each_window_run(Index channels, const ConvGeometry& g, Index i, Index j, Visit&& visit) {
  const Index left = j * g.stride_w - g.pad_left, window_row = g.kernel_w * channels;
  const bool inside_w = left >= 0 && left + g.kernel_w <= g.in_w;
  for (Index p = 0; p < g.kernel_h; ++p) {
    const Index row = i * g.stride_h + p - g.pad_top;
    if (row < 0 || row >= g.in_h) continue;
    const Index x_row = (row * g.in_w + left) * channels, k_row = p * window_row;
    if (inside_w) {
      visit(x_row, k_row, window_row);
      continue;
    }
    for (Index q = 0; q < g.kernel_w; ++q)
      if (left + q >= 0 && left + q < g.in_w) visit(x_row + q * channels, k_row + q * channels, channels);
  }
}

/// y (batch, out_h, out_w, 1) = conv(x, W), before bias and activation. W is (kh, kw, channels).
template <class T>
void single_filter_conv_forward(const T* x, Index batch, Index channels, const ConvGeometry& g, const T* kernel,
                                T* y) {
  const Index image_size = g.in_h * g.in_w * channels, out_pixels = g.out_h * g.out_w;
  parallel_for(batch, [&](Index n) {
    const T* image = x + n * image_size;
    T* out = y + n * out_pixels;
    for (Index i = 0; i < g.out_h; ++i)
      for (Index j = 0; j < g.out_w; ++j) {
        T lanes[kSingleFilterLanes] = {};
        for_each_window_run(channels, g, i, j, [&](Index xo, Index ko, Index len) {
          const T *xr = image + xo, *wr = kernel + ko;
          Index k = 0;
          for (; k + kSingleFilterLanes <= len; k += kSingleFilterLanes)
            for (Index l = 0; l < kSingleFilterLanes; ++l) lanes[l] += xr[k + l] * wr[k + l];
          for (Index l = 0; k + l < len; ++l) lanes[l] += xr[k + l] * wr[k + l];
        });
        T sum = T(0);
        for (Index l = 0; l < kSingleFilterLanes; ++l) sum += lanes[l];
        out[i * g.out_w + j] = sum;
      }
  });
}

/// dW (kh, kw, channels) = sum over every output pixel of dz times its window. `per_image` is
/// scratch space that keeps its capacity between calls.
template <class T>
void single_filter_conv_weight_grad(const T* x, const T* dz, Index batch, Index channels, const ConvGeometry& g,
                                    std::vector<T>& per_image, T* dkernel) {
  const Index patch = g.patch_size(channels), image_size = g.in_h * g.in_w * channels,
              out_pixels = g.out_h * g.out_w;
  per_image.resize(static_cast<std::size_t>(batch * patch));
  parallel_for(batch, [&](Index n) {
    const T* image = x + n * image_size;
    T* part = per_image.data() + n * patch;
    std::fill(part, part + patch, T(0));
    for (Index i = 0; i < g.out_h; ++i)
      for (Index j = 0; j < g.out_w; ++j) {
        const T d = dz[n * out_pixels + i * g.out_w + j];
        for_each_window_run(channels, g, i, j, [&](Index xo, Index ko, Index len) {
          const T* xr = image + xo;
          T* acc = part + ko;
          for (Index k = 0; k < len; ++k) acc[k] += d * xr[k];
        });
      }
  });
  // Images in order: the same sum for any number of threads.
  std::fill(dkernel, dkernel + patch, T(0));
  for (Index n = 0; n < batch; ++n) {
    const T* part = per_image.data() + n * patch;
    for (Index k = 0; k < patch; ++k) dkernel[k] += part[k];
  }
}

/// dx (batch, in_h, in_w, channels) = the adjoint of the forward pass applied to dz; overwritten.
template <class T>
void single_filter_conv_input_grad(const T* dz, const T* kernel, Index batch, Index channels, const ConvGeometry& g,
                                   T* dx) {
  const Index image_size = g.in_h * g.in_w * channels, out_pixels = g.out_h * g.out_w;
  parallel_for(batch, [&](Index n) {
    T* image = dx + n * image_size;
    std::fill(image, image + image_size, T(0));
    for (Index i = 0; i < g.out_h; ++i)
      for (Index j = 0; j < g.out_w; ++j) {
        const T d = dz[n * out_pixels + i * g.out_w + j];
        for_each_window_run(channels, g, i, j, [&](Index xo, Index ko, Index len) {
          T* acc = image + xo;  // dx has x's layout
          const T* wr = kernel + ko;
          for (Index k = 0; k < len; ++k) acc[k] += d * wr[k];
        });
      }
  });
}

}  // namespace detail
}  // namespace autoenc
