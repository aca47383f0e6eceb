#!/usr/bin/env bash
# Hardening of produced executables (docs/hardening.md): reads the ELF
# headers of programs vmcc links and the runtime archive they are linked
# against, and checks
#   - a non-executable stack (PT_GNU_STACK without X) and no segment both
#     writable and executable;
#   - position independence (ET_DYN with DF_1_PIE), except riscv64 static
#     programs: its toolchain has no static-pie start file (rcrt1.o);
#   - full RELRO: PT_GNU_RELRO, and BIND_NOW where there is a dynamic section;
#   - no text relocations;
#   - stack canaries: the runtime calls __stack_chk_fail, and every function
#     vmcc generates carries sspstrong;
#   - _FORTIFY_SOURCE: the runtime calls checked libc functions (__*_chk),
#     in optimised builds.
#
# Usage: tests/run_hardening.sh [build-dir] [TARGET...]
#   TARGET: host (default), aarch64, riscv64. A cross target is checked when
#   its runtime is staged (scripts/build-cross.sh).
set -uo pipefail
. "$(dirname "$0")/lib.sh" hardening "${1:-}"
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(host)
prog="$root/examples/hello.vmasm"
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$build/CMakeCache.txt" 2> /dev/null)

ok() { pass=$((pass + 1)); }
no() { echo "FAIL $*"; fail=$((fail + 1)); }

# flags: the R/W/E flags of program-header lines on stdin, one per line
# (readelf -lW pads them to three columns: "RW ", "R E").
flags() { sed -E 's/.* 0x[0-9a-f]+ 0x[0-9a-f]+ (.{3}) 0x[0-9a-f]+$/\1/'; }

# check_exe NAME EXE PIE(yes|no): the ELF checks of one executable.
check_exe() {
    local name=$1 exe=$2 pie=$3 hdr seg dyn
    hdr=$(readelf -hW "$exe") seg=$(readelf -lW "$exe") dyn=$(readelf -dW "$exe")
    local stack
    stack=$(grep -E '^ +GNU_STACK ' <<< "$seg")
    if [ -z "$stack" ]; then
        no "$name: no PT_GNU_STACK (the stack would be executable)"
    elif [[ $(flags <<< "$stack") == *E* ]]; then
        no "$name: executable stack: $stack"
    else ok; fi
    if grep -E '^ +LOAD ' <<< "$seg" | flags | grep -q 'WE'; then
        no "$name: a LOAD segment is writable and executable"
    else ok; fi
    if [ "$pie" = yes ]; then
        if grep -q 'Type: *DYN' <<< "$hdr" && grep -qE 'FLAGS_1.*PIE' <<< "$dyn"; then ok; else
            no "$name: not a position-independent executable"; fi
    else
        if grep -q 'Type: *EXEC' <<< "$hdr"; then ok; else
            no "$name: expected a position-dependent static executable"; fi
    fi
    if grep -qE '^ +GNU_RELRO ' <<< "$seg"; then ok; else no "$name: no PT_GNU_RELRO"; fi
    if grep -q 'There is no dynamic section' <<< "$dyn"; then
        [ "$pie" = no ] && ok || no "$name: a PIE without a dynamic section"
    elif grep -qE '\(FLAGS\).*BIND_NOW|FLAGS_1.*NOW' <<< "$dyn"; then ok; else
        no "$name: lazy binding (no BIND_NOW): partial RELRO only"; fi
    if grep -q TEXTREL <<< "$dyn"; then no "$name: text relocations"; else ok; fi
}

# check_runtime TRIPLE: canaries and fortified calls in the runtime archive.
check_runtime() {
    local triple=$1 lib="$build/lib/vmcc/$1/libbuiltins.a" syms
    syms=$(nm -A "$lib" 2> /dev/null | grep -E ' U ')
    if grep -q ' U __stack_chk_fail$' <<< "$syms"; then ok; else
        no "$triple runtime: no stack protector (__stack_chk_fail never called)"; fi
    if [ "$build_type" = Debug ]; then return; fi # _FORTIFY_SOURCE needs -O
    if grep -qE ' U __[a-z]+_chk$' <<< "$syms"; then ok; else
        no "$triple runtime: not built with _FORTIFY_SOURCE (no __*_chk call)"; fi
}

# check_ir TRIPLE: every function vmcc defines has sspstrong.
check_ir() {
    local ir="$work/ir.ll" defs groups g missing=0
    "$vmcc" --target "$1" --emit=llvm-ir -O2 "$prog" -o "$ir" || {
        no "$1: vmcc --emit=llvm-ir failed"
        return
    }
    defs=$(grep -c '^define ' "$ir")
    groups=$(grep '^define ' "$ir" | grep -oE '#[0-9]+' | sort -u)
    for g in $groups; do
        grep -qE "^attributes $g = \{.*\bsspstrong\b" "$ir" || missing=1
    done
    if [ "$defs" -gt 0 ] && [ "$missing" -eq 0 ] \
        && [ "$(grep '^define ' "$ir" | grep -cE '#[0-9]+')" -eq "$defs" ]; then ok; else
        no "$1: a generated function has no sspstrong"; fi
}

for t in "${targets[@]}"; do
    case $t in
        host) triple=$(uname -m)-linux-gnu flags=() ;;
        aarch64 | riscv64) triple=$t-linux-gnu flags=(--target "$t") ;;
        *) no "unknown target $t"; continue ;;
    esac
    if [ ! -f "$build/lib/vmcc/$triple/libbuiltins.a" ]; then
        no "$triple: no runtime staged (scripts/build-cross.sh ${t#host})"
        continue
    fi
    check_runtime "$triple"
    check_ir "$triple"
    for mode in dynamic static; do
        exe="$work/$t-$mode"
        [ "$t" != host ] && [ "$mode" = dynamic ] && continue # cross: static only
        if ! "$vmcc" "${flags[@]}" "--$mode" -O2 "$prog" -o "$exe" 2> "$work/err"; then
            no "$t $mode: does not link: $(head -3 "$work/err")"
            continue
        fi
        pie=yes
        [ "$t" = riscv64 ] && [ "$mode" = static ] && pie=no
        check_exe "$t $mode" "$exe" "$pie"
    done
done

echo "hardening: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
