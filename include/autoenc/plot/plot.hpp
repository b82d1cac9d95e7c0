/// @file
/// autoenc's plotting module: Figure, Axes, Canvas, colours and colormaps, PNG output.
/// Independent of the neural-network headers (autoenc.hpp does not include it).
// SPDX-License-Identifier: MIT
#pragma once

#include "canvas.hpp"
#include "color.hpp"
#include "figure.hpp"
#include "font.hpp"
