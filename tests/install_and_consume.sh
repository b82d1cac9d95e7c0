#!/usr/bin/env bash
# Installs autoenc exactly as the README says (its "Using it in your project" commands, run in a
# fresh clone, with HOME pointing into a temporary folder), then builds tests/consumer against
# the installed tree with find_package(autoenc): the consumer program, and the README's own
# example. Then builds the consumer again with add_subdirectory on the source tree.
set -euo pipefail
src="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The README's install commands: the ```sh block that follows "Installing the library needs no build".
awk '/Installing the library needs no build/{found=1} found && /^```sh/{on=1; next} on && /^```/{exit} on' \
  "$src/README.md" > "$work/install.sh"
grep -q "cmake --install build" "$work/install.sh" || { echo "README: install commands not found"; exit 1; }
echo "README's install commands:"; sed 's/^/  /' "$work/install.sh"

# A clean copy of the source tree, as a fresh clone has it (no build folders, no data), installed
# as written: the files git tracks or would track, taken from the working tree.
mkdir -p "$work/clone"
(cd "$src" && git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$work/clone")
(cd "$work/clone" && HOME="$work/home" bash -e "$work/install.sh" >/dev/null)
prefix="$work/home/.local"
test -f "$prefix/include/autoenc/autoenc.hpp"
test -f "$prefix/lib/cmake/autoenc/autoencConfig.cmake"

# The README's example, compiled against the installed tree.
awk '/^```cpp/{on=1; next} /^```/{if (on) exit} on' "$src/README.md" > "$work/readme_example.cpp"
cmake -S "$src/tests/consumer" -B "$work/found" -DCMAKE_PREFIX_PATH="$prefix" \
      -DREADME_EXAMPLE="$work/readme_example.cpp" >/dev/null
cmake --build "$work/found" --parallel "$(nproc)" >/dev/null
"$work/found/consumer"
test -x "$work/found/readme_example"
echo "README example compiled against the installed tree"

cmake -S "$src/tests/consumer" -B "$work/embedded" -DAUTOENC_SOURCE_DIR="$src" >/dev/null
cmake --build "$work/embedded" --parallel "$(nproc)" >/dev/null
"$work/embedded/consumer"
echo "consumer built with add_subdirectory"

# The precompiled mode: the same program and the README's example against libautoenc_compiled
# (the instantiations and the functions the headers then only declare must all be in it).
cmake -S "$src/tests/consumer" -B "$work/precompiled" -DAUTOENC_SOURCE_DIR="$src" -DAUTOENC_PRECOMPILED=ON \
      -DREADME_EXAMPLE="$work/readme_example.cpp" >/dev/null
cmake --build "$work/precompiled" --parallel "$(nproc)" >/dev/null
(cd "$work/precompiled" && ./consumer)
test -x "$work/precompiled/readme_example"
echo "consumer and README example built in the precompiled mode"
