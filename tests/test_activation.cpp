#include <catch2/catch.hpp>

#include <cmath>

#include <autoenc/autoenc.hpp>

using namespace autoenc;

namespace {
const Activation kAll[] = {Activation::linear, Activation::relu, Activation::sigmoid, Activation::tanh,
                           Activation::elu,    Activation::selu, Activation::softplus};
}

TEST_CASE("Activations compute their textbook formulas", "[activation]") {
  for (double z : {-3.0, -0.5, 0.25, 2.0}) {
    CHECK(activation_value(Activation::relu, z) == Approx(std::max(z, 0.0)));
    CHECK(activation_value(Activation::sigmoid, z) == Approx(1 / (1 + std::exp(-z))));
    CHECK(activation_value(Activation::tanh, z) == Approx(std::tanh(z)));
    CHECK(activation_value(Activation::elu, z) == Approx(z > 0 ? z : std::exp(z) - 1));
    CHECK(activation_value(Activation::selu, z) ==
          Approx(1.0507009873554805 * (z > 0 ? z : 1.6732632423543772 * (std::exp(z) - 1))));
    CHECK(activation_value(Activation::softplus, z) == Approx(std::log1p(std::exp(z))));
    CHECK(activation_value(Activation::linear, z) == z);
  }
  CHECK(activation_value(Activation::elu, -50) == Approx(-1.0));  // ELU tends to -alpha
}

TEST_CASE("Sigmoid and softplus stay finite for huge inputs", "[activation]") {
  float z[4] = {-1000.f, -88.f, 88.f, 1000.f};
  activation_forward(Activation::sigmoid, z, 4);
  for (float v : z) CHECK(std::isfinite(v));
  CHECK(z[0] == 0.0f);
  CHECK(z[3] == 1.0f);
  float s[2] = {-1000.f, 1000.f};
  activation_forward(Activation::softplus, s, 2);
  CHECK(s[0] == Approx(0.0f).margin(1e-30));
  CHECK(s[1] == Approx(1000.f));
}

TEST_CASE("Activation derivatives from the output match finite differences", "[activation][grad]") {
  const double h = 1e-6;
  for (Activation a : kAll) {
    for (double z : {-2.5, -0.7, -0.01, 0.02, 0.6, 3.1}) {
      const double y = activation_value(a, z);
      const double numeric = (activation_value(a, z + h) - activation_value(a, z - h)) / (2 * h);
      double dy = 1.0, dz = std::nan("");
      activation_backward<double>(a, &y, &dy, &dz, 1);
      INFO(activation_name(a) << " at z = " << z);
      CHECK(dz == Approx(numeric).epsilon(1e-6).margin(1e-8));
    }
  }
}

TEST_CASE("Activations are found by their Keras names", "[activation]") {
  for (Activation a : kAll) CHECK(activation_from_name(activation_name(a)) == a);
  CHECK_THROWS_WITH(activation_from_name("rleu"), Catch::Contains("unknown activation 'rleu'"));
}
