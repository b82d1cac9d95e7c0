#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <iterator>

#include <autoenc/autoenc.hpp>

using namespace autoenc;

namespace {

Sequential<float> small_cnn(Activation a = Activation::elu) {
  return Sequential<float>({8, 8, 1}, Conv2D<float>(4, 2, strides = 2, padding = Padding::valid, activation = a), Flatten<float>(), Dense<float>(6, a),
                           Dense<float>(64, a), Reshape<float>({4, 4, 4}),
                           Conv2DTranspose<float>(1, 2, strides = 2, padding = Padding::same, activation = Activation::sigmoid));
}

std::string temp_path(const char* name) { return std::string("/tmp/autoenc-serialize-") + name; }

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
void write_all(const std::string& path, const std::string& bytes) { std::ofstream(path, std::ios::binary) << bytes; }

std::string load_error(Sequential<float>& model, const std::string& path) {
  try {
    load_weights(model, path);
  } catch (const IoError& e) {
    return e.what();
  }
  return "(no IoError)";
}

}  // namespace

TEST_CASE("A saved model loads back with bit-identical predictions", "[serialize]") {
  auto model = small_cnn();
  model.build(3);
  model.compile(Adam<float>(), "mse");
  Tensor<float> x({16, 8, 8, 1});
  Rng rng(1);
  for (auto& v : x) v = float(rng.uniform());
  model.fit(x, x, 3, 8, shuffle = true, seed = 0, verbose = Verbosity::silent);
  const std::string path = temp_path("roundtrip.bin");
  save_model(model, path);

  auto fresh = small_cnn();
  fresh.build(99);  // different initial weights
  const auto before = fresh.predict(x);
  load_weights(fresh, path);
  const auto a = model.predict(x), b = fresh.predict(x);
  CHECK(std::memcmp(a.data(), b.data(), sizeof(float) * std::size_t(a.size())) == 0);
  CHECK(std::memcmp(before.data(), b.data(), sizeof(float) * std::size_t(a.size())) != 0);
  std::remove(path.c_str());
}

TEST_CASE("Bad model files each give their own clear error", "[serialize]") {
  auto model = small_cnn();
  model.build(3);
  const std::string path = temp_path("good.bin"), bad = temp_path("bad.bin");
  save_model(model, path);
  const std::string good = read_all(path);

  auto target = small_cnn();
  target.build(4);
  const Eigen::VectorXf untouched = target.parameters();

  write_all(bad, good.substr(0, good.size() - 10));
  CHECK_THAT(load_error(target, bad), Catch::Contains("truncated"));

  std::string flipped = good;
  flipped[good.size() / 2] ^= 0x10;  // inside the weights
  write_all(bad, flipped);
  CHECK_THAT(load_error(target, bad), Catch::Contains("corrupted: the checksum does not match"));

  std::string magic = good;
  magic[0] = 'X';
  write_all(bad, magic);
  CHECK_THAT(load_error(target, bad), Catch::Contains("not an autoenc model file"));

  std::string version = good;
  version[8] = 7;
  write_all(bad, version);
  CHECK_THAT(load_error(target, bad), Catch::Contains("format version 7; this build reads version 1"));

  auto other = small_cnn(Activation::relu);  // same parameter count, different architecture
  other.build(1);
  CHECK_THAT(load_error(other, path),
             Catch::Contains("different architecture") && Catch::Contains("activation=elu") &&
                 Catch::Contains("activation=relu"));
  CHECK_THAT(load_error(target, temp_path("missing.bin")), Catch::Contains("file not found"));

  CHECK(Eigen::VectorXf(target.parameters()) == untouched);  // nothing was half-loaded
  std::remove(path.c_str());
  std::remove(bad.c_str());
}

TEST_CASE("Reshape layers cost no copy inside a model", "[reshape][sequential]") {
  Sequential<float> model({2, 3}, Flatten<float>(), Dense<float>(6, "linear"), Reshape<float>({3, 2}));
  model.build(1);
  Tensor<float> x({4, 2, 3}, 1.0f);
  const auto y = model.forward_batch(x.view());
  CHECK(y.shape == Shape{4, 3, 2});
  // Flatten's output is the input itself; Reshape's output is Dense's buffer.
  const auto flat = model.forward_batch(x.view(), 1);
  CHECK(flat.data == x.data());
  const auto dense = model.forward_batch(x.view(), 2);
  CHECK(y.data == dense.data);
}
