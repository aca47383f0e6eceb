#!/usr/bin/env bash
# Installs the Debian 12 packages vmcc needs to build and test, if missing.
# Idempotent: does nothing when everything is present.
#   scripts/setup.sh          build + test dependencies
#   scripts/setup.sh bench    also the peer languages for bench/run.sh
set -euo pipefail

packages=(
  gcc libc6-dev cmake ninja-build pkg-config   # build
  llvm-19-dev clang-19 lld-19                  # the LLVM 19 C API (and clang for fuzzing)
  libclang-rt-19-dev                           # libFuzzer and the sanitizers (scripts/fuzz.sh)
  libgc-dev libutf8proc-dev libxxhash-dev      # runtime: Boehm GC, utf8proc, xxHash
  libconfig-dev                                # runtime configuration files
  libcriterion-dev                             # unit tests
  clang-format                                 # style check (.clang-format)
  gdb                                          # debug information tests (vmcc -g)
  time                                         # peak RSS in the soak test (/usr/bin/time)
)
if [ "${1:-}" = bench ]; then
  packages+=(hyperfine jq luajit lua5.4 erlang-nox golang-go crystal)
fi

root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/apt.sh
. "$root/scripts/apt.sh"
ensure_packages "${packages[@]}"
