/// @file
/// A quadtree (2-D) or octree (3-D) over the embedding, and the Barnes-Hut sum of t-SNE's
/// repulsive forces through it.
///
/// What is summed (for the Student-t kernel with alpha = 1 in 2-D; see tsne_objective.hpp):
///
///     Z      = sum_{i != j} w_ij,                       w_ij = 1 / (1 + |y_i - y_j|^2)
///     rep_i  = sum_{j != i} w_ij^2 (y_i - y_j)
///
/// Barnes-Hut: far from a cell, the cell's points act like their count placed at their centre of
/// mass. scikit-learn's criterion decides "far": a cell is summarised when
///
///     (longest side of the cell)^2 < angle^2 * |y_i - centre of mass|^2
///
/// and leaves are always used exactly. angle = 0 therefore gives the exact sums.
///
/// How it is built, and why it is fast:
/// - Points are sorted along a Morton (Z-order) curve: interleaving the bits of the quantised
///   coordinates gives a key whose sort order puts every cell's points next to each other. The
///   tree is then read off the sorted keys top-down, each node storing its centre of mass, count,
///   side and the index of the node that follows its subtree ("next"). Walking the tree is a loop
///   over one array: open a node by going to node + 1, skip it by jumping to next.
/// - Nearby points share their walk. The sorted points are cut into groups of consecutive points
///   (close to each other along the curve); each group walks the tree once, with the criterion
///   evaluated at the group's bounding box, i.e. at the group point closest to the cell. Every
///   point of the group then sees an interaction list at least as accurate as its own walk would
///   give, and the list is evaluated for all of the group's points in a vectorised loop.
/// - Leaves hold up to kLeafSize points, computed exactly.
///
/// Precision: positions and kernel terms are float (twice the vector width of double); each
/// point's sums are float over at most 32 terms per vector lane (2-D) or per block of 64 (3-D),
/// then double. At angle 0 on 5000 unit-Gaussian points this cut the mean relative error of z_i
/// from 7e-8 to 1.4e-8 (2-D) and from 4e-7 to 1.7e-8 (3-D), of the repulsion from 1.0e-7 to
/// 2.4e-8 and from 6e-7 to 2.7e-8, for +3% (2-D) and +0.5% (3-D) in the time of repulsion() on
/// 20000 points (-O3 -march=native, one thread). What remains is the float terms: the rounding
/// of the positions, which grows with the embedding's extent compared with the distances (at a
/// spread of 10: 3-5e-8 in z_i, 2.5-3e-7 in the repulsion).
///
/// The cells' geometry is scikit-learn's: the root box is the bounding box of the points (its
/// upper sides pushed out by 1e-3 of the extent), halved along each axis at each level. Points
/// that coincide to within 2^-21 of the extent share a leaf.
///
/// Determinism: the groups are a fixed partition of the points and each group writes only its own
/// points' sums, so the result is the same with any number of threads.
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "../core/config.hpp"
#include "../core/parallel.hpp"

namespace autoenc {

/// The quadtree (Dim = 2) or octree (Dim = 3) of Barnes-Hut t-SNE, built over the embedding
/// at each iteration; repulsion() gives every point's repulsive force and its share of Z.
template <int Dim>
class SpacePartitionTree {
  static_assert(Dim == 2 || Dim == 3, "SpacePartitionTree: 2-D (quadtree) or 3-D (octree)");

 public:
  static constexpr int kChildren = 1 << Dim;  ///< children per cell: 4 or 8
  static constexpr int kLevels = 21;        ///< bits per coordinate in a Morton key (3 x 21 = 63)
  static constexpr Index kLeafSize = 8;     ///< a node with at most this many points is a leaf
  static constexpr Index kGroupSize = 32;   ///< points that share one walk of the tree
  static constexpr Index kListPadding = 32; ///< interaction lists are padded with count-0 terms to a multiple

  /// Builds the tree over n points y (n x Dim, row-major).
  void build(const double* y, Index n) {
    n_points_ = n;
    compute_bounds(y, n);
    sort_along_curve(y, n);
    nodes_.clear();
    if (n > 0) build_node(0, n, 0);
  }

  Index node_count() const { return Index(nodes_.size()); }  ///< cells in the tree, leaves included
  Index point_count() const { return n_points_; }            ///< n, the points it was built over
  /// Sorted position -> original index of the point.
  const std::vector<std::int32_t>& order() const { return order_; }

  /// For each point i (original order): z[i] = sum_{j != i} w_ij and rep[i * Dim + d] =
  /// sum_{j != i} w_ij u_ij (y_i - y_j)_d, with the Student-t kernel of `alpha` degrees of freedom
  /// (u = 1 / (1 + d^2 / alpha), w = u^((alpha + 1) / 2); alpha is 1 in 2-D, 2 in 3-D).
  void repulsion(double angle, double* rep, double* z) const {
    const Index n_groups = detail::ceil_div(n_points_, kGroupSize);
    const float angle2 = float(angle * angle);
    parallel_for_range(n_groups, 8, [&](Index g0, Index g1) {
      thread_local InteractionList list;
      for (Index g = g0; g < g1; ++g) {
        const Index begin = g * kGroupSize, end = std::min(n_points_, begin + kGroupSize);
        collect_interactions(begin, end, angle2, list);
        evaluate_interactions(begin, end, list, rep, z);
      }
    });
  }

 private:
  struct Node {
    std::array<float, Dim> center_of_mass;
    float count;
    float side2;            ///< (longest side of the cell)^2
    std::int32_t next;      ///< the node after this subtree
    std::int32_t first;     ///< sorted points [first, last) of the subtree
    std::int32_t last;
    bool leaf;
  };

  /// Cells and points that act on a group: positions and counts, structure of arrays so that
  /// the evaluation vectorises. Grows to its largest size and is then reused.
  struct InteractionList {
    std::array<std::vector<float>, Dim> position;
    std::vector<float> count;
    Index size = 0;
    std::array<bool, kGroupSize> self_listed{};  ///< the group's point i met itself in a leaf
    void clear() {
      size = 0;
      self_listed.fill(false);
    }
    void push(const float* p, float c) {
      if (Index(count.size()) == size) {
        const std::size_t grown = std::max<std::size_t>(256, 2 * count.size());
        for (auto& v : position) v.resize(grown);
        count.resize(grown);
      }
      for (int d = 0; d < Dim; ++d) position[std::size_t(d)][std::size_t(size)] = p[d];
      count[std::size_t(size)] = c;
      ++size;
    }
  };

  void compute_bounds(const double* y, Index n) {
    for (int d = 0; d < Dim; ++d) {
      double lo = std::numeric_limits<double>::infinity(), hi = -lo;
      for (Index i = 0; i < n; ++i) {
        lo = std::min(lo, y[i * Dim + d]);
        hi = std::max(hi, y[i * Dim + d]);
      }
      double extent = hi - lo;
      if (!(extent > 0)) extent = std::max(std::abs(lo), 1.0) * 1e-6;  // all equal along d
      low_[std::size_t(d)] = lo;
      extent_[std::size_t(d)] = extent * (1 + 1e-3);
    }
  }

  /// Spreads the low 21 bits of v so that bit b lands at bit Dim * b.
  static std::uint64_t spread_bits(std::uint64_t v) {
    std::uint64_t out = 0;
    for (int b = 0; b < kLevels; ++b) out |= ((v >> b) & 1u) << (Dim * b);
    return out;
  }

  void sort_along_curve(const double* y, Index n) {
    keys_.resize(std::size_t(n));
    order_.resize(std::size_t(n));
    const double cells = double(std::uint64_t(1) << kLevels);
    for (Index i = 0; i < n; ++i) {
      std::uint64_t key = 0;
      for (int d = 0; d < Dim; ++d) {
        const double t = (y[i * Dim + d] - low_[std::size_t(d)]) / extent_[std::size_t(d)] * cells;
        const auto q = std::uint64_t(std::clamp(t, 0.0, cells - 1));
        key |= spread_bits(q) << (Dim - 1 - d);
      }
      keys_[std::size_t(i)] = key;
      order_[std::size_t(i)] = std::int32_t(i);
    }
    radix_sort(n);
    for (int d = 0; d < Dim; ++d) sorted_[std::size_t(d)].resize(std::size_t(n));
    for (Index s = 0; s < n; ++s)
      for (int d = 0; d < Dim; ++d)
        sorted_[std::size_t(d)][std::size_t(s)] = float(y[Index(order_[std::size_t(s)]) * Dim + d]);
  }

  /// Sorts keys_ (carrying order_) with a stable least-significant-digit radix sort, 11 bits per
  /// pass: linear time, and the same result whatever the previous order.
  void radix_sort(Index n) {
    constexpr int kBits = 11, kBuckets = 1 << kBits;
    keys_tmp_.resize(std::size_t(n));
    order_tmp_.resize(std::size_t(n));
    for (int shift = 0; shift < Dim * kLevels; shift += kBits) {
      std::array<Index, kBuckets + 1> start{};
      for (Index i = 0; i < n; ++i) ++start[std::size_t((keys_[std::size_t(i)] >> shift) & (kBuckets - 1)) + 1];
      for (int b = 0; b < kBuckets; ++b) start[std::size_t(b + 1)] += start[std::size_t(b)];
      for (Index i = 0; i < n; ++i) {
        const auto at = std::size_t(start[std::size_t((keys_[std::size_t(i)] >> shift) & (kBuckets - 1))]++);
        keys_tmp_[at] = keys_[std::size_t(i)];
        order_tmp_[at] = order_[std::size_t(i)];
      }
      keys_.swap(keys_tmp_);
      order_.swap(order_tmp_);
    }
  }

  /// Appends the node for sorted points [begin, end) at tree depth `level`, then its subtree.
  void build_node(Index begin, Index end, int level) {
    const auto self = std::size_t(nodes_.size());
    nodes_.emplace_back();
    float side2 = 0;
    for (int d = 0; d < Dim; ++d) {
      const float side = float(std::ldexp(extent_[std::size_t(d)], -level));
      side2 = std::max(side2, side * side);
    }
    std::array<double, Dim> weighted{};
    if (end - begin <= kLeafSize || level == kLevels) {
      for (Index s = begin; s < end; ++s)
        for (int d = 0; d < Dim; ++d) weighted[std::size_t(d)] += double(sorted_[std::size_t(d)][std::size_t(s)]);
      nodes_[self].leaf = true;
    } else {
      const int shift = Dim * (kLevels - 1 - level);
      Index child_begin = begin;
      for (int c = 0; c < kChildren && child_begin < end; ++c) {
        // The child's points are those whose key has digit c at this level; they are contiguous.
        const auto digit_of = [&](Index s) { return int((keys_[std::size_t(s)] >> shift) & (kChildren - 1)); };
        Index child_end = child_begin;
        {
          Index lo = child_begin, hi = end;  // first s with digit > c
          while (lo < hi) {
            const Index mid = (lo + hi) / 2;
            if (digit_of(mid) <= c) lo = mid + 1;
            else hi = mid;
          }
          child_end = lo;
        }
        if (child_end > child_begin) {
          const auto child = std::size_t(nodes_.size());
          build_node(child_begin, child_end, level + 1);
          for (int d = 0; d < Dim; ++d)
            weighted[std::size_t(d)] +=
                double(nodes_[child].center_of_mass[std::size_t(d)]) * double(nodes_[child].count);
        }
        child_begin = child_end;
      }
      nodes_[self].leaf = false;
    }
    Node& node = nodes_[self];
    node.count = float(end - begin);
    for (int d = 0; d < Dim; ++d) node.center_of_mass[std::size_t(d)] = float(weighted[std::size_t(d)] / double(end - begin));
    node.side2 = side2;
    node.first = std::int32_t(begin);
    node.last = std::int32_t(end);
    node.next = std::int32_t(nodes_.size());
  }

  /// The interaction list of the group of sorted points [begin, end).
  void collect_interactions(Index begin, Index end, float angle2, InteractionList& list) const {
    std::array<float, Dim> lo, hi;
    for (int d = 0; d < Dim; ++d) {
      const float* p = sorted_[std::size_t(d)].data();
      lo[std::size_t(d)] = *std::min_element(p + begin, p + end);
      hi[std::size_t(d)] = *std::max_element(p + begin, p + end);
    }
    list.clear();
    const auto n_nodes = std::int32_t(nodes_.size());
    std::int32_t at = 0;
    while (at < n_nodes) {
      const Node& node = nodes_[std::size_t(at)];
      if (node.leaf) {
        for (std::int32_t s = node.first; s < node.last; ++s) {
          float p[Dim];
          for (int d = 0; d < Dim; ++d) p[d] = sorted_[std::size_t(d)][std::size_t(s)];
          list.push(p, 1.0f);
          if (s >= begin && s < end) list.self_listed[std::size_t(s - begin)] = true;
        }
        at = node.next;
        continue;
      }
      // Squared distance from the group's box to the cell's centre of mass: no point of the
      // group is closer to it than this.
      float gap2 = 0;
      for (int d = 0; d < Dim; ++d) {
        const float c = node.center_of_mass[std::size_t(d)];
        const float gap = std::max({lo[std::size_t(d)] - c, c - hi[std::size_t(d)], 0.0f});
        gap2 += gap * gap;
      }
      if (node.side2 < angle2 * gap2) {
        list.push(node.center_of_mass.data(), node.count);
        at = node.next;
      } else {
        ++at;
      }
    }
    const float origin[Dim] = {};
    while (list.size % kListPadding != 0) list.push(origin, 0.0f);  // terms that add exactly 0
  }

  /// Sums the list's kernel terms for each point of the group [begin, end). The terms are float;
  /// their sums are float over at most 32 terms per vector lane, then double (header comment).
  void evaluate_interactions(Index begin, Index end, const InteractionList& list, double* rep, double* z) const {
    const Index m = list.size;  // a multiple of kListPadding
    const float* c = list.count.data();
    const float* p0 = list.position[0].data();
    const float* p1 = list.position[1].data();
    for (Index s = begin; s < end; ++s) {
      float yi[Dim];
      for (int d = 0; d < Dim; ++d) yi[d] = sorted_[std::size_t(d)][std::size_t(s)];
      double z_sum = 0, f[Dim] = {};
      if constexpr (Dim == 2) {
        // alpha = 1: u = w = 1 / (1 + d^2). kLanes separate float sums, each taking every
        // kLanes-th term (the loop over the lanes vectorises), added into double every kBlock terms.
        constexpr Index kLanes = kListPadding, kBlock = 1024;
        alignas(64) double zd[kLanes] = {}, f0d[kLanes] = {}, f1d[kLanes] = {};
        for (Index j0 = 0; j0 < m; j0 += kBlock) {
          const Index j1 = std::min(m, j0 + kBlock);
          alignas(64) float zl[kLanes] = {}, f0l[kLanes] = {}, f1l[kLanes] = {};
          for (Index j = j0; j < j1; j += kLanes) {
#pragma omp simd
            for (Index l = 0; l < kLanes; ++l) {
              const float dx = yi[0] - p0[j + l], dy = yi[1] - p1[j + l];
              const float w = 1.0f / (1.0f + dx * dx + dy * dy);
              const float cw = c[j + l] * w;
              zl[l] += cw;
              f0l[l] += cw * w * dx;
              f1l[l] += cw * w * dy;
            }
          }
          for (Index l = 0; l < kLanes; ++l) {
            zd[l] += double(zl[l]);
            f0d[l] += double(f0l[l]);
            f1d[l] += double(f1l[l]);
          }
        }
        for (Index l = 0; l < kLanes; ++l) {  // lane order: fixed
          z_sum += zd[l];
          f[0] += f0d[l];
          f[1] += f1d[l];
        }
      } else {
        // alpha = 2: u = 1 / (1 + d^2 / 2), w = u^(3/2), in blocks of kBlock terms summed in
        // float, the blocks' sums added in double. The square roots go through Eigen's array
        // sqrt, because std::sqrt inside the loop would stop it vectorising (errno).
        const float* p2 = list.position[Dim - 1].data();
        constexpr Index kBlock = 64;
        alignas(32) float u[kBlock], root[kBlock];
        for (Index j0 = 0; j0 < m; j0 += kBlock) {
          const Index b = std::min(kBlock, m - j0);
#pragma omp simd
          for (Index j = 0; j < b; ++j) {
            const float dx = yi[0] - p0[j0 + j], dy = yi[1] - p1[j0 + j], dz = yi[2] - p2[j0 + j];
            u[j] = 1.0f / (1.0f + 0.5f * (dx * dx + dy * dy + dz * dz));
          }
          Eigen::Map<Eigen::ArrayXf>(root, b) = Eigen::Map<const Eigen::ArrayXf>(u, b).sqrt();
          float zb = 0, f0 = 0, f1 = 0, f2 = 0;
#pragma omp simd reduction(+ : zb, f0, f1, f2)
          for (Index j = 0; j < b; ++j) {
            const float dx = yi[0] - p0[j0 + j], dy = yi[1] - p1[j0 + j], dz = yi[2] - p2[j0 + j];
            const float cw = c[j0 + j] * u[j] * root[j];
            zb += cw;
            f0 += cw * u[j] * dx;
            f1 += cw * u[j] * dy;
            f2 += cw * u[j] * dz;
          }
          z_sum += double(zb);
          f[0] += double(f0);
          f[1] += double(f1);
          f[Dim - 1] += double(f2);
        }
      }
      // A point that met itself in a leaf added w = 1 (and no force): take it out.
      const Index i = order_[std::size_t(s)];
      z[i] = z_sum - (list.self_listed[std::size_t(s - begin)] ? 1.0 : 0.0);
      for (int d = 0; d < Dim; ++d) rep[i * Dim + d] = f[d];
    }
  }

  Index n_points_ = 0;
  std::array<double, Dim> low_{}, extent_{};
  std::vector<std::uint64_t> keys_, keys_tmp_;
  std::vector<std::int32_t> order_, order_tmp_;
  std::array<std::vector<float>, Dim> sorted_;
  std::vector<Node> nodes_;
};

}  // namespace autoenc
