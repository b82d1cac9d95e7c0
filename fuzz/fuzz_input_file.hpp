// The fuzz targets' input as a file: autoenc's readers take paths, so each input is written to
// a per-process temporary file first (the same code path a user's download takes).
// SPDX-License-Identifier: MIT
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

namespace fuzzing {

inline const std::string& input_path(const char* suffix) {
  static const std::string path = "/tmp/autoenc-fuzz-" + std::to_string(::getpid()) + suffix;
  return path;
}

/// Writes the input to the target's temporary file and returns its path.
inline const std::string& write_input(const std::uint8_t* data, std::size_t size, const char* suffix) {
  const std::string& path = input_path(suffix);
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) std::abort();
  if (size && std::fwrite(data, 1, size, f) != size) std::abort();
  std::fclose(f);
  return path;
}

}  // namespace fuzzing
