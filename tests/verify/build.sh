#!/usr/bin/env bash
# Rebuilds the verifier's C test programs (tests/verify/*.c) into the .o beside each with
# clang-19; the objects are committed so tests never need clang.
# Install: apt-get install -y clang-19 llvm-19 libbpf-dev
set -euo pipefail
cd "$(dirname "$0")"
CLANG=${CLANG:-clang-19}
ARCH_INC=/usr/include/$(uname -m)-linux-gnu
for src in *.c; do
  "$CLANG" -O2 -g -target bpf -I"$ARCH_INC" -c "$src" -o "${src%.c}.o"
  echo "built ${src%.c}.o"
done
