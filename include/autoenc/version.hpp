// The library's version.
// SPDX-License-Identifier: MIT
#pragma once

#define AUTOENC_VERSION_MAJOR 0
#define AUTOENC_VERSION_MINOR 2
#define AUTOENC_VERSION_PATCH 0
#define AUTOENC_VERSION_STRING "0.2.0"
