// A user's program: a tiny autoencoder trained through the installed or embedded library.
#include <autoenc/autoenc.hpp>

#include <cstdio>

int main() {
  namespace ae = autoenc;
  ae::Sequential<float> model({16}, ae::Dense<float>(4, "elu"), ae::Dense<float>(16, "sigmoid"));
  model.compile(ae::Adam<float>(1e-2), "mse");
  ae::Tensor<float> x({64, 16});
  for (ae::Index i = 0; i < x.size(); ++i) x[i] = float((i * 7) % 16) / 16.0f;
  const auto history = model.fit(x, x, 30, 16, ae::shuffle = true, ae::seed = 1, ae::verbose = ae::Verbosity::silent);
  std::printf("autoenc %s: loss %.4f -> %.4f\n", AUTOENC_VERSION_STRING, history.loss.front(), history.loss.back());
  return history.loss.back() < history.loss.front() ? 0 : 1;
}
