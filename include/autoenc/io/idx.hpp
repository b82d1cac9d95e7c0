/// @file
/// The IDX file format of MNIST and Fashion-MNIST, plain or gzip-compressed.
///
///     bytes 0-1  zero          byte 2  element type (0x08 = unsigned byte)    byte 3  rank r
///     then r big-endian uint32 dimensions, then the elements, row-major.
///
/// Images are 0x00000803 (count, rows, cols), labels 0x00000801 (count).
///
/// A file is checked before anything is allocated for it: the header's dimensions must fit the
/// file's real size (plain files) and a size limit (all files); compressed data is read in
/// pieces, so a lying header cannot make the reader allocate more than the data it contains.
// SPDX-License-Identifier: MIT
#pragma once

#include <sys/stat.h>
#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "../core/error.hpp"
#include "../core/precompiled.hpp"
#include "../core/tensor.hpp"
#include "file_limits.hpp"

namespace autoenc {

/// The raw contents of an IDX file of unsigned bytes.
struct IdxArray {
  std::vector<Index> dims;         ///< The header's dimensions, outermost first.
  std::vector<std::uint8_t> data;  ///< The elements, row-major.
};

namespace detail {

struct GzCloser {
  void operator()(gzFile f) const {
    if (f) gzclose(f);
  }
};

AUTOENC_FUNC bool file_is_gzip(const std::string& path);
#if AUTOENC_HEADER_DEFINITIONS
AUTOENC_FUNC bool file_is_gzip(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return false;
  unsigned char m[2] = {0, 0};
  const bool gz = std::fread(m, 1, 2, f) == 2 && m[0] == 0x1f && m[1] == 0x8b;
  std::fclose(f);
  return gz;
}
#endif

/// Reads up to n bytes; returns how many were read. Throws on a corrupt gzip stream.
AUTOENC_FUNC std::size_t gz_read(gzFile f, void* buf, std::size_t n, const std::string& path);
#if AUTOENC_HEADER_DEFINITIONS
AUTOENC_FUNC std::size_t gz_read(gzFile f, void* buf, std::size_t n, const std::string& path) {
  std::size_t total = 0;
  while (total < n) {
    const unsigned chunk = static_cast<unsigned>(std::min<std::size_t>(n - total, 1u << 30));
    const int got = gzread(f, static_cast<char*>(buf) + total, chunk);
    if (got < 0) {
      int err = 0;
      const char* msg = gzerror(f, &err);
      throw IoError("'" + path + "': corrupt compressed data (" + std::string(msg ? msg : "zlib error") + ")");
    }
    if (got == 0) break;
    total += static_cast<std::size_t>(got);
  }
  return total;
}
#endif

}  // namespace detail

/// Reads an IDX file of unsigned bytes (plain or .gz, detected from its contents).
AUTOENC_FUNC IdxArray read_idx(const std::string& path);
#if AUTOENC_HEADER_DEFINITIONS
AUTOENC_FUNC IdxArray read_idx(const std::string& path) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) throw IoError("'" + path + "': file not found");
  const bool gz = detail::file_is_gzip(path);
  std::unique_ptr<gzFile_s, detail::GzCloser> f(gzopen(path.c_str(), "rb"));
  if (!f) throw IoError("'" + path + "': cannot open");

  unsigned char magic[4];
  if (detail::gz_read(f.get(), magic, 4, path) != 4)
    throw IoError("'" + path + "': truncated: shorter than the 4-byte IDX magic number");
  if (magic[0] != 0 || magic[1] != 0)
    throw IoError("'" + path + "': not an IDX file (bad magic number: first two bytes must be zero)");
  if (magic[2] != 0x08)
    throw IoError("'" + path + "': unsupported IDX element type 0x" +
                  [](int v) { char b[8]; std::snprintf(b, sizeof b, "%02x", v); return std::string(b); }(magic[2]) +
                  " (only unsigned bytes, 0x08, are supported)");
  const int rank = magic[3];
  if (rank < 1 || rank > 4)
    throw IoError("'" + path + "': IDX rank " + std::to_string(rank) + " is not in [1, 4]");

  IdxArray out;
  unsigned __int128 elements = 1;
  for (int i = 0; i < rank; ++i) {
    unsigned char b[4];
    if (detail::gz_read(f.get(), b, 4, path) != 4)
      throw IoError("'" + path + "': truncated inside the header (dimension " + std::to_string(i) + ")");
    const std::uint32_t d = (std::uint32_t(b[0]) << 24) | (std::uint32_t(b[1]) << 16) |
                            (std::uint32_t(b[2]) << 8) | std::uint32_t(b[3]);
    out.dims.push_back(static_cast<Index>(d));
    elements *= d;
  }
  const std::uint64_t header = 4 + 4 * static_cast<std::uint64_t>(rank);
  std::string dims_text;
  for (Index d : out.dims) dims_text += (dims_text.empty() ? "" : " x ") + std::to_string(d);
  if (elements > max_file_payload_bytes())
    throw IoError("'" + path + "': header declares " + dims_text + " elements, more than the " +
                  std::to_string(max_file_payload_bytes()) +
                  "-byte limit (autoenc::max_file_payload_bytes()); the file is corrupt or not IDX");
  const auto expected = static_cast<std::uint64_t>(elements);
  if (!gz) {
    const auto actual = static_cast<std::uint64_t>(st.st_size);
    if (actual < header + expected)
      throw IoError("'" + path + "': truncated: the header declares " + dims_text + " = " +
                    std::to_string(expected) + " bytes of data but the file holds only " +
                    std::to_string(actual - header));
    if (actual > header + expected)
      throw IoError("'" + path + "': " + std::to_string(actual - header - expected) +
                    " unexpected bytes after the " + dims_text + " elements the header declares");
  }
  // Grow the buffer as data arrives, so memory follows what the file really holds.
  constexpr std::size_t kPiece = std::size_t(16) << 20;
  std::size_t have = 0;
  while (have < expected) {
    const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(kPiece, expected - have));
    out.data.resize(have + want);
    const std::size_t got = detail::gz_read(f.get(), out.data.data() + have, want, path);
    have += got;
    if (got < want)
      throw IoError("'" + path + "': truncated: the header declares " + dims_text + " = " +
                    std::to_string(expected) + " bytes of data but the file holds only " +
                    std::to_string(have));
  }
  unsigned char extra;
  if (detail::gz_read(f.get(), &extra, 1, path) != 0)
    throw IoError("'" + path + "': unexpected bytes after the " + dims_text + " elements the header declares");
  return out;
}
#endif

/// Images from an IDX file (count, rows, cols) as a (count, rows, cols, 1) tensor scaled to [0, 1].
template <class T = DefaultScalar>
Tensor<T> load_idx_images(const std::string& path) {
  IdxArray a = read_idx(path);
  if (a.dims.size() != 3)
    throw IoError("'" + path + "': an image file has 3 dimensions (count, rows, cols), this one has " +
                  std::to_string(a.dims.size()) + (a.dims.size() == 1 ? " (is it a label file?)" : ""));
  Tensor<T> images(Shape{a.dims[0], a.dims[1], a.dims[2], 1});
  const T scale = T(1) / T(255);
  for (Index i = 0; i < images.size(); ++i) images[i] = T(a.data[static_cast<std::size_t>(i)]) * scale;
  return images;
}

/// Labels from an IDX file of rank 1.
AUTOENC_FUNC std::vector<int> load_idx_labels(const std::string& path);
#if AUTOENC_HEADER_DEFINITIONS
AUTOENC_FUNC std::vector<int> load_idx_labels(const std::string& path) {
  IdxArray a = read_idx(path);
  if (a.dims.size() != 1)
    throw IoError("'" + path + "': a label file has 1 dimension, this one has " + std::to_string(a.dims.size()) +
                  (a.dims.size() == 3 ? " (is it an image file?)" : ""));
  return std::vector<int>(a.data.begin(), a.data.end());
}
#endif

}  // namespace autoenc
