#!/usr/bin/env bash
# Rebuilds the verifier's C test programs (tests/verify/*.c) into the .o beside each with
# clang-19; the objects are committed so tests never need clang.
# Install: apt-get install -y clang-19 llvm-19 libbpf-dev
#
# Sources are compiled from the repository root by their relative path, and
# -fdebug-prefix-map strips the root from the debug info, so error messages name
# `tests/verify/x.c:27` on any clone and the objects hold no path of the machine that built them.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
CLANG=${CLANG:-clang-19}
ARCH_INC=/usr/include/$(uname -m)-linux-gnu
for src in tests/verify/*.c; do
  "$CLANG" -O2 -g -target bpf -I"$ARCH_INC" -fdebug-prefix-map="$root=" -c "$src" -o "${src%.c}.o"
  echo "built ${src%.c}.o"
done
