// The examples' training step: load the data (all of it, or the first images for a quick run),
// train an autoencoder on its input or reuse the weights a previous run saved, and record what
// happened for the chapter report.
// SPDX-License-Identifier: MIT
#pragma once

#include <iostream>
#include <string>

#include <autoenc/autoenc.hpp>

#include "example_flags.hpp"
#include "results.hpp"

namespace chapter {

/// MNIST with pixels in [0, 1]; only the first `train_limit` training images (and their labels)
/// when 0 < train_limit < 60,000, for quick runs.
inline autoenc::ImageDataset<float> load_mnist_for_training(const std::string& data_dir, autoenc::Index train_limit) {
  auto mnist = autoenc::load_mnist<float>(data_dir);
  if (train_limit > 0 && train_limit < mnist.train_images.dim(0)) {
    mnist.train_images = mnist.train_images.slice_rows(0, train_limit);
    mnist.train_labels.resize(static_cast<std::size_t>(train_limit));
  }
  return mnist;
}

/// Trains `model` to reproduce x (the flags' epochs and batch size, shuffled with seed), or, with
/// --load, loads the weights saved there instead; then saves the model with --save (if given).
/// Records the parameter count, the training set's size, the epochs, the last epoch's loss and
/// the training time (or which file was loaded) in `results`.
inline void train_or_load(autoenc::Sequential<float>& model, const autoenc::Tensor<float>& x,
                          const TrainingFlags& flags, std::uint64_t seed, Results& results) {
  const std::string& load_path = flags.load_path;
  const std::string& save_path = flags.save_path;
  const int epochs = flags.epochs;
  results.set("params", double(model.param_count()), "%.0f");
  results.set("train_images", double(x.dim(0)), "%.0f");
  if (!load_path.empty()) {
    autoenc::load_weights(model, load_path);
    std::cout << "loaded " << load_path << "\n";
    results.set("loaded", load_path);
  } else {
    const autoenc::History history = model.fit(x, x, autoenc::epochs = epochs, autoenc::batch_size = flags.batch_size,
                                               autoenc::seed = seed);
    double seconds = 0;
    for (double s : history.seconds) seconds += s;
    results.set("epochs", double(epochs), "%.0f");
    if (!history.loss.empty()) results.set("final_train_loss", history.loss.back(), "%.4f");
    results.set("train_seconds", seconds, "%.1f");
  }
  if (!save_path.empty()) {
    autoenc::save_model(model, save_path);
    std::cout << "saved " << save_path << "\n";
  }
}

}  // namespace chapter
