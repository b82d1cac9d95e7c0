// The convolutional autoencoder of "Building Autoencoders in Keras" (F. Chollet, 2016): images
// stay images, convolutions find local features and pooling shrinks them to a 4x4x8 code.
//
//   (28,28,1) Conv2D(16) -> pool -> (14,14,16) Conv2D(8) -> pool -> (7,7,8) Conv2D(8) -> pool
//     -> (4,4,8) code                                                                  encoder
//   Conv2D(8) -> up -> (8,8,8) Conv2D(8) -> up -> (16,16,8) Conv2D(16, valid) -> (14,14,16)
//     -> up -> (28,28,16) Conv2D(1, sigmoid)                                          decoder
//   3x3 kernels, relu, padding 'same' unless marked; MaxPooling2D(2, ae::padding = "same"), UpSampling2D(2);
//   Adam, binary cross-entropy, 50 epochs of 128
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
  CLI::App app{"A convolutional autoencoder with pooling and up-sampling on MNIST"};
  chapter::CommonFlags flags(/*seed*/ 42);
  chapter::TrainingFlags training(/*epochs*/ 50, /*batch_size*/ 128);
  flags.add_to(app);
  training.add_to(app);
  CLI11_PARSE(app, argc, argv);

  try {
    flags.apply();
    auto mnist = chapter::load_mnist_for_training(flags.data_dir, training.train_limit);
    const auto& x_train = mnist.train_images;  // (60000, 28, 28, 1): convolutions take images as they are
    const auto& x_test = mnist.test_images;

    using ae::Conv2D;
    using ae::MaxPooling2D;
    using ae::UpSampling2D;
    ae::Sequential<float> autoencoder(
        {28, 28, 1},
        Conv2D<float>(16, 3, ae::activation = "relu", ae::padding = "same"),
        MaxPooling2D<float>(2, ae::padding = "same"),  // 28 -> 14
        Conv2D<float>(8, 3, ae::activation = "relu", ae::padding = "same"),
        MaxPooling2D<float>(2, ae::padding = "same"),  // 14 -> 7
        Conv2D<float>(8, 3, ae::activation = "relu", ae::padding = "same"),
        MaxPooling2D<float>(2, ae::padding = "same"),  // 7 -> 4: 'same' pools the odd edge too (a 1-pixel window)
        // The code: 4 x 4 x 8 = 128 numbers per image.
        Conv2D<float>(8, 3, ae::activation = "relu", ae::padding = "same"),
        UpSampling2D<float>(2),  // 4 -> 8
        Conv2D<float>(8, 3, ae::activation = "relu", ae::padding = "same"),
        UpSampling2D<float>(2),  // 8 -> 16
        // 'valid' trims the 16 x 16 map to 14 x 14, so that the last doubling lands on 28.
        Conv2D<float>(16, 3, ae::activation = "relu", ae::padding = "valid"),
        UpSampling2D<float>(2),  // 14 -> 28
        Conv2D<float>(1, 3, ae::activation = "sigmoid", ae::padding = "same"));
    autoencoder.build(flags.seed);
    autoencoder.compile(ae::Adam<float>(), "binary_crossentropy");
    autoencoder.summary();

    const ae::History history = zoo::fit_or_load(autoencoder, x_train, x_train, training, flags.seed);

    const auto decoded = autoencoder.predict(x_test, ae::batch_size = 128);
    zoo::save_rows(flags.out_dir + "/ae_conv.png", {&x_test, &decoded});

    const double test_loss = autoencoder.evaluate(x_test, x_test, ae::batch_size = 128);
    zoo::print_results(flags.results_path, history, test_loss);  // seconds_per_epoch, then test_loss last
  } catch (const ae::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
