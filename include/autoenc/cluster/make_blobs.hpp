/// @file
/// make_blobs: isotropic Gaussian blobs for clustering demos and tests, with scikit-learn's
/// parameters. (The numbers differ from scikit-learn's: its generator is NumPy's.)
// SPDX-License-Identifier: MIT
#pragma once

#include <utility>
#include <vector>

#include "../core/config.hpp"

#include "../core/error.hpp"
#include "../core/random.hpp"

namespace autoenc {

/// What make_blobs returns (scikit-learn's X, y, centers).
struct Blobs {
  Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> X;  ///< n_samples x n_features
  std::vector<int> labels;                                                    ///< the blob of each sample
  Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> centers;  ///< one centre per row
};

/// n_samples points around `centers` random centres drawn uniformly in center_box^n_features;
/// samples are split evenly between blobs (the first n_samples % centers get one more), drawn
/// as centre + cluster_std * N(0, 1), then shuffled.
inline Blobs make_blobs(int n_samples = 100, int centers = 3, int n_features = 2, double cluster_std = 1.0,
                        std::pair<double, double> center_box = {-10.0, 10.0}, std::uint64_t random_state = 0) {
  if (n_samples < 1 || centers < 1 || n_features < 1 || !(cluster_std >= 0))
    throw ConfigError("make_blobs: n_samples, centers and n_features must be >= 1 and cluster_std >= 0");
  Rng rng(random_state);
  Blobs b;
  b.centers.resize(centers, n_features);
  for (int c = 0; c < centers; ++c)
    for (int f = 0; f < n_features; ++f) b.centers(c, f) = rng.uniform(center_box.first, center_box.second);
  b.X.resize(n_samples, n_features);
  b.labels.resize(std::size_t(n_samples));
  int row = 0;
  for (int c = 0; c < centers; ++c) {
    const int count = n_samples / centers + (c < n_samples % centers ? 1 : 0);
    for (int s = 0; s < count; ++s, ++row) {
      for (int f = 0; f < n_features; ++f) b.X(row, f) = b.centers(c, f) + cluster_std * rng.normal();
      b.labels[std::size_t(row)] = c;
    }
  }
  std::vector<int> order(static_cast<std::size_t>(n_samples));
  for (int i = 0; i < n_samples; ++i) order[std::size_t(i)] = i;
  rng.shuffle(order.begin(), order.end());
  Blobs shuffled = b;
  for (int i = 0; i < n_samples; ++i) {
    shuffled.X.row(i) = b.X.row(order[std::size_t(i)]);
    shuffled.labels[std::size_t(i)] = b.labels[std::size_t(order[std::size_t(i)])];
  }
  return shuffled;
}

}  // namespace autoenc
