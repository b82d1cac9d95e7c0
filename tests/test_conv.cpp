#include <catch2/catch.hpp>

#include <cstring>
#include <vector>

#include <autoenc/autoenc.hpp>
#include <autoenc/core/tensor_map.hpp>
#include <autoenc/testing/gradient_check.hpp>

using namespace autoenc;

namespace {

struct ConvCase {
  Index h, w, channels, filters;
  Size2 kernel, strides;
  Padding padding;
};

// Small cases that break index bugs: H != W, kernel_h != kernel_w, stride != kernel, odd sizes,
// both paddings, several channels, one filter.
const ConvCase kCases[] = {
    {5, 7, 2, 3, {2, 3}, {1, 2}, Padding::valid}, {6, 5, 3, 2, {3, 3}, {2, 2}, Padding::same},
    {4, 4, 1, 2, {2, 2}, {2, 2}, Padding::valid}, {5, 5, 2, 2, {3, 2}, {2, 1}, Padding::same},
    {7, 6, 2, 3, {1, 1}, {3, 2}, Padding::valid}, {3, 4, 2, 2, {2, 2}, {2, 2}, Padding::same},
    {5, 3, 1, 2, {3, 1}, {1, 3}, Padding::same},
    // One filter (a direct path, no im2col): windows over every border, and more channels than
    // the dot product's 16 lanes, not a multiple of them.
    {6, 5, 3, 1, {3, 3}, {1, 1}, Padding::same}, {7, 6, 10, 1, {3, 2}, {2, 1}, Padding::same},
    {5, 7, 17, 1, {2, 3}, {1, 2}, Padding::valid},
};

// A standalone layer with its own parameter buffers, initialised from `seed` with non-zero biases.
template <class L>
struct Standalone {
  L layer;
  std::vector<double> params, grads;
  Standalone(L l, const Shape& in, std::uint64_t seed) : layer(std::move(l)) {
    layer.setup(in);
    params.resize(std::size_t(layer.param_count()));
    grads.resize(params.size());
    layer.bind(params.data(), grads.data());
    Rng rng(seed);
    layer.init(rng);
    for (auto& p : params) p += rng.uniform(-0.2, 0.2);
  }
  Tensor<double> run(const Tensor<double>& x) {
    Tensor<double> y(layer.output_shape().with_batch(x.dim(0)));
    layer.forward(x.view(), y.view());
    return y;
  }
};

Tensor<double> random_tensor(const Shape& s, std::uint64_t seed) {
  Rng rng(seed);
  Tensor<double> t(s);
  for (auto& v : t) v = rng.uniform(-1, 1);
  return t;
}

}  // namespace

TEST_CASE("Conv2D backward matches finite differences", "[conv][grad]") {
  for (const auto& c : kCases) {
    for (Activation a : {Activation::linear, Activation::elu, Activation::sigmoid}) {
      Conv2D<double> conv(c.filters, c.kernel, strides = c.strides, padding = c.padding, activation = a);
      testing::GradientCheckOptions opt;
      opt.batch = 2;
      const auto r = testing::check_layer_gradients(conv, Shape{c.h, c.w, c.channels}, opt);
      INFO(c.h << "x" << c.w << "x" << c.channels << " -> " << conv.config_string() << ": " << r.worst);
      CHECK(r.passed());
      CHECK(r.input_grad_norm > 1e-3);
      CHECK(r.param_grad_norm > 1e-3);
    }
  }
}

// Stride-1 layers that take the direct kernels (conv_direct.hpp): 8, 16 or 32 filters (forward
// and dW), one filter over 8, 16 or 32 channels, and 8, 16 or 32 input channels (dx). Images
// smaller than a register block, even kernels with 'same' padding (more padding after than
// before), 'valid' borders, and a layer whose dx alone is direct.
const ConvCase kDirectCases[] = {
    {5, 6, 1, 8, {3, 3}, {1, 1}, Padding::same},    {6, 5, 8, 16, {3, 2}, {1, 1}, Padding::valid},
    {4, 5, 16, 8, {2, 2}, {1, 1}, Padding::same},   {3, 4, 32, 32, {3, 3}, {1, 1}, Padding::same},
    {5, 5, 8, 1, {3, 3}, {1, 1}, Padding::same},    {4, 6, 32, 1, {2, 3}, {1, 1}, Padding::valid},
    {6, 4, 16, 3, {3, 3}, {1, 1}, Padding::same},   {2, 3, 3, 16, {1, 1}, {1, 1}, Padding::valid},
    {7, 3, 16, 16, {4, 1}, {1, 1}, Padding::same},
};

TEST_CASE("Conv2D's direct kernels match finite differences", "[conv][grad]") {
  for (const auto& c : kDirectCases) {
    for (Activation a : {Activation::linear, Activation::elu}) {
      Conv2D<double> conv(c.filters, c.kernel, strides = c.strides, padding = c.padding, activation = a);
      testing::GradientCheckOptions opt;
      opt.batch = 5;  // more than one group of images in dW's sum
      const auto r = testing::check_layer_gradients(conv, Shape{c.h, c.w, c.channels}, opt);
      INFO(c.h << "x" << c.w << "x" << c.channels << " -> " << conv.config_string() << ": " << r.worst);
      CHECK(r.passed());
      CHECK(r.input_grad_norm > 1e-3);
      CHECK(r.param_grad_norm > 1e-3);
    }
  }
}

namespace {

// y, dx and the gradients of one forward and backward pass of a standalone Conv2D, in one vector.
template <class T>
std::vector<T> conv_pass(const ConvCase& c, Index batch) {
  Conv2D<T> conv(c.filters, c.kernel, strides = c.strides, padding = c.padding, activation = Activation::elu);
  const Shape in{c.h, c.w, c.channels};
  conv.setup(in);
  std::vector<T> params(std::size_t(conv.param_count())), grads(params.size());
  conv.bind(params.data(), grads.data());
  Rng rng(7);
  for (auto& p : params) p = T(rng.uniform(-0.5, 0.5));
  Tensor<T> x(in.with_batch(batch)), y(conv.output_shape().with_batch(batch)), dy(y.shape()), dx(x.shape());
  for (auto& v : x) v = T(rng.uniform(-1, 1));
  for (auto& v : dy) v = T(rng.uniform(-1, 1));
  conv.forward(x.view(), y.view());
  conv.backward(x.view(), y.view(), dy.view(), dx.view());
  std::vector<T> out(y.begin(), y.end());
  out.insert(out.end(), dx.begin(), dx.end());
  out.insert(out.end(), grads.begin(), grads.end());
  return out;
}

// Turns the direct kernels off for one scope.
struct WithoutDirectConv {
  WithoutDirectConv() { detail::direct_conv_enabled() = false; }
  ~WithoutDirectConv() { detail::direct_conv_enabled() = true; }
};

}  // namespace

TEST_CASE("Conv2D's direct kernels compute what im2col and GEMM compute", "[conv]") {
  for (const auto& c : kDirectCases) {
    const auto direct = conv_pass<double>(c, 6);
    std::vector<double> through_gemm;
    {
      WithoutDirectConv off;
      through_gemm = conv_pass<double>(c, 6);
    }
    INFO(c.h << "x" << c.w << "x" << c.channels << " -> " << c.filters << " filters");
    REQUIRE(direct.size() == through_gemm.size());
    double worst = 0;
    for (std::size_t i = 0; i < direct.size(); ++i)
      worst = std::max(worst, std::abs(direct[i] - through_gemm[i]) / (1.0 + std::abs(through_gemm[i])));
    CHECK(worst < 1e-12);
  }
}

TEST_CASE("Conv2D's direct kernels give the same bits with 1 and 2 threads", "[conv]") {
  const int before = num_threads();
  for (const auto& c : kDirectCases) {
    set_num_threads(1);
    const auto one = conv_pass<float>(c, 9);
    set_num_threads(2);
    const auto two = conv_pass<float>(c, 9);
    INFO(c.h << "x" << c.w << "x" << c.channels << " -> " << c.filters << " filters");
    CHECK(one == two);
  }
  set_num_threads(before);
}

TEST_CASE("Conv2DTranspose backward matches finite differences", "[conv][grad]") {
  for (const auto& c : kCases) {
    for (Activation a : {Activation::linear, Activation::relu, Activation::tanh}) {
      Conv2DTranspose<double> deconv(c.filters, c.kernel, strides = c.strides, padding = c.padding, activation = a);
      testing::GradientCheckOptions opt;
      opt.batch = 2;
      const auto r = testing::check_layer_gradients(deconv, Shape{c.h, c.w, c.channels}, opt);
      INFO(c.h << "x" << c.w << "x" << c.channels << " -> " << deconv.config_string() << ": " << r.worst);
      CHECK(r.passed());
      CHECK(r.input_grad_norm > 1e-3);
      CHECK(r.param_grad_norm > 1e-3);
    }
  }
}

TEST_CASE("Flatten and Reshape pass gradients through unchanged", "[reshape][grad]") {
  Flatten<double> flatten;
  const auto r1 = testing::check_layer_gradients(flatten, Shape{3, 2, 2});
  CHECK(r1.passed());
  CHECK(r1.input_grad_norm > 0.1);
  Reshape<double> reshape({2, -1});
  const auto r2 = testing::check_layer_gradients(reshape, Shape{12});
  CHECK(r2.passed());
  CHECK(reshape.output_shape() == Shape{2, 6});
}

TEST_CASE("Conv2D forward matches the textbook definition", "[conv]") {
  for (const auto& c : kCases) {
    Standalone<Conv2D<double>> s(Conv2D<double>(c.filters, c.kernel, strides = c.strides, padding = c.padding),
                                 Shape{c.h, c.w, c.channels}, 3);
    const auto x = random_tensor(Shape{3, c.h, c.w, c.channels}, 4);
    const auto y = s.run(x);
    const auto& g = s.layer.geometry();
    const auto X = x.tensor<4>();
    const auto Y = y.tensor<4>();
    auto W = s.layer.kernel();  // rows (p, q, c), columns o
    double worst = 0;
    // y[n, i, j, o] = b[o] + sum_{p, q, c} x[n, i*sh + p - pt, j*sw + q - pl, c] W[p, q, c, o]
    for (Index n = 0; n < 3; ++n)
      for (Index i = 0; i < g.out_h; ++i)
        for (Index j = 0; j < g.out_w; ++j)
          for (Index o = 0; o < c.filters; ++o) {
            double sum = s.layer.bias()(o);
            for (Index p = 0; p < g.kernel_h; ++p)
              for (Index q = 0; q < g.kernel_w; ++q)
                for (Index ch = 0; ch < c.channels; ++ch) {
                  const Index row = i * g.stride_h + p - g.pad_top, col = j * g.stride_w + q - g.pad_left;
                  if (row < 0 || row >= c.h || col < 0 || col >= c.w) continue;
                  sum += X(n, row, col, ch) * W((p * g.kernel_w + q) * c.channels + ch, o);
                }
            worst = std::max(worst, std::abs(sum - Y(n, i, j, o)));
          }
    INFO(s.layer.config_string());
    CHECK(worst < 1e-12);
  }
}

TEST_CASE("Conv2DTranspose forward matches the textbook definition", "[conv]") {
  for (const auto& c : kCases) {
    Standalone<Conv2DTranspose<double>> s(
        Conv2DTranspose<double>(c.filters, c.kernel, strides = c.strides, padding = c.padding),
        Shape{c.h, c.w, c.channels}, 5);
    const auto x = random_tensor(Shape{2, c.h, c.w, c.channels}, 6);
    const auto y = s.run(x);
    const auto& g = s.layer.geometry();  // in_* is this layer's output, out_* its input
    const Index out_h = y.dim(1), out_w = y.dim(2);
    auto K = s.layer.kernel();  // rows (p, q, o), columns c: Keras's (kh, kw, filters, in_channels)
    // Each input pixel (i, j) scatters x[n, i, j, :] K[p, q, o, :] onto output pixel
    // (i*sh + p - pt, j*sw + q - pl), where that lies inside the output.
    Tensor<double> expected(y.shape());
    auto E = expected.tensor<4>();
    for (Index n = 0; n < 2; ++n)
      for (Index oi = 0; oi < out_h; ++oi)
        for (Index oj = 0; oj < out_w; ++oj)
          for (Index o = 0; o < c.filters; ++o) E(n, oi, oj, o) = s.layer.bias()(o);
    const auto X = x.tensor<4>();
    for (Index n = 0; n < 2; ++n)
      for (Index i = 0; i < c.h; ++i)
        for (Index j = 0; j < c.w; ++j)
          for (Index p = 0; p < g.kernel_h; ++p)
            for (Index q = 0; q < g.kernel_w; ++q) {
              const Index oi = i * g.stride_h + p - g.pad_top, oj = j * g.stride_w + q - g.pad_left;
              if (oi < 0 || oi >= out_h || oj < 0 || oj >= out_w) continue;
              for (Index o = 0; o < c.filters; ++o)
                for (Index ch = 0; ch < c.channels; ++ch)
                  E(n, oi, oj, o) += X(n, i, j, ch) * K((p * g.kernel_w + q) * c.filters + o, ch);
            }
    INFO(s.layer.config_string());
    CHECK((expected.matrix() - y.matrix()).cwiseAbs().maxCoeff() < 1e-12);
  }
}

TEST_CASE("Convolutions by hand", "[conv]") {
  // Conv2D, one filter, kernel [[1, 0], [0, -1]], stride 2, bias 0.5, on the 4x4 image 1..16:
  //   window [[1, 2], [5, 6]]     -> 1 - 6 + 0.5   = -4.5     window [[3, 4], [7, 8]]     -> 3 - 8 + 0.5   = -4.5
  //   window [[9, 10], [13, 14]]  -> 9 - 14 + 0.5  = -4.5     window [[11, 12], [15, 16]] -> 11 - 16 + 0.5 = -4.5
  // and with the kernel [[0, 1], [2, 0]]: 2 + 10 = 12, 4 + 14 = 18, 10 + 26 = 36, 12 + 30 = 42 (+ 0.5).
  Standalone<Conv2D<double>> conv(Conv2D<double>(1, 2, strides = 2, padding = Padding::valid), Shape{4, 4, 1}, 0);
  conv.layer.kernel() << 0, 1, 2, 0;  // rows (p, q) = (0,0), (0,1), (1,0), (1,1)
  conv.layer.bias() << 0.5;
  Tensor<double> x({1, 4, 4, 1});
  for (Index i = 0; i < 16; ++i) x[i] = double(i + 1);
  const auto y = conv.run(x);
  CHECK(y.shape() == Shape{1, 2, 2, 1});
  CHECK(y[0] == 12.5);
  CHECK(y[1] == 18.5);
  CHECK(y[2] == 36.5);
  CHECK(y[3] == 42.5);

  // Conv2DTranspose, kernel [[1, 2], [3, 4]], stride 2, on the 1x2 image [2, -1]: each pixel
  // stamps a scaled copy of the kernel: [[2, 4, -1, -2], [6, 8, -3, -4]], plus the bias 1.
  Standalone<Conv2DTranspose<double>> deconv(Conv2DTranspose<double>(1, 2, strides = 2, padding = Padding::valid), Shape{1, 2, 1}, 0);
  deconv.layer.kernel() << 1, 2, 3, 4;
  deconv.layer.bias() << 1;
  Tensor<double> z({1, 1, 2, 1});
  z[0] = 2;
  z[1] = -1;
  const auto up = deconv.run(z);
  REQUIRE(up.shape() == Shape{1, 2, 4, 1});
  const double expected[8] = {3, 5, 0, -1, 7, 9, -2, -3};
  for (int i = 0; i < 8; ++i) CHECK(up[i] == expected[i]);
}

TEST_CASE("'same' padding goes where TensorFlow puts it: 9x8 image, kernel 3, stride 2", "[conv][same]") {
  // TensorFlow's rule, worked by hand (no library geometry below):
  //   Conv2D 9x8 -> ceil(9/2) x ceil(8/2) = 5x4. Rows: total padding (5-1)*2 + 3 - 9 = 2, of which
  //   floor(2/2) = 1 goes on top (and 1 at the bottom). Columns: (4-1)*2 + 3 - 8 = 1, of which
  //   floor(1/2) = 0 goes on the left (the extra column on the right).
  //   So output (i, j) reads rows 2i - 1 .. 2i + 1 and columns 2j .. 2j + 2.
  //   Conv2DTranspose 5x4 -> 10x8 is the adjoint of the convolution 10x8 -> 5x4, whose padding is
  //   rows (5-1)*2 + 3 - 10 = 1 -> 0 on top; columns (4-1)*2 + 3 - 8 = 1 -> 0 on the left.
  //   So input pixel (i, j) lands on output rows 2i .. 2i + 2 and columns 2j .. 2j + 2.
  constexpr Index kTop = 1, kLeft = 0, kTransposeTop = 0, kTransposeLeft = 0;

  SECTION("values worked by hand: x[r, c] = 1 + 10 r + c, kernel of ones") {
    Standalone<Conv2D<double>> conv(Conv2D<double>(1, 3, strides = 2, padding = Padding::same), Shape{9, 8, 1}, 0);
    conv.layer.kernel().setOnes();
    conv.layer.bias().setZero();
    Tensor<double> x({1, 9, 8, 1});
    for (Index r = 0; r < 9; ++r)
      for (Index c = 0; c < 8; ++c) x[r * 8 + c] = 1 + 10 * r + c;
    const auto y = conv.run(x);
    REQUIRE(y.shape() == Shape{1, 5, 4, 1});
    CHECK(y[0] == 42);           // (0, 0): rows 0-1, columns 0-2: (1 + 2 + 3) + (11 + 12 + 13)
    CHECK(y[4 * 4 + 3] == 330);  // (4, 3): rows 7-8, columns 6-7: (77 + 78) + (87 + 88)
    CHECK(y[1 * 4 + 0] == 198);  // (1, 0): rows 1-3, columns 0-2: 36 + 66 + 96

    Standalone<Conv2DTranspose<double>> deconv(Conv2DTranspose<double>(1, 3, strides = 2, padding = Padding::same), Shape{5, 4, 1}, 0);
    deconv.layer.kernel().setOnes();
    deconv.layer.bias().setZero();
    Tensor<double> z({1, 5, 4, 1});
    for (Index i = 0; i < 5; ++i)
      for (Index j = 0; j < 4; ++j) z[i * 4 + j] = 1 + 10 * i + j;
    const auto up = deconv.run(z);
    REQUIRE(up.shape() == Shape{1, 10, 8, 1});
    CHECK(up[0] == 1);            // (0, 0) gets only z[0, 0]
    CHECK(up[2 * 8 + 2] == 26);   // (2, 2) gets z[0..1, 0..1]: 1 + 2 + 11 + 12
    CHECK(up[9 * 8 + 7] == 44);   // (9, 7) gets only z[4, 3]
    CHECK(up[8 * 8 + 1] == 72);   // (8, 1) gets z[3, 0] (p = 2) and z[4, 0] (p = 0): 31 + 41
  }

  SECTION("random values against a loop with the hand-worked padding") {
    const Index channels = 2, filters = 3;
    Standalone<Conv2D<double>> conv(Conv2D<double>(filters, 3, strides = 2, padding = Padding::same), Shape{9, 8, channels}, 11);
    const auto x = random_tensor(Shape{2, 9, 8, channels}, 12);
    const auto y = conv.run(x);
    REQUIRE(y.shape() == Shape{2, 5, 4, filters});
    auto W = conv.layer.kernel();  // Keras's (3, 3, channels, filters) as rows (p, q, c), columns o
    double worst = 0;
    for (Index n = 0; n < 2; ++n)
      for (Index i = 0; i < 5; ++i)
        for (Index j = 0; j < 4; ++j)
          for (Index o = 0; o < filters; ++o) {
            double sum = conv.layer.bias()(o);
            for (Index p = 0; p < 3; ++p)
              for (Index q = 0; q < 3; ++q) {
                const Index r = 2 * i + p - kTop, c = 2 * j + q - kLeft;
                if (r < 0 || r >= 9 || c < 0 || c >= 8) continue;
                for (Index ch = 0; ch < channels; ++ch)
                  sum += x[((n * 9 + r) * 8 + c) * channels + ch] * W((p * 3 + q) * channels + ch, o);
              }
            worst = std::max(worst, std::abs(sum - y[((n * 5 + i) * 4 + j) * filters + o]));
          }
    CHECK(worst < 1e-12);

    Standalone<Conv2DTranspose<double>> deconv(Conv2DTranspose<double>(filters, 3, strides = 2, padding = Padding::same),
                                               Shape{5, 4, channels}, 13);
    const auto z = random_tensor(Shape{2, 5, 4, channels}, 14);
    const auto up = deconv.run(z);
    REQUIRE(up.shape() == Shape{2, 10, 8, filters});
    auto K = deconv.layer.kernel();  // Keras's (3, 3, filters, channels) as rows (p, q, o), columns c
    std::vector<double> expected(std::size_t(up.size()));
    for (Index n = 0; n < 2; ++n)
      for (Index r = 0; r < 10; ++r)
        for (Index c = 0; c < 8; ++c)
          for (Index o = 0; o < filters; ++o) expected[std::size_t(((n * 10 + r) * 8 + c) * filters + o)] = deconv.layer.bias()(o);
    for (Index n = 0; n < 2; ++n)
      for (Index i = 0; i < 5; ++i)
        for (Index j = 0; j < 4; ++j)
          for (Index p = 0; p < 3; ++p)
            for (Index q = 0; q < 3; ++q) {
              const Index r = 2 * i + p - kTransposeTop, c = 2 * j + q - kTransposeLeft;
              if (r < 0 || r >= 10 || c < 0 || c >= 8) continue;
              for (Index o = 0; o < filters; ++o)
                for (Index ch = 0; ch < channels; ++ch)
                  expected[std::size_t(((n * 10 + r) * 8 + c) * filters + o)] +=
                      z[((n * 5 + i) * 4 + j) * channels + ch] * K((p * 3 + q) * filters + o, ch);
            }
    worst = 0;
    for (Index k = 0; k < up.size(); ++k) worst = std::max(worst, std::abs(expected[std::size_t(k)] - up[k]));
    CHECK(worst < 1e-12);
  }
}

TEST_CASE("Conv2D backward uses the x it is given, not a stale forward pass", "[conv][grad]") {
  // dW = im2col(x)^T dz (or the same from the framed x): backward must take it from its
  // argument, also when the last forward ran on another input or never ran.
  const Shape in{6, 5, 2};
  // Stride 2 goes through im2col, 8 filters at stride 1 through the framed images.
  for (const Index stride : {2, 1}) {
    auto dW_of = [&](bool forward_first_on_other) {
      Standalone<Conv2D<double>> s(Conv2D<double>(stride == 2 ? 3 : 8, 3, strides = stride, padding = Padding::same, activation = Activation::tanh), in, 21);
      const auto x = random_tensor(in.with_batch(2), 22), other = random_tensor(in.with_batch(2), 23);
      Tensor<double> y(s.layer.output_shape().with_batch(2)), dy(y.shape(), 0.5), dx(x.shape());
      if (forward_first_on_other) {
        Tensor<double> y_other(y.shape());
        s.layer.forward(x.view(), y.view());                 // y for x ...
        s.layer.forward(other.view(), y_other.view());       // ... but the last forward saw `other`
      } else {
        s.layer.forward(x.view(), y.view());
      }
      s.layer.backward(x.view(), y.view(), dy.view(), dx.view());
      return s.grads;
    };
    const auto reference = dW_of(false), after_other = dW_of(true);
    REQUIRE(reference.size() == after_other.size());
    for (std::size_t i = 0; i < reference.size(); ++i) CHECK(after_other[i] == Approx(reference[i]).epsilon(1e-14));
  }
}

TEST_CASE("Layers check the shapes of the views they are given", "[conv][shape]") {
  Standalone<Conv2D<double>> s(Conv2D<double>(3, 2, strides = 2), Shape{4, 4, 1}, 0);
  Tensor<double> x({2, 4, 4, 1}, 0.5), y({2, 2, 2, 3}), wrong_x({2, 4, 5, 1}), short_y({2, 2, 2, 2});
  CHECK_NOTHROW(s.layer.forward(x.view(), y.view()));
  CHECK_THROWS_WITH(s.layer.forward(wrong_x.view(), y.view()),
                    Catch::Contains("x has shape (2, 4, 5, 1), expected (2, 4, 4, 1)"));
  CHECK_THROWS_AS(s.layer.forward(x.view(), short_y.view()), ShapeError);
  Tensor<double> dy({1, 2, 2, 3}), dx({2, 4, 4, 1});
  CHECK_THROWS_WITH(s.layer.backward(x.view(), y.view(), dy.view(), dx.view()), Catch::Contains("dy has shape"));
  Tensor<double> dy_ok(y.shape()), dx_bad({2, 4, 4, 2});
  CHECK_THROWS_WITH(s.layer.backward(x.view(), y.view(), dy_ok.view(), dx_bad.view()), Catch::Contains("dx has shape"));
  // A layer that was never built or bound refuses to run instead of reading null pointers.
  Dense<double> unbuilt(4);
  Tensor<double> v({1, 3}), w({1, 4});
  CHECK_THROWS_AS(unbuilt.forward(v.view(), w.view()), ConfigError);
  Dense<double> unbound(4);
  unbound.setup(Shape{3});
  CHECK_THROWS_WITH(unbound.forward(v.view(), w.view()), Catch::Contains("not bound"));
}

TEST_CASE("Conv2DTranspose is the adjoint of Conv2D: <conv(x), y> = <x, conv_transpose(y)>", "[conv]") {
  for (const auto& c : kCases) {
    Standalone<Conv2D<double>> conv(Conv2D<double>(c.filters, c.kernel, strides = c.strides, padding = c.padding), Shape{c.h, c.w, c.channels}, 1);
    const Shape small = conv.layer.output_shape();
    Standalone<Conv2DTranspose<double>> deconv(Conv2DTranspose<double>(c.channels, c.kernel, strides = c.strides, padding = c.padding), small, 2);
    if (deconv.layer.output_shape() != Shape{c.h, c.w, c.channels}) continue;  // valid with leftover rows
    // Share the kernel: Conv2D's (p, q, c, o) is Conv2DTranspose's (p, q, filters = c, in = o).
    deconv.params.assign(conv.params.begin(), conv.params.end() - c.filters);
    deconv.params.resize(std::size_t(deconv.layer.param_count()), 0.0);
    std::fill(conv.params.end() - c.filters, conv.params.end(), 0.0);  // no biases
    const auto x = random_tensor(Shape{2, c.h, c.w, c.channels}, 8);
    const auto y = random_tensor(small.with_batch(2), 9);
    const double lhs = (conv.run(x).matrix().array() * y.matrix().array()).sum();
    const double rhs = (x.matrix().array() * deconv.run(y).matrix().array()).sum();
    INFO(conv.layer.config_string());
    CHECK(lhs == Approx(rhs).epsilon(1e-12));
  }
}

TEST_CASE("Output sizes follow Keras", "[conv][shape]") {
  struct Row {
    Index in, kernel, stride;
    Padding padding;
    Index conv_out, deconv_out;
  };
  const Row rows[] = {
      {28, 2, 2, Padding::valid, 14, 56}, {28, 3, 2, Padding::same, 14, 56}, {7, 3, 1, Padding::valid, 5, 9},
      {7, 3, 2, Padding::valid, 3, 15},   {7, 2, 3, Padding::valid, 2, 21},  {7, 3, 2, Padding::same, 4, 14},
      {5, 5, 1, Padding::same, 5, 5},
  };
  for (const auto& r : rows) {
    INFO("in " << r.in << " kernel " << r.kernel << " stride " << r.stride << " " << padding_name(r.padding));
    Conv2D<float> conv(1, r.kernel, strides = r.stride, padding = r.padding);
    CHECK(conv.setup(Shape{r.in, r.in, 1}) == Shape{r.conv_out, r.conv_out, 1});
    Conv2DTranspose<float> deconv(1, r.kernel, strides = r.stride, padding = r.padding);
    CHECK(deconv.setup(Shape{r.in, r.in, 1}) == Shape{r.deconv_out, r.deconv_out, 1});
  }
}

TEST_CASE("Impossible convolutional models are rejected with the layer and shapes", "[conv][shape]") {
  Sequential<float> big_kernel({4, 4, 1});
  CHECK_THROWS_WITH(big_kernel.add(Conv2D<float>(8, 5)),
                    Catch::Contains("layer 0 'conv2d' (Conv2D)") && Catch::Contains("(4, 4, 1)") &&
                        Catch::Contains("kernel height 5 is larger than the input height 4"));

  Sequential<float> after_dense({16}, Dense<float>(49));
  CHECK_THROWS_WITH(after_dense.add(Conv2D<float>(4, 2)),
                    Catch::Contains("layer 1 'conv2d' (Conv2D)") && Catch::Contains("from layer 0 'dense' (Dense)") &&
                        Catch::Contains("(49,)") && Catch::Contains("Reshape"));

  Sequential<float> bad_reshape({3136});
  CHECK_THROWS_WITH(bad_reshape.add(Reshape<float>({7, 7, 32})),
                    Catch::Contains("'reshape' (Reshape)") && Catch::Contains("3136") && Catch::Contains("1568"));
  CHECK_THROWS_AS(Conv2D<float>(0, 2), ConfigError);
  CHECK_THROWS_AS(Conv2DTranspose<float>(4, 2, strides = 0), ConfigError);
  CHECK_THROWS_AS(Reshape<float>({-1, -1}), ConfigError);
}

TEST_CASE("The chapter's CNN autoencoder has Keras's summary", "[conv][summary]") {
  Sequential<float> model({28, 28, 1}, Conv2D<float>(32, 2, strides = 2, padding = Padding::valid, activation = Activation::relu),
                          Conv2D<float>(64, 2, strides = 2, padding = Padding::valid, activation = Activation::relu), Flatten<float>(),
                          Dense<float>(64, "relu"), Dense<float>(3136, "relu"), Reshape<float>({7, 7, 64}),
                          Conv2DTranspose<float>(32, 2, strides = 2, padding = Padding::same, activation = Activation::relu),
                          Conv2DTranspose<float>(1, 2, strides = 2, padding = Padding::same, activation = Activation::sigmoid));
  model.build();
  const std::string s = model.summary_string();
  CHECK_THAT(s, Catch::Contains("conv2d (Conv2D)              (None, 14, 14, 32)        160"));
  CHECK_THAT(s, Catch::Contains("conv2d_1 (Conv2D)            (None, 7, 7, 64)          8,256"));
  CHECK_THAT(s, Catch::Contains("flatten (Flatten)            (None, 3136)              0"));
  CHECK_THAT(s, Catch::Contains("dense (Dense)                (None, 64)                200,768"));
  CHECK_THAT(s, Catch::Contains("dense_1 (Dense)              (None, 3136)              203,840"));
  CHECK_THAT(s, Catch::Contains("reshape (Reshape)            (None, 7, 7, 64)          0"));
  CHECK_THAT(s, Catch::Contains("conv2d_transpose (Conv2DTranspose) (None, 14, 14, 32)  8,224"));
  CHECK_THAT(s, Catch::Contains("conv2d_transpose_1 (Conv2DTranspose) (None, 28, 28, 1) 129"));
  CHECK_THAT(s, Catch::Contains("Total params: 421,377"));
}

TEST_CASE("A whole CNN autoencoder's gradients match finite differences", "[conv][grad][sequential]") {
  Sequential<double> model({6, 6, 1}, Conv2D<double>(3, 2, strides = 2, padding = Padding::valid, activation = Activation::elu), Flatten<double>(),
                           Dense<double>(4, "elu"), Dense<double>(27, "elu"), Reshape<double>({3, 3, 3}),
                           Conv2DTranspose<double>(1, 2, strides = 2, padding = Padding::same, activation = Activation::sigmoid));
  model.build(5);
  model.compile(SGD<double>(1e-12), "mse");
  Tensor<double> x = random_tensor(Shape{3, 6, 6, 1}, 10);
  for (auto& v : x) v = 0.5 + 0.5 * v;
  testing::FiniteDifferenceSettings fd;
  fd.atol = 1e-8;
  const auto r = testing::check_model_gradients(model, x, x, fd);
  INFO(r.worst);
  CHECK(r.gradient_norm > 1e-4);
  CHECK(r.entries_checked == model.param_count());
  CHECK(r.passed());
  // The same model with binary cross-entropy: the sigmoid output is fused with the loss.
  model.compile(SGD<double>(1e-12), "binary_crossentropy");
  REQUIRE(model.layer(model.size() - 1).emits_logits());
  const auto bce = testing::check_model_gradients(model, x, x, fd);
  INFO(bce.worst);
  CHECK(bce.gradient_norm > 1e-4);
  CHECK(bce.passed());
}

TEST_CASE("col2im over windows that tile the image writes each pixel as the general sum does", "[conv][determinism]") {
  // stride = kernel and no padding (Conv2DTranspose(k, strides = k)): each pixel gets exactly
  // one window's value, written as 0 + v, which is what filling with zeros and adding gives,
  // -0.0 included (0 + -0 = +0). Checked against that general computation, bit for bit.
  for (Index k : {1, 2, 3}) {
    const Index channels = 3, batch = 2, in = 4;  // the transposed layer's input: 4 x 4 x channels
    const ConvGeometry g = conv_transpose_geometry(in, in, {k, k}, {k, k}, Padding::same);
    REQUIRE(g.in_h == in * k);
    std::vector<float> cols(static_cast<std::size_t>(batch * g.out_h * g.out_w * g.patch_size(channels)));
    Rng rng(7);
    for (float& v : cols) v = rng.uniform() < 0.2 ? -0.0f : float(rng.uniform() - 0.5);
    std::vector<float> image(static_cast<std::size_t>(batch * g.in_h * g.in_w * channels), 99.0f);
    detail::col2im(cols.data(), batch, channels, g, image.data());
    std::vector<float> expected(image.size(), 0.0f);
    const Index row_len = g.patch_size(channels);
    for (Index n = 0; n < batch; ++n)
      for (Index i = 0; i < g.out_h; ++i)
        for (Index j = 0; j < g.out_w; ++j)
          for (Index p = 0; p < k; ++p)
            for (Index q = 0; q < k; ++q)
              for (Index c = 0; c < channels; ++c)
                expected[std::size_t(((n * g.in_h + i * k + p) * g.in_w + j * k + q) * channels + c)] +=
                    cols[std::size_t((((n * g.out_h + i) * g.out_w + j) * row_len) + (p * k + q) * channels + c)];
    INFO("kernel = stride = " << k);
    CHECK(std::memcmp(image.data(), expected.data(), image.size() * sizeof(float)) == 0);
  }
}

namespace {

// Random values with some zeros of both signs, in float (where the fused paths' bits matter).
std::vector<float> random_floats(std::size_t n, Rng& rng) {
  std::vector<float> v(n);
  for (float& x : v) x = rng.uniform() < 0.1 ? (rng.uniform() < 0.5 ? -0.0f : 0.0f) : float(rng.uniform(-1, 1));
  return v;
}

bool same_bits(const std::vector<float>& a, const float* b) { return std::memcmp(a.data(), b, a.size() * sizeof(float)) == 0; }

using RowMajorFloats = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using FloatMap = Eigen::Map<RowMajorFloats>;
using ConstFloatMap = Eigen::Map<const RowMajorFloats>;

}  // namespace

TEST_CASE("Stride = kernel convolutions give the bits of im2col, GEMM and col2im", "[conv][determinism]") {
  // Conv2D with a 2 x 2 patch over one channel writes y in one pass (gemm_short_inner.hpp);
  // with stride = kernel its dx, and a Conv2DTranspose's y, go tile by tile from the product
  // to their pixels (gemm_row_tiles); a Conv2DTranspose with one output channel gets its dx
  // from gemm_short_inner. Each is checked bit for bit against the plain sequence of steps.
  // 5 images of 7 x 7 windows: 245 rows, so tiles of 128 rows end inside a row of windows.
  const Index batch = 5;
  for (Activation act : {Activation::relu, Activation::elu}) {
    for (Index channels : {1, 3, 16}) {
      for (Index filters : {1, 16, 32}) {
        INFO("activation " << activation_name(act) << ", " << channels << " channels, " << filters << " filters");
        Rng rng(std::uint64_t(channels * 100 + filters));
        if (filters > 1) {  // Conv2D(filters, 2, strides = 2): (14, 14, channels) -> (7, 7, filters)
          // (One filter has its own kernels, conv_single_filter.hpp: not GEMM's bits.)
          Conv2D<float> conv(filters, 2, strides = 2, activation = act);
          conv.setup(Shape{14, 14, channels});
          auto params = random_floats(std::size_t(conv.param_count()), rng);
          std::vector<float> grads(params.size());
          conv.bind(params.data(), grads.data());
          Tensor<float> x(Shape{batch, 14, 14, channels}), y(Shape{batch, 7, 7, filters}), dy(y.shape()), dx(x.shape());
          const auto xs = random_floats(std::size_t(x.size()), rng), dys = random_floats(std::size_t(dy.size()), rng);
          std::copy(xs.begin(), xs.end(), x.begin());
          std::copy(dys.begin(), dys.end(), dy.begin());
          conv.forward(x.view(), y.view());
          conv.backward(x.view(), y.view(), dy.view(), dx.view());

          const ConvGeometry& g = conv.geometry();
          const Index pixels = batch * 49, patch = g.patch_size(channels);
          std::vector<float> cols(std::size_t(pixels * patch)), y_ref(std::size_t(y.size()));
          detail::im2col(x.data(), batch, channels, g, cols.data());
          FloatMap Y(y_ref.data(), pixels, filters);
          detail::gemm(Y, ConstFloatMap(cols.data(), pixels, patch), ConstFloatMap(params.data(), patch, filters));
          detail::add_bias_and_activate(y_ref.data(), pixels, filters, params.data() + patch * filters, act);
          CHECK(same_bits(y_ref, y.data()));

          std::vector<float> dz(std::size_t(y.size())), dcols(cols.size()), dx_ref(std::size_t(x.size()));
          activation_backward(act, y_ref.data(), dy.data(), dz.data(), y.size());
          FloatMap dC(dcols.data(), pixels, patch);
          detail::gemm(dC, ConstFloatMap(dz.data(), pixels, filters),
                       ConstFloatMap(params.data(), patch, filters).transpose());
          detail::col2im(dcols.data(), batch, channels, g, dx_ref.data());
          CHECK(same_bits(dx_ref, dx.data()));
        }
        {  // Conv2DTranspose(filters, 2, strides = 2): (7, 7, channels) -> (14, 14, filters)
          Conv2DTranspose<float> convt(filters, 2, strides = 2, activation = act);
          convt.setup(Shape{7, 7, channels});
          auto params = random_floats(std::size_t(convt.param_count()), rng);
          std::vector<float> grads(params.size());
          convt.bind(params.data(), grads.data());
          Tensor<float> x(Shape{batch, 7, 7, channels}), y(Shape{batch, 14, 14, filters}), dy(y.shape()), dx(x.shape());
          const auto xs = random_floats(std::size_t(x.size()), rng), dys = random_floats(std::size_t(dy.size()), rng);
          std::copy(xs.begin(), xs.end(), x.begin());
          std::copy(dys.begin(), dys.end(), dy.begin());
          convt.forward(x.view(), y.view());
          convt.backward(x.view(), y.view(), dy.view(), dx.view());

          const ConvGeometry& g = convt.geometry();  // of the convolution (14, 14) -> (7, 7)
          const Index in_pixels = batch * 49, patch = g.patch_size(filters);
          std::vector<float> cols(std::size_t(in_pixels * patch)), y_ref(std::size_t(y.size()));
          FloatMap C(cols.data(), in_pixels, patch);
          const ConstFloatMap K(params.data(), patch, channels);
          detail::gemm(C, ConstFloatMap(x.data(), in_pixels, channels), K.transpose());
          detail::col2im(cols.data(), batch, filters, g, y_ref.data());
          detail::add_bias_and_activate(y_ref.data(), batch * 196, filters, params.data() + patch * channels, act);
          CHECK(same_bits(y_ref, y.data()));

          std::vector<float> dz(std::size_t(y.size())), dx_ref(std::size_t(x.size()));
          activation_backward(act, y_ref.data(), dy.data(), dz.data(), y.size());
          detail::im2col(dz.data(), batch, filters, g, cols.data());
          FloatMap dX(dx_ref.data(), in_pixels, channels);
          detail::gemm(dX, ConstFloatMap(cols.data(), in_pixels, patch), K);
          CHECK(same_bits(dx_ref, dx.data()));
        }
      }
    }
  }
}
