/// @file
/// Dense: a fully connected layer, y = f(x W + b).
// SPDX-License-Identifier: MIT
#pragma once

#include <cmath>
#include <string>

#include "../core/error.hpp"
#include "../core/gemm.hpp"
#include "../core/parallel.hpp"
#include "activation.hpp"
#include "bias_activation.hpp"
#include "layer.hpp"

namespace autoenc {

/// Fully connected layer with Keras's parameter layout: kernel W (inputs, units), bias b (units).
///
///     x (batch, inputs)  ->  y = f(x W + b)  (batch, units)
///
/// The input must be a vector per sample; put a Flatten before it for images.
template <class T = DefaultScalar>
class Dense : public Layer<T> {
 public:
  /// Dense(64, "relu"), Dense(64, Activation::relu) or Dense(64, ae::activation = "relu"), and
  /// by name ae::activity_regularizer = ae::l1(1e-4) (a penalty on the output, see
  /// regularizers.hpp).
  explicit Dense(Index units) : Dense(units, Activation::linear) {}
  /// Dense(units, activation, named arguments...): the activation given second, as in Keras.
  template <class... Args, class = std::enable_if_t<detail::all_named_args<Args...>>>
  Dense(Index units, ActivationSpec activation, Args&&... args) : units_(units), activation_(activation) {
    if (units <= 0) throw ConfigError("Dense: units must be > 0, got " + std::to_string(units));
    (set(std::forward<Args>(args)), ...);
  }
  /// Dense(units, named arguments...): ae::activation, ae::activity_regularizer.
  template <class First, class... Args, class = std::enable_if_t<detail::all_named_args<First, Args...>>>
  Dense(Index units, First&& first, Args&&... args) : Dense(units, Activation::linear) {
    set(std::forward<First>(first));
    (set(std::forward<Args>(args)), ...);
  }

  std::string kind() const override { return "Dense"; }
  std::string config_string() const override {
    std::string s = "units=" + std::to_string(units_) + ", activation=" + activation_name(activation_);
    if (this->activity_regularizer().active()) s += ", activity_regularizer=" + this->activity_regularizer().to_string();
    return s;
  }

  Index units() const { return units_; }    ///< Outputs per sample.
  Index inputs() const { return inputs_; }  ///< Inputs per sample (0 before build).
  Activation activation() const override { return activation_; }

  Shape build(const Shape& input_shape) override {
    if (input_shape.rank() != 1)
      throw ShapeError("Dense expects a vector per sample, got input " +
                       input_shape.to_string() + "; hint: add Flatten() before it");
    inputs_ = input_shape[0];
    return Shape{units_};
  }

  /// Keras's weights: the kernel W (inputs, units), then the bias b (units).
  std::vector<Shape> weight_shapes() const override { return {Shape{inputs_, units_}, Shape{units_}}; }

  /// Read/write access to the kernel (inputs x units) and bias, for inspection and tests.
  MatrixMap<T> kernel() { return {this->params(), inputs_, units_}; }
  /// The bias b (units), read/write.
  Eigen::Map<Eigen::Matrix<T, 1, Eigen::Dynamic>> bias() { return {bias_data(), units_}; }

 protected:
  /// y = f(x W + b)
  void forward_impl(TensorView<const T> x, TensorView<T> y) override {
    auto Y = y.matrix();
    detail::gemm(Y, x.matrix(), weights());
    detail::add_bias_and_activate(y.data, y.batch(), units_, bias_data(), this->applied_activation());
  }

  /// With z = x W + b and y = f(z):
  ///
  ///     dz = dy * f'(z)      dW = x^T dz      db = sum over the batch of dz      dx = dz W^T
  void backward_impl(TensorView<const T> x, TensorView<const T> y, TensorView<const T> dy,
                     TensorView<T> dx) override {
    const Index batch = y.batch();
    dz_.resize(Shape{batch, units_});
    detail::activation_and_bias_backward(y.data, dy.data, dz_.data(), batch, units_, this->applied_activation(),
                                         this->grads() + inputs_ * units_);
    const auto dZ = static_cast<const Tensor<T>&>(dz_).matrix();
    MatrixMap<T> dW(this->grads(), inputs_, units_);
    detail::gemm(dW, x.matrix().transpose(), dZ);
    if (dx) {
      auto dX = dx.matrix();
      detail::gemm(dX, dZ, weights().transpose());
    }
  }

 private:
  // Parameters: W (inputs x units, row-major), then b.
  ConstMatrixMap<T> weights() const { return {this->params(), inputs_, units_}; }
  T* bias_data() const { return this->params() + inputs_ * units_; }

  void set(NamedArg<ActivationTag, ActivationSpec> a) { activation_ = a.value; }
  void set(NamedArg<ActivityRegularizerTag, Regularizer> a) { this->set_activity_regularizer(a.value); }

  Index units_;
  Activation activation_;
  Index inputs_ = 0;
  Tensor<T> dz_;  // dL/dz for the current batch; grows to the largest batch, then stays
};

// Precompiled mode: these instantiations live in libautoenc_compiled (src/instantiations/).
#if defined(AUTOENC_PRECOMPILED) && !defined(AUTOENC_COMPILING_LIBRARY)
extern template class Dense<float>;
extern template class Dense<double>;
#endif

}  // namespace autoenc
