# tests/lib.sh — the set-up every test runner shares. Source it with the
# suite's name and the runner's arguments:
#   . "$(dirname "$0")/lib.sh" negative "$@"
# Sets root, build (absolute), filter, vmcc, work (a scratch folder removed
# at exit) and the pass/fail counters; stops with a failed summary when vmcc
# is not built.
suite=$1
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${2:-$root/build}
case $build in /*) ;; *) build=$PWD/$build ;; esac
filter=${3:-}
vmcc="$build/bin/vmcc"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0 fail=0
if [ ! -x "$vmcc" ]; then
    echo "FAIL setup: $vmcc is missing (build it with scripts/build.sh)"
    echo "$suite: 0 passed, 1 failed"
    exit 1
fi

# set_runner TARGET: runner=(...) runs a program built for TARGET on this
# machine: qemu-user for aarch64 and riscv64, nothing for x86_64; RUNNER
# ("qemu-aarch64 -L /") overrides. Returns 1 for a target it cannot run.
set_runner() {
    case $1 in
        aarch64* | arm64*) runner=(qemu-aarch64) ;;
        riscv64*) runner=(qemu-riscv64) ;;
        x86_64* | amd64*) runner=() ;;
        *) return 1 ;;
    esac
    if [ -n "${RUNNER:-}" ]; then read -r -a runner <<< "$RUNNER"; fi
    return 0
}
