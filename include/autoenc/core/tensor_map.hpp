/// @file
/// Views of a Tensor through Eigen's Tensor module (unsupported/Eigen/CXX11/Tensor): `x.tensor<4>()`
/// is an Eigen::TensorMap of rank 4 over the same memory, for code that wants Eigen's tensor
/// expressions (index by (n, i, j, c), slices, contractions). Opt-in: the module takes seconds
/// to compile, and the library's own code does not need it.
// SPDX-License-Identifier: MIT
#pragma once

#include <string>

#include <unsupported/Eigen/CXX11/Tensor>

#include "tensor.hpp"

namespace autoenc {

/// A row-major rank-R Eigen TensorMap over borrowed memory.
template <class T, int R>
using TensorMapR = Eigen::TensorMap<Eigen::Tensor<T, R, Eigen::RowMajor>>;

namespace detail {
template <int R>
Eigen::array<Index, R> tensor_map_dims(const Shape& shape) {
  if (R != shape.rank())
    throw ShapeError("Tensor::tensor<" + std::to_string(R) + ">: tensor has rank " + std::to_string(shape.rank()) +
                     ", shape " + shape.to_string());
  Eigen::array<Index, R> d;
  for (int i = 0; i < R; ++i) d[static_cast<std::size_t>(i)] = shape[i];
  return d;
}
}  // namespace detail

template <class T>
template <int R>
auto Tensor<T>::tensor() {
  return TensorMapR<T, R>(data(), detail::tensor_map_dims<R>(shape()));
}

template <class T>
template <int R>
auto Tensor<T>::tensor() const {
  return TensorMapR<const T, R>(data(), detail::tensor_map_dims<R>(shape()));
}

}  // namespace autoenc
