#include <catch2/catch.hpp>

#include <cmath>

#include <autoenc/autoenc.hpp>

using namespace autoenc;

namespace {
// Central-difference check of compute_loss's gradient on a small random batch.
void check_loss_gradient(LossKind kind) {
  Rng rng(5);
  Tensor<double> p({3, 4}), t({3, 4}), g({3, 4});
  for (Index i = 0; i < p.size(); ++i) {
    p[i] = rng.uniform(0.05, 0.95);
    t[i] = kind == LossKind::mse ? rng.uniform(0, 1) : double(rng.below(2));
  }
  std::vector<double> scratch;
  compute_loss<double>(kind, p.view(), t.view(), g.view(), scratch);
  const double h = 1e-6;
  for (Index i = 0; i < p.size(); ++i) {
    const double saved = p[i];
    p[i] = saved + h;
    const double plus = compute_loss(kind, p, t);
    p[i] = saved - h;
    const double minus = compute_loss(kind, p, t);
    p[i] = saved;
    INFO(loss_name(kind) << " element " << i);
    CHECK(g[i] == Approx((plus - minus) / (2 * h)).epsilon(1e-6).margin(1e-9));
  }
}
}  // namespace

TEST_CASE("MSE is the mean over every element, as Keras", "[loss]") {
  Tensor<double> p({2, 2}), t({2, 2});
  p[0] = 1; p[1] = 2; p[2] = 3; p[3] = 4;
  t[0] = 1; t[1] = 0; t[2] = 3; t[3] = 1;
  // ((0)^2 + (2)^2 + 0 + (3)^2) / 4 = 13 / 4
  CHECK(compute_loss(LossKind::mse, p, t) == Approx(3.25));
}

TEST_CASE("Binary cross-entropy matches its formula and clips like Keras", "[loss]") {
  Tensor<double> p({1, 2}), t({1, 2});
  p[0] = 0.8; t[0] = 1;
  p[1] = 0.3; t[1] = 0;
  CHECK(compute_loss(LossKind::binary_crossentropy, p, t) == Approx(-(std::log(0.8) + std::log(0.7)) / 2));
  p[0] = 0.0; t[0] = 1;  // log(0) is clipped to log(1e-7)
  p[1] = 1.0; t[1] = 1;
  CHECK(compute_loss(LossKind::binary_crossentropy, p, t) == Approx(-(std::log(1e-7) + std::log(1 - 1e-7)) / 2));
}

TEST_CASE("Loss gradients match finite differences", "[loss][grad]") {
  check_loss_gradient(LossKind::mse);
  check_loss_gradient(LossKind::binary_crossentropy);
}

TEST_CASE("Loss rejects mismatched shapes and unknown names", "[loss][shape]") {
  Tensor<float> p({2, 3}), t({3, 2});
  CHECK_THROWS_WITH(compute_loss(LossKind::mse, p, t), Catch::Contains("(2, 3)") && Catch::Contains("(3, 2)"));
  CHECK_THROWS_AS(loss_from_name("hinge"), ConfigError);
  CHECK(loss_from_name("mean_squared_error") == LossKind::mse);
}
