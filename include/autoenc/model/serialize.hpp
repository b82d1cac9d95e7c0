/// @file
/// Saving and loading a model's weights in autoenc's own binary format (docs/format.md).
///
///     offset    size    field
///     0         8       magic "AUTOENC\0"
///     8         4       format version (2; version 1 files still load), little-endian uint32
///     12        4       bytes per scalar (4: float, 8: double)
///     16        8       A: length of the architecture text
///     24        A       architecture: the input shape, then one line per layer (kind and settings)
///     24+A      8       P: number of parameters
///     32+A      P*s     the parameters, layer after layer, as in Sequential::parameters()
///     32+A+P*s  8       S: number of non-trainable state values (version 2 only)
///     40+A+P*s  S*s     the state, layer after layer, as in Sequential::state() (version 2 only)
///     end-8     8       FNV-1a 64-bit hash of every byte before it
///
/// Version 1 (no state section) is what the library wrote before layers had state.
/// All integers and scalars are little-endian. Files are written atomically.
// SPDX-License-Identifier: MIT
#pragma once

#include <sys/stat.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "../core/error.hpp"
#include "../io/atomic_file.hpp"
#include "../io/file_limits.hpp"
#include "sequential.hpp"

namespace autoenc {

namespace detail {

constexpr char kModelMagic[8] = {'A', 'U', 'T', 'O', 'E', 'N', 'C', '\0'};
constexpr std::uint32_t kModelFormatVersion = 2;

inline std::uint64_t fnv1a64(const char* data, std::size_t n) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (std::size_t i = 0; i < n; ++i) {
    h ^= static_cast<unsigned char>(data[i]);
    h *= 0x100000001b3ull;
  }
  return h;
}

template <class U>
void put_le(std::string& out, U v) {
  for (std::size_t i = 0; i < sizeof(U); ++i) out += static_cast<char>((static_cast<std::uint64_t>(v) >> (8 * i)) & 0xff);
}

template <class U>
U get_le(const char* p) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < sizeof(U); ++i) v |= std::uint64_t(static_cast<unsigned char>(p[i])) << (8 * i);
  return static_cast<U>(v);
}

}  // namespace detail

/// The architecture text stored in a model file: the input shape, then one line per layer.
template <class T>
std::string model_architecture(const Sequential<T>& model) {
  std::string s = "input " + model.input_shape().to_string() + "\n";
  for (const auto& l : model.layers()) s += l->kind() + "(" + l->config_string() + ")\n";
  return s;
}

namespace detail {

/// The bytes of a model file (the layout above) holding `arch`, the parameters and the state.
template <class T>
std::string model_file_bytes(const std::string& arch, const T* params, Index n_params, const T* state, Index n_state) {
  std::string out(kModelMagic, 8);
  put_le<std::uint32_t>(out, kModelFormatVersion);
  put_le<std::uint32_t>(out, sizeof(T));
  put_le<std::uint64_t>(out, arch.size());
  out += arch;
  put_le<std::uint64_t>(out, static_cast<std::uint64_t>(n_params));
  out.append(reinterpret_cast<const char*>(params), static_cast<std::size_t>(n_params) * sizeof(T));
  put_le<std::uint64_t>(out, static_cast<std::uint64_t>(n_state));
  if (n_state > 0) out.append(reinterpret_cast<const char*>(state), static_cast<std::size_t>(n_state) * sizeof(T));
  put_le<std::uint64_t>(out, fnv1a64(out.data(), out.size()));
  return out;
}

/// A model file read and checked as a container (magic, version, sizes, checksum), not yet
/// against a model.
struct ModelFileContents {
  std::string bytes;               ///< the whole file
  std::string architecture;        ///< the architecture text
  std::uint32_t scalar_bytes = 4;  ///< 4 (float) or 8 (double)
  std::uint64_t count = 0;         ///< values in the parameter array
  std::uint64_t state_count = 0;   ///< values in the state array
  std::size_t params_offset = 0;   ///< where the parameter array starts in bytes
  std::size_t state_offset = 0;    ///< where the state array starts
};

/// Reads the model file at `path` and checks the container; any problem throws IoError.
inline ModelFileContents parse_model_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw IoError("'" + path + "': file not found");
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (size > max_file_payload_bytes())
    throw IoError("'" + path + "': " + std::to_string(size) + " bytes, more than the limit (autoenc::max_file_payload_bytes())");
  ModelFileContents file;
  std::string& bytes = file.bytes;
  bytes.assign(static_cast<std::size_t>(size), '\0');
  {
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
    if (!f) throw IoError("'" + path + "': cannot open");
    if (size && std::fread(&bytes[0], 1, bytes.size(), f.get()) != bytes.size())
      throw IoError("'" + path + "': read error");
  }
  const std::string what = "'" + path + "': ";
  if (size < 8 || std::memcmp(bytes.data(), kModelMagic, 8) != 0)
    throw IoError(what + "not an autoenc model file (bad magic number)");
  if (size < 24 + 8 + 8) throw IoError(what + "truncated: shorter than the smallest model file");
  const auto version = get_le<std::uint32_t>(bytes.data() + 8);
  if (version != 1 && version != kModelFormatVersion)
    throw IoError(what + "format version " + std::to_string(version) + "; this build reads version 1 or " +
                  std::to_string(kModelFormatVersion));
  // Bytes besides the architecture and the arrays: magic, version, scalar size, A, P, the hash,
  // and in version 2 S.
  const std::uint64_t fixed = version == 1 ? 40 : 48;
  if (size < fixed) throw IoError(what + "truncated: shorter than the smallest model file");
  const auto arch_len = get_le<std::uint64_t>(bytes.data() + 16);
  if (arch_len > size - fixed) throw IoError(what + "truncated: the architecture text runs past the end of the file");
  const auto scalar = get_le<std::uint32_t>(bytes.data() + 12);
  if (scalar != 4 && scalar != 8) throw IoError(what + "corrupted: " + std::to_string(scalar) + " bytes per scalar");
  const auto count = get_le<std::uint64_t>(bytes.data() + 24 + arch_len);
  const std::uint64_t room = size - fixed - arch_len;  // bytes left for the parameters and the state
  if (count > room / scalar || (version == 1 && count * scalar != room))
    throw IoError(what + "truncated or padded: " + std::to_string(count) + " parameters of " + std::to_string(scalar) +
                  " bytes need a file of " + (version == 1 ? "" : "at least ") +
                  std::to_string(fixed + arch_len + count * scalar) + " bytes, it has " + std::to_string(size));
  std::uint64_t state_count = 0;
  if (version >= 2) {
    state_count = get_le<std::uint64_t>(bytes.data() + 32 + arch_len + count * scalar);
    const std::uint64_t state_room = room - count * scalar;
    if (state_count > state_room / scalar || state_count * scalar != state_room)
      throw IoError(what + "truncated or padded: " + std::to_string(count) + " parameters and " +
                    std::to_string(state_count) + " state values of " + std::to_string(scalar) +
                    " bytes need a file of " +
                    std::to_string(fixed + arch_len + (count + state_count) * scalar) + " bytes, it has " +
                    std::to_string(size));
  }
  const auto stored = get_le<std::uint64_t>(bytes.data() + size - 8);
  if (stored != fnv1a64(bytes.data(), static_cast<std::size_t>(size - 8)))
    throw IoError(what + "corrupted: the checksum does not match the contents");
  file.architecture = bytes.substr(24, static_cast<std::size_t>(arch_len));
  file.scalar_bytes = scalar;
  file.count = count;
  file.state_count = state_count;
  file.params_offset = static_cast<std::size_t>(32 + arch_len);
  file.state_offset = static_cast<std::size_t>(40 + arch_len + count * scalar);
  return file;
}

/// Reads the model file at `path`, checks it completely (magic, version, sizes, checksum, that
/// it holds `expected_arch` in T's precision with n_params parameters and n_state state values),
/// and only then copies the arrays into params and state. Any mismatch throws IoError and
/// changes nothing.
template <class T>
void read_model_file(const std::string& path, const std::string& expected_arch, T* params, Index n_params, T* state,
                     Index n_state) {
  const ModelFileContents file = parse_model_file(path);
  const std::string what = "'" + path + "': ";
  if (file.architecture != expected_arch)
    throw IoError(what + "holds a different architecture.\nIn the file:\n" + file.architecture + "This model:\n" +
                  expected_arch);
  if (file.scalar_bytes != sizeof(T))
    throw IoError(what + "holds " + (file.scalar_bytes == 4 ? "float" : "double") + " weights; this model uses " +
                  (sizeof(T) == 4 ? "float" : "double"));
  if (static_cast<std::uint64_t>(n_params) != file.count)
    throw IoError(what + "holds " + std::to_string(file.count) + " parameters; this model has " + std::to_string(n_params));
  if (static_cast<std::uint64_t>(n_state) != file.state_count)
    throw IoError(what + "holds " + std::to_string(file.state_count) + " non-trainable state values; this model has " +
                  std::to_string(n_state));
  std::memcpy(params, file.bytes.data() + file.params_offset, static_cast<std::size_t>(file.count) * sizeof(T));
  if (file.state_count > 0)
    std::memcpy(state, file.bytes.data() + file.state_offset, static_cast<std::size_t>(file.state_count) * sizeof(T));
}

}  // namespace detail

/// Writes the model's architecture, weights and non-trainable state to `path` (atomically).
template <class T>
void save_model(const Sequential<T>& model, const std::string& path) {
  if (!model.built()) throw ConfigError("save_model: the model is not built");
  const auto params = model.parameters();
  const auto state = model.state();
  write_file_atomically(path, detail::model_file_bytes<T>(model_architecture(model), params.data(), params.size(),
                                                          state.data(), state.size()));
}

/// Reads weights saved by save_model into `model`, which must have the same architecture.
/// A missing, truncated, corrupted or mismatched file throws IoError and leaves the model as it was.
template <class T>
void load_weights(Sequential<T>& model, const std::string& path) {
  // Read into buffers first: a bad file leaves even an unbuilt model untouched.
  std::vector<T> params(static_cast<std::size_t>(model.param_count())), state(static_cast<std::size_t>(model.state_count()));
  detail::read_model_file<T>(path, model_architecture(model), params.data(), model.param_count(), state.data(),
                             model.state_count());
  if (!model.built()) model.build();
  std::copy(params.begin(), params.end(), model.parameters().data());
  std::copy(state.begin(), state.end(), model.state().data());
}

// Precompiled mode: these instantiations live in libautoenc_compiled (src/instantiations/).
#if defined(AUTOENC_PRECOMPILED) && !defined(AUTOENC_COMPILING_LIBRARY)
extern template std::string model_architecture<float>(const Sequential<float>&);
extern template std::string model_architecture<double>(const Sequential<double>&);
extern template void save_model<float>(const Sequential<float>&, const std::string&);
extern template void save_model<double>(const Sequential<double>&, const std::string&);
extern template void load_weights<float>(Sequential<float>&, const std::string&);
extern template void load_weights<double>(Sequential<double>&, const std::string&);
#endif

}  // namespace autoenc
