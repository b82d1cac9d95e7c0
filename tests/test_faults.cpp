// Faults that lose nothing: a full disk, a read-only file system or a kill in the middle of a
// save leaves the previous file as it was, and the error says what happened.
#include <catch2/catch.hpp>

#include <dirent.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <autoenc/autoenc.hpp>

using namespace autoenc;

namespace {

const std::string dir = "/tmp/autoenc-fault-test";

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Files in `dir` whose names start with `prefix` (temporary files left behind show up here).
std::vector<std::string> files_starting_with(const std::string& prefix) {
  std::vector<std::string> out;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d))
      if (std::string(e->d_name).rfind(prefix, 0) == 0) out.push_back(e->d_name);
    ::closedir(d);
  }
  return out;
}

Sequential<float> small_model(std::uint64_t seed) {
  Sequential<float> m({64}, Dense<float>(32, "relu"), Dense<float>(64, "sigmoid"));
  m.build(seed);
  return m;
}

/// Makes `step` of every atomic write fail with `err` while in scope.
struct InjectFault {
  InjectFault(std::string step, int err, int after = 0) {
    file_write_fault_injector() = [step = std::move(step), err, after, seen = 0](const char* s, const std::string&) mutable {
      return step == s && seen++ >= after ? err : 0;
    };
  }
  ~InjectFault() { file_write_fault_injector() = nullptr; }
};

}  // namespace

TEST_CASE("A failed save keeps the previous file and says why", "[faults]") {
  std::system(("mkdir -p " + dir).c_str());
  const std::string path = dir + "/model.bin";
  save_model(small_model(1), path);
  const std::string before = read_file(path);

  struct Case {
    const char* step;
    int err;
    const char* message;
  };
  const Case cases[] = {
      {"create", EROFS, "Read-only file system"},  // a read-only directory or file system
      {"create", EACCES, "Permission denied"},
      {"write", ENOSPC, "No space left on device"},  // the disk fills up in the middle
      {"fsync", EIO, "Input/output error"},
      {"rename", EROFS, "Read-only file system"},
  };
  for (const auto& c : cases) {
    INFO(c.step << ": " << c.message);
    {
      InjectFault fault(c.step, c.err);
      try {
        save_model(small_model(2), path);
        FAIL("no exception");
      } catch (const IoError& e) {
        CHECK_THAT(e.what(), Catch::Contains(path) && Catch::Contains(c.message));
      }
    }
    CHECK(read_file(path) == before);                           // the old model, byte for byte
    CHECK(files_starting_with("model.bin.tmp-").empty());      // no temporary left behind
    auto reloaded = small_model(3);
    load_weights(reloaded, path);                              // and it still loads
    CHECK(Eigen::VectorXf(reloaded.parameters()) == Eigen::VectorXf(small_model(1).parameters()));
  }
}

TEST_CASE("A disk that fills up in the middle of a large array keeps the previous one", "[faults]") {
  std::system(("mkdir -p " + dir).c_str());
  const std::string path = dir + "/big.npy";
  Tensor<float> small({3, 3}, 1.0f);
  save_npy(path, small);
  const std::string before = read_file(path);
  Tensor<float> big({1 << 20, 3}, 2.0f);  // 12 MiB: written in several chunks
  {
    InjectFault fault("write", ENOSPC, /*after*/ 2);  // the third chunk fails
    CHECK_THROWS_WITH(save_npy(path, big), Catch::Contains("No space left on device"));
  }
  CHECK(read_file(path) == before);
  CHECK(files_starting_with("big.npy.tmp-").empty());
  // PNG files go through the same path.
  const std::string png = dir + "/image.png";
  std::vector<std::uint8_t> pixels(16 * 16, 128);
  save_png(png, 16, 16, 1, pixels.data());
  const std::string png_before = read_file(png);
  {
    InjectFault fault("rename", ENOSPC);
    std::vector<std::uint8_t> other(16 * 16, 7);
    CHECK_THROWS_AS(save_png(png, 16, 16, 1, other.data()), IoError);
  }
  CHECK(read_file(png) == png_before);
}

TEST_CASE("A process killed in the middle of a save leaves the previous model intact", "[faults]") {
  std::system(("mkdir -p " + dir).c_str());
  const std::string path = dir + "/killed.bin";
  // A model of ~8 MB, so that the save takes several write chunks.
  auto make = [](std::uint64_t seed) {
    Sequential<float> m({1024}, Dense<float>(1024, "relu"), Dense<float>(1024, "sigmoid"));
    m.build(seed);
    return m;
  };
  save_model(make(1), path);
  const std::string before = read_file(path);

  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // The child saves another model and is killed (SIGKILL: no handler, no cleanup) after its
    // second chunk reached the disk. One thread: OpenMP's pool does not survive fork().
    set_num_threads(1);
    file_write_fault_injector() = [seen = 0](const char* step, const std::string&) mutable {
      if (std::string(step) == "write" && ++seen == 3) ::kill(::getpid(), SIGKILL);
      return 0;
    };
    save_model(make(2), path);
    ::_exit(0);  // not reached
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGKILL);
  CHECK(read_file(path) == before);
  auto reloaded = make(3);
  load_weights(reloaded, path);
  CHECK(Eigen::VectorXf(reloaded.parameters()) == Eigen::VectorXf(make(1).parameters()));
  // The killed writer's partial temporary file is all that remains of it; the target never
  // pointed at it.
  const auto leftovers = files_starting_with("killed.bin.tmp-");
  CHECK(leftovers.size() == 1);
  for (const auto& f : leftovers) {
    CHECK(read_file(dir + "/" + f).size() < before.size());
    std::remove((dir + "/" + f).c_str());
  }
}
