// The flags every example program shares, defined once:
//   --data DIR  --out DIR  --seed N  --threads N  --results FILE
// and, for the programs that train a model,
//   --epochs N  --batch-size N  --train-limit N  --save FILE  --load FILE
// SPDX-License-Identifier: MIT
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>

#include <CLI/CLI.hpp>

#include <autoenc/core/parallel.hpp>

namespace chapter {

/// Throws, before any work is done, when the file a flag names (written at the end of the
/// program) lies in a folder that does not exist or cannot be written: a mistyped path must not
/// cost the training that came before it. An empty path (flag not given) passes.
inline void require_writable_folder(const std::string& path, const std::string& flag) {
  if (path.empty()) return;
  std::string folder = std::filesystem::path(path).parent_path().string();
  if (folder.empty()) folder = ".";
  if (::access(folder.c_str(), W_OK) != 0)
    throw std::runtime_error(flag + " " + path + ": the folder '" + folder + "' does not exist or cannot be written");
}

struct CommonFlags {
  std::string data_dir = AUTOENC_DEFAULT_DATA_DIR;
  std::string out_dir = "out";
  std::string results_path;
  std::uint64_t seed;
  int threads = 0;

  explicit CommonFlags(std::uint64_t default_seed) : seed(default_seed) {}

  void add_to(CLI::App& app, const std::string& data_help = "folder with the MNIST IDX files (plain or .gz)") {
    app.add_option("--data", data_dir, data_help)->capture_default_str();
    app.add_option("--out", out_dir, "folder for the figures")->capture_default_str();
    app.add_option("--seed", seed, "seed of everything random in the program")->capture_default_str();
    app.add_option("--threads", threads, "threads (0: all cores)")->capture_default_str()->check(CLI::NonNegativeNumber);
    app.add_option("--results", results_path, "write the step's numbers to this file (for ch9_report)");
  }

  /// Sets the thread count, makes the output folder and checks that --results can be written.
  void apply() const {
    if (threads > 0) autoenc::set_num_threads(threads);
    ::mkdir(out_dir.c_str(), 0755);
    require_writable_folder(out_dir + "/.", "--out");
    require_writable_folder(results_path, "--results");
  }
};

struct TrainingFlags {
  int epochs;
  autoenc::Index batch_size;
  autoenc::Index train_limit = 0;
  std::string save_path, load_path;

  TrainingFlags(int default_epochs, autoenc::Index default_batch_size)
      : epochs(default_epochs), batch_size(default_batch_size) {}

  void add_to(CLI::App& app) {
    app.add_option("--epochs", epochs, "training epochs")->capture_default_str()->check(CLI::NonNegativeNumber);
    app.add_option("--batch-size", batch_size, "samples per training step")->capture_default_str()->check(CLI::PositiveNumber);
    app.add_option("--train-limit", train_limit, "train on the first N images only (0: all 60,000)")
        ->check(CLI::NonNegativeNumber);
    app.add_option("--save", save_path, "save the trained model to this file");
    app.add_option("--load", load_path, "load a saved model instead of training");
  }
};

}  // namespace chapter
