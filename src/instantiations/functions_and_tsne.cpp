// libautoenc_compiled, part 1 of 3 (see instantiations.hpp): the non-template functions whose
// definitions sit in the headers' `#if AUTOENC_HEADER_DEFINITIONS` blocks, and t-SNE's
// instantiations. Only this file defines AUTOENC_COMPILING_LIBRARY, which compiles those blocks:
// each function must be defined in one object file of the library.
// SPDX-License-Identifier: MIT
#define AUTOENC_COMPILING_LIBRARY 1
#include "instantiations.hpp"

namespace autoenc {

template const EmbeddingMatrix& TSNE::fit_transform(const Eigen::MatrixBase<EmbeddingMatrix>&);
template EmbeddingMatrix detail::tsne_pca_projection(const EmbeddingMatrix&, Index);
template NeighborGraph detail::exact_neighbor_search(const detail::RowMatrixD&, const detail::RowMatrixD&, Index, bool);
template double detail::trustworthiness_double(const detail::RowMatrixD&, const detail::RowMatrixD&, Index);
template const EmbeddingMatrix& TSNE::fit_transform(
    const Eigen::MatrixBase<Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>&);

}  // namespace autoenc
