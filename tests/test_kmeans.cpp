#include <catch2/catch.hpp>

#include <cstring>

#include <autoenc/cluster/kmeans.hpp>
#include <autoenc/cluster/make_blobs.hpp>
#include <autoenc/cluster/metrics.hpp>

using namespace autoenc;
using MatD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MatF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

TEMPLATE_TEST_CASE("KMeans on four points matches the hand computation", "[kmeans]", float, double) {
  using M = Eigen::Matrix<TestType, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  // Points (0,0), (0.5,0), (0.5,1), (1,1) from centers (0,0), (1,1): the first two join centre 0,
  // the others centre 1; the centers move to (0.25, 0) and (0.75, 1); every point is then 0.25
  // from its centre, so the inertia is 4 * 0.0625 = 0.25; the labels do not change in the
  // second iteration: n_iter_ = 2.
  M X(4, 2), init(2, 2);
  X << 0, 0, 0.5, 0, 0.5, 1, 1, 1;
  init << 0, 0, 1, 1;
  for (auto algo : {KMeansAlgorithm::lloyd, KMeansAlgorithm::elkan}) {
    KMeans<TestType> km(2, init_centers(init), algorithm = algo);
    km.fit(X);
    CHECK(km.labels_ == std::vector<int>{0, 0, 1, 1});
    CHECK(km.inertia_ == Approx(0.25).epsilon(1e-6));
    CHECK(km.cluster_centers_(0, 0) == Approx(0.25));
    CHECK(km.cluster_centers_(0, 1) == Approx(0.0).margin(1e-7));
    CHECK(km.cluster_centers_(1, 0) == Approx(0.75));
    CHECK(km.n_iter_ == 2);
  }
}

TEST_CASE("KMeans finds well-separated blobs exactly", "[kmeans]") {
  const auto blobs = make_blobs(600, 4, 5, 0.5, {-20, 20}, 3);
  KMeans<double> km(4, random_state = 0);
  km.fit(blobs.X);
  CHECK(adjusted_rand_score(blobs.labels, km.labels_) == Approx(1.0));
  CHECK(normalized_mutual_info_score(blobs.labels, km.labels_) == Approx(1.0));
  CHECK(km.predict(blobs.X) == km.labels_);
  const MatD D = km.transform(blobs.X);
  for (Index i = 0; i < 600; ++i) {
    Index j;
    D.row(i).minCoeff(&j);
    REQUIRE(int(j) == km.labels_[std::size_t(i)]);
  }
}

TEST_CASE("Elkan and Lloyd give the same clustering", "[kmeans]") {
  const auto blobs = make_blobs(2000, 8, 6, 2.5, {-8, 8}, 11);  // overlapping: many iterations
  for (double tol : {1e-2, 1e-8, 0.0}) {
    KMeans<double> lloyd(8, random_state = 5, n_init = 2, autoenc::tol = tol);
    KMeans<double> elkan(8, random_state = 5, n_init = 2, autoenc::tol = tol, algorithm = "elkan");
    lloyd.fit(blobs.X);
    elkan.fit(blobs.X);
    INFO("tol " << tol << ": n_iter " << lloyd.n_iter_ << " vs " << elkan.n_iter_);
    CHECK(lloyd.labels_ == elkan.labels_);
    CHECK(lloyd.n_iter_ == elkan.n_iter_);
    CHECK(lloyd.inertia_ == Approx(elkan.inertia_).epsilon(1e-6));
    CHECK((lloyd.cluster_centers_ - elkan.cluster_centers_).cwiseAbs().maxCoeff() < 1e-8);
    CHECK(lloyd.n_iter_ > 1);
  }
}

TEMPLATE_TEST_CASE("Lloyd's pruned E step gives the bits of the full one", "[kmeans][determinism]", float, double) {
  // Overlapping blobs keep labels changing for many iterations, and 4001 samples leave chunks
  // whose length is not a multiple of four; k covers one and two register blocks (8, 16).
  using M = Eigen::Matrix<TestType, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const auto blobs = make_blobs(4001, 12, 20, 3.5, {-6, 6}, 7);
  const M X = blobs.X.template cast<TestType>();
  for (int k : {1, 3, 8, 10, 16}) {
    for (double tolerance : {1e-4, 0.0}) {
      KMeansOptions<TestType> options;
      options.n_clusters = k;
      options.n_init = 2;
      options.tol = tolerance;
      options.random_state = 9;
      KMeans<TestType> pruned(options);
      options.prune_lloyd = false;
      KMeans<TestType> full(options);
      pruned.fit(X);
      full.fit(X);
      INFO("k " << k << ", tol " << tolerance << ": n_iter " << full.n_iter_);
      CHECK(pruned.labels_ == full.labels_);
      CHECK(pruned.n_iter_ == full.n_iter_);
      CHECK(pruned.inertia_ == full.inertia_);
      CHECK(std::memcmp(pruned.cluster_centers_.data(), full.cluster_centers_.data(),
                        sizeof(TestType) * std::size_t(full.cluster_centers_.size())) == 0);
      if (k > 1) CHECK(full.n_iter_ > 3);
    }
  }
}

TEST_CASE("KMeans gives identical bits with 1 thread or 2", "[kmeans][determinism]") {
  const auto blobs = make_blobs(5000, 10, 16, 3.0, {-10, 10}, 1);
  const MatF X = blobs.X.cast<float>();
  auto run = [&](int threads) {
    set_num_threads(threads);
    KMeans<float> km(10, random_state = 42, n_init = 3);
    km.fit(X);
    return km;
  };
  const auto one = run(1), two = run(2);
  set_num_threads(2);
  CHECK(one.labels_ == two.labels_);
  CHECK(one.inertia_ == two.inertia_);
  CHECK(std::memcmp(one.cluster_centers_.data(), two.cluster_centers_.data(), sizeof(float) * 160) == 0);
}

// Expected values marked "scikit-learn 1.2" come from tests/reference/kmeans_reference.py.

namespace {
struct Run {
  int n_iter;
  double inertia;
};
// Fits with on_progress recording every run.
template <class KM, class X>
std::vector<Run> fit_recording(KM& km, const X& data) {
  std::vector<Run> runs;
  km.on_progress([&](int, int, int n_iter, double inertia) { runs.push_back({n_iter, inertia}); });
  km.fit(data);
  return runs;
}
}  // namespace

TEST_CASE("n_init runs every restart and keeps the one with the lowest inertia", "[kmeans]") {
  // Overlapping blobs and random starts: the runs end in different local optima. With tol = 0
  // every run stops on unchanged labels, so its centers are the means of its clusters and two
  // runs with the same clustering have bit-identical inertias: the kept run is the first one
  // with the lowest inertia.
  const auto blobs = make_blobs(300, 6, 2, 1.5, {-6, 6}, 2);
  KMeans<double> km(6, init = "random", n_init = 10, tol = 0, random_state = 3);
  const auto runs = fit_recording(km, blobs.X);
  REQUIRE(runs.size() == 10);
  std::size_t best = 0;
  for (std::size_t r = 1; r < runs.size(); ++r)
    if (runs[r].inertia < runs[best].inertia) best = r;
  // The data must make the choice matter: neither the first nor the last run is the best.
  REQUIRE(runs.front().inertia > runs[best].inertia);
  REQUIRE(runs.back().inertia > runs[best].inertia);
  CHECK(km.inertia_ == runs[best].inertia);
  CHECK(km.n_iter_ == runs[best].n_iter);
  // The results belong together: the inertia is that of the kept labels and centers.
  double inertia = 0;
  for (Index i = 0; i < blobs.X.rows(); ++i)
    inertia += (blobs.X.row(i) - km.cluster_centers_.row(km.labels_[std::size_t(i)])).squaredNorm();
  CHECK(inertia == Approx(km.inertia_).epsilon(1e-12));
  CHECK(km.predict(blobs.X) == km.labels_);
}

TEST_CASE("A later run replaces the best only with a lower inertia and a different clustering", "[kmeans]") {
  // scikit-learn 1.2: X = 0, 1, 10, 11, k = 2, max_iter = 1. Every start gives {0, 1} {10, 11}
  // after one iteration; a start from two samples of the same pair leaves the centers off the
  // means (inertia 1 + 185/9 = 21.56 instead of 1). scikit-learn keeps the first run then: a
  // lower inertia with the same clustering does not replace it (runs starting from samples
  // (0, 1) then (0, 2): kept inertia 21.555555555555557, centers 0 and 7.333333333333333).
  MatD X(4, 1);
  X << 0, 1, 10, 11;
  int first_not_best = 0;
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    KMeans<double> km(2, init = "random", n_init = 5, max_iter = 1, random_state = seed);
    const auto runs = fit_recording(km, X);
    INFO("seed " << seed << ": first run " << runs[0].inertia << ", kept " << km.inertia_);
    REQUIRE(runs.size() == 5);
    CHECK(km.inertia_ == runs[0].inertia);
    CHECK((km.inertia_ == Approx(1.0) || km.inertia_ == Approx(21.555555555555557)));
    CHECK(km.labels_[0] == km.labels_[1]);
    CHECK(km.labels_[2] == km.labels_[3]);
    CHECK(km.labels_[0] != km.labels_[2]);
    // The centers of that run: scikit-learn's 0 and 22/3 (start 0, 1) or 11/3 and 11 (start
    // 10, 11), or the means 0.5 and 10.5.
    const double lo = km.cluster_centers_.minCoeff(), hi = km.cluster_centers_.maxCoeff();
    CHECK(((lo == Approx(0.0).margin(1e-12) && hi == Approx(22.0 / 3)) || (lo == Approx(11.0 / 3) && hi == Approx(11.0)) ||
           (lo == Approx(0.5) && hi == Approx(10.5))));
    double lowest = runs[0].inertia;
    for (const auto& r : runs) lowest = std::min(lowest, r.inertia);
    first_not_best += runs[0].inertia > lowest;
  }
  CHECK(first_not_best > 0);  // some seed must start with the worse run, or the check is empty
}

TEST_CASE("The same-clustering test is scikit-learn's _is_same_clustering", "[kmeans]") {
  // scikit-learn 1.2 (_k_means_common.pyx): labels1 maps label by label onto labels2, so it is
  // one-way: labels1 may be finer than labels2.
  CHECK(detail::is_same_clustering({0, 0, 1, 1}, {1, 1, 0, 0}, 3));
  CHECK(detail::is_same_clustering({0, 0, 1, 1}, {0, 0, 0, 0}, 3));
  CHECK_FALSE(detail::is_same_clustering({0, 0, 0, 0}, {0, 0, 1, 1}, 3));
  CHECK(detail::is_same_clustering({0, 1, 1, 2}, {2, 0, 0, 1}, 3));
  CHECK_FALSE(detail::is_same_clustering({0, 1, 2, 2}, {0, 1, 1, 2}, 3));
}

TEMPLATE_TEST_CASE("Empty clusters are relocated exactly as scikit-learn does", "[kmeans]", float, double) {
  using M = Eigen::Matrix<TestType, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  // scikit-learn 1.2, the same for lloyd and elkan. An empty cluster takes the sample farthest
  // from the centre it was assigned to (the old centre), and that sample leaves its cluster's
  // sum; a cluster emptied so keeps what is left of its sum (zero: the data mean).
  struct Case {
    const char* what;
    std::vector<double> x, init;
    int max_iter;
    std::vector<int> labels;
    std::vector<double> centers;
    double inertia;
    int n_iter;
  };
  const std::vector<Case> cases = {
      // 0.3 is the farthest (0.3 from centre 0): it becomes centre 2.
      {"third centre far away", {0, 0.1, 0.3, 10, 10.1, 10.2}, {0, 10, 1000}, 1, {0, 0, 2, 1, 1, 1}, {0.05, 10.1, 0.3}, 0.025, 1},
      {"third centre far away", {0, 0.1, 0.3, 10, 10.1, 10.2}, {0, 10, 1000}, 300, {0, 0, 2, 1, 1, 1}, {0.05, 10.1, 0.3}, 0.025, 2},
      // Every sample sits on its centre (distance 0): the last sample still moves.
      {"all distances 0", {0, 0, 0, 5, 5}, {0, 5, 100}, 1, {0, 0, 0, 1, 1}, {0, 5, 5}, 0, 1},
      {"all distances 0", {0, 0, 0, 5, 5}, {0, 5, 100}, 300, {0, 0, 0, 1, 1}, {0, 5, 5}, 0, 2},
      // Samples 0 and 2 are both 2 from centre 2: the later one moves.
      {"equal farthest", {0, 2, 4, 10}, {2, 10, 100}, 1, {0, 0, 2, 1}, {1, 10, 4}, 2, 1},
      {"equal farthest", {0, 2, 4, 10}, {2, 10, 100}, 300, {0, 0, 2, 1}, {1, 10, 4}, 2, 2},
      // 60 is the only sample of centre 100 and the farthest: it moves, and centre 1 is left at
      // the data mean 15.75; in the next iteration samples 0 and 2 tie at distance 1 (the later
      // moves).
      {"singleton emptied", {0, 1, 2, 60}, {1, 100, 1000}, 1, {0, 0, 0, 2}, {1, 15.75, 60}, 2, 1},
      {"singleton emptied", {0, 1, 2, 60}, {1, 100, 1000}, 300, {0, 0, 1, 2}, {0.5, 2, 60}, 0.5, 3},
      {"singleton emptied, lower index", {0, 1, 2, 60}, {100, 0, 1000}, 1, {1, 1, 1, 2}, {15.75, 1, 60}, 2, 1},
      {"singleton emptied, lower index", {0, 1, 2, 60}, {100, 0, 1000}, 300, {1, 1, 0, 2}, {2, 0.5, 60}, 0.5, 3},
      // Two empty clusters: the farthest sample (7) goes to the lower-numbered one.
      {"two empty", {0, 1, 3, 7, 20}, {0, 20, 200, 100}, 1, {0, 0, 3, 2, 1}, {0.5, 20, 7, 3}, 0.5, 1},
      {"two empty", {0, 1, 3, 7, 20}, {0, 20, 200, 100}, 300, {0, 0, 3, 2, 1}, {0.5, 20, 7, 3}, 0.5, 2},
  };
  for (const auto& c : cases)
    for (auto algo : {KMeansAlgorithm::lloyd, KMeansAlgorithm::elkan}) {
      INFO(c.what << ", max_iter " << c.max_iter << (algo == KMeansAlgorithm::elkan ? ", elkan" : ", lloyd"));
      const Index n = Index(c.x.size()), k = Index(c.init.size());
      M X(n, 1), init(k, 1);
      for (Index i = 0; i < n; ++i) X(i, 0) = TestType(c.x[std::size_t(i)]);
      for (Index j = 0; j < k; ++j) init(j, 0) = TestType(c.init[std::size_t(j)]);
      KMeans<TestType> km(int(k), init_centers(init), max_iter = c.max_iter, algorithm = algo);
      km.fit(X);
      CHECK(km.labels_ == c.labels);
      for (Index j = 0; j < k; ++j) CHECK(km.cluster_centers_(j, 0) == Approx(c.centers[std::size_t(j)]).margin(1e-5));
      CHECK(km.inertia_ == Approx(c.inertia).margin(1e-5));
      CHECK(km.n_iter_ == c.n_iter);
    }
}

TEST_CASE("k-means++ candidates are numpy's searchsorted (side left), clipped to the last sample", "[kmeans]") {
  // scikit-learn 1.2: np.searchsorted(stable_cumsum(closest_dist_sq), r), then clipped to n - 1.
  // cumsum (0, 0, 2, 2, 5): r = 0, 1, 2, 2.5, 5, 5.5 -> 0, 2, 2, 4, 4, 4.
  const std::vector<double> cumulative = {0, 0, 2, 2, 5};
  const std::vector<std::pair<double, Index>> expected = {{0, 0}, {1, 2}, {2, 2}, {2.5, 4}, {5, 4}, {5.5, 4}};
  for (const auto& e : expected) {
    INFO("r = " << e.first);
    CHECK(detail::kmeans_plus_plus_candidate(cumulative, e.first) == e.second);
  }
}

TEMPLATE_TEST_CASE("Elkan breaks exact ties to the lowest centre index, as Lloyd does", "[kmeans]", float, double) {
  using M = Eigen::Matrix<TestType, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  // X = 3, 6, 7, 7, 11, 14 from centers 0, 7: the first iteration moves the centers to 3 and 9,
  // and in the second, 6 is 3 from both (exactly: the data mean 8 and the centers are
  // integers). scikit-learn 1.2's lloyd gives 6 to centre 0 and ends at labels 0 0 0 0 1 1,
  // centers 5.75 and 12.5, inertia 15.25 after 4 iterations. (Its elkan keeps the current label
  // on a tie and stops at centers 3 and 9, inertia 46, after 2.)
  M X(6, 1), init(2, 1);
  X << 3, 6, 7, 7, 11, 14;
  init << 0, 7;
  for (auto algo : {KMeansAlgorithm::lloyd, KMeansAlgorithm::elkan}) {
    INFO((algo == KMeansAlgorithm::elkan ? "elkan" : "lloyd"));
    KMeans<TestType> km(2, init_centers(init), algorithm = algo);
    km.fit(X);
    CHECK(km.labels_ == std::vector<int>{0, 0, 0, 0, 1, 1});
    CHECK(km.cluster_centers_(0, 0) == TestType(5.75));
    CHECK(km.cluster_centers_(1, 0) == TestType(12.5));
    CHECK(km.inertia_ == 15.25);
    CHECK(km.n_iter_ == 4);
  }
}

TEST_CASE("tol is scaled by the mean over features of the population variance", "[kmeans]") {
  // scikit-learn 1.2: X[i] = ((7 i) % 20, ((i * i) % 13) / 2) for i < 20, centers started at
  // (0, 0), (1, 0), (2, 0). The sums of squared centre shifts are 101.5, 18.40, 1.656, 2.291, 0
  // and the mean feature variance is 18.9284375; each tol below is a shift divided by that
  // variance, times 1.01 (stop at that iteration) or 0.99 (go on). A tol not scaled, or scaled by
  // another variance (n - 1 in the denominator, summed over features, not centred, a standard
  // deviation), stops elsewhere.
  MatD X(20, 2), init(3, 2);
  for (int i = 0; i < 20; ++i) X(i, 0) = (7 * i) % 20, X(i, 1) = ((i * i) % 13) / 2.0;
  init << 0, 0, 1, 0, 2, 0;
  const std::vector<std::pair<double, int>> expected = {
      {0.0, 5}, {1e-4, 5}, {5.415925112677684, 1}, {5.308679070842482, 2}, {0.9820440291375225, 2},
      {0.9625976127189577, 3}, {0.08837562529923564, 3}, {0.08662561291707256, 5}};
  for (auto algo : {KMeansAlgorithm::lloyd, KMeansAlgorithm::elkan})
    for (const auto& e : expected) {
      INFO("tol " << e.first << (algo == KMeansAlgorithm::elkan ? ", elkan" : ", lloyd"));
      KMeans<double> km(3, init_centers(init), tol = e.first, algorithm = algo);
      km.fit(X);
      CHECK(km.n_iter_ == e.second);
      // Scaling the data by 1024 (exact in binary) scales the variance and the shifts alike:
      // the same iterations, the same labels, the centers scaled.
      KMeans<double> scaled(3, init_centers(init * 1024), tol = e.first, algorithm = algo);
      scaled.fit(MatD(X * 1024));
      CHECK(scaled.n_iter_ == e.second);
      CHECK(scaled.labels_ == km.labels_);
      CHECK((scaled.cluster_centers_ - km.cluster_centers_ * 1024).cwiseAbs().maxCoeff() < 1e-9);
    }
}

TEST_CASE("KMeans rejects impossible input with clear errors", "[kmeans]") {
  MatD X = MatD::Random(5, 2);
  CHECK_THROWS_WITH(KMeans<double>(6).fit(X), Catch::Contains("n_samples = 5 should be >= n_clusters = 6"));
  X(2, 1) = std::nan("");
  CHECK_THROWS_AS(KMeans<double>(2).fit(X), NumericError);
  CHECK_THROWS_AS(KMeans<double>(0), ConfigError);
  CHECK_THROWS_AS(KMeans<double>(2).predict(MatD::Zero(2, 2)), ConfigError);
  CHECK_THROWS_AS(kmeans_algorithm_from_name("full"), ConfigError);
}

TEST_CASE("Clustering metrics match scikit-learn's values", "[metrics]") {
  // Values from scikit-learn's documentation and by hand.
  CHECK(adjusted_rand_score({0, 0, 1, 1}, {1, 1, 0, 0}) == Approx(1.0));
  CHECK(adjusted_rand_score({0, 0, 1, 1}, {0, 0, 1, 2}) == Approx(0.5714285714));
  CHECK(adjusted_rand_score({0, 0, 1, 2}, {0, 0, 1, 1}) == Approx(0.5714285714));
  CHECK(adjusted_rand_score({0, 0, 1, 1}, {0, 1, 0, 1}) == Approx(-0.5));
  // H(T) = ln 2, H(P) = 1.5 ln 2, I = ln 2: NMI = ln 2 / (1.25 ln 2) = 0.8.
  CHECK(normalized_mutual_info_score({0, 0, 1, 1}, {0, 0, 1, 2}) == Approx(0.8));
  CHECK(normalized_mutual_info_score({0, 0, 1, 1}, {5, 5, 3, 3}) == Approx(1.0));
  CHECK(purity_score({0, 0, 1, 1}, {0, 0, 0, 0}) == Approx(0.5));
  CHECK(purity_score({0, 0, 1, 1, 2, 2}, {1, 1, 0, 0, 0, 2}) == Approx(5.0 / 6.0));
  CHECK_THROWS_AS(adjusted_rand_score({0, 1}, {0}), ShapeError);
}

TEST_CASE("Clustering metrics' special cases are scikit-learn's", "[metrics]") {
  // scikit-learn 1.2 (tests/reference/kmeans_reference.py). ARI is 1 when no pair of samples is
  // split by one labelling and joined by the other (one sample, no samples, identical trivial
  // partitions); NMI is 1 when both labellings have one cluster (or none), 0 when the mutual
  // information is 0.
  CHECK(adjusted_rand_score({0}, {0}) == 1.0);
  CHECK(adjusted_rand_score({0}, {7}) == 1.0);
  CHECK(adjusted_rand_score({}, {}) == 1.0);
  CHECK(adjusted_rand_score({0, 1}, {0, 0}) == 0.0);
  CHECK(adjusted_rand_score({0, 0}, {1, 1}) == 1.0);
  CHECK(adjusted_rand_score({0, 1, 2}, {5, 6, 7}) == 1.0);
  CHECK(adjusted_rand_score({0, 0, 0, 1, 1, 1}, {0, 1, 2, 0, 1, 2}) == Approx(-0.36363636363636365));
  CHECK(adjusted_rand_score({0, 0, 1, 1, 2, 2}, {0, 0, 1, 2, 2, 2}) == Approx(0.4444444444444444));
  CHECK(normalized_mutual_info_score({0}, {0}) == 1.0);
  CHECK(normalized_mutual_info_score({0}, {7}) == 1.0);
  CHECK(normalized_mutual_info_score({}, {}) == 1.0);
  CHECK(normalized_mutual_info_score({0, 1}, {0, 0}) == 0.0);
  CHECK(normalized_mutual_info_score({0, 0}, {1, 1}) == 1.0);
  CHECK(normalized_mutual_info_score({0, 1, 2}, {5, 6, 7}) == Approx(1.0));
  CHECK(normalized_mutual_info_score({0, 0, 1, 1}, {0, 1, 0, 1}) == 0.0);
  CHECK(normalized_mutual_info_score({0, 0, 0, 1, 1, 1}, {0, 1, 2, 0, 1, 2}) == 0.0);
  CHECK(normalized_mutual_info_score({0, 0, 1, 1, 2, 2}, {0, 0, 1, 2, 2, 2}) == Approx(0.7396673768007591));
  CHECK_THROWS_AS(purity_score({}, {}), ConfigError);  // no scikit-learn counterpart; 0 / 0
}

TEST_CASE("k-means++ seeds land in far-apart groups", "[kmeans]") {
  // Three tight groups 1000 apart: k-means++ draws each new seed with probability proportional
  // to the squared distance to the seeds so far, so it (almost surely) takes one seed per group
  // and a single iteration already separates them. Uniform random seeds would share a group in
  // most of these runs.
  MatD X(90, 2);
  Rng rng(3);
  for (Index i = 0; i < 90; ++i) {
    X(i, 0) = 1000.0 * double(i % 3) + rng.uniform(-1, 1);
    X(i, 1) = rng.uniform(-1, 1);
  }
  std::vector<int> truth(90);
  for (int i = 0; i < 90; ++i) truth[std::size_t(i)] = i % 3;
  int random_separated = 0;
  for (std::uint64_t seed = 0; seed < 10; ++seed) {
    KMeans<double> pp(3, n_init = 1, max_iter = 1, random_state = seed);
    pp.fit(X);
    CHECK(adjusted_rand_score(truth, pp.labels_) == Approx(1.0));
    KMeans<double> uniform(3, init = "random", n_init = 1, max_iter = 1, random_state = seed);
    uniform.fit(X);
    random_separated += adjusted_rand_score(truth, uniform.labels_) > 0.999;
  }
  CHECK(random_separated < 10);  // the check above could fail for a weaker initialisation
}
