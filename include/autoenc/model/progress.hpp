/// @file
/// Progress: Keras's progress bar for fit/evaluate/predict.
///
///     Epoch 1/10
///     235/235 [==============================] - 1s 4ms/step - loss: 0.0504
///
/// On a terminal the line is redrawn as batches finish (with an ETA); elsewhere (a log file,
/// a pipe) only the finished line is printed, so logs stay readable.
// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <limits>
#include <string>

#include <unistd.h>

#include "../core/config.hpp"
#include "fit_options.hpp"

namespace autoenc {

/// True when `os` is std::cout or std::cerr and that stream is a terminal.
inline bool is_terminal(const std::ostream& os) {
  if (&os == &std::cout) return isatty(STDOUT_FILENO) != 0;
  if (&os == &std::cerr || &os == &std::clog) return isatty(STDERR_FILENO) != 0;
  return false;
}

namespace detail {

inline std::string format_eta(double seconds) {
  char buf[32];
  const long s = std::lround(seconds);
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, (s % 3600) / 60, s % 60);
  else if (s >= 60)
    std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%lds", s);
  return buf;
}

/// Keras prints small values in scientific notation so they do not show as 0.0000.
inline std::string format_metric(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, std::fabs(v) > 1e-3 || v == 0.0 ? "%.4f" : "%.4e", v);
  return buf;
}

inline std::string format_per_step(double seconds_per_step) {
  char buf[32];
  if (seconds_per_step >= 1)
    std::snprintf(buf, sizeof buf, "%.0fs/step", seconds_per_step);
  else if (seconds_per_step >= 1e-3)
    std::snprintf(buf, sizeof buf, "%.0fms/step", seconds_per_step * 1e3);
  else
    std::snprintf(buf, sizeof buf, "%.0fus/step", seconds_per_step * 1e6);
  return buf;
}

}  // namespace detail

/// One progress line of `total_steps` steps (an epoch's batches), drawn as `verbosity` says.
class ProgressBar {
 public:
  using Clock = std::chrono::steady_clock;  ///< Times the steps (monotonic).

  /// Starts the clock; nothing is printed before the first update() or finish().
  ProgressBar(Index total_steps, Verbosity verbosity, std::ostream& os)
      : total_(total_steps), verbosity_(verbosity), os_(os), live_(is_terminal(os)),
        start_(Clock::now()), last_draw_(start_) {}

  /// Called after each step with the number of steps done and the running mean loss.
  void update(Index done, double mean_loss) {
    if (verbosity_ != Verbosity::progress_bar || !live_ || done >= total_) return;
    const auto now = Clock::now();
    if (now - last_draw_ < std::chrono::milliseconds(50)) return;  // redraw at most 20 times/s
    last_draw_ = now;
    const double elapsed = seconds_since_start();
    const double eta = elapsed / static_cast<double>(done) * static_cast<double>(total_ - done);
    os_ << '\r' << bar(done) << " - ETA: " << detail::format_eta(eta)
        << (std::isnan(mean_loss) ? "" : " - loss: " + detail::format_metric(mean_loss)) << std::flush;
  }

  /// Prints the finished line: "235/235 [====...] - 1s 4ms/step - loss: 0.0504", then
  /// " - val_loss: 0.0498" when a validation loss is given.
  /// Without a loss (predict), the line ends after the timing.
  void finish(double mean_loss = std::numeric_limits<double>::quiet_NaN(),
              double val_loss = std::numeric_limits<double>::quiet_NaN()) {
    if (verbosity_ == Verbosity::silent) return;
    const double elapsed = seconds_since_start();
    const double per_step = total_ > 0 ? elapsed / static_cast<double>(total_) : 0.0;
    char secs[32];
    std::snprintf(secs, sizeof secs, "%.0fs", elapsed);
    if (live_ && verbosity_ == Verbosity::progress_bar) os_ << '\r';
    os_ << bar(total_) << " - " << secs << ' ' << detail::format_per_step(per_step)
        << (std::isnan(mean_loss) ? "" : " - loss: " + detail::format_metric(mean_loss))
        << (std::isnan(val_loss) ? "" : " - val_loss: " + detail::format_metric(val_loss))
        << (live_ ? "\033[K" : "")  // on a terminal, erase what the ETA line left behind
        << '\n' << std::flush;
  }

  /// Wall-clock seconds since the bar was made.
  double seconds_since_start() const {
    return std::chrono::duration<double>(Clock::now() - start_).count();
  }

 private:
  // "  17/235 [==>...........................]": the count right-aligned to the total's width.
  std::string bar(Index done) const {
    constexpr int kWidth = 30;
    const std::string total = std::to_string(total_);
    std::string count = std::to_string(done);
    if (count.size() < total.size()) count.insert(0, total.size() - count.size(), ' ');
    const int filled =
        total_ > 0 ? static_cast<int>(kWidth * static_cast<double>(done) / static_cast<double>(total_)) : kWidth;
    std::string s = count + "/" + total + " [";
    if (filled > 0) s += std::string(static_cast<std::size_t>(filled - 1), '=') + (done < total_ ? '>' : '=');
    s += std::string(static_cast<std::size_t>(kWidth - filled), '.');
    return s + "]";
  }

  Index total_;
  Verbosity verbosity_;
  std::ostream& os_;
  bool live_;
  Clock::time_point start_, last_draw_;
};

}  // namespace autoenc
