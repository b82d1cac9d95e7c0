// MNIST and Fashion-MNIST: the four IDX files of a data set folder, loaded and checked.
// SPDX-License-Identifier: MIT
#pragma once

#include <sys/stat.h>

#include <string>
#include <vector>

#include "../core/error.hpp"
#include "../core/tensor.hpp"
#include "idx.hpp"

namespace autoenc {

/// A data set of labelled images: images are (count, rows, cols, 1) in [0, 1], labels 0-9.
template <class T = DefaultScalar>
struct ImageDataset {
  Tensor<T> train_images, test_images;
  std::vector<int> train_labels, test_labels;
};

namespace detail {

/// The file for `stem` in `dir`: stem, stem.gz, or the "train-images.idx3-ubyte" spelling.
inline std::string find_idx_file(const std::string& dir, const std::string& stem) {
  std::string dotted = stem;
  const auto dash = dotted.rfind("-idx");
  if (dash != std::string::npos) dotted[dash] = '.';
  std::vector<std::string> tried;
  for (const std::string& name : {stem, stem + ".gz", dotted, dotted + ".gz"}) {
    const std::string path = dir + "/" + name;
    struct stat st{};
    if (::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode)) return path;
    tried.push_back(name);
  }
  throw IoError("'" + dir + "': no " + stem + " file (tried " + tried[0] + ", " + tried[1] + ", " +
                tried[2] + ", " + tried[3] + "); run scripts/fetch-data.sh or pass --data DIR");
}

}  // namespace detail

/// Loads the MNIST layout from `dir`: train-images-idx3-ubyte, train-labels-idx1-ubyte,
/// t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (each possibly .gz). Fashion-MNIST uses the
/// same names. Counts must match between images and labels, and image sizes between sets.
template <class T = DefaultScalar>
ImageDataset<T> load_mnist(const std::string& dir) {
  ImageDataset<T> d;
  const std::string train_images = detail::find_idx_file(dir, "train-images-idx3-ubyte");
  const std::string train_labels = detail::find_idx_file(dir, "train-labels-idx1-ubyte");
  const std::string test_images = detail::find_idx_file(dir, "t10k-images-idx3-ubyte");
  const std::string test_labels = detail::find_idx_file(dir, "t10k-labels-idx1-ubyte");
  d.train_images = load_idx_images<T>(train_images);
  d.train_labels = load_idx_labels(train_labels);
  d.test_images = load_idx_images<T>(test_images);
  d.test_labels = load_idx_labels(test_labels);
  auto check_count = [](const Tensor<T>& x, const std::vector<int>& y, const std::string& xp,
                        const std::string& yp) {
    if (x.dim(0) != static_cast<Index>(y.size()))
      throw IoError("'" + xp + "' holds " + std::to_string(x.dim(0)) + " images but '" + yp + "' holds " +
                    std::to_string(y.size()) + " labels");
  };
  check_count(d.train_images, d.train_labels, train_images, train_labels);
  check_count(d.test_images, d.test_labels, test_images, test_labels);
  if (d.train_images.shape().without_batch() != d.test_images.shape().without_batch())
    throw IoError("'" + train_images + "' has images of " + d.train_images.shape().without_batch().to_string() +
                  " but '" + test_images + "' has " + d.test_images.shape().without_batch().to_string());
  return d;
}

}  // namespace autoenc
