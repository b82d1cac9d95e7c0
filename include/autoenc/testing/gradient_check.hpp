/// @file
/// Finite-difference checks of hand-written backward passes, public so that users can check
/// their own layers the way autoenc checks its own.
///
/// For a layer y = g(x; w) and a fixed random r, the scalar L = sum(y * r) has dL/dy = r, so one
/// backward(dy = r) must give dL/dx and dL/dw. Each entry is compared with the central
/// difference (L(v + h) - L(v - h)) / 2h. Run it with T = double.
/// The analytic gradients are pre-filled with NaN, so an entry backward never writes fails, and
/// so does any entry where either value is NaN or infinite.
// SPDX-License-Identifier: MIT
#pragma once

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "../core/random.hpp"
#include "../core/tensor.hpp"
#include "../layers/layer.hpp"
#include "../model/sequential.hpp"

namespace autoenc {
/// Finite-difference gradient checks of layers and models, yours included (docs/custom_layer.md).
namespace testing {

/// What check_layer_gradients found.
struct GradientCheckResult {
  double worst_error = 0;        ///< max over entries of |a - n| / (atol + rtol max(|a|, |n|)); <= 1 passes
  std::string worst;             ///< which entry was worst, with both values
  double input_grad_norm = 0;    ///< |dL/dx|, to catch checks that compare zeros with zeros
  double param_grad_norm = 0;    ///< |dL/dw|
  Index entries_checked = 0;     ///< entries of dL/dx and dL/dw compared
  bool passed() const { return worst_error <= 1.0; }  ///< every entry within the tolerance
};

/// The central difference's step and the tolerance: an entry passes when
/// |analytic - numeric| <= atol + rtol max(|analytic|, |numeric|).
struct FiniteDifferenceSettings {
  double h = 1e-6;  ///< the step: (L(v + h) - L(v - h)) / 2h
  /// Absolute tolerance.
  double atol = 1e-7, rtol = 1e-5;  ///< Relative tolerance.
};

/// The settings of a check on random data: the finite differences, and the batch of inputs.
struct GradientCheckOptions : FiniteDifferenceSettings {
  Index batch = 3;         ///< samples in the random batch
  std::uint64_t seed = 7;  ///< seed of everything random in the check
  /// inputs are drawn uniformly from [input_low, input_high)
  double input_low = -1, input_high = 1;  ///< the upper end of the inputs' range
};

namespace detail {
/// The error of one entry in units of the tolerance (<= 1 passes); infinite when either value
/// is not finite, so a NaN can never pass for a match.
inline double gradient_entry_error(double analytic, double numeric, const FiniteDifferenceSettings& fd) {
  if (!std::isfinite(analytic) || !std::isfinite(numeric)) return std::numeric_limits<double>::infinity();
  return std::abs(analytic - numeric) / (fd.atol + fd.rtol * std::max(std::abs(analytic), std::abs(numeric)));
}
}  // namespace detail

/// Builds `layer` for `input_shape`, initialises it, and checks dL/dx and every dL/dw.
template <class T>
GradientCheckResult check_layer_gradients(Layer<T>& layer, const Shape& input_shape,
                                          const GradientCheckOptions& opt = {}) {
  const Shape out_shape = layer.setup(input_shape);
  std::vector<T> params(static_cast<std::size_t>(layer.param_count()));
  std::vector<T> grads(params.size(), std::numeric_limits<T>::quiet_NaN());
  layer.bind(params.data(), grads.data());
  Rng rng(opt.seed);
  layer.init(rng);
  // Glorot draws may be tiny for large layers; give biases non-zero values too.
  for (auto& p : params) p += T(rng.uniform(-0.1, 0.1));

  Tensor<T> x(input_shape.with_batch(opt.batch)), y(out_shape.with_batch(opt.batch));
  Tensor<T> r(y.shape()), dx(x.shape(), std::numeric_limits<T>::quiet_NaN());
  for (auto& v : x) v = T(rng.uniform(opt.input_low, opt.input_high));
  for (auto& v : r) v = T(rng.uniform(-1, 1));

  auto loss = [&]() {
    layer.forward(x.view(), y.view());
    double L = 0;
    for (Index i = 0; i < y.size(); ++i) L += static_cast<double>(y[i]) * static_cast<double>(r[i]);
    return L;
  };
  loss();
  layer.backward(x.view(), y.view(), r.view(), dx.view());

  GradientCheckResult res;
  auto compare = [&](T& v, double analytic, const std::string& what) {
    const T saved = v;
    v = T(static_cast<double>(saved) + opt.h);
    const double plus = loss();
    v = T(static_cast<double>(saved) - opt.h);
    const double minus = loss();
    v = saved;
    const double numeric = (plus - minus) / (2 * opt.h);
    const double err = detail::gradient_entry_error(analytic, numeric, opt);
    ++res.entries_checked;
    if (err > res.worst_error || (std::isinf(err) && res.worst.empty())) {
      res.worst_error = err;
      res.worst = what + ": analytic " + std::to_string(analytic) + ", numeric " + std::to_string(numeric);
    }
  };
  const std::vector<T> analytic_params(grads.begin(), grads.end());
  for (Index i = 0; i < x.size(); ++i) {
    res.input_grad_norm += static_cast<double>(dx[i]) * static_cast<double>(dx[i]);
    compare(x[i], static_cast<double>(dx[i]), "dL/dx[" + std::to_string(i) + "]");
  }
  for (std::size_t i = 0; i < params.size(); ++i) {
    res.param_grad_norm += static_cast<double>(analytic_params[i]) * static_cast<double>(analytic_params[i]);
    compare(params[i], static_cast<double>(analytic_params[i]), "dL/dparam[" + std::to_string(i) + "]");
  }
  res.input_grad_norm = std::sqrt(res.input_grad_norm);
  res.param_grad_norm = std::sqrt(res.param_grad_norm);
  return res;
}

/// What check_model_gradients found.
struct ModelGradientCheck {
  double worst_error = 0;    ///< as in GradientCheckResult: <= 1 passes
  std::string worst;         ///< which parameter was worst, with both values
  double gradient_norm = 0;  ///< |dL/dparams|, to catch checks of all-zero gradients
  Index entries_checked = 0;  ///< parameters compared
  bool passed() const { return worst_error <= 1.0; }  ///< every parameter within the tolerance
};

/// Checks a compiled model's parameter gradients on the batch (x, y), as one train_step
/// computes them, against central differences of evaluate() (the model's loss) for every
/// parameter. The parameters are restored afterwards, whatever the optimizer did.
template <class T>
ModelGradientCheck check_model_gradients(Sequential<T>& model, const Tensor<T>& x, const Tensor<T>& y,
                                         const FiniteDifferenceSettings& fd = {}) {
  using Vector = Eigen::Matrix<T, Eigen::Dynamic, 1>;
  auto params = model.parameters();
  const Vector before = params;
  model.train_step(x.view(), y.view());
  const Vector analytic = model.gradients();
  params = before;
  ModelGradientCheck res;
  res.gradient_norm = static_cast<double>(analytic.norm());
  res.worst_error = -1;
  for (Index i = 0; i < params.size(); ++i) {
    const T saved = params[i];
    params[i] = T(static_cast<double>(saved) + fd.h);
    const double plus = model.evaluate(x, y, x.dim(0), autoenc::verbose = 0);
    params[i] = T(static_cast<double>(saved) - fd.h);
    const double minus = model.evaluate(x, y, x.dim(0), autoenc::verbose = 0);
    params[i] = saved;
    const double numeric = (plus - minus) / (2 * fd.h), a = static_cast<double>(analytic[i]);
    const double err = detail::gradient_entry_error(a, numeric, fd);
    ++res.entries_checked;
    if (err > res.worst_error) {
      res.worst_error = err;
      res.worst = "dL/dparam[" + std::to_string(i) + "]: analytic " + std::to_string(a) + ", numeric " +
                  std::to_string(numeric);
    }
  }
  res.worst_error = std::max(res.worst_error, 0.0);
  return res;
}
/// The batch and input range belong to the random-data overload below; with given data they
/// would be ignored, so this combination does not compile.
template <class T>
ModelGradientCheck check_model_gradients(Sequential<T>&, const Tensor<T>&, const Tensor<T>&,
                                         const GradientCheckOptions&) = delete;

/// The same check on random data: opt.batch inputs drawn from U(input_low, input_high) and
/// targets from U(0, 1) (valid for every loss), both from opt.seed.
template <class T>
ModelGradientCheck check_model_gradients(Sequential<T>& model, const GradientCheckOptions& opt) {
  Rng rng(opt.seed);
  Tensor<T> x(model.input_shape().with_batch(opt.batch)), y(model.output_shape().with_batch(opt.batch));
  for (auto& v : x) v = T(rng.uniform(opt.input_low, opt.input_high));
  for (auto& v : y) v = T(rng.uniform(0, 1));
  return check_model_gradients(model, x, y, static_cast<const FiniteDifferenceSettings&>(opt));
}

}  // namespace testing
}  // namespace autoenc
