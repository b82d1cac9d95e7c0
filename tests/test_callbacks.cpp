// Callbacks (EarlyStopping, ModelCheckpoint, LambdaCallback), activity regularizers, and the
// model's weights with non-trainable state.
#include <catch2/catch.hpp>

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <string>
#include <vector>

#include <autoenc/autoenc.hpp>
#include <autoenc/testing/gradient_check.hpp>

using namespace autoenc;

namespace {

Tensor<float> smooth_data(Index n, Index d, std::uint64_t seed) {
  Rng rng(seed);
  Tensor<float> x({n, d});
  for (Index i = 0; i < n; ++i) {
    const double phase = rng.uniform(0, 6.28);
    for (Index j = 0; j < d; ++j) x[i * d + j] = float(0.5 + 0.4 * std::sin(phase + 0.3 * double(j)));
  }
  return x;
}

Sequential<float> small_autoencoder(Regularizer code_penalty = {}) {
  Sequential<float> model({8}, Dense<float>(3, "relu", activity_regularizer = code_penalty),
                          Dense<float>(8, "sigmoid"));
  model.build(5);
  model.compile(Adam<float>(), "binary_crossentropy");
  return model;
}

/// A fresh, empty folder under the system's temporary directory.
std::string temp_dir() {
  char name[] = "/tmp/autoenc_callbacks_XXXXXX";
  const char* dir = ::mkdtemp(name);
  REQUIRE(dir != nullptr);
  return dir;
}

std::vector<std::string> files_in(const std::string& dir) {
  std::vector<std::string> names;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (const dirent* e = ::readdir(d))
      if (std::string(e->d_name) != "." && std::string(e->d_name) != "..") names.push_back(e->d_name);
    ::closedir(d);
  }
  std::sort(names.begin(), names.end());
  return names;
}

/// Marks a model's weights with the value `v` everywhere, so a test can tell which epoch's
/// weights it holds.
void mark_weights(Sequential<float>& model, float v) {
  auto w = model.get_weights();
  for (auto& t : w) t.fill(v);
  model.set_weights(w);
}

EpochLogs logs_of(int epoch, double loss, double val_loss) {
  EpochLogs logs;
  logs.epoch = epoch;
  logs.loss = loss;
  logs.val_loss = val_loss;
  return logs;
}

}  // namespace

TEST_CASE("An L1 activity regularizer adds l1 * sum |code| / batch to the loss, as Keras", "[regularizer]") {
  const auto x = smooth_data(40, 8, 1);
  auto plain = small_autoencoder();
  auto sparse = small_autoencoder(l1(1e-2));
  sparse.set_weights(plain.get_weights());
  const Tensor<float> code = plain.up_to("dense").predict(x, batch_size = 40);
  double abs_sum = 0;
  for (float v : code) abs_sum += std::abs(double(v));
  REQUIRE(abs_sum > 1);  // the check compares something
  const double expected = plain.evaluate(x, x, 40, verbose = 0) + 1e-2 * abs_sum / 40;
  CHECK(sparse.evaluate(x, x, 40, verbose = 0) == Approx(expected).epsilon(1e-6));
  // Evaluated in batches of 10, the mean of the batch penalties is the same number.
  CHECK(sparse.evaluate(x, x, 10, verbose = 0) == Approx(expected).epsilon(1e-6));

  CHECK(Dense<float>(3, "relu", activity_regularizer = l1(1e-4)).config_string() ==
        "units=3, activation=relu, activity_regularizer=l1(0.0001)");
  CHECK(Dense<float>(3, activity_regularizer = l1_l2(0.5, 0.25)).config_string() ==
        "units=3, activation=linear, activity_regularizer=l1_l2(l1=0.5, l2=0.25)");
  CHECK(Dense<float>(3, "relu").config_string() == "units=3, activation=relu");  // no penalty, no text
  CHECK_THROWS_AS(l1(-1.0), ConfigError);
  CHECK_THROWS_AS(l2(std::nan("")), ConfigError);
}

TEST_CASE("Activity regularizers' gradients match finite differences", "[regularizer][grad]") {
  for (const Regularizer& r : {l1(0.05), l2(0.05), l1_l2(0.03, 0.02)}) {
    // tanh keeps every code unit away from 0, where |y| has its kink.
    Sequential<double> model({5}, Dense<double>(4, "tanh", activity_regularizer = r), Dense<double>(3, "sigmoid"));
    model.build(3);
    model.compile(SGD<double>(), "binary_crossentropy");
    testing::GradientCheckOptions opt;
    opt.batch = 4;
    const auto res = testing::check_model_gradients(model, opt);
    INFO(r.to_string() << ": " << res.worst);
    CHECK(res.passed());
    CHECK(res.gradient_norm > 1e-3);
  }
  // On the output layer: the sigmoid is then not fused with the loss (the penalty is on the
  // probabilities the layer outputs), and the gradient still matches.
  Sequential<double> model({5}, Dense<double>(3, "sigmoid", activity_regularizer = l2(0.1)));
  model.build(4);
  model.compile(SGD<double>(), "binary_crossentropy");
  CHECK_FALSE(model.layers().back()->emits_logits());
  testing::GradientCheckOptions opt;
  const auto res = testing::check_model_gradients(model, opt);
  INFO(res.worst);
  CHECK(res.passed());
}

TEST_CASE("A sparse code is sparser: L1 lowers the mean activation of the code", "[regularizer]") {
  const auto x = smooth_data(256, 8, 2);
  auto plain = small_autoencoder();
  auto sparse = small_autoencoder(l1(0.05));
  plain.fit(x, x, epochs = 30, batch_size = 32, verbose = 0);
  sparse.fit(x, x, epochs = 30, batch_size = 32, verbose = 0);
  auto mean_code = [&](Sequential<float>& m) {
    const auto code = m.up_to("dense").predict(x);
    double s = 0;
    for (float v : code) s += v;
    return s / double(code.size());
  };
  CHECK(mean_code(sparse) < 0.7 * mean_code(plain));
}

TEST_CASE("EarlyStopping follows Keras: patience, min_delta, best epoch, restore_best_weights", "[callbacks]") {
  auto model = small_autoencoder();
  EarlyStopping<float> early(monitor = "val_loss", patience = 2, min_delta = 0.01, restore_best_weights = true);
  early.on_train_begin(model);
  // val_loss: 1.0, 0.9 (best), 0.895 (better by less than min_delta: no improvement), 0.95.
  const double val[] = {1.0, 0.9, 0.895, 0.95, 0.5};
  int epoch = 0;
  for (; epoch < 5 && !model.stop_training_requested(); ++epoch) {
    mark_weights(model, float(epoch));
    early.on_epoch_end(model, logs_of(epoch, 0.0, val[epoch]));
  }
  CHECK(epoch == 4);  // stopped after the 4th epoch: two epochs without improvement
  CHECK(early.stopped_epoch() == 3);
  CHECK(early.best_epoch() == 1);
  CHECK(early.best() == 0.9);
  early.on_train_end(model);
  CHECK(model.get_weights()[0][0] == 1.0f);  // the best epoch's weights

  // Without improvement ever after the first epoch and patience 0: stops at epoch 1 (Keras never
  // stops after epoch 0).
  EarlyStopping<float> impatient(monitor = "loss");
  auto other = small_autoencoder();
  impatient.on_train_begin(other);
  impatient.on_epoch_end(other, logs_of(0, 1.0, NAN));
  CHECK_FALSE(other.stop_training_requested());
  impatient.on_epoch_end(other, logs_of(1, 1.0, NAN));
  CHECK(other.stop_training_requested());

  CHECK_THROWS_AS(EarlyStopping<float>(patience = -1), ConfigError);
}

TEST_CASE("EarlyStopping inside fit stops training and restores the best weights", "[callbacks]") {
  const auto x = smooth_data(64, 8, 3);
  auto model = small_autoencoder();
  // A min_delta no epoch can beat: the first epoch is the best, training stops after patience.
  EarlyStopping<float> early(monitor = "loss", patience = 3, min_delta = 10.0, restore_best_weights = true);
  std::vector<std::vector<Tensor<float>>> weights_after_epoch;
  LambdaCallback<float> record([&](Model<float>& m, const EpochLogs&) { weights_after_epoch.push_back(m.get_weights()); });
  const auto history = model.fit(x, x, epochs = 20, batch_size = 16, verbose = 0, callbacks(record, early));
  CHECK(history.loss.size() == 4);
  REQUIRE(weights_after_epoch.size() == 4);
  const auto final_weights = model.get_weights();
  CHECK(final_weights[0][0] == weights_after_epoch[0][0][0]);  // restored: the first epoch's
  CHECK(final_weights[0][0] != weights_after_epoch[3][0][0]);

  // val_loss is the default monitor: without validation data the error says what to do.
  EarlyStopping<float> needs_validation;
  CHECK_THROWS_WITH(model.fit(x, x, epochs = 2, verbose = 0, callbacks(needs_validation)),
                    Catch::Contains("validation_split"));
  // With validation data it runs (and never stops after the first epoch, as Keras).
  CHECK_NOTHROW(model.fit(x, x, epochs = 1, verbose = 0, validation_split = 0.25, callbacks(needs_validation)));
  CHECK(needs_validation.stopped_epoch() == -1);
}

TEST_CASE("A lambda callback can stop training", "[callbacks]") {
  const auto x = smooth_data(32, 8, 4);
  auto model = small_autoencoder();
  std::vector<int> seen;
  const auto history = model.fit(x, x, epochs = 10, verbose = 0,
                                 callbacks(LambdaCallback<float>([&](Model<float>& m, const EpochLogs& logs) {
                                   seen.push_back(logs.epoch);
                                   CHECK(std::isfinite(logs.loss));
                                   CHECK(std::isnan(logs.val_loss));
                                   if (logs.epoch == 2) m.stop_training();
                                 })));
  CHECK(seen == std::vector<int>{0, 1, 2});
  CHECK(history.loss.size() == 3);
  // The next fit is not stopped by the old request.
  CHECK(model.fit(x, x, epochs = 2, verbose = 0).loss.size() == 2);
}

TEST_CASE("ModelCheckpoint saves every epoch or only the best, atomically, and the files load", "[callbacks]") {
  const std::string dir = temp_dir();
  auto model = small_autoencoder();
  ModelCheckpoint<float> every(dir + "/epoch_{epoch:02d}.model", monitor = "loss");
  ModelCheckpoint<float> best(dir + "/best.model", save_best_only = true);
  CHECK(every.path_for_epoch(7) == dir + "/epoch_07.model");
  CHECK(ModelCheckpoint<float>("m{epoch}.bin").path_for_epoch(12) == "m12.bin");
  CHECK_THROWS_AS(ModelCheckpoint<float>("m{epoch:x}.bin").path_for_epoch(1), ConfigError);

  every.on_train_begin(model);
  best.on_train_begin(model);
  const double val[] = {0.5, 0.4, 0.45};
  for (int epoch = 0; epoch < 3; ++epoch) {
    mark_weights(model, float(epoch + 1));
    every.on_epoch_end(model, logs_of(epoch, 1.0, val[epoch]));
    best.on_epoch_end(model, logs_of(epoch, 1.0, val[epoch]));
  }
  // One file per epoch, the best one, and no temporary file left behind.
  CHECK(files_in(dir) == std::vector<std::string>{"best.model", "epoch_01.model", "epoch_02.model", "epoch_03.model"});
  CHECK(best.best() == 0.4);
  auto loaded = small_autoencoder();
  load_weights(loaded, dir + "/best.model");
  CHECK(loaded.get_weights()[0][0] == 2.0f);  // the second epoch had the lowest val_loss
  load_weights(loaded, dir + "/epoch_03.model");
  CHECK(loaded.get_weights()[0][0] == 3.0f);
  for (const auto& f : files_in(dir)) ::unlink((dir + "/" + f).c_str());
  ::rmdir(dir.c_str());
}

TEST_CASE("get_weights and set_weights carry BatchNormalization's moving statistics, as Keras", "[weights]") {
  Sequential<float> model({4}, Dense<float>(3), BatchNormalization<float>(), Dense<float>(2));
  model.build(1);
  model.compile(Adam<float>(), "mse");
  const auto w = model.get_weights();
  // Dense: kernel, bias; BatchNormalization: gamma, beta, moving_mean, moving_variance; Dense.
  REQUIRE(w.size() == 8);
  CHECK(w[2].shape() == Shape{3});
  CHECK(w[4][0] == 0.0f);  // moving mean starts at 0
  CHECK(w[5][0] == 1.0f);  // moving variance at 1
  auto changed = w;
  changed[4].fill(0.25f);
  changed[5].fill(2.0f);
  model.set_weights(changed);
  const auto back = model.get_weights();
  CHECK(back[4][2] == 0.25f);
  CHECK(back[5][1] == 2.0f);
  CHECK(model.state()[0] == 0.25f);  // the model's state buffer holds them
  auto wrong = changed;
  wrong.pop_back();
  CHECK_THROWS_AS(model.set_weights(wrong), ShapeError);
}
