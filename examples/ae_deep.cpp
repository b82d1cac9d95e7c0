// The deep autoencoder of "Building Autoencoders in Keras" (F. Chollet, 2016): the same 32-number
// code as ae_simple, reached through a stack of Dense layers instead of a single one.
//
//   Dense(128, relu) -> Dense(64, relu) -> Dense(32, relu)          encoder
//   Dense(64, relu) -> Dense(128, relu) -> Dense(784, sigmoid)      decoder
//   Adam, binary cross-entropy, 100 epochs of 256
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
  CLI::App app{"A deep Dense autoencoder (784-128-64-32-64-128-784) on MNIST"};
  chapter::CommonFlags flags(/*seed*/ 42);
  chapter::TrainingFlags training(/*epochs*/ 100, /*batch_size*/ 256);
  flags.add_to(app);
  training.add_to(app);
  CLI11_PARSE(app, argc, argv);

  try {
    flags.apply();
    auto mnist = chapter::load_mnist_for_training(flags.data_dir, training.train_limit);
    auto& x_train = mnist.train_images;
    auto& x_test = mnist.test_images;
    x_train.reshape({x_train.dim(0), 784});  // one vector of 784 pixels in [0, 1] per image
    x_test.reshape({x_test.dim(0), 784});

    // Each layer halves the width down to the code and the decoder mirrors the encoder. More
    // layers let the code be a more non-linear function of the image than one Dense layer can.
    ae::Sequential<float> autoencoder({784},
                                      ae::Dense<float>(128, "relu"),
                                      ae::Dense<float>(64, "relu"),
                                      ae::Dense<float>(32, "relu"),  // the code
                                      ae::Dense<float>(64, "relu"),
                                      ae::Dense<float>(128, "relu"),
                                      ae::Dense<float>(784, "sigmoid"));
    autoencoder.build(flags.seed);
    autoencoder.compile(ae::Adam<float>(), "binary_crossentropy");
    autoencoder.summary();

    const ae::History history = zoo::fit_or_load(autoencoder, x_train, x_train, training, flags.seed);

    const auto decoded = autoencoder.predict(x_test, ae::batch_size = 256);
    zoo::save_rows(flags.out_dir + "/ae_deep.png", {&x_test, &decoded});

    const double test_loss = autoencoder.evaluate(x_test, x_test, ae::batch_size = 256);
    zoo::print_results(flags.results_path, history, test_loss);  // seconds_per_epoch, then test_loss last
  } catch (const ae::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
