#!/usr/bin/env bash
# Installs the Debian 12 packages vmcc needs to build and test, if missing.
# Idempotent: does nothing when everything is present.
#   scripts/setup.sh          build + test dependencies
#   scripts/setup.sh bench    also the peer languages for bench/run.sh
set -euo pipefail

packages=(
  gcc libc6-dev cmake ninja-build pkg-config   # build
  llvm-19-dev clang-19 lld-19                  # the LLVM 19 C API (and clang for fuzzing)
  libgc-dev libutf8proc-dev libxxhash-dev      # runtime: Boehm GC, utf8proc, xxHash
  libconfig-dev                                # runtime configuration files
  libcriterion-dev                             # unit tests
  clang-format                                 # style check (.clang-format)
  gdb                                          # debug information tests (vmcc -g)
)
if [ "${1:-}" = bench ]; then
  packages+=(hyperfine jq luajit lua5.4 erlang-nox golang-go crystal time)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "setup: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get -o DPkg::Lock::Timeout=900 update -q
$sudo apt-get -o DPkg::Lock::Timeout=900 install -y -q --no-install-recommends "${missing[@]}"
