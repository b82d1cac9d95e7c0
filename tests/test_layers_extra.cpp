// MaxPooling2D, UpSampling2D, Dropout, GaussianNoise and BatchNormalization: shapes as Keras,
// forward passes against loops written here, backward passes against finite differences, the
// training/inference modes, the determinism of the noise, the non-trainable state in models
// and model files, and small models trained end to end.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <tuple>
#include <vector>

#include <autoenc/autoenc.hpp>
#include <autoenc/testing/gradient_check.hpp>

using namespace autoenc;

namespace {

// A layer with its own buffers (parameters, gradients and, if it has any, state), initialised
// from `seed`; `perturb` adds U(-0.2, 0.2) to every parameter so that no weight is trivial.
template <class L>
struct Standalone {
  using T = typename L::Scalar;
  L layer;
  std::vector<T> params, grads, state;
  Standalone(L l, const Shape& in, std::uint64_t seed, bool perturb = true) : layer(std::move(l)) {
    layer.setup(in);
    params.resize(std::size_t(layer.param_count()));
    grads.resize(params.size());
    state.resize(std::size_t(layer.state_count()));
    layer.bind(params.data(), grads.data());
    layer.bind_state(state.empty() ? nullptr : state.data());
    Rng rng(seed);
    layer.init(rng);
    if (perturb)
      for (auto& p : params) p += T(rng.uniform(-0.2, 0.2));
  }
  Tensor<T> run(const Tensor<T>& x) {
    Tensor<T> y(layer.output_shape().with_batch(x.dim(0)));
    layer.forward(x.view(), y.view());
    return y;
  }
  Tensor<T> back(const Tensor<T>& x, const Tensor<T>& y, const Tensor<T>& dy) {
    Tensor<T> dx(x.shape(), std::numeric_limits<T>::quiet_NaN());
    layer.backward(x.view(), y.view(), dy.view(), dx.view());
    return dx;
  }
};

Tensor<double> random_tensor(const Shape& s, std::uint64_t seed, double low = -1, double high = 1) {
  Rng rng(seed);
  Tensor<double> t(s);
  for (auto& v : t) v = rng.uniform(low, high);
  return t;
}

template <class T>
bool same_bits(const Tensor<T>& a, const Tensor<T>& b) {
  return a.shape() == b.shape() && std::memcmp(a.data(), b.data(), sizeof(T) * std::size_t(a.size())) == 0;
}

// The noise layers with their step held at 0: every forward pass draws the same noise, so that
// finite differences see one fixed function.
template <class L>
struct FrozenNoise : L {
  using L::L;

 protected:
  void forward_impl(TensorView<const double> x, TensorView<double> y) override {
    this->set_step(0);
    L::forward_impl(x, y);
  }
};

// Keras's output size of a window of `k` moved by `s` over `in` (written out here, not taken
// from the library): valid floor((in - k) / s) + 1, same ceil(in / s).
Index keras_out(Index in, Index k, Index s, Padding p) {
  return p == Padding::valid ? (in - k) / s + 1 : (in + s - 1) / s;
}
// TensorFlow's padding before the image for 'same': floor(max((out - 1) s + k - in, 0) / 2).
Index tf_pad_before(Index in, Index k, Index s, Padding p) {
  if (p == Padding::valid) return 0;
  const Index total = (keras_out(in, k, s, p) - 1) * s + k - in;
  return total > 0 ? total / 2 : 0;
}

struct PoolCase {
  Index h, w, c;
  Size2 pool, strides;
  Padding padding;
};
// H != W, pool_h != pool_w, strides below, equal to and above the pool, odd sizes, both paddings.
const PoolCase kPoolCases[] = {
    {4, 4, 1, {2, 2}, {2, 2}, Padding::valid}, {5, 7, 2, {2, 3}, {1, 2}, Padding::valid},
    {5, 7, 3, {3, 3}, {2, 2}, Padding::same},  {6, 5, 2, {2, 2}, {1, 1}, Padding::same},
    {7, 6, 2, {3, 2}, {3, 3}, Padding::same},  {3, 5, 1, {1, 2}, {2, 1}, Padding::valid},
    {5, 5, 2, {4, 4}, {3, 3}, Padding::same},
};

// Max pooling by the definition: the maximum over the window's cells inside the image, the
// first maximum in row-major window order winning ties; also returns that cell per output.
struct Pooled {
  Tensor<double> y;
  std::vector<Index> winner;  // flat index into x of each output's maximum
};
Pooled max_pool_by_hand(const Tensor<double>& x, const PoolCase& k) {
  const Index N = x.dim(0), H = k.h, W = k.w, C = k.c;
  const Index oh = keras_out(H, k.pool.height, k.strides.height, k.padding);
  const Index ow = keras_out(W, k.pool.width, k.strides.width, k.padding);
  const Index pt = tf_pad_before(H, k.pool.height, k.strides.height, k.padding);
  const Index pl = tf_pad_before(W, k.pool.width, k.strides.width, k.padding);
  Pooled out{Tensor<double>({N, oh, ow, C}), {}};
  for (Index n = 0; n < N; ++n)
    for (Index i = 0; i < oh; ++i)
      for (Index j = 0; j < ow; ++j)
        for (Index c = 0; c < C; ++c) {
          double best = -std::numeric_limits<double>::infinity();
          Index arg = -1;
          for (Index p = 0; p < k.pool.height; ++p)
            for (Index q = 0; q < k.pool.width; ++q) {
              const Index r = i * k.strides.height - pt + p, s = j * k.strides.width - pl + q;
              if (r < 0 || r >= H || s < 0 || s >= W) continue;  // padding: never a candidate
              const Index at = ((n * H + r) * W + s) * C + c;
              if (x[at] > best) {
                best = x[at];
                arg = at;
              }
            }
          out.y[((n * oh + i) * ow + j) * C + c] = best;
          out.winner.push_back(arg);
        }
  return out;
}

Sequential<float> cnn_autoencoder() {
  return Sequential<float>({8, 8, 1}, Conv2D<float>(8, 3, padding = "same", activation = "relu"), MaxPooling2D<float>(2),
                           Conv2D<float>(8, 3, padding = "same", activation = "relu"), UpSampling2D<float>(2),
                           Conv2D<float>(1, 3, padding = "same", activation = "sigmoid"));
}

Sequential<float> dense_dropout_model() {
  return Sequential<float>({64}, Dense<float>(512, "relu"), Dropout<float>(0.5), Dense<float>(64, "sigmoid"));
}

Sequential<float> regularised_model() {
  return Sequential<float>({6, 6, 2}, Conv2D<float>(4, 3, padding = "same"), BatchNormalization<float>(momentum = 0.9),
                           GaussianNoise<float>(0.1), Flatten<float>(), Dense<float>(16, "relu"), Dropout<float>(0.25),
                           Dense<float>(72, "sigmoid"), Reshape<float>({6, 6, 2}));
}

std::string test_data(const char* name) {
  std::string dir = __FILE__;
  dir.resize(dir.find_last_of('/') + 1);
  return dir + "data/" + name;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no exception)";
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// MaxPooling2D

TEST_CASE("MaxPooling2D output shapes and defaults follow Keras", "[pooling][shape]") {
  // Keras: MaxPooling2D()(zeros((1, 7, 7, 3))).shape == (1, 3, 3, 3); with padding="same", (1, 4, 4, 3);
  // pool_size=3, strides=2 over 28x28: valid 13x13, same 14x14.
  auto out = [](MaxPooling2D<float> l, Shape in) { return l.setup(in); };
  CHECK(out(MaxPooling2D<float>(), {7, 7, 3}) == Shape{3, 3, 3});
  CHECK(out(MaxPooling2D<float>(2), {7, 7, 3}) == Shape{3, 3, 3});
  CHECK(out(MaxPooling2D<float>(2, padding = "same"), {7, 7, 3}) == Shape{4, 4, 3});
  CHECK(out(MaxPooling2D<float>(3, strides = 2), {28, 28, 1}) == Shape{13, 13, 1});
  CHECK(out(MaxPooling2D<float>(3, strides = 2, padding = "same"), {28, 28, 1}) == Shape{14, 14, 1});
  CHECK(out(MaxPooling2D<float>(pool_size = {2, 3}), {6, 9, 2}) == Shape{3, 3, 2});
  CHECK(out(MaxPooling2D<float>(2, strides = 1), {5, 4, 1}) == Shape{4, 3, 1});
  for (const auto& k : kPoolCases) {
    MaxPooling2D<double> l(k.pool, strides = k.strides, padding = k.padding);
    CHECK(l.setup({k.h, k.w, k.c}) == Shape{keras_out(k.h, k.pool.height, k.strides.height, k.padding),
                                            keras_out(k.w, k.pool.width, k.strides.width, k.padding), k.c});
  }
  MaxPooling2D<float> d;
  CHECK(d.config_string() == "pool_size=(2, 2), strides=(2, 2), padding=valid");
  CHECK(MaxPooling2D<float>(3, strides = 1, padding = "same").config_string() ==
        "pool_size=(3, 3), strides=(1, 1), padding=same");
  CHECK(d.param_count() == 0);
  CHECK(d.name_prefix() == "max_pooling2d");
}

TEST_CASE("MaxPooling2D rejects bad settings and inputs", "[pooling][errors]") {
  CHECK_THROWS_AS(MaxPooling2D<float>(0), ConfigError);
  CHECK_THROWS_AS(MaxPooling2D<float>(2, strides = 0), ConfigError);
  CHECK_THROWS_AS(MaxPooling2D<float>(pool_size = {2, -1}), ConfigError);
  CHECK_THROWS_AS(MaxPooling2D<float>(2, padding = "full"), ConfigError);
  MaxPooling2D<float> big(5);
  CHECK_THROWS_WITH(big.setup({4, 8, 1}), Catch::Contains("pool_size (5, 5)") && Catch::Contains("'valid'"));
  CHECK(MaxPooling2D<float>(5, padding = "same").setup({4, 8, 1}) == Shape{1, 2, 1});
  MaxPooling2D<float> flat;
  CHECK_THROWS_WITH(flat.setup({16}), Catch::Contains("(height, width, channels)"));
  Sequential<float> model({4, 4});
  CHECK_THROWS_AS(model.add(MaxPooling2D<float>()), ShapeError);
}

TEST_CASE("MaxPooling2D forward and backward match the definition", "[pooling]") {
  for (const auto& k : kPoolCases) {
    Standalone<MaxPooling2D<double>> s(MaxPooling2D<double>(k.pool, strides = k.strides, padding = k.padding),
                                       {k.h, k.w, k.c}, 1);
    const auto x = random_tensor({3, k.h, k.w, k.c}, 2);
    const auto y = s.run(x);
    const Pooled expected = max_pool_by_hand(x, k);
    INFO(s.layer.config_string() << " on " << k.h << "x" << k.w << "x" << k.c);
    REQUIRE(y.shape() == expected.y.shape());
    CHECK(same_bits(y, expected.y));
    // The gradient goes to each output's maximum, added where windows overlap.
    const auto dy = random_tensor(y.shape(), 3);
    Tensor<double> dx_expected(x.shape(), 0.0);
    for (Index o = 0; o < y.size(); ++o) dx_expected[expected.winner[std::size_t(o)]] += dy[o];
    const auto dx = s.back(x, y, dy);
    CHECK((dx.matrix() - dx_expected.matrix()).cwiseAbs().maxCoeff() < 1e-15);
    // Backward on an x other than the forward's pools again.
    const Tensor<double> x_copy = x;
    const auto dx_again = s.back(x_copy, y, dy);
    CHECK(same_bits(dx, dx_again));
  }
}

TEST_CASE("MaxPooling2D backward matches finite differences", "[pooling][grad]") {
  for (const auto& k : kPoolCases) {
    MaxPooling2D<double> pool(k.pool, strides = k.strides, padding = k.padding);
    testing::GradientCheckOptions opt;
    opt.batch = 2;
    const auto r = testing::check_layer_gradients(pool, {k.h, k.w, k.c}, opt);
    INFO(pool.config_string() << ": " << r.worst);
    CHECK(r.passed());
    CHECK(r.input_grad_norm > 0.1);
  }
}

TEST_CASE("MaxPooling2D: ties go to the first cell of the window, padding never wins", "[pooling]") {
  // A 4x4 image of ones, two channels, pool 2: every window is a tie; TensorFlow's MaxPoolGrad
  // sends each window's gradient to its top-left cell.
  Standalone<MaxPooling2D<double>> s(MaxPooling2D<double>(2), {4, 4, 2}, 0);
  Tensor<double> x({1, 4, 4, 2}, 1.0);
  const auto y = s.run(x);
  Tensor<double> dy(y.shape(), 1.0);
  const auto dx = s.back(x, y, dy);
  for (Index r = 0; r < 4; ++r)
    for (Index q = 0; q < 4; ++q)
      for (Index c = 0; c < 2; ++c) CHECK(dx[(r * 4 + q) * 2 + c] == ((r % 2 == 0 && q % 2 == 0) ? 1.0 : 0.0));

  // Ties inside one window: [[1, 3], [3, 2]] -> the 3 at (0, 1) wins, not the one at (1, 0).
  Standalone<MaxPooling2D<double>> t(MaxPooling2D<double>(2), {2, 2, 1}, 0);
  Tensor<double> x2({1, 2, 2, 1});
  x2[0] = 1;
  x2[1] = 3;
  x2[2] = 3;
  x2[3] = 2;
  const auto y2 = t.run(x2);
  CHECK(y2[0] == 3);
  const auto dx2 = t.back(x2, y2, Tensor<double>(y2.shape(), 5.0));
  CHECK(dx2[0] == 0);
  CHECK(dx2[1] == 5);
  CHECK(dx2[2] == 0);
  CHECK(dx2[3] == 0);

  // Overlapping windows (pool 3, stride 1, 'same') over a constant image: each window's
  // gradient goes to its first cell inside the image.
  Standalone<MaxPooling2D<double>> o(MaxPooling2D<double>(3, strides = 1, padding = "same"), {3, 3, 1}, 0);
  Tensor<double> x3({1, 3, 3, 1}, 2.0);
  const auto y3 = o.run(x3);
  const auto dx3 = o.back(x3, y3, Tensor<double>(y3.shape(), 1.0));
  // Window (i, j) starts at (max(i - 1, 0), max(j - 1, 0)): (0, 0) takes the four windows with
  // i, j <= 1, (0, 1) the windows (0|1, 2), (1, 0) the windows (2, 0|1), (1, 1) the window (2, 2).
  const double expected3[9] = {4, 2, 0, 2, 1, 0, 0, 0, 0};
  for (int i = 0; i < 9; ++i) CHECK(dx3[i] == expected3[i]);

  // 'same' padding over negative values: the padded cells (zeros in a convolution) never win.
  Standalone<MaxPooling2D<double>> p(MaxPooling2D<double>(2, padding = "same"), {3, 3, 1}, 0);
  Tensor<double> neg({1, 3, 3, 1}, -5.0);
  const auto yn = p.run(neg);
  REQUIRE(yn.shape() == Shape{1, 2, 2, 1});
  for (Index i = 0; i < 4; ++i) CHECK(yn[i] == -5.0);
}

// ---------------------------------------------------------------------------------------------
// UpSampling2D

TEST_CASE("UpSampling2D repeats pixels and sums the gradient of each block", "[upsampling]") {
  auto out = [](UpSampling2D<float> l, Shape in) { return l.setup(in); };
  CHECK(out(UpSampling2D<float>(), {7, 7, 3}) == Shape{14, 14, 3});
  CHECK(out(UpSampling2D<float>(2), {4, 5, 1}) == Shape{8, 10, 1});
  CHECK(out(UpSampling2D<float>({2, 3}), {4, 5, 1}) == Shape{8, 15, 1});
  CHECK(out(UpSampling2D<float>(size = 3), {2, 2, 2}) == Shape{6, 6, 2});
  CHECK(UpSampling2D<float>({1, 2}).config_string() == "size=(1, 2), interpolation=nearest");
  CHECK(UpSampling2D<float>().name_prefix() == "up_sampling2d");
  CHECK_THROWS_AS(UpSampling2D<float>(0), ConfigError);
  UpSampling2D<float> flat;
  CHECK_THROWS_AS(flat.setup({16}), ShapeError);

  for (Size2 f : {Size2(2), Size2(2, 3), Size2(3, 1), Size2(1)}) {
    const Index H = 3, W = 4, C = 2;
    Standalone<UpSampling2D<double>> s(UpSampling2D<double>(f), {H, W, C}, 0);
    const auto x = random_tensor({2, H, W, C}, 7);
    const auto y = s.run(x);
    const Index oh = H * f.height, ow = W * f.width;
    REQUIRE(y.shape() == Shape{2, oh, ow, C});
    // y[n, i, j, c] = x[n, i / sh, j / sw, c]
    bool all = true;
    for (Index n = 0; n < 2; ++n)
      for (Index i = 0; i < oh; ++i)
        for (Index j = 0; j < ow; ++j)
          for (Index c = 0; c < C; ++c)
            all = all && y[((n * oh + i) * ow + j) * C + c] == x[((n * H + i / f.height) * W + j / f.width) * C + c];
    CHECK(all);
    // dx[n, a, b, c] = sum of dy over the block of (a, b)
    const auto dy = random_tensor(y.shape(), 8);
    Tensor<double> expected(x.shape(), 0.0);
    for (Index n = 0; n < 2; ++n)
      for (Index i = 0; i < oh; ++i)
        for (Index j = 0; j < ow; ++j)
          for (Index c = 0; c < C; ++c)
            expected[((n * H + i / f.height) * W + j / f.width) * C + c] += dy[((n * oh + i) * ow + j) * C + c];
    const auto dx = s.back(x, y, dy);
    CHECK((dx.matrix() - expected.matrix()).cwiseAbs().maxCoeff() < 1e-14);

    UpSampling2D<double> up(f);
    const auto r = testing::check_layer_gradients(up, {H, W, C});
    INFO(up.config_string() << ": " << r.worst);
    CHECK(r.passed());
    CHECK(r.input_grad_norm > 0.1);
  }
}

// ---------------------------------------------------------------------------------------------
// Dropout and GaussianNoise

TEST_CASE("Dropout: inverted dropout in training, the identity in inference", "[dropout]") {
  const Index n = 100000;
  const double rate_ = 0.3;
  Standalone<Dropout<double>> s(Dropout<double>(rate_), {n}, 11);
  const auto x = random_tensor({1, n}, 12, 0.5, 1.5);  // never 0: a zero output means dropped
  const auto dy = random_tensor({1, n}, 13);

  // Inference (the default outside fit): y = x, dx = dy.
  CHECK(!s.layer.training());
  CHECK(same_bits(s.run(x), x));
  const Tensor<double> y0 = s.run(x);
  CHECK(same_bits(s.back(x, y0, dy), dy));
  CHECK(s.layer.step() == 0);

  s.layer.set_training(true);
  const auto y = s.run(x);
  CHECK(s.layer.step() == 1);
  const double scale = 1.0 / (1.0 - rate_);
  Index dropped = 0;
  bool kept_scaled = true;
  for (Index i = 0; i < n; ++i) {
    if (y[i] == 0)
      ++dropped;
    else
      kept_scaled = kept_scaled && y[i] == x[i] * scale;
  }
  CHECK(kept_scaled);
  // Binomial(n, 0.3): standard deviation sqrt(n 0.3 0.7) = 145; allow 5 of them.
  CHECK(std::abs(double(dropped) - rate_ * double(n)) < 5 * 145);
  // The backward pass takes the forward's mask: dx = dy where kept (scaled), 0 where dropped.
  const auto dx = s.back(x, y, dy);
  bool follows_mask = true;
  for (Index i = 0; i < n; ++i) follows_mask = follows_mask && dx[i] == (y[i] == 0 ? 0.0 : dy[i] * scale);
  CHECK(follows_mask);

  // The next training pass draws another mask; rewinding the step draws the same one again.
  const auto y_next = s.run(x);
  CHECK(!same_bits(y, y_next));
  s.layer.set_step(0);
  CHECK(same_bits(s.run(x), y));
  // Another seed, another mask.
  Standalone<Dropout<double>> other(Dropout<double>(rate_), {n}, 99);
  other.layer.set_training(true);
  CHECK(!same_bits(other.run(x), y));
}

TEST_CASE("Dropout and GaussianNoise settings, names and errors", "[dropout][noise][errors]") {
  CHECK(Dropout<float>(rate = 0.25).rate() == 0.25);
  CHECK(Dropout<float>(0.5).config_string() == "rate=0.5");
  CHECK(GaussianNoise<float>(stddev = 0.1).stddev() == 0.1);
  CHECK(GaussianNoise<float>(0.1).config_string() == "stddev=0.1");
  CHECK(GaussianNoise<float>(0.1).name_prefix() == "gaussian_noise");
  CHECK_THROWS_AS(Dropout<float>(1.0), ConfigError);
  CHECK_THROWS_AS(Dropout<float>(-0.1), ConfigError);
  CHECK_THROWS_AS(Dropout<float>(std::nan("")), ConfigError);
  CHECK_THROWS_AS(GaussianNoise<float>(-1.0), ConfigError);
  CHECK_THROWS_AS(GaussianNoise<float>(std::numeric_limits<double>::infinity()), ConfigError);
  // Any input shape; the output has the same.
  Dropout<float> d(0.5);
  CHECK(d.setup({3, 4, 5}) == Shape{3, 4, 5});
  CHECK(d.param_count() == 0);
  // A training backward pass needs the mask of a training forward pass of the same batch.
  Standalone<Dropout<double>> s(Dropout<double>(0.5), {4}, 1);
  s.layer.set_training(true);
  const auto x = random_tensor({2, 4}, 1);
  CHECK_THROWS_AS(s.back(x, x, x), ConfigError);
  // rate 0 is the identity in both modes.
  Standalone<Dropout<double>> zero(Dropout<double>(0.0), {4}, 1);
  zero.layer.set_training(true);
  CHECK(same_bits(zero.run(x), x));
}

TEST_CASE("GaussianNoise adds N(0, stddev^2) in training only", "[noise]") {
  const Index n = 200000;
  const double sd = 0.5;
  Standalone<GaussianNoise<double>> s(GaussianNoise<double>(sd), {n}, 21);
  const auto x = random_tensor({1, n}, 22);
  CHECK(same_bits(s.run(x), x));  // inference
  s.layer.set_training(true);
  const auto y = s.run(x);
  double sum = 0, sum2 = 0, sum4 = 0;
  for (Index i = 0; i < n; ++i) {
    const double e = y[i] - x[i];
    sum += e;
    sum2 += e * e;
    sum4 += e * e * e * e;
  }
  const double mean = sum / double(n), var = sum2 / double(n);
  // Mean: standard error sd / sqrt(n) = 0.0011; variance: standard error sd^2 sqrt(2 / n) = 0.00079.
  CHECK(std::abs(mean) < 5 * sd / std::sqrt(double(n)));
  CHECK(std::abs(var - sd * sd) < 5 * sd * sd * std::sqrt(2.0 / double(n)));
  CHECK(std::abs(sum4 / double(n) / (var * var) - 3.0) < 0.1);  // a normal's kurtosis
  // dx = dy in both modes; a new step draws new noise.
  const auto dy = random_tensor({1, n}, 23);
  CHECK(same_bits(s.back(x, y, dy), dy));
  CHECK(!same_bits(s.run(x), y));
  s.layer.set_step(0);
  CHECK(same_bits(s.run(x), y));
}

TEST_CASE("Dropout and GaussianNoise backward match finite differences with the noise held", "[dropout][noise][grad]") {
  FrozenNoise<Dropout<double>> dropout(0.4);
  dropout.set_training(true);
  const auto r1 = testing::check_layer_gradients(dropout, {3, 5, 2});
  INFO(r1.worst);
  CHECK(r1.passed());
  CHECK(r1.input_grad_norm > 0.1);
  FrozenNoise<GaussianNoise<double>> noise(0.3);
  noise.set_training(true);
  const auto r2 = testing::check_layer_gradients(noise, {7});
  INFO(r2.worst);
  CHECK(r2.passed());
  CHECK(r2.input_grad_norm > 0.1);
  Dropout<double> inference(0.4);  // inference: the identity
  CHECK(testing::check_layer_gradients(inference, {6}).passed());
}

TEST_CASE("Dropout and GaussianNoise draw the same bits with 1 and 2 threads", "[dropout][noise][threads]") {
  const Index n = 1 << 17;  // several parallel chunks
  auto draw = [&](int threads, auto layer) {
    set_num_threads(threads);
    Standalone<decltype(layer)> s(std::move(layer), {n}, 5);
    s.layer.set_training(true);
    const auto x = random_tensor({2, n}, 6);
    Tensor<double> y = s.run(x);
    const Tensor<double> y2 = s.run(x);  // the second step too
    const Tensor<double> dx = s.back(x, y2, x);
    std::vector<Tensor<double>> out{y, y2, dx};
    return out;
  };
  const int before = num_threads();
  const auto d1 = draw(1, Dropout<double>(0.5)), d2 = draw(2, Dropout<double>(0.5));
  const auto g1 = draw(1, GaussianNoise<double>(1.0)), g2 = draw(2, GaussianNoise<double>(1.0));
  set_num_threads(before);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(same_bits(d1[i], d2[i]));
    CHECK(same_bits(g1[i], g2[i]));
  }
  // float draws the same decisions as double: the mask depends on (seed, step, i) only.
  Standalone<Dropout<double>> sd(Dropout<double>(0.5), {64}, 5);
  Dropout<float> f(0.5);
  f.setup({64});
  Rng rng(5);
  f.init(rng);
  sd.layer.set_training(true);
  f.set_training(true);
  const auto xd = random_tensor({1, 64}, 1, 1, 2);
  Tensor<float> xf({1, 64}), yf({1, 64});
  for (Index i = 0; i < 64; ++i) xf[i] = float(xd[i]);
  f.forward(xf.view(), yf.view());
  const auto yd = sd.run(xd);
  for (Index i = 0; i < 64; ++i) CHECK((yf[i] == 0) == (yd[i] == 0));
}

// ---------------------------------------------------------------------------------------------
// BatchNormalization

TEST_CASE("BatchNormalization: weights, state, defaults and errors", "[batchnorm]") {
  BatchNormalization<float> bn;
  CHECK(bn.setup({5, 5, 3}) == Shape{5, 5, 3});
  CHECK(bn.param_count() == 6);  // gamma, beta
  CHECK(bn.state_count() == 6);  // moving_mean, moving_variance
  CHECK(bn.weight_shapes() == std::vector<Shape>{Shape{3}, Shape{3}});
  CHECK(bn.state_shapes() == std::vector<Shape>{Shape{3}, Shape{3}});
  CHECK(bn.config_string() == "axis=-1, momentum=0.99, epsilon=0.001");
  CHECK(BatchNormalization<float>(momentum = 0.9, epsilon = 1e-5).config_string() ==
        "axis=-1, momentum=0.9, epsilon=1e-05");
  CHECK(bn.name_prefix() == "batch_normalization");
  CHECK_THROWS_AS(BatchNormalization<float>(momentum = 1.5), ConfigError);
  CHECK_THROWS_AS(BatchNormalization<float>(epsilon = 0.0), ConfigError);
  CHECK_THROWS_AS(BatchNormalization<float>(epsilon = -1e-3), ConfigError);

  // Keras's initial values: gamma 1, beta 0, moving mean 0, moving variance 1.
  Standalone<BatchNormalization<double>> s(BatchNormalization<double>(), {4}, 0, false);
  CHECK(s.params == std::vector<double>{1, 1, 1, 1, 0, 0, 0, 0});
  CHECK(s.state == std::vector<double>{0, 0, 0, 0, 1, 1, 1, 1});

  // Inference needs the moving statistics: a layer without state cannot run it.
  BatchNormalization<double> alone;
  alone.setup({4});
  std::vector<double> p(8), g(8);
  alone.bind(p.data(), g.data());
  Tensor<double> x({2, 4}, 1.0), y({2, 4});
  CHECK_THROWS_WITH(alone.forward(x.view(), y.view()), Catch::Contains("no moving statistics"));
  alone.set_training(true);
  CHECK_NOTHROW(alone.forward(x.view(), y.view()));  // batch statistics only
}

TEST_CASE("BatchNormalization forward, moving statistics and inference match the formulas", "[batchnorm]") {
  for (const Shape& in : {Shape{5}, Shape{3, 4, 3}, Shape{2, 2}}) {
    const Index C = in[in.rank() - 1], batch = 4, rows = batch * in.size() / C;
    const double momentum_ = 0.9, eps = 1e-3;
    BatchNormalization<double> layer(momentum = momentum_);
    Standalone<BatchNormalization<double>> s(layer, in, 3);
    const auto x1 = random_tensor(in.with_batch(batch), 4, -2, 3);
    const auto x2 = random_tensor(in.with_batch(batch), 5, 0, 1);
    const std::vector<double> gamma(s.params.begin(), s.params.begin() + C), beta(s.params.begin() + C, s.params.end());

    // Training: batch mean and biased variance per channel (the last axis), over every other axis.
    s.layer.set_training(true);
    std::vector<double> mm(std::size_t(C), 0.0), mv(std::size_t(C), 1.0);
    for (const Tensor<double>* x : {&x1, &x2}) {
      const auto y = s.run(*x);
      for (Index c = 0; c < C; ++c) {
        double mean = 0, var = 0;
        for (Index r = 0; r < rows; ++r) mean += (*x)[r * C + c];
        mean /= double(rows);
        for (Index r = 0; r < rows; ++r) var += ((*x)[r * C + c] - mean) * ((*x)[r * C + c] - mean);
        var /= double(rows);
        CHECK(std::abs(s.layer.batch_mean()[std::size_t(c)] - mean) < 1e-14);
        CHECK(std::abs(s.layer.batch_variance()[std::size_t(c)] - var) < 1e-14);
        double worst = 0;
        for (Index r = 0; r < rows; ++r) {
          const double expected = gamma[std::size_t(c)] * ((*x)[r * C + c] - mean) / std::sqrt(var + eps) + beta[std::size_t(c)];
          worst = std::max(worst, std::abs(y[r * C + c] - expected));
        }
        CHECK(worst < 1e-13);
        // Keras: moving = moving * momentum + batch * (1 - momentum)
        mm[std::size_t(c)] = mm[std::size_t(c)] * momentum_ + mean * (1 - momentum_);
        mv[std::size_t(c)] = mv[std::size_t(c)] * momentum_ + var * (1 - momentum_);
      }
    }
    for (Index c = 0; c < C; ++c) {
      CHECK(std::abs(s.state[std::size_t(c)] - mm[std::size_t(c)]) < 1e-15);
      CHECK(std::abs(s.state[std::size_t(C + c)] - mv[std::size_t(c)]) < 1e-15);
      CHECK(s.layer.moving_mean()(c) == s.state[std::size_t(c)]);
      CHECK(s.layer.moving_variance()(c) == s.state[std::size_t(C + c)]);
    }

    // Inference: the moving statistics, which it leaves alone.
    s.layer.set_training(false);
    const std::vector<double> state_before = s.state;
    const auto y = s.run(x1);
    double worst = 0;
    for (Index r = 0; r < rows; ++r)
      for (Index c = 0; c < C; ++c) {
        const double expected = gamma[std::size_t(c)] * (x1[r * C + c] - mm[std::size_t(c)]) / std::sqrt(mv[std::size_t(c)] + eps) +
                                beta[std::size_t(c)];
        worst = std::max(worst, std::abs(y[r * C + c] - expected));
      }
    CHECK(worst < 1e-13);
    CHECK(s.state == state_before);
  }
}

TEST_CASE("BatchNormalization backward matches finite differences", "[batchnorm][grad]") {
  // Training mode, through the batch statistics (a layer checked alone has no moving statistics
  // to update: the check sees the batch normalisation only).
  for (const Shape& in : {Shape{5}, Shape{3, 2, 4}, Shape{2, 3}}) {
    for (Index batch : {Index(1), Index(3)}) {
      if (in.rank() == 1 && batch == 1) continue;  // one value per channel: y = beta, nothing to check
      BatchNormalization<double> bn;
      bn.set_training(true);
      testing::GradientCheckOptions opt;
      opt.batch = batch;
      opt.input_low = -1;
      opt.input_high = 2;
      const auto r = testing::check_layer_gradients(bn, in, opt);
      INFO(in.to_string() << " batch " << batch << ": " << r.worst);
      CHECK(r.passed());
      CHECK(r.input_grad_norm > 1e-3);
      CHECK(r.param_grad_norm > 1e-3);
    }
  }
  // Inference mode, with moving statistics of our own.
  struct WithStats : BatchNormalization<double> {
    void init(Rng& rng) override {
      BatchNormalization<double>::init(rng);
      for (Index c = 0; c < channels(); ++c) {
        moving_mean()(c) = 0.3 * double(c) - 0.2;
        moving_variance()(c) = 0.5 + 0.25 * double(c);
      }
    }
  } bn;
  std::vector<double> state(8);
  bn.setup({3, 4});
  bn.bind_state(state.data());
  const auto r = testing::check_layer_gradients(bn, {3, 4});
  INFO(r.worst);
  CHECK(r.passed());
  CHECK(r.input_grad_norm > 1e-3);
  CHECK(r.param_grad_norm > 1e-3);
  CHECK(state[1] == 0.3 - 0.2);
}

TEST_CASE("BatchNormalization statistics have the same bits with 1 and 2 threads", "[batchnorm][threads]") {
  auto run = [](int threads) {
    set_num_threads(threads);
    Standalone<BatchNormalization<float>> s(BatchNormalization<float>(), {16, 16, 8}, 1);
    s.layer.set_training(true);
    Rng rng(2);
    Tensor<float> x({64, 16, 16, 8}), y(x.shape()), dx(x.shape()), dy(x.shape());
    for (auto& v : x) v = float(rng.uniform(-1, 5));
    for (auto& v : dy) v = float(rng.uniform(-1, 1));
    s.layer.forward(x.view(), y.view());
    s.layer.backward(x.view(), y.view(), dy.view(), dx.view());
    return std::make_tuple(y, dx, s.state);
  };
  const int before = num_threads();
  const auto a = run(1), b = run(2);
  set_num_threads(before);
  CHECK(same_bits(std::get<0>(a), std::get<0>(b)));
  CHECK(same_bits(std::get<1>(a), std::get<1>(b)));
  CHECK(std::get<2>(a) == std::get<2>(b));
}

// ---------------------------------------------------------------------------------------------
// In models

TEST_CASE("summary() counts BatchNormalization's moving statistics as non-trainable, as Keras", "[batchnorm][summary]") {
  // Keras: Conv2D(4, 3, padding="same") on (8, 8, 3): 3*3*3*4 + 4 = 112; BatchNormalization():
  // 4 * 4 = 16 of which 8 non-trainable; Dense(2) on 256: 514. Total 642, trainable 634.
  Sequential<float> model({8, 8, 3}, Conv2D<float>(4, 3, padding = "same"), BatchNormalization<float>(),
                          MaxPooling2D<float>(), UpSampling2D<float>(), Flatten<float>(), Dense<float>(2));
  model.build(1);
  const std::string s = model.summary_string();
  CHECK_THAT(s, Catch::Contains("batch_normalization (BatchNormalization) (None, 8, 8, 4) 16\n"));
  CHECK_THAT(s, Catch::Contains("max_pooling2d (MaxPooling2D) (None, 4, 4, 4)           0\n"));
  CHECK_THAT(s, Catch::Contains("up_sampling2d (UpSampling2D) (None, 8, 8, 4)           0\n"));
  CHECK_THAT(s, Catch::Contains("Total params: 642\n"));
  CHECK_THAT(s, Catch::Contains("Trainable params: 634\n"));
  CHECK_THAT(s, Catch::Contains("Non-trainable params: 8\n"));
  CHECK(model.param_count() == 634);
  CHECK(model.state_count() == 8);
  const auto st = model.state();
  CHECK(st.size() == 8);
  for (Index c = 0; c < 4; ++c) {
    CHECK(st[c] == 0.0f);
    CHECK(st[4 + c] == 1.0f);
  }
}

TEST_CASE("In a model, the noise layers train and the moving statistics update only in fit", "[batchnorm][dropout][sequential]") {
  auto model = regularised_model();
  model.build(3);
  model.compile(Adam<float>(0.01), "binary_crossentropy");
  Rng rng(4);
  Tensor<float> x({32, 6, 6, 2});
  for (auto& v : x) v = float(rng.uniform());
  const Eigen::VectorXf state0 = model.state();
  const auto p1 = model.predict(x), p2 = model.predict(x);
  CHECK(same_bits(p1, p2));  // inference: no noise
  model.evaluate(x, x, 32, verbose = 0);
  CHECK(Eigen::VectorXf(model.state()) == state0);  // evaluate and predict leave the moving statistics
  const auto h = model.fit(x, x, 4, 8, seed = 1, verbose = 0);
  CHECK(Eigen::VectorXf(model.state()) != state0);
  CHECK(model.state().allFinite());
  CHECK(h.loss.back() < h.loss.front());
  const auto& bn = static_cast<BatchNormalization<float>&>(model.layer(1));
  CHECK(bn.training() == false);  // fit leaves the model in inference mode
  auto& dropout = static_cast<Dropout<float>&>(model.layer(5));
  CHECK(dropout.step() == 16);  // 4 epochs of 4 batches
}

TEST_CASE("A model with Dropout trains to the same bits with 1 and 2 threads", "[dropout][sequential][threads]") {
  auto train = [](int threads) {
    set_num_threads(threads);
    auto model = dense_dropout_model();
    model.build(7);
    model.compile(Adam<float>(), "binary_crossentropy");
    Rng rng(8);
    Tensor<float> x({256, 64});
    for (auto& v : x) v = float(rng.uniform());
    const auto h = model.fit(x, x, 2, 128, shuffle = true, seed = 9, verbose = 0);
    return std::make_pair(Eigen::VectorXf(model.parameters()), h.loss);
  };
  const int before = num_threads();
  const auto a = train(1), b = train(2);
  set_num_threads(before);
  REQUIRE(a.first.size() == b.first.size());
  CHECK(std::memcmp(a.first.data(), b.first.data(), sizeof(float) * std::size_t(a.first.size())) == 0);
  CHECK(a.second == b.second);
}

TEST_CASE("A CNN autoencoder with MaxPooling2D and UpSampling2D learns", "[pooling][upsampling][sequential]") {
  auto model = cnn_autoencoder();
  model.build(1);
  model.compile(Adam<float>(0.01), "binary_crossentropy");
  Rng rng(2);
  Tensor<float> x({32, 8, 8, 1});
  for (auto& v : x) v = float(rng.uniform());
  const auto h = model.fit(x, x, 8, 8, seed = 3, verbose = 0);
  INFO("first epoch " << h.loss.front() << ", last " << h.loss.back());
  CHECK(h.loss.back() < h.loss.front() - 0.005);
  for (std::size_t e = 1; e < h.loss.size(); ++e) CHECK(h.loss[e] < h.loss[0]);
  const auto y = model.predict(x);
  CHECK(y.shape() == x.shape());
}

// ---------------------------------------------------------------------------------------------
// Model files

TEST_CASE("Model files keep BatchNormalization's moving statistics", "[batchnorm][serialize]") {
  auto model = regularised_model();
  model.build(1);
  model.compile(Adam<float>(0.01), "binary_crossentropy");
  Rng rng(4);
  Tensor<float> x({16, 6, 6, 2});
  for (auto& v : x) v = float(rng.uniform());
  model.fit(x, x, 2, 8, seed = 2, verbose = 0);
  const std::string path = "/tmp/autoenc-layers-extra-bn.model";
  save_model(model, path);
  const std::string bytes = read_all(path);
  CHECK(bytes[8] == 2);  // format version 2

  auto fresh = regularised_model();
  fresh.build(5);
  load_weights(fresh, path);
  CHECK(Eigen::VectorXf(fresh.state()) == Eigen::VectorXf(model.state()));
  CHECK(Eigen::VectorXf(fresh.parameters()) == Eigen::VectorXf(model.parameters()));
  CHECK(same_bits(fresh.predict(x), model.predict(x)));

  // A file whose state section is cut short or padded is refused, and changes nothing.
  auto target = regularised_model();
  target.build(5);
  const Eigen::VectorXf state_before = target.state();
  const std::string bad = "/tmp/autoenc-layers-extra-bad.model";
  std::ofstream(bad, std::ios::binary) << bytes.substr(0, bytes.size() - 12) + bytes.substr(bytes.size() - 8);
  CHECK_THAT(error_of([&] { load_weights(target, bad); }), Catch::Contains("truncated"));
  std::ofstream(bad, std::ios::binary) << bytes.substr(0, bytes.size() - 8) + std::string(4, '\0') +
                                              bytes.substr(bytes.size() - 8);
  CHECK_THAT(error_of([&] { load_weights(target, bad); }), Catch::Contains("padded"));
  CHECK(Eigen::VectorXf(target.state()) == state_before);
  std::remove(path.c_str());
  std::remove(bad.c_str());
}

TEST_CASE("A model file of format version 1 still loads", "[serialize]") {
  // tests/data/model_v1_small.model was written by the format-1 writer from this model with
  // parameters p[i] = ((i % 13) - 6) / 8.
  auto make = [] {
    return Sequential<float>({4, 4, 1}, Conv2D<float>(2, 3, padding = "same", activation = "relu"), Flatten<float>(),
                             Dense<float>(3, "sigmoid"));
  };
  const std::string v1 = test_data("model_v1_small.model");
  const std::string bytes = read_all(v1);
  REQUIRE(bytes.size() > 12);
  CHECK(bytes[8] == 1);
  auto model = make();
  model.build(5);
  load_weights(model, v1);
  const auto p = model.parameters();
  REQUIRE(p.size() == 119);
  bool all = true;
  for (Index i = 0; i < p.size(); ++i) all = all && p[i] == float((i % 13) - 6) / 8.0f;
  CHECK(all);
  // Saved again, it is a version-2 file with the same weights.
  const std::string path = "/tmp/autoenc-layers-extra-v2.model";
  save_model(model, path);
  CHECK(read_all(path)[8] == 2);
  CHECK(read_all(path).size() == bytes.size() + 8);  // S = 0
  auto again = make();
  again.build(6);
  load_weights(again, path);
  CHECK(Eigen::VectorXf(again.parameters()) == Eigen::VectorXf(model.parameters()));
  std::remove(path.c_str());
}
