/// @file
/// Activation functions, applied element-wise, and their derivatives.
///
/// Every derivative here is written as a function of the activation's OUTPUT y = f(z), so a
/// layer needs to keep only y for its backward pass (no copy of the pre-activation z):
///
///     relu     y = max(z, 0)                         f'(z) = [y > 0]
///     sigmoid  y = 1 / (1 + e^-z)                    f'(z) = y (1 - y)
///     tanh     y = tanh z                            f'(z) = 1 - y^2
///     elu      y = z if z > 0, else a (e^z - 1)      f'(z) = 1 if y > 0, else y + a     (a = 1)
///     selu     y = s z if z > 0, else s a (e^z - 1)  f'(z) = s if y > 0, else y + s a
///     softplus y = log(1 + e^z)                      f'(z) = sigmoid(z) = 1 - e^-y
///     linear   y = z                                 f'(z) = 1
///
/// The loops are Eigen array expressions, which Eigen vectorises (including exp and tanh).
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>

#include "../core/config.hpp"
#include "../core/exp_float.hpp"
#include "../core/error.hpp"
#include "../core/named_args.hpp"

namespace autoenc {

/// The activations a layer can apply to its output (Keras's names; formulas in the file's table).
enum class Activation {
  linear,   ///< "linear": none, y = z
  relu,     ///< "relu": max(z, 0)
  sigmoid,  ///< "sigmoid": 1 / (1 + e^-z), computed without overflow
  tanh,     ///< "tanh"
  elu,      ///< "elu": z for z > 0, else e^z - 1
  selu,     ///< "selu": scaled elu, s = 1.0507, a = 1.6733 (self-normalising)
  softplus  ///< "softplus": log(1 + e^z)
};

/// Keras's name for an activation: "relu", "elu", ...
inline const char* activation_name(Activation a) {
  switch (a) {
    case Activation::linear: return "linear";
    case Activation::relu: return "relu";
    case Activation::sigmoid: return "sigmoid";
    case Activation::tanh: return "tanh";
    case Activation::elu: return "elu";
    case Activation::selu: return "selu";
    case Activation::softplus: return "softplus";
  }
  return "?";
}

/// The activation called `name` ("relu", "elu", ...; "linear" or "" for none).
inline Activation activation_from_name(const std::string& name) {
  for (Activation a : {Activation::linear, Activation::relu, Activation::sigmoid, Activation::tanh,
                       Activation::elu, Activation::selu, Activation::softplus})
    if (name == activation_name(a)) return a;
  if (name.empty() || name == "none") return Activation::linear;
  throw ConfigError("unknown activation '" + name +
                    "' (known: linear, relu, sigmoid, tanh, elu, selu, softplus)");
}

/// An activation given by enum or by Keras's name: Activation::elu, "elu" and
/// std::string("elu") are all accepted wherever an activation is asked for.
struct ActivationSpec {
  Activation value;  ///< The activation named.
  /// From the enum.
  ActivationSpec(Activation a) : value(a) {}                                 // NOLINT: implicit on purpose
  /// From Keras's name; ConfigError for an unknown one.
  ActivationSpec(const char* name) : value(activation_from_name(name)) {}     // NOLINT
  /// From Keras's name; ConfigError for an unknown one.
  ActivationSpec(const std::string& name) : value(activation_from_name(name)) {}  // NOLINT
  ActivationSpec(std::nullptr_t) = delete;  ///< Dense(64, 0) is a mistake, not "no activation"
  /// Usable wherever an Activation is.
  operator Activation() const { return value; }                              // NOLINT
};

struct ActivationTag;
/// ae::activation = "relu" (or Activation::relu): the activation of Dense, Conv2D, ...
inline constexpr ArgName<ActivationTag, ActivationSpec> activation{};

namespace detail {
/// e^z - 1 for z <= 0, as ELU and SELU need it.
/// float (training): for z > -1/64 a Taylor polynomial replaces e^z - 1,
/// which would lose digits there; its relative truncation error is below z^4/120 <= 5e-10, far
/// under float's 6e-8. Below -1/64 the subtraction e^z - 1 costs up to log2(64) = 6 bits of
/// relative precision, which is still an absolute error under 2^-24 (the test sweeps every
/// float in [-20, 0] against the double function and bounds both).
/// double (gradient checks, reference values): std::expm1, exact to about one ulp.
template <class Derived>
auto expm1_nonpositive(const Eigen::ArrayBase<Derived>& z) {
  using T = typename Derived::Scalar;
  if constexpr (std::is_same<T, double>::value) {
    return z.expm1();
  } else {
    const auto taylor = z * (T(1) + z * (T(0.5) + z * (T(1.0 / 6) + z * T(1.0 / 24))));
    return (z > T(-1.0 / 64)).select(taylor, z.exp() - T(1));
  }
}
/// ELU's and SELU's forward pass in float, in place: y = outer z for z > 0, else
/// outer (inner expm1_nonpositive(z)), the same operations as the expression above evaluated
/// one element at a time with glibc's expf. Eigen evaluates that expression one element at a
/// time (a comparison inside select() has no vector form), calling expf for every element, the
/// positive ones included. Here each block of elements takes two loops that vectorise: e^z by
/// exp_float_nonpositive (glibc's bits, see core/exp_float.hpp; with another libm the result
/// may differ from that libm's expf in the last place), then the choice between z, the Taylor
/// polynomial and e^z - 1.
inline void elu_forward_float(float* data, Index n, float inner, float outer) {
  constexpr Index kBlock = 256;
  alignas(64) float e_block[kBlock];
  for (Index start = 0; start < n; start += kBlock) {
    const Index m = std::min(kBlock, n - start);
    float* y = data + start;
    exp_float_nonpositive(y, e_block, m);  // used only where z <= -1/64
    for (Index i = 0; i < m; ++i) {
      const float z = y[i];
      const float taylor = z * (1.0f + z * (0.5f + z * (float(1.0 / 6) + z * float(1.0 / 24))));
      const float positive = outer * z, small = outer * (inner * taylor), large = outer * (inner * (e_block[i] - 1.0f));
      // A choice on the bits, as in exp_float_nonpositive: with ?: the compiler moves the
      // arithmetic into branches and the loop stays scalar.
      const std::uint32_t is_positive = 0u - std::uint32_t(z > 0.0f);
      const std::uint32_t is_small = 0u - std::uint32_t(z > float(-1.0 / 64));
      std::uint32_t p, s, l;
      std::memcpy(&p, &positive, sizeof p);
      std::memcpy(&s, &small, sizeof s);
      std::memcpy(&l, &large, sizeof l);
      const std::uint32_t bits = (is_positive & p) | (~is_positive & ((is_small & s) | (~is_small & l)));
      std::memcpy(y + i, &bits, sizeof bits);
    }
  }
}

constexpr double kEluAlpha = 1.0;
constexpr double kSeluAlpha = 1.6732632423543772848170429916717;
constexpr double kSeluScale = 1.0507009873554804934193349852946;
}  // namespace detail

/// y = f(y), in place, on n contiguous elements.
template <class T>
void activation_forward(Activation a, T* data, Index n) {
  using Array = Eigen::Array<T, Eigen::Dynamic, 1>;
  Eigen::Map<Array> y(data, n);
  const T alpha = T(detail::kEluAlpha);
  const T selu_alpha = T(detail::kSeluAlpha), selu_scale = T(detail::kSeluScale);
  switch (a) {
    case Activation::linear: break;
    case Activation::relu: y = y.max(T(0)); break;
    // Eigen's logistic is the numerically stable sigmoid: it never forms e^z for large |z|.
    case Activation::sigmoid: y = y.logistic(); break;
    case Activation::tanh: y = y.tanh(); break;
    // min(z, 0) keeps exp from overflowing on the side select() throws away.
    case Activation::elu:
      if constexpr (std::is_same<T, float>::value)
        detail::elu_forward_float(data, n, alpha, 1.0f);
      else
        y = (y > T(0)).select(y, alpha * detail::expm1_nonpositive(y.min(T(0))));
      break;
    case Activation::selu:
      if constexpr (std::is_same<T, float>::value)
        detail::elu_forward_float(data, n, selu_alpha, selu_scale);
      else
        y = selu_scale * (y > T(0)).select(y, selu_alpha * detail::expm1_nonpositive(y.min(T(0))));
      break;
    // log(1 + e^z) = max(z, 0) + log(1 + e^-|z|): no overflow for large z.
    case Activation::softplus: y = y.max(T(0)) + (-y.abs()).exp().log1p(); break;
  }
}

/// dz = dy * f'(z), with f'(z) computed from the output y (see the table at the top).
/// dz may alias dy.
template <class T>
void activation_backward(Activation a, const T* y_data, const T* dy_data, T* dz_data, Index n) {
  using Array = Eigen::Array<T, Eigen::Dynamic, 1>;
  Eigen::Map<const Array> y(y_data, n), dy(dy_data, n);
  Eigen::Map<Array> dz(dz_data, n);
  const T alpha = T(detail::kEluAlpha);
  const T selu_alpha = T(detail::kSeluAlpha), selu_scale = T(detail::kSeluScale);
  switch (a) {
    case Activation::linear: dz = dy; break;
    // relu and elu as plain loops: clang leaves Eigen's select scalar here, and a select of
    // the same values gives the same bits either way.
    case Activation::relu:
      for (Index i = 0; i < n; ++i) dz_data[i] = y_data[i] > T(0) ? dy_data[i] : T(0);
      break;
    case Activation::sigmoid: dz = dy * y * (T(1) - y); break;
    case Activation::tanh: dz = dy * (T(1) - y.square()); break;
    case Activation::elu:
      for (Index i = 0; i < n; ++i) dz_data[i] = y_data[i] > T(0) ? dy_data[i] : dy_data[i] * (y_data[i] + alpha);
      break;
    case Activation::selu:
      dz = (y > T(0)).select(selu_scale * dy, dy * (y + selu_scale * selu_alpha));
      break;
    case Activation::softplus: dz = dy * -((-y).expm1()); break;
  }
}

/// f(z) for one value, in double: the reference the tests and plots use. (A template so that
/// only the files that call it compile its double instantiation.)
template <class Real>
double activation_value(Activation a, Real z) {
  double y = static_cast<double>(z);
  activation_forward<double>(a, &y, 1);
  return y;
}

}  // namespace autoenc
