/// @file
/// Flatten and Reshape: layers that change only the shape of each sample.
///
/// In a row-major layout a reshape never moves an element, so inside a Sequential model these
/// layers cost nothing: the model hands the next layer a view of the same memory with the new
/// shape (reshapes_only() below), forward and backward alike.
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "../core/error.hpp"
#include "layer.hpp"

namespace autoenc {

/// Common base: forward and backward copy (when not already the same memory).
template <class T>
class ShapeOnlyLayer : public Layer<T> {
 public:
  /// True: a model passes a view of the same memory instead of calling forward and backward.
  bool reshapes_only() const override { return true; }

 protected:
  /// y = x, element for element (a copy only when y is other memory).
  void forward_impl(TensorView<const T> x, TensorView<T> y) override {
    if (x.data != y.data) std::copy(x.data, x.data + x.size(), y.data);
  }
  /// dx = dy, element for element.
  void backward_impl(TensorView<const T>, TensorView<const T>, TensorView<const T> dy, TensorView<T> dx) override {
    if (dx && dx.data != dy.data) std::copy(dy.data, dy.data + dy.size(), dx.data);
  }
};

/// (H, W, C) -> (H * W * C): one vector per sample.
template <class T = DefaultScalar>
class Flatten : public ShapeOnlyLayer<T> {
 public:
  std::string kind() const override { return "Flatten"; }
  Shape build(const Shape& in) override { return Shape{in.size()}; }
};

/// Any shape -> `target_shape` with the same number of elements; one dimension may be -1 and
/// is then inferred, as in Keras.
template <class T = DefaultScalar>
class Reshape : public ShapeOnlyLayer<T> {
 public:
  /// The shape of one sample after the layer, e.g. {7, 7, 64} or {-1, 1}; ConfigError for an
  /// empty shape, a dimension <= 0 other than one -1.
  explicit Reshape(std::vector<Index> target_shape) : target_(std::move(target_shape)) {
    if (target_.empty()) throw ConfigError("Reshape: the target shape is empty");
    if (std::count(target_.begin(), target_.end(), Index(-1)) > 1)
      throw ConfigError("Reshape: at most one dimension may be -1");
    for (Index d : target_)
      if (d == 0 || d < -1) throw ConfigError("Reshape: dimensions must be > 0 (or one -1), got " + std::to_string(d));
  }
  /// Reshape({7, 7, 64}), as Keras's Reshape((7, 7, 64)).
  Reshape(std::initializer_list<Index> target_shape) : Reshape(std::vector<Index>(target_shape)) {}

  std::string kind() const override { return "Reshape"; }
  std::string config_string() const override {
    std::string s = "target_shape=(";
    for (std::size_t i = 0; i < target_.size(); ++i) s += (i ? ", " : "") + std::to_string(target_[i]);
    return s + ")";
  }

  Shape build(const Shape& in) override {
    Index known = 1;
    for (Index d : target_)
      if (d != -1) known *= d;
    Shape out;
    for (Index d : target_) {
      if (d == -1) {
        if (in.size() % known != 0)
          throw ShapeError("Reshape: cannot reshape " + in.to_string() + " (" + std::to_string(in.size()) +
                           " elements) to " + config_string().substr(13));
        out.push_back(in.size() / known);
      } else {
        out.push_back(d);
      }
    }
    if (out.size() != in.size())
      throw ShapeError("Reshape: cannot reshape " + in.to_string() + " (" + std::to_string(in.size()) +
                       " elements) to " + out.to_string() + " (" + std::to_string(out.size()) + " elements)");
    return out;
  }

 private:
  std::vector<Index> target_;
};

// Precompiled mode: these instantiations live in libautoenc_compiled (src/instantiations/).
#if defined(AUTOENC_PRECOMPILED) && !defined(AUTOENC_COMPILING_LIBRARY)
extern template class Flatten<float>;
extern template class Flatten<double>;
extern template class Reshape<float>;
extern template class Reshape<double>;
#endif

}  // namespace autoenc
