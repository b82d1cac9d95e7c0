/// @file
/// The geometry of a 2-D convolution in Keras's (TensorFlow's) conventions: the one place where
/// output sizes and paddings are computed.
///
///     valid:  out = floor((in - kernel) / stride) + 1          (no padding; needs in >= kernel)
///     same:   out = ceil(in / stride),  padding total = max((out - 1) stride + kernel - in, 0),
///             of which floor(total / 2) goes before (top/left) and the rest after (bottom/right)
///
/// A transposed convolution maps `in` to (Keras's deconv_output_length)
///
///     valid:  out = in stride + max(kernel - stride, 0)
///     same:   out = in stride
///
/// and is computed as the adjoint of the convolution from that `out` back to `in`.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <string>

#include "../core/config.hpp"
#include "../core/error.hpp"

namespace autoenc {

/// Keras's padding of a convolution or pooling window (formulas in the file's description).
enum class Padding {
  valid,  ///< "valid": no padding; the window stays inside the image
  same    ///< "same": zeros around the image so that out = ceil(in / stride)
};

/// Keras's name: "valid" or "same".
inline const char* padding_name(Padding p) { return p == Padding::valid ? "valid" : "same"; }

/// "valid" or "same"; ConfigError otherwise.
inline Padding padding_from_name(const std::string& s) {
  if (s == "valid") return Padding::valid;
  if (s == "same") return Padding::same;
  throw ConfigError("unknown padding '" + s + "' (known: valid, same)");
}

/// A padding given by enum or by Keras's name ("valid", "same").
struct PaddingSpec {
  Padding value;  ///< The padding named.
  /// From the enum.
  PaddingSpec(Padding p) : value(p) {}                                // NOLINT: implicit on purpose
  /// From Keras's name; ConfigError for an unknown one.
  PaddingSpec(const char* name) : value(padding_from_name(name)) {}    // NOLINT
  /// From Keras's name; ConfigError for an unknown one.
  PaddingSpec(const std::string& name) : value(padding_from_name(name)) {}  // NOLINT
  PaddingSpec(std::nullptr_t) = delete;  ///< A 0 or null is not a padding.
  /// Usable wherever a Padding is.
  operator Padding() const { return value; }                          // NOLINT
};

/// A pair of sizes in (height, width) order.
struct Size2 {
  /// Rows: the vertical size.
  Index height, width;  ///< Columns: the horizontal size.
  /// One number for both, as Keras's kernel_size = 3 means (3, 3).
  Size2(Index both) : height(both), width(both) {}  // NOLINT: Keras accepts one number for both
  /// (height, width).
  Size2(Index h, Index w) : height(h), width(w) {}
  /// "(3, 3)", as Keras prints a tuple.
  std::string to_string() const { return "(" + std::to_string(height) + ", " + std::to_string(width) + ")"; }
};

/// Where a convolution reads: an image of in_h x in_w, read by a kernel_h x kernel_w window moved
/// by stride, with pad_top / pad_left zero rows and columns before the image, makes an output of
/// out_h x out_w. Output pixel (i, j) covers input rows i*stride_h - pad_top + [0, kernel_h).
struct ConvGeometry {
  Index in_h = 0, in_w = 0, out_h = 0, out_w = 0;
  Index kernel_h = 1, kernel_w = 1, stride_h = 1, stride_w = 1;
  Index pad_top = 0, pad_left = 0;
  /// @var in_h
  /// Input height.
  /// @var in_w
  /// Input width.
  /// @var out_h
  /// Output height.
  /// @var out_w
  /// Output width.
  /// @var kernel_h
  /// Window height.
  /// @var kernel_w
  /// Window width.
  /// @var stride_h
  /// Vertical step of the window.
  /// @var stride_w
  /// Horizontal step of the window.
  /// @var pad_top
  /// Zero rows above the image.
  /// @var pad_left
  /// Zero columns left of the image.

  /// Elements of one window over `channels` channels: a row of im2col, a column of the kernel.
  Index patch_size(Index channels) const { return kernel_h * kernel_w * channels; }
};

namespace detail {
inline void conv_output_1d(Index in, Index kernel, Index stride, Padding padding, Index& out, Index& pad_before,
                           const char* axis) {
  if (padding == Padding::valid) {
    if (in < kernel)
      throw ShapeError(std::string("kernel ") + axis + " " + std::to_string(kernel) + " is larger than the input " + axis +
                       " " + std::to_string(in) + " with padding 'valid'; hint: use padding 'same' or a smaller kernel");
    out = (in - kernel) / stride + 1;
    pad_before = 0;
  } else {
    out = (in + stride - 1) / stride;
    const Index total = std::max<Index>((out - 1) * stride + kernel - in, 0);
    pad_before = total / 2;
  }
}
}  // namespace detail

/// Geometry of a convolution reading an in_h x in_w image.
inline ConvGeometry conv_geometry(Index in_h, Index in_w, Size2 kernel, Size2 strides, Padding padding) {
  ConvGeometry g;
  g.in_h = in_h;
  g.in_w = in_w;
  g.kernel_h = kernel.height;
  g.kernel_w = kernel.width;
  g.stride_h = strides.height;
  g.stride_w = strides.width;
  detail::conv_output_1d(in_h, kernel.height, strides.height, padding, g.out_h, g.pad_top, "height");
  detail::conv_output_1d(in_w, kernel.width, strides.width, padding, g.out_w, g.pad_left, "width");
  return g;
}

/// Output size of a transposed convolution reading `in` (Keras's deconv_output_length).
inline Index conv_transpose_output_1d(Index in, Index kernel, Index stride, Padding padding) {
  return padding == Padding::valid ? in * stride + std::max<Index>(kernel - stride, 0) : in * stride;
}

/// Geometry of the convolution whose adjoint is a transposed convolution reading in_h x in_w:
/// its input ("in") is the transposed convolution's output, its output ("out") is in_h x in_w.
inline ConvGeometry conv_transpose_geometry(Index in_h, Index in_w, Size2 kernel, Size2 strides, Padding padding) {
  const Index big_h = conv_transpose_output_1d(in_h, kernel.height, strides.height, padding);
  const Index big_w = conv_transpose_output_1d(in_w, kernel.width, strides.width, padding);
  ConvGeometry g = conv_geometry(big_h, big_w, kernel, strides, padding);
  AUTOENC_ASSERT(g.out_h == in_h && g.out_w == in_w);
  return g;
}

}  // namespace autoenc
