// t-SNE's steps on 64-dimensional latent vectors, N = 1,000 / 5,000 / 20,000 (perplexity 15, so
// k = 46 neighbours): the kNN search (GEMM brute force vs vantage-point tree), the joint
// probabilities, and one gradient evaluation, exact and Barnes-Hut (angle 0.5), the latter on a
// finished map (where the tree walk costs the most). Uses out/latent.npy when present
// (ch9_2_cnn_autoencoder --latent-out), else latent-like blobs.
// SPDX-License-Identifier: MIT
#include <benchmark/benchmark.h>

#include <sys/stat.h>

#include <map>

#include <autoenc/autoenc.hpp>
#include <autoenc/manifold/vantage_point_tree.hpp>

namespace ae = autoenc;
using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

namespace {

constexpr double kPerplexity = 15;
constexpr ae::Index kNeighbors = 46;  // min(n - 1, 3 * perplexity + 1)

const RowMatrix& latent() {
  static const RowMatrix x = [] {
    struct stat st {};
    const std::string path = std::string(AUTOENC_DEFAULT_DATA_DIR) + "/../../out/latent.npy";
    if (::stat(path.c_str(), &st) == 0) {
      const auto t = ae::load_npy<float>(path);
      return RowMatrix(Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
                           t.data(), t.dim(0), t.dim(1))
                           .cast<double>());
    }
    return RowMatrix(ae::make_blobs(60000, 10, 64, 6.0, {-10, 10}, 0).X);
  }();
  return x;
}

RowMatrix first_rows(ae::Index n) { return latent().topRows(n); }

const ae::SparseAffinities& sparse_p(ae::Index n) {
  static std::map<ae::Index, ae::SparseAffinities> cache;
  auto it = cache.find(n);
  if (it == cache.end())
    it = cache.emplace(n, ae::sparse_joint_probabilities(ae::exact_nearest_neighbors(first_rows(n), kNeighbors), kPerplexity)).first;
  return it->second;
}

/// A finished perplexity-15 map of the first n vectors (computed once per n).
const ae::EmbeddingMatrix& finished_map(ae::Index n) {
  static std::map<ae::Index, ae::EmbeddingMatrix> cache;
  auto it = cache.find(n);
  if (it == cache.end()) {
    ae::TSNE tsne(ae::perplexity = kPerplexity, ae::learning_rate = 100, ae::random_state = 0);
    it = cache.emplace(n, tsne.fit_transform(first_rows(n))).first;
  }
  return it->second;
}

void BM_knn_brute_force(benchmark::State& state) {
  ae::set_num_threads(int(state.range(1)));
  const RowMatrix X = first_rows(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(ae::exact_nearest_neighbors(X, kNeighbors).indices.data());
}
BENCHMARK(BM_knn_brute_force)->ArgNames({"n", "threads"})->ArgsProduct({{1000, 5000, 20000}, {1, 2}})
    ->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_knn_vp_tree(benchmark::State& state) {
  ae::set_num_threads(int(state.range(1)));
  const RowMatrix X = first_rows(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(ae::vantage_point_nearest_neighbors(X, kNeighbors).indices.data());
}
BENCHMARK(BM_knn_vp_tree)->ArgNames({"n", "threads"})->ArgsProduct({{1000, 5000, 20000}, {1, 2}})
    ->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_joint_probabilities(benchmark::State& state) {
  ae::set_num_threads(2);
  const ae::NeighborGraph graph = ae::exact_nearest_neighbors(first_rows(state.range(0)), kNeighbors);
  for (auto _ : state) benchmark::DoNotOptimize(ae::sparse_joint_probabilities(graph, kPerplexity).values.data());
}
BENCHMARK(BM_joint_probabilities)->ArgName("n")->Arg(1000)->Arg(5000)->Arg(20000)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_gradient_exact(benchmark::State& state) {
  ae::set_num_threads(2);
  const ae::Index n = state.range(0);
  const RowMatrix P = ae::dense_joint_probabilities(first_rows(n), kPerplexity).P;
  const ae::EmbeddingMatrix& Y = finished_map(n);
  ae::EmbeddingMatrix grad(n, 2);
  for (auto _ : state) benchmark::DoNotOptimize(ae::tsne_exact_gradient(P, Y, 1.0, grad));
}
// 20,000 points would need a 3.2 GB dense P: the exact method is for small data.
BENCHMARK(BM_gradient_exact)->ArgName("n")->Arg(1000)->Arg(5000)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_gradient_barnes_hut(benchmark::State& state) {
  ae::set_num_threads(int(state.range(1)));
  const ae::Index n = state.range(0);
  const ae::SparseAffinities& P = sparse_p(n);
  const ae::EmbeddingMatrix& Y = finished_map(n);
  ae::EmbeddingMatrix grad(n, 2);
  ae::SpacePartitionTree<2> tree;
  std::vector<double> workspace;
  for (auto _ : state) benchmark::DoNotOptimize(ae::tsne_barnes_hut_gradient<2>(P, Y, 0.5, tree, grad, false, workspace));
  state.counters["tree_nodes"] = double(tree.node_count());
}
BENCHMARK(BM_gradient_barnes_hut)->ArgNames({"n", "threads"})->ArgsProduct({{1000, 5000, 20000}, {1, 2}})
    ->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
