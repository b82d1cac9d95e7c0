// Writing files so that a reader never sees half of one: the bytes go to a temporary file in
// the same directory, are flushed to disk, and the temporary is renamed over the target.
// rename() within one file system is atomic, so the target holds either the old contents or
// the new ones, even if the process dies in the middle.
// SPDX-License-Identifier: MIT
#pragma once

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/error.hpp"

namespace autoenc {

/// Writes `size` bytes to `path` atomically (temporary file, fsync, rename). Throws IoError
/// and leaves any previous file at `path` untouched if anything fails.
inline void write_file_atomically(const std::string& path, const void* data, std::size_t size) {
  std::string tmp = path + ".tmp-XXXXXX";
  std::vector<char> name(tmp.begin(), tmp.end());
  name.push_back('\0');
  const int fd = mkstemp(name.data());
  auto fail = [&](const std::string& what, int err, bool remove_tmp) {
    if (remove_tmp) ::unlink(name.data());
    throw IoError("cannot write '" + path + "': " + what + ": " + std::strerror(err));
  };
  if (fd < 0) fail("cannot create a temporary file beside it", errno, false);
  // mkstemp creates files readable only by the owner; give the file the usual permissions.
  const mode_t mask = ::umask(0);
  ::umask(mask);
  ::fchmod(fd, 0666 & ~mask);
  const char* p = static_cast<const char*>(data);
  std::size_t left = size;
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      fail("write failed", err, true);
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    const int err = errno;
    ::close(fd);
    fail("fsync failed", err, true);
  }
  if (::close(fd) != 0) fail("close failed", errno, true);
  if (::rename(name.data(), path.c_str()) != 0) fail("rename failed", errno, true);
}

inline void write_file_atomically(const std::string& path, const std::string& bytes) {
  write_file_atomically(path, bytes.data(), bytes.size());
}

}  // namespace autoenc
