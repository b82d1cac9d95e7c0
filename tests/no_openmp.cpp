// Built without -fopenmp: the library must compile and train serially.
#ifdef _OPENMP
#error "this file must be compiled without OpenMP"
#endif
#include <autoenc/autoenc.hpp>

int main() {
  autoenc::Sequential<float> model({4}, autoenc::Dense<float>(3, "tanh"), autoenc::Dense<float>(4, "sigmoid"));
  model.compile(autoenc::Adam<float>(), "mse");
  autoenc::Tensor<float> x({8, 4}, 0.5f);
  const auto h = model.fit(x, x, 3, 4, autoenc::shuffle = true, autoenc::seed = 0, autoenc::verbose = autoenc::Verbosity::silent);
  return h.loss.back() < h.loss.front() ? 0 : 1;
}
