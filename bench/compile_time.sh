#!/usr/bin/env bash
# How long a user's translation unit takes to compile at -O2, the way a project that uses
# autoenc would compile it: the README's example (the chapter's CNN: build, compile, fit,
# predict the latent vectors, save), a file that only includes <autoenc/autoenc.hpp>, and a file
# that only uses KMeans. With a build directory configured with -DAUTOENC_PRECOMPILED=ON it also
# times the README example against the precompiled instantiations.
#
#   bench/compile_time.sh [BUILD_DIR_WITH_PRECOMPILED]     (e.g. build-precompiled)
#
# Prints CPU seconds (user + system) of each compile, the best of 3: on a busy machine wall time
# would measure the neighbours too.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
precompiled="${1:-}"
cxx="${CXX:-g++}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
flags=(-std=c++17 -O2 -fopenmp -I"$root/include" -I/usr/include/eigen3)

# The README's example is its first ```cpp block.
awk '/^```cpp/{on=1; next} /^```/{if (on) exit} on' "$root/README.md" > "$work/readme_example.cpp"
echo '#include <autoenc/autoenc.hpp>
int main() { return 0; }' > "$work/include_only.cpp"
echo '#include <autoenc/cluster/kmeans.hpp>
int main() {
  autoenc::KMeans<float>::Matrix x = autoenc::KMeans<float>::Matrix::Random(100, 4);
  autoenc::KMeans<float> km(3, autoenc::n_init = 2);
  return int(km.fit(x).labels_.size()) - 100;
}' > "$work/kmeans_only.cpp"

cpu_seconds() {  # the best of 3 compiles of "$@", in CPU seconds
  local best=""
  for _ in 1 2 3; do
    local t
    t=$( { /usr/bin/time -f "%U %S" "$cxx" "$@" -c -o "$work/out.o" 2>&1 >/dev/null; } | tail -1 | awk '{print $1 + $2}')
    if [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN{exit !(a < b)}'; then best="$t"; fi
  done
  echo "$best"
}

printf '%-52s %8s\n' "translation unit (-O2)" "CPU s"
printf '%-52s %8s\n' "README example, header-only" "$(cpu_seconds "${flags[@]}" "$work/readme_example.cpp")"
printf '%-52s %8s\n' "#include <autoenc/autoenc.hpp> only" "$(cpu_seconds "${flags[@]}" "$work/include_only.cpp")"
printf '%-52s %8s\n' "KMeans only (<autoenc/cluster/kmeans.hpp>)" "$(cpu_seconds "${flags[@]}" "$work/kmeans_only.cpp")"
if [ -n "$precompiled" ]; then
  lib="$root/$precompiled/libautoenc_compiled.a"
  [ -f "$lib" ] || lib="$precompiled/libautoenc_compiled.a"
  [ -f "$lib" ] || { echo "compile_time.sh: no libautoenc_compiled.a in $precompiled (configure it with -DAUTOENC_PRECOMPILED=ON and build)" >&2; exit 1; }
  printf '%-52s %8s\n' "README example, precompiled (AUTOENC_PRECOMPILED)" \
    "$(cpu_seconds "${flags[@]}" -DAUTOENC_PRECOMPILED "$work/readme_example.cpp")"
  printf '%-52s %8s\n' "#include <autoenc/autoenc.hpp> only, precompiled" \
    "$(cpu_seconds "${flags[@]}" -DAUTOENC_PRECOMPILED "$work/include_only.cpp")"
  printf '%-52s %8s\n' "KMeans only, precompiled" \
    "$(cpu_seconds "${flags[@]}" -DAUTOENC_PRECOMPILED "$work/kmeans_only.cpp")"
  # and it links and runs against the library
  "$cxx" "${flags[@]}" -DAUTOENC_PRECOMPILED "$work/readme_example.cpp" "$lib" -lz -o "$work/readme_example"
  echo "linked against $lib"
fi
