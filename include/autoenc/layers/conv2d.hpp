/// @file
/// Conv2D: a 2-D convolution over NHWC images, y = f(conv(x, W) + b), through im2col and GEMM;
/// stride-1 layers with 8, 16 or 32 filters (or input channels, for dx) read a zero-framed copy
/// of the images directly (conv_direct.hpp), and one filter reads the image itself
/// (conv_single_filter.hpp).
// SPDX-License-Identifier: MIT
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include "../core/error.hpp"
#include "../core/gemm.hpp"
#include "../core/gemm_short_inner.hpp"
#include "activation.hpp"
#include "bias_activation.hpp"
#include "conv_direct.hpp"
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
  /// cols = im2col(x);  y = f(cols W + b). Few filters at stride 1: the sums straight from the
  /// framed x (conv_direct.hpp). One filter: straight from x (conv_single_filter.hpp), a
  /// matrix-vector product is not worth copying every window for.
  void forward_impl(TensorView<const T> x, TensorView<T> y) override {
    const Index batch = x.batch(), pixels = batch * geometry_.out_h * geometry_.out_w;
    // The direct kernels add the bias and apply the activation to each image as it is done.
    const auto finish_image = [&](T* image) {
      detail::add_bias_and_activate_rows(image, geometry_.out_h * geometry_.out_w, s_.filters, bias_data(),
                                         this->applied_activation());
    };
    if (direct_weights()) {
      frames_of(x);
      detail::with_direct_conv_width(s_.filters, [&](auto width) {
        detail::direct_conv_forward<T, decltype(width)::value>(frames_.data(), batch, frame_, this->params(), y.data,
                                                               finish_image);
      });
      return;
    }
    if (direct_single_filter()) {
      frames_of(x);
      detail::with_direct_conv_width(channels_, [&](auto width) {
        detail::direct_single_filter_forward<T, decltype(width)::value>(frames_.data(), batch, frame_, this->params(),
                                                                        y.data, finish_image);
      });
      return;
    }
    if (s_.filters == 1) {
      detail::single_filter_conv_forward(x.data, batch, channels_, geometry_, this->params(), y.data);
      detail::add_bias_and_activate(y.data, pixels, s_.filters, bias_data(), this->applied_activation());
      return;
    }
    im2col_of(x);
    if (detail::gemm_short_inner_applies<T>(patch(), s_.filters)) {
      // A patch of fewer than 8 values (2 x 2 over one channel): y is written once, and each
      // block of rows gets its bias and activation while in cache (gemm_short_inner.hpp).
      detail::gemm_short_inner(pixels, s_.filters, patch(), cols_.data(), this->params(), y.data,
                               [&](Index r0, Index r1) {
                                 detail::add_bias_and_activate_rows(y.data + r0 * s_.filters, r1 - r0, s_.filters,
                                                                    bias_data(), this->applied_activation());
                               });
      return;
    }
    MatrixMap<T> Y(y.data, pixels, s_.filters);
    detail::gemm(Y, static_cast<const Tensor<T>&>(cols_).matrix(), weights());
    detail::add_bias_and_activate(y.data, pixels, s_.filters, bias_data(), this->applied_activation());
  }

  /// dz = dy * f'(z);  db = sum of dz over pixels;  dW = cols^T dz;  dx = col2im(dz W^T)
  /// (each computed straight from the framed images where conv_direct.hpp applies).
  void backward_impl(TensorView<const T> x, TensorView<const T> y, TensorView<const T> dy,
                     TensorView<T> dx) override {
    const Index batch = x.batch(), image_size = geometry_.out_h * geometry_.out_w * s_.filters;
    const Index pixels = batch * geometry_.out_h * geometry_.out_w;
    dz_.resize(Shape{pixels, s_.filters});
    const bool direct = direct_weights() || direct_single_filter(), direct_dx = dx && direct_input_grad();
    // dx = the forward sum over the framed dz, with the kernel flipped (conv_direct.hpp).
    const detail::ConvFrame dz_frame = detail::input_grad_frame(geometry_, s_.filters);
    if (direct_dx) dz_frames_.resize(std::size_t(batch * dz_frame.stride()));
    // dz = dy f'(z) of images [first, last), and its framed copy for dx.
    const auto dz_of_images = [&](Index first, Index last) {
      const Index begin = first * image_size;
      activation_backward(this->applied_activation(), y.data + begin, dy.data + begin, dz_.data() + begin,
                          (last - first) * image_size);
      if (direct_dx)
        for (Index n = first; n < last; ++n)
          detail::frame_image(dz_.data() + n * image_size, geometry_.out_h, geometry_.out_w, dz_frame,
                              dz_frames_.data() + n * dz_frame.stride());
    };
    if (direct) {
      // Image group by image group: dz, then the group's share of dW and db while dz is in cache.
      // The framed x is kept from the forward pass when x is that pass's input.
      if (x.data != frames_source_.data || x.shape != frames_source_.shape) frames_of(x);
      if (s_.filters == 1)
        detail::with_direct_conv_width(channels_, [&](auto width) {
          detail::direct_single_filter_weight_grad<T, decltype(width)::value>(
              frames_.data(), dz_.data(), batch, frame_, dkernel_per_image_, this->grads(), dz_of_images);
        });
      else
        detail::with_direct_conv_width(s_.filters, [&](auto width) {
          detail::direct_conv_weight_grad<T, decltype(width)::value>(frames_.data(), dz_.data(), batch, frame_,
                                                                     dkernel_per_image_, this->grads(), dz_of_images);
        });
    } else {
      detail::activation_and_bias_backward(y.data, dy.data, dz_.data(), pixels, s_.filters, this->applied_activation(),
                                           this->grads() + patch() * s_.filters);
      if (direct_dx) detail::frame_images(dz_.data(), batch, geometry_.out_h, geometry_.out_w, dz_frame, dz_frames_.data());
      if (s_.filters == 1) {
        detail::single_filter_conv_weight_grad(x.data, dz_.data(), batch, channels_, geometry_, dkernel_per_image_,
                                               this->grads());
      } else {
        // cols = im2col(x), kept from the forward pass when x is that pass's input.
        if (x.data != cols_source_.data || x.shape != cols_source_.shape) im2col_of(x);
        MatrixMap<T> dW(this->grads(), patch(), s_.filters);
        detail::gemm(dW, static_cast<const Tensor<T>&>(cols_).matrix().transpose(),
                     static_cast<const Tensor<T>&>(dz_).matrix());
      }
    }
    if (!dx) return;
    if (direct_dx) {
      detail::flip_kernel(this->params(), s_.kernel_size.height, s_.kernel_size.width, channels_, s_.filters,
                          flipped_kernel_);
      detail::with_direct_conv_width(channels_, [&](auto width) {
        detail::direct_conv_forward<T, decltype(width)::value>(dz_frames_.data(), batch, dz_frame,
                                                               flipped_kernel_.data(), dx.data);
      });
    } else if (s_.filters == 1) {
      detail::single_filter_conv_input_grad(dz_.data(), this->params(), batch, channels_, geometry_, dx.data);
    } else {
      const auto dz = static_cast<const Tensor<T>&>(dz_).matrix();
      if (detail::windows_tile_image(geometry_) && detail::gemm_takes_row_tiles(pixels, patch(), s_.filters)) {
        // Stride = kernel: each tile of dz W^T goes straight to its pixels of dx (no dcols).
        detail::gemm_row_tiles(dz, weights().transpose(), [&](Index r0, Index r1, const T* tile) {
          detail::col2im_tiled_rows(tile, r0, r1, channels_, geometry_, dx.data, [](T*, Index) {});
        });
        return;
      }
      dcols_.resize(Shape{pixels, patch()});
      auto dcols = dcols_.matrix();
      detail::gemm(dcols, dz, weights().transpose());
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

  // The direct kernels (conv_direct.hpp) take stride-1 layers: for dW and the forward pass with
  // 8, 16 or 32 filters, or one filter and 8, 16 or 32 input channels; for dx with 8, 16 or 32
  // input channels.
  bool stride_one() const { return s_.strides.height == 1 && s_.strides.width == 1; }
  bool direct_weights() const { return stride_one() && detail::direct_conv_width(s_.filters) && detail::direct_conv_enabled(); }
  bool direct_single_filter() const {
    return stride_one() && s_.filters == 1 && detail::direct_conv_width(channels_) && detail::direct_conv_enabled();
  }
  bool direct_input_grad() const { return stride_one() && detail::direct_conv_width(channels_) && detail::direct_conv_enabled(); }

  void frames_of(TensorView<const T> x) {
    frame_ = detail::forward_frame(geometry_, channels_);
    frames_.resize(std::size_t(x.batch() * frame_.stride()));
    detail::frame_images(x.data, x.batch(), geometry_.in_h, geometry_.in_w, frame_, frames_.data());
    frames_source_ = x;
  }

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
  std::vector<T> dkernel_per_image_;  // dW's partial sums (per image, or per group of images), added in order
  detail::ConvFrame frame_;           // direct path: how x is framed
  std::vector<T> frames_;             // direct path: the framed x, kept from forward for dW
  TensorView<const T> frames_source_; // the x that frames_ was made from
  std::vector<T> dz_frames_;          // direct path: the framed dz, for dx
  std::vector<T> flipped_kernel_;     // direct path: the kernel that maps dz to dx
};

// Precompiled mode: these instantiations live in libautoenc_compiled (src/instantiations/).
#if defined(AUTOENC_PRECOMPILED) && !defined(AUTOENC_COMPILING_LIBRARY)
extern template class Conv2D<float>;
extern template class Conv2D<double>;
#endif

}  // namespace autoenc
