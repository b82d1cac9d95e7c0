/// @file
/// Stochastic gradient descent, optionally with momentum (Keras's formulation).
// SPDX-License-Identifier: MIT
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "../core/common_args.hpp"
#include "../core/error.hpp"
#include "../core/finite.hpp"
#include "../core/named_args.hpp"
#include "../core/parallel.hpp"
#include "optimizer.hpp"

namespace autoenc {

/// SGD's hyper-parameters, with Keras's names and defaults.
struct SGDOptions {
  double learning_rate = 0.01;  ///< lr, the step size; must be > 0.
  double momentum = 0.0;        ///< In [0, 1); 0 is plain SGD.
  void set(NamedArg<LearningRateTag, double> a) { learning_rate = a.value; }  ///< ae::learning_rate
  void set(NamedArg<MomentumTag, double> a) { momentum = a.value; }           ///< ae::momentum
};

/// SGD with Keras's defaults (learning_rate 0.01, momentum 0):
///
///     velocity = momentum velocity - lr g;   p = p + velocity      (plain SGD: p = p - lr g)
template <class T = DefaultScalar>
class SGD : public Optimizer<T> {
 public:
  /// SGD(learning_rate) or SGD(ae::learning_rate = ..., ae::momentum = ...).
  explicit SGD(double learning_rate = 0.01) : SGD(learning_rate, 0.0) {}
  /// SGD(ae::learning_rate = ..., ae::momentum = ...).
  template <class... Args, class = std::enable_if_t<(sizeof...(Args) > 0) && detail::all_named_args<Args...>>>
  explicit SGD(Args&&... args) : SGD(make_options(std::forward<Args>(args)...)) {}
  /// From a filled-in options struct; ConfigError for values out of range.
  explicit SGD(const SGDOptions& o) : SGD(o.learning_rate, o.momentum) {}

  std::string name() const override { return "SGD"; }
  std::string config_string() const override {
    return "learning_rate=" + std::to_string(lr_) + ", momentum=" + std::to_string(momentum_);
  }
  std::unique_ptr<Optimizer<T>> clone() const override { return std::make_unique<SGD>(*this); }

  void reset(Index n_params) override {
    velocity_.assign(momentum_ > 0 ? static_cast<std::size_t>(n_params) : 0, T(0));
    steps_ = 0;
  }

  /// One SGD update of params[0, n) (the formula above); false if a parameter became NaN or infinite.
  bool step(T* params, const T* grads, Index n) override {
    const T lr = T(lr_), mu = T(momentum_);
    if (momentum_ > 0 && static_cast<Index>(velocity_.size()) != n) reset(n);
    ++steps_;
    std::atomic<bool> finite{true};
    parallel_for_range(n, detail::kOptimizerChunk, [&](Index i0, Index i1) {
      for (Index i = i0; i < i1; ++i) {
        if (momentum_ > 0) {
          T& vel = velocity_[static_cast<std::size_t>(i)];
          vel = mu * vel - lr * grads[i];
          params[i] += vel;
        } else {
          params[i] -= lr * grads[i];
        }
      }
      if (!detail::all_finite(params + i0, i1 - i0))
        finite.store(false, std::memory_order_relaxed);
    });
    return finite.load();
  }

  /// Steps taken since the last reset.
  long long steps_taken() const override { return steps_; }
  /// The velocity (empty without momentum).
  std::vector<T> state_values() const override { return velocity_; }
  /// Restores the step count and the velocity; throws ConfigError if it does not fit n_params.
  void set_state(long long steps, const std::vector<T>& values, Index n_params) override {
    const auto n = momentum_ > 0 ? static_cast<std::size_t>(n_params) : std::size_t(0);
    if (steps < 0 || values.size() != n)
      throw ConfigError("SGD::set_state: " + std::to_string(values.size()) + " values, expected " + std::to_string(n));
    velocity_ = values;
    steps_ = steps;
  }

 private:
  SGD(double learning_rate, double momentum) : lr_(learning_rate), momentum_(momentum) {
    if (!(learning_rate > 0)) throw ConfigError("SGD: learning_rate must be > 0");
    if (!(momentum >= 0 && momentum < 1)) throw ConfigError("SGD: momentum must be in [0, 1)");
  }
  template <class... Args>
  static SGDOptions make_options(Args&&... args) {
    SGDOptions o;
    detail::apply_named_args(o, std::forward<Args>(args)...);
    return o;
  }

  double lr_, momentum_;
  std::vector<T> velocity_;
  long long steps_ = 0;
};

// Precompiled mode: these instantiations live in libautoenc_compiled (src/instantiations/).
#if defined(AUTOENC_PRECOMPILED) && !defined(AUTOENC_COMPILING_LIBRARY)
extern template class SGD<float>;
extern template class SGD<double>;
#endif

}  // namespace autoenc
