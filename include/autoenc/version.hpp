/// @file
/// The library's version.
// SPDX-License-Identifier: MIT
#pragma once

#define AUTOENC_VERSION_MAJOR 0         ///< Major version number.
#define AUTOENC_VERSION_MINOR 2         ///< Minor version number (find_package wants the same minor).
#define AUTOENC_VERSION_PATCH 0         ///< Patch version number.
#define AUTOENC_VERSION_STRING "0.2.0"  ///< "major.minor.patch", as the command-line tool prints it.
