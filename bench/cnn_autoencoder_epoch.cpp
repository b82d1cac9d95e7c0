// Seconds per epoch of the chapter's CNN autoencoder (60,000 MNIST images, batch 256, Adam,
// MSE, relu or elu): the autoenc side of bench/compare/run.sh. Prints the best of --epochs.
// SPDX-License-Identifier: MIT
#include <algorithm>
#include <cstdio>

#include <CLI/CLI.hpp>

#include <autoenc/autoenc.hpp>

namespace ae = autoenc;

int main(int argc, char** argv) {
  CLI::App app{"Time epochs of the chapter's CNN autoencoder"};
  std::string data = AUTOENC_DEFAULT_DATA_DIR, activation = "relu";
  int epochs = 2, threads = 2;
  app.add_option("--data", data, "MNIST folder")->capture_default_str();
  app.add_option("--activation", activation, "relu or elu")->check(CLI::IsMember({"relu", "elu"}))->capture_default_str();
  app.add_option("--epochs", epochs, "epochs to time (the best is reported)")->capture_default_str();
  app.add_option("--threads", threads, "threads")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    ae::set_num_threads(threads);
    const auto x = ae::load_idx_images<float>(data + "/train-images-idx3-ubyte");
    const auto a = ae::activation_from_name(activation);
    using ae::Padding;
    ae::Sequential<float> model({28, 28, 1}, ae::Conv2D<float>(32, 2, ae::strides = 2, ae::padding = Padding::valid, ae::activation = a),
                                ae::Conv2D<float>(64, 2, ae::strides = 2, ae::padding = Padding::valid, ae::activation = a), ae::Flatten<float>(),
                                ae::Dense<float>(64, a), ae::Dense<float>(3136, a), ae::Reshape<float>({7, 7, 64}),
                                ae::Conv2DTranspose<float>(32, 2, ae::strides = 2, ae::padding = Padding::same, ae::activation = a),
                                ae::Conv2DTranspose<float>(1, 2, ae::strides = 2, ae::padding = Padding::same, ae::activation = ae::Activation::sigmoid));
    model.build(0);
    model.compile(ae::Adam<float>(), "mse");
    const auto h = model.fit(x, x, epochs, 256, ae::shuffle = true, ae::seed = 0, ae::verbose = ae::Verbosity::silent);
    const double best = *std::min_element(h.seconds.begin(), h.seconds.end());
    std::printf("autoenc %s threads=%d activation=%s final loss %.4f\n", AUTOENC_VERSION_STRING, threads,
                activation.c_str(), h.loss.back());
    std::printf("autoenc_seconds_per_epoch: %.3f\nautoenc_ms_per_step: %.3f\n", best, best / 235.0 * 1e3);
  } catch (const ae::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
