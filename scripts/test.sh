#!/usr/bin/env bash
# The whole test suite, from a clean clone on Debian 12: installs what is
# missing, builds, and runs every stage. Ends with "N passed, N failed".
#   scripts/test.sh            everything
#   STAGES="unit e2e" scripts/test.sh
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
stages=${STAGES:-"format layers docs unit e2e parts stress soak difftest neg cli examples harden fuzz sanitize tsan cross"}

scripts/setup.sh || exit 1
scripts/build.sh || exit 1

total_pass=0 total_fail=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# run NAME CMD...: runs a stage, adds the "N passed, M failed" it prints.
run() {
    local name=$1; shift
    echo "== $name"
    "$@" 2>&1 | tee "$log"
    local rc=${PIPESTATUS[0]}
    local line p f
    line=$(grep -E '[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
    p=$(grep -oE '[0-9]+ passed' <<< "$line" | grep -oE '[0-9]+' || echo 0)
    f=$(grep -oE '[0-9]+ failed' <<< "$line" | grep -oE '[0-9]+' || echo 0)
    if [ -z "$line" ]; then p=0; f=1; echo "$name: no summary line (exit $rc)"; fi
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    total_pass=$((total_pass + p)); total_fail=$((total_fail + f))
}

# criterion_run [RUNNER...] -- EXE...: runs Criterion test programs (under
# RUNNER, e.g. qemu), summed into the common "unit: N passed, M failed".
criterion_run() {
    local rc=0 out counts="" runner=() exe
    while [ "$1" != -- ]; do runner+=("$1"); shift; done
    shift
    for exe in "$@"; do
        out=$("${runner[@]}" "$exe" --jobs 2 2>&1) || rc=1
        grep -E 'Synthesis|\[FAIL\]|CRASH' <<< "$out" || true
        counts+=$(grep -oE 'Passing: [0-9]+ \| Failing: [0-9]+ \| Crashing: [0-9]+' <<< "$out")$'\n'
    done
    awk '/Passing/ {p += $2; f += $5 + $8} END {printf "unit: %d passed, %d failed\n", p, f}' \
        <<< "$counts"
    return $rc
}

# unit BUILD_DIR: the Criterion suites of a build.
unit() { criterion_run -- "$1/bin/test_runtime" "$1/bin/test_compiler"; }

# cross_unit ARCH: the runtime's Criterion tests built for ARCH, under qemu
# (VMCC_TEST_QEMU: tests/unit/qemu/exec_shim.c).
cross_unit() {
    local exe="$root/build/cross/$1-linux-gnu/bin/test_runtime"
    if [ ! -x "$exe" ]; then
        echo "no $exe"; echo "unit: 0 passed, 1 failed"; return 1
    fi
    VMCC_TEST_QEMU=$(command -v "qemu-$1") criterion_run qemu-"$1" -L / -- "$exe"
}

# build_tsan: the runtime with ThreadSanitizer in build-tsan/, beside a
# copy of the release vmcc (which finds its runtime next to itself).
build_tsan() {
    cmake -S "$root" -B "$root/build-tsan" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DVMCC_TSAN=ON -DVMCC_RUNTIME_ONLY=ON -DVMCC_TESTS=OFF -DVMCC_WERROR=ON \
        -DVMCC_HOST_VMCC="$root/build/bin/vmcc" || return 1
    cmake --build "$root/build-tsan" || return 1
    mkdir -p "$root/build-tsan/bin" && cp "$root/build/bin/vmcc" "$root/build-tsan/bin/vmcc"
}

# format: every C file as .clang-format says.
format() {
    local f bad=0 n=0
    for f in $(git ls-files '*.c' '*.h'); do
        n=$((n + 1))
        clang-format --dry-run -Werror "$f" > /dev/null 2>&1 || { echo "not formatted: $f"; bad=$((bad + 1)); }
    done
    echo "format: $((n - bad)) passed, $bad failed"
    [ $bad -eq 0 ]
}

for s in $stages; do
    case $s in
        format) run format format ;;
        # The runtime's layers depend one way (docs/runtime.md).
        layers) run layers scripts/check_layers.sh ;;
        docs) run docs scripts/gen_docs.sh --check ;;
        unit) run unit unit build ;;
        e2e) run e2e tests/run_e2e.sh build ;;
        # Every module compiled in parts on three threads (vmcc -j), with
        # DWARF: the joined object must behave as the whole one.
        parts) run "e2e in parts" env VMCC_FLAGS="-g -j3 --part-min=1" tests/run_e2e.sh build ;;
        # GC stress: a collection at every allocation, over the whole e2e suite.
        stress) run "gc stress" env VMRT_GC_STRESS=1 OPT_LEVELS=0 tests/run_e2e.sh build ;;
        # Thousands of supervised processes exchanging messages, crashing and
        # restarting, round after round (docs/robustness.md).
        soak) run soak tests/run_soak.sh build ;;
        # Random valid programs at -O0 and -O2 must agree (docs/difftest.md).
        difftest) run difftest tests/difftest.sh build -n 200 ;;
        neg) run negative tests/run_neg.sh build ;;
        cli) run cli tests/run_cli.sh build ;;
        # The programs in examples/, run as a user would (wc against GNU wc).
        examples) run examples tests/run_examples.sh build ;;
        # The ELF hardening of produced executables (docs/hardening.md).
        harden) run hardening tests/run_hardening.sh build host ;;
        sanitize)
            SANITIZE=ON BUILD_DIR="$root/build-asan" BUILD_TYPE=Debug scripts/build.sh > /dev/null \
              || { echo "sanitizer build failed"; total_fail=$((total_fail + 1)); continue; }
            export ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1
            run "asan+ubsan unit" unit build-asan
            run "asan+ubsan e2e" env OPT_LEVELS=0 tests/run_e2e.sh build-asan
            run "asan+ubsan negative" tests/run_neg.sh build-asan
            ;;
        # Bad input found by generators (docs/fuzzing.md, docs/testing.md):
        # the fuzz targets' reproducers and seeds once, then 45 s of fuzzing
        # per target; mutated runtime configurations and DI bindings.
        fuzz)
            run "fuzz regress" scripts/fuzz.sh --regress
            run fuzz scripts/fuzz.sh -t 45
            run "config fuzz" tests/run_config_fuzz.sh build
            ;;
        # ThreadSanitizer over the runtime's concurrent parts: scheduler, netpoller,
        # mailboxes, channels, supervisors, tasks, files, sockets and C calls,
        # through the e2e programs that use them (a runtime-only build; vmcc is
        # the release one).
        # Boehm's stop-the-world signals cannot reach threads under TSan, so
        # the heap is made large enough that no collection runs.
        tsan)
            build_tsan > "$root/build/tsan.log" 2>&1 \
              || { tail -30 "$root/build/tsan.log"; echo "tsan build failed"; total_fail=$((total_fail + 1)); continue; }
            run "tsan e2e" env TSAN=1 TSAN_OPTIONS=halt_on_error=1 VMRT_GC_INITIAL_HEAP=2G \
                OPT_LEVELS=2 tests/run_e2e.sh build-tsan '^(proc|chan|sup|task|io|ffi)_'
            ;;
        # Other targets: their runtime built and staged, its unit tests and the
        # whole e2e suite at -O0 and -O2, under qemu-user (docs/targets.md).
        cross)
            scripts/build-cross.sh all > "$root/build/cross.log" 2>&1 \
              || { tail -30 "$root/build/cross.log"; echo "cross build failed"; total_fail=$((total_fail + 1)); continue; }
            # riscv64 has no Criterion (docs/targets.md): no unit tests there.
            run "aarch64 unit (qemu)" cross_unit aarch64
            for t in aarch64 riscv64; do
                run "$t e2e -O0 (qemu)" env TARGET=$t OPT_LEVELS=0 tests/run_e2e.sh build
                run "$t e2e -O2 (qemu)" env TARGET=$t OPT_LEVELS=2 tests/run_e2e.sh build
                run "$t examples (qemu)" env TARGET=$t OPT_LEVELS=2 tests/run_examples.sh build
            done
            run "aarch64 difftest (qemu)" tests/difftest.sh build -n 80 --target aarch64
            run "riscv64 difftest (qemu)" tests/difftest.sh build -n 40 --target riscv64
            run "cross hardening" tests/run_hardening.sh build aarch64 riscv64
            ;;
        *) echo "unknown stage $s"; total_fail=$((total_fail + 1)) ;;
    esac
done

echo
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
