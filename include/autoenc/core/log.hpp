/// @file
/// The one place where autoenc's progress and log lines go: fit's progress bar, KMeans's and
/// TSNE's verbose messages, evaluate and predict. std::cout unless set_log_stream() picks another
/// stream (a file, a std::ostringstream in a test, or any std::ostream with a streambuf of your
/// own to forward lines elsewhere). Library code prints only when asked: fit by default (Keras
/// prints its progress bar), KMeans and TSNE only with verbose > 0 (scikit-learn is silent).
// SPDX-License-Identifier: MIT
#pragma once

#include <cstdarg>
#include <cstdio>
#include <iostream>
#include <vector>

namespace autoenc {

namespace detail {
inline std::ostream*& log_stream_slot() {
  static std::ostream* stream = &std::cout;
  return stream;
}
}  // namespace detail

/// The stream progress and log lines go to.
inline std::ostream& log_stream() { return *detail::log_stream_slot(); }

/// Sends progress and log lines to `os` from now on (process-wide, like the thread count: set
/// it before training, not while another thread is printing). `os` must outlive its use.
inline void set_log_stream(std::ostream& os) { detail::log_stream_slot() = &os; }

/// printf-style formatting onto the log stream (scikit-learn-style progress messages).
#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
inline void log_printf(const char* format, ...) {
  char small[256];
  std::va_list args;
  va_start(args, format);
  std::va_list again;
  va_copy(again, args);
  const int n = std::vsnprintf(small, sizeof small, format, args);
  va_end(args);
  if (n < 0) {
    va_end(again);
    return;
  }
  if (static_cast<std::size_t>(n) < sizeof small) {
    log_stream() << small;
  } else {
    std::vector<char> big(static_cast<std::size_t>(n) + 1);
    std::vsnprintf(big.data(), big.size(), format, again);
    log_stream() << big.data();
  }
  va_end(again);
  log_stream().flush();
}

/// Sets the log stream for the lifetime of this object, then restores the previous one.
class ScopedLogStream {
 public:
  /// Sends the log lines to `os` until this object is destroyed.
  explicit ScopedLogStream(std::ostream& os) : previous_(&log_stream()) { set_log_stream(os); }
  /// Puts back the stream that was in use before.
  ~ScopedLogStream() { set_log_stream(*previous_); }
  ScopedLogStream(const ScopedLogStream&) = delete;
  ScopedLogStream& operator=(const ScopedLogStream&) = delete;

 private:
  std::ostream* previous_;
};

}  // namespace autoenc
