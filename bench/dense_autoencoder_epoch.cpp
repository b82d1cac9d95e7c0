// Seconds per epoch of the chapter's Dense autoencoder (60,000 MNIST images, batch 256, Adam,
// MSE): the autoenc side of bench/compare/run.sh. Prints the best of --epochs epochs.
// SPDX-License-Identifier: MIT
#include <algorithm>
#include <cstdio>

#include <CLI/CLI.hpp>

#include <autoenc/autoenc.hpp>

namespace ae = autoenc;

int main(int argc, char** argv) {
  CLI::App app{"Time epochs of the chapter's Dense autoencoder"};
  std::string data = AUTOENC_DEFAULT_DATA_DIR;
  int epochs = 3, threads = 2;
  app.add_option("--data", data, "MNIST folder")->capture_default_str();
  app.add_option("--epochs", epochs, "epochs to time (the best is reported)")->capture_default_str();
  app.add_option("--threads", threads, "threads")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    ae::set_num_threads(threads);
    auto x = ae::load_idx_images<float>(data + "/train-images-idx3-ubyte");
    x.reshape({x.dim(0), 784});
    ae::Sequential<float> model({784}, ae::Dense<float>(784, "relu"), ae::Dense<float>(64, "relu"),
                                ae::Dense<float>(784, "sigmoid"));
    model.build(0);
    model.compile(ae::Adam<float>(), "mse");
    const auto h = model.fit(x, x, epochs, 256, ae::verbose = 0);
    const double best = *std::min_element(h.seconds.begin(), h.seconds.end());
    const double steps = double((x.dim(0) + 255) / 256);
#ifdef AUTOENC_USE_OPENBLAS
    const char* backend = "OpenBLAS";
#else
    const char* backend = "Eigen";
#endif
    std::printf("autoenc %s threads=%d products=%s final loss %.4f\n", AUTOENC_VERSION_STRING, threads, backend,
                h.loss.back());
    std::printf("autoenc_seconds_per_epoch: %.3f\nautoenc_ms_per_step: %.3f\n", best, best / steps * 1e3);
  } catch (const ae::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
