#!/usr/bin/env bash
# Builds the driver library and proves it free of std; compiles its C header alone.
# Run from anywhere; CI: driver/core/check.sh (driver/sim/run.sh calls it first).
#
# The proof: the library is built for x86_64-unknown-none, a target whose sysroot has core and
# alloc but no std. A crate anywhere in the dependency graph that links std (`extern crate std`,
# or a dependency built with its `std` feature) fails that build with "can't find crate for
# `std`". A control compile shows that the target really refuses std, and the archive is then
# searched for std's symbols. The driver simulation links this very archive.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
target=x86_64-unknown-none
if ! rustup target list --installed 2>/dev/null | grep -qx "$target"; then
  rustup target add "$target"
fi

echo "== control: a crate using std does not build for $target"
if echo 'extern crate std; pub fn f() -> std::string::String { std::string::String::new() }' \
  | rustc --edition 2021 --target "$target" --crate-type lib --crate-name control \
    --out-dir "$(mktemp -d)" - 2>/dev/null; then
  echo "FAIL: $target accepted a crate that uses std; the proof would prove nothing" >&2
  exit 1
fi
echo "ok: refused"

echo "== build driver/core for $target (fails if std enters the graph)"
cargo build --release --locked --target "$target"
lib="$here/target/$target/release/libebpf_driver_core.a"

echo "== rustfmt and clippy (the crate is outside the main workspace)"
cargo fmt --check
cargo clippy --release --locked --target "$target" -- -D warnings

echo "== no std symbols in $(basename "$lib")"
# Legacy mangling names std's items _ZN3std...; v0 mangling _R...3std.
if nm --defined-only "$lib" 2>/dev/null | grep -E '_ZN3std|_R[A-Za-z0-9_]*3std[0-9_]' | head -5 | grep -q .; then
  echo "FAIL: std symbols in the archive" >&2
  exit 1
fi
echo "ok: none"

echo "== the header compiles alone (C99 and C11, -Wall -Wextra -Werror -pedantic)"
for std in c99 c11; do
  echo '#include "ebpf_driver.h"' | gcc -std=$std -Wall -Wextra -Werror -pedantic \
    -I"$here/include" -x c -fsyntax-only -
done
echo '#include "ebpf_driver.h"' | g++ -std=c++11 -Wall -Wextra -Werror -pedantic \
  -I"$here/include" -x c++ -fsyntax-only -
echo "ok: driver/core checks passed"
