// Measures of how well a clustering matches known classes, as scikit-learn defines them:
// adjusted Rand index, normalised mutual information (arithmetic-mean normalisation) and purity.
// The embedding score trustworthiness (manifold/trustworthiness.hpp) is included too, so that
// this header offers every quality measure of the chapter.
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cmath>
#include <map>
#include <vector>

#include "../core/error.hpp"
#include "../manifold/trustworthiness.hpp"

namespace autoenc {

namespace detail {
/// The contingency table n_ij = #{samples in class i and cluster j}, with row and column sums.
struct Contingency {
  std::vector<std::vector<double>> n;
  std::vector<double> rows, cols;
  double total = 0;
};
inline Contingency contingency(const std::vector<int>& truth, const std::vector<int>& pred) {
  if (truth.size() != pred.size())
    throw ShapeError("clustering metric: " + std::to_string(truth.size()) + " true labels but " +
                     std::to_string(pred.size()) + " predicted");
  if (truth.empty()) throw ConfigError("clustering metric: no labels");
  std::map<int, std::size_t> ti, pi;
  for (int t : truth) ti.emplace(t, ti.size());
  for (int p : pred) pi.emplace(p, pi.size());
  Contingency c;
  c.n.assign(ti.size(), std::vector<double>(pi.size(), 0.0));
  c.rows.assign(ti.size(), 0.0);
  c.cols.assign(pi.size(), 0.0);
  for (std::size_t s = 0; s < truth.size(); ++s) {
    const std::size_t i = ti[truth[s]], j = pi[pred[s]];
    c.n[i][j] += 1, c.rows[i] += 1, c.cols[j] += 1;
  }
  c.total = double(truth.size());
  return c;
}
inline double comb2(double x) { return x * (x - 1) / 2; }
}  // namespace detail

/// Adjusted Rand index: 1 for identical partitions, about 0 for random ones (can be negative).
///   ARI = (sum_ij C(n_ij, 2) - E) / ((sum_i C(a_i, 2) + sum_j C(b_j, 2)) / 2 - E),
///   E = sum_i C(a_i, 2) sum_j C(b_j, 2) / C(n, 2)
inline double adjusted_rand_score(const std::vector<int>& truth, const std::vector<int>& pred) {
  const auto c = detail::contingency(truth, pred);
  double index = 0, a = 0, b = 0;
  for (const auto& row : c.n)
    for (double v : row) index += detail::comb2(v);
  for (double v : c.rows) a += detail::comb2(v);
  for (double v : c.cols) b += detail::comb2(v);
  const double expected = a * b / detail::comb2(c.total), maximum = (a + b) / 2;
  if (maximum == expected) return 1.0;  // both partitions trivial (scikit-learn's convention)
  return (index - expected) / (maximum - expected);
}

/// Normalised mutual information, I(T; P) / ((H(T) + H(P)) / 2), natural logarithms.
inline double normalized_mutual_info_score(const std::vector<int>& truth, const std::vector<int>& pred) {
  const auto c = detail::contingency(truth, pred);
  auto entropy = [&](const std::vector<double>& counts) {
    double h = 0;
    for (double v : counts)
      if (v > 0) h -= v / c.total * std::log(v / c.total);
    return h;
  };
  const double ht = entropy(c.rows), hp = entropy(c.cols);
  if (c.rows.size() == 1 && c.cols.size() == 1) return 1.0;
  if (ht == 0 || hp == 0) return 0.0;
  double mi = 0;
  for (std::size_t i = 0; i < c.rows.size(); ++i)
    for (std::size_t j = 0; j < c.cols.size(); ++j)
      if (c.n[i][j] > 0) mi += c.n[i][j] / c.total * std::log(c.total * c.n[i][j] / (c.rows[i] * c.cols[j]));
  return std::max(0.0, mi / ((ht + hp) / 2));
}

/// Purity: the share of samples whose cluster's most common class is their own class.
inline double purity_score(const std::vector<int>& truth, const std::vector<int>& pred) {
  const auto c = detail::contingency(truth, pred);
  double hits = 0;
  for (std::size_t j = 0; j < c.cols.size(); ++j) {
    double best = 0;
    for (std::size_t i = 0; i < c.rows.size(); ++i) best = std::max(best, c.n[i][j]);
    hits += best;
  }
  return hits / c.total;
}

}  // namespace autoenc
