// Trustworthiness of an embedding (Venna and Kaski 2001), as scikit-learn defines it: how far
// the points that look like neighbours in the embedding really are neighbours in the input.
//
//   T(k) = 1 - 2 / (n k (2n - 3k - 1)) * sum_i sum_{j in N_k(i)} max(0, r(i, j) - k)
//
// N_k(i): the k nearest neighbours of i in the embedding (i itself excluded); r(i, j): the rank of
// j among i's neighbours in the input space (1 = nearest). T = 1 when every embedded neighbour is
// among the k input neighbours; each intruder costs its distance in rank beyond k. Equal input
// distances rank by index.
//
// Cost: all n^2 input distances (through GEMM, in blocks of rows), never stored all at once.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "../core/error.hpp"
#include "../core/gemm.hpp"
#include "../core/parallel.hpp"
#include "nearest_neighbors.hpp"

namespace autoenc {

/// Trustworthiness of the embedding Y (n x c) of X (n x d) with k = n_neighbors (< n / 2).
template <class DerivedX, class DerivedY>
double trustworthiness(const Eigen::MatrixBase<DerivedX>& X, const Eigen::MatrixBase<DerivedY>& Y,
                       Index n_neighbors = 5) {
  using RowMatrixD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const Index n = X.rows(), k = n_neighbors;
  if (Y.rows() != n)
    throw ShapeError("trustworthiness: X has " + std::to_string(n) + " rows but the embedding " +
                     std::to_string(Y.rows()));
  if (k < 1 || !(double(k) < double(n) / 2))
    throw ConfigError("trustworthiness: n_neighbors (" + std::to_string(k) + ") should be >= 1 and less than n_samples / 2 (" +
                      std::to_string(double(n) / 2) + ")");
  const NeighborGraph embedded = exact_nearest_neighbors(Y, k);
  const RowMatrixD Xd = X.template cast<double>();
  const Eigen::VectorXd norms = Xd.rowwise().squaredNorm();

  constexpr Index kBlock = 32;
  std::vector<std::int64_t> penalty(static_cast<std::size_t>(detail::ceil_div(n, kBlock)), 0);
  parallel_for_range(n, kBlock, [&](Index i0, Index i1) {
    RowMatrixD dots(i1 - i0, n);
    detail::gemm(dots, Xd.middleRows(i0, i1 - i0), Xd.transpose());
    std::int64_t sum = 0;
    for (Index i = i0; i < i1; ++i) {
      // Squared input distances from i (the same expansion for every l keeps ranks consistent).
      const double* dot = dots.data() + (i - i0) * n;
      const std::int32_t* neighbors = embedded.neighbors_of(i);
      for (Index m = 0; m < k; ++m) {
        const Index j = neighbors[m];
        const double dij = norms[j] - 2 * dot[j];  // |x_i|^2 is common to all l: left out
        Index rank = 1;                          // 1 + number of points nearer to i than j
        for (Index l = 0; l < n; ++l) {
          if (l == i) continue;
          const double dil = norms[l] - 2 * dot[l];
          rank += (dil < dij || (dil == dij && l < j)) ? 1 : 0;
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

}  // namespace autoenc
