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

/// Figure 9.9: the Student t density with 2.74 degrees of freedom (red) against the standard
/// normal (blue) on [-5, 5]: the t's heavier tails are why t-SNE can place dissimilar points far
/// apart in 2-D.
inline void draw_t_distribution(const std::string& path) {
  std::vector<double> x, t, n;
  for (int i = 0; i <= 200; ++i) {
    x.push_back(-5 + 0.05 * i);
    t.push_back(pl::student_t_pdf(x.back(), 2.74));
    n.push_back(pl::normal_pdf(x.back()));
  }
  pl::Figure fig = pl::Figure::inches(6.4, 4.8);
  fig.axes()
      .plot(x, t, {pl::Color::named("red"), 2, false, "t-dist"})
      .plot(x, n, {pl::Color::named("blue"), 2, false, "normal-dist"})
      .legend();
  fig.save_png(path);
}

/// A 2-D map's points coloured by digit with the discrete 10-colour rainbow (marker '.').
inline pl::Axes& scatter_by_label(pl::Axes& ax, const Eigen::Ref<const Eigen::MatrixXd>& Y, const std::vector<int>& labels,
                                  double marker_size = 3) {
  std::vector<double> x(std::size_t(Y.rows())), y(x.size()), value(x.size());
  for (Eigen::Index i = 0; i < Y.rows(); ++i) {
    x[std::size_t(i)] = Y(i, 0);
    y[std::size_t(i)] = Y(i, 1);
    value[std::size_t(i)] = labels[std::size_t(i)];
  }
  return ax.scatter(x, y, value, pl::Colormap::named("rainbow", 10), -0.5, 9.5, {pl::Marker::point, marker_size, 0, {}, ""});
}

/// The scatter plus the colorbar with ticks 0..9 centred on each colour band (figure 9.15).
inline void draw_tsne_map(const std::string& path, const Eigen::Ref<const Eigen::MatrixXd>& Y, const std::vector<int>& labels) {
  pl::Figure fig = pl::Figure::inches(10, 8);
  std::vector<double> ticks;
  for (int k = 0; k < 10; ++k) ticks.push_back(k);
  scatter_by_label(fig.axes(), Y, labels).colorbar(pl::Colormap::named("rainbow", 10), -0.5, 9.5, ticks);
  fig.save_png(path);
}

/// One gray image with a colorbar (the chapter's plt.imshow(train_X[0], cmap='gray'); plt.colorbar()).
inline void draw_image_with_colorbar(const std::string& path, const float* pixels, int rows, int cols) {
  pl::Figure fig = pl::Figure::inches(6.4, 4.8);
  fig.axes().imshow(std::vector<float>(pixels, pixels + rows * cols), rows, cols).colorbar(pl::Colormap::named("gray"), 0, 1);
  fig.save_png(path);
}

/// Section 5, k-means by hand (figure 9.8): k random centres inside the data's bounding box,
/// then three rounds of
///   E step: each point joins its nearest centre;
///   M step: each centre moves to the mean of its points;
/// drawn as three stacked panels: points coloured by cluster, centres as diamonds with black
/// edges, and from the second panel on, arrows from each centre's previous position.
/// This is the chapter's teaching code, written out; autoenc::KMeans is the fast version.
inline void kmeans_by_hand(const std::string& path, const Eigen::MatrixXd& X, int k, std::uint64_t seed) {
  const Eigen::Index n = X.rows();
  autoenc::Rng rng(seed);
  const Eigen::RowVector2d lo = X.colwise().minCoeff(), hi = X.colwise().maxCoeff();
  Eigen::MatrixXd centers(k, 2);
  for (int j = 0; j < k; ++j)
    for (int f = 0; f < 2; ++f) centers(j, f) = rng.uniform(lo(f), hi(f));

  std::vector<double> xs(X.col(0).data(), X.col(0).data() + n), ys(X.col(1).data(), X.col(1).data() + n);
  std::vector<double> ids(static_cast<std::size_t>(k));
  for (int j = 0; j < k; ++j) ids[std::size_t(j)] = j;
  const auto cmap = pl::Colormap::named("rainbow");
  pl::Figure fig = pl::Figure::inches(6, 12, 3, 1);
  Eigen::MatrixXd previous = centers;
  for (int step = 0; step < 3; ++step) {
    // E step: the nearest centre of every point.
    std::vector<double> label(static_cast<std::size_t>(n));
    for (Eigen::Index i = 0; i < n; ++i) {
      Eigen::Index best;
      (centers.rowwise() - X.row(i)).rowwise().squaredNorm().minCoeff(&best);
      label[std::size_t(i)] = double(best);
    }
    auto& ax = fig.axes(step, 0);
    ax.no_ticks().scatter(xs, ys, label, cmap, 0, k - 1, {pl::Marker::circle, 4, 0, {}, ""});
    if (step > 0)
      for (int j = 0; j < k; ++j) ax.arrow(previous(j, 0), previous(j, 1), centers(j, 0), centers(j, 1), {0, 0, 0}, 1.5);
    std::vector<double> cx(centers.col(0).data(), centers.col(0).data() + k), cy(centers.col(1).data(), centers.col(1).data() + k);
    ax.scatter(cx, cy, ids, cmap, 0, k - 1, {pl::Marker::diamond, 9, 1.5, {0, 0, 0}, ""});
    // M step: every centre moves to the mean of its points (a centre without points stays).
    previous = centers;
    for (int j = 0; j < k; ++j) {
      Eigen::RowVector2d sum(0, 0);
      int count = 0;
      for (Eigen::Index i = 0; i < n; ++i)
        if (label[std::size_t(i)] == j) sum += X.row(i), ++count;
      if (count > 0) centers.row(j) = sum / count;
    }
  }
  fig.save_png(path);
}

/// The chapter's reconstruction figure: four random images (left) beside their
/// reconstructions (right), a 4 x 2 grid of gray images.
inline void draw_reconstructions(const std::string& path, const autoenc::Tensor<float>& images,
                                 const autoenc::Tensor<float>& reconstructed, std::uint64_t seed) {
  const Eigen::Index pixels = images.size() / images.dim(0);
  autoenc::Tensor<float> pairs({8, pixels});
  autoenc::Rng rng(seed);
  for (int row = 0; row < 4; ++row) {
    const auto k = static_cast<Eigen::Index>(rng.below(static_cast<std::uint64_t>(images.dim(0))));
    std::copy(images.data() + k * pixels, images.data() + (k + 1) * pixels, pairs.data() + (2 * row) * pixels);
    std::copy(reconstructed.data() + k * pixels, reconstructed.data() + (k + 1) * pixels, pairs.data() + (2 * row + 1) * pixels);
  }
  autoenc::GridOptions grid;
  grid.scale = 4;
  grid.spacing = 8;
  autoenc::save_image_grid(path, pairs, 4, 2, grid);
}

/// Rows of training images, one row per cluster (the chapter's 10 x 10 grid of figure 9.14).
inline void draw_cluster_grid(const std::string& path, const autoenc::Tensor<float>& images, const std::vector<int>& labels,
                              int clusters, int per_row) {
  autoenc::Tensor<float> grid({Eigen::Index(clusters) * per_row, images.dim(1), images.dim(2), 1}, 1.0f);
  const Eigen::Index pixels = images.dim(1) * images.dim(2);
  for (int c = 0; c < clusters; ++c) {
    int placed = 0;
    for (std::size_t i = 0; i < labels.size() && placed < per_row; ++i)
      if (labels[i] == c) {
        std::copy(images.data() + Eigen::Index(i) * pixels, images.data() + Eigen::Index(i + 1) * pixels,
                  grid.data() + (Eigen::Index(c) * per_row + placed) * pixels);
        ++placed;
      }
  }
  autoenc::GridOptions opt;
  opt.scale = 3;
  opt.spacing = 4;
  autoenc::save_image_grid(path, grid, clusters, per_row, opt);
}

}  // namespace chapter
