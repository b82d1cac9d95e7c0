// Adam (Kingma & Ba, 2015) in the form Keras and TensorFlow compute it.
// SPDX-License-Identifier: MIT
#pragma once

#include <atomic>
#include <cmath>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "../core/error.hpp"
#include "../core/parallel.hpp"
#include "optimizer.hpp"

namespace autoenc {

/// Adam with Keras's defaults: learning_rate 1e-3, beta_1 0.9, beta_2 0.999, epsilon 1e-7.
///
/// At step t (from 1), for every parameter p with gradient g:
///   m = beta_1 m + (1 - beta_1) g
///   v = beta_2 v + (1 - beta_2) g^2
///   p = p - lr_t m / (sqrt(v) + epsilon),   lr_t = lr sqrt(1 - beta_2^t) / (1 - beta_1^t)
/// This is Keras's formulation: the bias corrections are folded into lr_t, so epsilon is added
/// to sqrt(v) rather than to sqrt(v / (1 - beta_2^t)) as in the paper's Algorithm 1.
template <class T = DefaultScalar>
class Adam : public Optimizer<T> {
 public:
  explicit Adam(double learning_rate = 1e-3, double beta_1 = 0.9, double beta_2 = 0.999,
                double epsilon = 1e-7)
      : lr_(learning_rate), beta_1_(beta_1), beta_2_(beta_2), epsilon_(epsilon) {
    if (!(learning_rate > 0)) throw ConfigError("Adam: learning_rate must be > 0");
    if (!(beta_1 >= 0 && beta_1 < 1) || !(beta_2 >= 0 && beta_2 < 1))
      throw ConfigError("Adam: beta_1 and beta_2 must be in [0, 1)");
    // With epsilon = 0 a parameter whose gradient has always been 0 gets m / sqrt(v) = 0 / 0.
    if (!(epsilon > 0) || !std::isfinite(epsilon))
      throw ConfigError("Adam: epsilon must be > 0 (it keeps m / (sqrt(v) + epsilon) finite), got " +
                        std::to_string(epsilon));
  }

  std::string name() const override { return "Adam"; }
  std::string config_string() const override {
    return "learning_rate=" + std::to_string(lr_) + ", beta_1=" + std::to_string(beta_1_) +
           ", beta_2=" + std::to_string(beta_2_) + ", epsilon=" + std::to_string(epsilon_);
  }
  std::unique_ptr<Optimizer<T>> clone() const override { return std::make_unique<Adam>(*this); }

  void reset(Index n_params) override {
    m_.assign(static_cast<std::size_t>(n_params), T(0));
    v_.assign(static_cast<std::size_t>(n_params), T(0));
    t_ = 0;
  }

  bool step(T* params, const T* grads, Index n) override {
    if (static_cast<Index>(m_.size()) != n) reset(n);
    ++t_;
    const double t = static_cast<double>(t_);
    const T lr_t = T(lr_ * std::sqrt(1.0 - std::pow(beta_2_, t)) / (1.0 - std::pow(beta_1_, t)));
    const T b1 = T(beta_1_), b2 = T(beta_2_), eps = T(epsilon_);
    using Array = Eigen::Array<T, Eigen::Dynamic, 1>;
    std::atomic<bool> finite{true};
    parallel_for_range(n, detail::kOptimizerChunk, [&](Index i0, Index i1) {
      const Index len = i1 - i0;
      Eigen::Map<Array> p(params + i0, len), m(m_.data() + i0, len), v(v_.data() + i0, len);
      Eigen::Map<const Array> g(grads + i0, len);
      m = b1 * m + (T(1) - b1) * g;
      v = b2 * v + (T(1) - b2) * g.square();
      p -= lr_t * m / (v.sqrt() + eps);
      if (!p.allFinite()) finite.store(false, std::memory_order_relaxed);  // the chunk is still in cache
    });
    return finite.load();
  }

  /// Steps taken since the last reset.
  long long iterations() const { return t_; }
  double learning_rate() const { return lr_; }

 private:
  double lr_, beta_1_, beta_2_, epsilon_;
  std::vector<T> m_, v_;  // first and second moment estimates, one per parameter
  long long t_ = 0;
};

}  // namespace autoenc
