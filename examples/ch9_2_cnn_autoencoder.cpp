// Chapter 9, sections 3, 4 and 6: a convolutional autoencoder on MNIST, with relu or elu.
//
//   Conv2D(32, 2, strides 2) -> Conv2D(64, 2, strides 2) -> Flatten -> Dense(64)      encoder
//   Dense(3136) -> Reshape(7, 7, 64) -> Conv2DTranspose(32, 2, 2, same)
//              -> Conv2DTranspose(1, 2, 2, same, sigmoid)                             decoder
//
// Trains it, draws four test images beside their reconstructions, optionally saves the model
// and the latent vectors (the output of layer 3, Dense(64), for all 60,000 training images),
// and prints the test loss last.
// SPDX-License-Identifier: MIT
#include <sys/stat.h>

#include <cstdio>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include <autoenc/autoenc.hpp>

#include "chapter_figures.hpp"
#include "distributed.hpp"
#include "example_flags.hpp"
#include "results.hpp"
#include "train_or_load.hpp"

namespace ae = autoenc;

namespace {

ae::Sequential<float> chapter_cnn(ae::Activation a) {
  using ae::Padding;
  return ae::Sequential<float>({28, 28, 1},
                               ae::Conv2D<float>(32, 2, ae::strides = 2, ae::padding = Padding::valid, ae::activation = a),
                               ae::Conv2D<float>(64, 2, ae::strides = 2, ae::padding = Padding::valid, ae::activation = a),
                               ae::Flatten<float>(),
                               ae::Dense<float>(64, a),
                               ae::Dense<float>(3136, a),
                               ae::Reshape<float>({7, 7, 64}),
                               ae::Conv2DTranspose<float>(32, 2, ae::strides = 2, ae::padding = Padding::same, ae::activation = a),
                               ae::Conv2DTranspose<float>(1, 2, ae::strides = 2, ae::padding = Padding::same, ae::activation = ae::Activation::sigmoid));
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Chapter 9.3-9.6: a convolutional autoencoder on MNIST"};
  chapter::CommonFlags flags(/*seed*/ 42);
  chapter::TrainingFlags training(/*epochs*/ 10, /*batch_size*/ 256);
  std::string activation = "relu", latent_path;
  app.add_option("--activation", activation, "activation of every layer but the last")
      ->check(CLI::IsMember({"relu", "elu"}))->capture_default_str();
  flags.add_to(app);
  training.add_to(app);
  chapter::DistributedFlags distributed;
  distributed.add_to(app);
  app.add_option("--latent-out", latent_path, "save the 60000 x 64 latent vectors to this .npy file");
  CLI11_PARSE(app, argc, argv);
  chapter::Processes processes(argc, argv);  // all of an MPI job under mpirun, else this one
  const std::string& out_dir = flags.out_dir;
  const std::uint64_t seed = flags.seed;

  try {
    flags.apply();
    chapter::require_writable_folder(latent_path, "--latent-out");
    auto mnist = chapter::load_mnist_for_training(flags.data_dir, training.train_limit);
    const auto& train_x = mnist.train_images;  // (60000, 28, 28, 1): the CNN takes images as they are
    const auto& test_x = mnist.test_images;
    std::cout << "train_X " << train_x.shape().to_string() << "  test_X " << test_x.shape().to_string() << "\n\n";

    // Figure 9.7: the two activations this example compares.
    if (processes.is_root()) chapter::draw_relu_elu(out_dir + "/fig9_7_relu_elu.png");

    auto model = chapter_cnn(ae::activation_from_name(activation));
    model.build(seed);
    model.compile(ae::Adam<float>(), "mse");
    model.summary();

    chapter::Results results(flags.results_path, /*keep_previous*/ !training.load_path.empty());
    results.set("activation", activation);
    chapter::train_or_load(model, train_x, training, seed, results, &processes, &distributed);

    // Four random test images (left) and their reconstructions (right).
    const auto reconstructed = model.predict(test_x, processes.batches(256, ae::Verbosity::silent));
    const std::string figure = out_dir + "/ch9_2_reconstructions_" + activation + ".png";
    if (processes.is_root()) chapter::draw_reconstructions(figure, test_x, reconstructed, seed);
    std::cout << "wrote " << figure << "\n";

    // Section 6: the encoder as a model, from the input to layer 3 (Dense(64)).
    if (!latent_path.empty()) {
      const auto latent = model.up_to("dense").predict(train_x, processes.batches(256, ae::Verbosity::silent));
      std::cout << "latent vectors: " << latent.shape().to_string() << "\nlatent_vector[0]:\n[";
      for (ae::Index j = 0; j < latent.dim(1); ++j) std::printf("%s%.4f", j % 8 ? " " : (j ? "\n " : ""), latent[j]);
      std::cout << "]\n";
      if (processes.is_root()) ae::save_npy(latent_path, latent);
      std::cout << "saved " << latent_path << "\n";
    }

    const double test_loss = model.evaluate(test_x, test_x, processes.batches(256, ae::Verbosity::progress_bar));
    results.set("test_loss", test_loss, "%.6f");
    results.set("figure_reconstructions", "ch9_2_reconstructions_" + activation + ".png");
    if (processes.is_root()) results.save();
    std::printf("test_loss: %.6f\n", test_loss);
  } catch (const std::exception& e) {
    return processes.fail(e.what());
  }
  return 0;
}
