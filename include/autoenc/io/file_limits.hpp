/// @file
/// The one limit every reader of data and model files applies before allocating.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>

namespace autoenc {

/// The largest payload a data or model file may declare, in bytes (default 4 GiB). Files that
/// claim more are rejected before anything is allocated. Process-wide; set it before reading.
inline std::uint64_t& max_file_payload_bytes() {
  static std::uint64_t limit = std::uint64_t(4) << 30;
  return limit;
}

}  // namespace autoenc
