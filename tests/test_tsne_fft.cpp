// t-SNE's FFT-interpolated repulsion (method "fft"): accuracy against the exact sums, the
// gradient against the exact gradient, maps of blobs in 1-D and 2-D, determinism, errors.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <vector>

#include <autoenc/cluster/make_blobs.hpp>
#include <autoenc/core/random.hpp>
#include <autoenc/manifold/trustworthiness.hpp>
#include <autoenc/manifold/tsne.hpp>

#include "tsne_test_data.hpp"

using namespace autoenc;
using MatD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

TEST_CASE("FFT-friendly sizes have no prime factor above 7", "[tsne][fft]") {
  CHECK(next_fft_friendly_size(50) == 50);
  CHECK(next_fft_friendly_size(97) == 98);
  CHECK(next_fft_friendly_size(121) == 125);
  CHECK(next_fft_friendly_size(251) == 252);
  // FIt-SNE's rule: max(50, span) boxes per side.
  CHECK(fft_boxes_per_side(3.0, 2) == 50);
  CHECK(fft_boxes_per_side(89.2, 2) == 90);
  CHECK(fft_boxes_per_side(89.2, 1) == 90);
  // A map that has spread absurdly wide keeps a grid that fits in memory.
  CHECK(fft_boxes_per_side(1e300, 2) == 1000);
  CHECK(fft_boxes_per_side(1e300, 1) == 100000);
}

#if AUTOENC_HAS_FFTW

namespace {

using tsne_test::densify;
using tsne_test::random_normal;

/// The sums FftRepulsion approximates, pair by pair.
double exact_repulsion(const MatD& Y, MatD& repulsion) {
  const Index n = Y.rows(), dim = Y.cols();
  repulsion = MatD::Zero(n, dim);
  double Z = 0;
  for (Index i = 0; i < n; ++i)
    for (Index j = 0; j < n; ++j) {
      if (i == j) continue;
      const double w = 1 / (1 + (Y.row(i) - Y.row(j)).squaredNorm());
      Z += w;
      repulsion.row(i) += w * w * (Y.row(i) - Y.row(j));
    }
  return Z;
}

}  // namespace

TEST_CASE("FFT interpolation matches the exact repulsion and Z", "[tsne][fft]") {
  // Maps as t-SNE makes them: a few dense clusters. The error is that of quadratic
  // interpolation on nodes a third of a unit apart (boxes at most one unit wide): ~1e-5 for a
  // map narrower than the minimum grid of 50 boxes, up to a few percent of the repulsion when
  // the map spans 50+ units (as in FIt-SNE; the optimiser does not notice such noise).
  // With boxes 4 times narrower the error of a degree-2 interpolation falls by about 4^3.
  auto check = [](auto dim_tag, double spread, double z_tolerance, double repulsion_tolerance,
                  double boxes_per_unit = 1.0) {
    constexpr int Dim = decltype(dim_tag)::value;
    MatD Y = random_normal(2000, Dim, 21, spread);
    for (Index i = 0; i < Y.rows(); ++i) Y(i, 0) += 3 * spread * double(i % 4);  // four clusters
    MatD exact;
    const double Z_exact = exact_repulsion(Y, exact);
    FftRepulsion<Dim> fft(50, boxes_per_unit);
    MatD approx(Y.rows(), Dim);
    const double Z = fft.compute(Y.data(), Y.rows(), approx.data());
    const double z_error = std::abs(Z - Z_exact) / Z_exact;
    const double repulsion_error = (approx - exact).norm() / exact.norm();
    INFO(Dim << "-D, spread " << spread << ", " << fft.boxes_per_side() << " boxes: Z error " << z_error
              << ", repulsion error " << repulsion_error);
    CHECK(z_error < z_tolerance);
    CHECK(repulsion_error < repulsion_tolerance);
  };
  check(std::integral_constant<int, 1>{}, 0.01, 1e-8, 1e-6);
  check(std::integral_constant<int, 2>{}, 0.01, 1e-8, 1e-6);
  check(std::integral_constant<int, 1>{}, 1.0, 1e-4, 1e-3);
  check(std::integral_constant<int, 2>{}, 1.0, 1e-4, 1e-3);
  check(std::integral_constant<int, 1>{}, 8.0, 0.01, 0.08);
  check(std::integral_constant<int, 2>{}, 8.0, 0.01, 0.08);
  check(std::integral_constant<int, 1>{}, 8.0, 2e-4, 2e-3, 4.0);
  check(std::integral_constant<int, 2>{}, 8.0, 2e-4, 2e-3, 4.0);
}

TEST_CASE("The FFT gradient is close to the exact gradient; its KL uses the same P", "[tsne][fft][gradient]") {
  const MatD X = random_normal(400, 8, 22);
  const SparseAffinities sparse = sparse_joint_probabilities(exact_nearest_neighbors(X, 399), 30.0);
  const MatD P = densify(sparse);
  std::vector<double> workspace;
  auto check = [&](auto dim_tag, double spread) {
    constexpr int Dim = decltype(dim_tag)::value;
    const MatD Y = random_normal(400, Dim, 23, spread);
    MatD exact(400, Dim), fft_grad(400, Dim);
    const double kl_exact = tsne_exact_gradient(P, Y, 1.0, exact);
    FftRepulsion<Dim> fft, fine(50, 4.0);
    const double kl_fft = tsne_fft_gradient<Dim>(sparse, Y, fft, fft_grad, true, workspace);
    const double error = (fft_grad - exact).norm() / exact.norm();
    MatD fine_grad(400, Dim);
    const double kl_fine = tsne_fft_gradient<Dim>(sparse, Y, fine, fine_grad, true, workspace);
    const double fine_error = (fine_grad - exact).norm() / exact.norm();
    INFO(Dim << "-D, spread " << spread << ": gradient error " << error << " (boxes 4 times narrower: " << fine_error
              << "), KL " << kl_fft << " (" << kl_fine << ") vs " << kl_exact);
    // A sparse map 60 units wide is the hard case (few neighbours within a box): a few percent.
    CHECK(error < 0.06);
    CHECK(kl_fft == Approx(kl_exact).epsilon(0.01));
    CHECK(fine_error < 2e-3);
    CHECK(kl_fine == Approx(kl_exact).epsilon(1e-4));
    MatD no_error(400, Dim);
    CHECK(std::isnan(tsne_fft_gradient<Dim>(sparse, Y, fft, no_error, false, workspace)));
    CHECK(std::memcmp(no_error.data(), fft_grad.data(), sizeof(double) * std::size_t(no_error.size())) == 0);
  };
  for (double spread : {1e-4, 1.0, 10.0}) {
    check(std::integral_constant<int, 1>{}, spread);
    check(std::integral_constant<int, 2>{}, spread);
  }
}

TEST_CASE("A few points, or a map spread very wide, are summed pair by pair", "[tsne][fft][gradient]") {
  // 150 points: 22,500 pairs against a padded grid of at least 300 x 300 nodes.
  const MatD X = random_normal(150, 5, 24);
  const SparseAffinities sparse = sparse_joint_probabilities(exact_nearest_neighbors(X, 149), 20.0);
  const MatD P = densify(sparse);
  std::vector<double> workspace;
  for (double spread : {1.0, 1e6}) {
    const MatD Y = random_normal(150, 2, 25, spread);
    FftRepulsion<2> fft;
    CHECK(fft.direct_sum_is_cheaper(Y.data(), Y.rows()));
    MatD exact(150, 2), ours(150, 2);
    const double kl_exact = tsne_exact_gradient(P, Y, 1.0, exact);
    const double kl = tsne_fft_gradient<2>(sparse, Y, fft, ours, true, workspace);
    CHECK((ours - exact).norm() <= 1e-12 * exact.norm());
    CHECK(kl == Approx(kl_exact).epsilon(1e-12));
    CHECK(fft.boxes_per_side() == 0);  // no grid was made
  }
  // Many points in a narrow map: the grid.
  const MatD many = random_normal(2000, 2, 26);
  CHECK_FALSE(FftRepulsion<2>().direct_sum_is_cheaper(many.data(), many.rows()));
}

TEST_CASE("t-SNE by FFT keeps blobs apart in 2-D and 1-D, and agrees with Barnes-Hut", "[tsne][fft]") {
  const auto blobs = make_blobs(600, 4, 10, 1.0, {-20, 20}, 11);
  TSNE bh(perplexity = 30, random_state = 0, autoenc::method = "barnes_hut", init = "random");
  bh.fit_transform(blobs.X);
  for (int dim : {2, 1}) {
    TSNE tsne(perplexity = 30, random_state = 0, autoenc::method = "fft", init = "random", n_components = dim);
    const MatD Y = tsne.fit_transform(blobs.X);
    const double t = trustworthiness(blobs.X, Y, 5);
    INFO(dim << "-D: trustworthiness " << t << ", KL " << tsne.kl_divergence_ << " (Barnes-Hut 2-D: "
             << bh.kl_divergence_ << ")");
    CHECK(tsne.method_ == TsneMethod::fft);
    CHECK(t > (dim == 2 ? 0.9 : 0.8));
    const NeighborGraph nn = exact_nearest_neighbors(Y, 1);
    for (Index i = 0; i < Y.rows(); ++i)
      REQUIRE(blobs.labels[std::size_t(i)] == blobs.labels[std::size_t(nn.neighbors_of(i)[0])]);
    if (dim == 2) CHECK(tsne.kl_divergence_ == Approx(bh.kl_divergence_).epsilon(0.03));
  }
}

TEST_CASE("t-SNE by FFT is reproducible with 1 or 2 threads", "[tsne][fft][determinism]") {
  const auto blobs = make_blobs(3000, 6, 8, 1.0, {-10, 10}, 13);
  for (int dim : {2, 1}) {
    auto run = [&](int threads) {
      set_num_threads(threads);
      TSNE tsne(perplexity = 20, n_iter = 300, random_state = 5, autoenc::method = "fft", n_components = dim);
      MatD Y = tsne.fit_transform(blobs.X);
      set_num_threads(2);
      return Y;
    };
    const MatD one = run(1), two = run(2), again = run(2);
    CHECK(std::memcmp(one.data(), two.data(), sizeof(double) * std::size_t(one.size())) == 0);
    CHECK(std::memcmp(two.data(), again.data(), sizeof(double) * std::size_t(one.size())) == 0);
  }
}

TEST_CASE("Method auto picks FFT from 10,000 points and for 1-D maps", "[tsne][fft]") {
  CHECK(tsne_resolve_method(TsneMethod::automatic, 9999, 2) == TsneMethod::barnes_hut);
  CHECK(tsne_resolve_method(TsneMethod::automatic, 10000, 2) == TsneMethod::fft);
  CHECK(tsne_resolve_method(TsneMethod::automatic, 500, 1) == TsneMethod::fft);
  CHECK(tsne_resolve_method(TsneMethod::automatic, 50000, 3) == TsneMethod::barnes_hut);
  CHECK(tsne_resolve_method(TsneMethod::exact, 50000, 2) == TsneMethod::exact);
}

#endif  // AUTOENC_HAS_FFTW

TEST_CASE("Method fft refuses what it cannot do, with a clear message", "[tsne][fft][errors]") {
  const auto blobs = make_blobs(100, 2, 5, 1.0, {-5, 5}, 3);
  TSNE three_d(autoenc::method = "fft", n_components = 3, perplexity = 10);
  if (has_fft_tsne)
    CHECK_THROWS_WITH(three_d.fit_transform(blobs.X), Catch::Contains("n_components 1 or 2"));
  else
    CHECK_THROWS_WITH(three_d.fit_transform(blobs.X), Catch::Contains("FFTW"));
  CHECK_THROWS_WITH(TSNE(autoenc::method = "fast"), Catch::Contains("known: barnes_hut, exact, fft, auto"));
}
