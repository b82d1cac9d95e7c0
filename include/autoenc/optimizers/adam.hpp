/// @file
/// Adam (Kingma & Ba, 2015) in the form Keras and TensorFlow compute it.
// SPDX-License-Identifier: MIT
#pragma once

#include <atomic>
#include <cmath>
#include <string>
#include <vector>

#include "../core/config.hpp"

#include "../core/common_args.hpp"
#include "../core/error.hpp"
#include "../core/finite.hpp"
#include "../core/named_args.hpp"
#include "../core/parallel.hpp"
#include "optimizer.hpp"

namespace autoenc {

struct Beta1Tag;
struct Beta2Tag;
/// ae::beta_1 = 0.9, ae::beta_2 = 0.999: Adam's decay rates of the moment estimates.
inline constexpr ArgName<Beta1Tag, double> beta_1{};
/// ae::beta_2 = 0.999: the decay rate of Adam's second-moment estimate v.
inline constexpr ArgName<Beta2Tag, double> beta_2{};

/// Adam's hyper-parameters, with Keras's names and defaults.
struct AdamOptions {
  double learning_rate = 1e-3;  ///< lr, the step size.
  double beta_1 = 0.9;          ///< Decay rate of the first-moment estimate m, in [0, 1).
  double beta_2 = 0.999;        ///< Decay rate of the second-moment estimate v, in [0, 1).
  double epsilon = 1e-7;        ///< Added to sqrt(v); must be > 0.
  void set(NamedArg<LearningRateTag, double> a) { learning_rate = a.value; }  ///< ae::learning_rate
  void set(NamedArg<Beta1Tag, double> a) { beta_1 = a.value; }                ///< ae::beta_1
  void set(NamedArg<Beta2Tag, double> a) { beta_2 = a.value; }                ///< ae::beta_2
  void set(NamedArg<EpsilonTag, double> a) { epsilon = a.value; }             ///< ae::epsilon
};

/// Adam with Keras's defaults: learning_rate 1e-3, beta_1 0.9, beta_2 0.999, epsilon 1e-7.
///
/// At step t (from 1), for every parameter p with gradient g:
///
///     m = beta_1 m + (1 - beta_1) g
///     v = beta_2 v + (1 - beta_2) g^2
///     p = p - lr_t m / (sqrt(v) + epsilon),   lr_t = lr sqrt(1 - beta_2^t) / (1 - beta_1^t)
///
/// This is Keras's formulation: the bias corrections are folded into lr_t, so epsilon is added
/// to sqrt(v) rather than to sqrt(v / (1 - beta_2^t)) as in the paper's Algorithm 1.
template <class T = DefaultScalar>
class Adam : public Optimizer<T> {
 public:
  /// Adam(learning_rate) or Adam(ae::learning_rate = ..., ae::beta_1 = ..., ae::beta_2 = ...,
  /// ae::epsilon = ...), as Keras's Adam(learning_rate=0.001, ...).
  explicit Adam(double learning_rate = 1e-3) : Adam(options_with_rate(learning_rate)) {}
  /// Adam(ae::learning_rate = ..., ae::beta_1 = ..., ...): any of AdamOptions's named arguments.
  template <class... Args, class = std::enable_if_t<(sizeof...(Args) > 0) && detail::all_named_args<Args...>>>
  explicit Adam(Args&&... args) : Adam(make_options(std::forward<Args>(args)...)) {}
  /// From a filled-in options struct; ConfigError for values out of range.
  explicit Adam(const AdamOptions& o) : lr_(o.learning_rate), beta_1_(o.beta_1), beta_2_(o.beta_2), epsilon_(o.epsilon) {
    if (!(lr_ > 0)) throw ConfigError("Adam: learning_rate must be > 0");
    if (!(beta_1_ >= 0 && beta_1_ < 1) || !(beta_2_ >= 0 && beta_2_ < 1))
      throw ConfigError("Adam: beta_1 and beta_2 must be in [0, 1)");
    // With epsilon = 0 a parameter whose gradient has always been 0 gets m / sqrt(v) = 0 / 0.
    if (!(epsilon_ > 0) || !std::isfinite(epsilon_))
      throw ConfigError("Adam: epsilon must be > 0 (it keeps m / (sqrt(v) + epsilon) finite), got " +
                        std::to_string(epsilon_));
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

  /// One Adam update of params[0, n) (the formulas above); false if a parameter became NaN or infinite.
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
      if (!detail::all_finite(params + i0, len)) finite.store(false, std::memory_order_relaxed);  // the chunk is still in cache
    });
    return finite.load();
  }

  /// Steps taken since the last reset.
  long long iterations() const { return t_; }
  /// Steps taken since the last reset (the t of the bias correction).
  long long steps_taken() const override { return t_; }
  /// m, then v.
  std::vector<T> state_values() const override {
    std::vector<T> values(m_);
    values.insert(values.end(), v_.begin(), v_.end());
    return values;
  }
  /// Restores t, m and v; throws ConfigError unless there are 2 * n_params values.
  void set_state(long long steps, const std::vector<T>& values, Index n_params) override {
    const auto n = static_cast<std::size_t>(n_params);
    if (steps < 0 || values.size() != 2 * n)
      throw ConfigError("Adam::set_state: " + std::to_string(values.size()) + " values for " + std::to_string(n) +
                        " parameters (Adam keeps 2 per parameter)");
    m_.assign(values.begin(), values.begin() + long(n));
    v_.assign(values.begin() + long(n), values.end());
    t_ = steps;
  }
  /// The base step size lr (before the bias correction of lr_t).
  double learning_rate() const { return lr_; }

 private:
  static AdamOptions options_with_rate(double learning_rate) {
    AdamOptions o;
    o.learning_rate = learning_rate;
    return o;
  }
  template <class... Args>
  static AdamOptions make_options(Args&&... args) {
    AdamOptions o;
    detail::apply_named_args(o, std::forward<Args>(args)...);
    return o;
  }

  double lr_, beta_1_, beta_2_, epsilon_;
  std::vector<T> m_, v_;  // first and second moment estimates, one per parameter
  long long t_ = 0;
};

// Precompiled mode: these instantiations live in libautoenc_compiled (src/instantiations/).
#if defined(AUTOENC_PRECOMPILED) && !defined(AUTOENC_COMPILING_LIBRARY)
extern template class Adam<float>;
extern template class Adam<double>;
#endif

}  // namespace autoenc
