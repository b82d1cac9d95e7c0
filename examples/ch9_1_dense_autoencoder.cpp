// Chapter 9, section 2: a Dense autoencoder on MNIST.
//
//   Dense(784, relu) -> Dense(64, relu) -> Dense(784, sigmoid),  Adam, MSE, 10 epochs of 256
//
// Loads MNIST, shows the first training image, trains the model to reproduce its input, draws
// four test images beside their reconstructions, and prints the test loss last.
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

int main(int argc, char** argv) {
  CLI::App app{"Chapter 9.2: a Dense autoencoder on MNIST"};
  chapter::CommonFlags flags(/*seed*/ 42);
  chapter::TrainingFlags training(/*epochs*/ 10, /*batch_size*/ 256);
  flags.add_to(app);
  training.add_to(app);
  chapter::DistributedFlags distributed;
  distributed.add_to(app);
  CLI11_PARSE(app, argc, argv);
  chapter::Processes processes(argc, argv);  // all of an MPI job under mpirun, else this one
  const std::string& out_dir = flags.out_dir;
  const std::uint64_t seed = flags.seed;

  try {
    flags.apply();

    // 1. Data: 60,000 + 10,000 gray 28x28 images with pixels scaled to [0, 1].
    auto mnist = chapter::load_mnist_for_training(flags.data_dir, training.train_limit);
    auto& train_x = mnist.train_images;
    auto& test_x = mnist.test_images;
    std::cout << "train_X " << train_x.shape().without_batch().with_batch(train_x.dim(0)).to_string()
              << " train_Y (" << mnist.train_labels.size() << ",)\n";
    std::cout << "test_X " << test_x.shape().to_string() << " test_Y (" << mnist.test_labels.size() << ",)\n";
    std::cout << "train_Y[0]: " << mnist.train_labels[0] << "\n";
    if (processes.is_root()) chapter::draw_image_with_colorbar(out_dir + "/ch9_1_train_image_0.png", train_x.data(), 28, 28);

    // The Dense model takes each image as a vector of 784 values (a reshape, no copy).
    train_x.reshape({train_x.dim(0), 784});
    test_x.reshape({test_x.dim(0), 784});
    std::cout << train_x.shape().to_string() << " (" << mnist.train_labels.size() << ",)\n\n";

    // 2. The model.
    ae::Sequential<float> model({784},
                                ae::Dense<float>(784, "relu"),
                                ae::Dense<float>(64, "relu"),
                                ae::Dense<float>(784, "sigmoid"));
    model.build(seed);
    model.compile(ae::Adam<float>(), "mse");
    model.summary();

    // 3. Train it to output its own input (or load the weights of an earlier run).
    chapter::Results results(flags.results_path, /*keep_previous*/ !training.load_path.empty());
    chapter::train_or_load(model, train_x, training, seed, results, &processes, &distributed);

    // 4. Four random test images (left) and their reconstructions (right).
    const auto reconstructed = model.predict(test_x, processes.batches(256, ae::Verbosity::silent));
    const std::string figure = out_dir + "/ch9_1_reconstructions.png";
    if (processes.is_root()) chapter::draw_reconstructions(figure, test_x, reconstructed, seed);
    std::cout << "wrote " << figure << "\n";

    // 5. The loss on images the model never saw.
    const double test_loss = model.evaluate(test_x, test_x, processes.batches(256, ae::Verbosity::progress_bar));
    results.set("test_loss", test_loss, "%.6f");
    results.set("figure_image", "ch9_1_train_image_0.png");
    results.set("figure_reconstructions", "ch9_1_reconstructions.png");
    if (processes.is_root()) results.save();
    std::printf("test_loss: %.6f\n", test_loss);
  } catch (const std::exception& e) {
    return processes.fail(e.what());
  }
  return 0;
}
