/// @file
/// MNIST and Fashion-MNIST: the four IDX files of a data set folder, loaded and checked.
// SPDX-License-Identifier: MIT
#pragma once

#include <sys/stat.h>

#include <algorithm>
#include <string>
#include <vector>

#include "../core/error.hpp"
#include "../core/precompiled.hpp"
#include "../core/named_args.hpp"
#include "../core/tensor.hpp"
#include "idx.hpp"

namespace autoenc {

/// A data set of labelled images: images are (count, rows, cols, 1) in [0, 1], labels 0-9.
template <class T = DefaultScalar>
struct ImageDataset {
  /// The training images (Keras's x_train).
  Tensor<T> train_images, test_images;  ///< The test images (x_test).
  /// The digit of each training image (y_train).
  std::vector<int> train_labels, test_labels;  ///< The digit of each test image (y_test).
};

namespace detail {

/// The file for `stem` in `dir`: stem, stem.gz, or the "train-images.idx3-ubyte" spelling.
AUTOENC_FUNC std::string find_idx_file(const std::string& dir, const std::string& stem);
#if AUTOENC_HEADER_DEFINITIONS
AUTOENC_FUNC std::string find_idx_file(const std::string& dir, const std::string& stem) {
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
#endif

}  // namespace detail

struct LimitTag;
/// ae::limit = 2000: load_mnist keeps only the first 2000 training and the first 2000 test
/// images (with their labels), for quick runs; 0, the default, keeps them all.
inline constexpr ArgName<LimitTag, Index> limit{};

/// load_mnist's settings.
struct MnistOptions {
  Index limit = 0;  ///< the first `limit` images of each set; 0: all of them

  void set(NamedArg<LimitTag, Index> a) { limit = a.value; }  ///< ae::limit
};

namespace detail {

/// The first `limit` images (all when limit is 0 or larger than the file) of an IDX image file,
/// as load_idx_images makes them; `count` is set to the number of images the file holds. The
/// whole file is still read and checked by read_idx: only the conversion to T, which costs
/// more than the reading, stops early.
template <class T>
Tensor<T> load_first_idx_images(const std::string& path, Index limit, Index& count) {
  if (limit == 0) {
    Tensor<T> all = load_idx_images<T>(path);
    count = all.dim(0);
    return all;
  }
  const IdxArray a = read_idx(path);
  if (a.dims.size() != 3)  // the same check, and words, as load_idx_images
    throw IoError("'" + path + "': an image file has 3 dimensions (count, rows, cols), this one has " +
                  std::to_string(a.dims.size()) + (a.dims.size() == 1 ? " (is it a label file?)" : ""));
  count = a.dims[0];
  Tensor<T> images(Shape{std::min(limit, count), a.dims[1], a.dims[2], 1});
  const T scale = T(1) / T(255);
  for (Index i = 0; i < images.size(); ++i) images[i] = T(a.data[static_cast<std::size_t>(i)]) * scale;
  return images;
}

}  // namespace detail

/// Loads the MNIST layout from `dir`: train-images-idx3-ubyte, train-labels-idx1-ubyte,
/// t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (each possibly .gz). Fashion-MNIST uses the
/// same names. Counts must match between images and labels, and image sizes between sets.
/// Named argument: ae::limit = N keeps the first N images of each set (like train_X[:N] in
/// Python: all of them when a set has fewer); every file is still read and checked in full.
///
///     auto mnist = ae::load_mnist<float>("data/mnist");                   // 60,000 + 10,000
///     auto quick = ae::load_mnist<float>("data/mnist", ae::limit = 2000);  // 2,000 + 2,000
template <class T = DefaultScalar>
ImageDataset<T> load_mnist(const std::string& dir, const MnistOptions& options) {
  if (options.limit < 0)
    throw ConfigError("load_mnist: limit must be >= 0 (0: all images), got " + std::to_string(options.limit));
  ImageDataset<T> d;
  const std::string train_images = detail::find_idx_file(dir, "train-images-idx3-ubyte");
  const std::string train_labels = detail::find_idx_file(dir, "train-labels-idx1-ubyte");
  const std::string test_images = detail::find_idx_file(dir, "t10k-images-idx3-ubyte");
  const std::string test_labels = detail::find_idx_file(dir, "t10k-labels-idx1-ubyte");
  Index train_count = 0, test_count = 0;
  d.train_images = detail::load_first_idx_images<T>(train_images, options.limit, train_count);
  d.train_labels = load_idx_labels(train_labels);
  d.test_images = detail::load_first_idx_images<T>(test_images, options.limit, test_count);
  d.test_labels = load_idx_labels(test_labels);
  // The files must agree in full, whatever the limit.
  auto check_count = [](Index images, const std::vector<int>& y, const std::string& xp, const std::string& yp) {
    if (images != static_cast<Index>(y.size()))
      throw IoError("'" + xp + "' holds " + std::to_string(images) + " images but '" + yp + "' holds " +
                    std::to_string(y.size()) + " labels");
  };
  check_count(train_count, d.train_labels, train_images, train_labels);
  check_count(test_count, d.test_labels, test_images, test_labels);
  if (d.train_images.shape().without_batch() != d.test_images.shape().without_batch())
    throw IoError("'" + train_images + "' has images of " + d.train_images.shape().without_batch().to_string() +
                  " but '" + test_images + "' has " + d.test_images.shape().without_batch().to_string());
  d.train_labels.resize(static_cast<std::size_t>(d.train_images.dim(0)));
  d.test_labels.resize(static_cast<std::size_t>(d.test_images.dim(0)));
  return d;
}

/// load_mnist(dir, named arguments: limit).
template <class T = DefaultScalar, class... Args, class = std::enable_if_t<detail::all_named_args<Args...>>>
ImageDataset<T> load_mnist(const std::string& dir, Args&&... args) {
  MnistOptions options;
  detail::apply_named_args(options, std::forward<Args>(args)...);
  return load_mnist<T>(dir, options);
}

// Precompiled mode: these instantiations live in libautoenc_compiled (src/instantiations/).
#if defined(AUTOENC_PRECOMPILED) && !defined(AUTOENC_COMPILING_LIBRARY)
extern template ImageDataset<float> load_mnist<float>(const std::string&, const MnistOptions&);
extern template ImageDataset<double> load_mnist<double>(const std::string&, const MnistOptions&);
#endif

}  // namespace autoenc
