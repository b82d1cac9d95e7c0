// KMeans.fit on 60000 x 64 float vectors, k = 10, n_init = 10 (the chapter's latent clustering),
// Lloyd (with Hamerly's bounds, the default, and scoring every sample: prune_lloyd = false) and
// Elkan, 1 and 2 threads. Uses the latent vectors in out/latent.npy when present
// (written by ch9_2_cnn_autoencoder --latent-out), else latent-like blobs.
// SPDX-License-Identifier: MIT
#include <benchmark/benchmark.h>

#include <sys/stat.h>

#include <autoenc/autoenc.hpp>

namespace ae = autoenc;

namespace {

const ae::Tensor<float>& data() {
  static const ae::Tensor<float> x = [] {
    struct stat st {};
    const std::string latent = std::string(AUTOENC_DEFAULT_DATA_DIR) + "/../../out/latent.npy";
    if (::stat(latent.c_str(), &st) == 0) return ae::load_npy<float>(latent);
    const auto blobs = ae::make_blobs(60000, 10, 64, 6.0, {-10, 10}, 0);
    ae::Tensor<float> t({60000, 64});
    t.matrix() = blobs.X.cast<float>();
    return t;
  }();
  return x;
}

// range(0): 0 Lloyd, 1 Elkan, 2 Lloyd without pruning; range(1): threads.
void BM_KMeansFit(benchmark::State& state) {
  ae::set_num_threads(static_cast<int>(state.range(1)));
  const auto& x = data();
  ae::KMeansOptions<float> options;
  options.n_clusters = 10;
  options.n_init = 10;
  options.random_state = 42;
  options.algorithm = state.range(0) == 1 ? ae::KMeansAlgorithm::elkan : ae::KMeansAlgorithm::lloyd;
  options.prune_lloyd = state.range(0) != 2;
  int iterations = 0;
  for (auto _ : state) {
    ae::KMeans<float> km(options);
    km.fit(x);
    iterations = km.n_iter_;
    benchmark::DoNotOptimize(km.inertia_);
  }
  state.counters["n_iter"] = iterations;
  state.SetLabel(state.range(0) == 1 ? "elkan" : state.range(0) == 2 ? "lloyd, every sample scored" : "lloyd");
}
BENCHMARK(BM_KMeansFit)->ArgNames({"algorithm", "threads"})
    ->Args({0, 1})->Args({2, 1})->Args({1, 1})->Args({0, 2})->Args({2, 2})->Args({1, 2})
    ->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(2);

}  // namespace

BENCHMARK_MAIN();
