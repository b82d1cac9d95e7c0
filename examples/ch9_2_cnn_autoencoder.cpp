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
#include "results.hpp"
#include "train_or_load.hpp"

namespace ae = autoenc;

namespace {

ae::Sequential<float> chapter_cnn(ae::Activation a) {
  using ae::Padding;
  return ae::Sequential<float>({28, 28, 1},
                               ae::Conv2D<float>(32, 2, 2, Padding::valid, a),
                               ae::Conv2D<float>(64, 2, 2, Padding::valid, a),
                               ae::Flatten<float>(),
                               ae::Dense<float>(64, a),
                               ae::Dense<float>(3136, a),
                               ae::Reshape<float>({7, 7, 64}),
                               ae::Conv2DTranspose<float>(32, 2, 2, Padding::same, a),
                               ae::Conv2DTranspose<float>(1, 2, 2, Padding::same, ae::Activation::sigmoid));
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Chapter 9.3-9.6: a convolutional autoencoder on MNIST"};
  std::string data_dir = AUTOENC_DEFAULT_DATA_DIR, out_dir = "out", activation = "relu";
  std::string save_path, load_path, latent_path, results_path;
  int epochs = 10, threads = 0;
  ae::Index batch_size = 256, train_limit = 0;
  std::uint64_t seed = 42;
  app.add_option("--activation", activation, "activation of every layer but the last")
      ->check(CLI::IsMember({"relu", "elu"}))->capture_default_str();
  app.add_option("--epochs", epochs, "training epochs")->capture_default_str()->check(CLI::NonNegativeNumber);
  app.add_option("--batch-size", batch_size, "samples per training step")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--data", data_dir, "folder with the MNIST IDX files (plain or .gz)")->capture_default_str();
  app.add_option("--seed", seed, "seed for the initial weights, the shuffling and the figure")->capture_default_str();
  app.add_option("--threads", threads, "threads (0: all cores)")->capture_default_str()->check(CLI::NonNegativeNumber);
  app.add_option("--out", out_dir, "folder for the figures")->capture_default_str();
  app.add_option("--save", save_path, "save the trained model to this file");
  app.add_option("--load", load_path, "load a saved model instead of training");
  app.add_option("--train-limit", train_limit, "train on the first N images only (0: all 60,000)")->check(CLI::NonNegativeNumber);
  app.add_option("--results", results_path, "write the step's numbers to this file (for ch9_report)");
  app.add_option("--latent-out", latent_path, "save the 60000 x 64 latent vectors to this .npy file");
  CLI11_PARSE(app, argc, argv);

  try {
    if (threads > 0) ae::set_num_threads(threads);
    ::mkdir(out_dir.c_str(), 0755);
    auto mnist = chapter::load_mnist_for_training(data_dir, train_limit);
    const auto& train_x = mnist.train_images;  // (60000, 28, 28, 1): the CNN takes images as they are
    const auto& test_x = mnist.test_images;
    std::cout << "train_X " << train_x.shape().to_string() << "  test_X " << test_x.shape().to_string() << "\n\n";

    // Figure 9.7: the two activations this example compares.
    chapter::draw_relu_elu(out_dir + "/fig9_7_relu_elu.png");

    auto model = chapter_cnn(ae::activation_from_name(activation));
    model.build(seed);
    model.compile(ae::Adam<float>(), "mse");
    model.summary();

    chapter::Results results(results_path, /*keep_previous*/ !load_path.empty());
    results.set("activation", activation);
    chapter::train_or_load(model, train_x, epochs, batch_size, seed, load_path, save_path, results);

    // Four random test images (left) and their reconstructions (right).
    const auto reconstructed = model.predict(test_x);
    const std::string figure = out_dir + "/ch9_2_reconstructions_" + activation + ".png";
    chapter::draw_reconstructions(figure, test_x, reconstructed, seed);
    std::cout << "wrote " << figure << "\n";

    // Section 6: the encoder as a model, from the input to layer 3 (Dense(64)).
    if (!latent_path.empty()) {
      const auto latent = model.predict_until(train_x, 4);
      std::cout << "latent vectors: " << latent.shape().to_string() << "\nlatent_vector[0]:\n[";
      for (ae::Index j = 0; j < latent.dim(1); ++j) std::printf("%s%.4f", j % 8 ? " " : (j ? "\n " : ""), latent[j]);
      std::cout << "]\n";
      ae::save_npy(latent_path, latent);
      std::cout << "saved " << latent_path << "\n";
    }

    const double test_loss = model.evaluate(test_x, test_x);
    results.set("test_loss", test_loss, "%.6f");
    results.set("figure_reconstructions", "ch9_2_reconstructions_" + activation + ".png");
    results.save();
    std::printf("test_loss: %.6f\n", test_loss);
  } catch (const ae::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
