/// @file
/// Tensor: a dense, row-major (NHWC) array of any rank in aligned storage, with views that let
/// Eigen's matrix products (GEMM) work on the same memory, no copy. (tensor_map.hpp adds views
/// through Eigen's Tensor module, for code that wants them; the core does not need that module.)
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cstring>
#include <string>
#include <type_traits>

#include <memory>

#include "config.hpp"
#include "error.hpp"
#include "shape.hpp"

namespace autoenc {

/// A row-major matrix map: how a batch looks to GEMM, one sample per row.
template <class T>
using MatrixMap = Eigen::Map<Eigen::Matrix<std::remove_const_t<T>, Eigen::Dynamic, Eigen::Dynamic,
                                           Eigen::RowMajor>>;
/// The same over const elements: a batch GEMM only reads.
template <class T>
using ConstMatrixMap = Eigen::Map<const Eigen::Matrix<std::remove_const_t<T>, Eigen::Dynamic,
                                                      Eigen::Dynamic, Eigen::RowMajor>>;

/// A non-owning view: a pointer and a shape (batch first). `T` may be const.
/// Views are what layers read and write; they are cheap to copy and never allocate.
template <class T>
struct TensorView {
  T* data = nullptr;  ///< First element (row-major); null for an empty view.
  Shape shape;        ///< Batch first.

  /// An empty view (converts to false).
  TensorView() = default;
  /// A view of `s.size()` elements starting at `d`.
  TensorView(T* d, const Shape& s) : data(d), shape(s) {}
  /// A view of const elements converts from a view of mutable ones.
  template <class U, class = std::enable_if_t<std::is_same<const U, T>::value>>
  TensorView(const TensorView<U>& other) : data(other.data), shape(other.shape) {}

  /// Number of elements.
  Index size() const { return shape.size(); }
  /// Number of samples: the first dimension.
  Index batch() const { return shape[0]; }
  /// Elements per sample: everything after the batch dimension.
  Index sample_size() const { return shape.rank() > 1 ? shape.size() / shape[0] : 1; }
  /// Whether the view points at memory.
  explicit operator bool() const { return data != nullptr; }

  /// (batch, sample_size) as a row-major Eigen matrix, for products.
  Eigen::Map<std::conditional_t<std::is_const<T>::value,
                                const Eigen::Matrix<std::remove_const_t<T>, Eigen::Dynamic,
                                                    Eigen::Dynamic, Eigen::RowMajor>,
                                Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>>
  matrix() const {
    return {data, batch(), sample_size()};
  }

  /// Rows [first, first + count) of the batch, as a view of the same memory.
  TensorView rows(Index first, Index count) const {
    Shape s = shape;
    s[0] = count;
    return {data + first * sample_size(), s};
  }
};

/// An owning tensor: a shape (batch first) and aligned contiguous storage, row-major.
///
///     autoenc::Tensor<float> x({60000, 28, 28, 1});
///     x.reshape({60000, 784});            // same memory, new shape
///     auto m = x.matrix();                // 60000 x 784 Eigen::Map for GEMM
///
/// A new tensor's elements are not initialised (like Eigen's matrices): fill() them, or use the
/// constructor that takes a value.
template <class T = DefaultScalar>
class Tensor {
 public:
  using Scalar = T;  ///< The element type, as Eigen names it.

  /// An empty tensor: shape (0,), no storage.
  Tensor() = default;
  /// A tensor of `shape` with uninitialised elements.
  explicit Tensor(const Shape& shape) { resize(shape); }
  /// A deep copy.
  Tensor(const Tensor& other) { *this = other; }
  /// A deep copy; reuses this tensor's storage when it is large enough.
  Tensor& operator=(const Tensor& other) {
    if (this != &other) {
      reserve_storage(other.size());  // first: if it throws, this tensor is unchanged
      shape_ = other.shape_;
      std::copy(other.begin(), other.end(), data());
    }
    return *this;
  }
  /// Takes the storage; `other` is left empty.
  Tensor(Tensor&& other) noexcept
      : storage_(std::move(other.storage_)), capacity_(other.capacity_), shape_(other.shape_) {
    other.capacity_ = 0;
    other.shape_ = Shape{0};
  }
  /// Takes the storage; `other` is left empty.
  Tensor& operator=(Tensor&& other) noexcept {
    storage_ = std::move(other.storage_);
    capacity_ = other.capacity_;
    shape_ = other.shape_;
    other.capacity_ = 0;
    other.shape_ = Shape{0};
    return *this;
  }
  /// `Tensor<float> x({60000, 28, 28, 1})`: uninitialised elements.
  Tensor(std::initializer_list<Index> dims) : Tensor(Shape(dims)) {}
  /// A tensor of `shape` filled with `value`.
  Tensor(const Shape& shape, T value) : Tensor(shape) { fill(value); }

  const Shape& shape() const { return shape_; }         ///< Dimensions, batch first.
  int rank() const { return shape_.rank(); }            ///< Number of dimensions.
  Index dim(int i) const { return shape_[i]; }          ///< Dimension `i` (0 is the batch).
  Index size() const { return shape_.size(); }          ///< Number of elements.
  bool empty() const { return size() == 0; }            ///< No elements.
  T* data() { return storage_.get(); }                  ///< First element, row-major.
  const T* data() const { return storage_.get(); }      ///< First element, row-major.
  T* begin() { return data(); }                         ///< Iterates over all elements in memory order.
  T* end() { return data() + size(); }                  ///< One past the last element.
  const T* begin() const { return data(); }             ///< Iterates over all elements in memory order.
  const T* end() const { return data() + size(); }      ///< One past the last element.

  /// Element `i` in memory (flat, row-major) order, not checked.
  T& operator[](Index i) { return storage_[static_cast<std::size_t>(i)]; }
  /// Element `i` in memory (flat, row-major) order, not checked.
  T operator[](Index i) const { return storage_[static_cast<std::size_t>(i)]; }

  /// Changes the shape; keeps the storage if it is large enough (it only ever grows), so that
  /// a buffer resized to a smaller batch and back does not allocate again.
  void resize(const Shape& shape) {
    reserve_storage(shape.size());  // growing does not keep the old elements
    shape_ = shape;
  }

  /// Same elements, new shape with the same element count: no copy.
  void reshape(const Shape& shape) {
    if (shape.size() != shape_.size())
      throw ShapeError("Tensor::reshape: cannot reshape " + shape_.to_string() + " (" +
                       std::to_string(shape_.size()) + " elements) to " + shape.to_string() +
                       " (" + std::to_string(shape.size()) + " elements)");
    shape_ = shape;
  }
  /// A reshaped copy (the original keeps its shape).
  Tensor reshaped(const Shape& shape) const {
    Tensor t = *this;
    t.reshape(shape);
    return t;
  }

  /// Sets every element to `value`.
  void fill(T value) { std::fill(begin(), end(), value); }

  /// A non-owning view of the whole tensor (what layers take).
  TensorView<T> view() { return {data(), shape_}; }
  /// A read-only view of the whole tensor.
  TensorView<const T> view() const { return {data(), shape_}; }

  /// (dim(0), size / dim(0)) as a row-major matrix: one sample per row.
  auto matrix() { return view().matrix(); }
  /// The same, read-only.
  auto matrix() const { return view().matrix(); }

  /// The storage as an Eigen TensorMap of rank R (R must equal rank()); defined in
  /// tensor_map.hpp, which brings in Eigen's Tensor module.
  template <int R>
  auto tensor();
  /// The same, read-only (a TensorMap of const elements).
  template <int R>
  auto tensor() const;

  /// Samples [first, first + count) as a new tensor (copied).
  Tensor slice_rows(Index first, Index count) const {
    if (first < 0 || count < 0 || first + count > dim(0))
      throw ShapeError("Tensor::slice_rows: rows [" + std::to_string(first) + ", " +
                       std::to_string(first + count) + ") out of range for shape " +
                       shape_.to_string());
    Shape s = shape_;
    s[0] = count;
    Tensor out(s);
    const Index row = rank() > 1 ? size() / dim(0) : 1;
    std::copy(data() + first * row, data() + (first + count) * row, out.data());
    return out;
  }

 private:
  /// Aligned, uninitialised storage of `capacity_` elements; it only ever grows.
  struct AlignedFree {
    void operator()(T* p) const { Eigen::internal::aligned_free(p); }
  };
  void reserve_storage(Index n) {
    if (n <= capacity_) return;
    T* p = static_cast<T*>(Eigen::internal::aligned_malloc(static_cast<std::size_t>(n) * sizeof(T)));
    storage_.reset(p);
    capacity_ = n;
  }

  std::unique_ptr<T[], AlignedFree> storage_;
  Index capacity_ = 0;
  Shape shape_{0};  // a default (or moved-from) tensor is empty: shape (0,), no storage
};

}  // namespace autoenc
