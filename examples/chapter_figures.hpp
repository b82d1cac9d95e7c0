// Figures the chapter's example programs share, drawn with autoenc's plotting module.
// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <vector>

#include <autoenc/autoenc.hpp>
#include <autoenc/plot/plot.hpp>

namespace chapter {

namespace pl = autoenc::plot;

/// Figure 9.7: relu (red, dashed) and elu (green, solid) on [-5, 5), a gray line at x = 0.
inline void draw_relu_elu(const std::string& path) {
  std::vector<double> x, relu, elu;
  for (int i = 0; i < 100; ++i) {
    x.push_back(-5 + 0.1 * i);
    relu.push_back(autoenc::activation_value(autoenc::Activation::relu, x.back()));
    elu.push_back(autoenc::activation_value(autoenc::Activation::elu, x.back()));
  }
  pl::Figure fig = pl::Figure::inches(6.4, 4.8);
  fig.axes()
      .axvline(0, pl::Color::named("gray"))
      .plot(x, relu, {pl::Color::named("red"), 2, true, "relu"})
      .plot(x, elu, {pl::Color::named("green"), 2, false, "elu"})
      .legend();
  fig.save_png(path);
}

/// One gray image with a colorbar (the chapter's plt.imshow(train_X[0], cmap='gray'); plt.colorbar()).
inline void draw_image_with_colorbar(const std::string& path, const float* pixels, int rows, int cols) {
  pl::Figure fig = pl::Figure::inches(6.4, 4.8);
  fig.axes().imshow(std::vector<float>(pixels, pixels + rows * cols), rows, cols).colorbar(pl::Colormap::named("gray"), 0, 1);
  fig.save_png(path);
}

}  // namespace chapter
