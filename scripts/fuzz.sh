#!/usr/bin/env bash
# Fuzzes the compiler's front end with libFuzzer (docs/fuzzing.md).
#
#   scripts/fuzz.sh [-t SECONDS] [TARGET...] [-- LIBFUZZER-FLAG...]
#       fuzz each target (default: all) for SECONDS (default 60), one after
#       the other; the corpus of each grows in build-fuzz/corpus/TARGET
#   scripts/fuzz.sh --regress [TARGET...]
#       run each target once over its committed reproducers
#       (tests/fuzz/regress/TARGET/) and its seeds
#
# Targets: fuzz_asm (text assembly), fuzz_vmbc (binary reader), fuzz_verify
# (binary reader, verifier, round trips, lowering). The fuzz build goes to
# build-fuzz/ ($FUZZ_BUILD_DIR), made with clang-19; .vmbc seeds are compiled
# by the normal build's vmcc (build/, or $BUILD_DIR), built first if missing.
# Crash, leak and timeout inputs are kept in build-fuzz/artifacts/TARGET/.
# Prints per target what ran and ends with "fuzz: N passed, M failed" (or
# "fuzz regress: ..."); exits non-zero on any finding.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
fbuild=${FUZZ_BUILD_DIR:-$root/build-fuzz}
build=${BUILD_DIR:-$root/build}
all_targets=(fuzz_asm fuzz_vmbc fuzz_verify)

usage() {
    sed -n '2,/^set /p' "$0" | sed '$d; s/^# \{0,1\}//'
    exit 2
}

seconds=60 regress=0 targets=() extra=()
while [ $# -gt 0 ]; do
    case $1 in
        -t) [ $# -ge 2 ] || usage; seconds=$2; shift 2 ;;
        --regress) regress=1; shift ;;
        -h | --help) usage ;;
        --) shift; extra=("$@"); break ;;
        fuzz_*) targets+=("$1"); shift ;;
        *) echo "fuzz.sh: unknown argument '$1'"; usage ;;
    esac
done
[[ $seconds =~ ^[0-9]+$ ]] || { echo "fuzz.sh: -t needs a number of seconds"; exit 2; }
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")
for t in "${targets[@]}"; do
    [[ " ${all_targets[*]} " == *" $t "* ]] || { echo "fuzz.sh: no target $t"; exit 2; }
done

# ---- build ----------------------------------------------------------------

build_fuzz() {
    command -v clang-19 > /dev/null || { echo "fuzz.sh: clang-19 is missing (scripts/setup.sh)"; return 1; }
    mkdir -p "$fbuild"
    cmake -S "$root" -B "$fbuild" -G Ninja \
        -DCMAKE_C_COMPILER=clang-19 \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DLLVM_DIR="$(llvm-config-19 --cmakedir)" \
        -DVMCC_WERROR=ON -DVMCC_TESTS=OFF -DVMCC_FUZZ=ON > "$fbuild/configure.log" 2>&1 \
        || { cat "$fbuild/configure.log"; return 1; }
    cmake --build "$fbuild" --target "${targets[@]}" > "$fbuild/build.log" 2>&1 \
        || { tail -40 "$fbuild/build.log"; return 1; }
}

# ---- seeds: build-fuzz/seeds/{asm,vmbc}, remade on every run ---------------

# hex_to_bin FILE.hex OUT: the bytes a tests/neg .hex file spells ('#'
# comments, whitespace-separated hex bytes), as tests/run_neg.sh reads it.
hex_to_bin() {
    local esc
    esc=$(sed 's/#.*//' "$1" | tr -s ' \t\r\n' '\n' \
        | sed -n 's/^\([0-9a-fA-F][0-9a-fA-F]\)$/\\x\1/p' | tr -d '\n')
    printf '%b' "$esc" > "$2"
}

make_seeds() {
    local vmcc="$build/bin/vmcc" f name dir
    if [ ! -x "$vmcc" ]; then
        BUILD_DIR="$build" "$root/scripts/build.sh" > /dev/null || return 1
    fi
    rm -rf "$fbuild/seeds"
    mkdir -p "$fbuild/seeds/asm" "$fbuild/seeds/vmbc"
    # Paths relative to the root: they end up in the seeds' .file.
    cd "$root" || return 1
    for f in tests/e2e/*.vmasm tests/neg/*.vmasm tests/programs/*.vmasm stdlib/*.vmasm \
             examples/*.vmasm; do
        dir=$(basename "$(dirname "$f")")
        name="${dir}_$(basename "$f" .vmasm)"
        cp "$f" "$fbuild/seeds/asm/$name.vmasm"
        # Modules that do not compile alone (negative cases) give no .vmbc.
        "$vmcc" --emit=vmbc -o "$fbuild/seeds/vmbc/$name.vmbc" "$f" > /dev/null 2>&1 || true
    done
    for f in tests/neg/*.hex; do
        hex_to_bin "$f" "$fbuild/seeds/vmbc/neg_$(basename "$f" .hex).vmbc" || return 1
    done
    cd - > /dev/null || return 1
}

# The dictionary of fuzz_asm: directives and keywords of the grammar
# (compiler/asm.c), and the mnemonics, builtin names and C types read from
# their one table each in abi/.
make_dict() {
    local dict="$fbuild/asm.dict" w
    {
        echo '# made by scripts/fuzz.sh from abi/opcodes.def, abi/builtins.def and abi/ctypes.def'
        for w in .version .module .file .line .dep .reg .try func export import captures \
                 extern callback blocking '...' '=' \
                 i64 f64 val void inf -inf nan any nil bool int float number atom string tuple \
                 array map set function pid '->' '%' '"' '\\u{' '\\x' 0x; do
            printf '"%s"\n' "${w//\"/\\\"}"
        done
        sed -nE 's/^X\([A-Z0-9_]+, *"([^"]+)".*/"\1"/p' "$root/abi/opcodes.def" "$root/abi/builtins.def" \
            "$root/abi/ctypes.def"
    } > "$dict"
}

seed_dir() { # TARGET: its seed folder
    case $1 in
        fuzz_asm) echo "$fbuild/seeds/asm" ;;
        *) echo "$fbuild/seeds/vmbc" ;;
    esac
}

# ---- running ----------------------------------------------------------------

symbolizer=$(command -v llvm-symbolizer-19 || echo /usr/lib/llvm-19/bin/llvm-symbolizer)
[ -x "$symbolizer" ] && export ASAN_SYMBOLIZER_PATH="$symbolizer"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
common_flags=(-timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1)

# report TARGET LOG RC: one line of figures, and the finding if any; true
# if there was none.
report() {
    local t=$1 log=$2 rc=$3 execs status cov ft corp rate secs
    execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1)
    secs=$(grep -oE 'stat::average_exec_per_sec: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1)
    status=$(grep -E '^#[0-9]+' "$log" | grep -E 'cov: ' | tail -1)
    cov=$(grep -oE 'cov: [0-9]+' <<< "$status" | grep -oE '[0-9]+')
    ft=$(grep -oE 'ft: [0-9]+' <<< "$status" | grep -oE '[0-9]+')
    corp=$(grep -oE 'corp: [0-9]+/[0-9]+[a-zA-Z]*' <<< "$status" | cut -d' ' -f2)
    rate=${secs:-?}
    echo "$t: ${execs:-?} executions, ${rate} exec/s, cov ${cov:-?}, ft ${ft:-?}, corpus ${corp:-?}"
    if [ "$rc" -ne 0 ]; then
        echo "FAIL $t: libFuzzer exit status $rc; log $log"
        grep -E 'ERROR: |SUMMARY: |^fuzz: |internal error|Test unit written to' "$log" | head -20 \
            | sed 's/^/    /'
        return 1
    fi
    return 0
}

# fuzz TARGET: fuzz it for $seconds.
fuzz() {
    local t=$1 bin="$fbuild/bin/$1" corpus="$fbuild/corpus/$1" art="$fbuild/artifacts/$1"
    local log="$fbuild/logs/$1.log" rc=0 flags=()
    mkdir -p "$corpus" "$art" "$fbuild/logs"
    [ "$t" = fuzz_asm ] && flags+=(-dict="$fbuild/asm.dict")
    echo "== $t: fuzzing for ${seconds}s"
    "$bin" "${common_flags[@]}" "${flags[@]}" -max_total_time="$seconds" \
        -artifact_prefix="$art/" "${extra[@]}" "$corpus" "$(seed_dir "$t")" > "$log" 2>&1 || rc=$?
    report "$t" "$log" "$rc"
}

# regress TARGET: each reproducer and seed once.
regress() {
    local t=$1 bin="$fbuild/bin/$1" art="$fbuild/artifacts/$1" log="$fbuild/logs/$1.regress.log"
    local rc=0 inputs=()
    mkdir -p "$art" "$fbuild/logs"
    shopt -s nullglob
    inputs=("$root/tests/fuzz/regress/$t"/* "$(seed_dir "$t")"/*)
    shopt -u nullglob
    echo "== $t: ${#inputs[@]} inputs"
    "$bin" "${common_flags[@]}" -artifact_prefix="$art/" "${inputs[@]}" > "$log" 2>&1 || rc=$?
    if [ "$rc" -ne 0 ]; then
        echo "FAIL $t: exit status $rc; log $log"
        grep -E 'ERROR: |SUMMARY: |^fuzz: |internal error|^Running: ' "$log" | tail -12 | sed 's/^/    /'
        return 1
    fi
    echo "$t: $(grep -c '^Executed ' "$log") inputs run"
}

build_fuzz || { echo "fuzz: fuzz build failed"; echo "fuzz: 0 passed, 1 failed"; exit 1; }
make_seeds || { echo "fuzz: cannot make the seeds"; echo "fuzz: 0 passed, 1 failed"; exit 1; }
make_dict
pass=0 fail=0
for t in "${targets[@]}"; do
    if [ $regress = 1 ]; then regress "$t"; else fuzz "$t"; fi && pass=$((pass + 1)) || fail=$((fail + 1))
done
if [ $regress = 1 ]; then
    echo "fuzz regress: $pass passed, $fail failed"
else
    echo "fuzz: $pass passed, $fail failed"
fi
[ $fail -eq 0 ]
