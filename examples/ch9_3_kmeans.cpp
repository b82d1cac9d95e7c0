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
  std::string latent_path = "out/latent.npy", data_dir = AUTOENC_DEFAULT_DATA_DIR, out_dir = "out";
  int threads = 0, n_clusters = 10, n_init = 10;
  std::uint64_t seed = 42;
  app.add_option("--latent", latent_path, "the 60000 x 64 latent vectors (.npy) from ch9_2_cnn_autoencoder --latent-out")->capture_default_str();
  app.add_option("--data", data_dir, "MNIST folder (the images for the cluster grid, the labels for ARI/NMI)")->capture_default_str();
  app.add_option("--out", out_dir, "folder for the figures")->capture_default_str();
  app.add_option("--n-clusters", n_clusters, "clusters")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--n-init", n_init, "restarts")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--random-state", seed, "seed")->capture_default_str();
  app.add_option("--threads", threads, "threads (0: all cores)")->capture_default_str()->check(CLI::NonNegativeNumber);
  CLI11_PARSE(app, argc, argv);
  try {
    if (threads > 0) ae::set_num_threads(threads);
    ::mkdir(out_dir.c_str(), 0755);

    // Section 5: the algorithm by hand, on make_blobs(random_state=6).
    const auto blobs = ae::make_blobs(100, 3, 2, 1.0, {-10, 10}, 6);
    chapter::kmeans_by_hand(out_dir + "/fig9_8_kmeans_by_hand.png", blobs.X, 3, 6);
    std::cout << "wrote " << out_dir << "/fig9_8_kmeans_by_hand.png\n\n";

    // Section 7: k-means on the latent vectors of the CNN autoencoder.
    const auto latent = ae::load_npy<float>(latent_path);
    if (latent.rank() != 2) throw ae::ShapeError("'" + latent_path + "': expected (samples, features), got " + latent.shape().to_string());
    std::cout << "latent vectors: " << latent.shape().to_string() << "\n";
    ae::KMeans<float> km(n_clusters);
    km.n_init(n_init).random_state(seed);
    ae::Timer timer;
    km.fit(latent.data(), latent.dim(0), latent.dim(1));
    std::cout << timer.report();
    std::cout << "labels_: " << abbreviated(km.labels_) << "\n";
    std::cout << "cluster_centers_.shape: (" << km.cluster_centers_.rows() << ", " << km.cluster_centers_.cols() << ")\n";
    std::cout << "cluster_centers_[0]:\n" << km.cluster_centers_.row(0).format(Eigen::IOFormat(4, 0, " ", "\n", "[", "]")) << "\n";
    std::cout << "n_iter_: " << km.n_iter_ << "\ninertia_: " << km.inertia_ << "\n";

    const auto mnist = ae::load_mnist<float>(data_dir);
    if (mnist.train_images.dim(0) == latent.dim(0)) {
      chapter::draw_cluster_grid(out_dir + "/fig9_14_clusters.png", mnist.train_images, km.labels_, n_clusters, 10);
      std::cout << "wrote " << out_dir << "/fig9_14_clusters.png\n";
      std::printf("adjusted_rand_index: %.4f\nnormalized_mutual_info: %.4f\npurity: %.4f\n",
                  ae::adjusted_rand_score(mnist.train_labels, km.labels_),
                  ae::normalized_mutual_info_score(mnist.train_labels, km.labels_), ae::purity_score(mnist.train_labels, km.labels_));
    }
  } catch (const ae::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
