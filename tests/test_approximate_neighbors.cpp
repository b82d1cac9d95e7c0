// Approximate nearest neighbours: recall against the exact search, determinism across thread
// counts, lists that the trees leave short, errors.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

#include <autoenc/cluster/make_blobs.hpp>
#include <autoenc/manifold/approximate_neighbors.hpp>

#include "tsne_test_data.hpp"

using namespace autoenc;
using tsne_test::MatD;

namespace {

/// The fraction of the exact neighbours that the approximate graph found.
double recall(const NeighborGraph& approx, const NeighborGraph& exact) {
  long found = 0;
  for (Index i = 0; i < exact.n_samples; ++i) {
    const std::set<std::int32_t> truth(exact.neighbors_of(i), exact.neighbors_of(i) + exact.n_neighbors);
    for (Index m = 0; m < approx.n_neighbors; ++m) found += long(truth.count(approx.neighbors_of(i)[m]));
  }
  return double(found) / double(exact.n_samples * exact.n_neighbors);
}

}  // namespace

TEST_CASE("Approximate neighbours find almost all exact neighbours, sorted, with exact distances", "[knn]") {
  // 20 overlapping clusters in 16-D: neighbours cross cluster borders.
  const auto blobs = make_blobs(4000, 20, 16, 2.0, {-4, 4}, 31);
  const Index k = 30;
  const NeighborGraph exact = exact_nearest_neighbors(blobs.X, k);
  const NeighborGraph approx = approximate_nearest_neighbors(blobs.X, k);
  const double r = recall(approx, exact);
  INFO("recall " << r);
  CHECK(r > 0.97);
  ApproximateNeighborsOptions trees_only;
  trees_only.refinement_rounds = 0;
  CHECK(recall(approximate_nearest_neighbors(blobs.X, k, trees_only), exact) < r);  // the rounds help
  for (Index i = 0; i < approx.n_samples; ++i)
    for (Index m = 0; m < k; ++m) {
      const std::int32_t j = approx.neighbors_of(i)[m];
      REQUIRE(j != i);
      REQUIRE(approx.sq_distances_of(i)[m] == Approx((blobs.X.row(i) - blobs.X.row(j)).squaredNorm()).epsilon(1e-12));
      if (m > 0) REQUIRE(approx.sq_distances_of(i)[m - 1] <= approx.sq_distances_of(i)[m]);
    }
}

TEST_CASE("Approximate neighbours are the same with 1 or 2 threads and on a repeat", "[knn][determinism]") {
  const MatD X = tsne_test::random_normal(3000, 10, 32);
  set_num_threads(1);
  const NeighborGraph one = approximate_nearest_neighbors(X, 15);
  set_num_threads(2);
  const NeighborGraph two = approximate_nearest_neighbors(X, 15), again = approximate_nearest_neighbors(X, 15);
  CHECK(one.indices == two.indices);
  CHECK(one.sq_distances == two.sq_distances);
  CHECK(two.indices == again.indices);
  ApproximateNeighborsOptions other_seed;
  other_seed.random_state = 1;
  other_seed.refinement_rounds = 0;
  ApproximateNeighborsOptions same_seed = other_seed;
  same_seed.random_state = 0;
  CHECK(approximate_nearest_neighbors(X, 15, other_seed).indices != approximate_nearest_neighbors(X, 15, same_seed).indices);
}

TEST_CASE("Lists the trees leave short are completed; bad k is refused", "[knn][errors]") {
  // Leaves of 4 points cannot hold 10 neighbours, and with no refinement nothing else fills
  // the lists: every point falls back to the full search, which is exact.
  const MatD X = tsne_test::random_normal(200, 5, 33);
  ApproximateNeighborsOptions tiny;
  tiny.leaf_size = 4;
  tiny.n_trees = 1;
  tiny.refinement_rounds = 0;
  const NeighborGraph approx = approximate_nearest_neighbors(X, 10, tiny);
  CHECK(recall(approx, exact_nearest_neighbors(X, 10)) == 1.0);
  CHECK_THROWS_WITH(approximate_nearest_neighbors(X, 200), Catch::Contains("must be in [1, n_samples - 1 = 199]"));
  CHECK_THROWS_WITH(approximate_nearest_neighbors(X, 0), Catch::Contains("must be in"));
}
