#!/usr/bin/env bash
# Rebuilds every tests/programs/*.c into the .o beside it with clang-19 (the objects are
# committed: tests never need clang). Install: apt-get install -y clang-19 llvm-19 libbpf-dev
set -euo pipefail
cd "$(dirname "$0")"
CLANG=${CLANG:-clang-19}
# <linux/types.h> needs <asm/types.h>, which Debian keeps under the multiarch directory.
ARCH_INC=/usr/include/$(uname -m)-linux-gnu
for src in *.c; do
  extra=()
  # Fetching atomics and cmpxchg need ISA v3.
  [ "$src" = atomics.c ] && extra=(-mcpu=v3)
  "$CLANG" -O2 -g -target bpf "${extra[@]}" -I"$ARCH_INC" -c "$src" -o "${src%.c}.o"
  echo "built ${src%.c}.o"
done
