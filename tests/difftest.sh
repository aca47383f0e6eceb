#!/usr/bin/env bash
# Differential testing: random valid programs from build/bin/progen
# (tests/progen/progen.c), each compiled at -O0 and -O2 and run; stdout and
# the exit status must be the same everywhere. The seeds listed in
# tests/progen/seeds.txt always run too. docs/difftest.md has the details.
#
# Usage: tests/difftest.sh [build-dir] [-n COUNT] [-s FIRST_SEED] [--size N]
#                          [--target aarch64|riscv64] [--stress] [--roundtrip]
#   -n COUNT        random seeds to run (default 50), FIRST_SEED .. FIRST_SEED+COUNT-1
#   -s FIRST_SEED   default 1
#   --size N        progen's SIZE (default 20): functions and statements per function
#   --target T      also cross-compile each program for T (vmcc --target) at
#                   every level and run it under qemu-user; the reference is
#                   the host's -O0 run
#   --stress        also run each host build with VMRT_GC_STRESS=1 (a
#                   collection at every allocation: finds values the
#                   collector cannot see)
#   --roundtrip     also check the binary form: text -> .vmbc -> text (--disasm)
#                   -> .vmbc must give the same bytes, and the program built
#                   from the .vmbc (-O2) and from the disassembly (-O0) must
#                   agree with the others
#   OPT_LEVELS="0 2"   the -O levels (the first is the reference on the host)
#   VMCC_FLAGS="-g"    more vmcc flags for every build
#   TIMEOUT=30         seconds each program may run (300 under qemu)
#   RUNNER=...         the runner for --target (default qemu-aarch64 / qemu-riscv64)
#
# A seed whose runs disagree (or whose program does not compile, or runs out
# of time) fails; its program and every output are kept in
# BUILD/difftest-failures/seed-SEED/ and the seed is printed.
set -uo pipefail
build_arg="" count=50 first=1 size=20 target="" stress=0 roundtrip=0
while [ $# -gt 0 ]; do
    case $1 in
        -n) count=$2; shift 2 ;;
        -s) first=$2; shift 2 ;;
        --size) size=$2; shift 2 ;;
        --target) target=$2; shift 2 ;;
        --stress) stress=1; shift ;;
        --roundtrip) roundtrip=1; shift ;;
        -h | --help) sed -n '2,29p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "difftest.sh: unknown option $1" >&2; exit 2 ;;
        *) build_arg=$1; shift ;;
    esac
done
. "$(dirname "$0")/lib.sh" difftest "$build_arg"
progen="$build/bin/progen"
if [ ! -x "$progen" ]; then
    echo "FAIL setup: $progen is missing (build it with scripts/build.sh)"
    echo "difftest: 0 passed, 1 failed"
    exit 1
fi
read -r -a levels <<< "${OPT_LEVELS:-0 2}"
# --verify-ir: the LLVM verifier checks every module lowered (off by default
# in release builds of vmcc)
read -r -a cc_flags <<< "--verify-ir ${VMCC_FLAGS:-}"
runner=()
if [ -n "$target" ]; then
    set_runner "$target" || { echo "difftest.sh: no runner known for --target $target"; exit 1; }
fi
host_timeout=${TIMEOUT:-30}
target_timeout=${TIMEOUT:-300}
keep="$build/difftest-failures"

# configurations: "name|vmcc flags|runner?|environment|input" — the first
# is the reference; the input is pg.vmasm unless named
configs=()
for opt in "${levels[@]}"; do
    configs+=("host-O$opt|-O$opt||")
    # with a target, the host's reference run is enough: the target runs
    # every level
    [ -n "$target" ] && break
done
if [ $stress = 1 ]; then
    for opt in "${levels[@]}"; do configs+=("host-O$opt-stress|-O$opt||VMRT_GC_STRESS=1"); done
fi
if [ $roundtrip = 1 ]; then
    configs+=("host-O2-vmbc|-O2|||pg.vmbc" "host-O0-disasm|-O0|||pg.dis.vmasm")
fi
if [ -n "$target" ]; then
    for opt in "${levels[@]}"; do configs+=("$target-O$opt|--target $target -O$opt|1|"); done
fi

# one run: compiles and runs $work/pg.vmasm as configuration $1 into
# $work/NAME.{out,err,status}; the status is "cc" if it does not compile
run_config() {
    local name flags use_runner envs input exe rc=0
    IFS='|' read -r name flags use_runner envs input <<< "$1"
    exe="$work/$name.exe"
    read -r -a flags <<< "$flags"
    read -r -a envs <<< "$envs"
    if ! "$vmcc" "${cc_flags[@]}" "${flags[@]}" "$work/${input:-pg.vmasm}" -o "$exe" \
        2> "$work/$name.err"; then
        : > "$work/$name.out"
        echo cc > "$work/$name.status"
        return
    fi
    if [ -n "$use_runner" ]; then
        env "${envs[@]}" timeout --verbose "$target_timeout" "${runner[@]}" "$exe" \
            > "$work/$name.out" 2> "$work/$name.err" || rc=$?
    else
        env "${envs[@]}" timeout --verbose "$host_timeout" "$exe" \
            > "$work/$name.out" 2> "$work/$name.err" || rc=$?
    fi
    # a program may exit with 124 itself: timeout --verbose says when it
    # ended one
    grep -q '^timeout: sending signal' "$work/$name.err" && rc=timeout
    echo "$rc" > "$work/$name.status"
}

# runs every configuration of one program; 0 if they all agree
check_seed() { # seed size
    local seed=$1 sz=$2 ref="" why="" name c
    if ! "$progen" "$seed" "$sz" > "$work/pg.vmasm" 2> "$work/progen.err"; then
        why="progen failed"
    fi
    rm -f "$work"/*.out "$work"/*.err "$work"/*.status "$work"/*.exe "$work"/pg.*vmbc \
        "$work"/pg.dis.vmasm
    if [ -z "$why" ] && [ $roundtrip = 1 ]; then
        # the binary form: text -> binary -> text -> binary gives the same bytes
        if ! "$vmcc" --emit=vmbc "$work/pg.vmasm" -o "$work/pg.vmbc" 2> "$work/vmbc.err" ||
            ! "$vmcc" --disasm "$work/pg.vmbc" > "$work/pg.dis.vmasm" 2>> "$work/vmbc.err" ||
            ! "$vmcc" --emit=vmbc "$work/pg.dis.vmasm" -o "$work/pg.2.vmbc" 2>> "$work/vmbc.err"; then
            why="binary round trip failed: $(head -1 "$work/vmbc.err")"
        elif ! cmp -s "$work/pg.vmbc" "$work/pg.2.vmbc"; then
            why="text -> vmbc -> text -> vmbc changed the bytes"
        fi
    fi
    for c in "${configs[@]}"; do
        [ -n "$why" ] && break
        name=${c%%|*}
        run_config "$c"
        local st
        st=$(cat "$work/$name.status")
        if [ "$st" = cc ]; then
            why="$name: does not compile: $(head -1 "$work/$name.err")"
        elif [ "$st" = timeout ]; then
            why="$name: no end within the time limit"
        elif [ -z "$ref" ]; then
            ref=$name
        elif ! cmp -s "$work/$ref.out" "$work/$name.out"; then
            why="$name: stdout differs from $ref"
        elif [ "$st" != "$(cat "$work/$ref.status")" ]; then
            why="$name: exit status $st, $ref $(cat "$work/$ref.status")"
        fi
    done
    if [ -z "$why" ]; then
        return 0
    fi
    local dir="$keep/seed-$seed${target:+-$target}"
    rm -rf "$dir"
    mkdir -p "$dir"
    cp "$work"/pg.* "$work"/*.out "$work"/*.err "$work"/*.status "$dir/" 2> /dev/null
    echo "FAIL seed $seed (size $sz): $why"
    if [ -n "$ref" ] && [ -f "$work/$name.out" ] && [ "$name" != "$ref" ]; then
        diff -a "$work/$ref.out" "$work/$name.out" | head -10 | sed 's/^/    /'
    fi
    echo "    kept in $dir; again: $progen $seed $sz > pg.vmasm"
    return 1
}

# the regression seeds first: "SEED [SIZE]  # why"
seeds_file="$root/tests/progen/seeds.txt"
if [ -f "$seeds_file" ]; then
    while read -r seed sz _; do
        case $seed in '' | '#'*) continue ;; esac
        [[ $sz =~ ^[0-9]+$ ]] || sz=20
        if check_seed "$seed" "$sz"; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
    done < "$seeds_file"
fi
for ((seed = first; seed < first + count; seed++)); do
    if check_seed "$seed" "$size"; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
done
echo "difftest: $pass passed, $fail failed"
[ $fail -eq 0 ]
