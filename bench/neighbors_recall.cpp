// The approximate neighbour search against the exact one on real data: time of each and the
// recall (the fraction of the exact k nearest neighbours that the approximate search found).
//
//   build/bench/neighbors_recall [--data out/latent.npy] [--k 91] [--threads 2] [--rounds 2]
//
// k = 91 is what TSNE asks for at perplexity 30 (3 * perplexity + 1).
// SPDX-License-Identifier: MIT
#include <chrono>
#include <cstdio>
#include <set>
#include <string>

#include <CLI/CLI.hpp>

#include <autoenc/core/parallel.hpp>
#include <autoenc/io/npy.hpp>
#include <autoenc/manifold/approximate_neighbors.hpp>
#include <autoenc/manifold/nearest_neighbors.hpp>

namespace ae = autoenc;

int main(int argc, char** argv) {
  std::string data = "out/latent.npy";
  ae::Index k = 91;
  int threads = 2;
  ae::ApproximateNeighborsOptions options;
  CLI::App app{"recall and time of the approximate nearest-neighbour search"};
  app.add_option("--data", data, "a 2-d .npy array, one point per row (the chapter's latent vectors by default)");
  app.add_option("--k", k, "neighbours per point")->capture_default_str();
  app.add_option("--threads", threads, "threads")->capture_default_str();
  app.add_option("--rounds", options.refinement_rounds, "neighbour-of-neighbour rounds")->capture_default_str();
  app.add_option("--trees", options.n_trees, "random-projection trees")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    ae::set_num_threads(threads);
    const ae::NpyArray array = ae::read_npy(data);
    if (array.shape.rank() != 2) throw ae::ShapeError("'" + data + "': expected a 2-d array");
    Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> X(array.shape[0], array.shape[1]);
    for (ae::Index i = 0; i < X.size(); ++i) X.data()[i] = array.at<float>(i);
    auto seconds = [](auto start) {
      return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    };
    auto t0 = std::chrono::steady_clock::now();
    const ae::NeighborGraph exact = ae::exact_nearest_neighbors(X, k);
    const double exact_s = seconds(t0);
    t0 = std::chrono::steady_clock::now();
    const ae::NeighborGraph approx = ae::approximate_nearest_neighbors(X, k, options);
    const double approx_s = seconds(t0);
    long found = 0;
    for (ae::Index i = 0; i < X.rows(); ++i) {
      const std::set<std::int32_t> truth(exact.neighbors_of(i), exact.neighbors_of(i) + k);
      for (ae::Index m = 0; m < k; ++m) found += long(truth.count(approx.neighbors_of(i)[m]));
    }
    std::printf("%lld x %lld, k = %lld, %d threads, %d trees, %d rounds\n", static_cast<long long>(X.rows()),
                static_cast<long long>(X.cols()), static_cast<long long>(k), threads, options.n_trees,
                options.refinement_rounds);
    std::printf("exact: %.2f s, approximate: %.2f s (%.2fx)\n", exact_s, approx_s, exact_s / approx_s);
    std::printf("recall: %.4f\n", double(found) / double(X.rows() * k));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "neighbors_recall: %s\n", e.what());
    return 1;
  }
  return 0;
}
