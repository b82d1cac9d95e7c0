/// @file
/// GaussianNoise: adds zero-mean normal noise in training (Keras's regularisation layer);
/// the identity in inference.
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

#include "../core/error.hpp"
#include "../core/named_args.hpp"
#include "../core/parallel.hpp"
#include "config_text.hpp"
#include "counter_noise.hpp"
#include "layer.hpp"

namespace autoenc {

struct StddevTag;
/// ae::stddev = 0.1: the standard deviation of GaussianNoise's noise.
inline constexpr ArgName<StddevTag, double> stddev{};

/// Keras's GaussianNoise(stddev), any input shape:
///
///     training:   y_i = x_i + stddev z_i,   z_i ~ N(0, 1)         dx = dy
///     inference:  y = x                                           dx = dy
///
/// z_i is drawn from (seed, step, i) alone (see counter_noise.hpp): the seed comes from the
/// model's build seed through init(), and the step counts the layer's training forward passes,
/// so training is reproducible and the same with any number of threads.
template <class T = DefaultScalar>
class GaussianNoise : public Layer<T> {
 public:
  /// GaussianNoise(0.1) or GaussianNoise(ae::stddev = 0.1).
  explicit GaussianNoise(double stddev) : stddev_(stddev) {
    if (!(stddev >= 0 && std::isfinite(stddev)))
      throw ConfigError("GaussianNoise: stddev must be finite and >= 0, got " + std::to_string(stddev));
  }
  /// GaussianNoise(ae::stddev = 0.1).
  explicit GaussianNoise(NamedArg<StddevTag, double> stddev) : GaussianNoise(stddev.value) {}

  std::string kind() const override { return "GaussianNoise"; }
  std::string config_string() const override { return "stddev=" + detail::config_number(stddev_); }
  double stddev() const { return stddev_; }  ///< The noise's standard deviation.

  Shape build(const Shape& input_shape) override { return input_shape; }

  /// Takes the layer's seed from the model's generator (the model calls init once per layer, in
  /// order, at build) and restarts the step counter.
  void init(Rng& rng) override {
    seed_ = rng.bits();
    step_ = 0;
  }

  /// Training forward pass number `step()` (counted from 0 since init) draws its noise from
  /// (seed(), step()) and then advances the counter.
  std::uint64_t seed() const { return seed_; }
  void set_seed(std::uint64_t seed) { seed_ = seed; }  ///< Sets the seed of the noise.
  bool draws_training_noise() const override { return true; }  ///< Noise in training.
  std::uint64_t step() const { return step_; }          ///< Training forward passes since init.
  void set_step(std::uint64_t step) { step_ = step; }  ///< Sets the pass counter (to replay the noise).

 protected:
  /// training: y = x + stddev z, z ~ N(0, 1);  inference: y = x
  void forward_impl(TensorView<const T> x, TensorView<T> y) override {
    const Index n = x.size();
    if (!this->training() || stddev_ == 0) {
      std::copy(x.data, x.data + n, y.data);
      return;
    }
    const detail::CounterNoise noise(seed_, step_++);
    parallel_for_range(
        n, kChunk,
        [&](Index i0, Index i1) {
          for (Index i = i0; i < i1; ++i)
            y.data[i] = x.data[i] + T(stddev_ * noise.normal(static_cast<std::uint64_t>(i)));
        },
        n > kChunk);
  }

  /// The noise does not depend on x: dx = dy in both modes.
  void backward_impl(TensorView<const T>, TensorView<const T>, TensorView<const T> dy, TensorView<T> dx) override {
    if (dx) std::copy(dy.data, dy.data + dy.size(), dx.data);
  }

 private:
  static constexpr Index kChunk = 1 << 13;  // elements per parallel chunk (the noise does not depend on it)

  double stddev_;
  std::uint64_t seed_ = 0, step_ = 0;
};

// Precompiled mode: these instantiations live in libautoenc_compiled (src/instantiations/).
#if defined(AUTOENC_PRECOMPILED) && !defined(AUTOENC_COMPILING_LIBRARY)
extern template class GaussianNoise<float>;
extern template class GaussianNoise<double>;
#endif

}  // namespace autoenc
