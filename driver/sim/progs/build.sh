#!/usr/bin/env bash
# Rebuilds driver/sim/progs/*.c into the .o beside each with clang-19, and the signed native
# image win_firewall.ebpf (see the end). Both are committed: the simulation never needs clang
# or the CLI. Install: apt-get install -y clang-19
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

# The signed native image the simulation loads: win_firewall of tests/host/windows_xdp.o (with
# win_udp, which its program array starts with), signed with a fresh key whose secret half is
# thrown away; the public half is committed beside the image. Needs the ebpf CLI:
#   cargo build --release -p ebpf-cli --bin ebpf
EBPF=${EBPF:-target/release/ebpf}
keys=$(mktemp -d)
trap 'rm -rf "$keys"' EXIT
"$EBPF" keygen -o "$keys/sim.key"
"$EBPF" compile tests/host/windows_xdp.o -o driver/sim/progs/win_firewall.ebpf \
  --key "$keys/sim.key" --platform windows --function win_firewall
cp "$keys/sim.key.pub" driver/sim/progs/win_firewall.pub
echo "built driver/sim/progs/win_firewall.ebpf"
