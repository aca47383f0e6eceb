#!/usr/bin/env bash
# End-to-end tests: each tests/e2e/*.vmasm holds a program and, in comments,
# what it must do. Every program is compiled at -O0 and -O2, run, and its
# stdout and exit status compared exactly.
#
#   ;> text        one expected line of stdout (in order)
#   ;! exit N      expected exit status (default 0)
#   ;! args A B    command-line arguments
#   ;! stderr TEXT text that must appear in stderr
#   ;! stderr-only stderr holds exactly the ;! stderr lines, in order
#   ;! nostderr    stderr must be empty
#   ;! env K=V     environment for the run
#   ;! with FILE   another module of the program: tests/e2e/FILE, compiled and
#                  linked with the test (helper modules live in tests/e2e/modules/)
#   ;! clib FILE.c C code of the program (tests/e2e/clib/FILE.c): compiled
#                  by the target's C compiler into an archive linked with it
#   ;! config FILE run with VMRT_CONFIG=FILE in the folder tests/e2e, so a
#                  configuration file sits next to its test and messages name
#                  it as FILE
#   ;! nostress    skipped under VMRT_GC_STRESS=1 (say why in the file)
#   ;! notsan      skipped under TSAN=1 (say why in the file)
#
# Usage: tests/run_e2e.sh [build-dir] [filter]
#   filter             an extended regular expression the test's name must
#                      match (a plain name matches as a substring)
#   OPT_LEVELS="0 2"   the -O levels to run
#   VMCC_FLAGS="-g"    more vmcc flags for every program
#   TARGET=aarch64     cross-compile (vmcc --target) and run under qemu-user:
#                      qemu-aarch64 / qemu-riscv64, or RUNNER="qemu-aarch64 -L /"
#   TIMEOUT=60         seconds each program may run (default 60, 300 under qemu)
#   TSAN=1             the build's runtime has ThreadSanitizer (scripts/test.sh
#                      tsan): skips ;! notsan tests
set -uo pipefail
. "$(dirname "$0")/lib.sh" e2e "$@"
levels=${OPT_LEVELS:-"0 2"}
# --verify-ir: the LLVM verifier checks every module lowered (off by default
# in release builds of vmcc)
read -r -a cc_flags <<< "--verify-ir ${VMCC_FLAGS:-}"
runner=()
if [ -n "${TARGET:-}" ]; then
    cc_flags+=(--target "$TARGET")
    set_runner "$TARGET" || { echo "run_e2e.sh: no runner known for TARGET=$TARGET"; exit 1; }
elif [ -n "${RUNNER:-}" ]; then
    read -r -a runner <<< "$RUNNER"
fi
timeout=${TIMEOUT:-$([ ${#runner[@]} -gt 0 ] && echo 300 || echo 60)}

# clib FILE.c: $work/FILE.c.a, built once per run for the target.
clib() {
    local src="$root/tests/e2e/clib/$1" out="$work/$1.a"
    [ -f "$out" ] && return 0
    local cc=${CC:-cc}
    case ${TARGET:-} in aarch64*) cc=aarch64-linux-gnu-gcc ;; riscv64*) cc=riscv64-linux-gnu-gcc ;; esac
    if ! "$cc" -O2 -fPIC -c "$src" -o "$work/$1.o" 2> "$work/cc.err" || ! ar rcs "$out" "$work/$1.o"; then
        echo "FAIL: cannot build $1"; sed 's/^/    /' "$work/cc.err"; return 1
    fi
}

check() { # name opt file
    local name=$1 opt=$2 file=$3 exe="$work/$1.O$2"
    local want_exit=0 args=() envs=() stderr_want=() withs=() stderr_only=0 nostderr=0 rundir=$PWD
    grep '^;> \?' "$file" | sed -E 's/^;> ?//' > "$work/want.out"
    while IFS= read -r line; do
        case "$line" in
            ";! exit "*) want_exit=${line#;! exit } ;;
            ";! args "*) read -r -a args <<< "${line#;! args }" ;;
            ";! env "*) envs+=("${line#;! env }") ;;
            ";! stderr "*) stderr_want+=("${line#;! stderr }") ;;
            ";! stderr-only") stderr_only=1 ;;
            ";! with "*) withs+=("$root/tests/e2e/${line#;! with }") ;;
            ";! clib "*) clib "${line#;! clib }" || return 1; withs+=("$work/${line#;! clib }.a") ;;
            ";! config "*) envs+=("VMRT_CONFIG=${line#;! config }") rundir=$root/tests/e2e ;;
            ";! nostderr") nostderr=1 ;;
        esac
    done < "$file"
    if ! "$vmcc" "${cc_flags[@]}" "-O$opt" "$file" "${withs[@]}" -o "$exe" 2> "$work/cc.err"; then
        echo "FAIL $name -O$opt: does not compile"; sed 's/^/    /' "$work/cc.err"; return 1
    fi
    local rc=0
    (cd "$rundir" && env "${envs[@]}" timeout "$timeout" "${runner[@]}" "$exe" "${args[@]}") \
        > "$work/got.out" 2> "$work/got.err" || rc=$?
    local ok=1
    if ! cmp -s "$work/want.out" "$work/got.out"; then
        echo "FAIL $name -O$opt: stdout differs"; diff "$work/want.out" "$work/got.out" | head -20 | sed 's/^/    /'; ok=0
    fi
    if [ "$rc" != "$want_exit" ]; then
        echo "FAIL $name -O$opt: exit status $rc, expected $want_exit"; sed 's/^/    /' "$work/got.err" | head -10; ok=0
    fi
    if [ $nostderr = 1 ] && [ -s "$work/got.err" ]; then
        echo "FAIL $name -O$opt: stderr is not empty"; sed 's/^/    /' "$work/got.err" | head -10; ok=0
    fi
    for s in "${stderr_want[@]}"; do
        if ! grep -qF -- "$s" "$work/got.err"; then
            echo "FAIL $name -O$opt: stderr lacks: $s"; sed 's/^/    /' "$work/got.err" | head -10; ok=0
        fi
    done
    if [ $stderr_only = 1 ] && ! cmp -s <(printf '%s\n' "${stderr_want[@]}") "$work/got.err"; then
        echo "FAIL $name -O$opt: stderr is not exactly the ;! stderr lines"
        diff <(printf '%s\n' "${stderr_want[@]}") "$work/got.err" | head -20 | sed 's/^/    /'; ok=0
    fi
    [ $ok = 1 ]
}

for file in "$root"/tests/e2e/*.vmasm; do
    name=$(basename "$file" .vmasm)
    [ -n "$filter" ] && ! [[ "$name" =~ $filter ]] && continue
    [ -n "${VMRT_GC_STRESS:-}" ] && grep -q '^;! nostress' "$file" && continue
    [ -n "${TSAN:-}" ] && grep -q '^;! notsan' "$file" && continue
    for opt in $levels; do
        if check "$name" "$opt" "$file"; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
    done
done
echo "e2e: $pass passed, $fail failed"
[ $fail -eq 0 ]
