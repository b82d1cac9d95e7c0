/// @file
/// NumPy's .npy format, so arrays move between autoenc, Python and other tools.
///
///     "\x93NUMPY", major, minor, header length (uint16 for v1, uint32 for v2/v3), then a Python
///     dict literal such as {'descr': '<f4', 'fortran_order': False, 'shape': (60000, 64), },
///     padded with spaces and a newline to a multiple of 64 bytes, then the raw elements.
///
/// Supported element types: float32, float64, uint8, int32, int64, little-endian, C order.
// SPDX-License-Identifier: MIT
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "../core/error.hpp"
#include "../core/precompiled.hpp"
#include "../core/tensor.hpp"
#include "atomic_file.hpp"
#include "file_limits.hpp"

namespace autoenc {

/// The element types a .npy file may hold here (NumPy's dtype names; '<f4', '<f8', '|u1',
/// '<i4', '<i8' in the header).
enum class DType {
  float32,  ///< float, '<f4'
  float64,  ///< double, '<f8'
  uint8,    ///< std::uint8_t, '|u1'
  int32,    ///< std::int32_t, '<i4'
  int64     ///< std::int64_t, '<i8'
};

/// NumPy's name of the type: "float32", "uint8", ...
inline const char* dtype_name(DType t) {
  switch (t) {
    case DType::float32: return "float32";
    case DType::float64: return "float64";
    case DType::uint8: return "uint8";
    case DType::int32: return "int32";
    case DType::int64: return "int64";
  }
  return "?";
}

/// Bytes per element.
inline std::size_t dtype_size(DType t) {
  switch (t) {
    case DType::float32: return 4;
    case DType::float64: return 8;
    case DType::uint8: return 1;
    case DType::int32: return 4;
    case DType::int64: return 8;
  }
  return 0;
}

/// The dtype matching a C++ element type, for writing.
template <class T>
constexpr DType dtype_of() {
  static_assert(std::is_same<T, float>::value || std::is_same<T, double>::value ||
                    std::is_same<T, std::uint8_t>::value || std::is_same<T, std::int32_t>::value ||
                    std::is_same<T, std::int64_t>::value,
                "npy: element type must be float, double, uint8_t, int32_t or int64_t");
  return std::is_same<T, float>::value          ? DType::float32
         : std::is_same<T, double>::value       ? DType::float64
         : std::is_same<T, std::uint8_t>::value ? DType::uint8
         : std::is_same<T, std::int32_t>::value ? DType::int32
                                                : DType::int64;
}

/// An array read from a .npy file: its element type, shape and raw little-endian bytes.
struct NpyArray {
  DType dtype = DType::float32;  ///< The element type the file declares.
  Shape shape;                   ///< The file's shape (rank 0 for a scalar).
  std::vector<char> bytes;       ///< size() elements of dtype, C order.

  /// Number of elements.
  Index size() const { return shape.size(); }

  /// Element i converted to T.
  template <class T>
  T at(Index i) const {
    const char* p = bytes.data() + static_cast<std::size_t>(i) * dtype_size(dtype);
    switch (dtype) {
      case DType::float32: { float v; std::memcpy(&v, p, 4); return static_cast<T>(v); }
      case DType::float64: { double v; std::memcpy(&v, p, 8); return static_cast<T>(v); }
      case DType::uint8: return static_cast<T>(static_cast<std::uint8_t>(*p));
      case DType::int32: { std::int32_t v; std::memcpy(&v, p, 4); return static_cast<T>(v); }
      case DType::int64: { std::int64_t v; std::memcpy(&v, p, 8); return static_cast<T>(v); }
    }
    return T(0);
  }

  /// The array as a tensor of T (converting the elements); a 0-d array becomes shape (1).
  template <class T>
  Tensor<T> to_tensor() const {
    Tensor<T> t(shape.rank() == 0 ? Shape{1} : shape);
    for (Index i = 0; i < t.size(); ++i) t[i] = at<T>(i);
    return t;
  }
};

namespace detail {

// A tiny reader for the header's dict literal: finds `'key':` and returns what follows.
inline std::string npy_value(const std::string& header, const std::string& key, const std::string& path) {
  const auto k = header.find("'" + key + "'");
  if (k == std::string::npos) throw IoError("'" + path + "': malformed .npy header: no '" + key + "' entry");
  auto p = header.find(':', k);
  if (p == std::string::npos) throw IoError("'" + path + "': malformed .npy header near '" + key + "'");
  ++p;
  while (p < header.size() && header[p] == ' ') ++p;
  if (p >= header.size()) throw IoError("'" + path + "': malformed .npy header near '" + key + "'");
  const char open = header[p];
  if (open == '\'' || open == '"') {
    const auto e = header.find(open, p + 1);
    if (e == std::string::npos) throw IoError("'" + path + "': malformed .npy header: unterminated string");
    return header.substr(p + 1, e - p - 1);
  }
  if (open == '(') {
    const auto e = header.find(')', p);
    if (e == std::string::npos) throw IoError("'" + path + "': malformed .npy header: unterminated shape");
    return header.substr(p + 1, e - p - 1);
  }
  auto e = p;
  while (e < header.size() && header[e] != ',' && header[e] != '}' && header[e] != ' ') ++e;
  return header.substr(p, e - p);
}

inline DType npy_dtype(const std::string& descr, const std::string& path) {
  if (descr.size() >= 2 && descr[0] == '>' && descr.substr(1) != "u1" && descr.substr(1) != "i1")
    throw IoError("'" + path + "': big-endian .npy data ('" + descr + "') is not supported; "
                  "save it little-endian (numpy: a.astype(a.dtype.newbyteorder('<')))");
  std::string t = descr;
  if (!t.empty() && (t[0] == '<' || t[0] == '|' || t[0] == '=' || t[0] == '>')) t = t.substr(1);
  if (t == "f4") return DType::float32;
  if (t == "f8") return DType::float64;
  if (t == "u1") return DType::uint8;
  if (t == "i4") return DType::int32;
  if (t == "i8") return DType::int64;
  throw IoError("'" + path + "': unsupported .npy dtype '" + descr +
                "' (supported: float32 <f4, float64 <f8, uint8 |u1, int32 <i4, int64 <i8)");
}

}  // namespace detail

/// Reads a .npy file; a malformed, truncated or unsupported file throws IoError saying why.
AUTOENC_FUNC NpyArray read_npy(const std::string& path);
#if AUTOENC_HEADER_DEFINITIONS
AUTOENC_FUNC NpyArray read_npy(const std::string& path) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) throw IoError("'" + path + "': file not found");
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) throw IoError("'" + path + "': cannot open");
  const auto file_size = static_cast<std::uint64_t>(st.st_size);

  unsigned char pre[10];
  if (std::fread(pre, 1, 10, f.get()) != 10 || std::memcmp(pre, "\x93NUMPY", 6) != 0)
    throw IoError("'" + path + "': not a .npy file (missing the \\x93NUMPY magic string)");
  const int major = pre[6];
  std::uint64_t header_len = 0, prefix = 10;
  if (major == 1) {
    header_len = pre[8] | (std::uint64_t(pre[9]) << 8);
  } else if (major == 2 || major == 3) {
    unsigned char more[2];
    if (std::fread(more, 1, 2, f.get()) != 2) throw IoError("'" + path + "': truncated .npy header");
    header_len = pre[8] | (std::uint64_t(pre[9]) << 8) | (std::uint64_t(more[0]) << 16) |
                 (std::uint64_t(more[1]) << 24);
    prefix = 12;
  } else {
    throw IoError("'" + path + "': .npy format version " + std::to_string(major) + "." +
                  std::to_string(pre[7]) + " is not supported (this build reads 1.0 to 3.0)");
  }
  if (prefix + header_len > file_size)
    throw IoError("'" + path + "': truncated: the .npy header is " + std::to_string(header_len) +
                  " bytes but the file is only " + std::to_string(file_size));
  if (header_len > 65536) throw IoError("'" + path + "': .npy header of " + std::to_string(header_len) + " bytes is implausibly long");
  std::string header(static_cast<std::size_t>(header_len), '\0');
  if (std::fread(&header[0], 1, header.size(), f.get()) != header.size())
    throw IoError("'" + path + "': truncated .npy header");

  NpyArray a;
  a.dtype = detail::npy_dtype(detail::npy_value(header, "descr", path), path);
  const std::string fortran = detail::npy_value(header, "fortran_order", path);
  if (fortran == "True")
    throw IoError("'" + path + "': Fortran-ordered .npy arrays are not supported; save with "
                  "numpy.ascontiguousarray first");
  if (fortran != "False") throw IoError("'" + path + "': malformed .npy header: fortran_order is '" + fortran + "'");
  const std::string shape = detail::npy_value(header, "shape", path);
  unsigned __int128 elements = 1;
  std::size_t pos = 0;
  while (pos < shape.size()) {
    while (pos < shape.size() && (shape[pos] == ' ' || shape[pos] == ',')) ++pos;
    if (pos >= shape.size()) break;
    std::size_t end = pos;
    while (end < shape.size() && shape[end] >= '0' && shape[end] <= '9') ++end;
    if (end == pos || end - pos > 18)
      throw IoError("'" + path + "': malformed .npy shape '(" + shape + ")'");
    const auto d = static_cast<Index>(std::stoll(shape.substr(pos, end - pos)));
    if (a.shape.rank() == Shape::kMaxRank)
      throw IoError("'" + path + "': .npy array of rank > " + std::to_string(Shape::kMaxRank) + " is not supported");
    a.shape.push_back(d);
    elements *= static_cast<unsigned __int128>(d);
    pos = end;
  }
  const unsigned __int128 bytes = elements * dtype_size(a.dtype);
  if (bytes > max_file_payload_bytes())
    throw IoError("'" + path + "': the header declares shape " + a.shape.to_string() +
                  ", more than the " + std::to_string(max_file_payload_bytes()) +
                  "-byte limit (autoenc::max_file_payload_bytes())");
  const std::uint64_t data_bytes = static_cast<std::uint64_t>(bytes);
  const std::uint64_t available = file_size - prefix - header_len;
  if (available < data_bytes)
    throw IoError("'" + path + "': truncated: shape " + a.shape.to_string() + " of " + dtype_name(a.dtype) +
                  " needs " + std::to_string(data_bytes) + " bytes of data, the file holds " +
                  std::to_string(available));
  if (available > data_bytes)
    throw IoError("'" + path + "': " + std::to_string(available - data_bytes) +
                  " unexpected bytes after the data of shape " + a.shape.to_string());
  a.bytes.resize(static_cast<std::size_t>(data_bytes));
  if (data_bytes && std::fread(a.bytes.data(), 1, a.bytes.size(), f.get()) != a.bytes.size())
    throw IoError("'" + path + "': read error in the data");
  return a;
}
#endif

/// Reads a .npy file of any supported dtype into a tensor of T.
template <class T = DefaultScalar>
Tensor<T> load_npy(const std::string& path) {
  return read_npy(path).to_tensor<T>();
}

/// Writes `shape.size()` elements as a .npy file (version 1.0, C order), atomically.
template <class T>
void save_npy(const std::string& path, const T* data, const Shape& shape) {
  const DType dtype = dtype_of<T>();
  const char* descr = dtype == DType::float32   ? "<f4"
                      : dtype == DType::float64 ? "<f8"
                      : dtype == DType::uint8   ? "|u1"
                      : dtype == DType::int32   ? "<i4"
                                                : "<i8";
  std::string dict = std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': (";
  for (int i = 0; i < shape.rank(); ++i) dict += std::to_string(shape[i]) + (shape.rank() == 1 ? "," : i + 1 < shape.rank() ? ", " : "");
  dict += "), }";
  // Pad with spaces so that magic + version + length + dict + '\n' is a multiple of 64.
  const std::size_t total = 10 + dict.size() + 1;
  dict += std::string((64 - total % 64) % 64, ' ') + "\n";
  std::string out = "\x93NUMPY";
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(dict.size() & 0xff);
  out += static_cast<char>((dict.size() >> 8) & 0xff);
  out += dict;
  out.append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(shape.size()) * sizeof(T));
  write_file_atomically(path, out);
}

/// Writes a tensor as a .npy file of its shape (`np.load` gives the same array).
template <class T>
void save_npy(const std::string& path, const Tensor<T>& t) {
  save_npy(path, t.data(), t.shape());
}

/// Labels (or any integers) as a 1-d int64 array.
inline void save_npy(const std::string& path, const std::vector<int>& values) {
  std::vector<std::int64_t> v(values.begin(), values.end());
  save_npy(path, v.data(), Shape{static_cast<Index>(v.size())});
}

// Precompiled mode: these instantiations live in libautoenc_compiled (src/instantiations/).
#if defined(AUTOENC_PRECOMPILED) && !defined(AUTOENC_COMPILING_LIBRARY)
extern template void save_npy<float>(const std::string&, const float*, const Shape&);
extern template void save_npy<double>(const std::string&, const double*, const Shape&);
extern template Tensor<float> load_npy<float>(const std::string&);
extern template Tensor<double> load_npy<double>(const std::string&);
#endif

}  // namespace autoenc
