#!/usr/bin/env bash
# Rebuilds driver/sim/progs/*.c into the .o beside each with clang-19 (the objects are
# committed: the simulation never needs clang). Install: apt-get install -y clang-19
# Compiled from the repository root by relative path with -fdebug-prefix-map, so the objects
# hold no path of the machine that built them.
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$root"
CLANG=${CLANG:-clang-19}
for src in driver/sim/progs/*.c; do
  "$CLANG" -O2 -g -target bpf -mcpu=v3 -fdebug-prefix-map="$root=" -c "$src" -o "${src%.c}.o"
  echo "built ${src%.c}.o"
done
