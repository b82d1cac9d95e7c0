/// @file
/// Exact k nearest neighbours through a vantage-point tree (Yianilos 1993), the search bhtsne
/// uses; kept as the alternative to the GEMM search of nearest_neighbors.hpp, which is faster on
/// the chapter's 64-dimensional latent vectors (bench_tsne measures both).
///
/// Each node takes one point v (the vantage point) and the median distance r from v to the
/// node's other points: the points nearer than r go to the inner subtree, the others to the outer
/// one. A search for the k nearest neighbours of q keeps the k best so far and their largest
/// distance tau; by the triangle inequality the inner subtree can hold a closer point only if
/// d(q, v) - tau < r, the outer one only if d(q, v) + tau >= r.
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "../core/config.hpp"

#include "../core/error.hpp"
#include "../core/parallel.hpp"
#include "../core/random.hpp"
#include "nearest_neighbors.hpp"

namespace autoenc {

/// A vantage-point tree over the rows of a matrix, for exact k-nearest-neighbour searches.
class VantagePointTree {
 public:
  /// The points, one per row, in double.
  using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

  /// Builds the tree over the rows of X (kept by reference: X must outlive the tree).
  explicit VantagePointTree(const RowMatrix& X, std::uint64_t seed = 0) : X_(X) {
    items_.resize(static_cast<std::size_t>(X.rows()));
    for (Index i = 0; i < X.rows(); ++i) items_[std::size_t(i)] = {std::int32_t(i), 0.0};
    nodes_.reserve(items_.size());
    Rng rng(seed);
    root_ = build(0, Index(items_.size()), rng);
  }

  /// The k nearest rows of X to row i of X, itself excluded, nearest first (ties by index).
  void search(Index i, Index k, std::vector<detail::Candidate>& heap) const {
    heap.clear();
    double tau = std::numeric_limits<double>::infinity();
    search_node(root_, &X_(i, 0), std::int32_t(i), k, heap, tau);
    std::sort_heap(heap.begin(), heap.end());
  }

 private:
  struct Item {
    std::int32_t index;
    double distance;  // to the vantage point of the node being built
  };
  struct Node {
    std::int32_t point = -1;  ///< the vantage point
    double radius = 0;        ///< median distance from it
    std::int32_t inner = -1, outer = -1;
  };

  double distance(const double* a, std::int32_t j) const {
    return std::sqrt(detail::squared_distance(a, &X_(j, 0), X_.cols()));
  }

  std::int32_t build(Index begin, Index end, Rng& rng) {
    if (begin >= end) return -1;
    const auto self = std::int32_t(nodes_.size());
    nodes_.emplace_back();
    // A random vantage point, moved to the front of the range.
    std::swap(items_[std::size_t(begin)], items_[std::size_t(begin + Index(rng.below(std::uint64_t(end - begin))))]);
    const std::int32_t v = items_[std::size_t(begin)].index;
    nodes_[std::size_t(self)].point = v;
    if (end - begin > 1) {
      const double* pv = &X_(v, 0);
      for (Index s = begin + 1; s < end; ++s) items_[std::size_t(s)].distance = distance(pv, items_[std::size_t(s)].index);
      const Index median = (begin + 1 + end) / 2;
      std::nth_element(items_.begin() + begin + 1, items_.begin() + median, items_.begin() + end,
                       [](const Item& a, const Item& b) { return a.distance < b.distance; });
      nodes_[std::size_t(self)].radius = items_[std::size_t(median)].distance;
      const std::int32_t inner = build(begin + 1, median, rng);
      const std::int32_t outer = build(median, end, rng);
      nodes_[std::size_t(self)].inner = inner;
      nodes_[std::size_t(self)].outer = outer;
    }
    return self;
  }

  void search_node(std::int32_t at, const double* q, std::int32_t self, Index k, std::vector<detail::Candidate>& heap,
                   double& tau) const {
    if (at < 0) return;
    const Node& node = nodes_[std::size_t(at)];
    const double d = distance(q, node.point);
    if (node.point != self) {
      const detail::Candidate c{d * d, node.point};
      if (Index(heap.size()) < k) {
        heap.push_back(c);
        std::push_heap(heap.begin(), heap.end());
        if (Index(heap.size()) == k) tau = std::sqrt(heap.front().sq_distance);
      } else if (c < heap.front()) {
        std::pop_heap(heap.begin(), heap.end());
        heap.back() = c;
        std::push_heap(heap.begin(), heap.end());
        tau = std::sqrt(heap.front().sq_distance);
      }
    }
    // Visit first the side q falls in; the other only if the ball of radius tau reaches it.
    if (d < node.radius) {
      if (d - tau < node.radius) search_node(node.inner, q, self, k, heap, tau);
      if (d + tau >= node.radius) search_node(node.outer, q, self, k, heap, tau);
    } else {
      if (d + tau >= node.radius) search_node(node.outer, q, self, k, heap, tau);
      if (d - tau < node.radius) search_node(node.inner, q, self, k, heap, tau);
    }
  }

  const RowMatrix& X_;
  std::vector<Item> items_;
  std::vector<Node> nodes_;
  std::int32_t root_ = -1;
};

/// The k nearest neighbours of every row of X through a vantage-point tree (same result as
/// exact_nearest_neighbors, up to ties at equal distances).
template <class Derived>
NeighborGraph vantage_point_nearest_neighbors(const Eigen::MatrixBase<Derived>& X_in, Index k) {
  const Index n = X_in.rows();
  if (k < 1 || k >= n)
    throw ConfigError("nearest neighbours: k = " + std::to_string(k) + " must be in [1, n_samples - 1 = " +
                      std::to_string(n - 1) + "]");
  const VantagePointTree::RowMatrix X = X_in.template cast<double>();
  const VantagePointTree tree(X);
  NeighborGraph graph;
  graph.n_samples = n;
  graph.n_neighbors = k;
  graph.indices.resize(static_cast<std::size_t>(n * k));
  graph.sq_distances.resize(static_cast<std::size_t>(n * k));
  parallel_for_range(n, 64, [&](Index i0, Index i1) {
    std::vector<detail::Candidate> heap;
    heap.reserve(static_cast<std::size_t>(k));
    for (Index i = i0; i < i1; ++i) {
      tree.search(i, k, heap);
      for (Index m = 0; m < k; ++m) {
        graph.indices[std::size_t(i * k + m)] = heap[std::size_t(m)].index;
        graph.sq_distances[std::size_t(i * k + m)] = heap[std::size_t(m)].sq_distance;
      }
    }
  });
  return graph;
}

}  // namespace autoenc
