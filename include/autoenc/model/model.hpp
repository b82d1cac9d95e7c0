/// @file
/// Model: what every trainable model offers to the code that watches its training (callbacks):
/// its weights, saving it, and stopping fit. Sequential and VariationalAutoencoder are Models.
// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <vector>

#include "../core/tensor.hpp"

namespace autoenc {

/// The interface callbacks see (Keras's callback.model): weights, saving, and a stop request.
template <class T>
class Model {
 public:
  using Scalar = T;  ///< float or double

  virtual ~Model() = default;

  /// Every weight array of the model, in Keras's order and layouts (model.get_weights()).
  virtual std::vector<Tensor<T>> get_weights() const = 0;
  /// Sets every weight from arrays laid out as get_weights() returns them.
  virtual void set_weights(const std::vector<Tensor<T>>& weights) = 0;
  /// Writes the model (architecture and weights) to `path`, atomically: a reader never sees a
  /// half-written file, and a failed write leaves an older file in place.
  virtual void save(const std::string& path) const = 0;

  /// Asks fit to stop after the current epoch (Keras's model.stop_training = True).
  void stop_training() { stop_training_ = true; }
  /// Whether a stop was asked for since fit began.
  bool stop_training_requested() const { return stop_training_; }

 protected:
  Model() = default;
  Model(const Model&) = default;                     ///< Copied only as part of a derived model.
  Model(Model&&) noexcept = default;                 ///< Moved only as part of a derived model.
  Model& operator=(const Model&) = default;          ///< Copied only as part of a derived model.
  Model& operator=(Model&&) noexcept = default;      ///< Moved only as part of a derived model.

  /// fit clears the request when it begins.
  void clear_stop_request() { stop_training_ = false; }

 private:
  bool stop_training_ = false;
};

}  // namespace autoenc
