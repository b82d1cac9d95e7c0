// The finite-difference checkers themselves: a check that cannot fail checks nothing.
#include <catch2/catch.hpp>

#include <cmath>

#include <autoenc/autoenc.hpp>
#include <autoenc/testing/gradient_check.hpp>

using namespace autoenc;

namespace {
// y = sqrt(x) element-wise, with a backward pass that stays finite where the forward pass is
// NaN (x < 0): the finite differences there are NaN, and a checker must not wave them through.
template <class T>
class SqrtLayer : public Layer<T> {
 public:
  std::string kind() const override { return "Sqrt"; }
  Shape build(const Shape& in) override { return in; }

 protected:
  void forward_impl(TensorView<const T> x, TensorView<T> y) override {
    for (Index i = 0; i < x.size(); ++i) y.data[i] = std::sqrt(x.data[i]);
  }
  void backward_impl(TensorView<const T> x, TensorView<const T>, TensorView<const T> dy, TensorView<T> dx) override {
    if (!dx) return;
    for (Index i = 0; i < x.size(); ++i) dx.data[i] = dy.data[i] * T(0.5) / std::sqrt(std::abs(x.data[i]) + T(1e-3));
  }
};
}  // namespace

TEST_CASE("The layer checker fails on NaN finite differences", "[grad][checker]") {
  SqrtLayer<double> layer;
  testing::GradientCheckOptions opt;
  opt.input_low = 0.5;  // sqrt is smooth here, and the backward pass above is slightly off
  opt.input_high = 2;
  opt.rtol = 1e-2;      // ... by the 1e-3 under the root: within a loose tolerance
  CHECK(testing::check_layer_gradients(layer, Shape{4}, opt).passed());
  opt.input_low = -1;  // now half the inputs give NaN outputs
  SqrtLayer<double> again;
  const auto r = testing::check_layer_gradients(again, Shape{4}, opt);
  INFO(r.worst);
  CHECK_FALSE(r.passed());
}

TEST_CASE("The model checker fails on NaN losses and reports the worst parameter", "[grad][checker]") {
  Sequential<double> model({3}, Dense<double>(3), SqrtLayer<double>());
  model.build(1);
  model.compile(SGD<double>(1e-12), "mse");
  Tensor<double> x({2, 3}, -5.0), y({2, 3}, 0.0);  // x W with W ~ glorot: some outputs negative
  model.parameters().head(9).setConstant(1.0);      // every pre-activation is -15: sqrt is NaN
  const auto r = testing::check_model_gradients(model, x, y);
  INFO(r.worst);
  CHECK_FALSE(r.passed());
  CHECK(r.entries_checked == model.param_count());
}

TEST_CASE("The model checker on random data uses its batch, seed and input range", "[grad][checker]") {
  Sequential<double> model({2}, Dense<double>(2, "relu"), Dense<double>(2, "sigmoid"));
  model.build(3);
  model.compile(SGD<double>(1e-12), "binary_crossentropy");
  auto& first = static_cast<Dense<double>&>(model.layer(0));
  first.kernel().setIdentity();
  first.bias().setZero();
  testing::GradientCheckOptions opt;
  opt.input_low = -2;  // every relu input negative: the first layer gets no gradient ...
  opt.input_high = -1;
  const auto dead = testing::check_model_gradients(model, opt);
  CHECK(dead.passed());
  CHECK(model.gradients().head(6).norm() == 0.0);
  opt.input_low = 1;  // ... and with positive inputs it does
  opt.input_high = 2;
  const auto alive = testing::check_model_gradients(model, opt);
  CHECK(alive.passed());
  const Eigen::VectorXd g1 = model.gradients().head(6);
  CHECK(g1.norm() > 1e-3);
  opt.seed = 99;  // other data, other gradients
  CHECK(testing::check_model_gradients(model, opt).passed());
  CHECK((model.gradients().head(6) - g1).norm() > 1e-6);
  opt.batch = 1;  // one sample: the batch mean is that sample's gradient
  CHECK(testing::check_model_gradients(model, opt).passed());
}
