#!/usr/bin/env bash
# Every public header compiles on its own (it includes what it uses), and the clustering and
# manifold headers reach neither zlib nor the neural-network headers (autoenc::cluster and
# autoenc::manifold must not need them).
#   tests/compile_headers_alone.sh CXX EIGEN_INCLUDE_DIR STB_INCLUDE_DIR
set -euo pipefail
export cxx="$1" eigen="$2" stb="$3"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root/include"
export work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The MPI headers need <mpi.h>: its flags from the MPI compiler wrapper, when MPI is installed.
export mpi_flags=""
command -v mpicxx >/dev/null && mpi_flags="$(mpicxx --showme:compile 2>/dev/null || true)"

check_one() {
  local h="$1" deps="$work/$(echo "$1" | tr '/' '_').d" extra=""
  case "$h" in
    autoenc/mpi/*)
      if [ -z "$mpi_flags" ]; then echo "skipped: $h (no MPI installed)"; return 0; fi
      extra="$mpi_flags" ;;
  esac
  # shellcheck disable=SC2086
  if ! echo "#include <$h>" | "$cxx" -std=c++17 -fopenmp -fsyntax-only -I. -I"$eigen" -I"$stb" $extra -x c++ - \
       -MD -MF "$deps" 2>"$deps.err"; then
    echo "FAIL: $h does not compile on its own:"; head -20 "$deps.err"; return 1
  fi
  case "$h" in
    autoenc/mpi/*) ;;
    *)
      # Only autoenc/mpi/ may see MPI: the rest of the library builds without it.
      if grep -q 'mpi\.h' "$deps"; then echo "FAIL: $h includes <mpi.h>"; return 1; fi ;;
  esac
  case "$h" in
    autoenc/cluster/*|autoenc/manifold/*)
      # Paths in the dependency file look like autoenc/cluster/../core/x.hpp: match the folder.
      if grep -qE 'zlib\.h|/(layers|model|losses|optimizers|io|plot)/[^/ ]+\.hpp' "$deps"; then
        echo "FAIL: $h pulls in zlib or the neural-network headers:"
        grep -oE '[^ ]*(zlib\.h|/(layers|model|losses|optimizers|io|plot)/[^/ ]+\.hpp)' "$deps" | sort -u | head
        return 1
      fi ;;
  esac
}
export -f check_one

headers=$(find autoenc -name '*.hpp' | sort)
if echo "$headers" | xargs -P "$(nproc)" -n 1 bash -c 'check_one "$0"'; then
  echo "all $(echo "$headers" | wc -l) headers compile on their own"
else
  exit 1
fi
