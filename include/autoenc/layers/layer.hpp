/// @file
/// Layer: the interface every layer implements, and the contract between layers and the model.
///
/// Contract
///  - build(input_shape) is called once, by the model, with the shape of one sample (no batch).
///    It checks that the layer can take that input and returns the output shape. A layer that
///    cannot throws ShapeError; the model adds which layer it is and where it stands.
///  - The model owns all parameters in one flat buffer (and their gradients in another) and
///    hands each layer its slices through bind(). init() fills the layer's slice (glorot-uniform
///    kernels, zero biases, as Keras). Non-trainable state (state_shapes(): BatchNormalization's
///    moving statistics) lives in a third buffer of the model, bound by bind_state() before init().
///  - forward(x, y): x is (batch, input_shape...), y is (batch, output_shape...), both owned by
///    the model. The layer writes every element of y.
///  - backward(x, y, dy, dx): given the forward pass's x and y and dL/dy, the layer OVERWRITES
///    its parameter gradients with dL/dparams and, when dx.data is not null, overwrites dx with
///    dL/dx. Nothing accumulates, so nothing needs zeroing between steps. A layer may reuse what
///    its last forward computed from x (Conv2D keeps im2col(x)) only when x is that forward's
///    input (same memory and shape); otherwise it recomputes from x.
///  - forward and backward are not virtual: they check every view's shape against the built
///    shapes (a cheap comparison, always on, so a mismatch is an exception and never a write
///    past a buffer) and then call the layer's forward_impl and backward_impl.
///  - Scratch memory is kept in members that only grow: after the first batch, a layer allocates
///    nothing.
// SPDX-License-Identifier: MIT
#pragma once

#include <cctype>
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "../core/config.hpp"
#include "../core/error.hpp"
#include "../core/random.hpp"
#include "../core/shape.hpp"
#include "../core/tensor.hpp"
#include "activation.hpp"
#include "initializers.hpp"
#include "regularizers.hpp"

namespace autoenc {

/// The base of every layer (Keras's keras.layers.Layer). A layer of your own derives from it
/// and implements kind(), build(), forward_impl() and backward_impl(), plus weight_shapes()
/// when it has weights; the file's contract says what each must do (docs/custom_layer.md).
template <class T = DefaultScalar>
class Layer {
 public:
  using Scalar = T;  ///< The element type: float, or double for gradient checks.
  virtual ~Layer() = default;

  /// The class name Keras would show: "Dense", "Conv2DTranspose".
  virtual std::string kind() const = 0;

  /// Hyper-parameters as "key=value, ..." (used in summaries and saved architectures).
  virtual std::string config_string() const { return ""; }

  /// Checks the input sample shape and returns the output sample shape (see the contract).
  virtual Shape build(const Shape& input_shape) = 0;

  /// Shapes of the layer's weight arrays in Keras's order and layouts, e.g. Dense's kernel
  /// (inputs, units) then bias (units); empty for layers without weights. The arrays lie back to
  /// back, row-major, in the layer's slice of the model's parameter buffer. Valid after build.
  virtual std::vector<Shape> weight_shapes() const { return {}; }

  /// Number of trainable parameters (valid after build): the sizes of weight_shapes() added,
  /// counted once by setup() (forward and backward ask for it on every batch).
  Index param_count() const { return param_count_; }

  /// Copies of the layer's arrays as Keras's layer.get_weights() returns them: the trainable
  /// weights in weight_shapes()'s order, then the non-trainable state in state_shapes()'s order
  /// (BatchNormalization: gamma, beta, moving_mean, moving_variance).
  std::vector<Tensor<T>> get_weights() const {
    if ((param_count_ > 0 && !params_) || (state_count() > 0 && !state_))
      throw ConfigError(kind() + "::get_weights: the layer is not built");
    std::vector<Tensor<T>> out;
    auto copy_out = [&](const std::vector<Shape>& shapes, const T* p) {
      for (const Shape& s : shapes) {
        Tensor<T> w(s);
        std::copy(p, p + s.size(), w.data());
        p += s.size();
        out.push_back(std::move(w));
      }
    };
    copy_out(weight_shapes(), params_);
    copy_out(state_shapes(), state_);
    return out;
  }
  /// The shapes get_weights() returns: weight_shapes(), then state_shapes().
  std::vector<Shape> all_weight_shapes() const {
    std::vector<Shape> shapes = weight_shapes(), state = state_shapes();
    shapes.insert(shapes.end(), state.begin(), state.end());
    return shapes;
  }
  /// Sets the weights from arrays laid out as get_weights() returns them (Keras's
  /// layer.set_weights()); checks every shape before changing anything.
  void set_weights(const std::vector<Tensor<T>>& weights) {
    const std::vector<Shape> shapes = all_weight_shapes();
    if (weights.size() != shapes.size())
      throw ShapeError(kind() + "::set_weights: " + std::to_string(weights.size()) + " arrays given, the layer has " +
                       std::to_string(shapes.size()));
    for (std::size_t i = 0; i < shapes.size(); ++i)
      if (weights[i].shape() != shapes[i])
        throw ShapeError(kind() + "::set_weights: array " + std::to_string(i) + " has shape " +
                         weights[i].shape().to_string() + ", expected " + shapes[i].to_string());
    if ((param_count_ > 0 && !params_) || (state_count() > 0 && !state_))
      throw ConfigError(kind() + "::set_weights: the layer is not built");
    const std::size_t trainable = weight_shapes().size();
    T* p = params_;
    for (std::size_t i = 0; i < weights.size(); ++i) {
      if (i == trainable) p = state_;
      p = std::copy(weights[i].data(), weights[i].data() + weights[i].size(), p);
    }
  }

  /// Points the layer at its slices of the model's parameter and gradient buffers (each of
  /// param_count() elements).
  void bind(T* params, T* grads) {
    params_ = params;
    grads_ = grads;
  }
  /// Whether bind() has given the layer its buffers (always true without parameters).
  bool bound() const { return param_count() == 0 || (params_ != nullptr && grads_ != nullptr); }

  /// Shapes of the layer's non-trainable state arrays, e.g. BatchNormalization's moving mean and
  /// moving variance: the layer updates them itself in training mode, the optimizer never
  /// touches them, the model saves them with the weights, and the summary counts them as
  /// Keras's "Non-trainable params". They lie back to back in the layer's slice of the model's
  /// state buffer. Empty for most layers. Valid after build.
  virtual std::vector<Shape> state_shapes() const { return {}; }
  /// Number of non-trainable state values: the sizes of state_shapes() added.
  Index state_count() const {
    Index n = 0;
    for (const Shape& s : state_shapes()) n += s.size();
    return n;
  }
  /// Points the layer at its slice of the model's state buffer (state_count() elements); the
  /// model binds it before init(), which fills it.
  void bind_state(T* state) { state_ = state; }

  /// Initialises the layer's parameters (its slice of the model's buffer) as Keras does by
  /// default: the first weight array (the kernel) glorot-uniform, the others (the bias) zero.
  virtual void init(Rng& rng) {
    T* p = params_;
    bool first = true;
    for (const Shape& s : weight_shapes()) {
      if (first) {
        const auto [fan_in, fan_out] = detail::glorot_fans(s);
        detail::glorot_uniform(p, s.size(), fan_in, fan_out, rng);
      } else {
        std::fill(p, p + s.size(), T(0));
      }
      p += s.size();
      first = false;
    }
  }

  /// True for layers that only change the shape (Flatten, Reshape): the model then passes a
  /// view of the same memory instead of calling forward and backward.
  virtual bool reshapes_only() const { return false; }

  /// True for layers that draw random numbers in training (Dropout, GaussianNoise). Their draws
  /// are numbered by the layer's training passes, so data-parallel training (which runs a batch
  /// as several shards, on several processes) does not accept them yet.
  virtual bool draws_training_noise() const { return false; }

  /// Whether the layer runs in training mode (set by the model: true inside fit and train_step,
  /// false in evaluate and predict). Layers such as Dropout, GaussianNoise and
  /// BatchNormalization behave differently in the two modes; the others ignore it.
  void set_training(bool on) { training_ = on; }
  /// True in training mode (see set_training()).
  bool training() const { return training_; }

  /// The activation fused into the layer's output (linear for layers without one).
  virtual Activation activation() const { return Activation::linear; }

  /// With `on`, forward writes the pre-activation z instead of f(z) and backward takes dL/dz.
  /// The model sets it on a sigmoid output layer trained with binary cross-entropy, whose loss
  /// it then computes from z, as Keras does (see losses/loss.hpp).
  void emit_logits(bool on) { emit_logits_ = on; }
  /// True while forward writes logits (see emit_logits()).
  bool emits_logits() const { return emit_logits_; }

  /// y = layer(x), after checking both shapes against the built ones. With an activity
  /// regularizer, also computes the penalty on y (regularization_loss()).
  void forward(TensorView<const T> x, TensorView<T> y) {
    check_views("forward", x, y);
    forward_impl(x, y);
    if (activity_regularizer_.active())
      regularization_loss_ = detail::activity_penalty(activity_regularizer_, y.data, y.size(), y.batch());
  }

  /// Parameter gradients and (when dx.data is set) dL/dx from dL/dy; see the contract above.
  /// An activity regularizer's gradient is added to dy first.
  void backward(TensorView<const T> x, TensorView<const T> y, TensorView<const T> dy, TensorView<T> dx) {
    check_views("backward", x, y);
    check_same_shape("backward", "dy", dy.shape, y.shape);
    if (dx) check_same_shape("backward", "dx", dx.shape, x.shape);
    if (!activity_regularizer_.active()) return backward_impl(x, y, dy, dx);
    regularized_dy_.resize(dy.shape);
    detail::add_activity_gradient(activity_regularizer_, y.data, dy.data, regularized_dy_.data(), dy.size(),
                                  dy.batch());
    backward_impl(x, y, static_cast<const Tensor<T>&>(regularized_dy_).view(), dx);
  }

  /// A penalty on the layer's output added to the loss (Keras's activity_regularizer; see
  /// regularizers.hpp). Layers that take ae::activity_regularizer set it from their constructor.
  void set_activity_regularizer(const Regularizer& r) { activity_regularizer_ = r; }
  /// The penalty on the output (inactive by default).
  const Regularizer& activity_regularizer() const { return activity_regularizer_; }
  /// The activity penalty of the last forward pass, (l1 sum |y| + l2 sum y^2) / batch; 0
  /// without a regularizer. The model adds it to the loss.
  double regularization_loss() const { return activity_regularizer_.active() ? regularization_loss_ : 0.0; }

  /// Keras-style name given by the model: "dense", "dense_1", ...
  const std::string& name() const { return name_; }
  /// Sets the name (the model gives unique ones; get_layer() finds a layer by it).
  void set_name(std::string name) { name_ = std::move(name); }

  /// Shapes of one sample, known after the model has built the layer.
  const Shape& input_shape() const { return input_shape_; }
  /// The output shape of one sample, known after build.
  const Shape& output_shape() const { return output_shape_; }

  /// build() plus remembering the shapes; called by the model.
  Shape setup(const Shape& input_shape) {
    output_shape_ = build(input_shape);
    input_shape_ = input_shape;
    param_count_ = 0;
    for (const Shape& s : weight_shapes()) param_count_ += s.size();
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

 protected:
  /// What forward and backward do, with shapes already checked.
  virtual void forward_impl(TensorView<const T> x, TensorView<T> y) = 0;
  /// The backward pass, with shapes checked: overwrite grads() with dL/dparams and, when
  /// dx.data is not null, dx with dL/dx (see the contract).
  virtual void backward_impl(TensorView<const T> x, TensorView<const T> y, TensorView<const T> dy,
                             TensorView<T> dx) = 0;

  /// The layer's slices of the model's buffers (param_count() elements each).
  T* params() const { return params_; }
  /// The layer's slice of the gradient buffer, which backward_impl overwrites.
  T* grads() const { return grads_; }
  /// The layer's slice of the model's state buffer (state_count() elements), or null when no
  /// model bound one (a layer checked alone, as testing::check_layer_gradients does).
  T* state() const { return state_; }

  /// The activation forward and backward apply: none while the layer emits logits.
  Activation applied_activation() const { return emit_logits_ ? Activation::linear : activation(); }

 private:
  void check_views(const char* pass, const TensorView<const T>& x, const TensorView<const T>& y) const {
    if (input_shape_.rank() == 0)
      throw ConfigError(kind() + "::" + pass + ": the layer is not built; add it to a model (or call setup()) first");
    if (!bound())
      throw ConfigError(kind() + "::" + pass + ": the layer's parameters are not bound; build the model first");
    if (x.shape.rank() == 0) throw ShapeError(kind() + "::" + pass + ": x has no batch dimension");
    check_same_shape(pass, "x", x.shape, input_shape_.with_batch(x.batch()));
    check_same_shape(pass, "y", y.shape, output_shape_.with_batch(x.batch()));
  }
  void check_same_shape(const char* pass, const char* what, const Shape& got, const Shape& expected) const {
    if (got != expected)
      throw ShapeError(kind() + (name_.empty() ? "" : " '" + name_ + "'") + "::" + pass + ": " + what +
                       " has shape " + got.to_string() + ", expected " + expected.to_string());
  }

  std::string name_;
  Shape input_shape_, output_shape_;
  Index param_count_ = 0;
  T* params_ = nullptr;
  T* grads_ = nullptr;
  T* state_ = nullptr;
  bool emit_logits_ = false;
  bool training_ = false;
  Regularizer activity_regularizer_;
  double regularization_loss_ = 0;
  Tensor<T> regularized_dy_;  // dy plus the penalty's gradient; grows to the largest batch
};

/// Layers are held by the model through this pointer type.
template <class T>
using LayerPtr = std::unique_ptr<Layer<T>>;

}  // namespace autoenc
