#!/usr/bin/env bash
# Soak test: tests/soak/soak.vmasm, compiled at -O2, run with a time limit.
# A supervised system of thousands of workers exchanging messages round after
# round, 1% of them crashing and restarted each round; the program checks
# that no message is lost, per-pair order, restarts = crashes, a flat heap
# after warm-up, and that only main is left at the end (docs/robustness.md).
# This script checks its exit status, its last line ("soak: ok"), that
# stderr holds nothing but the reports of the planned crashes, and prints
# the figures: rounds, processes, messages, restarts, heap per round, wall
# time, peak RSS.
#
# Runs:
#   default   SOAK_WORKERS workers (5000) for SOAK_ROUNDS rounds (40), all CPUs
#   one       2000 workers, 10 rounds, VMRT_WORKERS=1 (one scheduler thread)
#
# Usage: tests/run_soak.sh [build-dir] [filter]
#   SOAK_WORKERS=N SOAK_ROUNDS=R   size of the default run (longer soaks)
#   SOAK_TIMEOUT=S                 seconds each run may take (default 100)
# Ends with "soak: N passed, M failed".
set -uo pipefail
. "$(dirname "$0")/lib.sh" soak "$@"
timeout=${SOAK_TIMEOUT:-100}
exe="$work/soak"

if ! "$vmcc" -O2 "$root/tests/soak/soak.vmasm" -o "$exe" 2> "$work/cc.err"; then
    echo "FAIL soak: does not compile"
    sed 's/^/    /' "$work/cc.err"
    echo "soak: 0 passed, 1 failed"
    exit 1
fi

# run NAME ENV... -- ARGS...: one soak run, checked, with its figures
run() {
    local name=$1 envs=() args=()
    shift
    while [ $# -gt 0 ] && [ "$1" != -- ]; do envs+=("$1"); shift; done
    [ $# -gt 0 ] && shift
    args=("$@")
    if [ -n "$filter" ] && [[ "$name" != *"$filter"* ]]; then return 0; fi
    local out="$work/$name.out" err="$work/$name.err" rss="$work/$name.rss" rc=0 t0 t1
    t0=$(date +%s%N)
    env "${envs[@]}" /usr/bin/time -o "$rss" -f %M timeout "$timeout" "$exe" "${args[@]}" \
        > "$out" 2> "$err" || rc=$?
    t1=$(date +%s%N)
    local ok=1
    if [ "$rc" = 124 ]; then
        echo "FAIL soak $name: no end within ${timeout}s"; ok=0
    elif [ "$rc" != 0 ]; then
        echo "FAIL soak $name: exit status $rc"; ok=0
    fi
    if [ "$(tail -1 "$out")" != "soak: ok" ]; then
        echo "FAIL soak $name: the program did not end with \"soak: ok\""
        grep -E 'soak: (failure|FAIL)' "$out" | sed 's/^/    /'
        ok=0
    fi
    # stderr: only the reports of the planned crashes (raise soak_crash)
    local unexpected
    unexpected=$(grep -vE '^error in process <[0-9.]+>: soak_crash$|^  at soak\.worker \(soak\.vmasm:[0-9]+\)$' "$err" | head -5)
    if [ -n "$unexpected" ]; then
        echo "FAIL soak $name: unexpected stderr:"; echo "$unexpected" | sed 's/^/    /'; ok=0
    fi
    # figures
    local wall_ms=$(( (t1 - t0) / 1000000 ))
    echo "soak $name: $(head -1 "$out" | sed 's/^soak: //')"
    grep '^round ' "$out" | awk '{
        heap = heap (NR > 1 ? " " : "") sprintf("%.1f", $12 / 1024)
        ms = ms (NR > 1 ? " " : "") $16
    } END {
        print "  heap used after each round (MiB): " heap
        print "  round times (ms): " ms
    }'
    grep '^soak: messages\|^soak: heap' "$out" | sed 's/^soak: /  /'
    echo "  crash reports on stderr: $(grep -c '^error in process' "$err")"
    echo "  wall time: ${wall_ms} ms, peak RSS: $(cat "$rss" 2> /dev/null || echo n/a) KiB"
    if [ $ok = 1 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
}

run default -- "${SOAK_WORKERS:-5000}" "${SOAK_ROUNDS:-40}"
run one VMRT_WORKERS=1 -- 2000 10

echo "soak: $pass passed, $fail failed"
[ "$fail" = 0 ]
