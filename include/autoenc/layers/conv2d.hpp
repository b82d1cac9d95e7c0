/// @file
/// Conv2D: a 2-D convolution over NHWC images, y = f(conv(x, W) + b), through im2col and GEMM
/// (with one filter, straight from the image: conv_single_filter.hpp).
// SPDX-License-Identifier: MIT
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include "../core/error.hpp"
#include "../core/gemm.hpp"
#include "activation.hpp"
#include "bias_activation.hpp"
#include "conv_geometry.hpp"
#include "conv_options.hpp"
#include "conv_single_filter.hpp"
#include "im2col.hpp"
#include "layer.hpp"

namespace autoenc {

/// 2-D convolution with Keras's parameter layout: kernel W (kernel_h, kernel_w, in_channels,
/// filters), bias b (filters).
///
///     x (batch, H, W, C)  ->  y (batch, Ho, Wo, filters)
///     y[n, i, j, o] = f(b[o] + sum over p, q, c of x[n, i*sh + p - pt, j*sw + q - pl, c] W[p, q, c, o])
///
/// Output sizes and padding follow Keras (see conv_geometry.hpp).
template <class T = DefaultScalar>
class Conv2D : public Layer<T> {
 public:
  /// Conv2D(filters, kernel_size, ae::strides = ..., ae::padding = ..., ae::activation = ...).
  template <class... Args, class = std::enable_if_t<detail::all_named_args<Args...>>>
  Conv2D(Index filters, Size2 kernel_size, Args&&... args) : s_(make_options(filters, kernel_size, std::forward<Args>(args)...)) {}
  /// From a filled-in options struct (checked: ConfigError).
  explicit Conv2D(const ConvOptions& options) : s_(options) { s_.validate("Conv2D"); }

  std::string kind() const override { return "Conv2D"; }
  std::string config_string() const override { return s_.to_string(); }
  Activation activation() const override { return s_.activation; }
  /// filters, kernel_size, strides, padding, activation.
  const ConvOptions& options() const { return s_; }

  Shape build(const Shape& in) override {
    ConvOptions::check_image_input(kind(), in);
    channels_ = in[2];
    geometry_ = conv_geometry(in[0], in[1], s_.kernel_size, s_.strides, s_.padding);
    return Shape{geometry_.out_h, geometry_.out_w, s_.filters};
  }

  /// Keras's weights: the kernel (kh, kw, in_channels, filters), then the bias (filters).
  /// Glorot's fans: fan_in = kh kw in_channels, fan_out = kh kw filters.
  std::vector<Shape> weight_shapes() const override {
    return {Shape{s_.kernel_size.height, s_.kernel_size.width, channels_, s_.filters}, Shape{s_.filters}};
  }

  /// The kernel as a (kh * kw * in_channels, filters) matrix (row (p, q, c)), and the bias.
  MatrixMap<T> kernel() { return {this->params(), patch(), s_.filters}; }
  /// The bias b (filters), read/write.
  Eigen::Map<Eigen::Matrix<T, 1, Eigen::Dynamic>> bias() { return {bias_data(), s_.filters}; }
  /// Sizes, strides and padding of the convolution (valid after build).
  const ConvGeometry& geometry() const { return geometry_; }

 protected:
  /// cols = im2col(x);  y = f(cols W + b). With one filter, straight from x
  /// (conv_single_filter.hpp): a matrix-vector product is not worth copying every window for.
  void forward_impl(TensorView<const T> x, TensorView<T> y) override {
    const Index batch = x.batch(), pixels = batch * geometry_.out_h * geometry_.out_w;
    if (s_.filters == 1) {
      detail::single_filter_conv_forward(x.data, batch, channels_, geometry_, this->params(), y.data);
      detail::add_bias_and_activate(y.data, pixels, s_.filters, bias_data(), this->applied_activation());
      return;
    }
    im2col_of(x);
    MatrixMap<T> Y(y.data, pixels, s_.filters);
    detail::gemm(Y, static_cast<const Tensor<T>&>(cols_).matrix(), weights());
    detail::add_bias_and_activate(y.data, pixels, s_.filters, bias_data(), this->applied_activation());
  }

  /// dz = dy * f'(z);  db = sum of dz over pixels;  dW = cols^T dz;  dx = col2im(dz W^T)
  void backward_impl(TensorView<const T> x, TensorView<const T> y, TensorView<const T> dy,
                     TensorView<T> dx) override {
    const Index batch = x.batch(), pixels = batch * geometry_.out_h * geometry_.out_w;
    dz_.resize(Shape{pixels, s_.filters});
    detail::activation_and_bias_backward(y.data, dy.data, dz_.data(), pixels, s_.filters,
                                         this->applied_activation(), this->grads() + patch() * s_.filters);
    if (s_.filters == 1) {
      detail::single_filter_conv_weight_grad(x.data, dz_.data(), batch, channels_, geometry_, dkernel_per_image_,
                                             this->grads());
      if (dx) detail::single_filter_conv_input_grad(dz_.data(), this->params(), batch, channels_, geometry_, dx.data);
      return;
    }
    // cols = im2col(x), kept from the forward pass when x is that pass's input.
    if (x.data != cols_source_.data || x.shape != cols_source_.shape) im2col_of(x);
    const auto dZ = static_cast<const Tensor<T>&>(dz_).matrix();
    MatrixMap<T> dW(this->grads(), patch(), s_.filters);
    detail::gemm(dW, static_cast<const Tensor<T>&>(cols_).matrix().transpose(), dZ);
    if (dx) {
      dcols_.resize(Shape{pixels, patch()});
      auto dcols = dcols_.matrix();
      detail::gemm(dcols, dZ, weights().transpose());
      detail::col2im(dcols_.data(), batch, channels_, geometry_, dx.data);
    }
  }

 private:
  template <class... Args>
  static ConvOptions make_options(Index filters, Size2 kernel_size, Args&&... args) {
    ConvOptions o;
    o.filters = filters;
    o.kernel_size = kernel_size;
    detail::apply_named_args(o, std::forward<Args>(args)...);
    o.validate("Conv2D");
    return o;
  }

  Index patch() const { return geometry_.patch_size(channels_); }
  // Parameters: W (kh * kw * in_channels, filters), then b.
  ConstMatrixMap<T> weights() const { return {this->params(), patch(), s_.filters}; }
  T* bias_data() const { return this->params() + patch() * s_.filters; }

  void im2col_of(TensorView<const T> x) {
    const Index pixels = x.batch() * geometry_.out_h * geometry_.out_w;
    cols_.resize(Shape{pixels, patch()});
    detail::im2col(x.data, x.batch(), channels_, geometry_, cols_.data());
    cols_source_ = x;
  }

  ConvOptions s_;
  Index channels_ = 0;
  ConvGeometry geometry_;
  Tensor<T> cols_;                     // im2col(x), kept from forward for dW
  TensorView<const T> cols_source_;    // the x that cols_ was computed from
  Tensor<T> dz_;     // dL/dz
  Tensor<T> dcols_;  // dL/dcols, before col2im
  std::vector<T> dkernel_per_image_;  // one filter: each image's share of dW, added in order
};

// Precompiled mode: these instantiations live in libautoenc_compiled (src/instantiations.cpp).
#if defined(AUTOENC_PRECOMPILED) && !defined(AUTOENC_COMPILING_LIBRARY)
extern template class Conv2D<float>;
extern template class Conv2D<double>;
#endif

}  // namespace autoenc
