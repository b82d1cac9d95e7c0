// Chapter 9, section 8: t-SNE of the CNN autoencoder's latent vectors.
//
//   ch9_4_tsne --latent out/latent.npy --data data/mnist --out out [--rows 5000]
//
// Writes figure 9.9 (Student t vs normal), the perplexity-15 map of the first 5,000 latent
// vectors coloured by digit (9.15), the perplexity sweep 5 ... 100 (9.16) and the map with the
// first 200 training images drawn at their places (9.17), timing each t-SNE like %%time.
// SPDX-License-Identifier: MIT
#include <sys/stat.h>

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include <autoenc/autoenc.hpp>
#include <autoenc/plot/plot.hpp>

#include "chapter_figures.hpp"
#include "example_flags.hpp"
#include "results.hpp"

namespace ae = autoenc;
namespace pl = autoenc::plot;

namespace {

using LatentMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// The chapter's TSNE(n_components=2, learning_rate=100, perplexity=p, random_state=0), with a
/// progress line every 250 iterations.
ae::EmbeddingMatrix run_tsne(const LatentMatrix& X, double perplexity, double learning_rate, std::uint64_t seed,
                             bool progress, double* kl_divergence = nullptr) {
  ae::TSNE tsne(ae::n_components = 2, ae::perplexity = perplexity, ae::learning_rate = learning_rate, ae::random_state = seed);
  if (progress)
    tsne.on_progress([](const ae::TsneProgress& p) {
      if (p.iteration % 250 == 0)
        std::printf("  t-SNE iteration %4d/%d  KL divergence %9.4f%s  gradient norm %.2e  %6.2f s\n", p.iteration,
                    p.n_iter, p.kl_divergence, p.exaggerated ? " (exaggerated P)" : "", p.gradient_norm, p.seconds);
      std::fflush(stdout);
    });
  ae::EmbeddingMatrix Y = tsne.fit_transform(X);
  if (kl_divergence) *kl_divergence = tsne.kl_divergence_;
  std::printf("perplexity %g: kl_divergence %.4f after %d iterations\n", perplexity, tsne.kl_divergence_, tsne.n_iter_ + 1);
  return Y;
}

/// Figure 9.16: one titled panel per perplexity.
double perplexity_sweep(const std::string& path, const LatentMatrix& X, const std::vector<int>& labels, double learning_rate,
                      std::uint64_t seed) {
  const double perplexities[6] = {5, 10, 15, 25, 50, 100};
  pl::Figure fig = pl::Figure::inches(12, 18, 3, 2);
  ae::Timer timer;
  for (int p = 0; p < 6; ++p) {
    const ae::EmbeddingMatrix Y = run_tsne(X, perplexities[p], learning_rate, seed, false);
    auto& ax = fig.axes(p / 2, p % 2);
    ax.title("perplexity: " + std::to_string(int(perplexities[p])));
    chapter::scatter_by_label(ax, Y, labels, 2);
  }
  const double seconds = timer.wall_seconds();
  std::cout << "perplexity sweep (6 maps of " << X.rows() << " points):\n" << timer.report();
  fig.save_png(path);
  std::cout << "wrote " << path << "\n";
  return seconds;
}

/// Figure 9.17: the map with the first `count` training images drawn at their embedded places.
void map_with_thumbnails(const std::string& path, const ae::EmbeddingMatrix& Y, const std::vector<int>& labels,
                         const ae::Tensor<float>& images, int count) {
  pl::Figure fig = pl::Figure::inches(16, 16);
  auto& ax = fig.axes();
  ax.no_ticks();
  chapter::scatter_by_label(ax, Y, labels, 3);
  const int rows = int(images.dim(1)), cols = int(images.dim(2));
  const Eigen::Index pixels = images.dim(1) * images.dim(2);
  for (int i = 0; i < count && i < Y.rows(); ++i) {
    // Dark strokes on white, like matplotlib's gray_r thumbnails: 1 - intensity.
    std::vector<float> img(static_cast<std::size_t>(pixels));
    for (Eigen::Index p = 0; p < pixels; ++p) img[std::size_t(p)] = 1.0f - images.data()[i * pixels + p];
    ax.thumbnail(Y(i, 0), Y(i, 1), img, rows, cols, 1.0);
  }
  fig.save_png(path);
  std::cout << "wrote " << path << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Chapter 9.8: t-SNE maps of the latent vectors"};
  chapter::CommonFlags flags(/*seed*/ 0);
  std::string latent_path = "out/latent.npy";
  ae::Index rows = 5000, sweep_rows = 5000;
  double learning_rate = 100, perplexity = 15;
  int thumbnails = 200;
  bool skip_sweep = false;
  app.add_option("--latent", latent_path, "the 60000 x 64 latent vectors (.npy) from ch9_2_cnn_autoencoder --latent-out")->capture_default_str();
  flags.add_to(app, "MNIST folder (labels for the colours, images for the thumbnails)");
  app.add_option("--rows", rows, "embed the first N latent vectors (up to all 60,000)")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--sweep-rows", sweep_rows, "points in each map of the perplexity sweep")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--perplexity", perplexity, "perplexity of the main map")->capture_default_str();
  app.add_option("--learning-rate", learning_rate, "learning rate")->capture_default_str();
  app.add_option("--thumbnails", thumbnails, "training images drawn on figure 9.17")->capture_default_str();
  app.add_flag("--skip-sweep", skip_sweep, "do not draw the perplexity sweep");
  CLI11_PARSE(app, argc, argv);
  try {
    flags.apply();
    const std::string& out_dir = flags.out_dir;
    const std::uint64_t seed = flags.seed;

    chapter::draw_t_distribution(out_dir + "/fig9_9_t_distribution.png");
    std::cout << "wrote " << out_dir << "/fig9_9_t_distribution.png\n";

    const auto latent = ae::load_npy<float>(latent_path);
    if (latent.rank() != 2)
      throw ae::ShapeError("'" + latent_path + "': expected (samples, features), got " + latent.shape().to_string());
    const auto mnist = ae::load_mnist<float>(flags.data_dir);
    const ae::Index available = std::min(latent.dim(0), ae::Index(mnist.train_labels.size()));
    if (rows > available)
      throw ae::ConfigError("--rows " + std::to_string(rows) + ": only " + std::to_string(available) +
                            " latent vectors with labels");
    const Eigen::Map<const LatentMatrix> all(latent.data(), latent.dim(0), latent.dim(1));
    const LatentMatrix X = all.topRows(rows);
    const std::vector<int> labels(mnist.train_labels.begin(), mnist.train_labels.begin() + rows);
    std::cout << "latent vectors: " << latent.shape().to_string() << ", embedding the first " << rows << "\n";

    // Figure 9.15: TSNE(n_components=2, learning_rate=100, perplexity=15, random_state=0).
    ae::Timer timer;
    double kl = 0;
    const ae::EmbeddingMatrix Y = run_tsne(X, perplexity, learning_rate, seed, true, &kl);
    chapter::Results results(flags.results_path);
    results.set("rows", double(rows), "%.0f");
    results.set("perplexity", perplexity, "%g");
    results.set("learning_rate", learning_rate, "%g");
    results.set("wall_seconds", timer.wall_seconds(), "%.2f");
    results.set("kl_divergence", kl, "%.4f");
    results.set("embedding", "tsne_" + std::to_string(rows) + ".npy");
    std::cout << timer.report();
    {
      const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> Yf = Y.cast<float>();
      const std::string npy = out_dir + "/tsne_" + std::to_string(rows) + ".npy";
      ae::save_npy(npy, Yf.data(), ae::Shape{Yf.rows(), Yf.cols()});
      std::cout << "wrote " << npy << "\n";
    }
    if (rows <= 20000) {
      const double t = ae::trustworthiness(X, Y, 5);
      std::printf("trustworthiness (k=5): %.4f\n", t);
      results.set("trustworthiness", t, "%.4f");
    }
    chapter::draw_tsne_map(out_dir + "/fig9_15_tsne.png", Y, labels);
    results.set("figure_t_distribution", "fig9_9_t_distribution.png");
    results.set("figure_map", "fig9_15_tsne.png");
    std::cout << "wrote " << out_dir << "/fig9_15_tsne.png\n";

    // Figure 9.16: the perplexity sweep.
    if (!skip_sweep) {
      const ae::Index n = std::min(sweep_rows, rows);
      const double sweep_seconds = perplexity_sweep(out_dir + "/fig9_16_perplexity_sweep.png", X.topRows(n),
                                                    std::vector<int>(labels.begin(), labels.begin() + n), learning_rate, seed);
      results.set("sweep_rows", double(n), "%.0f");
      results.set("sweep_wall_seconds", sweep_seconds, "%.2f");
      results.set("figure_sweep", "fig9_16_perplexity_sweep.png");
    }

    // Figure 9.17: the map with the first 200 training images.
    map_with_thumbnails(out_dir + "/fig9_17_tsne_thumbnails.png", Y, labels, mnist.train_images, thumbnails);
    results.set("figure_thumbnails", "fig9_17_tsne_thumbnails.png");
    results.save();
  } catch (const ae::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
