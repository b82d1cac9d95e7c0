// Convolution kernels at the chapter's shapes (batch 256) and at the zoo's (3x3 'same', batch
// 128), forward and forward+backward, with 1 and 2 threads. GFLOP/s counts
// 2 * pixels * patch * filters flops per product: one product forward, three forward+backward
// (the first layer's dx included here).
//   bench_conv --benchmark_counters_tabular=true
// SPDX-License-Identifier: MIT
#include <benchmark/benchmark.h>

#include <memory>
#include <string>

#include <autoenc/autoenc.hpp>

namespace ae = autoenc;

namespace {

struct Case {
  bool transpose;
  ae::Index h, w, c, filters;
};
// The chapter's four convolutions: 28x28x1 -> 14x14x32 -> 7x7x64, and back.
const Case kCases[] = {{false, 28, 28, 1, 32}, {false, 14, 14, 32, 64}, {true, 7, 7, 64, 32}, {true, 14, 14, 32, 1}};

// Times layer 0 of a built one-layer model on a random batch: forward, or forward + backward
// (three products). `flops` is one product's count (2 x multiply-adds).
template <bool kBackward>
void time_layer(benchmark::State& state, ae::Sequential<float>& model, ae::Index batch, double flops,
                const std::string& label) {
  auto& l = model.layer(0);
  ae::Tensor<float> x(l.input_shape().with_batch(batch)), y(l.output_shape().with_batch(batch));
  ae::Tensor<float> dy(y.shape()), dx(x.shape());
  x.matrix().setRandom();
  dy.matrix().setRandom();
  for (auto _ : state) {
    l.forward(x.view(), y.view());
    if (kBackward) l.backward(x.view(), y.view(), dy.view(), dx.view());
    benchmark::DoNotOptimize(dx.data());
  }
  state.counters["GFLOP/s"] =
      benchmark::Counter(flops * (kBackward ? 3.0 : 1.0) * 1e-9 * double(state.iterations()), benchmark::Counter::kIsRate);
  state.SetLabel(label + l.input_shape().to_string() + "->" + l.output_shape().to_string());
}

template <bool kBackward>
void BM_Conv(benchmark::State& state) {
  const Case& k = kCases[state.range(0)];
  ae::set_num_threads(static_cast<int>(state.range(1)));
  const ae::Index batch = 256;
  std::unique_ptr<ae::Layer<float>> layer;
  if (k.transpose)
    layer = std::make_unique<ae::Conv2DTranspose<float>>(k.filters, 2, ae::strides = 2, ae::padding = ae::Padding::same, ae::activation = ae::Activation::relu);
  else
    layer = std::make_unique<ae::Conv2D<float>>(k.filters, 2, ae::strides = 2, ae::padding = ae::Padding::valid, ae::activation = ae::Activation::relu);
  ae::Sequential<float> model({k.h, k.w, k.c});
  model.add(std::move(layer));
  model.build(1);
  // Multiply-adds: every input pixel of the transposed layer (or output pixel of the direct one)
  // meets kernel_h * kernel_w * in_channels * filters weights.
  const double small_pixels = k.transpose ? double(k.h * k.w) : double(k.h * k.w) / 4.0;
  const double flops = 2.0 * batch * small_pixels * 4.0 * double(k.c) * double(k.filters);
  time_layer<kBackward>(state, model, batch, flops, model.layer(0).kind() + " ");
}

// The autoencoder zoo's 3x3 'same' convolutions (docs/zoo.md), batch 128: the first layer, a
// middle one, and the last layers back to one channel. direct = 1: the layer's own choice
// (these stride-1 layers take the direct kernels of conv_direct.hpp); 0: im2col and GEMM (the
// one-filter layers: their single-filter path).
struct ZooCase {
  ae::Index hw, c, filters;
};
const ZooCase kZooCases[] = {{28, 1, 16}, {14, 32, 32}, {28, 16, 1}, {28, 32, 1}};

template <bool kBackward>
void BM_ZooConv(benchmark::State& state) {
  const ZooCase& k = kZooCases[state.range(0)];
  ae::set_num_threads(static_cast<int>(state.range(1)));
  ae::detail::direct_conv_enabled() = state.range(2) != 0;
  const ae::Index batch = 128;
  ae::Sequential<float> model({k.hw, k.hw, k.c});
  model.add(ae::Conv2D<float>(k.filters, 3, ae::padding = "same", ae::activation = "relu"));
  model.build(1);
  const double flops = 2.0 * double(batch * k.hw * k.hw) * 9.0 * double(k.c) * double(k.filters);
  time_layer<kBackward>(state, model, batch, flops, "");
  ae::detail::direct_conv_enabled() = true;
}

// Four layers of each table, with 1 and 2 threads.
void args(benchmark::internal::Benchmark* b) {
  b->ArgNames({"layer", "threads"});
  for (int t : {1, 2})
    for (int i = 0; i < 4; ++i) b->Args({i, t});
  b->UseRealTime()->Unit(benchmark::kMicrosecond);
}

BENCHMARK_TEMPLATE(BM_Conv, false)->Name("BM_ConvForward")->Apply(args);
BENCHMARK_TEMPLATE(BM_Conv, true)->Name("BM_ConvForwardBackward")->Apply(args);
// The zoo's layers, each with the direct kernels and without.
void zoo_args(benchmark::internal::Benchmark* b) {
  b->ArgNames({"layer", "threads", "direct"});
  for (int t : {1, 2})
    for (int i = 0; i < 4; ++i)
      for (int direct : {1, 0}) b->Args({i, t, direct});
  b->UseRealTime()->Unit(benchmark::kMicrosecond);
}

BENCHMARK_TEMPLATE(BM_ZooConv, false)->Name("BM_ZooConvForward")->Apply(zoo_args);
BENCHMARK_TEMPLATE(BM_ZooConv, true)->Name("BM_ZooConvForwardBackward")->Apply(zoo_args);

}  // namespace

BENCHMARK_MAIN();
