/// @file
/// Exact k nearest neighbours of every row of a data set (or of new rows among a reference set),
/// by brute force through GEMM.
///
///     |x_i - x_j|^2 = |x_i|^2 + |x_j|^2 - 2 x_i . x_j
///
/// The dot products of a block of query rows with a block of reference rows are one GEMM, so
/// the search runs at the speed of matrix multiplication; each query row then keeps its k best
/// candidates in a max-heap, which rejects almost every candidate with a single comparison.
///
/// Why brute force and not a vantage-point tree: on 64-dimensional latent vectors the tree has
/// to open most of its nodes (distances concentrate in high dimensions), so it ends up computing
/// nearly all distances one at a time, while GEMM computes them sixteen at a time per core.
/// bench_tsne measures both (BM_knn_brute_force, BM_knn_vp_tree).
///
/// Precision. The expansion cancels when the points are far from the origin compared with their
/// distances, so the search works on centred data: x = (x_original - column mean) * 2^-e, the
/// mean subtracted in double (any shift leaves the distances unchanged) and e chosen so that
/// every |x| <= 1 (a power of two is exact; floats then neither overflow nor lose the small
/// squares to underflow). The candidates are pre-selected in float and the final k ranked by
/// their squared distances recomputed directly in double from the original data.
///
/// The pre-selection drops no true neighbour. With u = 2^-24 and gamma_d = d u / (1 - d u) (the
/// error of a d-term float dot product, in any order, with or without FMA), the float value
/// g_ij = fl(|x_j|^2 - 2 x_i . x_j), from the float cast of x, is within
///
///     |g_ij - t_ij| <= (2 gamma_d + 6u)(1 + 2u) (|x_i|^2 + |x_j|^2)      t_ij = |x_j|^2 - 2 x_i . x_j
///
/// of the exact value (cast: 2u |x_j|^2 and 2u |x_i||x_j|; norm and dot: gamma_d each; the
/// subtraction: u; 2|x_i||x_j| <= |x_i|^2 + |x_j|^2). Write r_j = c |x_j|^2 with c = 2 gamma_d +
/// 12u, which also covers the float rounding of g - r and of r itself, plus a tiny absolute term
/// a for underflow in R_i = c |x_i|^2 + a. Then every candidate's true t_ij is at most
/// hi_j = g_ij + r_j + R_i, so the k-th smallest hi, H, is at least the k-th smallest t_ij; a true
/// neighbour j has t_ij <= H and hence lo_j = g_ij - r_j - R_i <= H. Each row therefore keeps
/// every candidate with g_ij - r_j <= (k-th smallest g + r) + 2 R_i: a bound that follows the
/// data instead of a fixed number of spare candidates, and that admits only the near ties
/// (a relative margin of about 2 d u ~ 1e-5 for d = 64). The double distances of the kept
/// candidates decide; the double rounding of centring and of the final distances (~1e-16) is far
/// inside the margin. Ties are broken by the lower index, so the result is the exact double
/// top-k, whatever the thread count or the order of the search.
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include "../core/config.hpp"

#include "../core/error.hpp"
#include "../core/gemm.hpp"
#include "../core/parallel.hpp"

namespace autoenc {

/// The k nearest neighbours of each of n points, nearest first, the point itself excluded.
struct NeighborGraph {
  Index n_samples = 0;                ///< n, the number of points
  Index n_neighbors = 0;              ///< k, the neighbours kept per point
  std::vector<std::int32_t> indices;  ///< row-major n_samples x n_neighbors
  std::vector<double> sq_distances;   ///< squared Euclidean distances, same layout

  /// The k neighbours of point i, nearest first.
  const std::int32_t* neighbors_of(Index i) const { return indices.data() + i * n_neighbors; }
  /// Their squared distances to point i.
  const double* sq_distances_of(Index i) const { return sq_distances.data() + i * n_neighbors; }
};

/// The graph with its points renumbered: point order[r] becomes point r (its row moves to row r,
/// and every neighbour index follows). `order` must be a permutation of 0 .. n - 1.
inline NeighborGraph relabel(const NeighborGraph& graph, const std::vector<std::int32_t>& order) {
  const Index n = graph.n_samples, k = graph.n_neighbors;
  std::vector<std::int32_t> new_index(static_cast<std::size_t>(n));
  for (Index r = 0; r < n; ++r) new_index[std::size_t(order[std::size_t(r)])] = std::int32_t(r);
  NeighborGraph out;
  out.n_samples = n;
  out.n_neighbors = k;
  out.indices.resize(graph.indices.size());
  out.sq_distances.resize(graph.sq_distances.size());
  parallel_for_range(n, 4096, [&](Index r0, Index r1) {
    for (Index r = r0; r < r1; ++r) {
      const Index old = order[std::size_t(r)];
      for (Index m = 0; m < k; ++m) {
        out.indices[std::size_t(r * k + m)] = new_index[std::size_t(graph.indices[std::size_t(old * k + m)])];
        out.sq_distances[std::size_t(r * k + m)] = graph.sq_distances[std::size_t(old * k + m)];
      }
    }
  });
  return out;
}

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

namespace detail {
/// Row-major double matrix: the precision the neighbour search works in.
using RowMatrixD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
/// The exact search on data in double (the work behind the templates below): the k nearest rows
/// of `reference` to each row of `queries`; when `self`, queries and reference are the same rows
/// and each row's own index is skipped. A template, instantiated for RowMatrixD only, so that a
/// file that never searches neighbours compiles none of it (and the precompiled mode compiles
/// it once, in the library).
template <class RowMatrix>
NeighborGraph exact_neighbor_search(const RowMatrix& queries, const RowMatrix& reference, Index k, bool self);
}  // namespace detail

/// Exact k nearest neighbours of every row of X (n x d, row-major), excluding the row itself.
template <class Derived>
NeighborGraph exact_nearest_neighbors(const Eigen::MatrixBase<Derived>& X, Index k) {
  const detail::RowMatrixD Xd = X.template cast<double>();
  return detail::exact_neighbor_search(Xd, Xd, k, true);
}

/// Exact k nearest rows of `reference` (m x d) to each row of `queries` (n x d): an n-row graph
/// whose indices are rows of the reference (for placing new points into an existing map).
template <class DerivedQ, class DerivedR>
NeighborGraph exact_nearest_neighbors(const Eigen::MatrixBase<DerivedQ>& queries,
                                      const Eigen::MatrixBase<DerivedR>& reference, Index k) {
  if (queries.cols() != reference.cols())
    throw ShapeError("nearest neighbours: the queries have " + std::to_string(queries.cols()) +
                     " features, the reference " + std::to_string(reference.cols()));
  return detail::exact_neighbor_search(detail::RowMatrixD(queries.template cast<double>()),
                                       detail::RowMatrixD(reference.template cast<double>()), k, false);
}

#if AUTOENC_HEADER_DEFINITIONS
template <class RowMatrix>
NeighborGraph detail::exact_neighbor_search(const RowMatrix& queries, const RowMatrix& reference, Index k, bool self) {
  using RowMatrixF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const Index n = queries.rows(), n_reference = reference.rows(), d = queries.cols();
  const Index available = self ? n_reference - 1 : n_reference;
  if (k < 1 || k > available)
    throw ConfigError("nearest neighbours: k = " + std::to_string(k) + " must be in [1, " +
                      (self ? "n_samples - 1 = " : "reference rows = ") + std::to_string(available) + "]");
  if (n_reference > std::numeric_limits<std::int32_t>::max()) throw ConfigError("nearest neighbours: too many samples");

  // Centred on the reference's mean and scaled by 2^-e so that every row has norm <= 1 (see the
  // header comment).
  const Eigen::RowVectorXd mean = reference.colwise().mean();
  RowMatrixD centred = reference.rowwise() - mean;
  RowMatrixD centred_queries;
  if (!self) centred_queries = queries.rowwise() - mean;
  Eigen::VectorXd norms2 = centred.rowwise().squaredNorm();
  Eigen::VectorXd query_norms2;
  if (!self) query_norms2 = centred_queries.rowwise().squaredNorm();
  const double largest = std::max(norms2.maxCoeff(), self || n == 0 ? 0.0 : query_norms2.maxCoeff());
  if (!std::isfinite(largest)) throw NumericError("nearest neighbours: the data have a non-finite value");
  if (largest > 0) {
    int e = 0;
    std::frexp(std::sqrt(largest), &e);  // sqrt(largest) < 2^e
    centred *= std::ldexp(1.0, -e);
    norms2 *= std::ldexp(1.0, -2 * e);
    if (!self) {
      centred_queries *= std::ldexp(1.0, -e);
      query_norms2 *= std::ldexp(1.0, -2 * e);
    }
  }
  const RowMatrixF Xf = centred.template cast<float>();
  const RowMatrixF Qf_own = self ? RowMatrixF() : RowMatrixF(centred_queries.template cast<float>());
  const RowMatrixF& Qf = self ? Xf : Qf_own;
  const Eigen::VectorXd& qnorms2 = self ? norms2 : query_norms2;
  const Eigen::VectorXf norms = Xf.rowwise().squaredNorm();
  // The margins r_j = c |x_j|^2 and R_i = c |x_i|^2 + a of the header comment.
  const double u = 0x1p-24, du = double(d) * u;
  const double c = du < 0.5 ? 2 * du / (1 - du) + 12 * u : std::numeric_limits<double>::infinity();
  const double a = (8.0 * double(d) + 8) * 0x1p-149;
  const Eigen::VectorXf margin = (c * norms2).template cast<float>();

  constexpr Index kQueryBlock = 128, kReferenceBlock = 2048;
  NeighborGraph graph;
  graph.n_samples = n;
  graph.n_neighbors = k;
  graph.indices.resize(static_cast<std::size_t>(n * k));
  graph.sq_distances.resize(static_cast<std::size_t>(n * k));

  /// One query row's search: the k smallest upper bounds g + r (a max-heap) and the candidates
  /// whose lower bound g - r passed the threshold when they were seen.
  struct RowSearch {
    std::vector<double> upper;
    std::vector<std::pair<float, std::int32_t>> kept;
    std::size_t prune_at = 0;
    float threshold = std::numeric_limits<float>::infinity();
  };

  parallel_for_range(n, kQueryBlock, [&](Index q0, Index q1) {
    const Index rows = q1 - q0;
    RowMatrixF dots(rows, std::min(n_reference, kReferenceBlock));
    std::vector<RowSearch> search(static_cast<std::size_t>(rows));
    for (auto& s : search) {
      s.upper.reserve(static_cast<std::size_t>(k));
      s.prune_at = std::size_t(2 * k + 64);
    }
    for (Index r0 = 0; r0 < n_reference; r0 += kReferenceBlock) {
      const Index cols = std::min(n_reference, r0 + kReferenceBlock) - r0;
      Eigen::Map<RowMatrixF> block(dots.data(), rows, cols);
      detail::gemm(block, Qf.middleRows(q0, rows), Xf.middleRows(r0, cols).transpose());
      for (Index r = 0; r < rows; ++r) {
        const Index i = q0 + r;
        RowSearch& s = search[std::size_t(r)];
        const double two_R = 2 * (c * qnorms2[i] + a);
        // g_j = |x_j|^2 - 2 x_i . x_j in place of the dot products (|x_i|^2, the same for every
        // candidate, is left out of every comparison).
        float* g = block.data() + r * cols;
        const float* norm = norms.data() + r0;
        const float* rm = margin.data() + r0;
#pragma omp simd
        for (Index col = 0; col < cols; ++col) g[col] = norm[col] - 2.0f * g[col];
        // Almost every candidate's lower bound is beyond the threshold, which a vectorised
        // minimum over 16 candidates at a time rules out.
        constexpr Index kChunk = 16;
        for (Index c0 = 0; c0 < cols; c0 += kChunk) {
          const Index c1 = std::min(cols, c0 + kChunk);
          float lowest = std::numeric_limits<float>::infinity();
#pragma omp simd reduction(min : lowest)
          for (Index col = c0; col < c1; ++col) lowest = std::min(lowest, g[col] - rm[col]);
          if (lowest > s.threshold) continue;
          for (Index col = c0; col < c1; ++col) {
            const float lower = g[col] - rm[col];
            if (lower > s.threshold || (self && r0 + col == i)) continue;
            s.kept.push_back({lower, std::int32_t(r0 + col)});
            const double upper = double(g[col]) + double(rm[col]);
            if (Index(s.upper.size()) < k) {
              s.upper.push_back(upper);
              std::push_heap(s.upper.begin(), s.upper.end());
              if (Index(s.upper.size()) < k) continue;
            } else if (upper < s.upper.front()) {
              std::pop_heap(s.upper.begin(), s.upper.end());
              s.upper.back() = upper;
              std::push_heap(s.upper.begin(), s.upper.end());
            } else {
              continue;
            }
            // (k-th smallest upper bound) + 2 R_i, rounded up to float.
            const double t = s.upper.front() + two_R;
            float tf = float(t);
            if (double(tf) < t) tf = std::nextafter(tf, std::numeric_limits<float>::infinity());
            s.threshold = tf;
            if (s.kept.size() >= s.prune_at) {  // drop the candidates the threshold has since excluded
              s.kept.erase(std::remove_if(s.kept.begin(), s.kept.end(),
                                          [&](const auto& e) { return e.first > s.threshold; }),
                           s.kept.end());
              s.prune_at = std::max(s.prune_at, 2 * s.kept.size());
            }
          }
        }
      }
    }
    // The survivors, ranked by their squared distances in double, ties by index.
    std::vector<detail::Candidate> finalists;
    for (Index r = 0; r < rows; ++r) {
      const Index i = q0 + r;
      RowSearch& s = search[std::size_t(r)];
      finalists.clear();
      for (const auto& [lower, j] : s.kept)
        if (lower <= s.threshold) finalists.push_back({detail::squared_distance(&queries(i, 0), &reference(j, 0), d), j});
      AUTOENC_ASSERT(Index(finalists.size()) >= k);  // the k best upper bounds always pass
      std::partial_sort(finalists.begin(), finalists.begin() + k, finalists.end());
      for (Index m = 0; m < k; ++m) {
        graph.indices[std::size_t(i * k + m)] = finalists[std::size_t(m)].index;
        graph.sq_distances[std::size_t(i * k + m)] = finalists[std::size_t(m)].sq_distance;
      }
      s = RowSearch{};
    }
  });
  return graph;
}
#endif  // AUTOENC_HEADER_DEFINITIONS

// Precompiled mode: this instantiation lives in libautoenc_compiled (src/instantiations/).
#if defined(AUTOENC_PRECOMPILED) && !defined(AUTOENC_COMPILING_LIBRARY)
extern template NeighborGraph detail::exact_neighbor_search(const detail::RowMatrixD&, const detail::RowMatrixD&, Index,
                                                             bool);
#endif

}  // namespace autoenc
