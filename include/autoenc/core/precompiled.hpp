/// @file
/// The switches of the precompiled mode; every header that has definitions to skip includes it.
// SPDX-License-Identifier: MIT
#pragma once

// The precompiled mode (CMake option AUTOENC_PRECOMPILED; see src/instantiations/).
// Header-only use, the default, defines everything in the headers. A program built with
// AUTOENC_PRECOMPILED links libautoenc_compiled instead, which holds the float and double
// instantiations (declared `extern template` in the headers) and the library's larger functions
// that are not templates: their definitions sit in `#if AUTOENC_HEADER_DEFINITIONS` blocks,
// which the program's files skip, and AUTOENC_FUNC makes them `inline` in header-only use only.
/// 1 where the headers' `#if AUTOENC_HEADER_DEFINITIONS` blocks are compiled (header-only use,
/// and the library itself), 0 in the files of a program built with AUTOENC_PRECOMPILED.
#if defined(AUTOENC_PRECOMPILED) && !defined(AUTOENC_COMPILING_LIBRARY)
#define AUTOENC_HEADER_DEFINITIONS 0
#else
#define AUTOENC_HEADER_DEFINITIONS 1
#endif
/// Marks those non-template functions: `inline` in header-only use, nothing when they are
/// compiled once, into libautoenc_compiled.
#if defined(AUTOENC_PRECOMPILED) || defined(AUTOENC_COMPILING_LIBRARY)
#define AUTOENC_FUNC
#else
#define AUTOENC_FUNC inline
#endif
