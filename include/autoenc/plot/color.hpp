/// @file
/// Colours and colormaps for the plotting module: matplotlib's names and its 'rainbow', 'viridis'
/// and 'gray' maps, continuous or cut into N discrete bands.
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cmath>
#include <string>

#include "../core/error.hpp"

namespace autoenc {
/// The plotting module (plot/plot.hpp): matplotlib-like figures written as PNG.
namespace plot {

/// An RGB colour with components in [0, 1].
struct Color {
  double r = 0, g = 0, b = 0;
  /// @var r
  /// Red, in [0, 1].
  /// @var g
  /// Green, in [0, 1].
  /// @var b
  /// Blue, in [0, 1].

  /// matplotlib's colour of that name: "k", "red", "tab:blue", ... (ConfigError if unknown).
  static Color named(const std::string& name) {
    // matplotlib's single-letter and "tab" colours used by the chapter.
    if (name == "black" || name == "k") return {0, 0, 0};
    if (name == "white" || name == "w") return {1, 1, 1};
    if (name == "red" || name == "r") return {1, 0, 0};
    if (name == "green" || name == "g") return {0, 0.5, 0};
    if (name == "blue" || name == "b") return {0, 0, 1};
    if (name == "gray" || name == "grey") return {0.5, 0.5, 0.5};
    if (name == "lightgray") return {0.83, 0.83, 0.83};
    if (name == "orange") return {1, 0.647, 0};
    if (name == "tab:blue") return {0.122, 0.467, 0.706};
    if (name == "tab:orange") return {1.0, 0.498, 0.055};
    throw ConfigError("plot: unknown colour '" + name + "'");
  }
};

/// The colormaps there are (matplotlib's names).
enum class ColormapKind {
  rainbow,  ///< 'rainbow': purple through blue, green and yellow to red.
  viridis,  ///< 'viridis': dark blue to yellow, perceptually uniform (matplotlib's default).
  gray      ///< 'gray': black to white.
};

/// A colormap, optionally discrete: with `bands` = N, [0, 1] is cut into N equal bands and each
/// band gets the colour at its centre (matplotlib's plt.cm.get_cmap(name, N)).
struct Colormap {
  ColormapKind kind = ColormapKind::viridis;  ///< Which map.
  int bands = 0;  ///< 0: continuous

  /// The map of that name, "rainbow", "viridis" or "gray", with `bands` bands (0: continuous).
  static Colormap named(const std::string& name, int bands = 0) {
    if (name == "rainbow") return {ColormapKind::rainbow, bands};
    if (name == "viridis") return {ColormapKind::viridis, bands};
    if (name == "gray" || name == "grey") return {ColormapKind::gray, bands};
    throw ConfigError("plot: unknown colormap '" + name + "' (known: rainbow, viridis, gray)");
  }

  /// The colour of t in [0, 1] (clipped).
  Color operator()(double t) const {
    t = std::clamp(t, 0.0, 1.0);
    if (bands > 1) t = (std::min(std::floor(t * bands), double(bands - 1)) + 0.5) / bands;
    else if (bands == 1) t = 0.5;
    switch (kind) {
      case ColormapKind::gray: return {t, t, t};
      case ColormapKind::rainbow: {
        // matplotlib's 'rainbow': r = |2t - 0.5|, g = sin(pi t), b = cos(pi t / 2).
        const double pi = 3.14159265358979323846;
        return {std::clamp(std::abs(2 * t - 0.5), 0.0, 1.0), std::sin(pi * t), std::cos(pi * t / 2)};
      }
      case ColormapKind::viridis: {
        // A degree-6 polynomial fit of matplotlib's viridis table (within about 1/255 of it).
        const double c0[3] = {0.2777273272234177, 0.005407344544966578, 0.3340998053353061};
        const double c1[3] = {0.1050930431085774, 1.404613529898575, 1.384590162594685};
        const double c2[3] = {-0.3308618287255563, 0.214847559468213, 0.09509516302823659};
        const double c3[3] = {-4.634230498983486, -5.799100973351585, -19.33244095627987};
        const double c4[3] = {6.228269936347081, 14.17993336680509, 56.69055260068105};
        const double c5[3] = {4.776384997670288, -13.74514537774601, -65.35303263337234};
        const double c6[3] = {-5.435455855934631, 4.645852612178535, 26.3124352495832};
        double v[3];
        for (int i = 0; i < 3; ++i)
          v[i] = std::clamp(c0[i] + t * (c1[i] + t * (c2[i] + t * (c3[i] + t * (c4[i] + t * (c5[i] + t * c6[i]))))), 0.0, 1.0);
        return {v[0], v[1], v[2]};
      }
    }
    return {};
  }
};

}  // namespace plot
}  // namespace autoenc
