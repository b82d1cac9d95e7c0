/// @file
/// The exception hierarchy. The library reports every failure by throwing one of these;
/// it never calls exit() or abort().
// SPDX-License-Identifier: MIT
#pragma once

#include <stdexcept>
#include <string>

namespace autoenc {

/// Base of every exception autoenc throws.
class Error : public std::runtime_error {
 public:
  /// `what` is the whole message: what failed, where (layer, file) and the shapes or values.
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

/// A tensor or layer shape that does not fit (named layer, both shapes in the message).
class ShapeError : public Error {
 public:
  using Error::Error;
};

/// An impossible or unsupported hyper-parameter or call sequence.
class ConfigError : public Error {
 public:
  using Error::Error;
};

/// A file that cannot be read or written, or whose contents are malformed.
class IoError : public Error {
 public:
  using Error::Error;
};

/// A numerical failure, such as a NaN or infinite loss during training.
class NumericError : public Error {
 public:
  using Error::Error;
};

}  // namespace autoenc
