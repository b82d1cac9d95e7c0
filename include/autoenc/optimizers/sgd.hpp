// Stochastic gradient descent, optionally with momentum (Keras's formulation).
// SPDX-License-Identifier: MIT
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "../core/error.hpp"
#include "../core/parallel.hpp"
#include "optimizer.hpp"

namespace autoenc {

/// SGD with Keras's defaults (learning_rate 0.01, momentum 0):
///   velocity = momentum velocity - lr g;   p = p + velocity      (plain SGD: p = p - lr g)
template <class T = DefaultScalar>
class SGD : public Optimizer<T> {
 public:
  explicit SGD(double learning_rate = 0.01, double momentum = 0.0)
      : lr_(learning_rate), momentum_(momentum) {
    if (!(learning_rate > 0)) throw ConfigError("SGD: learning_rate must be > 0");
    if (!(momentum >= 0 && momentum < 1)) throw ConfigError("SGD: momentum must be in [0, 1)");
  }

  std::string name() const override { return "SGD"; }
  std::string config_string() const override {
    return "learning_rate=" + std::to_string(lr_) + ", momentum=" + std::to_string(momentum_);
  }
  std::unique_ptr<Optimizer<T>> clone() const override { return std::make_unique<SGD>(*this); }

  void reset(Index n_params) override {
    velocity_.assign(momentum_ > 0 ? static_cast<std::size_t>(n_params) : 0, T(0));
  }

  bool step(T* params, const T* grads, Index n) override {
    const T lr = T(lr_), mu = T(momentum_);
    if (momentum_ > 0 && static_cast<Index>(velocity_.size()) != n) reset(n);
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
      if (!Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>(params + i0, i1 - i0).allFinite())
        finite.store(false, std::memory_order_relaxed);
    });
    return finite.load();
  }

 private:
  double lr_, momentum_;
  std::vector<T> velocity_;
};

}  // namespace autoenc
