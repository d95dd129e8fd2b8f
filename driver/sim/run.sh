#!/usr/bin/env bash
# Builds and runs the driver simulation from the repository root; exits 0 only when every
# check passed. Steps:
#   1. driver/core/check.sh: builds libebpf_driver_core.a for x86_64-unknown-none (the build
#      fails if std enters the dependency graph), looks for std symbols, compiles the header;
#   2. gcc builds driver/sim (C11, -Wall -Wextra -Werror) against that very archive;
#   3. the simulation runs under valgrind (memcheck: invalid accesses, uninitialised reads and
#      pool blocks, which kos.c describes to memcheck), or, without valgrind, built with
#      AddressSanitizer and LeakSanitizer.
# Needs: cargo with rustup, gcc, and valgrind (Debian: apt-get install -y gcc valgrind).
# SIM_PACKETS sets the packets each of the 4 XDP threads sends (default 2000).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
driver/core/check.sh
lib=driver/core/target/x86_64-unknown-none/release/libebpf_driver_core.a
out=driver/sim/build
mkdir -p "$out"
cflags=(-std=c11 -O2 -g -Wall -Wextra -Werror -pthread -Idriver/core/include -Idriver/sim)
srcs=(driver/sim/main.c driver/sim/kos.c driver/sim/proto.c)
objs=(tests/host/windows_xdp.o driver/sim/progs/sim_bind.o)
packets=${SIM_PACKETS:-2000}

echo "== driver simulation"
if command -v valgrind >/dev/null 2>&1; then
  gcc "${cflags[@]}" "${srcs[@]}" "$lib" -o "$out/sim"
  valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
    --show-leak-kinds=definite,indirect "$out/sim" "${objs[@]}" "$packets"
else
  echo "valgrind not found: AddressSanitizer and LeakSanitizer instead"
  gcc "${cflags[@]}" -fsanitize=address,undefined -fno-omit-frame-pointer "${srcs[@]}" "$lib" \
    -o "$out/sim-asan"
  ASAN_OPTIONS=detect_leaks=1 "$out/sim-asan" "${objs[@]}" "$packets"
fi
echo "ok: driver simulation passed"
