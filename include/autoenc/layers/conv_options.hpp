// The settings Conv2D and Conv2DTranspose share, checked in one place.
// SPDX-License-Identifier: MIT
#pragma once

#include <string>

#include "../core/error.hpp"
#include "../core/shape.hpp"
#include "activation.hpp"
#include "conv_geometry.hpp"

namespace autoenc {

/// filters, kernel_size, strides, padding and activation, checked when the layer is made.
struct ConvSettings {
  Index filters;
  Size2 kernel, strides;
  Padding padding;
  Activation activation;

  ConvSettings(const std::string& kind, Index filters_, Size2 kernel_, Size2 strides_, Padding padding_,
               Activation activation_)
      : filters(filters_), kernel(kernel_), strides(strides_), padding(padding_), activation(activation_) {
    if (filters <= 0) throw ConfigError(kind + ": filters must be > 0, got " + std::to_string(filters));
    if (kernel.height <= 0 || kernel.width <= 0)
      throw ConfigError(kind + ": kernel_size must be > 0, got " + kernel.to_string());
    if (strides.height <= 0 || strides.width <= 0)
      throw ConfigError(kind + ": strides must be > 0, got " + strides.to_string());
  }

  std::string to_string() const {
    return "filters=" + std::to_string(filters) + ", kernel_size=" + kernel.to_string() + ", strides=" +
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
