// Chapter 9, sections 5 and 7: k-means by hand on three blobs (figure 9.8), then
// KMeans(n_clusters=10, n_init=10, random_state=42) on the CNN autoencoder's latent vectors.
//
//   ch9_3_kmeans --latent out/latent.npy --data data/mnist --out out
// SPDX-License-Identifier: MIT
#include <sys/stat.h>

#include <cstdio>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include <autoenc/autoenc.hpp>

#include "chapter_figures.hpp"
#include "example_flags.hpp"
#include "results.hpp"

namespace ae = autoenc;

namespace {
// numpy's abbreviated style: [0 1 2 ... 0 5 0]
std::string abbreviated(const std::vector<int>& v) {
  std::string s = "[";
  const std::size_t n = v.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (n > 6 && i == 3) {
      s += "... ";
      i = n - 4;
      continue;
    }
    s += std::to_string(v[i]) + (i + 1 < n ? " " : "");
  }
  return s + "]";
}
}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Chapter 9.5 and 9.7: k-means by hand, and k-means on the latent vectors"};
  chapter::CommonFlags flags(/*seed*/ 42);
  std::string latent_path = "out/latent.npy", labels_out;
  int n_clusters = 10, n_init = 10;
  app.add_option("--latent", latent_path, "the 60000 x 64 latent vectors (.npy) from ch9_2_cnn_autoencoder --latent-out")->capture_default_str();
  flags.add_to(app, "MNIST folder (the images for the cluster grid, the labels for ARI/NMI)");
  app.add_option("--n-clusters", n_clusters, "clusters")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--n-init", n_init, "restarts")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--labels-out", labels_out, "write the cluster of every latent vector (int64 .npy)");
  CLI11_PARSE(app, argc, argv);
  const std::string& out_dir = flags.out_dir;
  try {
    flags.apply();
    chapter::require_writable_folder(labels_out, "--labels-out");

    // Section 5: the algorithm by hand, on make_blobs(random_state=6).
    const auto blobs = ae::make_blobs(100, 3, 2, 1.0, {-10, 10}, 6);
    chapter::kmeans_by_hand(out_dir + "/fig9_8_kmeans_by_hand.png", blobs.X, 3, 6);
    std::cout << "wrote " << out_dir << "/fig9_8_kmeans_by_hand.png\n\n";

    // Section 7: k-means on the latent vectors of the CNN autoencoder.
    const auto latent = ae::load_npy<float>(latent_path);
    if (latent.rank() != 2) throw ae::ShapeError("'" + latent_path + "': expected (samples, features), got " + latent.shape().to_string());
    std::cout << "latent vectors: " << latent.shape().to_string() << "\n";
    ae::KMeans<float> km(n_clusters, ae::n_init = n_init, ae::random_state = flags.seed);
    km.on_progress([](int run, int runs, int n_iter, double inertia) {
      std::printf("  k-means run %2d/%d: %3d iterations, inertia %.6g\n", run, runs, n_iter, inertia);
      std::fflush(stdout);
    });
    ae::Timer timer;
    km.fit(latent);
    const double seconds = timer.wall_seconds();
    std::cout << timer.report();
    chapter::Results results(flags.results_path);
    results.set("samples", double(latent.dim(0)), "%.0f");
    results.set("features", double(latent.dim(1)), "%.0f");
    results.set("n_clusters", double(n_clusters), "%.0f");
    results.set("n_init", double(n_init), "%.0f");
    results.set("wall_seconds", seconds, "%.2f");
    results.set("n_iter", double(km.n_iter_), "%.0f");
    results.set("inertia", km.inertia_, "%.6g");
    results.set("figure_by_hand", "fig9_8_kmeans_by_hand.png");
    if (!labels_out.empty()) ae::save_npy(labels_out, km.labels_);
    std::cout << "labels_: " << abbreviated(km.labels_) << "\n";
    std::cout << "cluster_centers_.shape: (" << km.cluster_centers_.rows() << ", " << km.cluster_centers_.cols() << ")\n";
    std::cout << "cluster_centers_[0]:\n" << km.cluster_centers_.row(0).format(Eigen::IOFormat(4, 0, " ", "\n", "[", "]")) << "\n";
    std::cout << "n_iter_: " << km.n_iter_ << "\ninertia_: " << km.inertia_ << "\n";

    const auto mnist = ae::load_mnist<float>(flags.data_dir);
    // The latent vectors are those of the first training images (all of them, or fewer in a
    // quick run): the labels and images of those.
    if (latent.dim(0) <= mnist.train_images.dim(0)) {
      const auto images = mnist.train_images.slice_rows(0, latent.dim(0));
      const std::vector<int> truth(mnist.train_labels.begin(), mnist.train_labels.begin() + latent.dim(0));
      chapter::draw_cluster_grid(out_dir + "/fig9_14_clusters.png", images, km.labels_, n_clusters, 10);
      std::cout << "wrote " << out_dir << "/fig9_14_clusters.png\n";
      const double ari = ae::adjusted_rand_score(truth, km.labels_), nmi = ae::normalized_mutual_info_score(truth, km.labels_),
                   purity = ae::purity_score(truth, km.labels_);
      std::printf("adjusted_rand_index: %.4f\nnormalized_mutual_info: %.4f\npurity: %.4f\n", ari, nmi, purity);
      results.set("adjusted_rand_index", ari, "%.4f");
      results.set("normalized_mutual_info", nmi, "%.4f");
      results.set("purity", purity, "%.4f");
      results.set("figure_clusters", "fig9_14_clusters.png");
    }
    results.save();
  } catch (const ae::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
