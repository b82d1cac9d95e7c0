// The precompiled mode (CMake option AUTOENC_PRECOMPILED): the float and double instantiations
// of the layers, the models, the optimizers, KMeans and t-SNE, and the library's larger
// functions that are not templates, compiled once into libautoenc_compiled. The headers
// declare them `extern template` (and skip the non-template definitions) when AUTOENC_PRECOMPILED
// is defined, so a user's translation units compile no layer or training-loop bodies (as fmt's
// compiled mode does). Header-only use, without the macro, is unchanged.
//
// The library is three translation units, so that a parallel build compiles them side by side:
//   functions_and_tsne.cpp  every non-template definition, and t-SNE's instantiations
//   float.cpp, double.cpp   AUTOENC_INSTANTIATE(float) and AUTOENC_INSTANTIATE(double)
// SPDX-License-Identifier: MIT
#pragma once

#include <autoenc/autoenc.hpp>

/// Every class and function template the precompiled mode defines for the scalar type T.
#define AUTOENC_INSTANTIATE(T)                 \
  template class Dense<T>;                      \
  template class Conv2D<T>;                     \
  template class Conv2DTranspose<T>;            \
  template class Flatten<T>;                    \
  template class Reshape<T>;                    \
  template class MaxPooling2D<T>;               \
  template class UpSampling2D<T>;               \
  template class Dropout<T>;                    \
  template class GaussianNoise<T>;              \
  template class BatchNormalization<T>;         \
  template class VariationalAutoencoder<T>;     \
  template class Sequential<T>;                 \
  template class ModelSlice<T>;                 \
  template class Adam<T>;                       \
  template class SGD<T>;                        \
  template class KMeans<T>;                     \
  template ImageDataset<T> load_mnist<T>(const std::string&, const MnistOptions&); \
  template void save_npy<T>(const std::string&, const T*, const Shape&);           \
  template Tensor<T> load_npy<T>(const std::string&);                              \
  template std::string model_architecture<T>(const Sequential<T>&);                \
  template void save_model<T>(const Sequential<T>&, const std::string&);           \
  template void load_weights<T>(Sequential<T>&, const std::string&);
