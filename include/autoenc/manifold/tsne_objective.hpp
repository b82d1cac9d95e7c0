/// @file
/// t-SNE's objective and its gradient: exactly (all pairs), by Barnes-Hut, or by FFT interpolation.
///
/// With joint input probabilities p_ij and an embedding y, the output similarities use a
/// Student-t kernel with alpha degrees of freedom (alpha = max(n_components - 1, 1)):
///
///     u_ij = 1 / (1 + |y_i - y_j|^2 / alpha),   w_ij = u_ij^((alpha + 1) / 2),
///     Z = sum_{k != l} w_kl,                    q_ij = w_ij / Z
///
///     KL(P || Q) = sum_{i != j} p_ij ln(p_ij / q_ij)
///
///     dKL/dy_i = (2 (alpha + 1) / alpha) sum_j (p_ij - q_ij) u_ij (y_i - y_j)
///              = c (attraction_i - repulsion_i / Z),
///     attraction_i = sum_j p_ij u_ij (y_i - y_j),  repulsion_i = sum_j w_ij u_ij (y_i - y_j).
///
/// For alpha = 1 (2-D) u = w and c = 4, the familiar form. scikit-learn writes w_ij where u_ij
/// stands above, which is the same for alpha = 1 but not the gradient of KL for alpha != 1
/// (3-D embeddings); autoenc uses the true gradient, which the finite-difference test checks.
///
/// scikit-learn floors q_ij at machine epsilon in the KL divergence (as here) and also inside its
/// exact gradient; autoenc's gradient uses the unfloored q_ij, which differs by < eps per pair.
///
/// The attraction needs only the pairs with p_ij > 0 (sparse for Barnes-Hut); the repulsion and Z
/// involve all pairs: summed exactly here, through SpacePartitionTree, or by FftRepulsion.
// SPDX-License-Identifier: MIT
#pragma once

#include <cmath>
#include <limits>
#include <vector>

#include "../core/config.hpp"

#include "../core/error.hpp"
#include "../core/parallel.hpp"
#include "affinities.hpp"
#include "fft_repulsion.hpp"
#include "space_partition_tree.hpp"

namespace autoenc {

/// An embedding (n x n_components) or a dense P, in double, row-major.
using EmbeddingMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// Student-t degrees of freedom for an embedding dimension, as in van der Maaten (2009).
inline double tsne_degrees_of_freedom(Index n_components) { return std::max<double>(double(n_components) - 1, 1); }

namespace detail {
/// u = 1 / (1 + d2 / alpha) and w = u^((alpha + 1) / 2), with the common cases done without pow.
inline void student_t(double d2, double alpha, double& u, double& w) {
  u = 1.0 / (1.0 + d2 / alpha);
  if (alpha == 1) w = u;
  else if (alpha == 2) w = u * std::sqrt(u);
  else w = std::pow(u, (alpha + 1) / 2);
}
}  // namespace detail

/// Exact t-SNE: writes dKL/dy into grad (same shape as Y) and returns KL(P || Q).
/// P is the dense symmetric matrix of joint probabilities (rows sum to the total 1).
inline double tsne_exact_gradient(const Eigen::Ref<const EmbeddingMatrix>& P, const Eigen::Ref<const EmbeddingMatrix>& Y,
                                  double alpha, Eigen::Ref<EmbeddingMatrix> grad) {
  const Index n = Y.rows(), dim = Y.cols();
  std::vector<double> z_row(static_cast<std::size_t>(n)), attract(static_cast<std::size_t>(n * dim)),
      repel(static_cast<std::size_t>(n * dim));
  // Pass 1: per row, sum_j w_ij, attraction and repulsion (Z is not known yet).
  parallel_for_range(n, 32, [&](Index i0, Index i1) {
    for (Index i = i0; i < i1; ++i) {
      double zs = 0;
      double* a = attract.data() + i * dim;
      double* r = repel.data() + i * dim;
      for (Index d = 0; d < dim; ++d) a[d] = r[d] = 0;
      for (Index j = 0; j < n; ++j) {
        if (j == i) continue;
        double d2 = 0;
        for (Index d = 0; d < dim; ++d) d2 += (Y(i, d) - Y(j, d)) * (Y(i, d) - Y(j, d));
        double u, w;
        detail::student_t(d2, alpha, u, w);
        zs += w;
        for (Index d = 0; d < dim; ++d) {
          const double diff = Y(i, d) - Y(j, d);
          a[d] += P(i, j) * u * diff;
          r[d] += w * u * diff;
        }
      }
      z_row[std::size_t(i)] = zs;
    }
  });
  double Z = 0;
  for (double zr : z_row) Z += zr;
  Z = std::max(Z, std::numeric_limits<double>::epsilon());
  const double c = 2 * (alpha + 1) / alpha;
  for (Index i = 0; i < n; ++i)
    for (Index d = 0; d < dim; ++d)
      grad(i, d) = c * (attract[std::size_t(i * dim + d)] - repel[std::size_t(i * dim + d)] / Z);

  // KL(P || Q), with q floored like scikit-learn to keep ln finite.
  const double eps = std::numeric_limits<double>::epsilon();
  std::vector<double> kl_row(static_cast<std::size_t>(n));
  parallel_for_range(n, 32, [&](Index i0, Index i1) {
    for (Index i = i0; i < i1; ++i) {
      double kl = 0;
      for (Index j = 0; j < n; ++j) {
        if (j == i || P(i, j) <= 0) continue;
        double d2 = 0;
        for (Index d = 0; d < dim; ++d) d2 += (Y(i, d) - Y(j, d)) * (Y(i, d) - Y(j, d));
        double u, w;
        detail::student_t(d2, alpha, u, w);
        kl += P(i, j) * std::log(std::max(P(i, j), eps) / std::max(w / Z, eps));
      }
      kl_row[std::size_t(i)] = kl;
    }
  });
  double kl = 0;
  for (double k : kl_row) kl += k;
  return kl;
}

/// KL(P || Q) alone, for the exact method (used by the gradient test).
inline double tsne_exact_kl_divergence(const Eigen::Ref<const EmbeddingMatrix>& P,
                                       const Eigen::Ref<const EmbeddingMatrix>& Y, double alpha) {
  EmbeddingMatrix unused(Y.rows(), Y.cols());
  return tsne_exact_gradient(P, Y, alpha, unused);
}

namespace detail {
/// The gradient from the repulsion and Z, adding the attraction over the sparse P:
///     dKL/dy_i = c (sum_j p_ij u_ij (y_i - y_j) - repulsion_i / Z),
/// and, when `compute_error`, KL(P || Q) over the stored pairs (q_ij = w_ij / Z). `kl_row` (n
/// values) holds each row's KL so that the sum runs in index order; it may alias the caller's
/// scratch once the repulsion's Z is known.
template <int Dim>
double tsne_sparse_gradient(const SparseAffinities& P, const Eigen::Ref<const EmbeddingMatrix>& Y, double alpha,
                            const double* repel, double Z, Eigen::Ref<EmbeddingMatrix> grad, bool compute_error,
                            double* kl_row) {
  const Index n = Y.rows();
  const double c = 2 * (alpha + 1) / alpha;
  parallel_for_range(n, 256, [&](Index i0, Index i1) {
    for (Index i = i0; i < i1; ++i) {
      double a[Dim] = {};
      double kl = 0;
      for (std::int64_t e = P.row_start[std::size_t(i)]; e < P.row_start[std::size_t(i + 1)]; ++e) {
        const Index j = P.columns[std::size_t(e)];
        const double p = P.values[std::size_t(e)];
        double diff[Dim], d2 = 0;
        for (int d = 0; d < Dim; ++d) {
          diff[d] = Y(i, d) - Y(j, d);
          d2 += diff[d] * diff[d];
        }
        double u, w;
        student_t(d2, alpha, u, w);
        for (int d = 0; d < Dim; ++d) a[d] += p * u * diff[d];
        if (compute_error) {
          constexpr double tiny = std::numeric_limits<float>::min();
          kl += p * std::log(std::max(p, tiny) / std::max(w / Z, tiny));
        }
      }
      for (int d = 0; d < Dim; ++d) grad(i, d) = c * (a[d] - repel[i * Dim + d] / Z);
      kl_row[i] = kl;
    }
  });
  if (!compute_error) return std::numeric_limits<double>::quiet_NaN();
  double kl = 0;
  for (Index i = 0; i < n; ++i) kl += kl_row[i];
  return kl;
}
}  // namespace detail

/// Barnes-Hut t-SNE in 2-D or 3-D: writes the approximate dKL/dy into grad and, when
/// `compute_error`, returns KL(P || Q) over the stored pairs with Z from the tree (scikit-learn's
/// estimate); otherwise returns NaN. `tree` is rebuilt on Y; pass the same object every
/// iteration so that its buffers are reused.
template <int Dim>
double tsne_barnes_hut_gradient(const SparseAffinities& P, const Eigen::Ref<const EmbeddingMatrix>& Y, double angle,
                                SpacePartitionTree<Dim>& tree, Eigen::Ref<EmbeddingMatrix> grad,
                                bool compute_error, std::vector<double>& workspace) {
  const Index n = Y.rows();
  AUTOENC_ASSERT(Y.cols() == Dim && grad.rows() == n && grad.cols() == Dim);
  constexpr double alpha = Dim - 1.0;
  workspace.resize(static_cast<std::size_t>(n * (Dim + 1)));
  double* repel = workspace.data();
  double* z_point = workspace.data() + n * Dim;

  tree.build(Y.data(), n);
  tree.repulsion(angle, repel, z_point);
  double Z = 0;
  for (Index i = 0; i < n; ++i) Z += z_point[i];  // index order: thread-count independent
  Z = std::max(Z, std::numeric_limits<double>::epsilon());
  // z_point is no longer needed: it holds the rows' KL terms.
  return detail::tsne_sparse_gradient<Dim>(P, Y, alpha, repel, Z, grad, compute_error, z_point);
}

namespace detail {
/// For a 1-D or 2-D map (alpha = 1), pair by pair: repulsion_i = sum_j w_ij^2 (y_i - y_j) and
/// returns Z = sum_{i != j} w_ij, w_ij = 1 / (1 + |y_i - y_j|^2). `z_row` (n values) keeps each
/// row's sum so that Z adds them in index order.
template <int Dim>
double direct_repulsion(const double* Y, Index n, double* repulsion, double* z_row) {
  parallel_for_range(n, 64, [&](Index i0, Index i1) {
    for (Index i = i0; i < i1; ++i) {
      double r[Dim] = {}, z = 0;
      for (Index j = 0; j < n; ++j) {
        if (j == i) continue;
        double diff[Dim], d2 = 0;
        for (int d = 0; d < Dim; ++d) {
          diff[d] = Y[i * Dim + d] - Y[j * Dim + d];
          d2 += diff[d] * diff[d];
        }
        const double w = 1 / (1 + d2);
        z += w;
        for (int d = 0; d < Dim; ++d) r[d] += w * w * diff[d];
      }
      for (int d = 0; d < Dim; ++d) repulsion[i * Dim + d] = r[d];
      z_row[i] = z;
    }
  });
  double Z = 0;
  for (Index i = 0; i < n; ++i) Z += z_row[i];
  return Z;
}
}  // namespace detail

namespace detail {
/// tsne_sparse_gradient for alpha = 1 (the FFT method's 1-D and 2-D maps), written so that the
/// loop over a row's stored pairs vectorises: the differences y_i - y_j are gathered into
/// contiguous arrays, then u_ij = 1 / (1 + d2) is one vector division for several pairs and the
/// attraction sum_j p_ij u_ij (y_i - y_j) a vector reduction. At a million points this loop is most of an iteration; the scalar loop spends
/// its time waiting on one division after another. (Barnes-Hut keeps the scalar loop, whose
/// order of additions the chapter's numbers were made with.)
template <int Dim>
double tsne_sparse_gradient_cauchy(const SparseAffinities& P, const Eigen::Ref<const EmbeddingMatrix>& Y,
                                   const double* repel, double Z, Eigen::Ref<EmbeddingMatrix> grad,
                                   bool compute_error, double* kl_row) {
  static_assert(Dim == 1 || Dim == 2, "the FFT method's maps are 1-D or 2-D");
  const Index n = Y.rows();
  constexpr Index stride = Dim;
  AUTOENC_ASSERT(Y.outerStride() == Dim && Y.cols() == Dim);
  const double* y = Y.data();
  const std::int32_t* columns = P.columns.data();
  const double* values = P.values.data();
  parallel_for_range(n, 256, [&](Index i0, Index i1) {
    // A row's differences y_i - y_j, gathered first (scalar loads), so that the arithmetic runs
    // on contiguous arrays (one vector division for several pairs). Per thread, kept.
    static thread_local std::vector<double> dx, dy;
    for (Index i = i0; i < i1; ++i) {
      const std::int64_t begin = P.row_start[std::size_t(i)], end = P.row_start[std::size_t(i + 1)];
      const Index m = Index(end - begin);
      const double yi0 = y[i * stride], yi1 = Dim == 2 ? y[i * stride + 1] : 0.0;
      if (Index(dx.size()) < m) dx.resize(std::size_t(m)), dy.resize(std::size_t(m));
      for (Index e = 0; e < m; ++e) {
        const double* yj = y + Index(columns[begin + e]) * stride;
        dx[std::size_t(e)] = yi0 - yj[0];
        dy[std::size_t(e)] = Dim == 2 ? yi1 - yj[Dim - 1] : 0.0;
      }
      const double* p = values + begin;
      const double* d0 = dx.data();
      const double* d1 = dy.data();
      double a0 = 0, a1 = 0;
#pragma omp simd reduction(+ : a0, a1)
      for (Index e = 0; e < m; ++e) {
        const double pu = p[e] / (1 + d0[e] * d0[e] + d1[e] * d1[e]);  // p_ij u_ij
        a0 += pu * d0[e];
        a1 += pu * d1[e];
      }
      grad(i, 0) = 4 * (a0 - repel[i * Dim] / Z);
      if (Dim == 2) grad(i, Dim - 1) = 4 * (a1 - repel[i * Dim + Dim - 1] / Z);
      double kl = 0;
      if (compute_error) {
        constexpr double tiny = std::numeric_limits<float>::min();
        for (Index e = 0; e < m; ++e) {
          const double w = 1 / (1 + d0[e] * d0[e] + d1[e] * d1[e]);
          kl += p[e] * std::log(std::max(p[e], tiny) / std::max(w / Z, tiny));
        }
      }
      kl_row[i] = kl;
    }
  });
  if (!compute_error) return std::numeric_limits<double>::quiet_NaN();
  double kl = 0;
  for (Index i = 0; i < n; ++i) kl += kl_row[i];
  return kl;
}
}  // namespace detail

#if AUTOENC_HAS_FFTW
/// Interpolation-based t-SNE (FIt-SNE's method) in 1-D or 2-D: the repulsion and Z from
/// FftRepulsion (or pair by pair when that is cheaper), the attraction over the sparse P; returns KL(P || Q) over the stored pairs when
/// `compute_error`, NaN otherwise. Pass the same `fft` object every iteration.
template <int Dim>
double tsne_fft_gradient(const SparseAffinities& P, const Eigen::Ref<const EmbeddingMatrix>& Y,
                         FftRepulsion<Dim>& fft, Eigen::Ref<EmbeddingMatrix> grad, bool compute_error,
                         std::vector<double>& workspace) {
  const Index n = Y.rows();
  AUTOENC_ASSERT(Y.cols() == Dim && grad.rows() == n && grad.cols() == Dim);
  workspace.resize(static_cast<std::size_t>(n * (Dim + 1)));
  double* repel = workspace.data();
  // A few hundred points, or a small map spread very wide: every pair costs less than the grid.
  const double Z_sum = fft.direct_sum_is_cheaper(Y.data(), n)
                           ? detail::direct_repulsion<Dim>(Y.data(), n, repel, workspace.data() + n * Dim)
                           : fft.compute(Y.data(), n, repel);
  const double Z = std::max(Z_sum, std::numeric_limits<double>::epsilon());
  return detail::tsne_sparse_gradient_cauchy<Dim>(P, Y, repel, Z, grad, compute_error, workspace.data() + n * Dim);
}
#endif

}  // namespace autoenc
