// The denoising autoencoder of "Building Autoencoders in Keras" (F. Chollet, 2016): trained on
// noisy digits against the clean ones, the network learns to remove the noise.
//
//   noisy x = clip(x + 0.5 N(0, 1), 0, 1), drawn once (training images from --seed, test
//   images from --seed + 1)
//   (28,28,1) Conv2D(32) -> pool -> (14,14,32) Conv2D(32) -> pool -> (7,7,32) code     encoder
//   Conv2D(32) -> up -> (14,14,32) Conv2D(32) -> up -> (28,28,32) Conv2D(1, sigmoid)   decoder
//   3x3 kernels, relu, padding 'same'; MaxPooling2D(2, same), UpSampling2D(2);
//   Adam, binary cross-entropy, 100 epochs of 128
//
// Writes three rows (noisy test images, their denoised versions, the clean originals) and
// prints last the test loss of the denoised noisy test images against the clean ones.
// SPDX-License-Identifier: MIT
#include <algorithm>
#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>

#include <autoenc/autoenc.hpp>

#include "example_flags.hpp"
#include "train_or_load.hpp"
#include "zoo.hpp"

namespace ae = autoenc;

namespace {

/// clip(x + factor * N(0, 1), 0, 1), one normal draw per pixel in order.
ae::Tensor<float> add_noise(const ae::Tensor<float>& x, ae::Rng& rng, double factor = 0.5) {
  ae::Tensor<float> noisy(x.shape());
  for (ae::Index i = 0; i < x.size(); ++i)
    noisy[i] = static_cast<float>(std::clamp(x[i] + factor * rng.normal(), 0.0, 1.0));
  return noisy;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"A convolutional denoising autoencoder on MNIST"};
  chapter::CommonFlags flags(/*seed*/ 42);
  chapter::TrainingFlags training(/*epochs*/ 100, /*batch_size*/ 128);
  flags.add_to(app);
  training.add_to(app);
  CLI11_PARSE(app, argc, argv);

  try {
    flags.apply();
    auto mnist = chapter::load_mnist_for_training(flags.data_dir, training.train_limit);
    const auto& x_train = mnist.train_images;
    const auto& x_test = mnist.test_images;

    // The noise is drawn once, so every epoch sees the same noisy inputs, as in the blog post,
    // and the same seed gives the same data. The test images get a generator of their own, so
    // their noise does not depend on how many training images --train-limit keeps.
    ae::Rng train_rng(flags.seed), test_rng(flags.seed + 1);
    const ae::Tensor<float> x_train_noisy = add_noise(x_train, train_rng);
    const ae::Tensor<float> x_test_noisy = add_noise(x_test, test_rng);

    // Wider than ae_conv (32 filters) and a larger code (7 x 7 x 32): removing noise needs more
    // capacity than compressing clean digits.
    using ae::Conv2D;
    using ae::MaxPooling2D;
    using ae::UpSampling2D;
    ae::Sequential<float> autoencoder(
        {28, 28, 1},
        Conv2D<float>(32, 3, ae::activation = "relu", ae::padding = "same"),
        MaxPooling2D<float>(2, ae::padding = "same"),  // 28 -> 14
        Conv2D<float>(32, 3, ae::activation = "relu", ae::padding = "same"),
        MaxPooling2D<float>(2, ae::padding = "same"),  // 14 -> 7: the code, 7 x 7 x 32
        Conv2D<float>(32, 3, ae::activation = "relu", ae::padding = "same"),
        UpSampling2D<float>(2),  // 7 -> 14
        Conv2D<float>(32, 3, ae::activation = "relu", ae::padding = "same"),
        UpSampling2D<float>(2),  // 14 -> 28
        Conv2D<float>(1, 3, ae::activation = "sigmoid", ae::padding = "same"));
    autoencoder.build(flags.seed);
    autoencoder.compile(ae::Adam<float>(), "binary_crossentropy");
    autoencoder.summary();

    // Noisy inputs, clean targets: the only difference from an ordinary autoencoder.
    const ae::History history = zoo::fit_or_load(autoencoder, x_train_noisy, x_train, training, flags.seed);

    const auto denoised = autoencoder.predict(x_test_noisy, ae::batch_size = 128);
    zoo::save_rows(flags.out_dir + "/ae_denoising.png", {&x_test_noisy, &denoised, &x_test});

    const double test_loss = autoencoder.evaluate(x_test_noisy, x_test, ae::batch_size = 128);
    zoo::print_results(flags.results_path, history, test_loss);  // seconds_per_epoch, then test_loss last
  } catch (const ae::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
