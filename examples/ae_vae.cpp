// The variational autoencoder of "Building Autoencoders in Keras" (F. Chollet, 2016): the
// encoder gives each image a Gaussian over a 2-d code (a mean and a log-variance), the decoder
// draws digits from points of that plane.
//
//   784 -> Dense(64, relu) -> (z_mean, z_log_var) in 2-d -> z = z_mean + exp(z_log_var / 2) * eps
//       -> Dense(64, relu) -> Dense(784, sigmoid)
//   loss = 784 * binary cross-entropy + KL divergence, Adam, batch 32, 50 epochs
//
// Figures: the test images' means coloured by digit (with a colorbar), and the 15 x 15 grid of
// digits decoded over the plane at the 0.05 .. 0.95 quantiles of a standard normal. Prints the
// test loss (the mean per-image loss, reconstruction + KL) last.
// SPDX-License-Identifier: MIT
#include <cmath>
#include <cstdio>
#include <iostream>
#include <vector>

#include <CLI/CLI.hpp>

#include <autoenc/autoenc.hpp>
#include <autoenc/plot/plot.hpp>

#include "example_flags.hpp"
#include "train_or_load.hpp"
#include "zoo.hpp"

namespace ae = autoenc;
namespace pl = autoenc::plot;

namespace {

/// The standard normal's quantile function (scipy's norm.ppf), by bisection on
/// Phi(x) = erfc(-x / sqrt 2) / 2: plenty fast for 15 values.
double normal_quantile(double p) {
  double lo = -10, hi = 10;
  for (int i = 0; i < 200; ++i) {
    const double mid = (lo + hi) / 2;
    (0.5 * std::erfc(-mid / std::sqrt(2.0)) < p ? lo : hi) = mid;
  }
  return (lo + hi) / 2;
}

/// The blog's scatter of the 2-d means, one colour per digit, with a colorbar.
void draw_latent_plane(const std::string& path, const ae::Tensor<float>& means, const std::vector<int>& labels) {
  std::vector<double> x, y, value;
  for (ae::Index i = 0; i < means.dim(0); ++i) {
    x.push_back(means[i * 2]);
    y.push_back(means[i * 2 + 1]);
    value.push_back(labels[static_cast<std::size_t>(i)]);
  }
  std::vector<double> ticks;
  for (int k = 0; k < 10; ++k) ticks.push_back(k);
  pl::Figure fig = pl::Figure::inches(6, 6);
  fig.axes()
      .scatter(x, y, value, pl::Colormap::named("rainbow", 10), -0.5, 9.5, {pl::Marker::point, 3, 0, {}, ""})
      .colorbar(pl::Colormap::named("rainbow", 10), -0.5, 9.5, ticks);
  fig.save_png(path);
  std::cout << "wrote " << path << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"A variational autoencoder with a 2-d latent space on MNIST"};
  chapter::CommonFlags flags(/*seed*/ 42);
  chapter::TrainingFlags training(/*epochs*/ 50, /*batch_size*/ 32);
  flags.add_to(app);
  training.add_to(app);
  CLI11_PARSE(app, argc, argv);

  try {
    flags.apply();
    chapter::require_writable_folder(training.save_path, "--save");
    auto mnist = chapter::load_mnist_for_training(flags.data_dir, training.train_limit);
    auto& x_train = mnist.train_images;
    auto& x_test = mnist.test_images;
    x_train.reshape({x_train.dim(0), 784});
    x_test.reshape({x_test.dim(0), 784});

    // The encoder stops at h; the VAE adds the two heads, z_mean and z_log_var, Dense(2) each.
    constexpr ae::Index latent_dim = 2;
    ae::VariationalAutoencoder<float> vae(ae::Sequential<float>({784}, ae::Dense<float>(64, "relu")), latent_dim,
                                          ae::Sequential<float>({latent_dim}, ae::Dense<float>(64, "relu"),
                                                                ae::Dense<float>(784, "sigmoid")));
    vae.build(flags.seed);
    vae.compile(ae::Adam<float>());  // reconstruction: binary cross-entropy, summed over the 784 pixels
    vae.summary();

    ae::History history;
    if (!training.load_path.empty()) {
      vae.load_weights(training.load_path);
      std::cout << "loaded " << training.load_path << "\n";
    } else {
      history = vae.fit(x_train, ae::epochs = training.epochs, ae::batch_size = training.batch_size,
                        ae::seed = flags.seed, ae::validation_data(x_test, x_test));
    }
    if (!training.save_path.empty()) {
      vae.save(training.save_path);
      std::cout << "saved " << training.save_path << "\n";
    }

    // Figure 1: where the test digits sit in the latent plane (the means, no sampling).
    const ae::Tensor<float> means = vae.encode(x_test, 256);
    draw_latent_plane(flags.out_dir + "/ae_vae_latent.png", means, mnist.test_labels);

    // Figure 2: digits decoded from a 15 x 15 grid of the plane. The grid follows the prior's
    // quantiles, so that each cell covers the same probability mass; the rows go from top
    // (largest second coordinate) to bottom, as the blog's figure.
    constexpr int n = 15;
    ae::Tensor<float> grid_codes({n * n, latent_dim});
    for (int row = 0; row < n; ++row)
      for (int col = 0; col < n; ++col) {
        const double q_x = normal_quantile(0.05 + 0.9 * col / (n - 1));
        const double q_y = normal_quantile(0.95 - 0.9 * row / (n - 1));
        grid_codes[(row * n + col) * 2] = float(q_x);
        grid_codes[(row * n + col) * 2 + 1] = float(q_y);
      }
    ae::Tensor<float> digits = vae.decode(grid_codes, 256);
    digits.reshape({n * n, 28, 28, 1});
    ae::GridOptions grid;
    grid.spacing = 0;
    ae::save_image_grid(flags.out_dir + "/ae_vae_manifold.png", digits, n, n, grid);
    std::cout << "wrote " << flags.out_dir << "/ae_vae_manifold.png\n";

    // Reconstructions through the means, under the originals.
    const auto decoded = vae.predict(x_test, 256);
    zoo::save_rows(flags.out_dir + "/ae_vae.png", {&x_test, &decoded});

    const double test_loss = vae.evaluate(x_test, ae::batch_size = 256, ae::verbose = 0);
    zoo::print_results(flags.results_path, history, test_loss);  // seconds_per_epoch, then test_loss last
  } catch (const ae::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
