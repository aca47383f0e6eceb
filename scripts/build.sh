#!/usr/bin/env bash
# Configures and builds vmcc and the runtime into build/ (or $BUILD_DIR).
# The build tree is also the staged install: build/bin/vmcc finds its runtime
# in build/lib/vmcc/<triple>/.
#   scripts/build.sh                 release build (-O2, warnings as errors)
#   BUILD_TYPE=Debug scripts/build.sh
#   SANITIZE=1 BUILD_DIR=build-asan scripts/build.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
llvm_dir=$(llvm-config-19 --cmakedir)
mkdir -p "$build"
cmake -S "$root" -B "$build" -G Ninja \
  -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" \
  -DLLVM_DIR="$llvm_dir" \
  -DVMCC_WERROR=ON \
  -DVMCC_SANITIZE="${SANITIZE:-OFF}" > "$build/configure.log" 2>&1 \
  || { cat "$build/configure.log"; exit 1; }
cmake --build "$build" -j "$(nproc)"
