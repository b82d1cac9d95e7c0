#include <catch2/catch.hpp>

#include <cmath>

#include <autoenc/autoenc.hpp>

using namespace autoenc;

namespace {
// Central-difference check of compute_loss's gradient on a small random batch.
void check_loss_gradient(LossKind kind, bool from_logits = false) {
  Rng rng(5);
  Tensor<double> p({3, 4}), t({3, 4}), g({3, 4});
  for (Index i = 0; i < p.size(); ++i) {
    p[i] = from_logits ? rng.uniform(-6, 6) : rng.uniform(0.05, 0.95);
    t[i] = kind == LossKind::mse || from_logits ? rng.uniform(0, 1) : double(rng.below(2));
  }
  std::vector<double> scratch;
  compute_loss<double>(kind, p.view(), t.view(), g.view(), scratch, from_logits);
  const double h = 1e-6;
  for (Index i = 0; i < p.size(); ++i) {
    const double saved = p[i];
    p[i] = saved + h;
    const double plus = compute_loss(kind, p, t, from_logits);
    p[i] = saved - h;
    const double minus = compute_loss(kind, p, t, from_logits);
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

TEST_CASE("Binary cross-entropy on probabilities is Keras's: clip to [eps, 1 - eps], eps inside the log", "[loss]") {
  // Keras: pc = clip(p, 1e-7, 1 - 1e-7); L = -(t log(pc + 1e-7) + (1 - t) log(1 - pc + 1e-7)).
  const double eps = 1e-7;
  Tensor<double> p({1, 2}), t({1, 2}), g({1, 2});
  p[0] = 0.8; t[0] = 1;
  p[1] = 0.3; t[1] = 0;
  CHECK(compute_loss(LossKind::binary_crossentropy, p, t) ==
        Approx(-(std::log(0.8 + eps) + std::log(0.7 + eps)) / 2).epsilon(1e-15));
  p[0] = 0.0; t[0] = 1;  // clipped to eps: -log(2 eps)
  p[1] = 1.0; t[1] = 1;  // clipped to 1 - eps: -log(1 - eps + eps) = 0
  CHECK(compute_loss(LossKind::binary_crossentropy, p, t) ==
        Approx(-(std::log(2 * eps) + std::log(1 - eps + eps)) / 2).epsilon(1e-12));
  // Where the clip holds p its gradient is zero (TensorFlow's clip_by_value gradient); inside
  // [eps, 1 - eps] it is -(t / (p + eps) - (1 - t) / (1 - p + eps)) / M.
  std::vector<double> scratch;
  compute_loss<double>(LossKind::binary_crossentropy, p.view(), t.view(), g.view(), scratch);
  CHECK(g[0] == 0.0);
  CHECK(g[1] == 0.0);
  p[0] = 0.25; t[0] = 0.5;
  compute_loss<double>(LossKind::binary_crossentropy, p.view(), t.view(), g.view(), scratch);
  CHECK(g[0] == Approx(-(0.5 / (0.25 + eps) - 0.5 / (0.75 + eps)) / 2).epsilon(1e-14));
}

TEST_CASE("Binary cross-entropy from logits equals PyTorch's, saturated units included", "[loss][logits]") {
  // Values and gradients from tests/reference/bce_logits_reference.py (torch, float64).
  const double z[18] = {-50, -20, -3, -0.5, 0, 0.25, 2, 20, 50, 50, 20, 3, 0.5, 0, -0.25, -2, -20, -50};
  const double t[18] = {0, 1, 0, 1, 1, 0.3, 0, 1, 0, 0, 1, 0.7, 0, 0.5, 1, 1, 0, 1};
  const double torch_loss = 10.009019883484212;
  const double torch_grad[18] = {1.0715276933132877e-23, -0.055555555441047025, 0.0026347707320870436,
                                 -0.034581073955658591,  -0.027777777777777776, 0.014565361160322116,
                                 0.048933170998771237,   -1.1450853845376388e-10, 0.055555555555555552,
                                 0.055555555555555552,   -1.1450853845376388e-10, 0.014031895934579633,
                                 0.034581073955658591,   0,                       -0.031232027826988782,
                                 -0.048933170998771244,  1.145085343439002e-10,   -0.055555555555555552};
  std::vector<double> scratch;
  SECTION("double") {
    Tensor<double> zt({2, 9}), tt({2, 9}), g({2, 9});
    std::copy(z, z + 18, zt.begin());
    std::copy(t, t + 18, tt.begin());
    const double loss =
        compute_loss<double>(LossKind::binary_crossentropy, zt.view(), tt.view(), g.view(), scratch, true);
    CHECK(loss == Approx(torch_loss).epsilon(1e-14));
    for (int i = 0; i < 18; ++i) {
      INFO("element " << i << ": z = " << z[i] << ", t = " << t[i]);
      CHECK(g[i] == Approx(torch_grad[i]).epsilon(1e-6).margin(1e-20));
    }
  }
  SECTION("float: a saturated unit whose target is the other side still gets the full gradient") {
    Tensor<float> zt({2, 9}), tt({2, 9}), g({2, 9});
    for (int i = 0; i < 18; ++i) zt[i] = float(z[i]), tt[i] = float(t[i]);
    const double loss =
        compute_loss<float>(LossKind::binary_crossentropy, zt.view(), tt.view(), g.view(), scratch, true);
    CHECK(loss == Approx(torch_loss).epsilon(1e-6));
    for (int i = 0; i < 18; ++i) {
      INFO("element " << i << ": z = " << z[i] << ", t = " << t[i]);
      CHECK(double(g[i]) == Approx(torch_grad[i]).epsilon(1e-6).margin(1e-8));
    }
    CHECK(g[8] == Approx(1.0 / 18));   // z = 50, t = 0: sigmoid(50) is 1 in float, still not stuck
    CHECK(g[17] == Approx(-1.0 / 18)); // z = -50, t = 1
  }
}

TEST_CASE("A sigmoid output trained with binary cross-entropy learns from its logits, as Keras", "[loss][logits][sequential]") {
  // One sigmoid unit saturated on the wrong side: z = 30 for a target of 0. On probabilities,
  // float's sigmoid(30) is exactly 1, the clip holds it and the gradient is 0: the unit is stuck.
  // From the logits the gradient is (sigmoid(z) - t) = 1, and training pulls z down.
  Sequential<float> model({1}, Dense<float>(1, "sigmoid"));
  model.build(1);
  model.compile(SGD<float>(1.0), "binary_crossentropy");
  auto& dense = static_cast<Dense<float>&>(model.layer(0));
  dense.kernel()(0, 0) = 0.0f;
  dense.bias()(0) = 30.0f;
  Tensor<float> x({1, 1}, 1.0f), y({1, 1}, 0.0f);
  const double loss = model.train_step(x.view(), y.view());
  CHECK(loss == Approx(30.0).epsilon(1e-6));  // max(z, 0) - z t + log(1 + e^-|z|) = 30
  CHECK(model.gradients()[1] == Approx(1.0f));    // dL/db = sigmoid(30) - 0
  CHECK(dense.bias()(0) == Approx(29.0f));        // one SGD step of 1.0
  // Predictions are probabilities, and evaluate reports the same loss as the logits path.
  const Tensor<float> p = model.predict(x);
  CHECK(p[0] == Approx(1.0f));
  // After the step W = 0 - 1 (dL/dW = x dL/dz = 1) and b = 29: z = 28.
  CHECK(model.evaluate(x, y, 1, verbose = Verbosity::silent) == Approx(28.0).epsilon(1e-6));
  // With MSE the same layer keeps its sigmoid inside (no fusion).
  Sequential<float> mse({1}, Dense<float>(1, "sigmoid"));
  mse.compile(SGD<float>(1.0), "mse");
  CHECK_FALSE(mse.layer(0).emits_logits());
  mse.compile(SGD<float>(1.0), "binary_crossentropy");
  CHECK(mse.layer(0).emits_logits());
}

TEST_CASE("Loss gradients match finite differences", "[loss][grad]") {
  check_loss_gradient(LossKind::mse);
  check_loss_gradient(LossKind::binary_crossentropy);
  check_loss_gradient(LossKind::binary_crossentropy, true);
}

TEST_CASE("Loss rejects mismatched shapes and unknown names", "[loss][shape]") {
  Tensor<float> p({2, 3}), t({3, 2});
  CHECK_THROWS_WITH(compute_loss(LossKind::mse, p, t), Catch::Contains("(2, 3)") && Catch::Contains("(3, 2)"));
  CHECK_THROWS_AS(loss_from_name("hinge"), ConfigError);
  std::vector<double> scratch;
  Tensor<float> q({3, 2});
  CHECK_THROWS_AS(compute_loss<float>(LossKind::mse, q.view(), q.view(), TensorView<float>(), scratch, true), ConfigError);
  CHECK(loss_from_name("mean_squared_error") == LossKind::mse);
}
