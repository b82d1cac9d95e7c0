// The examples' training step: load the data (all of it, or the first images for a quick run),
// train an autoencoder on its input or reuse the weights a previous run saved, and record what
// happened for the chapter report.
// SPDX-License-Identifier: MIT
#pragma once

#include <iostream>
#include <string>

#include <autoenc/autoenc.hpp>

#include "distributed.hpp"
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
/// the training time (or which file was loaded) in `results`. With `processes` and `dist`, trains
/// data-parallel as distributed.hpp describes (shards, checkpoints, resuming); only rank 0 saves.
inline void train_or_load(autoenc::Sequential<float>& model, const autoenc::Tensor<float>& x,
                          const TrainingFlags& flags, std::uint64_t seed, Results& results,
                          Processes* processes = nullptr, const DistributedFlags* dist = nullptr) {
  const std::string& load_path = flags.load_path;
  const std::string& save_path = flags.save_path;
  const int epochs = flags.epochs;
  const bool root = !processes || processes->is_root();
  require_writable_folder(save_path, "--save");
  results.set("params", double(model.param_count()), "%.0f");
  results.set("train_images", double(x.dim(0)), "%.0f");
  if (!load_path.empty()) {
    autoenc::load_weights(model, load_path);
    if (root) std::cout << "loaded " << load_path << "\n";
    results.set("loaded", load_path);
  } else {
    autoenc::FitOptions<float> options;
    options.epochs = epochs;
    options.batch_size = flags.batch_size;
    options.seed = seed;
    std::unique_ptr<CheckpointEveryEpoch> checkpoint;
    if (processes && dist) {
      options.shards = processes->shards(*dist);
      options.communicator = processes->communicator();
      if (root && options.communicator)
        std::cout << "data-parallel: " << processes->size() << " processes, " << options.shards << " shards per batch\n";
      if (!dist->resume_path.empty()) {
        options.initial_epoch = autoenc::load_training_state(model, dist->resume_path);
        if (root) std::cout << "resumed from " << dist->resume_path << " after epoch " << options.initial_epoch << "\n";
      }
      if (!dist->checkpoint_path.empty()) {
        checkpoint = std::make_unique<CheckpointEveryEpoch>(model, dist->checkpoint_path);
        options.callbacks.push_back(checkpoint.get());
      }
    }
    if (processes) processes->start_counting();
    const autoenc::History history = model.fit(x, x, options);
    double seconds = 0;
    for (double s : history.seconds) seconds += s;
    if (processes)
      std::cout << processes->communication_report(
          static_cast<autoenc::Index>(history.loss.size()) * ((x.dim(0) + flags.batch_size - 1) / flags.batch_size),
          seconds);
    results.set("epochs", double(epochs), "%.0f");
    if (!history.loss.empty()) results.set("final_train_loss", history.loss.back(), "%.4f");
    results.set("train_seconds", seconds, "%.2f");
  }
  if (!save_path.empty() && root) {
    autoenc::save_model(model, save_path);
    std::cout << "saved " << save_path << "\n";
  }
}

}  // namespace chapter
