// Writes a small seed corpus for each fuzz target: valid files of each kind the readers accept,
// so the fuzzers start from the real formats.
//
//   make_seed_corpus DIR      -> DIR/idx/, DIR/npy/, DIR/model/
// SPDX-License-Identifier: MIT
#include <sys/stat.h>
#include <zlib.h>

#include <cstdio>
#include <string>
#include <vector>

#include <autoenc/autoenc.hpp>

namespace ae = autoenc;

namespace {

void write_bytes(const std::string& path, const std::string& bytes) { ae::write_file_atomically(path, bytes); }

std::string idx_bytes(const std::vector<std::uint32_t>& dims) {
  std::string s = {0, 0, 8, char(dims.size())};
  std::size_t n = 1;
  for (std::uint32_t d : dims) {
    for (int b = 3; b >= 0; --b) s += char((d >> (8 * b)) & 0xff);
    n *= d;
  }
  for (std::size_t i = 0; i < n; ++i) s += char(i * 37 % 256);
  return s;
}

void write_gz(const std::string& path, const std::string& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  gzwrite(f, bytes.data(), unsigned(bytes.size()));
  gzclose(f);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_seed_corpus DIR\n");
    return 2;
  }
  const std::string dir = argv[1];
  for (const char* sub : {"", "/idx", "/npy", "/model"}) ::mkdir((dir + sub).c_str(), 0755);
  // IDX: labels (1-d), images (3-d), plain and gzip.
  write_bytes(dir + "/idx/labels.idx", idx_bytes({10}));
  write_bytes(dir + "/idx/images.idx", idx_bytes({3, 4, 5}));
  write_gz(dir + "/idx/images.idx.gz", idx_bytes({2, 3, 3}));
  // .npy: each dtype autoenc writes, 1-d and 2-d.
  ae::Tensor<float> f({3, 4}, 0.5f);
  ae::save_npy(dir + "/npy/float32.npy", f);
  ae::Tensor<double> d({5}, 1.5);
  ae::save_npy(dir + "/npy/float64.npy", d);
  ae::save_npy(dir + "/npy/int64.npy", std::vector<int>{1, 2, 3, 4});
  ae::Tensor<std::uint8_t> u({2, 2}, std::uint8_t(7));
  ae::save_npy(dir + "/npy/uint8.npy", u);
  // A saved model of the architecture fuzz_model loads into.
  ae::Sequential<float> m({16}, ae::Dense<float>(8, "relu"), ae::Dense<float>(16, "sigmoid"));
  m.build(0);
  ae::save_model(m, dir + "/model/dense.model");
  std::printf("seed corpus in %s/{idx,npy,model}\n", dir.c_str());
  return 0;
}
