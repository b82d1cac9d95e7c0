/// @file
/// The options Conv2D and Conv2DTranspose share, as named arguments and as a struct, checked in
/// one place:
///
///     ae::Conv2D<float>(32, 3, ae::strides = 2, ae::padding = "same", ae::activation = "relu")
///
/// filters and kernel_size come first, positionally, as Keras users write them; the rest by name.
// SPDX-License-Identifier: MIT
#pragma once

#include <string>

#include "../core/error.hpp"
#include "../core/named_args.hpp"
#include "../core/shape.hpp"
#include "activation.hpp"
#include "conv_geometry.hpp"

namespace autoenc {

struct StridesTag;
struct PaddingTag;
/// ae::strides = 2 or ae::strides = {2, 1}: the step of a convolution's window.
inline constexpr ArgName<StridesTag, Size2> strides{};
/// ae::padding = "same" (or Padding::same): Keras's "valid" or "same".
inline constexpr ArgName<PaddingTag, PaddingSpec> padding{};

/// filters, kernel_size, strides, padding and activation of a convolution.
struct ConvOptions {
  Index filters = 1;                           ///< output channels
  Size2 kernel_size = 1;                       ///< the window, (height, width)
  Size2 strides = 1;                           ///< the window's step
  Padding padding = Padding::valid;            ///< "valid" or "same"
  Activation activation = Activation::linear;  ///< applied to the output

  void set(NamedArg<StridesTag, Size2> a) { strides = a.value; }                 ///< ae::strides
  void set(NamedArg<PaddingTag, PaddingSpec> a) { padding = a.value; }           ///< ae::padding
  void set(NamedArg<ActivationTag, ActivationSpec> a) { activation = a.value; }  ///< ae::activation

  /// Throws ConfigError for a setting no convolution can have.
  void validate(const std::string& kind) const {
    if (filters <= 0) throw ConfigError(kind + ": filters must be > 0, got " + std::to_string(filters));
    if (kernel_size.height <= 0 || kernel_size.width <= 0)
      throw ConfigError(kind + ": kernel_size must be > 0, got " + kernel_size.to_string());
    if (strides.height <= 0 || strides.width <= 0)
      throw ConfigError(kind + ": strides must be > 0, got " + strides.to_string());
  }

  /// "filters=32, kernel_size=(3, 3), strides=..., padding=..., activation=..." for config_string().
  std::string to_string() const {
    return "filters=" + std::to_string(filters) + ", kernel_size=" + kernel_size.to_string() + ", strides=" +
           strides.to_string() + ", padding=" + padding_name(padding) + ", activation=" + activation_name(activation);
  }

  /// A convolution reads images: (height, width, channels) per sample.
  static void check_image_input(const std::string& kind, const Shape& in) {
    if (in.rank() != 3)
      throw ShapeError(kind + " expects (height, width, channels) per sample, got " + in.to_string() +
                       (in.rank() == 1 ? "; hint: add Reshape({height, width, channels}) before it" : ""));
  }
};

}  // namespace autoenc
