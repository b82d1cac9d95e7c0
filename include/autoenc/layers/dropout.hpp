/// @file
/// Dropout: in training, zeroes each input with probability `rate` and scales the kept ones by
/// 1 / (1 - rate) (Keras's inverted dropout), so that the expected output is the input and
/// inference is the identity.
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "../core/error.hpp"
#include "../core/named_args.hpp"
#include "../core/parallel.hpp"
#include "config_text.hpp"
#include "counter_noise.hpp"
#include "layer.hpp"

namespace autoenc {

struct RateTag;
/// ae::rate = 0.5: the fraction of its inputs Dropout zeroes in training.
inline constexpr ArgName<RateTag, double> rate{};

/// Keras's Dropout(rate), any input shape:
///
///     training:   keep_i = (u_i >= rate),  y_i = x_i keep_i / (1 - rate)      u_i uniform in [0, 1)
///     inference:  y = x
///
/// u_i is drawn from (seed, step, i) alone (see counter_noise.hpp): the seed comes from the
/// model's build seed through init(), and the step counts the layer's training forward passes,
/// so training is reproducible and the same with any number of threads.
template <class T = DefaultScalar>
class Dropout : public Layer<T> {
 public:
  /// Dropout(0.5) or Dropout(ae::rate = 0.5).
  explicit Dropout(double rate) : rate_(rate) {
    if (!(rate >= 0 && rate < 1)) throw ConfigError("Dropout: rate must be in [0, 1), got " + std::to_string(rate));
  }
  /// Dropout(ae::rate = 0.5).
  explicit Dropout(NamedArg<RateTag, double> rate) : Dropout(rate.value) {}

  std::string kind() const override { return "Dropout"; }
  std::string config_string() const override { return "rate=" + detail::config_number(rate_); }
  double rate() const { return rate_; }  ///< The fraction of inputs zeroed in training.

  Shape build(const Shape& input_shape) override { return input_shape; }

  /// Takes the layer's seed from the model's generator (the model calls init once per layer, in
  /// order, at build) and restarts the step counter.
  void init(Rng& rng) override {
    seed_ = rng.bits();
    step_ = 0;
  }

  /// Training forward pass number `step()` (counted from 0 since init) draws its mask from
  /// (seed(), step()) and then advances the counter.
  std::uint64_t seed() const { return seed_; }
  void set_seed(std::uint64_t seed) { seed_ = seed; }  ///< Sets the seed of the masks.
  bool draws_training_noise() const override { return true; }  ///< Noise in training.
  std::uint64_t step() const { return step_; }          ///< Training forward passes since init.
  void set_step(std::uint64_t step) { step_ = step; }  ///< Sets the pass counter (to replay a mask).

 protected:
  /// training: y = x mask, mask_i = (u_i >= rate) / (1 - rate);  inference: y = x
  void forward_impl(TensorView<const T> x, TensorView<T> y) override {
    const Index n = x.size();
    masked_ = 0;
    if (!this->training() || rate_ == 0) {
      std::copy(x.data, x.data + n, y.data);
      return;
    }
    if (static_cast<Index>(mask_.size()) < n) mask_.resize(static_cast<std::size_t>(n));  // only grows
    const detail::CounterNoise noise(seed_, step_++);
    const T scale = T(1.0 / (1.0 - rate_));
    T* mask = mask_.data();
    parallel_for_range(
        n, kChunk,
        [&](Index i0, Index i1) {
          for (Index i = i0; i < i1; ++i) {
            // keep with probability 1 - rate, as TensorFlow: uniform >= rate
            const T m = noise.uniform(static_cast<std::uint64_t>(i)) >= rate_ ? scale : T(0);
            mask[i] = m;
            y.data[i] = x.data[i] * m;
          }
        },
        n > kChunk);
    masked_ = n;
  }

  /// training: dx = dy * mask (the forward's, kept in mask_);  inference: dx = dy
  void backward_impl(TensorView<const T>, TensorView<const T>, TensorView<const T> dy, TensorView<T> dx) override {
    if (!dx) return;
    const Index n = dy.size();
    if (!this->training() || rate_ == 0) {
      std::copy(dy.data, dy.data + n, dx.data);
      return;
    }
    if (masked_ != n)
      throw ConfigError("Dropout::backward: the last forward pass was not a training pass on a batch of this size, "
                        "so there is no mask to take the gradient through");
    const T* mask = mask_.data();
    for (Index i = 0; i < n; ++i) dx.data[i] = dy.data[i] * mask[i];
  }

 private:
  static constexpr Index kChunk = 1 << 14;  // elements per parallel chunk (the mask does not depend on it)

  double rate_;
  std::uint64_t seed_ = 0, step_ = 0;
  std::vector<T> mask_;  // 0 or 1 / (1 - rate) per element of the last training forward; only grows
  Index masked_ = 0;     // elements of mask_ that the last forward pass set (0 after an identity pass)
};

// Precompiled mode: these instantiations live in libautoenc_compiled (src/instantiations/).
#if defined(AUTOENC_PRECOMPILED) && !defined(AUTOENC_COMPILING_LIBRARY)
extern template class Dropout<float>;
extern template class Dropout<double>;
#endif

}  // namespace autoenc
