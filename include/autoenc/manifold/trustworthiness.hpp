/// @file
/// Trustworthiness of an embedding (Venna and Kaski 2001), as scikit-learn defines it: how far
/// the points that look like neighbours in the embedding really are neighbours in the input.
///
///     T(k) = 1 - 2 / (n k (2n - 3k - 1)) * sum_i sum_{j in N_k(i)} max(0, r(i, j) - k)
///
/// N_k(i): the k nearest neighbours of i in the embedding (i itself excluded); r(i, j): the rank of
/// j among i's neighbours in the input space (1 = nearest). T = 1 when every embedded neighbour is
/// among the k input neighbours; each intruder costs its distance in rank beyond k. Equal input
/// distances rank by index.
///
/// Exact ranks: the input distances come from GEMM on the centred data, e_l = |x_l|^2 - 2 x_i . x_l
/// (|x_i|^2 is common to all l), whose rounding, in double, is at most c (|x_i|^2 + |x_l|^2) with
/// c = 4 gamma_d + 16 eps (gamma_d = d eps / (1 - d eps)), which also covers the rounding of
/// centring and of the direct distances. Where e_l and e_j are further apart than their bounds,
/// the expansion decides; otherwise (ties, duplicated points, near ties) the squared distances
/// computed directly in double do, so the result is that of the direct distances wherever the
/// data sit. (scikit-learn leaves the order of equal distances to its sort.)
///
/// Cost: all n^2 input distances (through GEMM, in blocks of rows), never stored all at once.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "../core/config.hpp"

#include "../core/error.hpp"
#include "../core/gemm.hpp"
#include "../core/parallel.hpp"
#include "nearest_neighbors.hpp"

namespace autoenc {

namespace detail {
/// trustworthiness on data in double (the work behind the template below; a template for the
/// same reason as exact_neighbor_search).
template <class RowMatrix>
double trustworthiness_double(const RowMatrix& X, const RowMatrix& Y, Index n_neighbors);
}  // namespace detail

/// Trustworthiness of the embedding Y (n x c) of X (n x d) with k = n_neighbors (< n / 2).
template <class DerivedX, class DerivedY>
double trustworthiness(const Eigen::MatrixBase<DerivedX>& X, const Eigen::MatrixBase<DerivedY>& Y,
                       Index n_neighbors = 5) {
  return detail::trustworthiness_double(detail::RowMatrixD(X.template cast<double>()),
                                        detail::RowMatrixD(Y.template cast<double>()), n_neighbors);
}

#if AUTOENC_HEADER_DEFINITIONS
template <class RowMatrix>
double detail::trustworthiness_double(const RowMatrix& X, const RowMatrix& Y, Index n_neighbors) {
  const Index n = X.rows(), k = n_neighbors;
  if (Y.rows() != n)
    throw ShapeError("trustworthiness: X has " + std::to_string(n) + " rows but the embedding " +
                     std::to_string(Y.rows()));
  if (k < 1 || !(double(k) < double(n) / 2))
    throw ConfigError("trustworthiness: n_neighbors (" + std::to_string(k) + ") should be >= 1 and less than n_samples / 2 (" +
                      std::to_string(double(n) / 2) + ")");
  const NeighborGraph embedded = exact_neighbor_search(Y, Y, k, true);
  const Index d = X.cols();
  const RowMatrixD Xc = X.rowwise() - X.colwise().mean();  // the expansion cancels less
  const Eigen::VectorXd norms = Xc.rowwise().squaredNorm();
  const double eps = std::numeric_limits<double>::epsilon(), de = double(d) * eps;
  const double c = de < 0.5 ? 4 * de / (1 - de) + 16 * eps : std::numeric_limits<double>::infinity();

  constexpr Index kBlock = 32;
  std::vector<std::int64_t> penalty(static_cast<std::size_t>(detail::ceil_div(n, kBlock)), 0);
  parallel_for_range(n, kBlock, [&](Index i0, Index i1) {
    RowMatrixD dots(i1 - i0, n);
    detail::gemm(dots, Xc.middleRows(i0, i1 - i0), Xc.transpose());
    std::vector<double> lower(static_cast<std::size_t>(n)), upper(static_cast<std::size_t>(n));
    std::int64_t sum = 0;
    for (Index i = i0; i < i1; ++i) {
      // Bounds on each |x_i - x_l|^2 - |x_i|^2: e_l -+ c (|x_i|^2 + |x_l|^2).
      const double* dot = dots.data() + (i - i0) * n;
      const double ci = c * norms[i];
      for (Index l = 0; l < n; ++l) {
        const double e = norms[l] - 2 * dot[l], margin = ci + c * norms[l];
        lower[std::size_t(l)] = e - margin;
        upper[std::size_t(l)] = e + margin;
      }
      const std::int32_t* neighbors = embedded.neighbors_of(i);
      for (Index m = 0; m < k; ++m) {
        const Index j = neighbors[m];
        const double lo_j = lower[std::size_t(j)], hi_j = upper[std::size_t(j)];
        double dij = -1;  // computed when first needed
        Index rank = 1;   // 1 + number of points nearer to i than j (equal: lower index first)
        for (Index l = 0; l < n; ++l) {
          if (upper[std::size_t(l)] < lo_j) {
            rank += l != i;  // surely nearer
          } else if (lower[std::size_t(l)] <= hi_j && l != i && l != j) {  // undecided: direct distances
            if (dij < 0) dij = detail::squared_distance(&X(i, 0), &X(j, 0), d);
            const double dil = detail::squared_distance(&X(i, 0), &X(l, 0), d);
            rank += (dil < dij || (dil == dij && l < j)) ? 1 : 0;
          }
        }
        if (rank > k) sum += rank - k;
      }
    }
    penalty[std::size_t(i0 / kBlock)] = sum;
  });
  std::int64_t total = 0;
  for (std::int64_t p : penalty) total += p;  // integers: exact, in any order
  return 1.0 - 2.0 / (double(n) * double(k) * (2.0 * double(n) - 3.0 * double(k) - 1.0)) * double(total);
}
#endif  // AUTOENC_HEADER_DEFINITIONS

// Precompiled mode: this instantiation lives in libautoenc_compiled (src/instantiations/).
#if defined(AUTOENC_PRECOMPILED) && !defined(AUTOENC_COMPILING_LIBRARY)
extern template double detail::trustworthiness_double(const detail::RowMatrixD&, const detail::RowMatrixD&, Index);
#endif

}  // namespace autoenc
