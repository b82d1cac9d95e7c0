#include <catch2/catch.hpp>

#include <random>

#include <autoenc/autoenc.hpp>
#include <autoenc/core/tensor_map.hpp>

using namespace autoenc;

TEST_CASE("Shape prints like Keras and counts elements", "[shape]") {
  const Shape s{28, 28, 1};
  CHECK(s.rank() == 3);
  CHECK(s.size() == 784);
  CHECK(s.to_string() == "(28, 28, 1)");
  CHECK(Shape{784}.to_string() == "(784,)");
  CHECK(s.to_batch_string() == "(None, 28, 28, 1)");
  CHECK(s.with_batch(5) == Shape{5, 28, 28, 1});
  CHECK(Shape{5, 28, 28, 1}.without_batch() == s);
  CHECK(Shape{3, 4} != Shape{4, 3});
  CHECK_THROWS_AS(Shape({2, -1}), ShapeError);
}

TEST_CASE("Tensor reshapes without copying and maps onto Eigen", "[tensor]") {
  Tensor<float> t({2, 3, 2});
  for (Index i = 0; i < t.size(); ++i) t[i] = float(i);
  const float* before = t.data();
  t.reshape({2, 6});
  CHECK(t.data() == before);
  CHECK(t.matrix()(1, 2) == 8.0f);  // row-major: row 1 starts at element 6
  auto m = t.tensor<2>();
  CHECK(m(1, 5) == 11.0f);
  CHECK_THROWS_AS(t.reshape({5, 2}), ShapeError);
  CHECK_THROWS_AS(t.tensor<3>(), ShapeError);

  const Tensor<float> rows = t.slice_rows(1, 1);
  CHECK(rows.shape() == Shape{1, 6});
  CHECK(rows[0] == 6.0f);
  CHECK_THROWS_AS(t.slice_rows(1, 2), ShapeError);
}

TEST_CASE("Tensor storage only grows, so buffers are reused", "[tensor]") {
  Tensor<double> t({256, 10});
  const double* p = t.data();
  t.resize({100, 10});
  t.resize({256, 10});
  CHECK(t.data() == p);
}

TEST_CASE("Rng is reproducible and bounded", "[random]") {
  Rng a(3), b(3);
  for (int i = 0; i < 100; ++i) REQUIRE(a.bits() == b.bits());
  Rng r(1);
  std::vector<int> counts(7, 0);
  for (int i = 0; i < 70000; ++i) {
    const auto k = r.below(7);
    REQUIRE(k < 7);
    ++counts[k];
  }
  for (int c : counts) CHECK(c == Approx(10000).margin(500));  // ~5 standard deviations
  std::vector<int> v(50);
  std::iota(v.begin(), v.end(), 0);
  r.shuffle(v.begin(), v.end());
  std::vector<int> sorted = v;
  std::sort(sorted.begin(), sorted.end());
  for (int i = 0; i < 50; ++i) CHECK(sorted[i] == i);
  CHECK(v != sorted);
}

TEST_CASE("Rng's engine draws std::mt19937_64's numbers", "[random]") {
  for (std::uint64_t seed : {std::uint64_t(5489), std::uint64_t(0), std::uint64_t(42), ~std::uint64_t(0)}) {
    std::mt19937_64 reference(seed);
    detail::MersenneTwister64 ours(seed);
    for (int i = 0; i < 2000; ++i) REQUIRE(ours() == reference());  // across several twists of the state
  }
  detail::MersenneTwister64 standard;  // the C++ standard's check: the 10,000th number of seed 5489
  std::uint64_t v = 0;
  for (int i = 0; i < 10000; ++i) v = standard();
  CHECK(v == 9981545732273789042ULL);
  Rng a(7);
  std::mt19937_64 b(7);
  CHECK(a.bits() == b());
}

TEST_CASE("Tiled GEMM matches a naive triple loop", "[gemm]") {
  using M = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  for (auto [m, k, n] : {std::tuple<int, int, int>{300, 17, 5}, {3, 40, 290}, {129, 129, 129}}) {
    M a = M::Random(m, k), b = M::Random(k, n), c(m, n);
    detail::gemm(c, a, b);
    double worst = 0;
    for (int i = 0; i < m; ++i)
      for (int j = 0; j < n; ++j) {
        double s = 0;
        for (int p = 0; p < k; ++p) s += a(i, p) * b(p, j);
        worst = std::max(worst, std::abs(s - c(i, j)));
      }
    CHECK(worst < 1e-12);
    M c2 = M::Ones(m, n);
    detail::gemm(c2, a, b, /*accumulate*/ true);
    CHECK((c2 - c - M::Ones(m, n)).cwiseAbs().maxCoeff() < 1e-12);
  }
}
