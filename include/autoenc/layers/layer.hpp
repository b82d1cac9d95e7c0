// Layer: the interface every layer implements, and the contract between layers and the model.
//
// Contract
//  - build(input_shape) is called once, by the model, with the shape of one sample (no batch).
//    It checks that the layer can take that input and returns the output shape. A layer that
//    cannot throws ShapeError; the model adds which layer it is and where it stands.
//  - The model owns all parameters in one flat buffer (and their gradients in another) and
//    hands each layer its slices through bind(). init() fills the layer's slice (glorot-uniform
//    kernels, zero biases, as Keras).
//  - forward(x, y): x is (batch, input_shape...), y is (batch, output_shape...), both owned by
//    the model. The layer writes every element of y.
//  - backward(x, y, dy, dx): given the forward pass's x and y and dL/dy, the layer OVERWRITES
//    its parameter gradients with dL/dparams and, when dx.data is not null, overwrites dx with
//    dL/dx. Nothing accumulates, so nothing needs zeroing between steps.
//  - Scratch memory is kept in members that only grow: after the first batch, a layer allocates
//    nothing.
// SPDX-License-Identifier: MIT
#pragma once

#include <cctype>
#include <memory>
#include <string>

#include "../core/config.hpp"
#include "../core/random.hpp"
#include "../core/shape.hpp"
#include "../core/tensor.hpp"

namespace autoenc {

template <class T = DefaultScalar>
class Layer {
 public:
  using Scalar = T;
  virtual ~Layer() = default;

  /// The class name Keras would show: "Dense", "Conv2DTranspose".
  virtual std::string kind() const = 0;

  /// Hyper-parameters as "key=value, ..." (used in summaries and saved architectures).
  virtual std::string config_string() const { return ""; }

  /// Checks the input sample shape and returns the output sample shape (see the contract).
  virtual Shape build(const Shape& input_shape) = 0;

  /// Number of trainable parameters (valid after build).
  virtual Index param_count() const { return 0; }

  /// Points the layer at its slices of the model's parameter and gradient buffers.
  virtual void bind(T* /*params*/, T* /*grads*/) {}

  /// Initialises the layer's parameters (its slice of the model's buffer).
  virtual void init(Rng& /*rng*/) {}

  /// True for layers that only change the shape (Flatten, Reshape): the model then passes a
  /// view of the same memory instead of calling forward and backward.
  virtual bool reshapes_only() const { return false; }

  virtual void forward(TensorView<const T> x, TensorView<T> y) = 0;
  virtual void backward(TensorView<const T> x, TensorView<const T> y, TensorView<const T> dy,
                        TensorView<T> dx) = 0;

  /// Keras-style name given by the model: "dense", "dense_1", ...
  const std::string& name() const { return name_; }
  void set_name(std::string name) { name_ = std::move(name); }

  /// Shapes of one sample, known after the model has built the layer.
  const Shape& input_shape() const { return input_shape_; }
  const Shape& output_shape() const { return output_shape_; }

  /// build() plus remembering the shapes; called by the model.
  Shape setup(const Shape& input_shape) {
    output_shape_ = build(input_shape);
    input_shape_ = input_shape;
    return output_shape_;
  }

  /// Keras's naming prefix: the kind in snake_case ("Conv2DTranspose" -> "conv2d_transpose").
  std::string name_prefix() const {
    const std::string k = kind();
    std::string s;
    for (std::size_t i = 0; i < k.size(); ++i) {
      const unsigned char c = static_cast<unsigned char>(k[i]);
      // Keras's rule: a capital letter opens a new word when a lower-case letter precedes it
      // or follows it ("Conv2DTranspose" -> "conv2d_transpose", "Conv2D" -> "conv2d").
      const bool prev_lower = i > 0 && std::islower(static_cast<unsigned char>(k[i - 1]));
      const bool next_lower = i + 1 < k.size() && std::islower(static_cast<unsigned char>(k[i + 1]));
      if (std::isupper(c) && i > 0 && (prev_lower || next_lower)) s += '_';
      s += static_cast<char>(std::tolower(c));
    }
    return s;
  }

 private:
  std::string name_;
  Shape input_shape_, output_shape_;
};

/// Layers are held by the model through this pointer type.
template <class T>
using LayerPtr = std::unique_ptr<Layer<T>>;

}  // namespace autoenc
