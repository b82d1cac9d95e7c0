/// @file
/// Optimizer: updates every parameter of a model from its gradient, in one pass over the
/// model's flat parameter buffer (one fused loop instead of one small loop per tensor).
// SPDX-License-Identifier: MIT
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "../core/config.hpp"

namespace autoenc {

/// The interface of Adam and SGD (Keras's optimizer classes): the model hands it the whole
/// parameter and gradient buffers once per batch.
template <class T = DefaultScalar>
class Optimizer {
 public:
  virtual ~Optimizer() = default;
  /// Keras's class name: "Adam", "SGD".
  virtual std::string name() const = 0;
  /// Hyper-parameters as "key=value, ...", e.g. "learning_rate=0.001000, beta_1=...".
  virtual std::string config_string() const { return ""; }
  /// Sizes the optimizer's state for n parameters and forgets past steps.
  virtual void reset(Index n_params) = 0;
  /// One update of params[0, n) from grads[0, n). Returns false when the update left a
  /// parameter NaN or infinite (checked in the same pass), which finite gradients can only do
  /// by overflowing a huge parameter.
  virtual bool step(T* params, const T* grads, Index n) = 0;
  /// A copy with the same hyper-parameters and state (the model keeps its own).
  virtual std::unique_ptr<Optimizer> clone() const = 0;

  // The state, for training checkpoints that resume with the same bits.

  /// Steps taken since the last reset.
  virtual long long steps_taken() const = 0;
  /// Everything the next step depends on besides the hyper-parameters, in one flat array
  /// (Adam: m, then v; SGD with momentum: the velocity).
  virtual std::vector<T> state_values() const = 0;
  /// Restores what steps_taken() and state_values() returned; throws ConfigError if `values`
  /// does not fit n_params parameters.
  virtual void set_state(long long steps, const std::vector<T>& values, Index n_params) = 0;
};

namespace detail {
constexpr Index kOptimizerChunk = 32768;  // parameters per parallel chunk of an update
}

}  // namespace autoenc
