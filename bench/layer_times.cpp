// Where a training step's time goes: milliseconds per batch in each layer's forward and backward
// pass, for the zoo's convolutional models (docs/zoo.md) or the chapter's CNN autoencoder, on a
// random batch. The first layer's backward pass computes no input gradient, as in training.
//   layer_times --model conv --threads 2
// SPDX-License-Identifier: MIT
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include <autoenc/autoenc.hpp>

namespace ae = autoenc;

namespace {

ae::Conv2D<float> conv3x3(ae::Index filters, const char* activation, const char* padding = "same") {
  return ae::Conv2D<float>(filters, 3, ae::activation = activation, ae::padding = padding);
}

ae::Sequential<float> make_model(const std::string& name, const std::string& act) {
  using ae::MaxPooling2D;
  using ae::UpSampling2D;
  if (name == "conv")
    return ae::Sequential<float>(
        {28, 28, 1}, conv3x3(16, "relu"), MaxPooling2D<float>(2, ae::padding = "same"), conv3x3(8, "relu"),
        MaxPooling2D<float>(2, ae::padding = "same"), conv3x3(8, "relu"), MaxPooling2D<float>(2, ae::padding = "same"),
        conv3x3(8, "relu"), UpSampling2D<float>(2), conv3x3(8, "relu"), UpSampling2D<float>(2),
        conv3x3(16, "relu", "valid"), UpSampling2D<float>(2), conv3x3(1, "sigmoid"));
  if (name == "denoising")
    return ae::Sequential<float>({28, 28, 1}, conv3x3(32, "relu"), MaxPooling2D<float>(2, ae::padding = "same"),
                                 conv3x3(32, "relu"), MaxPooling2D<float>(2, ae::padding = "same"), conv3x3(32, "relu"),
                                 UpSampling2D<float>(2), conv3x3(32, "relu"), UpSampling2D<float>(2),
                                 conv3x3(1, "sigmoid"));
  using ae::Padding;
  return ae::Sequential<float>(
      {28, 28, 1}, ae::Conv2D<float>(32, 2, ae::strides = 2, ae::padding = Padding::valid, ae::activation = act),
      ae::Conv2D<float>(64, 2, ae::strides = 2, ae::padding = Padding::valid, ae::activation = act), ae::Flatten<float>(),
      ae::Dense<float>(64, act), ae::Dense<float>(3136, act), ae::Reshape<float>({7, 7, 64}),
      ae::Conv2DTranspose<float>(32, 2, ae::strides = 2, ae::padding = Padding::same, ae::activation = act),
      ae::Conv2DTranspose<float>(1, 2, ae::strides = 2, ae::padding = Padding::same, ae::activation = "sigmoid"));
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Milliseconds per batch in each layer of a convolutional autoencoder"};
  std::string model_name = "conv", activation = "elu";
  int threads = 2, batch = 128, repeats = 40;
  app.add_option("--model", model_name, "conv, denoising (the zoo's) or chapter-cnn")
      ->check(CLI::IsMember({"conv", "denoising", "chapter-cnn"}))
      ->capture_default_str();
  app.add_option("--activation", activation, "the chapter CNN's hidden activation")
      ->check(CLI::IsMember({"elu", "relu"}))
      ->capture_default_str();
  app.add_option("--threads", threads, "threads")->capture_default_str();
  app.add_option("--batch", batch, "images per batch")->capture_default_str();
  app.add_option("--repeats", repeats, "timed steps (after 3 untimed ones)")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  ae::set_num_threads(threads);
  auto model = make_model(model_name, activation);
  model.build(1);
  const auto layers = static_cast<std::size_t>(model.size());
  // activations[i] is layer i's input; gradients[i] the gradient with respect to it.
  std::vector<ae::Tensor<float>> activations(layers + 1), gradients(layers + 1);
  ae::Rng rng(1);
  activations[0] = ae::Tensor<float>(model.layer(0).input_shape().with_batch(batch));
  for (auto& v : activations[0]) v = float(rng.uniform(0, 1));
  for (std::size_t i = 0; i < layers; ++i) {
    const auto shape = model.layer(ae::Index(i)).output_shape().with_batch(batch);
    activations[i + 1] = ae::Tensor<float>(shape);
    gradients[i + 1] = ae::Tensor<float>(shape);
    for (auto& v : gradients[i + 1]) v = float(rng.uniform(-1, 1)) * 1e-3f;
  }
  std::vector<double> forward(layers), backward(layers);
  const ae::FlushDenormalsGuard flush_denormals;  // as a model's calls do (core/flush_denormals.hpp)
  for (int step = 0; step < repeats + 3; ++step) {
    const bool timed = step >= 3;
    for (std::size_t i = 0; i < layers; ++i) {
      const auto t0 = std::chrono::steady_clock::now();
      model.layer(ae::Index(i)).forward(activations[i].view(), activations[i + 1].view());
      if (timed) forward[i] += seconds_since(t0);
    }
    for (std::size_t i = layers; i-- > 0;) {
      const auto t0 = std::chrono::steady_clock::now();
      model.layer(ae::Index(i)).backward(activations[i].view(), activations[i + 1].view(), gradients[i + 1].view(),
                                         i == 0 ? ae::TensorView<float>() : gradients[i].view());
      if (timed) backward[i] += seconds_since(t0);
    }
  }
  std::printf("%s, batch %d, %d thread(s), ms per batch (mean of %d steps)\n\n", model_name.c_str(), batch, threads,
              repeats);
  std::printf("| layer | input -> output | forward | backward |\n|---|---|---:|---:|\n");
  double total = 0;
  for (std::size_t i = 0; i < layers; ++i) {
    const auto& l = model.layer(ae::Index(i));
    std::printf("| %s | %s -> %s | %.3f | %.3f |\n", l.kind().c_str(), l.input_shape().to_string().c_str(),
                l.output_shape().to_string().c_str(), forward[i] / repeats * 1e3, backward[i] / repeats * 1e3);
    total += forward[i] + backward[i];
  }
  std::printf("\nlayers_ms_per_step: %.3f\n", total / repeats * 1e3);
}
