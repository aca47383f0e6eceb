#!/usr/bin/env bash
# The main job: install what is missing, build, compile examples/hello.vmasm
# with vmcc and run it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
"$root/scripts/build.sh"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$root/build/bin/vmcc" -O2 "$root/examples/hello.vmasm" -o "$out/hello"
"$out/hello"
