// libautoenc_compiled, part 2 of 3 (see instantiations.hpp): the float instantiations.
// This file reads the headers as a program built in the precompiled mode does: the
// non-template functions are declarations only (functions_and_tsne.cpp defines them) and every
// instantiation is declared extern, so the compiler emits nothing but what follows. An
// explicit instantiation definition may follow its extern declaration ([temp.explicit]).
// SPDX-License-Identifier: MIT
#define AUTOENC_PRECOMPILED 1
#include "instantiations.hpp"

namespace autoenc {
AUTOENC_INSTANTIATE(float)
}  // namespace autoenc
