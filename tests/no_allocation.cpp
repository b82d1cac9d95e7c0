// Checks that training allocates nothing per batch once warmed up: every heap allocation of
// the process (operator new and Eigen's own malloc calls alike) goes through the malloc below,
// which counts them. One epoch of 4 batches and one of 40 must allocate the same number of
// times: what fit() sets up once per call, and nothing per step.
// A separate program, because it replaces malloc for the whole process.
#include <atomic>
#include <cstdio>
#include <cstdlib>

#include <autoenc/autoenc.hpp>

extern "C" void* __libc_malloc(std::size_t);
static std::atomic<long> g_allocations{0};
extern "C" void* malloc(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_malloc(n);
}

int main() {
  namespace ae = autoenc;
  ae::set_num_threads(2);
  // The chapter's shapes, so the products are large enough to be split over the threads.
  ae::Sequential<float> model({784}, ae::Dense<float>(784, "relu"), ae::Dense<float>(64, "elu"),
                              ae::Dense<float>(784, "sigmoid"));
  model.build(1);
  model.compile(ae::Adam<float>(), "mse");
  ae::Tensor<float> x({40 * 64, 784}, 0.5f);
  const ae::Tensor<float> small = x.slice_rows(0, 4 * 64);
  model.fit(x, x, 1, 64, ae::shuffle = true, ae::seed = 0, ae::verbose = ae::Verbosity::silent);  // warm-up: buffers reach full size

  long before = g_allocations.load();
  model.fit(small, small, 1, 64, ae::shuffle = true, ae::seed = 0, ae::verbose = ae::Verbosity::silent);
  const long few = g_allocations.load() - before;
  before = g_allocations.load();
  model.fit(x, x, 1, 64, ae::shuffle = true, ae::seed = 0, ae::verbose = ae::Verbosity::silent);
  const long many = g_allocations.load() - before;
  std::printf("allocations: %ld for an epoch of 4 batches, %ld for 40 batches\n", few, many);
  if (few != many) {
    std::printf("FAILED: training allocates per batch\n");
    return 1;
  }
  return 0;
}
