// Dense layer kernels at the chapter's shapes, against Eigen's raw GEMM of the same shape, and
// one epoch of the chapter's Dense autoencoder.
//
//   bench_dense --benchmark_counters_tabular=true
// GFLOP/s counts 2*batch*in*out per matrix product: one for forward, three for forward+backward
// (y = xW, dW = x^T dz, dx = dz W^T).
// SPDX-License-Identifier: MIT
#include <benchmark/benchmark.h>

#include <sys/stat.h>

#include <autoenc/autoenc.hpp>

namespace ae = autoenc;
using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

namespace {

void set_flops(benchmark::State& state, double flops_per_iteration) {
  state.counters["GFLOP/s"] = benchmark::Counter(flops_per_iteration * 1e-9 * static_cast<double>(state.iterations()),
                                                 benchmark::Counter::kIsRate);
}

// Eigen's own product, parallelised by Eigen with OpenMP: the ceiling for a layer's GEMM.
void BM_EigenGemm(benchmark::State& state) {
  const ae::Index batch = state.range(0), in = state.range(1), out = state.range(2);
  const int threads = static_cast<int>(state.range(3));
  Matrix x = Matrix::Random(batch, in), w = Matrix::Random(in, out), y(batch, out);
  Eigen::setNbThreads(threads);
  for (auto _ : state) {
    y.noalias() = x * w;
    benchmark::DoNotOptimize(y.data());
  }
  Eigen::setNbThreads(1);
  set_flops(state, 2.0 * batch * in * out);
}

// autoenc's deterministic tiled product (ae::detail::gemm) on the same shape.
void BM_TiledGemm(benchmark::State& state) {
  const ae::Index batch = state.range(0), in = state.range(1), out = state.range(2);
  ae::set_num_threads(static_cast<int>(state.range(3)));
  Matrix x = Matrix::Random(batch, in), w = Matrix::Random(in, out), y(batch, out);
  for (auto _ : state) {
    ae::detail::gemm(y, x, w);
    benchmark::DoNotOptimize(y.data());
  }
  set_flops(state, 2.0 * batch * in * out);
}

template <bool kBackward>
void BM_Dense(benchmark::State& state) {
  const ae::Index batch = state.range(0), in = state.range(1), out = state.range(2);
  ae::set_num_threads(static_cast<int>(state.range(3)));
  ae::Sequential<float> model({in}, ae::Dense<float>(out, "relu"));
  model.build(1);
  auto& dense = model.layer(0);
  ae::Tensor<float> x({batch, in}), y({batch, out}), dy({batch, out}), dx({batch, in});
  x.matrix().setRandom();
  dy.matrix().setRandom();
  for (auto _ : state) {
    dense.forward(x.view(), y.view());
    if (kBackward) dense.backward(x.view(), y.view(), dy.view(), dx.view());
    benchmark::DoNotOptimize(dx.data());
  }
  set_flops(state, (kBackward ? 6.0 : 2.0) * batch * in * out);
}

void shapes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"batch", "in", "out", "threads"});
  for (int threads : {1, 2})
    for (auto [in, out] : {std::pair<int, int>{784, 784}, {784, 64}, {64, 784}})
      b->Args({256, in, out, threads});
  b->UseRealTime()->Unit(benchmark::kMicrosecond);
}

BENCHMARK(BM_EigenGemm)->Apply(shapes);
BENCHMARK(BM_TiledGemm)->Apply(shapes);
BENCHMARK_TEMPLATE(BM_Dense, false)->Name("BM_DenseForward")->Apply(shapes);
BENCHMARK_TEMPLATE(BM_Dense, true)->Name("BM_DenseForwardBackward")->Apply(shapes);

// One epoch (60,000 images, batch 256) of the chapter's Dense autoencoder with Adam and MSE.
// Uses the real MNIST when it is in data/mnist, random pixels otherwise (same cost).
void BM_DenseAutoencoderEpoch(benchmark::State& state) {
  ae::set_num_threads(static_cast<int>(state.range(0)));
  ae::Tensor<float> x;
  struct stat st {};
  if (::stat(AUTOENC_DEFAULT_DATA_DIR "/train-images-idx3-ubyte", &st) == 0) {
    x = ae::load_idx_images<float>(AUTOENC_DEFAULT_DATA_DIR "/train-images-idx3-ubyte");
    x.reshape({x.dim(0), 784});
  } else {
    x = ae::Tensor<float>({60000, 784});
    x.matrix() = (Matrix::Random(60000, 784).array() * 0.5f + 0.5f).matrix();
  }
  ae::Sequential<float> model({784}, ae::Dense<float>(784, "relu"), ae::Dense<float>(64, "relu"),
                              ae::Dense<float>(784, "sigmoid"));
  model.build(1);
  model.compile(ae::Adam<float>(), "mse");
  double seconds = 0;
  for (auto _ : state) seconds += model.fit(x, x, 1, 256, ae::seed = 1, ae::verbose = 0).seconds[0];
  const double steps = static_cast<double>(state.iterations()) * static_cast<double>((x.dim(0) + 255) / 256);
  state.counters["ms/step"] = seconds / steps * 1e3;
}
BENCHMARK(BM_DenseAutoencoderEpoch)->ArgName("threads")->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

}  // namespace

BENCHMARK_MAIN();
