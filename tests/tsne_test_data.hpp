// Helpers shared by the t-SNE tests: seeded Gaussian data and the dense form of a sparse P.
#pragma once

#include <cstdint>

#include <autoenc/core/random.hpp>
#include <autoenc/manifold/affinities.hpp>

namespace tsne_test {

using MatD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// rows x cols values drawn from N(0, scale^2), seeded.
inline MatD random_normal(autoenc::Index rows, autoenc::Index cols, std::uint64_t seed, double scale = 1.0) {
  autoenc::Rng rng(seed);
  MatD m(rows, cols);
  for (autoenc::Index i = 0; i < m.size(); ++i) m.data()[i] = scale * rng.normal();
  return m;
}

/// The dense matrix of a sparse P.
inline MatD densify(const autoenc::SparseAffinities& P) {
  MatD D = MatD::Zero(P.n_samples, P.n_samples);
  for (autoenc::Index i = 0; i < P.n_samples; ++i)
    for (std::int64_t e = P.row_start[std::size_t(i)]; e < P.row_start[std::size_t(i + 1)]; ++e)
      D(i, P.columns[std::size_t(e)]) = P.values[std::size_t(e)];
  return D;
}

}  // namespace tsne_test
