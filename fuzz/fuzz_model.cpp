// libFuzzer target: the saved-model loader, into a small Dense autoencoder (the architecture
// check is part of what is fuzzed). Any input must load or end in an autoenc::Error.
// SPDX-License-Identifier: MIT
#include <autoenc/autoenc.hpp>

#include "fuzz_input_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  autoenc::max_file_payload_bytes() = std::uint64_t(64) << 20;
  static autoenc::Sequential<float> model = [] {
    autoenc::Sequential<float> m({16}, autoenc::Dense<float>(8, "relu"), autoenc::Dense<float>(16, "sigmoid"));
    m.build(0);
    return m;
  }();
  const std::string& path = fuzzing::write_input(data, size, ".model");
  try {
    autoenc::load_weights(model, path);
  } catch (const autoenc::Error&) {
  }
  return 0;
}
