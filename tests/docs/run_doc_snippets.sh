#!/usr/bin/env bash
# Compiles and runs the C++ code blocks of a Markdown document, so that the code the documents
# show is code that works.
#
#   tests/docs/run_doc_snippets.sh [--default-data DIR] [--work DIR] [--jobs N] [--timeout SECONDS] \
#                                  DOC.md CXX [FLAG...]
#
# Every ```cpp (or ```c++) block is compiled. A block whose first line is `// file: NAME.cpp`
# is a part of the program NAME.cpp: the blocks of one name are joined in the order they
# appear, so a document can build a program step by step between its explanations. A block
# without that line is a program of its own. Each program is compiled as
#   CXX NAME.cpp -o NAME FLAG...
# (the flags come after the source, so libraries can be among them), with #line directives that
# point the compiler's messages at the document's own lines. Up to N programs (default 1)
# compile at the same time.
#
# The programs then run one after the other, in the order of their first blocks, all in one
# folder (WORK/run), so that a program can read the files an earlier one wrote. data/mnist in
# that folder is a link to the MNIST folder, where the documents' programs load it from: the
# AUTOENC_DATA environment variable when set (as for the other MNIST tests), else DIR, else
# the project's data/mnist. WORK (default: a temporary folder, removed afterwards) keeps the
# sources, the programs and whatever they wrote, figures included.
#
# The programs run with OMP_WAIT_POLICY=passive unless the environment sets it: on a busy
# machine (ctest -j, other builds) OpenMP's default of spinning while it waits for work takes
# the cores from the threads that have work, and the programs then run several times slower.
#
# Exit status: 0 when every program compiled and ran with status 0; 77 (ctest's skip) when the
# document reads data/mnist and MNIST is not there; 1 otherwise.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
default_data="$root/data/mnist"
work=""
timeout_seconds=300
jobs=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --default-data) default_data="$2"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    --timeout) timeout_seconds="$2"; shift 2 ;;
    --) shift; break ;;
    -*) echo "run_doc_snippets: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
if [[ $# -lt 2 ]]; then
  echo "usage: run_doc_snippets.sh [--default-data DIR] [--work DIR] [--jobs N] [--timeout SECONDS] DOC.md CXX [FLAG...]" >&2
  exit 2
fi
doc="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
cxx="$2"
shift 2
flags=("$@")
data="${AUTOENC_DATA:-$default_data}"

if [[ -z "$work" ]]; then
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
fi
# Only the folders this script makes are cleared, never WORK itself.
rm -rf "$work/src" "$work/bin" "$work/run"
mkdir -p "$work/src" "$work/bin" "$work/run/data"

if grep -q 'data/mnist' "$doc" && ! ls "$data"/train-images* >/dev/null 2>&1; then
  echo "SKIP: $doc reads MNIST, which is not in '$data' (run scripts/fetch-data.sh)"
  exit 77
fi
ln -s "$(cd "$data" 2>/dev/null && pwd || echo "$data")" "$work/run/data/mnist"

# Extract the programs: WORK/src/NAME.cpp, and their names in order in WORK/programs.
awk -v doc="$doc" -v src="$work/src" -v list="$work/programs" '
  BEGIN { state = 0; anonymous = 0; blocks = 0 }
  state == 0 && /^```/ {
    info = substr($0, 4)
    sub(/[ \t{].*$/, "", info)
    if (info == "cpp" || info == "c++" || info == "C++" || info == "cxx") { state = 1; first = 1 } else { state = 2 }
    next
  }
  state != 0 && /^```[ \t]*$/ { state = 0; next }
  state == 1 {
    if (first) {
      first = 0
      ++blocks
      if (match($0, /^\/\/ file: [A-Za-z0-9_.-]+\.cpp[ \t]*$/)) {
        name = $3
      } else {
        name = sprintf("block_%02d.cpp", ++anonymous)
      }
      if (!(name in seen)) { seen[name] = 1; print name > list }
      printf "#line %d \"%s\"\n", NR, doc > (src "/" name)
    }
    print > (src "/" name)
  }
  END {
    if (state != 0) { print "run_doc_snippets: " doc ": a code block is not closed" > "/dev/stderr"; exit 1 }
    if (blocks == 0) { print "run_doc_snippets: " doc " has no C++ code blocks" > "/dev/stderr"; exit 1 }
  }
' "$doc"

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

mapfile -t programs < "$work/programs"

# Compile: each program leaves its messages in NAME.log and its status and time in NAME.result.
compile_one() {
  local name="$1" start status=0
  start=$(now)
  "$cxx" "$work/src/$name" -o "$work/bin/${name%.cpp}" "${flags[@]}" >"$work/src/$name.log" 2>&1 || status=$?
  echo "$status $(elapsed "$start")" >"$work/src/$name.result"
}
for name in "${programs[@]}"; do
  while [[ $(jobs -rp | wc -l) -ge $jobs ]]; do wait -n; done
  compile_one "$name" &
done
wait

failed=()
compiled=()
for name in "${programs[@]}"; do
  read -r status seconds <"$work/src/$name.result"
  if [[ $status -eq 0 ]]; then
    echo "compiled $name in $seconds s"
    cat "$work/src/$name.log"  # warnings, if any
    compiled+=("$name")
  else
    echo "FAILED to compile $name (its blocks are in $doc):"
    cat "$work/src/$name.log"
    failed+=("$name (compile)")
  fi
done

export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-passive}"
for name in "${compiled[@]}"; do
  echo
  echo "=== running $name"
  start=$(now)
  status=0
  (cd "$work/run" && timeout "$timeout_seconds" "$work/bin/${name%.cpp}") || status=$?
  if [[ $status -eq 0 ]]; then
    echo "=== $name ran in $(elapsed "$start") s"
  else
    echo "=== FAILED: $name exited with status $status after $(elapsed "$start") s"
    failed+=("$name (exit status $status)")
  fi
done

echo
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "$(basename "$doc"): ${#failed[@]} of ${#programs[@]} programs failed: ${failed[*]}"
  exit 1
fi
echo "$(basename "$doc"): all ${#programs[@]} programs compiled and ran; their files are in $work/run"
