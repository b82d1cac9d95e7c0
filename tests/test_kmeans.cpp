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
  // Points (0,0), (0.5,0), (0.5,1), (1,1) from centres (0,0), (1,1): the first two join centre 0,
  // the others centre 1; the centres move to (0.25, 0) and (0.75, 1); every point is then 0.25
  // from its centre, so the inertia is 4 * 0.0625 = 0.25; the labels do not change in the
  // second iteration: n_iter_ = 2.
  M X(4, 2), init(2, 2);
  X << 0, 0, 0.5, 0, 0.5, 1, 1, 1;
  init << 0, 0, 1, 1;
  for (auto algo : {KMeansAlgorithm::lloyd, KMeansAlgorithm::elkan}) {
    KMeans<TestType> km(2);
    km.init_centers(init).algorithm(algo).fit(X);
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
  KMeans<double> km(4);
  km.random_state(0).fit(blobs.X);
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
    KMeans<double> lloyd(8), elkan(8);
    lloyd.random_state(5).n_init(2).tol(tol).fit(blobs.X);
    elkan.random_state(5).n_init(2).tol(tol).algorithm(KMeansAlgorithm::elkan).fit(blobs.X);
    INFO("tol " << tol << ": n_iter " << lloyd.n_iter_ << " vs " << elkan.n_iter_);
    CHECK(lloyd.labels_ == elkan.labels_);
    CHECK(lloyd.n_iter_ == elkan.n_iter_);
    CHECK(lloyd.inertia_ == Approx(elkan.inertia_).epsilon(1e-6));
    CHECK((lloyd.cluster_centers_ - elkan.cluster_centers_).cwiseAbs().maxCoeff() < 1e-8);
    CHECK(lloyd.n_iter_ > 1);
  }
}

TEST_CASE("KMeans gives identical bits with 1 thread or 2", "[kmeans][determinism]") {
  const auto blobs = make_blobs(5000, 10, 16, 3.0, {-10, 10}, 1);
  const MatF X = blobs.X.cast<float>();
  auto run = [&](int threads) {
    set_num_threads(threads);
    KMeans<float> km(10);
    km.random_state(42).n_init(3).fit(X);
    return km;
  };
  const auto one = run(1), two = run(2);
  set_num_threads(2);
  CHECK(one.labels_ == two.labels_);
  CHECK(one.inertia_ == two.inertia_);
  CHECK(std::memcmp(one.cluster_centers_.data(), two.cluster_centers_.data(), sizeof(float) * 160) == 0);
}

TEST_CASE("More restarts never give a worse inertia", "[kmeans]") {
  const auto blobs = make_blobs(500, 6, 3, 2.0, {-6, 6}, 2);
  double previous = 1e300;
  for (int n_init : {1, 5, 10}) {
    KMeans<double> km(6);
    km.random_state(7).n_init(n_init).max_iter(1).fit(blobs.X);
    CHECK(km.inertia_ <= previous * (1 + 1e-12));
    previous = km.inertia_;
  }
}

TEST_CASE("Empty clusters are relocated, never left as NaN", "[kmeans]") {
  MatD X(6, 1), init(3, 1);
  X << 0, 0.1, 0.2, 10, 10.1, 10.2;
  init << 0, 10, 1000;  // the third centre attracts nobody
  KMeans<double> km(3);
  km.init_centers(init).fit(X);
  CHECK(km.cluster_centers_.allFinite());
  std::vector<int> sorted = km.labels_;
  std::sort(sorted.begin(), sorted.end());
  CHECK(std::unique(sorted.begin(), sorted.end()) - sorted.begin() == 3);
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
    KMeans<double> pp(3);
    pp.n_init(1).max_iter(1).random_state(seed).fit(X);
    CHECK(adjusted_rand_score(truth, pp.labels_) == Approx(1.0));
    KMeans<double> uniform(3);
    uniform.init(KMeansInit::random).n_init(1).max_iter(1).random_state(seed).fit(X);
    random_separated += adjusted_rand_score(truth, uniform.labels_) > 0.999;
  }
  CHECK(random_separated < 10);  // the check above could fail for a weaker initialisation
}
