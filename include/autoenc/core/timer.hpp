/// @file
/// Timer: wall and CPU time of a block of work, reported the way Jupyter's \%\%time does
/// ("CPU times: user 17.2 s, sys: 1.1 s, total: 18.3 s" / "Wall time: 13.4 s").
// SPDX-License-Identifier: MIT
#pragma once

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <utility>

namespace autoenc {

/// Wall and CPU time since construction or restart(), printed like Jupyter's \%\%time.
class Timer {
 public:
  /// Starts timing.
  Timer() { restart(); }
  /// Starts timing again from now.
  void restart() {
    wall_ = std::chrono::steady_clock::now();
    cpu_ = cpu_seconds();
  }
  /// Wall-clock seconds since the start (a steady clock).
  double wall_seconds() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_).count(); }
  /// User and system CPU seconds of the whole process (all threads) since the start.
  std::pair<double, double> cpu() const {
    const auto now = cpu_seconds();
    return {now.first - cpu_.first, now.second - cpu_.second};
  }
  /// "CPU times: user 9.08 s, sys: 45 ms, total: 9.13 s\nWall time: 4.80 s\n"
  std::string report() const {
    const auto [user, sys] = cpu();
    return "CPU times: user " + format(user) + ", sys: " + format(sys) + ", total: " + format(user + sys) +
           "\nWall time: " + format(wall_seconds()) + "\n";
  }
  /// Jupyter's way of writing a duration: "13.4 s", "45 ms", "3min 52s".
  static std::string format(double s) {
    char buf[32];
    if (s >= 60) std::snprintf(buf, sizeof buf, "%dmin %.0fs", int(s / 60), s - 60 * int(s / 60));
    else if (s >= 1) std::snprintf(buf, sizeof buf, "%.2f s", s);
    else std::snprintf(buf, sizeof buf, "%.0f ms", s * 1e3);
    return buf;
  }

 private:
  static std::pair<double, double> cpu_seconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return {double(u.ru_utime.tv_sec) + double(u.ru_utime.tv_usec) * 1e-6,
            double(u.ru_stime.tv_sec) + double(u.ru_stime.tv_usec) * 1e-6};
  }
  std::chrono::steady_clock::time_point wall_;
  std::pair<double, double> cpu_;
};

}  // namespace autoenc
