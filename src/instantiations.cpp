// The precompiled mode (CMake option AUTOENC_PRECOMPILED): the float and double instantiations
// of the layers, the models, the optimizers, KMeans and t-SNE, compiled once into
// libautoenc_compiled. The headers declare them `extern template` when AUTOENC_PRECOMPILED is
// defined, so a user's translation units compile no layer or training-loop bodies (as fmt's
// compiled mode does). Header-only use, without the macro, is unchanged.
// SPDX-License-Identifier: MIT
#define AUTOENC_COMPILING_LIBRARY 1
#include <autoenc/autoenc.hpp>

namespace autoenc {

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

AUTOENC_INSTANTIATE(float)
AUTOENC_INSTANTIATE(double)
#undef AUTOENC_INSTANTIATE

template const EmbeddingMatrix& TSNE::fit_transform(const Eigen::MatrixBase<EmbeddingMatrix>&);
template EmbeddingMatrix detail::tsne_pca_projection(const EmbeddingMatrix&, Index);
template NeighborGraph detail::exact_neighbor_search(const detail::RowMatrixD&, const detail::RowMatrixD&, Index, bool);
template double detail::trustworthiness_double(const detail::RowMatrixD&, const detail::RowMatrixD&, Index);
template const EmbeddingMatrix& TSNE::fit_transform(
    const Eigen::MatrixBase<Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>&);

}  // namespace autoenc
