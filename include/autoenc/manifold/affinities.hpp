/// @file
/// t-SNE's input similarities: for each point a Gaussian over its neighbours whose width gives
/// the requested perplexity, then the joint probabilities P.
///
/// For point i with squared distances d_ij to its candidates j and precision beta_i = 1/(2 s_i^2):
///
///     p_{j|i} = exp(-beta_i d_ij) / sum_l exp(-beta_i d_il)
///     H_i     = -sum_j p_{j|i} ln p_{j|i} = ln(sum_l exp(-beta_i d_il)) + beta_i sum_j d_ij p_{j|i}
///
/// and beta_i is found by bisection so that H_i = ln(perplexity), i.e. 2^(entropy in bits) =
/// perplexity: the Gaussian covers about `perplexity` effective neighbours. The search is
/// scikit-learn's: beta starts at 1, doubles (or halves) until the target is bracketed, then
/// bisects; at most 100 steps; stop when |H_i - ln(perplexity)| <= 1e-5.
///
/// One difference, on purpose: the exponentials are taken of d_ij - min_l d_il. The shift cancels
/// in p_{j|i} and in H_i, but without it every exp(-beta d) underflows to 0 for far-apart data
/// (scikit-learn then substitutes 1e-8 for the sum and loses precision). And the distances stay
/// double, where scikit-learn rounds them to float32 before the search (with distances that
/// float32 holds exactly, P agrees with scikit-learn's to ~1e-15: test_tsne.cpp).
///
/// Joint probabilities (symmetric, summing to 1): P = (C + C^T) / sum(C + C^T), C_ij = p_{j|i};
/// the sum is 2n, so p_ij = (p_{j|i} + p_{i|j}) / 2n. Dense for the exact method, sparse (CSR over
/// the k nearest neighbours, a pair present in one direction only keeps half weight) for
/// Barnes-Hut.
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "../core/config.hpp"

#include "../core/error.hpp"
#include "../core/huge_pages.hpp"
#include "../core/parallel.hpp"
#include "nearest_neighbors.hpp"

namespace autoenc {

/// Settings of the per-point bandwidth search (scikit-learn's values).
struct PerplexitySearch {
  int max_steps = 100;      ///< bisection steps at most per point
  double tolerance = 1e-5;  ///< on the entropy, in nats
};

/// Writes p_{j|i} for one point's m candidate squared distances into p and returns beta_i.
inline double conditional_probabilities(const double* sq_distances, Index m, double perplexity, double* p,
                                        const PerplexitySearch& search = {}) {
  const double target = std::log(perplexity);
  const double d_min = *std::min_element(sq_distances, sq_distances + m);
  double beta = 1.0, beta_min = -std::numeric_limits<double>::infinity(),
         beta_max = std::numeric_limits<double>::infinity();
  for (int step = 0; step < search.max_steps; ++step) {
    double sum = 0;
    for (Index j = 0; j < m; ++j) sum += p[j] = std::exp(-beta * (sq_distances[j] - d_min));
    double weighted = 0;  // sum_j (d_ij - d_min) p_{j|i}
    for (Index j = 0; j < m; ++j) weighted += (sq_distances[j] - d_min) * (p[j] /= sum);
    const double entropy = std::log(sum) + beta * weighted;
    const double excess = entropy - target;
    if (std::abs(excess) <= search.tolerance) break;
    if (excess > 0) {  // too flat: sharpen
      beta_min = beta;
      beta = beta_max == std::numeric_limits<double>::infinity() ? beta * 2 : (beta + beta_max) / 2;
    } else {  // too peaked: widen
      beta_max = beta;
      beta = beta_min == -std::numeric_limits<double>::infinity() ? beta / 2 : (beta + beta_min) / 2;
    }
  }
  return beta;
}

/// Perplexity of a probability vector: exp(-sum p ln p).
inline double perplexity_of(const double* p, Index m) {
  double h = 0;
  for (Index j = 0; j < m; ++j)
    if (p[j] > 0) h -= p[j] * std::log(p[j]);
  return std::exp(h);
}

/// Dense joint probabilities, n x n, zero diagonal (the exact method).
struct DenseAffinities {
  Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> P;  ///< p_ij, symmetric, summing to 1
  double mean_sigma = 0;  ///< sqrt(n / sum beta_i), as scikit-learn reports it
};

/// Sparse joint probabilities in CSR form, columns sorted within each row (Barnes-Hut).
struct SparseAffinities {
  Index n_samples = 0;                  ///< n, the number of rows
  std::vector<std::int64_t> row_start;  ///< n + 1 offsets
  std::vector<std::int32_t> columns;    ///< the column j of each stored p_ij
  std::vector<double> values;           ///< the stored p_ij, summing to 1
  double mean_sigma = 0;                ///< sqrt(n / sum beta_i), as scikit-learn reports it
  Index nonzeros() const { return Index(values.size()); }  ///< number of stored p_ij
};

/// Conditional probabilities of every point over its k nearest neighbours (n x k, row-major),
/// with the sum of the betas.
inline std::vector<double> conditional_probabilities(const NeighborGraph& graph, double perplexity,
                                                     double& beta_sum, const PerplexitySearch& search = {}) {
  const Index n = graph.n_samples, k = graph.n_neighbors;
  std::vector<double> cond(static_cast<std::size_t>(n * k)), beta(static_cast<std::size_t>(n));
  parallel_for_range(n, 256, [&](Index i0, Index i1) {
    for (Index i = i0; i < i1; ++i)
      beta[std::size_t(i)] =
          conditional_probabilities(graph.sq_distances_of(i), k, perplexity, cond.data() + i * k, search);
  });
  beta_sum = 0;
  for (double b : beta) beta_sum += b;  // in index order: the same with any thread count
  return cond;
}

/// P = (C + C^T) / sum, from the k-nearest-neighbour graph, which it consumes: the distances
/// are freed as soon as C is known (at a million points they are 730 MB of the peak).
inline SparseAffinities sparse_joint_probabilities(NeighborGraph&& graph, double perplexity,
                                                   const PerplexitySearch& search = {}) {
  const Index n = graph.n_samples, k = graph.n_neighbors;
  double beta_sum = 0;
  const std::vector<double> cond = conditional_probabilities(graph, perplexity, beta_sum, search);
  std::vector<double>().swap(graph.sq_distances);

  // Transpose of C: for each j, the (i, p_{j|i}) with j among i's neighbours, i increasing.
  std::vector<std::int64_t> t_start(static_cast<std::size_t>(n + 1), 0);
  for (std::int32_t j : graph.indices) ++t_start[std::size_t(j) + 1];
  for (Index j = 0; j < n; ++j) t_start[std::size_t(j + 1)] += t_start[std::size_t(j)];
  std::vector<std::int32_t> t_rows(graph.indices.size());
  std::vector<double> t_values(graph.indices.size());
  {
    std::vector<std::int64_t> fill(t_start.begin(), t_start.end() - 1);
    for (Index i = 0; i < n; ++i)
      for (Index m = 0; m < k; ++m) {
        const auto j = std::size_t(graph.indices[std::size_t(i * k + m)]);
        const auto at = std::size_t(fill[j]++);
        t_rows[at] = std::int32_t(i);
        t_values[at] = cond[std::size_t(i * k + m)];
      }
  }

  // Row i of C + C^T: merge row i of C (sorted by column here) with row i of C^T.
  SparseAffinities out;
  out.n_samples = n;
  out.row_start.assign(static_cast<std::size_t>(n + 1), 0);
  out.columns.reserve(std::size_t(2 * n * k));
  out.values.reserve(std::size_t(2 * n * k));
  detail::advise_huge_pages(out.columns.data(), sizeof(std::int32_t) * out.columns.capacity());
  detail::advise_huge_pages(out.values.data(), sizeof(double) * out.values.capacity());
  std::vector<std::pair<std::int32_t, double>> row(static_cast<std::size_t>(k));
  for (Index i = 0; i < n; ++i) {
    for (Index m = 0; m < k; ++m)
      row[std::size_t(m)] = {graph.indices[std::size_t(i * k + m)], cond[std::size_t(i * k + m)]};
    std::sort(row.begin(), row.end());
    std::size_t a = 0;
    std::int64_t b = t_start[std::size_t(i)];
    const std::int64_t b_end = t_start[std::size_t(i + 1)];
    while (a < row.size() || b < b_end) {
      if (b == b_end || (a < row.size() && row[a].first < t_rows[std::size_t(b)])) {
        out.columns.push_back(row[a].first);
        out.values.push_back(row[a].second);
        ++a;
      } else if (a == row.size() || t_rows[std::size_t(b)] < row[a].first) {
        out.columns.push_back(t_rows[std::size_t(b)]);
        out.values.push_back(t_values[std::size_t(b)]);
        ++b;
      } else {  // present in both directions
        out.columns.push_back(row[a].first);
        out.values.push_back(row[a].second + t_values[std::size_t(b)]);
        ++a, ++b;
      }
    }
    out.row_start[std::size_t(i + 1)] = std::int64_t(out.values.size());
  }
  double total = 0;
  for (double v : out.values) total += v;
  total = std::max(total, std::numeric_limits<double>::epsilon());
  for (double& v : out.values) v /= total;
  out.mean_sigma = std::sqrt(double(n) / beta_sum);
  return out;
}

/// P = (C + C^T) / sum, from the k-nearest-neighbour graph (copied; pass an rvalue to spare the copy).
inline SparseAffinities sparse_joint_probabilities(const NeighborGraph& graph, double perplexity,
                                                   const PerplexitySearch& search = {}) {
  return sparse_joint_probabilities(NeighborGraph(graph), perplexity, search);
}

/// Dense P over all pairs from the full matrix of squared distances (the exact method).
template <class Derived>
DenseAffinities dense_joint_probabilities(const Eigen::MatrixBase<Derived>& X, double perplexity,
                                          const PerplexitySearch& search = {}) {
  const Index n = X.rows(), d = X.cols();
  const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> Xd = X.template cast<double>();
  DenseAffinities out;
  out.P.resize(n, n);
  std::vector<double> beta(static_cast<std::size_t>(n));
  parallel_for_range(n, 64, [&](Index i0, Index i1) {
    std::vector<double> dist(static_cast<std::size_t>(n - 1)), p(static_cast<std::size_t>(n - 1));
    for (Index i = i0; i < i1; ++i) {
      for (Index j = 0, m = 0; j < n; ++j)
        if (j != i) dist[std::size_t(m++)] = detail::squared_distance(&Xd(i, 0), &Xd(j, 0), d);
      beta[std::size_t(i)] = conditional_probabilities(dist.data(), n - 1, perplexity, p.data(), search);
      for (Index j = 0, m = 0; j < n; ++j) out.P(i, j) = j == i ? 0.0 : p[std::size_t(m++)];
    }
  });
  // Symmetrise and normalise; scikit-learn also floors every off-diagonal p_ij at machine epsilon.
  const double eps = std::numeric_limits<double>::epsilon();
  for (Index i = 0; i < n; ++i)
    for (Index j = i + 1; j < n; ++j) {
      const double p = std::max((out.P(i, j) + out.P(j, i)) / (2.0 * double(n)), eps);
      out.P(i, j) = out.P(j, i) = p;
    }
  double beta_sum = 0;
  for (double b : beta) beta_sum += b;
  out.mean_sigma = std::sqrt(double(n) / beta_sum);
  return out;
}

}  // namespace autoenc
