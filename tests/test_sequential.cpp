#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <regex>
#include <sstream>
#include <vector>

#include <autoenc/autoenc.hpp>
#include <autoenc/testing/gradient_check.hpp>

using namespace autoenc;

namespace {

Sequential<float> chapter_dense_model() {
  return Sequential<float>({784}, Dense<float>(784, "relu"), Dense<float>(64, "relu"),
                           Dense<float>(784, "sigmoid"));
}

// Smooth synthetic "images": sums of a few random bumps, values in [0, 1].
Tensor<float> synthetic_images(Index n, Index d, std::uint64_t seed) {
  Rng rng(seed);
  Tensor<float> x({n, d});
  for (Index i = 0; i < n; ++i) {
    const double a = rng.uniform(0, 6.28), b = rng.uniform(0.5, 3);
    for (Index j = 0; j < d; ++j) x.matrix()(i, j) = float(0.5 + 0.4 * std::sin(a + b * double(j) / double(d) * 6.28));
  }
  return x;
}

}  // namespace

TEST_CASE("summary() prints the chapter's Keras table", "[sequential][summary]") {
  auto model = chapter_dense_model();
  model.build();
  const std::string s = model.summary_string();
  CHECK_THAT(s, Catch::Contains("dense (Dense)                (None, 784)               615,440"));
  CHECK_THAT(s, Catch::Contains("dense_1 (Dense)              (None, 64)                50,240"));
  CHECK_THAT(s, Catch::Contains("dense_2 (Dense)              (None, 784)               50,960"));
  CHECK_THAT(s, Catch::Contains("Total params: 716,640"));
  CHECK_THAT(s, Catch::Contains("Trainable params: 716,640"));
  CHECK_THAT(s, Catch::Contains("Non-trainable params: 0"));
  CHECK(model.param_count() == 716640);
  CHECK(model.layers()[1]->name() == "dense_1");
  CHECK(model.layers()[1]->output_shape() == Shape{64});
}

TEST_CASE("A layer that does not fit is rejected when it is added, naming it", "[sequential][shape]") {
  Sequential<float> model({28, 28, 1});
  try {
    model.add(Dense<float>(64, "relu"));
    FAIL("no exception");
  } catch (const ShapeError& e) {
    const std::string msg = e.what();
    CHECK_THAT(msg, Catch::Contains("layer 0 'dense' (Dense)"));
    CHECK_THAT(msg, Catch::Contains("(28, 28, 1)"));
    CHECK_THAT(msg, Catch::Contains("the model input"));
    CHECK_THAT(msg, Catch::Contains("Flatten"));
  }
  CHECK(model.size() == 0);
}

TEST_CASE("fit, evaluate and predict reject data of the wrong shape", "[sequential][shape]") {
  auto model = chapter_dense_model();
  Tensor<float> x({10, 784}), wrong({10, 28, 28, 1}), short_y({9, 784});
  CHECK_THROWS_WITH(model.fit(x, x, 1, 4), Catch::Contains("not compiled"));
  model.compile(Adam<float>(), "mse");
  CHECK_THROWS_WITH(model.fit(wrong, x, 1, 4, shuffle = true, seed = 0, verbose = Verbosity::silent),
                    Catch::Contains("(10, 28, 28, 1)") && Catch::Contains("(None, 784)"));
  CHECK_THROWS_WITH(model.fit(x, short_y, 1, 4, shuffle = true, seed = 0, verbose = Verbosity::silent), Catch::Contains("9"));
  CHECK_THROWS_AS(model.evaluate(x, x, 0), ConfigError);
  CHECK_THROWS_AS(model.predict(wrong), ShapeError);
}

TEST_CASE("Model gradients of a whole network match finite differences", "[sequential][grad]") {
  Sequential<double> model({6}, Dense<double>(5, "elu"), Dense<double>(3, "tanh"), Dense<double>(6, "sigmoid"));
  model.build(4);
  model.compile(SGD<double>(1e-9), "mse");  // a negligible step: we only want the gradients
  Rng rng(2);
  Tensor<double> x({4, 6}), y({4, 6});
  for (Index i = 0; i < x.size(); ++i) {
    x[i] = rng.uniform(-1, 1);
    y[i] = rng.uniform(0, 1);
  }
  const auto r = testing::check_model_gradients(model, x, y);
  CHECK(r.gradient_norm > 1e-3);
  CHECK(r.passed());
}

TEST_CASE("fit lowers the loss and returns its history", "[sequential]") {
  Sequential<float> model({32}, Dense<float>(16, "relu"), Dense<float>(4, "relu"), Dense<float>(16, "relu"),
                          Dense<float>(32, "sigmoid"));
  model.build(1);
  model.compile(Adam<float>(1e-2), "mse");
  const auto x = synthetic_images(512, 32, 9);
  const double before = model.evaluate(x, x, 64, verbose = Verbosity::silent);
  const History h = model.fit(x, x, 40, 32, shuffle = true, seed = 5, verbose = Verbosity::silent);
  REQUIRE(h.loss.size() == 40);
  REQUIRE(h.seconds.size() == 40);
  CHECK(h.loss.back() < 0.5 * h.loss.front());
  INFO("loss before " << before << ", epoch losses " << h.loss.front() << " ... " << h.loss.back());
  CHECK(model.evaluate(x, x, 64, verbose = Verbosity::silent) < 0.2 * before);
}

TEST_CASE("Same seed, same weights, with 1 thread or 2", "[sequential][determinism]") {
  // Sizes above the 128-wide GEMM tiles, so several tiles run on different threads.
  const auto x = synthetic_images(600, 300, 3);
  auto train = [&](int threads) {
    set_num_threads(threads);
    Sequential<float> model({300}, Dense<float>(200, "relu"), Dense<float>(40, "elu"), Dense<float>(300, "sigmoid"));
    model.build(7);
    model.compile(Adam<float>(), "mse");
    model.fit(x, x, 2, 256, shuffle = true, seed = 13, verbose = Verbosity::silent);
    return Eigen::VectorXf(model.parameters());
  };
  const Eigen::VectorXf one = train(1), two = train(2), again = train(2);
  set_num_threads(2);
  REQUIRE(one.size() == two.size());
  CHECK(std::memcmp(one.data(), two.data(), sizeof(float) * std::size_t(one.size())) == 0);
  CHECK(std::memcmp(two.data(), again.data(), sizeof(float) * std::size_t(one.size())) == 0);
  // A different seed gives different weights (the check above could not pass by accident).
  Sequential<float> other({300}, Dense<float>(200, "relu"), Dense<float>(40, "elu"), Dense<float>(300, "sigmoid"));
  other.build(8);
  CHECK(other.parameters().size() == one.size());
  CHECK((Eigen::VectorXf(other.parameters()) - one).norm() > 1.0f);
}

TEST_CASE("A NaN loss stops fit, names the batch, and keeps the last good weights", "[sequential][nan]") {
  Sequential<float> model({8}, Dense<float>(4, "relu"), Dense<float>(8, "sigmoid"));
  model.build(1);
  model.compile(Adam<float>(), "mse");
  Tensor<float> x({12, 8}, 0.5f);
  x.matrix()(9, 3) = std::nanf("");  // sample 9 is in the third batch of 4 when not shuffled
  try {
    model.fit(x, x, 1, 4, shuffle = false, seed = 0, verbose = Verbosity::silent);
    FAIL("no exception");
  } catch (const NumericError& e) {
    CHECK_THAT(e.what(), Catch::Contains("epoch 1, batch 3/3"));
  }
  CHECK(model.parameters().allFinite());
  // The weights are those after exactly two good steps.
  Sequential<float> reference({8}, Dense<float>(4, "relu"), Dense<float>(8, "sigmoid"));
  reference.build(1);
  reference.compile(Adam<float>(), "mse");
  reference.fit(x.slice_rows(0, 8), x.slice_rows(0, 8), 1, 4, shuffle = false, seed = 0, verbose = Verbosity::silent);
  CHECK(Eigen::VectorXf(model.parameters()) == Eigen::VectorXf(reference.parameters()));
}

TEST_CASE("With skip_batch, fit leaves out non-finite batches, counts them and goes on", "[sequential][nan]") {
  auto make = [] {
    Sequential<float> m({8}, Dense<float>(4, "relu"), Dense<float>(8, "sigmoid"));
    m.build(1);
    m.compile(Adam<float>(), "mse");
    return m;
  };
  Tensor<float> x({12, 8}, 0.5f);
  for (Index j = 0; j < 12 * 8; ++j) x[j] = float(j % 7) / 7.0f;
  Tensor<float> bad = x;
  bad.matrix()(5, 2) = std::nanf("");  // the second batch of three
  auto model = make();
  model.on_non_finite(NonFinitePolicy::skip_batch);
  const History h = model.fit(bad, bad, 2, 4, shuffle = false, seed = 0, verbose = Verbosity::silent);
  CHECK(h.skipped_batches == std::vector<Index>{1, 1});
  CHECK(std::isfinite(h.loss[0]));
  CHECK(model.parameters().allFinite());
  // Leaving batch 2 out is training on batches 1 and 3 alone: the same weights.
  Tensor<float> good({8, 8});
  good.matrix().topRows(4) = x.matrix().topRows(4);
  good.matrix().bottomRows(4) = x.matrix().bottomRows(4);
  auto reference = make();
  reference.fit(good, good, 2, 4, shuffle = false, seed = 0, verbose = Verbosity::silent);
  CHECK(Eigen::VectorXf(model.parameters()) == Eigen::VectorXf(reference.parameters()));
  // An epoch with nothing but bad batches still stops.
  Tensor<float> all_bad({4, 8}, std::nanf(""));
  auto hopeless = make();
  hopeless.on_non_finite(NonFinitePolicy::skip_batch);
  CHECK_THROWS_WITH(hopeless.fit(all_bad, all_bad, 1, 4, shuffle = false, seed = 0, verbose = Verbosity::silent), Catch::Contains("every batch"));
}

TEST_CASE("A non-finite gradient with a finite loss never reaches the weights", "[sequential][nan]") {
  // Linear Dense(4) with every weight 1e-3 and inputs 1e21: outputs z = 4e18, so the loss
  // (mean of z^2 ~ 1.6e37) is finite in float, but the weight gradient sum_samples x dL/dz =
  // 2 * 1e21 * 2 z / 8 = 2e39 overflows float.
  Sequential<float> model({4}, Dense<float>(4, "linear"));
  model.build(2);
  model.compile(Adam<float>(), "mse");
  model.parameters().head(16).setConstant(1e-3f);
  model.parameters().tail(4).setZero();
  Tensor<float> x({2, 4}, 1e21f), y({2, 4}, 0.5f);
  const auto before = Eigen::VectorXf(model.parameters());
  const double loss = model.train_step(x.view(), y.view());
  INFO("loss " << loss);
  CHECK(std::isfinite(loss));
  CHECK_FALSE(model.last_step_applied());
  CHECK(Eigen::VectorXf(model.parameters()) == before);
  CHECK_THROWS_WITH(model.fit(x, y, 1, 2, shuffle = false, seed = 0, verbose = Verbosity::silent), Catch::Contains("gradient became NaN or infinite"));
}

TEST_CASE("A slice of the model is its encoder, sharing the weights", "[sequential]") {
  Sequential<double> model({6}, Dense<double>(5, "relu"), Dense<double>(2, "linear"), Dense<double>(6, "sigmoid"));
  model.build(3);
  Tensor<double> x({7, 6});
  x.matrix().setRandom();
  auto encoder = model.slice(0, 2);  // layers 0 and 1, as Python's model.layers[0:2]
  CHECK(encoder.size() == 2);
  CHECK(encoder.output_shape() == Shape{2});
  const auto latent = encoder.predict(x);
  REQUIRE(latent.shape() == Shape{7, 2});
  auto& d0 = static_cast<Dense<double>&>(model.layer(0));
  auto& d1 = static_cast<Dense<double>&>(model.layer(1));
  const Eigen::MatrixXd h = ((x.matrix() * d0.kernel()).rowwise() + d0.bias()).cwiseMax(0.0);
  const Eigen::MatrixXd z = (h * d1.kernel()).rowwise() + d1.bias();
  CHECK((z - Eigen::MatrixXd(latent.matrix())).cwiseAbs().maxCoeff() < 1e-12);
  // By name: up to and including "dense_1"; the same numbers in batches of 3 (to rounding: the
  // product's blocking depends on the batch size).
  const auto by_name = model.up_to("dense_1").predict(x, batch_size = 3);
  CHECK((Eigen::MatrixXd(by_name.matrix()) - Eigen::MatrixXd(latent.matrix())).cwiseAbs().maxCoeff() < 1e-12);
  // The slice shares the weights: changing the model changes the encoder's output.
  d1.bias()(0) += 1.0;
  CHECK(encoder.predict(x)[0] == Approx(latent[0] + 1.0));
  CHECK_THROWS_AS(model.slice(0, 4), ConfigError);
  CHECK_THROWS_AS(model.slice(2, 2), ConfigError);
  CHECK_THROWS_WITH(model.up_to("dense_9"), Catch::Contains("no layer named 'dense_9'") && Catch::Contains("dense_1"));
  CHECK(model.get_layer("dense_2").output_shape() == Shape{6});
}

TEST_CASE("get_weights and set_weights use Keras's order and layouts", "[sequential][weights]") {
  Sequential<float> model({4, 4, 1}, Conv2D<float>(3, 2, strides = 2, activation = "relu"), Flatten<float>(),
                          Dense<float>(5, "relu"), Reshape<float>({5, 1, 1}),
                          Conv2DTranspose<float>(2, 3, activation = "sigmoid"));
  model.build(1);
  const auto w = model.get_weights();
  REQUIRE(w.size() == 6);
  CHECK(w[0].shape() == Shape{2, 2, 1, 3});  // Conv2D kernel (kh, kw, in, filters)
  CHECK(w[1].shape() == Shape{3});
  CHECK(w[2].shape() == Shape{12, 5});       // Dense kernel (inputs, units)
  CHECK(w[3].shape() == Shape{5});
  CHECK(w[4].shape() == Shape{3, 3, 2, 1});  // Conv2DTranspose kernel (kh, kw, filters, in)
  CHECK(w[5].shape() == Shape{2});
  // The arrays are the parameter buffer, layer after layer, kernel before bias.
  Index offset = 0;
  for (const auto& a : w) {
    CHECK(std::equal(a.begin(), a.end(), model.parameters().data() + offset));
    offset += a.size();
  }
  CHECK(offset == model.param_count());
  // set_weights round-trips, and a wrong shape changes nothing.
  auto changed = w;
  changed[2].fill(0.5f);
  model.set_weights(changed);
  CHECK(static_cast<Dense<float>&>(model.get_layer("dense")).kernel()(3, 4) == 0.5f);
  auto wrong = changed;
  wrong[3] = Tensor<float>({4}, 1.0f);
  CHECK_THROWS_WITH(model.set_weights(wrong), Catch::Contains("array 3") && Catch::Contains("(5,)"));
  CHECK(model.get_weights()[3][0] == changed[3][0]);
  CHECK_THROWS_AS(model.set_weights({}), ShapeError);
  // One layer at a time, as Keras's layer.set_weights.
  model.get_layer("conv2d").set_weights({Tensor<float>({2, 2, 1, 3}, 0.0f), Tensor<float>({3}, 2.0f)});
  CHECK(model.get_layer("conv2d").get_weights()[1][2] == 2.0f);
}

TEST_CASE("fit reports a validation loss from validation_data or validation_split", "[sequential][validation]") {
  const auto x = synthetic_images(40, 8, 4);
  auto model_for = [] {
    Sequential<float> m({8}, Dense<float>(4, "relu"), Dense<float>(8, "sigmoid"));
    m.build(2);
    m.compile(Adam<float>(), "mse");
    return m;
  };
  // validation_split = 0.25: training on the first 30 samples, validating on the last 10
  // (before shuffling), exactly as fitting on those 30 with validation_data = the last 10.
  auto split = model_for();
  const History a = split.fit(x, x, epochs = 3, batch_size = 8, validation_split = 0.25, verbose = 0);
  const Tensor<float> train = x.slice_rows(0, 30), held_out = x.slice_rows(30, 10);
  auto given = model_for();
  const History b = given.fit(train, train, epochs = 3, batch_size = 8, validation_data(held_out, held_out), verbose = 0);
  REQUIRE(a.val_loss.size() == 3);
  CHECK(a.val_loss == b.val_loss);
  CHECK(a.loss == b.loss);
  CHECK(a.val_loss.back() == given.evaluate(held_out, held_out, batch_size = 8, verbose = 0));
  CHECK(model_for().fit(x, x, 1, 8, verbose = 0).val_loss.empty());
  CHECK_THROWS_AS(split.fit(x, x, validation_split = 1.0), ConfigError);
  CHECK_THROWS_AS(split.fit(x, x, validation_split = 0.5, validation_data(held_out, held_out)), ConfigError);
}

TEST_CASE("fit prints Keras progress lines to the log stream", "[sequential][progress]") {
  Sequential<float> model({8}, Dense<float>(8, "sigmoid"));
  model.compile(Adam<float>(), "mse");
  std::ostringstream out;
  {
    ScopedLogStream to(out);
    Tensor<float> x({10, 8}, 0.25f);
    model.fit(x, x, 2, 4, shuffle = true, seed = 0);
    model.fit(x, x, 1, 4, validation_data(x, x));
  }
  const std::string s = out.str();
  CHECK_THAT(s, Catch::Contains("Epoch 1/2\n") && Catch::Contains("Epoch 2/2\n"));
  const std::regex line(R"(3/3 \[==============================\] - \d+s \d+(us|ms|s)/step - loss: \d\.\d{4}(e-\d+)?\n)");
  CHECK(std::distance(std::sregex_iterator(s.begin(), s.end(), line), std::sregex_iterator()) == 2);
  CHECK(std::regex_search(s, std::regex(R"(- loss: \d\.\d{4}(e-\d+)? - val_loss: \d\.\d{4}(e-\d+)?\n)")));
  std::ostringstream quiet;
  {
    ScopedLogStream to(quiet);
    Tensor<float> x({10, 8}, 0.25f);
    model.fit(x, x, 1, 4, shuffle = true, seed = 0, verbose = Verbosity::silent);
    model.fit(x, x, 1, 4, verbose = 0);
  }
  CHECK(quiet.str().empty());
}

TEST_CASE("A model flushes subnormal numbers to zero while it computes, and only then", "[sequential][denormals]") {
#if AUTOENC_HAS_MXCSR  // elsewhere the setting does nothing
  // One weight of 1e-20 times an input of 1e-20: 1e-40, below float's normal range (1.2e-38).
  Sequential<float> model({1}, Dense<float>(1, "linear"));
  model.build(1);
  model.set_weights({Tensor<float>({1, 1}, 1e-20f), Tensor<float>({1}, 0.0f)});
  const Tensor<float> x({1, 1}, 1e-20f);
  struct RestoreSettings {
    int threads = num_threads();
    ~RestoreSettings() {
      set_flush_denormals(true);
      set_num_threads(threads);
    }
  } restore;
  const auto subnormal_survives = [] {
    volatile float a = 1e-20f, b = 1e-20f;
    const float product = a * b;
    return std::fpclassify(product) == FP_SUBNORMAL;
  };
  const bool flushes_here = !subnormal_survives();  // a program may have set FTZ itself
  // Which of 64 chunks of a parallel loop ran with both flush bits set.
  const auto chunks_flushing = [] {
    std::vector<int> flushing(64, 0);
    parallel_for(64, [&](Index c) { flushing[std::size_t(c)] = (_mm_getcsr() & 0x8040) == 0x8040; });
    return std::count(flushing.begin(), flushing.end(), 1);
  };
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    REQUIRE(flush_denormals());
    CHECK(model.predict(x, verbose = 0)[0] == 0.0f);
    CHECK(model.forward_raw(x.view()).data[0] == 0.0f);
    // The calling thread's own setting is back after the call, and every worker thread's.
    CHECK(subnormal_survives() == !flushes_here);
    CHECK(chunks_flushing() == (flushes_here ? 64 : 0));
    {
      // Inside a model's call every thread of a parallel loop flushes, whichever takes a chunk.
      const FlushDenormalsGuard guard;
      CHECK(chunks_flushing() == 64);
      {
        const FlushDenormalsGuard nested;
        CHECK(chunks_flushing() == 64);
      }
      CHECK(chunks_flushing() == 64);  // an inner guard leaves the outer one's setting
    }
    CHECK(chunks_flushing() == (flushes_here ? 64 : 0));
    // Off: the subnormal result survives.
    set_flush_denormals(false);
    const float kept = model.predict(x, verbose = 0)[0];
    if (!flushes_here) CHECK(std::fpclassify(kept) == FP_SUBNORMAL);
    set_flush_denormals(true);
  }
#endif
}
