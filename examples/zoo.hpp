// What the autoencoder-zoo examples (ae_simple, ae_sparse, ae_deep, ae_conv, ae_denoising)
// share: training with the chapter's --save / --load flags, the figure of image rows, and the
// last lines that bench/compare/zoo.sh reads (and --results writes).
// SPDX-License-Identifier: MIT
#pragma once

#include <cstdio>
#include <iostream>
#include <numeric>
#include <string>
#include <vector>

#include <autoenc/autoenc.hpp>

#include "example_flags.hpp"
#include "results.hpp"

namespace zoo {

/// Trains `model` on (x, y) with the flags' epochs and batch size (shuffled with `seed`), or
/// loads the weights --load names; saves the model with --save. Returns fit's history (empty
/// when the weights were loaded).
inline autoenc::History fit_or_load(autoenc::Sequential<float>& model, const autoenc::Tensor<float>& x,
                                    const autoenc::Tensor<float>& y, const chapter::TrainingFlags& flags,
                                    std::uint64_t seed) {
  autoenc::History history;
  if (!flags.load_path.empty()) {
    autoenc::load_weights(model, flags.load_path);
    std::cout << "loaded " << flags.load_path << "\n";
  } else {
    history = model.fit(x, y, autoenc::epochs = flags.epochs, autoenc::batch_size = flags.batch_size,
                        autoenc::seed = seed);
  }
  if (!flags.save_path.empty()) {
    autoenc::save_model(model, flags.save_path);
    std::cout << "saved " << flags.save_path << "\n";
  }
  return history;
}

/// Prints the two lines bench/compare/zoo.sh reads, "seconds_per_epoch: S" (the mean wall time
/// of fit's epochs; 0 when the weights were loaded) and "test_loss: L", last; with --results,
/// also writes them to that file.
inline void print_results(const std::string& results_path, const autoenc::History& history, double test_loss) {
  const double total = std::accumulate(history.seconds.begin(), history.seconds.end(), 0.0);
  const double seconds = history.seconds.empty() ? 0.0 : total / double(history.seconds.size());
  chapter::Results results(results_path);
  results.set("seconds_per_epoch", seconds, "%.3f");
  results.set("test_loss", test_loss, "%.6f");
  results.save();
  std::printf("seconds_per_epoch: %.3f\ntest_loss: %.6f\n", seconds, test_loss);
}

/// The blog post's figure: the first `n` images of each batch, one batch per row (originals
/// above reconstructions), each pixel drawn 2 x 2.
inline void save_rows(const std::string& path, const std::vector<const autoenc::Tensor<float>*>& rows, int n = 10) {
  autoenc::GridOptions grid;
  grid.scale = 2;
  autoenc::save_image_rows(path, rows, n, grid);
  std::cout << "wrote " << path << "\n";
}

}  // namespace zoo
