#include <catch2/catch.hpp>

#include <autoenc/autoenc.hpp>
#include <autoenc/testing/gradient_check.hpp>

using namespace autoenc;

TEST_CASE("Dense backward matches finite differences for every activation", "[dense][grad]") {
  for (Activation a : {Activation::linear, Activation::relu, Activation::sigmoid, Activation::tanh,
                       Activation::elu, Activation::selu, Activation::softplus}) {
    Dense<double> dense(4, a);
    const auto r = testing::check_layer_gradients(dense, Shape{5});
    INFO(activation_name(a) << ": " << r.worst);
    CHECK(r.passed());
    CHECK(r.input_grad_norm > 1e-3);
    CHECK(r.param_grad_norm > 1e-3);
    CHECK(r.entries_checked == 3 * 5 + 5 * 4 + 4);
  }
}

TEST_CASE("Dense gradients stay right across GEMM tile boundaries", "[dense][grad]") {
  // 130 units and inputs: the products are cut into tiles of 128 rows/columns.
  Dense<double> dense(130, Activation::tanh);
  testing::GradientCheckOptions opt;
  opt.batch = 2;
  const auto r = testing::check_layer_gradients(dense, Shape{131}, opt);
  INFO(r.worst);
  CHECK(r.passed());
}

TEST_CASE("Dense forward matches a hand computation", "[dense]") {
  Sequential<double> model({2}, Dense<double>(2, Activation::linear));
  model.build();
  auto& dense = static_cast<Dense<double>&>(model.layer(0));
  dense.kernel() << 1, 2,   // W = [[1, 2],
                    3, 4;   //      [3, 4]]
  dense.bias() << 0.5, -1;  // b = [0.5, -1]
  Tensor<double> x({1, 2});
  x[0] = 1;
  x[1] = -2;
  // y = x W + b = [1*1 - 2*3 + 0.5, 1*2 - 2*4 - 1] = [-4.5, -7]
  const auto y = model.predict(x);
  CHECK(y[0] == Approx(-4.5));
  CHECK(y[1] == Approx(-7.0));
}

TEST_CASE("Dense float forward matches a naive loop at the chapter's shapes", "[dense]") {
  Sequential<float> model({784}, Dense<float>(64, "relu"));
  model.build(3);
  auto& dense = static_cast<Dense<float>&>(model.layer(0));
  dense.bias().setRandom();
  Tensor<float> x({300, 784});
  x.matrix().setRandom();
  const auto y = model.predict(x, 128);
  double worst = 0;
  for (Index n = 0; n < 300; ++n)
    for (Index j = 0; j < 64; ++j) {
      double z = dense.bias()(j);
      for (Index i = 0; i < 784; ++i) z += double(x.matrix()(n, i)) * double(dense.kernel()(i, j));
      worst = std::max(worst, std::abs(std::max(z, 0.0) - double(y.matrix()(n, j))));
    }
  CHECK(worst < 1e-4);
}

TEST_CASE("Dense initialisation is glorot-uniform with zero bias", "[dense]") {
  Sequential<double> model({300}, Dense<double>(100, "relu"));
  model.build(11);
  auto& dense = static_cast<Dense<double>&>(model.layer(0));
  const double limit = std::sqrt(6.0 / 400.0);
  CHECK(dense.kernel().maxCoeff() <= limit);
  CHECK(dense.kernel().minCoeff() >= -limit);
  // Uniform on [-l, l] has variance l^2 / 3.
  const double var = dense.kernel().array().square().mean();
  CHECK(var == Approx(limit * limit / 3).epsilon(0.03));
  CHECK(dense.bias().isZero());
}

TEST_CASE("Dense rejects bad configurations", "[dense][shape]") {
  CHECK_THROWS_AS(Dense<float>(0), ConfigError);
  CHECK_THROWS_AS(Dense<float>(3, "bogus"), ConfigError);
}
