// The chapter's kinds of figure, drawn by autoenc's plotting header from data computed here:
// figure 9.7 (relu vs elu), figure 9.9 (Student t vs normal), a 3-panel k-means-style scatter
// with diamonds and arrows, a scatter with the discrete 10-colour rainbow colorbar, a 3x2 grid
// of titled panels, and a scatter with image thumbnails.
// SPDX-License-Identifier: MIT
#include <sys/stat.h>

#include <cmath>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include <autoenc/autoenc.hpp>
#include <autoenc/plot/plot.hpp>

#include "chapter_figures.hpp"

namespace ae = autoenc;
namespace pl = autoenc::plot;

namespace {

// Ten noisy clusters coloured by label with the discrete 10-colour rainbow and its colorbar.
void labelled_scatter(const std::string& path) {
  ae::Rng rng(0);
  std::vector<double> x, y, label;
  for (int i = 0; i < 2000; ++i) {
    const int k = i % 10;
    const double angle = 2 * 3.14159265358979 * k / 10;
    x.push_back(30 * std::cos(angle) + 5 * rng.normal());
    y.push_back(30 * std::sin(angle) + 5 * rng.normal());
    label.push_back(k);
  }
  pl::Figure fig = pl::Figure::inches(8, 8);
  std::vector<double> ticks;
  for (int k = 0; k < 10; ++k) ticks.push_back(k);
  fig.axes()
      .scatter(x, y, label, pl::Colormap::named("rainbow", 10), -0.5, 9.5, {pl::Marker::point, 4, 0, {}, ""})
      .colorbar(pl::Colormap::named("rainbow", 10), -0.5, 9.5, ticks);
  fig.save_png(path);
}

// A 3x2 grid of titled panels: the same clusters spread more or less, as a perplexity sweep looks.
void panel_grid(const std::string& path) {
  pl::Figure fig = pl::Figure::inches(10, 12, 3, 2);
  const int settings[6] = {5, 10, 15, 25, 50, 100};
  for (int p = 0; p < 6; ++p) {
    ae::Rng rng{static_cast<std::uint64_t>(p)};
    std::vector<double> x, y, label;
    for (int i = 0; i < 1000; ++i) {
      const int k = i % 10;
      const double angle = 2 * 3.14159265358979 * k / 10, spread = 2 + settings[p] / 10.0;
      x.push_back(20 * std::cos(angle) + spread * rng.normal());
      y.push_back(20 * std::sin(angle) + spread * rng.normal());
      label.push_back(k);
    }
    fig.axes(p / 2, p % 2)
        .title("perplexity: " + std::to_string(settings[p]))
        .scatter(x, y, label, pl::Colormap::named("rainbow", 10), -0.5, 9.5, {pl::Marker::point, 3, 0, {}, ""});
  }
  fig.save_png(path);
}

// Small images drawn at data points (figure 9.17's thumbnails), here synthetic digits-like blobs.
void thumbnails(const std::string& path) {
  pl::Figure fig = pl::Figure::inches(8, 8);
  auto& ax = fig.axes();
  ax.no_ticks();
  ae::Rng rng(3);
  std::vector<double> x, y, label;
  for (int i = 0; i < 400; ++i) {
    const int k = i % 10;
    const double angle = 2 * 3.14159265358979 * k / 10;
    x.push_back(30 * std::cos(angle) + 4 * rng.normal());
    y.push_back(30 * std::sin(angle) + 4 * rng.normal());
    label.push_back(k);
  }
  ax.scatter(x, y, label, pl::Colormap::named("rainbow", 10), -0.5, 9.5, {pl::Marker::point, 3, 0, {}, ""});
  for (int i = 0; i < 40; ++i) {
    std::vector<float> img(28 * 28);
    const double angle = 2 * 3.14159265358979 * (i % 10) / 10;
    for (int r = 0; r < 28; ++r)
      for (int c = 0; c < 28; ++c) {
        const double d = std::hypot(r - 14 - 8 * std::sin(angle), c - 14 - 8 * std::cos(angle));
        img[std::size_t(r * 28 + c)] = float(std::exp(-d * d / 20));
      }
    ax.thumbnail(x[std::size_t(i)], y[std::size_t(i)], img, 28, 28, 1.0);
  }
  fig.save_png(path);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Draws a gallery of the chapter's kinds of figure"};
  std::string out = "out";
  app.add_option("--out", out, "folder for the PNG files")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    ::mkdir(out.c_str(), 0755);
    chapter::draw_relu_elu(out + "/fig9_7_relu_elu.png");
    chapter::draw_t_distribution(out + "/fig9_9_t_distribution.png");
    const auto blobs = ae::make_blobs(100, 3, 2, 1.0, {-10, 10}, 6);
    chapter::kmeans_by_hand(out + "/gallery_kmeans_steps.png", blobs.X, 3, 6);
    labelled_scatter(out + "/gallery_rainbow_colorbar.png");
    panel_grid(out + "/gallery_panel_grid.png");
    thumbnails(out + "/gallery_thumbnails.png");
    std::cout << "wrote 6 figures to " << out << "/\n";
  } catch (const ae::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}
