#!/usr/bin/env bash
# Builds the runtime (libbuiltins.a), the standard library and the runtime's
# unit tests (where the target has Criterion: aarch64) for another target, and stages them where the host vmcc looks:
# build/lib/vmcc/<triple>/. Installs the cross toolchain and libraries first
# if missing (scripts/setup-cross.sh) and builds the host vmcc if needed.
#   scripts/build-cross.sh aarch64        (or arm64, aarch64-linux-gnu)
#   scripts/build-cross.sh riscv64
#   scripts/build-cross.sh all
# The cross build tree is build/cross/<triple> (BUILD_DIR=... moves build/).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
deps=${VMCC_DEPS_DIR:-$build/deps}

case ${1:-} in
    aarch64 | arm64 | aarch64-linux-gnu) triples=(aarch64-linux-gnu) ;;
    riscv64 | riscv64-linux-gnu) triples=(riscv64-linux-gnu) ;;
    all) triples=(aarch64-linux-gnu riscv64-linux-gnu) ;;
    *) echo "usage: scripts/build-cross.sh aarch64|riscv64|all" >&2; exit 1 ;;
esac

VMCC_DEPS_DIR=$deps "$root/scripts/setup-cross.sh" "$1"
[ -x "$build/bin/vmcc" ] || BUILD_DIR=$build "$root/scripts/build.sh"

for triple in "${triples[@]}"; do
    dir=$build/cross/$triple
    mkdir -p "$dir"
    cmake -S "$root" -B "$dir" -G Ninja \
        -DCMAKE_TOOLCHAIN_FILE="$root/cmake/toolchain-$triple.cmake" \
        -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" \
        -DVMCC_DEPS_DIR="$deps" \
        -DVMCC_STAGE_ROOT="$build" \
        -DVMCC_XXHASH_H="$(pkg-config --variable=includedir libxxhash)/xxhash.h" \
        -DVMCC_WERROR=ON > "$dir/configure.log" 2>&1 \
        || { cat "$dir/configure.log"; exit 1; }
    cmake --build "$dir" -j "$(nproc)"
    echo "build-cross: runtime for $triple staged in $build/lib/vmcc/$triple"
done
