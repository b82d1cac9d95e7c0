// libFuzzer target: the IDX reader (MNIST's format), plain and gzip-compressed. Any input must
// end in a parsed array or an autoenc::Error, never a crash, a hang or an unbounded allocation.
// SPDX-License-Identifier: MIT
#include <autoenc/io/idx.hpp>

#include "fuzz_input_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Small enough for the fuzzer's memory limit, large enough for every seed.
  autoenc::max_file_payload_bytes() = std::uint64_t(64) << 20;
  const std::string& path = fuzzing::write_input(data, size, ".idx");
  try {
    const autoenc::IdxArray a = autoenc::read_idx(path);
    std::size_t elements = 1;
    for (autoenc::Index d : a.dims) elements *= std::size_t(d);
    if (elements != a.data.size()) std::abort();  // the reader's own promise
  } catch (const autoenc::Error&) {
  }
  return 0;
}
