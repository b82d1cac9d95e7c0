// libFuzzer target: the .npy reader. Any input must end in a parsed array or an autoenc::Error.
// SPDX-License-Identifier: MIT
#include <autoenc/io/npy.hpp>

#include "fuzz_input_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  autoenc::max_file_payload_bytes() = std::uint64_t(64) << 20;
  const std::string& path = fuzzing::write_input(data, size, ".npy");
  try {
    const autoenc::NpyArray a = autoenc::read_npy(path);
    // Every element the shape promises must be readable.
    double sum = 0;
    for (autoenc::Index i = 0; i < a.size(); ++i) sum += a.at<double>(i);
    (void)sum;
  } catch (const autoenc::Error&) {
  }
  return 0;
}
