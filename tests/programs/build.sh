#!/usr/bin/env bash
# Rebuilds every tests/programs/*.c into the .o beside it with clang-19 (the objects are
# committed: tests never need clang). Install: apt-get install -y clang-19 llvm-19 libbpf-dev
#
# Sources are compiled from the repository root by their relative path, and
# -fdebug-prefix-map strips the root from the debug info, so the objects name their sources
# `tests/programs/x.c` (what `ebpf verify`/`ebpf disasm` print on any clone) and hold no path
# of the machine that built them.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
CLANG=${CLANG:-clang-19}
# <linux/types.h> needs <asm/types.h>, which Debian keeps under the multiarch directory.
ARCH_INC=/usr/include/$(uname -m)-linux-gnu
for src in tests/programs/*.c; do
  extra=()
  # Fetching atomics and cmpxchg need ISA v3.
  [ "$src" = tests/programs/atomics.c ] && extra=(-mcpu=v3)
  "$CLANG" -O2 -g -target bpf "${extra[@]}" -I"$ARCH_INC" -fdebug-prefix-map="$root=" \
    -c "$src" -o "${src%.c}.o"
  echo "built ${src%.c}.o"
done
