#!/usr/bin/env bash
# Rebuilds every tests/host/*.c into the .o beside it with clang-19 (the objects are committed:
# tests never need clang). Install: apt-get install -y clang-19 llvm-19 libbpf-dev
#
# Compiled from the repository root by relative path with -fdebug-prefix-map, so the objects
# name their sources `tests/host/x.c` and hold no path of the machine that built them.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
CLANG=${CLANG:-clang-19}
ARCH_INC=/usr/include/$(uname -m)-linux-gnu
for src in tests/host/*.c; do
  extra=()
  # The builtins programs call memcpy and the others as functions, which clang leaves as
  # calls of undefined symbols only without its builtins.
  case "$src" in tests/host/builtins_*) extra=(-fno-builtin) ;; esac
  "$CLANG" -O2 -g -target bpf -mcpu=v3 "${extra[@]}" -I"$ARCH_INC" -fdebug-prefix-map="$root=" \
    -c "$src" -o "${src%.c}.o"
  echo "built ${src%.c}.o"
done
