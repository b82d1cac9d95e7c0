// The simplest autoencoder of "Building Autoencoders in Keras" (F. Chollet, 2016): one Dense
// layer compresses each 784-pixel image to 32 numbers, another expands them back.
//
//   Dense(32, relu) -> Dense(784, sigmoid),  Adam, binary cross-entropy, 50 epochs of 256
//
// Writes the first ten test images above their reconstructions and prints the test loss last.
// SPDX-License-Identifier: MIT
#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>

#include <autoenc/autoenc.hpp>

#include "example_flags.hpp"
#include "train_or_load.hpp"
#include "zoo.hpp"

namespace ae = autoenc;

int main(int argc, char** argv) {
  CLI::App app{"A single Dense layer autoencoder (784 -> 32 -> 784) on MNIST"};
  chapter::CommonFlags flags(/*seed*/ 42);
  chapter::TrainingFlags training(/*epochs*/ 50, /*batch_size*/ 256);
  flags.add_to(app);
  training.add_to(app);
  CLI11_PARSE(app, argc, argv);

  try {
    flags.apply();
    auto mnist = chapter::load_mnist_for_training(flags.data_dir, training.train_limit);
    auto& x_train = mnist.train_images;
    auto& x_test = mnist.test_images;
    // Dense layers take each image as one vector of 784 pixels in [0, 1] (a reshape, no copy).
    x_train.reshape({x_train.dim(0), 784});
    x_test.reshape({x_test.dim(0), 784});

    // 32 floats for 784 pixels: a compression factor of 24.5. The sigmoid keeps the output in
    // [0, 1], where binary cross-entropy against the pixels makes sense.
    ae::Sequential<float> autoencoder({784},
                                      ae::Dense<float>(32, "relu"),      // the encoder: the code
                                      ae::Dense<float>(784, "sigmoid"));  // the decoder
    autoencoder.build(flags.seed);
    autoencoder.compile(ae::Adam<float>(), "binary_crossentropy");
    autoencoder.summary();

    // An autoencoder's target is its own input.
    const ae::History history = zoo::fit_or_load(autoencoder, x_train, x_train, training, flags.seed);

    const auto decoded = autoencoder.predict(x_test, ae::batch_size = 256);
    zoo::save_rows(flags.out_dir + "/ae_simple.png", {&x_test, &decoded});

    const double test_loss = autoencoder.evaluate(x_test, x_test, ae::batch_size = 256);
    zoo::print_results(flags.results_path, history, test_loss);  // seconds_per_epoch, then test_loss last
  } catch (const ae::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
