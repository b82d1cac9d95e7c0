/// @file
/// Conv2DTranspose: the adjoint (transpose) of a 2-D convolution, which upsamples; in the
/// chapter's decoder it undoes the encoder's stride-2 convolutions.
// SPDX-License-Identifier: MIT
#pragma once

#include <cmath>
#include <string>

#include "../core/error.hpp"
#include "../core/gemm.hpp"
#include "../core/gemm_short_inner.hpp"
#include "activation.hpp"
#include "bias_activation.hpp"
#include "conv_geometry.hpp"
#include "conv_options.hpp"
#include "im2col.hpp"
#include "layer.hpp"

namespace autoenc {

/// Transposed 2-D convolution with Keras's parameter layout: kernel K (kernel_h, kernel_w,
/// filters, in_channels), bias b (filters). Output sizes follow Keras's deconv_output_length:
/// valid: in*stride + max(kernel - stride, 0); same: in*stride.
///
/// It is written as the adjoint of the convolution C that maps the output image back to the
/// input (kernel K read as a Conv2D kernel from `filters` to `in_channels` channels):
///
///     forward:   y = f(C^T(x) + b),   C^T(x) = col2im(x K^T)
///     backward:  dcols = im2col(dz),  dK = dcols^T x,  dx = C(dz) = dcols K
///
/// so the one pair im2col / col2im serves Conv2D and Conv2DTranspose alike.
template <class T = DefaultScalar>
class Conv2DTranspose : public Layer<T> {
 public:
  /// Conv2DTranspose(filters, kernel_size, ae::strides = ..., ae::padding = ..., ae::activation = ...).
  template <class... Args, class = std::enable_if_t<detail::all_named_args<Args...>>>
  Conv2DTranspose(Index filters, Size2 kernel_size, Args&&... args) : s_(make_options(filters, kernel_size, std::forward<Args>(args)...)) {}
  /// From a filled-in options struct (checked: ConfigError).
  explicit Conv2DTranspose(const ConvOptions& options) : s_(options) { s_.validate("Conv2DTranspose"); }

  std::string kind() const override { return "Conv2DTranspose"; }
  std::string config_string() const override { return s_.to_string(); }
  Activation activation() const override { return s_.activation; }
  /// filters, kernel_size, strides, padding, activation.
  const ConvOptions& options() const { return s_; }

  Shape build(const Shape& in) override {
    ConvOptions::check_image_input(kind(), in);
    channels_ = in[2];
    geometry_ = conv_transpose_geometry(in[0], in[1], s_.kernel_size, s_.strides, s_.padding);
    return Shape{geometry_.in_h, geometry_.in_w, s_.filters};
  }

  /// Keras's weights: the kernel (kh, kw, filters, in_channels), then the bias (filters).
  /// Glorot's fans: fan_in = kh kw filters, fan_out = kh kw in_channels.
  std::vector<Shape> weight_shapes() const override {
    return {Shape{s_.kernel_size.height, s_.kernel_size.width, s_.filters, channels_}, Shape{s_.filters}};
  }

  /// The kernel as a (kh * kw * filters, in_channels) matrix, and the bias.
  MatrixMap<T> kernel() { return {this->params(), patch(), channels_}; }
  /// The bias b (filters), read/write.
  Eigen::Map<Eigen::Matrix<T, 1, Eigen::Dynamic>> bias() { return {bias_data(), s_.filters}; }
  /// The geometry of the convolution C whose adjoint this layer is: its "in" is this layer's
  /// output, its "out" this layer's input (valid after build).
  const ConvGeometry& geometry() const { return geometry_; }

 protected:
  /// y = f(col2im(x K^T) + b)
  void forward_impl(TensorView<const T> x, TensorView<T> y) override {
    const Index batch = x.batch(), in_pixels = batch * geometry_.out_h * geometry_.out_w;
    const ConstMatrixMap<T> X(x.data, in_pixels, channels_);  // one row per input pixel
    if (s_.filters >= 8 && detail::windows_tile_image(geometry_) &&
        detail::gemm_takes_row_tiles(in_pixels, patch(), channels_)) {
      // Stride = kernel: each input pixel owns its own block of output pixels. Each tile of
      // x K^T goes straight to its place in y and gets its bias and activation while in cache
      // (no cols matrix, no second and third pass over y; the same operations, the same bits).
      // With fewer filters the runs of y are too short to finish one by one.
      detail::gemm_row_tiles(X, weights().transpose(), [&](Index r0, Index r1, const T* tile) {
        detail::col2im_tiled_rows(tile, r0, r1, s_.filters, geometry_, y.data, [&](T* run, Index pixels) {
          detail::add_bias_and_activate_rows(run, pixels, s_.filters, bias_data(), this->applied_activation());
        });
      });
      return;
    }
    cols_.resize(Shape{in_pixels, patch()});
    auto cols = cols_.matrix();
    detail::gemm(cols, X, weights().transpose());
    detail::col2im(cols_.data(), batch, s_.filters, geometry_, y.data);
    detail::add_bias_and_activate(y.data, batch * geometry_.in_h * geometry_.in_w, s_.filters, bias_data(),
                                  this->applied_activation());
  }

  /// dz = dy * f'(z);  db = sum of dz over pixels;  dcols = im2col(dz);  dK = dcols^T x;  dx = dcols K
  void backward_impl(TensorView<const T> x, TensorView<const T> y, TensorView<const T> dy,
                     TensorView<T> dx) override {
    const Index batch = x.batch(), in_pixels = batch * geometry_.out_h * geometry_.out_w;
    const Index out_pixels = batch * geometry_.in_h * geometry_.in_w;
    dz_.resize(Shape{out_pixels, s_.filters});
    detail::activation_and_bias_backward(y.data, dy.data, dz_.data(), out_pixels, s_.filters,
                                         this->applied_activation(), this->grads() + patch() * channels_);
    cols_.resize(Shape{in_pixels, patch()});  // reused for dcols = im2col(dz)
    detail::im2col(dz_.data(), batch, s_.filters, geometry_, cols_.data());
    const auto dcols = static_cast<const Tensor<T>&>(cols_).matrix();
    const ConstMatrixMap<T> X(x.data, in_pixels, channels_);
    MatrixMap<T> dK(this->grads(), patch(), channels_);
    detail::gemm(dK, dcols.transpose(), X);
    if (dx) {
      MatrixMap<T> dX(dx.data, in_pixels, channels_);
      if (detail::gemm_short_inner_applies<T>(patch(), channels_))  // one output channel, 2 x 2 kernel
        detail::gemm_short_inner(in_pixels, channels_, patch(), cols_.data(), this->params(), dx.data);
      else
        detail::gemm(dX, dcols, weights());
    }
  }

 private:
  template <class... Args>
  static ConvOptions make_options(Index filters, Size2 kernel_size, Args&&... args) {
    ConvOptions o;
    o.filters = filters;
    o.kernel_size = kernel_size;
    detail::apply_named_args(o, std::forward<Args>(args)...);
    o.validate("Conv2DTranspose");
    return o;
  }

  // Rows of the kernel matrix: one per (p, q, output channel).
  Index patch() const { return geometry_.patch_size(s_.filters); }
  // Parameters: K (kh * kw * filters, in_channels), then b.
  ConstMatrixMap<T> weights() const { return {this->params(), patch(), channels_}; }
  T* bias_data() const { return this->params() + patch() * channels_; }

  ConvOptions s_;
  Index channels_ = 0;
  ConvGeometry geometry_;  // of the convolution C whose adjoint this layer is
  Tensor<T> cols_;  // x K^T in forward; im2col(dz) in backward
  Tensor<T> dz_;
};

// Precompiled mode: these instantiations live in libautoenc_compiled (src/instantiations/).
#if defined(AUTOENC_PRECOMPILED) && !defined(AUTOENC_COMPILING_LIBRARY)
extern template class Conv2DTranspose<float>;
extern template class Conv2DTranspose<double>;
#endif

}  // namespace autoenc
