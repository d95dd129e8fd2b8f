#!/usr/bin/env bash
# Builds and runs the driver simulation from the repository root; exits 0 only when every
# check passed. Steps:
#   1. driver/core/check.sh: builds libebpf_driver_core.a for x86_64-unknown-none (the build
#      fails if std enters the dependency graph), looks for std symbols, compiles the header;
#   2. gcc builds driver/sim (C11, -Wall -Wextra -Werror) against that very archive;
#   3. the simulation runs natively, then again under valgrind (memcheck: invalid accesses,
#      uninitialised reads, leaks, and the pool's blocks, which kos.c describes to memcheck)
#      with fewer packets, or, without valgrind, built with AddressSanitizer and LeakSanitizer.
# Needs: cargo with rustup, gcc, and valgrind (Debian: apt-get install -y gcc valgrind).
# SIM_PACKETS / SIM_VALGRIND_PACKETS: packets each of the 4 XDP threads sends natively
# (default 2000) and under valgrind (default 1000).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
driver/core/check.sh
lib=driver/core/target/x86_64-unknown-none/release/libebpf_driver_core.a
out=driver/sim/build
mkdir -p "$out"
cflags=(-std=c11 -O2 -g -Wall -Wextra -Werror -pthread -Idriver/core/include -Idriver/sim)
srcs=(driver/sim/main.c driver/sim/kos.c driver/sim/proto.c)
objs=(tests/host/windows_xdp.o driver/sim/progs/sim_bind.o driver/sim/progs/win_firewall.ebpf
  driver/sim/progs/win_firewall.pub)
packets=${SIM_PACKETS:-2000}
vg_packets=${SIM_VALGRIND_PACKETS:-1000}

echo "== driver simulation ($packets packets per XDP thread)"
gcc "${cflags[@]}" "${srcs[@]}" "$lib" -o "$out/sim"
"$out/sim" "${objs[@]}" "$packets"
if command -v valgrind >/dev/null 2>&1; then
  echo "== driver simulation under valgrind ($vg_packets packets per XDP thread)"
  valgrind --quiet --error-exitcode=99 --leak-check=full \
    --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
    "$out/sim" "${objs[@]}" "$vg_packets"
else
  echo "== valgrind not found: the simulation with AddressSanitizer and LeakSanitizer"
  gcc "${cflags[@]}" -fsanitize=address,undefined -fno-omit-frame-pointer "${srcs[@]}" "$lib" \
    -o "$out/sim-asan"
  ASAN_OPTIONS=detect_leaks=1 "$out/sim-asan" "${objs[@]}" "$vg_packets"
fi
echo "ok: driver simulation passed"
