// The layers around the zoo's convolutions (examples/ae_conv.cpp, ae_denoising.cpp), each next
// to the convolution it sits beside: Conv2D(16, 3, same, relu), MaxPooling2D(2),
// UpSampling2D(2) and BatchNormalization (training mode: batch statistics), forward and
// forward+backward, on a batch of 128 x 28x28x16 images (UpSampling2D: 128 x 14x14x16, so that
// it outputs the convolution's 28x28x16, as ae_conv's last up-sampling), with 1 and 2 threads.
// Pooling, up-sampling and normalisation only move memory, so their times should be a small
// fraction of the convolution's; MB/s counts the bytes of x and y (and of dy and dx backward).
//   bench_pool_upsample_bn --benchmark_counters_tabular=true
// SPDX-License-Identifier: MIT
#include <memory>

#include <benchmark/benchmark.h>

#include <autoenc/autoenc.hpp>

namespace ae = autoenc;

namespace {

constexpr ae::Index kBatch = 128, kSide = 28, kChannels = 16;

enum LayerKind { kConv, kPool, kUp, kBatchNorm };

std::unique_ptr<ae::Layer<float>> make_layer(int kind) {
  switch (kind) {
    case kConv:
      return std::make_unique<ae::Conv2D<float>>(16, 3, ae::padding = ae::Padding::same, ae::activation = ae::Activation::relu);
    case kPool:
      return std::make_unique<ae::MaxPooling2D<float>>(2, ae::padding = ae::Padding::same);
    case kUp:
      return std::make_unique<ae::UpSampling2D<float>>(2);
    default:
      return std::make_unique<ae::BatchNormalization<float>>();
  }
}

template <bool kBackward>
void BM_Layer(benchmark::State& state) {
  const int kind = static_cast<int>(state.range(0));
  ae::set_num_threads(static_cast<int>(state.range(1)));
  // A one-layer model builds the layer, initialises its weights and binds BatchNormalization's
  // moving statistics, as inside a real model.
  const ae::Index side = kind == kUp ? kSide / 2 : kSide;
  ae::Sequential<float> model({side, side, kChannels});
  model.add(make_layer(kind));
  model.build(1);
  auto& l = model.layer(0);
  l.set_training(true);  // BatchNormalization: batch statistics and their gradient (fit's path)
  ae::Tensor<float> x(l.input_shape().with_batch(kBatch)), y(l.output_shape().with_batch(kBatch));
  ae::Tensor<float> dy(y.shape()), dx(x.shape());
  x.matrix().setRandom();
  dy.matrix().setRandom();
  // One untimed pass first: the layer's scratch (the convolution's im2col matrix, 57 MB here)
  // is allocated and first touched there, as in the first batch of fit.
  l.forward(x.view(), y.view());
  l.backward(x.view(), y.view(), dy.view(), dx.view());
  for (auto _ : state) {
    l.forward(x.view(), y.view());
    if (kBackward) l.backward(x.view(), y.view(), dy.view(), dx.view());
    benchmark::DoNotOptimize(y.data());
    benchmark::DoNotOptimize(dx.data());
  }
  const double bytes = double(x.size() + y.size()) * sizeof(float) * (kBackward ? 2.0 : 1.0);
  state.counters["MB/s"] = benchmark::Counter(bytes * 1e-6 * double(state.iterations()), benchmark::Counter::kIsRate);
  if (kind == kConv) {  // 2 flops per multiply-add; forward+backward: dW and dx besides y
    const double flops = 2.0 * double(y.size()) * 3 * 3 * kChannels;
    state.counters["GFLOP/s"] =
        benchmark::Counter(flops * (kBackward ? 3.0 : 1.0) * 1e-9 * double(state.iterations()), benchmark::Counter::kIsRate);
  }
  state.SetLabel(l.kind() + " " + l.input_shape().to_string() + "->" + l.output_shape().to_string());
}

void args(benchmark::internal::Benchmark* b) {
  b->ArgNames({"layer", "threads"});
  for (int t : {1, 2})
    for (int k : {kConv, kPool, kUp, kBatchNorm}) b->Args({k, t});
  b->UseRealTime()->Unit(benchmark::kMicrosecond);
}

BENCHMARK_TEMPLATE(BM_Layer, false)->Name("BM_Forward")->Apply(args);
BENCHMARK_TEMPLATE(BM_Layer, true)->Name("BM_ForwardBackward")->Apply(args);

}  // namespace

BENCHMARK_MAIN();
