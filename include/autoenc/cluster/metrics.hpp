/// @file
/// Measures of how well a clustering matches known classes, as scikit-learn defines them:
/// adjusted Rand index, normalised mutual information (arithmetic-mean normalisation) and purity.
/// The special cases are scikit-learn 1.2's: no samples or one sample score 1 (a perfect match)
/// for ARI and NMI; purity, which scikit-learn lacks, rejects empty input.
/// The embedding score trustworthiness (manifold/trustworthiness.hpp) is included too, so that
/// this header offers every quality measure of the chapter.
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <vector>

#include "../core/error.hpp"
#include "../core/precompiled.hpp"
#include "../manifold/trustworthiness.hpp"

namespace autoenc {

namespace detail {
/// The contingency table n_ij = #{samples in class i and cluster j}, with row and column sums.
struct Contingency {
  std::vector<std::vector<double>> n;
  std::vector<double> rows, cols;
  double total = 0;
};
AUTOENC_FUNC Contingency contingency(const std::vector<int>& truth, const std::vector<int>& pred);
#if AUTOENC_HEADER_DEFINITIONS
AUTOENC_FUNC Contingency contingency(const std::vector<int>& truth, const std::vector<int>& pred) {
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
#endif
}  // namespace detail

/// Adjusted Rand index: 1 for identical partitions, about 0 for random ones (can be negative).
/// As scikit-learn computes it, from the pair confusion matrix over ordered pairs of distinct
/// samples (n_ij the contingency table, a_i and b_j its row and column sums):
///   tp = sum n_ij^2 - n                 together in both labellings
///   fn = sum a_i^2 - sum n_ij^2          together in truth only
///   fp = sum b_j^2 - sum n_ij^2          together in pred only
///   tn = n^2 - tp - fn - fp - n          apart in both
///   ARI = 2 (tp tn - fn fp) / ((tp + fn)(fn + tn) + (tp + fp)(fp + tn)),
/// and 1 when fn = fp = 0: no pair split by one labelling and joined by the other (identical
/// partitions, one sample, no samples).
AUTOENC_FUNC double adjusted_rand_score(const std::vector<int>& truth, const std::vector<int>& pred);
#if AUTOENC_HEADER_DEFINITIONS
AUTOENC_FUNC double adjusted_rand_score(const std::vector<int>& truth, const std::vector<int>& pred) {
  if (truth.empty() && pred.empty()) return 1.0;
  const auto c = detail::contingency(truth, pred);
  auto square = [](double v) { return std::int64_t(v) * std::int64_t(v); };  // exact counts
  std::int64_t both = 0, rows = 0, cols = 0;
  for (const auto& row : c.n)
    for (double v : row) both += square(v);
  for (double v : c.rows) rows += square(v);
  for (double v : c.cols) cols += square(v);
  const std::int64_t n = std::int64_t(c.total), tp = both - n, fn = rows - both, fp = cols - both,
                     tn = n * n - fn - fp - both;
  if (fn == 0 && fp == 0) return 1.0;
  using L = long double;  // products up to n^4
  return double(2 * (L(tp) * L(tn) - L(fn) * L(fp)) / ((L(tp) + L(fn)) * (L(fn) + L(tn)) + (L(tp) + L(fp)) * (L(fp) + L(tn))));
}
#endif

/// Normalised mutual information, I(T; P) / ((H(T) + H(P)) / 2), natural logarithms, with
/// scikit-learn's special cases: 1 when both labellings have a single cluster (or no samples),
/// 0 when the mutual information is 0 (in particular when one of them has a single cluster).
AUTOENC_FUNC double normalized_mutual_info_score(const std::vector<int>& truth, const std::vector<int>& pred);
#if AUTOENC_HEADER_DEFINITIONS
AUTOENC_FUNC double normalized_mutual_info_score(const std::vector<int>& truth, const std::vector<int>& pred) {
  if (truth.empty() && pred.empty()) return 1.0;
  const auto c = detail::contingency(truth, pred);
  if (c.rows.size() == 1 && c.cols.size() == 1) return 1.0;
  if (c.rows.size() == 1 || c.cols.size() == 1) return 0.0;
  auto entropy = [&](const std::vector<double>& counts) {
    double h = 0;
    for (double v : counts)
      if (v > 0) h -= v / c.total * std::log(v / c.total);
    return h;
  };
  // I = sum_ij n_ij / n * log(n n_ij / (a_i b_j)); like scikit-learn, terms smaller than the
  // machine epsilon are dropped as rounding, so that a mutual information of 0 scores exactly 0.
  double mi = 0;
  for (std::size_t i = 0; i < c.rows.size(); ++i)
    for (std::size_t j = 0; j < c.cols.size(); ++j)
      if (c.n[i][j] > 0) {
        const double term = c.n[i][j] / c.total * std::log(c.total * c.n[i][j] / (c.rows[i] * c.cols[j]));
        if (std::abs(term) >= std::numeric_limits<double>::epsilon()) mi += term;
      }
  if (mi <= 0) return 0.0;
  return mi / ((entropy(c.rows) + entropy(c.cols)) / 2);
}
#endif

/// Purity: the share of samples whose cluster's most common class is their own class.
AUTOENC_FUNC double purity_score(const std::vector<int>& truth, const std::vector<int>& pred);
#if AUTOENC_HEADER_DEFINITIONS
AUTOENC_FUNC double purity_score(const std::vector<int>& truth, const std::vector<int>& pred) {
  const auto c = detail::contingency(truth, pred);
  double hits = 0;
  for (std::size_t j = 0; j < c.cols.size(); ++j) {
    double best = 0;
    for (std::size_t i = 0; i < c.rows.size(); ++i) best = std::max(best, c.n[i][j]);
    hits += best;
  }
  return hits / c.total;
}
#endif

}  // namespace autoenc
