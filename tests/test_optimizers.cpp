#include <catch2/catch.hpp>

#include <limits>
#include <vector>

#include <autoenc/autoenc.hpp>

using namespace autoenc;

TEST_CASE("Adam matches hand-computed steps with Keras's defaults", "[adam]") {
  // Two parameters, p = (1, -2), gradients (0.5, 1), (-0.2, -0.4), (1, 2) in three steps.
  // Step 1 by hand for p0: m = 0.1 * 0.5 = 0.05, v = 0.001 * 0.25 = 2.5e-4,
  // lr_t = 1e-3 * sqrt(1 - 0.999) / (1 - 0.9) = 3.16227766e-4,
  // p0 = 1 - lr_t * 0.05 / (sqrt(2.5e-4) + 1e-7) = 1 - 9.99993675e-4 = 0.999000006.
  // Steps 2 and 3 continue the same recurrences (computed in double precision).
  Adam<double> adam;
  double p[2] = {1.0, -2.0};
  const double g[3][2] = {{0.5, 1.0}, {-0.2, -0.4}, {1.0, 2.0}};
  const double expected[3][2] = {{0.9990000063245154, -2.0009999968377326},
                                 {0.9986544025069336, -2.0013456016704767},
                                 {0.9979652663241443, -2.0020347388128226}};
  adam.reset(2);
  for (int t = 0; t < 3; ++t) {
    adam.step(p, g[t], 2);
    CHECK(p[0] == Approx(expected[t][0]).epsilon(1e-14));
    CHECK(p[1] == Approx(expected[t][1]).epsilon(1e-14));
  }
  CHECK(adam.iterations() == 3);
}

TEST_CASE("SGD steps against the gradient, with and without momentum", "[sgd]") {
  double p[1] = {1.0};
  const double g[1] = {2.0};
  SGD<double> sgd(0.1);
  sgd.step(p, g, 1);
  CHECK(p[0] == Approx(0.8));
  SGD<double> with_momentum(learning_rate = 0.1, momentum = 0.9);
  double q[1] = {1.0};
  with_momentum.step(q, g, 1);  // v = -0.2, q = 0.8
  with_momentum.step(q, g, 1);  // v = 0.9 * -0.2 - 0.2 = -0.38, q = 0.42
  CHECK(q[0] == Approx(0.42));
}

TEST_CASE("Optimizers reject impossible settings", "[adam][sgd]") {
  CHECK_THROWS_AS(Adam<float>(-1), ConfigError);
  CHECK_THROWS_AS(Adam<float>(beta_1 = 1.0), ConfigError);
  CHECK_THROWS_AS(SGD<float>(0), ConfigError);
  // epsilon = 0 would make a parameter that never had a gradient 0 / 0 = NaN.
  CHECK_THROWS_WITH(Adam<float>(epsilon = 0.0), Catch::Contains("epsilon must be > 0"));
  CHECK_THROWS_AS(SGD<float>(momentum = 1.0), ConfigError);
}

TEST_CASE("A parameter with zero gradients stays finite under Adam", "[adam]") {
  Adam<float> adam;
  float p[3] = {1.0f, 2.0f, 3.0f};
  const float g[3] = {0.0f, 0.5f, 0.0f};
  adam.reset(3);
  for (int t = 0; t < 5; ++t) CHECK(adam.step(p, g, 3));
  CHECK(p[0] == 1.0f);
  CHECK(p[2] == 3.0f);
  CHECK(p[1] < 2.0f);
}

TEST_CASE("An update that overflows a parameter is reported as such", "[sgd][nan]") {
  // Finite loss and gradients, but lr * g overflows float: train_step must not claim that the
  // parameters are still those of the last good step.
  Sequential<float> model({1}, Dense<float>(1));
  model.build(0);
  model.compile(SGD<float>(1e38f), "mse");
  Tensor<float> x({1, 1}, 10.0f), y({1, 1}, -10.0f);
  CHECK_THROWS_WITH(model.train_step(x.view(), y.view()),
                    Catch::Contains("NaN or infinite") && Catch::Contains("not of the step before"));
  CHECK(model.last_step_applied());
}

TEMPLATE_TEST_CASE("all_finite finds any NaN or infinity, wherever it is", "[optimizers][finite]", float, double) {
  using T = TestType;
  const T specials[] = {std::numeric_limits<T>::quiet_NaN(), -std::numeric_limits<T>::quiet_NaN(),
                        std::numeric_limits<T>::infinity(), -std::numeric_limits<T>::infinity()};
  // Finite values at the edges of the range pass: the largest, the smallest subnormal, -0.
  std::vector<T> values(100003);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = T(i % 7) - T(3);
  values[5] = std::numeric_limits<T>::max();
  values[6] = -std::numeric_limits<T>::max();
  values[7] = std::numeric_limits<T>::denorm_min();
  values[8] = T(-0.0);
  const Index n = Index(values.size());
  CHECK(detail::all_finite(values.data(), n));
  CHECK(detail::all_finite_parallel(values.data(), n));
  for (T special : specials)
    for (std::size_t at : {std::size_t(0), std::size_t(17), std::size_t(40000), values.size() - 1}) {
      const T kept = values[at];
      values[at] = special;
      CHECK_FALSE(detail::all_finite(values.data(), n));
      CHECK_FALSE(detail::all_finite_parallel(values.data(), n));
      CHECK(detail::all_finite(values.data(), Index(at)));  // the values before it are finite
      values[at] = kept;
    }
}
