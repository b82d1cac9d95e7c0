/// @file
/// Approximate k nearest neighbours for large data: a forest of random-projection trees (as
/// Annoy) gives every point candidates from the leaves it falls in, then rounds of "the
/// neighbours of my neighbours are likely my neighbours" (as NN-descent) refine them.
///
/// Deterministic with any number of threads: each tree is grown from its own seed, a point's
/// candidate list is only written by the task that owns the point, trees are merged in order,
/// and each refinement round reads the previous round's lists only.
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <limits>
#include <vector>

#include "../core/config.hpp"

#include "../core/error.hpp"
#include "../core/gemm.hpp"
#include "../core/parallel.hpp"
#include "../core/random.hpp"
#include "nearest_neighbors.hpp"

namespace autoenc {

/// Settings of approximate_nearest_neighbors.
struct ApproximateNeighborsOptions {
  int n_trees = 8;             ///< random-projection trees
  Index leaf_size = 0;         ///< points per leaf at most; 0: max(2 k, 64)
  int refinement_rounds = 2;   ///< neighbour-of-neighbour rounds
  Index neighbors_explored = 0;  ///< of each neighbour, how many of its own are tried; 0: min(k, 24)
  std::uint64_t random_state = 0;  ///< seed of the trees
};

namespace detail {

/// Each point's k best candidates so far, nearest first: distances (float) and indices.
struct CandidateLists {
  Index k = 0;
  std::vector<float> distance;
  std::vector<std::int32_t> index;
  void reset(Index n, Index k_) {
    k = k_;
    distance.assign(std::size_t(n * k), std::numeric_limits<float>::infinity());
    index.assign(std::size_t(n * k), -1);
  }
  /// Merges candidates (squared distance, index) not already in point i's list into it, keeping
  /// the k nearest (ties by index). `candidates` is reordered.
  void merge(Index i, std::vector<std::pair<float, std::int32_t>>& candidates,
             std::vector<std::pair<float, std::int32_t>>& scratch) {
    float* dist = distance.data() + i * k;
    std::int32_t* idx = index.data() + i * k;
    const std::pair<float, std::int32_t> worst{dist[k - 1], idx[k - 1] < 0 ? std::numeric_limits<std::int32_t>::max() : idx[k - 1]};
    // Keep what beats the k-th and is not listed yet (the list check only for those).
    auto end = std::remove_if(candidates.begin(), candidates.end(),
                              [&](const auto& c) { return !(c < worst) || std::find(idx, idx + k, c.second) != idx + k; });
    if (end == candidates.begin()) return;
    std::sort(candidates.begin(), end);
    scratch.clear();
    Index a = 0;
    auto b = candidates.begin();
    while (Index(scratch.size()) < k && (a < k || b != end)) {
      const bool take_list = b == end || (a < k && std::pair<float, std::int32_t>{dist[a], idx[a] < 0 ? std::numeric_limits<std::int32_t>::max() : idx[a]} < *b);
      if (take_list) {
        scratch.push_back({dist[a], idx[a]});
        ++a;
      } else {
        scratch.push_back(*b);
        ++b;
      }
    }
    for (Index m = 0; m < k; ++m) {
      dist[m] = scratch[std::size_t(m)].first;
      idx[m] = scratch[std::size_t(m)].second;
    }
  }
};

using RowMatrixF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

inline float squared_distance_f(const float* a, const float* b, Index d) {
  float s = 0;
#pragma omp simd reduction(+ : s)
  for (Index f = 0; f < d; ++f) s += (a[f] - b[f]) * (a[f] - b[f]);
  return s;
}

/// One random-projection tree: the points reordered so that each leaf is contiguous, and the
/// leaves' starts. A node is split by the hyperplane halfway between two of its points, chosen
/// at random (Annoy's split); a node whose points all fall on one side is cut in half.
inline void grow_projection_tree(const RowMatrixF& X, Index leaf_size, std::uint64_t seed,
                                 std::vector<std::int32_t>& order, std::vector<Index>& leaf_start) {
  const Index n = X.rows(), d = X.cols();
  order.resize(std::size_t(n));
  for (Index i = 0; i < n; ++i) order[std::size_t(i)] = std::int32_t(i);
  leaf_start.clear();
  Rng rng(seed);
  std::vector<std::pair<Index, Index>> stack{{0, n}};
  std::vector<float> normal(static_cast<std::size_t>(d));
  std::vector<std::pair<Index, Index>> leaves;
  while (!stack.empty()) {
    const auto [begin, end] = stack.back();
    stack.pop_back();
    const Index size = end - begin;
    if (size <= leaf_size) {
      leaves.push_back({begin, end});
      continue;
    }
    // Two different points of the node: the second is drawn from the other size - 1 positions.
    const Index pa = Index(rng.uniform() * double(size)) % size;
    Index pb = Index(rng.uniform() * double(size - 1)) % (size - 1);
    if (pb >= pa) ++pb;
    const Index a = order[std::size_t(begin + pa)], b = order[std::size_t(begin + pb)];
    float offset = 0;
    for (Index f = 0; f < d; ++f) {
      normal[std::size_t(f)] = X(a, f) - X(b, f);
      offset += normal[std::size_t(f)] * 0.5f * (X(a, f) + X(b, f));
    }
    auto middle = std::partition(order.begin() + begin, order.begin() + end, [&](std::int32_t i) {
      float s = 0;
      const float* x = &X(i, 0);
      for (Index f = 0; f < d; ++f) s += normal[std::size_t(f)] * x[f];
      return s < offset;
    });
    Index cut = Index(middle - order.begin());
    if (cut == begin || cut == end) cut = begin + size / 2;  // no split: halve
    stack.push_back({cut, end});
    stack.push_back({begin, cut});
  }
  std::sort(leaves.begin(), leaves.end());
  for (const auto& leaf : leaves) leaf_start.push_back(leaf.first);
  leaf_start.push_back(n);
}

}  // namespace detail

/// Approximate k nearest neighbours of every row of X (excluding the row itself), nearest first,
/// with squared distances in double (recomputed exactly for the neighbours found). When
/// `locality_order` is given, it receives the points in the first tree's order: every subtree
/// contiguous, so that points near in the data are mostly near in this order (TSNE relabels
/// its points by it, which keeps each point's neighbours near in memory).
template <class Derived>
NeighborGraph approximate_nearest_neighbors(const Eigen::MatrixBase<Derived>& X, Index k,
                                            const ApproximateNeighborsOptions& options = {},
                                            std::vector<std::int32_t>* locality_order = nullptr) {
  const Index n = X.rows(), d = X.cols();
  if (k < 1 || k >= n)
    throw ConfigError("nearest neighbours: k = " + std::to_string(k) + " must be in [1, n_samples - 1 = " +
                      std::to_string(n - 1) + "]");
  detail::RowMatrixF Xf = (X.template cast<float>().rowwise() - X.template cast<float>().colwise().mean());
  const Index leaf_size = options.leaf_size > 0 ? options.leaf_size : std::max<Index>(2 * k, 64);
  const Index explored = options.neighbors_explored > 0 ? options.neighbors_explored : std::min<Index>(k, 24);

  // 1. The trees, each from its own seed (so their number, not the threads, decides them).
  const int trees = std::max(1, options.n_trees);
  std::vector<std::vector<std::int32_t>> order(static_cast<std::size_t>(trees));
  std::vector<std::vector<Index>> leaf_start(static_cast<std::size_t>(trees));
  parallel_for(trees, [&](Index t) {
    detail::grow_projection_tree(Xf, leaf_size, options.random_state * 7919 + std::uint64_t(t) + 1,
                                 order[std::size_t(t)], leaf_start[std::size_t(t)]);
  });

  // From here on the points are numbered in the first tree's order (every subtree contiguous):
  // the refinement reads the rows of neighbours of neighbours, which are then mostly near in
  // memory; in the data's own order every read is a cache miss (70% of the time at 250,000
  // points). position[i] is point i's new number, original[r] the point numbered r.
  const std::vector<std::int32_t> original = order[0];
  {
    std::vector<std::int32_t> position(static_cast<std::size_t>(n));
    for (Index r = 0; r < n; ++r) position[std::size_t(original[std::size_t(r)])] = std::int32_t(r);
    detail::RowMatrixF renumbered(n, d);
    parallel_for_range(n, 4096, [&](Index r0, Index r1) {
      for (Index r = r0; r < r1; ++r) renumbered.row(r) = Xf.row(original[std::size_t(r)]);
    });
    Xf = std::move(renumbered);
    for (auto& tree : order)
      for (auto& i : tree) i = position[std::size_t(i)];
  }
  if (locality_order) *locality_order = original;

  // 2. Candidates from the leaves, tree after tree: a point's list is written only by the task
  // that holds the point's leaf.
  detail::CandidateLists lists;
  lists.reset(n, k);
  for (int t = 0; t < trees; ++t) {
    const auto& ord = order[std::size_t(t)];
    const auto& starts = leaf_start[std::size_t(t)];
    parallel_for(Index(starts.size()) - 1, [&](Index leaf) {
      const Index begin = starts[std::size_t(leaf)], size = starts[std::size_t(leaf + 1)] - begin;
      // The leaf's points and their pairwise squared distances |a|^2 + |b|^2 - 2 a.b (one GEMM).
      detail::RowMatrixF points(size, d);
      for (Index p = 0; p < size; ++p) points.row(p) = Xf.row(ord[std::size_t(begin + p)]);
      const Eigen::VectorXf norms = points.rowwise().squaredNorm();
      detail::RowMatrixF dots(size, size);
      detail::gemm(dots, points, points.transpose());
      std::vector<std::pair<float, std::int32_t>> candidates, scratch;
      for (Index p = 0; p < size; ++p) {
        const std::int32_t i = ord[std::size_t(begin + p)];
        candidates.clear();
        for (Index q = 0; q < size; ++q)
          if (q != p) candidates.push_back({std::max(0.0f, norms[p] + norms[q] - 2 * dots(p, q)), ord[std::size_t(begin + q)]});
        lists.merge(i, candidates, scratch);
      }
    });
  }

  // 3. Refinement: every point tries the first `explored` neighbours of each of its neighbours.
  detail::CandidateLists next;
  static std::atomic<std::int64_t> calls{0};
  const std::int64_t call_mark = calls.fetch_add(1) * std::int64_t(options.refinement_rounds + 1) * n;
  std::vector<std::int32_t> reverse(static_cast<std::size_t>(n * explored));
  std::vector<Index> reverse_count(static_cast<std::size_t>(n));
  for (int round = 0; round < options.refinement_rounds; ++round) {
    next = lists;
    // Reverse neighbours (j lists i), the first `explored` of them in index order: their
    // neighbours are candidates too.
    std::fill(reverse_count.begin(), reverse_count.end(), 0);
    for (Index j = 0; j < n; ++j)
      for (Index m = 0; m < explored; ++m) {
        const std::int32_t i = lists.index[std::size_t(j * k + m)];
        if (i >= 0 && reverse_count[std::size_t(i)] < explored)
          reverse[std::size_t(i * explored + reverse_count[std::size_t(i)]++)] = std::int32_t(j);
      }
    parallel_for_range(n, 256, [&](Index i0, Index i1) {
      // seen[l] == mark: l was already tried for point i (many neighbours share neighbours). The
      // marks are unique to this call, round and point, so the buffer is never cleared.
      static thread_local std::vector<std::int64_t> seen;
      if (seen.size() < static_cast<std::size_t>(n)) seen.assign(static_cast<std::size_t>(n), -1);
      std::vector<std::pair<float, std::int32_t>> candidates, scratch;
      for (Index i = i0; i < i1; ++i) {
        const std::int64_t mark = call_mark + std::int64_t(round) * n + i;
        seen[std::size_t(i)] = mark;
        for (Index m = 0; m < k; ++m) {
          const std::int32_t j = lists.index[std::size_t(i * k + m)];
          if (j >= 0) seen[std::size_t(j)] = mark;
        }
        const float* xi = &Xf(i, 0);
        candidates.clear();
        for (Index m = 0; m < k; ++m) {
          const std::int32_t j = lists.index[std::size_t(i * k + m)];
          if (j < 0) continue;
          for (Index e = 0; e < explored; ++e) {
            const std::int32_t l = lists.index[std::size_t(j * k + e)];
            if (l < 0 || seen[std::size_t(l)] == mark) continue;
            seen[std::size_t(l)] = mark;
            candidates.push_back({detail::squared_distance_f(xi, &Xf(l, 0), d), l});
          }
        }
        for (Index r = 0; r < reverse_count[std::size_t(i)]; ++r) {
          const std::int32_t j = reverse[std::size_t(i * explored + r)];
          for (Index e = 0; e < explored; ++e) {
            const std::int32_t l = lists.index[std::size_t(j * k + e)];
            if (l < 0 || seen[std::size_t(l)] == mark) continue;
            seen[std::size_t(l)] = mark;
            candidates.push_back({detail::squared_distance_f(xi, &Xf(l, 0), d), l});
          }
          if (seen[std::size_t(j)] != mark) {
            seen[std::size_t(j)] = mark;
            candidates.push_back({detail::squared_distance_f(xi, &Xf(j, 0), d), j});
          }
        }
        next.merge(i, candidates, scratch);
      }
    });
    std::swap(lists, next);
  }

  // A list still short (its point only ever sat in leaves smaller than k + 1, and its
  // neighbours' lists did not fill it): search that point's neighbours among all points.
  parallel_for_range(n, 256, [&](Index i0, Index i1) {
    std::vector<std::pair<float, std::int32_t>> candidates, scratch;
    for (Index i = i0; i < i1; ++i) {
      if (lists.index[std::size_t(i * k + k - 1)] >= 0) continue;
      candidates.clear();
      for (Index j = 0; j < n; ++j)
        if (j != i) candidates.push_back({detail::squared_distance_f(&Xf(i, 0), &Xf(j, 0), d), std::int32_t(j)});
      lists.merge(i, candidates, scratch);
    }
  });

  // 4. Exact squared distances for the neighbours found, ranked with ties by index, in the
  // data's own numbering.
  NeighborGraph graph;
  graph.n_samples = n;
  graph.n_neighbors = k;
  graph.indices.resize(std::size_t(n * k));
  graph.sq_distances.resize(std::size_t(n * k));
  const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> Xd = X.template cast<double>();
  parallel_for_range(n, 256, [&](Index i0, Index i1) {
    std::vector<detail::Candidate> found(static_cast<std::size_t>(k));
    for (Index r = i0; r < i1; ++r) {
      const Index i = original[std::size_t(r)];
      for (Index m = 0; m < k; ++m) {
        const std::int32_t j = original[std::size_t(lists.index[std::size_t(r * k + m)])];
        found[std::size_t(m)] = {detail::squared_distance(&Xd(i, 0), &Xd(j, 0), d), j};
      }
      std::sort(found.begin(), found.end());
      for (Index m = 0; m < k; ++m) {
        graph.indices[std::size_t(i * k + m)] = found[std::size_t(m)].index;
        graph.sq_distances[std::size_t(i * k + m)] = found[std::size_t(m)].sq_distance;
      }
    }
  });
  return graph;
}

}  // namespace autoenc
