/// @file
/// Writing files so that a reader never sees half of one: the bytes go to a temporary file in
/// the same directory, are flushed to disk, and the temporary is renamed over the target.
/// rename() within one file system is atomic, so the target holds either the old contents or
/// the new ones, even if the process dies in the middle.
///
/// Tests inject failures (a full disk, a read-only file system) into each step through
/// file_write_fault_injector(); the bytes are written in chunks so that a failure, or a kill, can
/// land in the middle of a file.
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/error.hpp"
#include "../core/precompiled.hpp"

namespace autoenc {

/// For tests: when set, called before each step of every atomic write ("create", "write" for
/// each chunk, "fsync", "rename") with the target path. A non-zero return is taken as that
/// step's errno (ENOSPC: disk full, EROFS: read-only), exactly as if the system call had failed.
inline std::function<int(const char* step, const std::string& path)>& file_write_fault_injector() {
  static std::function<int(const char*, const std::string&)> injector;
  return injector;
}

namespace detail {
/// errno of an injected failure of `step`, or 0.
inline int injected_fault(const char* step, const std::string& path) {
  const auto& injector = file_write_fault_injector();
  return injector ? injector(step, path) : 0;
}
constexpr std::size_t kWriteChunk = std::size_t(1) << 20;
}  // namespace detail

/// Writes `size` bytes to `path` atomically (temporary file, fsync, rename). Throws IoError
/// and leaves any previous file at `path` untouched if anything fails.
AUTOENC_FUNC void write_file_atomically(const std::string& path, const void* data, std::size_t size);
#if AUTOENC_HEADER_DEFINITIONS
AUTOENC_FUNC void write_file_atomically(const std::string& path, const void* data, std::size_t size) {
  std::string tmp = path + ".tmp-XXXXXX";
  std::vector<char> name(tmp.begin(), tmp.end());
  name.push_back('\0');
  auto fail = [&](const std::string& what, int err, bool remove_tmp) {
    if (remove_tmp) ::unlink(name.data());
    throw IoError("cannot write '" + path + "': " + what + ": " + std::strerror(err));
  };
  if (const int err = detail::injected_fault("create", path)) fail("cannot create a temporary file beside it", err, false);
  const int fd = mkstemp(name.data());
  if (fd < 0) fail("cannot create a temporary file beside it", errno, false);
  // mkstemp creates files readable only by the owner; give the file the usual permissions.
  const mode_t mask = ::umask(0);
  ::umask(mask);
  ::fchmod(fd, 0666 & ~mask);
  const char* p = static_cast<const char*>(data);
  std::size_t left = size;
  while (left > 0) {
    if (const int err = detail::injected_fault("write", path)) {
      ::close(fd);
      fail("write failed", err, true);
    }
    const ssize_t n = ::write(fd, p, std::min(left, detail::kWriteChunk));
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      fail("write failed", err, true);
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  const int fsync_err = detail::injected_fault("fsync", path);
  if (fsync_err != 0 || ::fsync(fd) != 0) {
    const int err = fsync_err ? fsync_err : errno;
    ::close(fd);
    fail("fsync failed", err, true);
  }
  if (::close(fd) != 0) fail("close failed", errno, true);
  if (const int err = detail::injected_fault("rename", path)) fail("rename failed", err, true);
  if (::rename(name.data(), path.c_str()) != 0) fail("rename failed", errno, true);
}
#endif

/// Writes the bytes of a string to `path` atomically, as above.
inline void write_file_atomically(const std::string& path, const std::string& bytes) {
  write_file_atomically(path, bytes.data(), bytes.size());
}

}  // namespace autoenc
