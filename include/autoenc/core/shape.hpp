/// @file
/// Shape: the dimensions of a tensor, stored inline (no allocation), printed the Keras way.
// SPDX-License-Identifier: MIT
#pragma once

#include <array>
#include <initializer_list>
#include <string>
#include <vector>

#include "config.hpp"
#include "error.hpp"

namespace autoenc {

/// Dimensions of a tensor, outermost first (row-major, NHWC for images).
///
/// A layer's shapes exclude the batch: Dense(64) has output shape (64), a 28x28 gray image
/// is (28, 28, 1). A data tensor's shape includes it: (60000, 28, 28, 1).
/// The dimensions live in a fixed array, so copying a Shape never allocates.
class Shape {
 public:
  static constexpr int kMaxRank = 6;  ///< At most this many dimensions (a batch of images has 4).

  /// Rank 0, size 1.
  Shape() = default;
  /// `{28, 28, 1}`; throws ShapeError on a negative dimension or more than kMaxRank of them.
  Shape(std::initializer_list<Index> dims) { assign(dims.begin(), dims.end()); }
  /// The same from a vector, for shapes computed at run time.
  explicit Shape(const std::vector<Index>& dims) { assign(dims.begin(), dims.end()); }

  /// Number of dimensions.
  int rank() const { return rank_; }
  /// Dimension `i`, outermost first (not checked).
  Index operator[](int i) const { return dims_[static_cast<std::size_t>(i)]; }
  /// Dimension `i`, writable (not checked).
  Index& operator[](int i) { return dims_[static_cast<std::size_t>(i)]; }
  /// First dimension, for range-for over the dimensions.
  const Index* begin() const { return dims_.data(); }
  /// One past the last dimension.
  const Index* end() const { return dims_.data() + rank_; }

  /// Product of all dimensions (1 for rank 0).
  Index size() const {
    Index n = 1;
    for (Index d : *this) n *= d;
    return n;
  }

  /// This shape with `batch` put in front: (64) -> (batch, 64).
  Shape with_batch(Index batch) const {
    Shape s;
    s.push_back(batch);
    for (Index d : *this) s.push_back(d);
    return s;
  }

  /// This shape without its first dimension: (batch, 28, 28, 1) -> (28, 28, 1).
  Shape without_batch() const {
    Shape s;
    for (int i = 1; i < rank_; ++i) s.push_back(dims_[static_cast<std::size_t>(i)]);
    return s;
  }

  /// Appends an innermost dimension; throws ShapeError beyond kMaxRank.
  void push_back(Index d) {
    if (rank_ == kMaxRank) throw ShapeError("Shape: rank larger than " + std::to_string(kMaxRank));
    dims_[static_cast<std::size_t>(rank_++)] = d;
  }

  /// Same rank and same dimensions.
  friend bool operator==(const Shape& a, const Shape& b) {
    if (a.rank_ != b.rank_) return false;
    for (int i = 0; i < a.rank_; ++i)
      if (a[i] != b[i]) return false;
    return true;
  }
  /// Not operator==.
  friend bool operator!=(const Shape& a, const Shape& b) { return !(a == b); }

  /// "(28, 28, 1)"; a rank-1 shape prints as "(784,)" like a Python tuple.
  std::string to_string() const {
    std::string s = "(";
    for (int i = 0; i < rank_; ++i) {
      if (i) s += ", ";
      s += std::to_string(dims_[static_cast<std::size_t>(i)]);
    }
    if (rank_ == 1) s += ",";
    return s + ")";
  }

  /// Keras's summary form with an unknown batch: "(None, 28, 28, 1)".
  std::string to_batch_string() const {
    std::string s = "(None";
    for (Index d : *this) s += ", " + std::to_string(d);
    return s + ")";
  }

 private:
  template <class It>
  void assign(It first, It last) {
    for (; first != last; ++first) {
      if (*first < 0) throw ShapeError("Shape: negative dimension " + std::to_string(*first));
      push_back(*first);
    }
  }

  std::array<Index, kMaxRank> dims_{};
  int rank_ = 0;
};

}  // namespace autoenc
