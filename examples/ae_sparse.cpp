// The sparse autoencoder of "Building Autoencoders in Keras" (F. Chollet, 2016): ae_simple with
// an L1 penalty on the code, which pushes most of the 32 code values towards zero.
//
//   Dense(32, relu, activity_regularizer = l1(1e-4)) -> Dense(784, sigmoid)
//   loss = binary cross-entropy + 1e-4 * sum |code| / batch size;  Adam, 100 epochs of 256
//
// Trains the sparse model and, for comparison, the plain one (unless --skip-simple), prints the
// mean code value of both over the test images, writes originals above both reconstructions,
// and prints the sparse model's test loss last.
// SPDX-License-Identifier: MIT
#include <cstdio>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include <autoenc/autoenc.hpp>

#include "example_flags.hpp"
#include "train_or_load.hpp"
#include "zoo.hpp"

namespace ae = autoenc;

namespace {

/// The mean over the test images and the 32 units of the encoder's output (the code).
double mean_code_activation(ae::Sequential<float>& autoencoder, const ae::Tensor<float>& x) {
  const ae::Tensor<float> code = autoencoder.up_to("dense").predict(x, ae::batch_size = 256);
  return code.matrix().cast<double>().mean();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"A sparse Dense autoencoder (L1 activity regulariser on the code) on MNIST"};
  chapter::CommonFlags flags(/*seed*/ 42);
  chapter::TrainingFlags training(/*epochs*/ 100, /*batch_size*/ 256);
  bool skip_simple = false;
  flags.add_to(app);
  training.add_to(app);
  app.add_flag("--skip-simple", skip_simple, "train only the sparse model, not the plain one beside it");
  CLI11_PARSE(app, argc, argv);

  try {
    flags.apply();
    auto mnist = chapter::load_mnist_for_training(flags.data_dir, training.train_limit);
    auto& x_train = mnist.train_images;
    auto& x_test = mnist.test_images;
    x_train.reshape({x_train.dim(0), 784});
    x_test.reshape({x_test.dim(0), 784});

    // The activity regulariser adds 1e-4 * |code| to the loss, summed over the code values and
    // averaged over the batch (Keras's rule): the model pays for every active unit, so it
    // learns to describe each image with few of them.
    ae::Sequential<float> sparse({784},
                                 ae::Dense<float>(32, "relu", ae::activity_regularizer = ae::l1(1e-4)),
                                 ae::Dense<float>(784, "sigmoid"));
    sparse.build(flags.seed);
    sparse.compile(ae::Adam<float>(), "binary_crossentropy");
    sparse.summary();
    const ae::History history = zoo::fit_or_load(sparse, x_train, x_train, training, flags.seed);
    const auto decoded = sparse.predict(x_test, ae::batch_size = 256);
    const double sparse_code = mean_code_activation(sparse, x_test);

    // The same model without the penalty, trained alike, as the reference for the code's size.
    std::string simple_code = "-";
    ae::Tensor<float> simple_decoded;
    if (!skip_simple) {
      ae::Sequential<float> simple({784}, ae::Dense<float>(32, "relu"), ae::Dense<float>(784, "sigmoid"));
      simple.build(flags.seed);
      simple.compile(ae::Adam<float>(), "binary_crossentropy");
      chapter::TrainingFlags simple_training = training;
      simple_training.load_path.clear();  // --load and --save are for the sparse model
      simple_training.save_path.clear();
      zoo::fit_or_load(simple, x_train, x_train, simple_training, flags.seed);
      simple_decoded = simple.predict(x_test, ae::batch_size = 256);
      simple_code = std::to_string(mean_code_activation(simple, x_test));
      std::printf("simple_test_loss: %.6f\n", simple.evaluate(x_test, x_test, ae::batch_size = 256));
    }

    if (skip_simple)
      zoo::save_rows(flags.out_dir + "/ae_sparse.png", {&x_test, &decoded});
    else  // originals, sparse reconstructions, plain reconstructions
      zoo::save_rows(flags.out_dir + "/ae_sparse.png", {&x_test, &decoded, &simple_decoded});

    std::printf("mean_code_activation: sparse %.6f simple %s\n", sparse_code, simple_code.c_str());
    const double test_loss = sparse.evaluate(x_test, x_test, ae::batch_size = 256);
    zoo::print_results(flags.results_path, history, test_loss);  // seconds_per_epoch, then test_loss last
  } catch (const ae::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
