// The numbers an example program measured, saved for the chapter report (ch9_report).
//
// One "key: value" pair per line, in the order recorded, written atomically when the program
// finishes its step; ch9_report reads every such file of a run back with read_results().
// SPDX-License-Identifier: MIT
#pragma once

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <autoenc/io/atomic_file.hpp>

namespace chapter {

class Results {
 public:
  /// Results go to `path`; an empty path records nothing (the flag was not given). With
  /// `keep_previous`, what an earlier run wrote there stays unless set again (a reused model
  /// keeps the numbers of its training).
  explicit Results(std::string path, bool keep_previous = false) : path_(std::move(path)) {
    if (!keep_previous || path_.empty()) return;
    std::ifstream in(path_);
    std::string line;
    while (std::getline(in, line)) {
      const auto colon = line.find(": ");
      if (colon != std::string::npos) entries_.emplace_back(line.substr(0, colon), line.substr(colon + 2));
    }
  }

  void set(const std::string& key, const std::string& value) {
    for (auto& [k, v] : entries_)
      if (k == key) {
        v = value;
        return;
      }
    entries_.emplace_back(key, value);
  }
  void set(const std::string& key, double value, const char* format = "%.6g") {
    char buf[64];
    std::snprintf(buf, sizeof buf, format, value);
    set(key, std::string(buf));
  }

  /// Writes the file (atomically: a crash leaves the previous results intact).
  void save() const {
    if (path_.empty()) return;
    std::string text;
    for (const auto& [k, v] : entries_) text += k + ": " + v + "\n";
    autoenc::write_file_atomically(path_, text.data(), text.size());
  }

 private:
  std::string path_;
  std::vector<std::pair<std::string, std::string>> entries_;
};

/// Reads a results file into key -> value (empty when the file does not exist).
inline std::map<std::string, std::string> read_results(const std::string& path) {
  std::map<std::string, std::string> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    const auto colon = line.find(": ");
    if (colon != std::string::npos) out[line.substr(0, colon)] = line.substr(colon + 2);
  }
  return out;
}

}  // namespace chapter
