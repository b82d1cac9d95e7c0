// Exact k nearest neighbours of every row of a data set, by brute force through GEMM.
//
//   |x_i - x_j|^2 = |x_i|^2 + |x_j|^2 - 2 x_i . x_j
//
// The dot products of a block of query rows with a block of reference rows are one GEMM, so
// the search runs at the speed of matrix multiplication; each query row then keeps its k best
// candidates in a max-heap, which rejects almost every candidate with a single comparison.
//
// Why brute force and not a vantage-point tree: on 64-dimensional latent vectors the tree has
// to open most of its nodes (distances concentrate in high dimensions), so it ends up computing
// nearly all distances one at a time, while GEMM computes them sixteen at a time per core.
// bench_tsne measures both (BM_knn_brute_force, BM_knn_vp_tree).
//
// Precision: the expansion above cancels when two points are close, so the candidates are
// searched in float with a margin of extra candidates, and the k finalists are ranked by their
// squared distances recomputed directly in double. Ties are broken by the lower index, so the
// result does not depend on the thread count or on the order of the search.
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include "../core/error.hpp"
#include "../core/gemm.hpp"
#include "../core/parallel.hpp"

namespace autoenc {

/// The k nearest neighbours of each of n points, nearest first, the point itself excluded.
struct NeighborGraph {
  Index n_samples = 0;
  Index n_neighbors = 0;
  std::vector<std::int32_t> indices;  ///< row-major n_samples x n_neighbors
  std::vector<double> sq_distances;   ///< squared Euclidean distances, same layout

  const std::int32_t* neighbors_of(Index i) const { return indices.data() + i * n_neighbors; }
  const double* sq_distances_of(Index i) const { return sq_distances.data() + i * n_neighbors; }
};

namespace detail {

/// A (squared distance, index) candidate; the order ranks by distance, then by index.
struct Candidate {
  double sq_distance;
  std::int32_t index;
  bool operator<(const Candidate& o) const {
    return sq_distance < o.sq_distance || (sq_distance == o.sq_distance && index < o.index);
  }
};

/// Squared distance between two rows, accumulated in double.
template <class T>
double squared_distance(const T* a, const T* b, Index d) {
  double s = 0;
  for (Index f = 0; f < d; ++f) {
    const double diff = double(a[f]) - double(b[f]);
    s += diff * diff;
  }
  return s;
}

}  // namespace detail

/// Exact k nearest neighbours of every row of X (n x d, row-major), excluding the row itself.
template <class Derived>
NeighborGraph exact_nearest_neighbors(const Eigen::MatrixBase<Derived>& X_in, Index k) {
  using RowMatrixF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  using RowMatrixD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const Index n = X_in.rows(), d = X_in.cols();
  if (k < 1 || k >= n)
    throw ConfigError("nearest neighbours: k = " + std::to_string(k) + " must be in [1, n_samples - 1 = " +
                      std::to_string(n - 1) + "]");
  if (n > std::numeric_limits<std::int32_t>::max()) throw ConfigError("nearest neighbours: too many samples");
  const RowMatrixD X = X_in.template cast<double>();
  const RowMatrixF Xf = X.template cast<float>();
  const Eigen::VectorXf norms = Xf.rowwise().squaredNorm();

  // Candidates kept in float: k plus a margin that absorbs the float rounding of near ties.
  const Index kept = std::min(n - 1, k + 8);
  constexpr Index kQueryBlock = 128, kReferenceBlock = 2048;
  NeighborGraph graph;
  graph.n_samples = n;
  graph.n_neighbors = k;
  graph.indices.resize(static_cast<std::size_t>(n * k));
  graph.sq_distances.resize(static_cast<std::size_t>(n * k));

  parallel_for_range(n, kQueryBlock, [&](Index q0, Index q1) {
    const Index rows = q1 - q0;
    RowMatrixF dots(rows, std::min(n, kReferenceBlock));
    std::vector<std::vector<detail::Candidate>> heaps(static_cast<std::size_t>(rows));
    for (auto& h : heaps) h.reserve(static_cast<std::size_t>(kept));
    for (Index r0 = 0; r0 < n; r0 += kReferenceBlock) {
      const Index cols = std::min(n, r0 + kReferenceBlock) - r0;
      Eigen::Map<RowMatrixF> block(dots.data(), rows, cols);
      detail::gemm(block, Xf.middleRows(q0, rows), Xf.middleRows(r0, cols).transpose());
      for (Index r = 0; r < rows; ++r) {
        const Index i = q0 + r;
        auto& heap = heaps[std::size_t(r)];
        // d_j - |x_i|^2 = |x_j|^2 - 2 x_i . x_j, in place of the dot products (|x_i|^2 is the
        // same for every candidate, so it moves to the threshold).
        float* dist = block.data() + r * cols;
        const float* norm = norms.data() + r0;
#pragma omp simd
        for (Index c = 0; c < cols; ++c) dist[c] = norm[c] - 2.0f * dist[c];
        // The current worst candidate: almost every candidate is beyond it, which a vectorised
        // minimum over 16 candidates at a time rules out.
        auto threshold = [&] {
          return Index(heap.size()) < kept ? std::numeric_limits<float>::infinity()
                                           : float(heap.front().sq_distance) - norms[i];
        };
        float worst = threshold();
        constexpr Index kChunk = 16;
        for (Index c0 = 0; c0 < cols; c0 += kChunk) {
          const Index c1 = std::min(cols, c0 + kChunk);
          float nearest = std::numeric_limits<float>::infinity();
#pragma omp simd reduction(min : nearest)
          for (Index c = c0; c < c1; ++c) nearest = std::min(nearest, dist[c]);
          if (nearest > worst) continue;
          for (Index c = c0; c < c1; ++c) {
            if (dist[c] > worst || r0 + c == i) continue;
            const detail::Candidate cand{double(dist[c] + norms[i]), std::int32_t(r0 + c)};
            if (Index(heap.size()) < kept) {
              heap.push_back(cand);
              std::push_heap(heap.begin(), heap.end());
            } else if (cand < heap.front()) {
              std::pop_heap(heap.begin(), heap.end());
              heap.back() = cand;
              std::push_heap(heap.begin(), heap.end());
            }
            worst = threshold();
          }
        }
      }
    }
    // Rank the finalists by their exact distances.
    for (Index r = 0; r < rows; ++r) {
      const Index i = q0 + r;
      auto& heap = heaps[std::size_t(r)];
      for (auto& c : heap) c.sq_distance = detail::squared_distance(&X(i, 0), &X(c.index, 0), d);
      std::sort(heap.begin(), heap.end());
      for (Index m = 0; m < k; ++m) {
        graph.indices[std::size_t(i * k + m)] = heap[std::size_t(m)].index;
        graph.sq_distances[std::size_t(i * k + m)] = heap[std::size_t(m)].sq_distance;
      }
    }
  });
  return graph;
}

}  // namespace autoenc
