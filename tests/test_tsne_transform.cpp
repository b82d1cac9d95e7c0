// Placing new points into a finished t-SNE map (TsneTransform), and what it stands on: the exact
// search of new rows among reference rows, the reference map's field read off the FFT grid,
// and TSNE's choice of neighbour search.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>
#include <vector>

#include <autoenc/cluster/make_blobs.hpp>
#include <autoenc/manifold/tsne.hpp>
#include <autoenc/manifold/tsne_transform.hpp>

#include "tsne_test_data.hpp"

using namespace autoenc;
using tsne_test::MatD;
using tsne_test::random_normal;

namespace {

/// The k nearest reference rows of query row i, by sorting every distance.
std::vector<std::int32_t> brute_force_neighbors(const MatD& Q, const MatD& R, Index i, Index k) {
  std::vector<std::pair<double, std::int32_t>> all;
  for (Index j = 0; j < R.rows(); ++j) all.push_back({(Q.row(i) - R.row(j)).squaredNorm(), std::int32_t(j)});
  std::sort(all.begin(), all.end());
  std::vector<std::int32_t> out;
  for (Index m = 0; m < k; ++m) out.push_back(all[std::size_t(m)].second);
  return out;
}

/// A new point's own divergence C_i at place y, summed directly (the quantity TsneTransform
/// minimises), from its neighbours and their probabilities.
double point_divergence(const MatD& map, const std::vector<std::int32_t>& neighbors, const std::vector<double>& p,
                        const Eigen::RowVectorXd& y) {
  const double alpha = tsne_degrees_of_freedom(map.cols());
  double Z = 0;
  for (Index j = 0; j < map.rows(); ++j) Z += std::pow(1 + (y - map.row(j)).squaredNorm() / alpha, -(alpha + 1) / 2);
  double C = 0;
  for (std::size_t a = 0; a < neighbors.size(); ++a) {
    const double w = std::pow(1 + (y - map.row(neighbors[a])).squaredNorm() / alpha, -(alpha + 1) / 2);
    if (p[a] > 0) C += p[a] * std::log(p[a] / (w / Z));
  }
  return C;
}

}  // namespace

TEST_CASE("The exact search finds new rows' nearest reference rows", "[tsne][neighbors]") {
  const MatD R = random_normal(700, 12, 1), Q = random_normal(90, 12, 2, 1.5);
  const Index k = 9;
  const NeighborGraph g = exact_nearest_neighbors(Q, R, k);
  REQUIRE(g.n_samples == 90);
  REQUIRE(g.n_neighbors == k);
  for (Index i = 0; i < Q.rows(); ++i) {
    const auto truth = brute_force_neighbors(Q, R, i, k);
    for (Index m = 0; m < k; ++m) {
      REQUIRE(g.neighbors_of(i)[m] == truth[std::size_t(m)]);
      CHECK(g.sq_distances_of(i)[m] == Approx((Q.row(i) - R.row(truth[std::size_t(m)])).squaredNorm()).epsilon(1e-12));
    }
  }
  // A query that is itself a reference row finds itself first, at distance 0 (nothing is skipped).
  const NeighborGraph own = exact_nearest_neighbors(MatD(R.topRows(5)), R, 3);
  for (Index i = 0; i < 5; ++i) {
    CHECK(own.neighbors_of(i)[0] == i);
    CHECK(own.sq_distances_of(i)[0] == 0.0);
  }
  // All reference rows may be asked for; more may not; the widths must agree.
  CHECK(exact_nearest_neighbors(Q, MatD(R.topRows(9)), 9).n_neighbors == 9);
  CHECK_THROWS_WITH(exact_nearest_neighbors(Q, MatD(R.topRows(9)), 10), Catch::Contains("reference rows = 9"));
  CHECK_THROWS_AS(exact_nearest_neighbors(Q, MatD(R.leftCols(5)), 3), ShapeError);
}

#if AUTOENC_HAS_FFTW
TEST_CASE("The reference map's field read off the FFT grid matches the direct sums", "[tsne][fft][transform]") {
  for (int dim : {1, 2}) {
    const MatD sources = random_normal(3000, dim, 3, 15.0), targets = random_normal(400, dim, 4, 18.0);
    EmbeddingMatrix exact_rep(400, dim);
    std::vector<double> exact_z(400);
    detail::direct_field(sources, targets, 1.0, exact_rep, exact_z);
    double low[2], high[2];
    for (int d = 0; d < dim; ++d) {
      low[d] = std::min(sources.col(d).minCoeff(), targets.col(d).minCoeff()) - 1;
      high[d] = std::max(sources.col(d).maxCoeff(), targets.col(d).maxCoeff()) + 1;
    }
    EmbeddingMatrix rep(400, dim);
    std::vector<double> z(400);
    bool ok = false;
    // The grid TsneTransform makes for this map (3 boxes per unit).
    const double per_unit = TsneTransform::grid_boxes_per_unit(sources.col(0).maxCoeff() - sources.col(0).minCoeff());
    REQUIRE(per_unit == 3.0);
    if (dim == 1) {
      FftRepulsion<1> fft(50, per_unit);
      CHECK_FALSE(fft.field_at(targets.data(), 400, rep.data(), z.data()));  // nothing prepared yet
      fft.prepare_field(sources.data(), 3000, low, high);
      ok = fft.field_at(targets.data(), 400, rep.data(), z.data());
      // A target outside the prepared box is refused, not extrapolated.
      const double outside = high[0] + 5;
      double r1, z1;
      CHECK_FALSE(fft.field_at(&outside, 1, &r1, &z1));
    } else {
      FftRepulsion<2> fft(50, per_unit);
      fft.prepare_field(sources.data(), 3000, low, high);
      ok = fft.field_at(targets.data(), 400, rep.data(), z.data());
      const double outside[2] = {low[0] - 1, 0.0};
      double r2[2], z2;
      CHECK_FALSE(fft.field_at(outside, 1, r2, &z2));
      CHECK_THROWS(fft.prepare_field(sources.data(), 3000, high, high));  // a box that misses the sources
    }
    REQUIRE(ok);
    double worst_z = 0, scale = 0, worst_rep = 0;
    for (Index t = 0; t < 400; ++t) {
      worst_z = std::max(worst_z, std::abs(z[std::size_t(t)] - exact_z[std::size_t(t)]) / exact_z[std::size_t(t)]);
      scale = std::max(scale, exact_rep.row(t).norm());
      worst_rep = std::max(worst_rep, (rep.row(t) - exact_rep.row(t)).norm());
    }
    INFO("dim " << dim << ": worst relative error of z " << worst_z << ", of the repulsion " << worst_rep / scale);
    CHECK(worst_z < 2e-3);
    CHECK(worst_rep / scale < 5e-3);
  }
}
#endif

TEST_CASE("TsneTransform places new points beside their own kind", "[tsne][transform]") {
  // Six blobs in 10-d: the reference map from 1,500 points, then 300 new ones from the same blobs.
  const auto blobs = make_blobs(1800, 6, 10, 1.0, {-10, 10}, 21);
  const MatD X = blobs.X.topRows(1500), X_new = blobs.X.bottomRows(300);
  TSNE tsne(perplexity = 30, random_state = 0, autoenc::n_iter = 500);
  const EmbeddingMatrix map = tsne.fit_transform(X);

  TsneTransform place;
  const EmbeddingMatrix Y = place.transform(X_new, X, map);
  REQUIRE(Y.rows() == 300);
  REQUIRE(Y.cols() == 2);
  // Each new point's nearest reference point in the map is of its own blob.
  const NeighborGraph nearest = exact_nearest_neighbors(Y, map, 1);
  int right = 0;
  for (Index i = 0; i < 300; ++i)
    right += blobs.labels[std::size_t(1500 + i)] == blobs.labels[std::size_t(nearest.neighbors_of(i)[0])];
  CHECK(right >= 297);

  // The descent ends at a minimum of each point's own divergence: no small move lowers it.
  const Index k = 16;  // 3 * perplexity 5 + 1
  const NeighborGraph g = exact_nearest_neighbors(X_new, X, k);
  double beta_sum = 0;
  const std::vector<double> p = conditional_probabilities(g, 5.0, beta_sum);
  for (Index i : {0, 17, 123, 299}) {
    const std::vector<std::int32_t> nb(g.neighbors_of(i), g.neighbors_of(i) + k);
    const std::vector<double> pi(p.begin() + i * k, p.begin() + (i + 1) * k);
    const Eigen::RowVectorXd y = Y.row(i);
    const double at = point_divergence(map, nb, pi, y);
    // ... and the median start was worse.
    Eigen::RowVectorXd start(2);
    for (int d = 0; d < 2; ++d) {
      std::vector<double> v;
      for (auto j : nb) v.push_back(map(j, d));
      std::sort(v.begin(), v.end());
      start[d] = 0.5 * (v[7] + v[8]);
    }
    CHECK(at <= point_divergence(map, nb, pi, start) + 1e-12);
    for (int d = 0; d < 2; ++d)
      for (double h : {-0.05, 0.05}) {
        Eigen::RowVectorXd moved = y;
        moved[d] += h;
        CHECK(point_divergence(map, nb, pi, moved) >= at - 1e-6);
      }
  }
  CHECK(std::isfinite(place.kl_divergence_));
}

TEST_CASE("TsneTransform places each point as if alone, the same with 1 or 2 threads", "[tsne][transform][determinism]") {
  const auto blobs = make_blobs(900, 4, 6, 1.0, {-8, 8}, 5);
  const MatD X = blobs.X.topRows(800), X_new = blobs.X.bottomRows(100);
  TSNE tsne(perplexity = 20, random_state = 1, autoenc::n_iter = 300);
  const EmbeddingMatrix map = tsne.fit_transform(X);
  auto run = [&](int threads, const MatD& rows) {
    set_num_threads(threads);
    TsneTransform place(perplexity = 5);
    MatD Y = place.transform(rows, X, map);
    set_num_threads(2);
    return Y;
  };
  const MatD one = run(1, X_new), two = run(2, X_new);
  CHECK(std::memcmp(one.data(), two.data(), sizeof(double) * std::size_t(one.size())) == 0);
  // A point placed alone lands where it lands among the others (no pair of new points interacts).
  const MatD alone = run(2, MatD(X_new.row(42)));
  CHECK((alone.row(0) - two.row(42)).norm() < 1e-9);
  // A 3-D map works too (pair by pair, alpha = 2).
  TSNE tsne3(perplexity = 20, random_state = 1, autoenc::n_iter = 250, n_components = 3);
  const EmbeddingMatrix map3 = tsne3.fit_transform(X);
  TsneTransform place3;
  CHECK(place3.transform(X_new, X, map3).cols() == 3);
  CHECK(std::isfinite(place3.kl_divergence_));
}

TEST_CASE("TsneTransform explains bad input", "[tsne][transform][errors]") {
  const MatD X = random_normal(50, 4, 7), map = random_normal(50, 2, 8);
  TsneTransform place;
  CHECK_THROWS_WITH(place.transform(random_normal(5, 3, 9), X, map), Catch::Contains("3 features, the reference data 4"));
  CHECK_THROWS_WITH(place.transform(random_normal(5, 4, 9), X, MatD(map.topRows(40))),
                    Catch::Contains("reference map has 40 rows, the reference data 50"));
  TsneTransform wide(perplexity = 60);
  CHECK_THROWS_WITH(wide.transform(random_normal(5, 4, 9), X, map), Catch::Contains("less than the number of reference points"));
  MatD bad = random_normal(5, 4, 9);
  bad(2, 1) = std::nan("");
  CHECK_THROWS_AS(place.transform(bad, X, map), NumericError);
  CHECK_THROWS_AS(TsneTransform(learning_rate = -1.0), ConfigError);
  CHECK(place.transform(MatD(0, 4), X, map).rows() == 0);
}

TEST_CASE("TSNE searches neighbours exactly below 50,000 points and approximately above", "[tsne][neighbors]") {
  CHECK(tsne_resolve_neighbors(TsneNeighbors::automatic, 49999) == TsneNeighbors::exact);
  CHECK(tsne_resolve_neighbors(TsneNeighbors::automatic, 50000) == TsneNeighbors::approximate);
  CHECK(tsne_resolve_neighbors(TsneNeighbors::exact, 1000000) == TsneNeighbors::exact);
  CHECK(tsne_neighbors_from_name("approximate") == TsneNeighbors::approximate);
  CHECK_THROWS_WITH(tsne_neighbors_from_name("annoy"), Catch::Contains("unknown neighbors 'annoy'"));

  // Forced on small data, the approximate search gives nearly the same map quality, and the
  // same bits with 1 or 2 threads.
  const auto blobs = make_blobs(3000, 5, 20, 1.0, {-10, 10}, 8);
  auto run = [&](const char* search, int threads, double& kl) {
    set_num_threads(threads);
    TSNE tsne(perplexity = 30, random_state = 3, autoenc::n_iter = 400, autoenc::neighbors = search);
    MatD Y = tsne.fit_transform(blobs.X);
    kl = tsne.kl_divergence_;
    CHECK(tsne.neighbors_ == tsne_neighbors_from_name(search));
    set_num_threads(2);
    return Y;
  };
  double kl_exact = 0, kl_approx = 0, kl_one = 0;
  run("exact", 2, kl_exact);
  const MatD two = run("approximate", 2, kl_approx), one = run("approximate", 1, kl_one);
  CHECK(kl_approx == Approx(kl_exact).epsilon(0.02));
  CHECK(std::memcmp(one.data(), two.data(), sizeof(double) * std::size_t(one.size())) == 0);
}
