/// @file
/// How layers write a real-valued setting in config_string(): the shortest form that reads back
/// to six significant digits ("0.5", "0.99", "0.001", "1e-05"), as Python prints Keras's configs,
/// rather than std::to_string's fixed six decimals ("0.000010").
// SPDX-License-Identifier: MIT
#pragma once

#include <cstdio>
#include <string>

namespace autoenc {
namespace detail {

inline std::string config_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

}  // namespace detail
}  // namespace autoenc
