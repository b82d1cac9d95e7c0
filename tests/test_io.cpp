#include <catch2/catch.hpp>

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <stb_image.h>

#include <autoenc/autoenc.hpp>
#include <autoenc/core/tensor_map.hpp>

using namespace autoenc;
using Bytes = std::vector<unsigned char>;

namespace {

// A fresh temporary folder per test case.
struct TempDir {
  std::string path;
  TempDir() {
    char name[] = "/tmp/autoenc-test-XXXXXX";
    path = ::mkdtemp(name);
  }
  ~TempDir() { std::system(("rm -rf '" + path + "'").c_str()); }
  std::string operator/(const std::string& f) const { return path + "/" + f; }
};

void write_bytes(const std::string& path, const Bytes& b) {
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(b.data()), std::streamsize(b.size()));
}

void write_gz(const std::string& path, const Bytes& b) {
  gzFile f = gzopen(path.c_str(), "wb");
  gzwrite(f, b.data(), unsigned(b.size()));
  gzclose(f);
}

Bytes read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

void put_u32(Bytes& b, std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<unsigned char>(v >> s));
}

// An IDX image file of n images of rows x cols, pixel (k, i, j) = (k + 3 i + 7 j) mod 256.
Bytes idx_images(std::uint32_t n, std::uint32_t rows, std::uint32_t cols) {
  Bytes b = {0, 0, 0x08, 3};
  put_u32(b, n);
  put_u32(b, rows);
  put_u32(b, cols);
  for (std::uint32_t k = 0; k < n; ++k)
    for (std::uint32_t i = 0; i < rows; ++i)
      for (std::uint32_t j = 0; j < cols; ++j) b.push_back(static_cast<unsigned char>((k + 3 * i + 7 * j) % 256));
  return b;
}

Bytes idx_labels(std::uint32_t n) {
  Bytes b = {0, 0, 0x08, 1};
  put_u32(b, n);
  for (std::uint32_t k = 0; k < n; ++k) b.push_back(static_cast<unsigned char>(k % 10));
  return b;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const IoError& e) {
    return e.what();
  }
  return "(no IoError)";
}

}  // namespace

TEST_CASE("IDX images and labels load, plain and gzip-compressed", "[io][idx]") {
  TempDir dir;
  write_bytes(dir / "img", idx_images(3, 4, 5));
  write_gz(dir / "img.gz", idx_images(3, 4, 5));
  write_bytes(dir / "lab", idx_labels(3));
  for (const std::string name : {"img", "img.gz"}) {
    const auto x = load_idx_images<double>(dir / name);
    REQUIRE(x.shape() == Shape{3, 4, 5, 1});
    CHECK(x.tensor<4>()(2, 1, 3, 0) == Approx((2 + 3 * 1 + 7 * 3) / 255.0));
    CHECK(x.tensor<4>()(0, 0, 0, 0) == 0.0);
  }
  CHECK(load_idx_labels(dir / "lab") == std::vector<int>{0, 1, 2});
}

TEST_CASE("Each kind of bad IDX file gets its own clear error", "[io][idx]") {
  TempDir dir;
  const Bytes good = idx_images(2, 3, 3);

  Bytes magic = good;
  magic[0] = 0x1f;
  magic[1] = 0x00;
  write_bytes(dir / "magic", magic);
  CHECK_THAT(error_of([&] { load_idx_images(dir / "magic"); }), Catch::Contains("not an IDX file"));

  Bytes type = good;
  type[2] = 0x0D;
  write_bytes(dir / "type", type);
  CHECK_THAT(error_of([&] { load_idx_images(dir / "type"); }), Catch::Contains("unsupported IDX element type 0x0d"));

  Bytes truncated(good.begin(), good.end() - 5);
  write_bytes(dir / "truncated", truncated);
  write_gz(dir / "truncated.gz", truncated);
  CHECK_THAT(error_of([&] { load_idx_images(dir / "truncated"); }),
             Catch::Contains("truncated") && Catch::Contains("2 x 3 x 3 = 18 bytes") && Catch::Contains("holds only 13"));
  CHECK_THAT(error_of([&] { load_idx_images(dir / "truncated.gz"); }), Catch::Contains("truncated"));

  Bytes header_only(good.begin(), good.begin() + 10);
  write_bytes(dir / "header", header_only);
  CHECK_THAT(error_of([&] { load_idx_images(dir / "header"); }), Catch::Contains("truncated inside the header"));

  Bytes trailing = good;
  trailing.push_back(1);
  write_bytes(dir / "trailing", trailing);
  CHECK_THAT(error_of([&] { load_idx_images(dir / "trailing"); }), Catch::Contains("1 unexpected bytes"));

  // A header claiming 10^12 images must be refused before anything is allocated.
  Bytes absurd = {0, 0, 0x08, 3};
  put_u32(absurd, 1000000);
  put_u32(absurd, 1000000);
  put_u32(absurd, 1);
  write_bytes(dir / "absurd", absurd);
  write_gz(dir / "absurd.gz", absurd);
  CHECK_THAT(error_of([&] { load_idx_images(dir / "absurd"); }), Catch::Contains("limit"));
  CHECK_THAT(error_of([&] { load_idx_images(dir / "absurd.gz"); }), Catch::Contains("limit"));

  // A compressed file with a damaged stream.
  write_gz(dir / "corrupt.gz", idx_images(50, 28, 28));
  Bytes gz = read_bytes(dir / "corrupt.gz");
  for (std::size_t i = 20; i < gz.size() - 20; i += 7) gz[i] ^= 0x5a;
  write_bytes(dir / "corrupt.gz", gz);
  CHECK_THAT(error_of([&] { load_idx_images(dir / "corrupt.gz"); }),
             Catch::Contains("corrupt.gz") && (Catch::Contains("corrupt") || Catch::Contains("truncated")));

  write_bytes(dir / "labels", idx_labels(4));
  CHECK_THAT(error_of([&] { load_idx_images(dir / "labels"); }), Catch::Contains("is it a label file?"));
  CHECK_THAT(error_of([&] { load_idx_labels(dir / "magic"); }), Catch::Contains("not an IDX file"));
  CHECK_THAT(error_of([&] { load_idx_images(dir / "missing"); }), Catch::Contains("file not found"));
}

TEST_CASE("load_mnist checks that the files agree with each other", "[io][mnist]") {
  TempDir dir;
  write_bytes(dir / "train-images-idx3-ubyte", idx_images(5, 4, 4));
  write_gz(dir / "train-labels-idx1-ubyte.gz", idx_labels(5));
  write_bytes(dir / "t10k-images-idx3-ubyte", idx_images(2, 4, 4));
  write_bytes(dir / "t10k-labels-idx1-ubyte", idx_labels(2));
  const auto d = load_mnist<float>(dir.path);
  CHECK(d.train_images.shape() == Shape{5, 4, 4, 1});
  CHECK(d.test_labels == std::vector<int>{0, 1});

  write_bytes(dir / "t10k-labels-idx1-ubyte", idx_labels(3));
  CHECK_THAT(error_of([&] { load_mnist<float>(dir.path); }), Catch::Contains("holds 2 images but") && Catch::Contains("3 labels"));
  write_bytes(dir / "t10k-labels-idx1-ubyte", idx_labels(2));
  write_bytes(dir / "t10k-images-idx3-ubyte", idx_images(2, 5, 4));
  CHECK_THAT(error_of([&] { load_mnist<float>(dir.path); }), Catch::Contains("(4, 4, 1)") && Catch::Contains("(5, 4, 1)"));
  CHECK_THAT(error_of([&] { load_mnist<float>(dir / "nowhere"); }), Catch::Contains("fetch-data.sh"));
}

TEST_CASE(".npy round trips for every supported dtype", "[io][npy]") {
  TempDir dir;
  Tensor<float> f({2, 3});
  for (Index i = 0; i < 6; ++i) f[i] = float(i) / 4;
  save_npy(dir / "f.npy", f);
  CHECK(load_npy<float>(dir / "f.npy").shape() == Shape{2, 3});
  CHECK(load_npy<double>(dir / "f.npy")[5] == 1.25);
  // Byte for byte what numpy 1.24 writes for np.save(f, np.arange(6, dtype='<f4').reshape(2, 3) / 4).
  const Bytes file = read_bytes(dir / "f.npy");
  REQUIRE(file.size() == 152);
  const std::string header(file.begin() + 10, file.begin() + 128);
  CHECK(header.rfind("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 0) == 0);
  CHECK(header.back() == '\n');

  Tensor<double> d({5});
  for (Index i = 0; i < 5; ++i) d[i] = -1.5 * double(i);
  save_npy(dir / "d.npy", d);
  CHECK(read_npy(dir / "d.npy").dtype == DType::float64);
  CHECK(load_npy<double>(dir / "d.npy")[4] == -6.0);

  const std::vector<std::uint8_t> u = {0, 7, 255};
  save_npy(dir / "u.npy", u.data(), Shape{3, 1});
  CHECK(read_npy(dir / "u.npy").dtype == DType::uint8);
  CHECK(load_npy<int>(dir / "u.npy")[2] == 255);

  const std::vector<std::int32_t> i32 = {-3, 4};
  save_npy(dir / "i.npy", i32.data(), Shape{2});
  CHECK(load_npy<int>(dir / "i.npy")[0] == -3);

  save_npy(dir / "labels.npy", std::vector<int>{5, 0, 4});
  const auto labels = read_npy(dir / "labels.npy");
  CHECK(labels.dtype == DType::int64);
  CHECK(labels.at<int>(0) == 5);
  // The data starts on a 64-byte boundary, as numpy writes it.
  for (const char* name : {"f.npy", "d.npy", "u.npy", "i.npy", "labels.npy"})
    CHECK((read_bytes(dir / name).size() - read_npy(dir / name).bytes.size()) % 64 == 0);
}

TEST_CASE("Malformed .npy files are clear errors", "[io][npy]") {
  TempDir dir;
  Tensor<float> f({2, 3}, 1.0f);
  save_npy(dir / "good.npy", f);
  const Bytes good = read_bytes(dir / "good.npy");
  auto with_header = [&](const std::string& dict, std::size_t data_bytes) {
    std::string h = dict;
    h += std::string((64 - (10 + h.size() + 1) % 64) % 64, ' ') + "\n";
    // magic, version 1.0, little-endian header length, header, zeroed data
    const std::string bytes = std::string("\x93NUMPY\x01\x00", 8) + static_cast<char>(h.size() & 0xff) +
                              static_cast<char>(h.size() >> 8) + h + std::string(data_bytes, '\0');
    Bytes b(bytes.begin(), bytes.end());
    return b;
  };
  struct Case {
    const char* name;
    Bytes bytes;
    const char* message;
  };
  const std::vector<Case> cases = {
      {"magic", Bytes(good.begin() + 1, good.end()), "not a .npy file"},
      {"truncated", Bytes(good.begin(), good.end() - 4), "truncated"},
      {"trailing", [&] { Bytes b = good; b.push_back(0); return b; }(), "unexpected bytes"},
      {"fortran", with_header("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", 24), "Fortran"},
      {"bigendian", with_header("{'descr': '>f4', 'fortran_order': False, 'shape': (2, 3), }", 24), "big-endian"},
      {"complex", with_header("{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }", 16), "unsupported .npy dtype '<c8'"},
      {"noshape", with_header("{'descr': '<f4', 'fortran_order': False, }", 0), "no 'shape' entry"},
      {"badshape", with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (2, x), }", 8), "malformed .npy shape"},
      {"huge", with_header("{'descr': '<f8', 'fortran_order': False, 'shape': (100000000000,), }", 8), "limit"},
      {"version", [&] { Bytes b = good; b[6] = 9; return b; }(), "version 9.0"},
  };
  for (const auto& c : cases) {
    write_bytes(dir / c.name, c.bytes);
    INFO(c.name);
    CHECK_THAT(error_of([&] { read_npy(dir / c.name); }), Catch::Contains(c.message));
  }
}

TEST_CASE("Image grids are written as PNG files of the right size", "[io][png]") {
  TempDir dir;
  Tensor<float> images({6, 4, 4});
  for (Index k = 0; k < 6; ++k)
    for (Index p = 0; p < 16; ++p) images[k * 16 + p] = float(k) / 5.0f;
  GridOptions opt;
  opt.spacing = 1;
  opt.scale = 2;
  save_image_grid(dir / "grid.png", images, 2, 3, opt);
  int w = 0, h = 0, c = 0;
  unsigned char* px = stbi_load((dir / "grid.png").c_str(), &w, &h, &c, 1);
  REQUIRE(px != nullptr);
  CHECK(w == 3 * (4 * 2 + 1) + 1);
  CHECK(h == 2 * (4 * 2 + 1) + 1);
  CHECK(int(px[0]) == 255);                   // spacing is white
  CHECK(int(px[1 * w + 1]) == 0);             // image 0 is black
  CHECK(int(px[(h - 2) * w + (w - 2)]) == 255);  // image 5 is white
  CHECK(int(px[1 * w + 10]) == 51);           // image 1 = 0.2 * 255
  stbi_image_free(px);

  // No temporary file is left beside the result.
  int entries = 0;
  DIR* d = opendir(dir.path.c_str());
  while (dirent* e = readdir(d)) entries += e->d_name[0] != '.';
  closedir(d);
  CHECK(entries == 1);
  CHECK_THROWS_AS(save_image_grid(dir / "no/such/dir/x.png", images, 2, 3), IoError);
}

TEST_CASE("load_mnist with a limit keeps the first images of each set and still checks every file", "[io][mnist]") {
  TempDir dir;
  write_bytes(dir / "train-images-idx3-ubyte", idx_images(5, 4, 4));
  write_gz(dir / "train-labels-idx1-ubyte.gz", idx_labels(5));
  write_bytes(dir / "t10k-images-idx3-ubyte", idx_images(3, 4, 4));
  write_bytes(dir / "t10k-labels-idx1-ubyte", idx_labels(3));
  const auto all = load_mnist<float>(dir.path);

  const auto two = load_mnist<float>(dir.path, limit = 2);
  CHECK(two.train_images.shape() == Shape{2, 4, 4, 1});
  CHECK(two.test_images.shape() == Shape{2, 4, 4, 1});
  CHECK(two.train_labels == std::vector<int>{0, 1});
  CHECK(two.test_labels == std::vector<int>{0, 1});
  for (Index i = 0; i < two.train_images.size(); ++i) CHECK(two.train_images[i] == all.train_images[i]);
  for (Index i = 0; i < two.test_images.size(); ++i) CHECK(two.test_images[i] == all.test_images[i]);

  // Like train_X[:4] in Python: a set with fewer images is kept whole.
  const auto four = load_mnist<float>(dir.path, limit = 4);
  CHECK(four.train_images.dim(0) == 4);
  CHECK(four.test_images.dim(0) == 3);
  CHECK(four.test_labels.size() == 3);
  CHECK(load_mnist<float>(dir.path, limit = 0).train_images.dim(0) == 5);  // 0: everything

  MnistOptions options;  // the same through the options struct, in double
  options.limit = 1;
  const auto one = load_mnist<double>(dir.path, options);
  CHECK(one.train_images.shape() == Shape{1, 4, 4, 1});
  CHECK(one.train_images[5] == Approx(all.train_images[5]));
  CHECK_THROWS_AS(load_mnist<float>(dir.path, limit = -1), ConfigError);

  // The files must agree in full, whatever the limit: counts, image sizes, and each file itself.
  write_bytes(dir / "t10k-labels-idx1-ubyte", idx_labels(4));
  CHECK_THAT(error_of([&] { load_mnist<float>(dir.path, limit = 2); }),
             Catch::Contains("holds 3 images but") && Catch::Contains("4 labels"));
  write_bytes(dir / "t10k-labels-idx1-ubyte", idx_labels(3));
  write_bytes(dir / "t10k-images-idx3-ubyte", idx_images(3, 5, 4));
  CHECK_THAT(error_of([&] { load_mnist<float>(dir.path, limit = 2); }),
             Catch::Contains("(4, 4, 1)") && Catch::Contains("(5, 4, 1)"));
  write_bytes(dir / "t10k-images-idx3-ubyte", idx_images(3, 4, 4));
  Bytes truncated = idx_images(5, 4, 4);
  truncated.pop_back();  // the last image, not one the limit keeps, is a byte short
  write_bytes(dir / "train-images-idx3-ubyte", truncated);
  CHECK_THAT(error_of([&] { load_mnist<float>(dir.path, limit = 2); }), Catch::Contains("truncated"));
  write_bytes(dir / "train-images-idx3-ubyte", idx_labels(5));
  CHECK_THAT(error_of([&] { load_mnist<float>(dir.path, limit = 2); }), Catch::Contains("is it a label file?"));
}

TEST_CASE("save_image_rows puts each batch of images in a row of its own", "[io][png]") {
  TempDir dir;
  Tensor<float> black({3, 4, 4}, 0.0f), white({2, 16}, 1.0f), gray({5, 4, 4, 1}, 0.2f);  // three layouts
  GridOptions opt;
  opt.spacing = 1;
  opt.scale = 2;
  opt.background = 128;
  save_image_rows(dir / "rows.png", {&black, &white, &gray}, 3, opt);
  int w = 0, h = 0, c = 0;
  unsigned char* px = stbi_load((dir / "rows.png").c_str(), &w, &h, &c, 1);
  REQUIRE(px != nullptr);
  CHECK(w == 3 * (4 * 2 + 1) + 1);
  CHECK(h == 3 * (4 * 2 + 1) + 1);
  // The centre of the image in row r, column k of the grid.
  auto at = [&](int r, int k) { return int(px[(r * 9 + 5) * w + (k * 9 + 5)]); };
  CHECK(at(0, 0) == 0);
  CHECK(at(0, 2) == 0);
  CHECK(at(1, 1) == 255);
  CHECK(at(1, 2) == 128);  // the second batch has only two images: the rest of its row is empty
  CHECK(at(2, 0) == 51);   // 0.2 * 255
  CHECK(at(2, 2) == 51);   // and only the first three of the third batch are drawn
  CHECK(int(px[0]) == 128);
  stbi_image_free(px);

  // A list built at run time, of const tensors.
  const std::vector<const Tensor<float>*> rows = {&gray, &black};
  save_image_rows(dir / "two.png", rows, 5);
  unsigned char* two = stbi_load((dir / "two.png").c_str(), &w, &h, &c, 1);
  REQUIRE(two != nullptr);
  CHECK(w == 5 * (4 + 2) + 2);
  CHECK(h == 2 * (4 + 2) + 2);
  stbi_image_free(two);

  Tensor<float> larger({2, 5, 5});
  CHECK_THROWS_AS(save_image_rows(dir / "x.png", std::vector<const Tensor<float>*>{}, 3), ConfigError);
  CHECK_THROWS_AS(save_image_rows(dir / "x.png", {&black}, 0), ConfigError);
  CHECK_THROWS_AS(save_image_rows(dir / "x.png", {&black, static_cast<const Tensor<float>*>(nullptr)}, 3), ConfigError);
  CHECK_THROWS_WITH(save_image_rows(dir / "x.png", {&black, &larger}, 3),
                    Catch::Contains("row 1 holds 5x5 images but row 0 holds 4x4"));
}
