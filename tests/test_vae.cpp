// VariationalAutoencoder: gradients through the sampling and the KL term against finite
// differences, the loss against its formula, training, determinism, saving and errors.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include <autoenc/autoenc.hpp>
#include <autoenc/model/variational_autoencoder.hpp>

using namespace autoenc;

namespace {

template <class T>
VariationalAutoencoder<T> tiny_vae(const std::string& reconstruction = "binary_crossentropy") {
  VariationalAutoencoder<T> vae(Sequential<T>({6}, Dense<T>(5, "tanh")), 2,
                                Sequential<T>({2}, Dense<T>(5, "tanh"), Dense<T>(6, "sigmoid")));
  vae.build(3);
  vae.compile(SGD<T>(), reconstruction);
  return vae;
}

template <class T>
Tensor<T> uniform_tensor(const Shape& shape, std::uint64_t seed, double low, double high) {
  Rng rng(seed);
  Tensor<T> t(shape);
  for (auto& v : t) v = T(rng.uniform(low, high));
  return t;
}

/// Points near a curve in [0, 1]^6: data a 2-d code can describe.
Tensor<float> curve_data(Index n, std::uint64_t seed) {
  Rng rng(seed);
  Tensor<float> x({n, 6});
  for (Index i = 0; i < n; ++i) {
    const double t = rng.uniform(0, 3.14);
    for (Index j = 0; j < 6; ++j) x[i * 6 + j] = float(0.5 + 0.45 * std::sin(t + 0.5 * double(j)));
  }
  return x;
}

}  // namespace

TEST_CASE("VAE gradients, through the sampling and the KL term, match finite differences", "[vae][grad]") {
  for (const std::string reconstruction : {"binary_crossentropy", "mse"}) {
    auto vae = tiny_vae<double>(reconstruction);
    // Larger weights than the initialisation gives, so that log_var is far from 0 and the
    // exp(log_var / 2) factor matters.
    Rng rng(11);
    for (Sequential<double>* part : {&vae.encoder(), &vae.mean_head(), &vae.log_var_head(), &vae.decoder()})
      for (Index i = 0; i < part->parameters().size(); ++i) part->parameters()[i] += rng.uniform(-0.5, 0.5);
    const auto x = uniform_tensor<double>({4, 6}, 1, 0.05, 0.95);
    const auto eps = uniform_tensor<double>({4, 2}, 2, -1.5, 1.5);
    const double loss = vae.compute_gradients(x.view(), eps.view());
    CHECK(loss == Approx(vae.loss(x.view(), eps.view())).epsilon(1e-12));
    double worst = 0, norm = 0;
    std::string where;
    const double h = 1e-6;
    for (Sequential<double>* part : {&vae.encoder(), &vae.mean_head(), &vae.log_var_head(), &vae.decoder()}) {
      const Eigen::VectorXd analytic = part->gradients();
      auto params = part->parameters();
      for (Index i = 0; i < params.size(); ++i) {
        const double saved = params[i];
        params[i] = saved + h;
        const double plus = vae.loss(x.view(), eps.view());
        params[i] = saved - h;
        const double minus = vae.loss(x.view(), eps.view());
        params[i] = saved;
        const double numeric = (plus - minus) / (2 * h);
        const double err = std::abs(numeric - analytic[i]) / (1e-7 + 1e-5 * std::max(std::abs(numeric), std::abs(analytic[i])));
        norm += analytic[i] * analytic[i];
        if (err > worst) {
          worst = err;
          where = part->layer(0).name() + " param " + std::to_string(i) + ": analytic " + std::to_string(analytic[i]) +
                  ", numeric " + std::to_string(numeric);
        }
      }
    }
    INFO(reconstruction << ": " << where);
    CHECK(worst <= 1.0);
    CHECK(std::sqrt(norm) > 1e-2);
  }
}

TEST_CASE("VAE loss is the summed reconstruction plus the KL divergence, per sample", "[vae]") {
  auto vae = tiny_vae<double>();
  const auto x = uniform_tensor<double>({5, 6}, 3, 0.0, 1.0);
  const auto eps = uniform_tensor<double>({5, 2}, 4, -1, 1);
  const auto mu = vae.encode(x), log_var = vae.encode_log_var(x);
  Tensor<double> z({5, 2});
  double kl = 0;
  for (Index i = 0; i < z.size(); ++i) {
    z[i] = mu[i] + std::exp(log_var[i] / 2) * eps[i];
    kl += -0.5 * (1 + log_var[i] - mu[i] * mu[i] - std::exp(log_var[i]));
  }
  const auto out = vae.decode(z);
  double bce = 0;
  for (Index i = 0; i < out.size(); ++i) bce -= x[i] * std::log(out[i]) + (1 - x[i]) * std::log(1 - out[i]);
  CHECK(kl > 1e-3);
  CHECK(vae.loss(x.view(), eps.view()) == Approx((bce + kl) / 5).epsilon(1e-9));
}

TEST_CASE("VAE trains, is deterministic, saves and loads, and works with callbacks", "[vae]") {
  const auto x = curve_data(512, 5);
  auto make = [] {
    VariationalAutoencoder<float> vae(Sequential<float>({6}, Dense<float>(16, "relu")), 2,
                                      Sequential<float>({2}, Dense<float>(16, "relu"), Dense<float>(6, "sigmoid")));
    vae.compile(Adam<float>(learning_rate = 0.01));
    return vae;
  };
  auto a = make();
  const double before = a.evaluate(x, verbose = 0);
  const auto history = a.fit(x, epochs = 15, batch_size = 32, verbose = 0, seed = 9, validation_split = 0.25);
  const double after = a.evaluate(x, verbose = 0);
  CHECK(after < before - 0.05);
  REQUIRE(history.val_loss.size() == 15);
  CHECK(history.loss.back() < history.loss.front());
  CHECK(a.encode(x).shape() == Shape{512, 2});
  CHECK(a.predict(x).shape() == Shape{512, 6});
  CHECK(a.evaluate(x, verbose = 0, seed = 1) == a.evaluate(x, verbose = 0, seed = 1));

  auto b = make();
  b.fit(x, epochs = 15, batch_size = 32, verbose = 0, seed = 9, validation_split = 0.25);
  CHECK(b.evaluate(x, verbose = 0) == after);  // same seed, same result

  const std::string path = "vae_test.model";
  a.save(path);
  auto c = make();
  c.load_weights(path);
  CHECK(c.evaluate(x, verbose = 0) == after);
  std::remove(path.c_str());
  CHECK(c.get_weights().size() == 10);  // encoder 2, heads 2 + 2, decoder 4

  // A mismatched VAE refuses the file and keeps its weights.
  VariationalAutoencoder<float> other(Sequential<float>({6}, Dense<float>(8, "relu")), 2,
                                      Sequential<float>({2}, Dense<float>(6, "sigmoid")));
  other.compile(Adam<float>());
  a.save(path);
  CHECK_THROWS_AS(other.load_weights(path), IoError);
  std::remove(path.c_str());

  EarlyStopping<float> early(monitor = "val_loss", patience = 1, min_delta = 100.0);
  const auto stopped = c.fit(x, epochs = 10, verbose = 0, validation_split = 0.25, callbacks(early));
  CHECK(stopped.loss.size() == 2);
}

TEST_CASE("VAE parts that do not fit together are refused at construction, naming the shapes", "[vae]") {
  CHECK_THROWS_WITH((VariationalAutoencoder<float>(Sequential<float>({6}, Dense<float>(4)), 2,
                                                   Sequential<float>({3}, Dense<float>(6)))),
                    Catch::Contains("(3,)") && Catch::Contains("(2,)"));
  CHECK_THROWS_WITH((VariationalAutoencoder<float>(Sequential<float>({6}, Dense<float>(4)), 2,
                                                   Sequential<float>({2}, Dense<float>(5)))),
                    Catch::Contains("reconstructs"));
  CHECK_THROWS_WITH((VariationalAutoencoder<float>(Sequential<float>({4, 4, 1}), 2,
                                                   Sequential<float>({2}, Dense<float>(16), Reshape<float>({4, 4, 1})))),
                    Catch::Contains("vector"));
  CHECK_THROWS_AS((VariationalAutoencoder<float>(Sequential<float>({6}, Dense<float>(4)), 0,
                                                 Sequential<float>({0}))),
                  std::exception);
  auto vae = tiny_vae<float>();
  CHECK_THROWS_AS(vae.evaluate(Tensor<float>({3, 5}), verbose = 0), ShapeError);
  CHECK_THROWS_AS(vae.loss(Tensor<float>({3, 6}).view(), Tensor<float>({2, 2}).view()), ShapeError);
}
