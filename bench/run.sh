#!/usr/bin/env bash
# shellcheck disable=SC2317 # the functions run only through "bench_$b" (not seen as reachable)
# Benchmarks vmcc-compiled programs side by side with the peer programs in
# ../shared/bench-peers (C, Go, Crystal, Erlang, LuaJIT, Lua 5.4).
#
#   bench/run.sh                    every benchmark at its default size
#   bench/run.sh fib                one benchmark
#   bench/run.sh fib 27 2           N=27, RUNS=2 (positional: N then RUNS)
#   bench/run.sh fib N=27 RUNS=2    the same; N and RUNS may also come from
#                                   the environment (N=27 RUNS=2 bench/run.sh)
#   bench/run.sh spectral_norm 100  spectral-norm of a 100 x 100 matrix (default
#                                   5,500)
#   bench/run.sh fannkuch 7         fannkuch-redux of 7 items (default 11): vmcc
#                                   on i64 registers and on dynamic vals
#   bench/run.sh mandelbrot 200 1   a 200 x 200 mandelbrot PBM (default 16,000),
#                                   RUNS=1; outputs checked against C's at
#                                   N=200
#   bench/run.sh wordfreq 1         wordfreq on a 1 MiB text (N is MiB there)
#   bench/run.sh ring 1000 ROUNDS=10  ring of N=1000 processes, token round 10
#                                   times (ROUNDS may come from the environment)
#   bench/run.sh spawn_idle 30000   30,000 idle processes (KiB/proc column)
#   bench/run.sh skynet 10000       skynet with 10,000 leaves (N a power of 10)
#   bench/run.sh sup_restart 5000   a supervisor restarts a crashing child 5,000
#                                   times (restarts/s after the table)
#   bench/run.sh chan_pingpong 100000  100,000 round trips over two channels
#   bench/run.sh echo 200 ROUNDS=100  TCP echo servers (vmcc, Go, Erlang) under
#                                   one load client: N=200 connections at once,
#                                   100 round trips of 64 bytes each (defaults
#                                   1000 and 1000; RUNS client runs, default 1)
#   bench/run.sh compile_speed 100000  vmcc -c of generated modules of N/10, N/2,
#                                   N and 2N bytecode instructions at -O0 and
#                                   -O2 (instructions/s; RUNS defaults to 3)
#   bench/run.sh hello              hello world: start-up and file size beside
#                                   C, Go and Crystal, dynamic and static (RUNS
#                                   defaults to 300)
#
# For each benchmark: build our programs with the repo's vmcc at -O2 and the
# peers beside them in bench/out/; run each once and compare its output with
# the peer folder's expected_<N>.txt (spectral_norm, fannkuch and wordfreq
# keep their C peers and expected files in bench/<name>/, mandelbrot its C
# peer), else with the C peer's output (mandelbrot: at N=200); time
# every program that passed in ONE hyperfine run (--runs RUNS --warmup 1, -N
# where possible); take medians; peak RSS from /usr/bin/time -f %M (one
# run); print the table and write it as markdown to bench/out/<benchmark>.md
# (raw data: bench/out/<benchmark>.json).
#
# Environment: BENCH_PEERS (peer folder, default $root/../shared/bench-peers),
# VMCC (default $root/build/bin/vmcc), BENCH_NO_JQ=1 (parse JSON with awk).
# A peer whose tool is missing is "skipped (tool missing)". Exit status 1 when
# a program that was built fails or prints the wrong output; a missed goal is
# reported, not an error (timing on a shared machine is noisy).
#
# Adding a benchmark: define bench_<name>() below (see bench_fib) and add the
# name to BENCHMARKS.
set -uo pipefail
export LC_ALL=C

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
peers=${BENCH_PEERS:-$root/../shared/bench-peers}
out=$here/out
VMCC=${VMCC:-$root/build/bin/vmcc}

BENCHMARKS=(fib nbody spectral_norm fannkuch mandelbrot binary_trees wordfreq ring spawn_idle
            skynet sup_restart chan_pingpong echo compile_speed hello)

usage() { sed -n '3,/^set -uo/{/^set -uo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }

# ---------------------------------------------------------------- arguments
selected=()
positional=0
for a in "$@"; do
    case $a in
        -h|--help) usage; exit 0 ;;
        N=*)       N=${a#N=} ;;
        RUNS=*)    RUNS=${a#RUNS=} ;;
        ROUNDS=*)  ROUNDS=${a#ROUNDS=} ;;
        ''|*[!0-9]*)
            if declare -F "bench_$a" > /dev/null 2>&1 || [[ " ${BENCHMARKS[*]} " == *" $a "* ]]; then
                selected+=("$a")
            else
                echo "bench/run.sh: unknown benchmark or argument '$a' (benchmarks: ${BENCHMARKS[*]})" >&2
                exit 2
            fi ;;
        *)  positional=$((positional + 1))
            case $positional in
                1) N=$a ;;
                2) RUNS=$a ;;
                *) echo "bench/run.sh: too many numbers (expected N then RUNS)" >&2; exit 2 ;;
            esac ;;
    esac
done
RUNS_GIVEN=${RUNS:-} # benchmarks with another default RUNS look here
RUNS=${RUNS:-5}
for v in RUNS ${N:+N}; do
    if ! [[ ${!v} =~ ^[1-9][0-9]*$ ]]; then
        echo "bench/run.sh: $v must be a positive integer (got '${!v}')" >&2; exit 2
    fi
done
[ ${#selected[@]} -eq 0 ] && selected=("${BENCHMARKS[@]}")

have() { command -v "$1" > /dev/null 2>&1; }

if ! have hyperfine; then
    echo "bench/run.sh: hyperfine is missing (scripts/setup.sh bench installs it)" >&2
    exit 2
fi
if [ ! -d "$peers" ]; then
    echo "bench/run.sh: peer programs not found at $peers (set BENCH_PEERS)" >&2
    exit 2
fi
peers=$(cd "$peers" && pwd)
mkdir -p "$out"
status=0

# ---------------------------------------------------------------- helpers
# Rows of the current benchmark, parallel arrays indexed by row number.
R_ID=() R_LABEL=() R_GOAL=() R_STATE=() R_CMD=() R_NOTE=()
R_MEDIAN=() R_RSS=() R_KIB=() R_REF=() R_MEAN=() R_SD=() R_MIN=() R_CPU=()

# try_build ID CMD...: run a build command from $out, log to $out/ID.build.log.
try_build() {
    local id=$1; shift
    if (cd "$out" && "$@") > "$out/$id.build.log" 2>&1; then return 0; fi
    echo "  build of $id failed: see bench/out/$id.build.log" >&2
    return 1
}

# row ID LABEL GOAL STATE CMD...: register a program. GOAL is the allowed
# ratio to C for our rows ("-" for peers). STATE is "" when the program was
# built, else why it is not run ("skipped (tool missing)", "build failed").
# CMD runs from $out. ROW_REF=FILE (in the environment of the call): this
# row's output is checked against FILE instead of the benchmark's reference.
row() {
    local i=${#R_ID[@]}
    R_ID[i]=$1 R_LABEL[i]=$2 R_GOAL[i]=$3 R_STATE[i]=$4 R_NOTE[i]="" R_MEDIAN[i]="" R_RSS[i]="" R_KIB[i]=""
    R_MEAN[i]="" R_SD[i]="" R_MIN[i]="" R_CPU[i]=""
    R_REF[i]=${ROW_REF:-}
    shift 4
    R_CMD[i]=$(printf '%q ' "$@"); R_CMD[i]=${R_CMD[i]% }
}

# C compiler for the C peer: clang-19, else clang, else cc.
c_compiler() {
    local c
    for c in clang-19 clang cc; do have "$c" && { echo "$c"; return 0; }; done
    return 1
}

# vmcc_build SRC OUTNAME -> row state ("" or "build failed")
vmcc_build() { # SRC NAME [FLAGS...]: vmcc -O2 FLAGS SRC -o NAME; prints a failed state
    if [ ! -x "$VMCC" ]; then
        echo "  $VMCC not found: build vmcc first (scripts/build.sh)" >&2
        echo "build failed (no vmcc)"; return
    fi
    try_build "$2" "$VMCC" -O2 "${@:3}" "$1" -o "$2" || echo "build failed"
}

# fmt_secs S: seconds with 3 decimals (4 below 0.1 s)
fmt_secs() { awk -v s="$1" 'BEGIN { if (s < 0.1) printf "%.4f", s; else printf "%.3f", s }'; }

# parse_json_stats FILE: prints "name<TAB>mean<TAB>stddev<TAB>median<TAB>min
# <TAB>user<TAB>system<TAB>failed_runs" per result (seconds).
parse_json_stats() {
    if [ -z "${BENCH_NO_JQ:-}" ] && have jq; then
        jq -r '.results[] | [.command, (.mean | tostring), ((.stddev // 0) | tostring),
               (.median | tostring), (.min | tostring), (.user | tostring),
               (.system | tostring),
               ((.exit_codes // []) | map(select(. != 0)) | length | tostring)] | @tsv' "$1"
    else
        # hyperfine writes pretty-printed JSON: one key per line.
        awk '
            function num(s) { sub(/^[^:]*: */, "", s); sub(/, *$/, "", s); return s }
            /"command":/ { c = $0; sub(/^[^:]*: *"/, "", c); sub(/", *$/, "", c)
                           n++; name[n] = c; bad[n] = 0; sd[n] = 0 }
            /"mean":/    { mean[n] = num($0) }
            /"stddev":/  { sd[n] = num($0); if (sd[n] == "null") sd[n] = 0 }
            /"median":/  { med[n] = num($0) }
            /"min":/     { mn[n] = num($0) }
            /"user":/    { us[n] = num($0) }
            /"system":/  { sy[n] = num($0) }
            /"exit_codes":/ { inexit = 1; next }
            inexit && /\]/ { inexit = 0; next }
            inexit { v = $0; gsub(/[ ,\t]/, "", v); if (v != "0") bad[n]++ }
            END { for (i = 1; i <= n; i++)
                      printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\n", name[i], mean[i], sd[i],
                             med[i], mn[i], us[i], sy[i], bad[i] }
        ' "$1"
    fi
}

# time_rows NAME TITLE RUNS WARMUP: time every row whose state is "" in ONE
# hyperfine run from $out (-N, no shell, when no command word needs quoting;
# JSON in $out/NAME.json). Sets R_MEDIAN, R_MEAN, R_SD, R_MIN (seconds) and
# R_CPU ((user + system) / mean) of each timed row, or its state when a run
# failed; T_IDS: the rows timed; T_SHELL_NONE: 1 if -N was used.
time_rows() {
    local name=$1 title=$2 runs=$3 warmup=$4 json=$out/$1.json i w words=()
    T_IDS=() T_SHELL_NONE=1
    for i in "${!R_ID[@]}"; do
        [ -n "${R_STATE[i]}" ] && continue
        eval "words=(${R_CMD[i]})"
        for w in "${words[@]}"; do [[ $w =~ ^[A-Za-z0-9_./:=+,@-]+$ ]] || T_SHELL_NONE=0; done
        T_IDS+=("$i")
    done
    hyperfine --help 2>&1 | grep -q -- '--shell' && hyperfine --help 2>&1 | grep -q -- '-N' || T_SHELL_NONE=0
    [ ${#T_IDS[@]} -gt 0 ] || return 0
    local hf=(hyperfine --runs "$runs" --warmup "$warmup" --ignore-failure
              --export-json "$json" --style basic)
    [ "$T_SHELL_NONE" = 1 ] && hf+=(-N)
    for i in "${T_IDS[@]}"; do
        if [ "$T_SHELL_NONE" = 1 ]; then
            eval "words=(${R_CMD[i]})"; hf+=(-n "${R_ID[i]}" "${words[*]}")
        else
            hf+=(-n "${R_ID[i]}" "${R_CMD[i]}")
        fi
    done
    echo "== $title: timing ${#T_IDS[@]} programs, $runs runs each"
    rm -f "$json"
    if ! (cd "$out" && "${hf[@]}") || [ ! -s "$json" ]; then
        echo "bench/run.sh: hyperfine failed" >&2; status=1; return 0
    fi
    local hid hmean hsd hmed hmin huser hsys hbad
    while IFS=$'\t' read -r hid hmean hsd hmed hmin huser hsys hbad; do
        for i in "${T_IDS[@]}"; do
            [ "${R_ID[i]}" = "$hid" ] || continue
            if [ "$hbad" != 0 ]; then
                R_STATE[i]="FAILED in $hbad timed runs"; status=1
            else
                R_MEDIAN[i]=$hmed R_MEAN[i]=$hmean R_SD[i]=$hsd R_MIN[i]=$hmin
                R_CPU[i]=$(awk -v u="$huser" -v s="$hsys" -v m="$hmean" \
                           'BEGIN { printf "%.2f", (m > 0 ? (u + s) / m : 0) }')
            fi
        done
    done < <(parse_json_stats "$json")
}

# machine_line: date, machine, vmcc commit and hyperfine version (table headers).
machine_line() {
    local machine rev
    machine="$(nproc 2>/dev/null || echo '?') CPU, $(uname -sm)"
    if [ -r /etc/debian_version ]; then machine="$machine, Debian $(cat /etc/debian_version)"; fi
    rev=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
    git -C "$root" diff --quiet HEAD -- 2>/dev/null || rev="$rev+dirty"
    echo "$(date -u '+%Y-%m-%d %H:%M UTC'); $machine; vmcc $rev; hyperfine $(hyperfine --version | awk '{print $2}'),"
}

# excerpt FILE: what a mismatch shows of an output: its first line (40
# bytes at most) in quotes, or the md5 of a binary one (a PBM).
excerpt() {
    if LC_ALL=C grep -qP '[^\x09\x0a\x20-\x7e]' "$1" 2> /dev/null; then
        echo "binary output with md5 $(md5sum < "$1" | awk '{ print $1 }')"
    else
        echo "'$(head -c 40 "$1" | head -1)'"
    fi
}

# finish_bench NAME N PEERDIR: check outputs, time, measure RSS, print table.
# Optional settings, read here and cleared at the end (defaults in brackets):
#   REF_TEXT    the expected output (one line, computed by the benchmark) when
#               the peer folder has no expected file for N [none: C's output]
#   RATIO_ROW   row the ratio column compares with [c]; RATIO_INVERT=1 makes
#               the column RATIO_ROW's median / this row's ("vmcc ÷ this")
#               instead of this row's / RATIO_ROW's ("× C")
#   RATIO_HEAD  header of the ratio column [× C, or <RATIO_ROW> ÷ this]
#   PER_PROC    a process count: adds a column of peak RSS / PER_PROC in KiB
#   SIZE_NOTE   text after "N=<n>" in the title (e.g. "R=100")
#   WARMUP      warm-up runs before hyperfine's timed runs [1]
#   CHECK_N     run the check at this size instead of N (each command's last
#               word, its size, replaced): for an output too big to check at
#               the timed size
# An empty N means the benchmark has no size: the title has no "N=".
finish_bench() {
    local name=$1 n=$2 pdir=$3 i ref ref_note="" c_row=-1 base_row=-1 words=()
    local ref_text=${REF_TEXT:-} base_id=${RATIO_ROW:-c} invert=${RATIO_INVERT:-0}
    local per_proc=${PER_PROC:-} size_note=${SIZE_NOTE:+ ${SIZE_NOTE}}
    local ratio_head=${RATIO_HEAD:-} warmup=${WARMUP:-1} title=$name${n:+, N=$n}
    local check_n=${CHECK_N:-} cn=${CHECK_N:-$n}
    if [ -z "$ratio_head" ]; then
        if [ "$invert" = 1 ]; then ratio_head="$base_id ÷ this"; else ratio_head="× C"; fi
    fi
    local ratio_head_txt=${ratio_head//×/x}; ratio_head_txt=${ratio_head_txt//÷//}
    unset REF_TEXT RATIO_ROW RATIO_INVERT RATIO_HEAD PER_PROC SIZE_NOTE WARMUP CHECK_N

    for i in "${!R_ID[@]}"; do
        [ "${R_ID[i]}" = c ] && c_row=$i
        [ "${R_ID[i]}" = "$base_id" ] && base_row=$i
    done

    # Reference output: expected_<N>.txt (or expected_<N/1000>k.txt), else
    # expected.txt when it was made for this N (the peer's default size),
    # else REF_TEXT, else the C peer's output; N is CHECK_N when set.
    local nk=""
    [[ $cn =~ ^[0-9]+000$ ]] && nk=$((cn / 1000))k
    if [ -f "$pdir/expected_$cn.txt" ]; then
        ref=$pdir/expected_$cn.txt; ref_note="expected_$cn.txt"
    elif [ -n "$nk" ] && [ -f "$pdir/expected_$nk.txt" ]; then
        ref=$pdir/expected_$nk.txt; ref_note="expected_$nk.txt"
    elif [ -f "$pdir/expected.txt" ] && [ "$cn" = "${DEFAULT_EXPECTED_N:-}" ]; then
        ref=$pdir/expected.txt; ref_note="expected.txt"
    elif [ -n "$ref_text" ]; then
        ref=$out/$name.reference.txt; printf '%s\n' "$ref_text" > "$ref"
        ref_note="'$ref_text', computed (no expected_$cn.txt in the peer folder)"
    else
        ref=""
    fi

    # Check: run each built program once (at CHECK_N if set).
    local order=()
    if [ -z "$ref" ] && [ "$c_row" -ge 0 ]; then order=("$c_row"); fi
    for i in "${!R_ID[@]}"; do [ "$i" != "${order[0]:-x}" ] && order+=("$i"); done
    for i in "${order[@]}"; do
        [ -n "${R_STATE[i]}" ] && continue
        local id=${R_ID[i]} rc=0
        eval "words=(${R_CMD[i]})"
        [ -n "$check_n" ] && words[${#words[@]} - 1]=$check_n
        (cd "$out" && "${words[@]}") > "$out/$name.$id.out" 2> "$out/$name.$id.err" || rc=$?
        if [ "$rc" -ne 0 ]; then
            R_STATE[i]="FAILED (exit $rc), see bench/out/$name.$id.err"; status=1; continue
        fi
        if [ -n "${R_REF[i]}" ]; then
            R_NOTE[i]="output checked against ${R_REF[i]#"$root"/}"
            if ! cmp -s "$out/$name.$id.out" "${R_REF[i]}"; then
                R_STATE[i]="MISMATCH: got $(excerpt "$out/$name.$id.out"), expected $(excerpt "${R_REF[i]}")"
                status=1
            fi
            continue
        fi
        if [ -z "$ref" ]; then
            if [ "$i" = "$c_row" ]; then
                ref=$out/$name.reference.txt; cp "$out/$name.$id.out" "$ref"
                ref_note="C output${check_n:+ at N=$check_n} (no expected_$cn.txt in the peer folder)"
                R_NOTE[i]="reference"
                continue
            fi
            R_STATE[i]="unchecked (no expected_$cn.txt and no C output)"; continue
        fi
        if ! cmp -s "$out/$name.$id.out" "$ref"; then
            R_STATE[i]="MISMATCH: got $(excerpt "$out/$name.$id.out"), expected $(excerpt "$ref")"
            status=1
        fi
    done

    # Time every checked program in one hyperfine run.
    time_rows "$name" "$name${n:+ N=$n}" "$RUNS" "$warmup"
    local ids=("${T_IDS[@]}") shell_none=$T_SHELL_NONE
    if [ ${#ids[@]} -gt 0 ]; then
        # Peak RSS, one run each.
        for i in "${ids[@]}"; do
            [ -n "${R_MEDIAN[i]}" ] || continue
            if [ -x /usr/bin/time ]; then
                eval "words=(${R_CMD[i]})"
                (cd "$out" && /usr/bin/time -f '%M' "${words[@]}") > /dev/null 2> "$out/$name.${R_ID[i]}.rss"
                local kib; kib=$(tail -1 "$out/$name.${R_ID[i]}.rss")
                [[ $kib =~ ^[0-9]+$ ]] && R_KIB[i]=$kib &&
                    R_RSS[i]=$(awk -v k="$kib" 'BEGIN { printf "%.1f", k / 1024 }')
            fi
        done
    fi

    # Table.
    local c_med=""
    [ "$base_row" -ge 0 ] && c_med=${R_MEDIAN[base_row]}
    local md=$out/$name.md
    {
        echo "# $title$size_note"
        echo
        machine_line
        echo "median of $RUNS runs after $warmup warm-up$([ "$warmup" = 1 ] || echo s)$([ "$shell_none" = 1 ] && echo ', -N (no shell)'); peak RSS from one run."
        echo "Output checked against ${ref_note:-nothing}. Medians drift with load: compare only within one run."
        echo
        if [ -n "$per_proc" ]; then
            echo "| program | median (s) | $ratio_head | goal | result | peak RSS (MiB) | KiB/proc | command |"
            echo "|---|--:|--:|---|---|--:|--:|---|"
        else
            echo "| program | median (s) | $ratio_head | goal | result | peak RSS (MiB) | command |"
            echo "|---|--:|--:|---|---|--:|---|"
        fi
    } > "$md"
    local rw=${#ratio_head_txt} ppw=0 pph=""   # ratio column width; KiB/proc column
    [ "$rw" -lt 7 ] && rw=7
    [ -n "$per_proc" ] && { ppw=10; pph="KiB/proc"; }
    printf '\n%-26s %10s %*s %9s %6s %10s%*s  %s\n' program "median s" "$rw" "$ratio_head_txt" goal result \
        "RSS MiB" "$ppw" "$pph" command
    for i in "${!R_ID[@]}"; do
        local med="" ratio="" goal="" result="" rss=${R_RSS[i]} cmdtxt note="" kpp="" kppcol=""
        if [ -n "$per_proc" ] && [ -n "${R_KIB[i]}" ]; then
            kpp=$(awk -v k="${R_KIB[i]}" -v n="$per_proc" 'BEGIN { printf "%.2f", k / n }')
        fi
        [ -n "$per_proc" ] && kppcol=" ${kpp:-—} |"
        eval "words=(${R_CMD[i]})"; cmdtxt="${words[*]}"
        [ -n "${R_NOTE[i]}" ] && note=" (${R_NOTE[i]})"
        if [ "${R_GOAL[i]}" != - ]; then goal="≤ ${R_GOAL[i]}× C"; fi
        if [ -n "${R_MEDIAN[i]}" ]; then
            med=$(fmt_secs "${R_MEDIAN[i]}")
            if [ -n "$c_med" ] && [ "$invert" = 1 ]; then
                ratio=$(awk -v a="${R_MEDIAN[i]}" -v c="$c_med" 'BEGIN { printf "%.2f", c / a }')
            elif [ -n "$c_med" ]; then
                ratio=$(awk -v a="${R_MEDIAN[i]}" -v c="$c_med" 'BEGIN { printf "%.2f", a / c }')
                if [ -n "$goal" ]; then
                    result=$(awk -v a="${R_MEDIAN[i]}" -v c="$c_med" -v g="${R_GOAL[i]}" \
                             'BEGIN { print (a <= g * c) ? "PASS" : "MISS" }')
                fi
            fi
            [ -n "$goal" ] && [ -z "$result" ] && result="n/a (no C)"
        else
            med=${R_STATE[i]:-not timed}
            [ -n "$goal" ] && result="—"
        fi
        printf '%-26s %10s %*s %9s %6s %10s%*s  %s\n' "${R_LABEL[i]}" \
            "$([ -n "${R_MEDIAN[i]}" ] && echo "$med" || echo -)" "$rw" "${ratio:--}" \
            "$([ -n "$goal" ] && echo "<= ${R_GOAL[i]}x" || echo -)" "${result:--}" "${rss:--}" \
            "$ppw" "$([ -n "$per_proc" ] && echo "${kpp:--}")" \
            "$([ -n "${R_MEDIAN[i]}" ] && echo "$cmdtxt$note" || echo "${R_STATE[i]:-not timed}")"
        printf '| %s | %s | %s | %s | %s | %s |%s %s |\n' "${R_LABEL[i]}" "$med" "${ratio:-—}" \
            "${goal:-—}" "${result:-—}" "${rss:-—}" "$kppcol" "\`$cmdtxt\`$note" >> "$md"
    done
    echo
    echo "Output checked against ${ref_note:-nothing}. Table: bench/out/$name.md, raw: bench/out/$name.json"
}

# peer_go ID SRC ARGS...: build SRC with go into ID and add the "Go" row.
peer_go() {
    local id=$1 src=$2 st=""
    shift 2
    if have go; then
        try_build "$id" go build -o "$id" "$src" || st="build failed"
    else
        st="skipped (tool missing)"
    fi
    row go "Go" - "$st" "./$id" "$@"
}

# peer_erlang MODULE SRC ARGS...: compile SRC with erlc, add the "Erlang" row
# running MODULE:main(ARGS). PEER_ERL_FLAGS (e.g. "+P 2000000") go before
# -noshell and into the label.
peer_erlang() {
    local mod=$1 src=$2 st="" flags=${PEER_ERL_FLAGS:-}
    shift 2
    if have erlc && have erl; then
        try_build "${mod}_erl" erlc -o . "$src" || st="build failed"
    else
        st="skipped (tool missing)"
    fi
    # shellcheck disable=SC2086 # flags are words
    row erlang "Erlang${flags:+ $flags}" - "$st" erl $flags -noshell -pa . -run "$mod" main "$@"
}

# last_state: the state of the row added last (for a variant of that row).
last_state() { echo "${R_STATE[${#R_STATE[@]} - 1]}"; }

# peer_crystal ID SRC MAPS ARGS...: build SRC with crystal into ID and add the
# "Crystal" row. Crystal 1.6 maps 2 memory areas per fiber: when MAPS (about
# 2 per live fiber) exceeds vm.max_map_count the row is skipped, not failed.
peer_crystal() {
    local id=$1 src=$2 maps=$3 st="" max
    shift 3
    max=$(cat /proc/sys/vm/max_map_count 2>/dev/null || echo 0)
    if ! have crystal; then
        st="skipped (tool missing)"
    elif [ "$max" -lt "$maps" ]; then
        st="skipped (vm.max_map_count=$max < $maps: sysctl -w vm.max_map_count=4000000)"
    else
        try_build "$id" crystal build --release --no-debug -o "$id" "$src" || st="build failed"
    fi
    row crystal "Crystal" - "$st" "./$id" "$@"
}

# proc_rows PROG VMCC_SRC ARGS...: the rows shared by the process benchmarks
# (ring, spawn_idle, skynet): vmcc with the default workers and with one,
# Go with the default GOMAXPROCS and with 1, Crystal (MAPS from $maps),
# Erlang (flags from $erl_flags) with the default schedulers and +S 1.
proc_rows() {
    local prog=$1 src=$2 pdir=$peers/$1 st
    shift 2
    st=$(vmcc_build "$src" "${prog}_vmcc")
    row vmcc "vmcc" - "$st" "./${prog}_vmcc" "$@"
    row vmcc_1 "vmcc, VMRT_WORKERS=1" - "$st" env VMRT_WORKERS=1 "./${prog}_vmcc" "$@"
    peer_go "${prog}_go" "$pdir/$prog.go" "$@"
    row go_1 "Go, GOMAXPROCS=1" - "$(last_state)" env GOMAXPROCS=1 "./${prog}_go" "$@"
    peer_crystal "${prog}_cr" "$pdir/$prog.cr" "$maps" "$@"
    PEER_ERL_FLAGS=$erl_flags peer_erlang "$prog" "$pdir/$prog.erl" "$@"
    # shellcheck disable=SC2086 # flags are words
    row erlang_1 "Erlang${erl_flags:+ $erl_flags} +S 1" - "$(last_state)" \
        erl $erl_flags +S 1 -noshell -pa . -run "$prog" main "$@"
}

# ---------------------------------------------------------------- benchmarks

# peer_c BIN SRC LABEL_EXTRA LIBS ARGS...: the C peer's row, built -O2 with
# clang (or what c_compiler finds) and LIBS (words).
peer_c() {
    local bin=$1 src=$2 extra=$3 libs=$4 cc st=""
    shift 4
    if cc=$(c_compiler); then
        # shellcheck disable=SC2086 # libs are words
        try_build "$bin" "$cc" -O2 -o "$bin" "$src" $libs || st="build failed"
    else
        cc=clang st="skipped (tool missing)"
    fi
    row c "C ($cc -O2$extra)" - "$st" "./$bin" "$@"
}

# begin_bench TITLE: forget the previous benchmark's rows and say what comes.
begin_bench() {
    R_ID=() R_LABEL=() R_GOAL=() R_STATE=() R_CMD=() R_NOTE=() R_MEDIAN=() R_RSS=() R_KIB=() R_REF=()
    R_MEAN=() R_SD=() R_MIN=() R_CPU=()
    echo "== $1: building in bench/out/"
}

# finish_proc_bench NAME N REF [VAR=VALUE...]: finish_bench for the process
# benchmarks (no C row: ratios are vmcc's median over each row's).
finish_proc_bench() {
    local name=$1 n=$2 ref=$3
    shift 3
    if [ $# -gt 0 ]; then local "$@"; fi # the settings, for finish_bench to see
    REF_TEXT=$ref RATIO_ROW=vmcc RATIO_INVERT=1 RATIO_HEAD="vmcc ÷ this" \
        finish_bench "$name" "$n" "$peers/$name"
}

# fib: naive recursive Fibonacci of N (default 40), printed.
bench_fib() {
    local n=${N:-40} pdir=$peers/fib st
    DEFAULT_EXPECTED_N=35        # the size the peer's expected.txt was made for
    begin_bench "fib N=$n"

    st=$(vmcc_build "$root/examples/fib.vmasm" fib_vmcc)
    row vmcc_i64 "vmcc fib, i64 registers" 1.1 "$st" ./fib_vmcc "$n"
    st=$(vmcc_build "$root/examples/fib_dyn.vmasm" fib_dyn_vmcc)
    row vmcc_dyn "vmcc fib, dynamic vals" 2 "$st" ./fib_dyn_vmcc "$n"

    peer_c fib_c "$pdir/fib.c" "" "" "$n"
    peer_go fib_go "$pdir/fib.go" "$n"
    if have crystal; then
        st=""; try_build fib_cr crystal build --release --no-debug -o fib_cr "$pdir/fib.cr" || st="build failed"
        row crystal "Crystal" - "$st" ./fib_cr "$n"
    else
        row crystal "Crystal" - "skipped (tool missing)" ./fib_cr "$n"
    fi
    if have luajit || have lua5.4; then cp "$pdir/fib.lua" "$out/fib.lua"; fi
    if have luajit; then
        row luajit "LuaJIT" - "" luajit fib.lua "$n"
    else
        row luajit "LuaJIT" - "skipped (tool missing)" luajit fib.lua "$n"
    fi
    if have lua5.4; then
        row lua54 "Lua 5.4" - "" lua5.4 fib.lua "$n"
    else
        row lua54 "Lua 5.4" - "skipped (tool missing)" lua5.4 fib.lua "$n"
    fi
    peer_erlang fib "$pdir/fib.erl" "$n"

    finish_bench fib "$n" "$pdir"
}

# nbody: Benchmarks Game n-body, N steps (default 50,000,000). The vmcc
# program (bench/nbody/nbody.vmasm, written by bench/nbody/gen.sh) keeps the
# five bodies in f64 registers; the peers are ../shared/bench-peers/nbody.
bench_nbody() {
    local n=${N:-50000000} pdir=$peers/nbody st
    DEFAULT_EXPECTED_N=5000000
    begin_bench "nbody N=$n"
    st=$(vmcc_build "$here/nbody/nbody.vmasm" nbody_vmcc)
    row vmcc "vmcc nbody, f64 registers" 1.1 "$st" ./nbody_vmcc "$n"
    peer_c nbody_c "$pdir/nbody.c" "" -lm "$n"
    peer_go nbody_go "$pdir/nbody.go" "$n"
    finish_bench nbody "$n" "$pdir"
}

# spectral_norm: Benchmarks Game spectral-norm of an N x N matrix (default
# 5,500), printed with 9 decimals. The vmcc program
# (bench/spectral_norm/spectral_norm.vmasm) runs on i64 and f64 registers
# and keeps its vectors in C memory (malloc through the FFI, load.f64 and
# store.f64: there are no typed f64 arrays yet). The C peer and
# expected_<N>.txt are in bench/spectral_norm/.
bench_spectral_norm() {
    local n=${N:-5500} src=$here/spectral_norm st
    DEFAULT_EXPECTED_N=""
    begin_bench "spectral_norm N=$n"
    st=$(vmcc_build "$src/spectral_norm.vmasm" spectral_norm_vmcc)
    row vmcc "vmcc, f64 registers" - "$st" ./spectral_norm_vmcc "$n"
    peer_c spectral_norm_c "$src/spectral_norm.c" "" -lm "$n"
    finish_bench spectral_norm "$n" "$src"
}

# fannkuch: Benchmarks Game fannkuch-redux of N items (default 11): prints
# the checksum, then "Pfannkuchen(N) = maxflips". Two vmcc programs in
# bench/fannkuch/: fannkuch.vmasm on i64 registers with its arrays in C
# memory (malloc through the FFI, load.i64 and store.i64), and
# fannkuch_dyn.vmasm on dynamic vals and arrays (as a dynamic language's
# frontend would emit it). The C peer and expected_<N>.txt are there too.
bench_fannkuch() {
    local n=${N:-11} src=$here/fannkuch st
    DEFAULT_EXPECTED_N=""
    begin_bench "fannkuch N=$n"
    st=$(vmcc_build "$src/fannkuch.vmasm" fannkuch_vmcc)
    row vmcc_i64 "vmcc, i64 registers" - "$st" ./fannkuch_vmcc "$n"
    st=$(vmcc_build "$src/fannkuch_dyn.vmasm" fannkuch_dyn_vmcc)
    row vmcc_dyn "vmcc, dynamic vals" - "$st" ./fannkuch_dyn_vmcc "$n"
    peer_c fannkuch_c "$src/fannkuch.c" "" "" "$n"
    finish_bench fannkuch "$n" "$src"
}

# mandelbrot: Benchmarks Game mandelbrot, an N x N binary PBM (P4) on
# stdout (default N 16,000). The vmcc program
# (bench/mandelbrot/mandelbrot.vmasm) runs on i64 and f64 registers, builds
# each row in C memory (malloc through the FFI, store.i8) and writes it with
# bytes.from_ptr and file.write. The check runs every program once at
# N=200 (or N, if smaller) and compares its PBM with the C peer's
# (bench/mandelbrot/mandelbrot.c, CHECK_N); the timed runs are at N.
bench_mandelbrot() {
    local n=${N:-16000} src=$here/mandelbrot st
    DEFAULT_EXPECTED_N=""
    begin_bench "mandelbrot N=$n"
    st=$(vmcc_build "$src/mandelbrot.vmasm" mandelbrot_vmcc)
    row vmcc "vmcc, f64 registers" - "$st" ./mandelbrot_vmcc "$n"
    peer_c mandelbrot_c "$src/mandelbrot.c" "" "" "$n"
    CHECK_N=$((n < 200 ? n : 200)) finish_bench mandelbrot "$n" "$src"
}

# binary_trees: Benchmarks Game binary-trees at depth N (default 20). The
# vmcc program (bench/binary_trees/bt.vmasm) uses tuples and dynamic ints;
# the C peer allocates with Boehm's GC_MALLOC.
bench_binary_trees() {
    local n=${N:-20} pdir=$peers/binary_trees st
    DEFAULT_EXPECTED_N=16
    begin_bench "binary_trees N=$n"
    st=$(vmcc_build "$here/binary_trees/bt.vmasm" bt_vmcc)
    row vmcc "vmcc binary-trees, dynamic vals" - "$st" ./bt_vmcc "$n"
    peer_c bt_c "$pdir/bt.c" ", Boehm GC_MALLOC" -lgc "$n"
    peer_go bt_go "$pdir/bt.go" "$n"
    peer_erlang bt "$pdir/bt.erl" "$n"
    finish_bench binary_trees "$n" "$pdir"
}

# wordfreq: word frequencies of an N MiB UTF-8 text (default 8) written by
# bench/wordfreq/gen.c. Its peers and expected_<N>.txt live in bench/wordfreq/
# (task: bench/wordfreq/README.md). Every program, bench/wordfreq/wordfreq.vmasm
# too, reads the same file, named by its first argument.
bench_wordfreq() {
    local n=${N:-8} src=$here/wordfreq cc st text
    DEFAULT_EXPECTED_N=""
    begin_bench "wordfreq N=$n"
    text=wordfreq_$n.txt

    if ! cc=$(c_compiler); then
        echo "  no C compiler: cannot build the text generator, wordfreq skipped" >&2
        status=1; return
    fi
    if ! try_build wordfreq_gen "$cc" -std=c17 -O2 -o wordfreq_gen "$src/gen.c" ||
       ! (cd "$out" && ./wordfreq_gen "$n" > "$text"); then
        echo "  could not generate bench/out/$text" >&2
        status=1; return
    fi

    if [ -f "$src/wordfreq.vmasm" ]; then
        st=$(vmcc_build "$src/wordfreq.vmasm" wordfreq_vmcc)
        row vmcc "vmcc wordfreq" - "$st" ./wordfreq_vmcc "$text"
    else
        row vmcc "vmcc wordfreq" - "skipped (no wordfreq.vmasm yet)" ./wordfreq_vmcc "$text"
    fi
    st=""; try_build wordfreq_c "$cc" -std=c17 -O2 -o wordfreq_c "$src/wordfreq.c" -lutf8proc || st="build failed"
    row c "C ($cc -O2, utf8proc)" - "$st" ./wordfreq_c "$text"
    peer_go wordfreq_go "$src/wordfreq.go" "$text"
    peer_erlang wordfreq "$src/wordfreq.erl" "$text"

    finish_bench wordfreq "$n" "$src"
}

# ---- process benchmarks. The peers in ../shared/bench-peers/{ring,
# spawn_idle,skynet} use goroutines and fibers on channels, and Erlang
# processes; the vmcc programs use processes and mailboxes (proc.spawn,
# proc.send, recv.any). No C peer: the ratio column is vmcc's median / the
# row's (above 1: vmcc is slower). Rows as in the peer run.sh files: Go
# also with GOMAXPROCS=1, Erlang also with +S 1, and vmcc also with
# VMRT_WORKERS=1. vmcc allows 4M live processes (VMRT_MAX_PROCS).

# ring: N processes in a ring (default 10,000), a token (+1 per hop) goes
# round ROUNDS times (default 100; ROUNDS=… on the command line or in the
# environment): N*ROUNDS messages, prints N*ROUNDS.
bench_ring() {
    local n=${N:-10000} r=${ROUNDS:-100} maps erl_flags=""
    if ! [[ $r =~ ^[0-9]+$ ]]; then
        echo "bench/run.sh: ROUNDS must be a non-negative integer (got '$r')" >&2; status=1; return
    fi
    DEFAULT_EXPECTED_N=""; [ "$r" = 100 ] && DEFAULT_EXPECTED_N=10000
    begin_bench "ring N=$n R=$r"
    maps=$((2 * n + 1000))
    proc_rows ring "$here/ring/ring.vmasm" "$n" "$r"
    finish_proc_bench ring "$n" $((n * r)) SIZE_NOTE="R=$r"
}

# spawn_idle: spawn N processes (default 1,000,000) that each wait for one
# message; send each one; each replies and ends; prints the sum of the
# replies (N). Memory per process: peak RSS / N (the KiB/proc column).
bench_spawn_idle() {
    local n=${N:-1000000} maps erl_flags
    DEFAULT_EXPECTED_N=1000000
    begin_bench "spawn_idle N=$n"
    maps=$((2 * n + 1000))
    erl_flags="+P $((2 * n > 2000000 ? 2 * n : 2000000))"
    proc_rows spawn_idle "$here/spawn_idle/spawn_idle.vmasm" "$n"
    finish_proc_bench spawn_idle "$n" "$n" PER_PROC="$n"
}

# skynet: every process spawns 10 children down to N leaves (default
# 1,000,000; a power of 10), 1.11 N processes in all; each leaf replies
# its number, each inner process the sum of its children's; prints
# N(N-1)/2.
bench_skynet() {
    local n=${N:-1000000} maps erl_flags
    if ! [[ $n =~ ^10*$ ]]; then
        echo "bench/run.sh: skynet N must be a power of 10 (got $n)" >&2; status=1; return
    fi
    DEFAULT_EXPECTED_N=1000000
    begin_bench "skynet N=$n"
    maps=$((2 * (n + n / 9) + 1000))
    erl_flags="+P $((2 * n > 2000000 ? 2 * n : 2000000))"
    proc_rows skynet "$here/skynet/skynet.vmasm" "$n"
    finish_proc_bench skynet "$n" $((n * (n - 1) / 2))
}

# sup_restart: restart throughput of a one_for_one supervisor with one
# permanent child that ends at once with a non-normal reason; the start
# function tells main, which waits for N+1 starts (default N 20,000),
# prints "restarts N" and stops the supervisor. Programs and expected file
# in bench/sup_restart/. The Erlang peer is an OTP supervisor (logger
# silenced); no Go or Crystal peer (they have no supervisors). The vmcc
# supervisor runs with period_ms 1; OTP's smallest period is 1 s and it
# walks the restart times of the whole period on every restart, so the
# Erlang rows slow down as N grows: the row "vmcc, period_ms 1000" does
# that bookkeeping too. After the table: N / median in restarts per
# second, start-up included.
bench_sup_restart() {
    local n=${N:-20000} src=$here/sup_restart st i rate
    DEFAULT_EXPECTED_N=""
    begin_bench "sup_restart N=$n"
    st=$(vmcc_build "$src/sup_restart.vmasm" sup_restart_vmcc)
    row vmcc "vmcc" - "$st" ./sup_restart_vmcc "$n"
    row vmcc_1 "vmcc, VMRT_WORKERS=1" - "$st" env VMRT_WORKERS=1 ./sup_restart_vmcc "$n"
    row vmcc_p1000 "vmcc, period_ms 1000" - "$st" ./sup_restart_vmcc "$n" 1000
    peer_erlang sup_restart "$src/sup_restart.erl" "$n"
    row erlang_1 "Erlang +S 1" - "$(last_state)" erl +S 1 -noshell -pa . -run sup_restart main "$n"
    REF_TEXT="restarts $n" RATIO_ROW=vmcc RATIO_INVERT=1 RATIO_HEAD="vmcc ÷ this" \
        SIZE_NOTE="restarts, one_for_one, 1 child" finish_bench sup_restart "$n" "$src"
    {
        echo
        echo "Restarts per second (N / median, start-up included):"
        echo
        for i in "${!R_ID[@]}"; do
            [ -n "${R_MEDIAN[i]}" ] || continue
            rate=$(awk -v n="$n" -v m="${R_MEDIAN[i]}" 'BEGIN { printf "%.0f", n / m }')
            echo "- ${R_LABEL[i]}: $rate"
        done
    } | tee -a "$out/sup_restart.md"
}

# chan_pingpong: two processes bounce an integer N times (default
# 1,000,000 round trips) over two bounded(1) channels (docs/channels.md);
# prints N. The peers live beside the vmcc program in bench/chan_pingpong/
# (not in the peer folder): Go with 1-buffered channels, Crystal (skipped
# when crystal is not installed). Rows as for the process benchmarks.
bench_chan_pingpong() {
    local n=${N:-1000000} src=$here/chan_pingpong st
    DEFAULT_EXPECTED_N=""
    begin_bench "chan_pingpong N=$n"
    st=$(vmcc_build "$src/pingpong.vmasm" pingpong_vmcc)
    row vmcc "vmcc" - "$st" ./pingpong_vmcc "$n"
    row vmcc_1 "vmcc, VMRT_WORKERS=1" - "$st" env VMRT_WORKERS=1 ./pingpong_vmcc "$n"
    peer_go pingpong_go "$src/pingpong.go" "$n"
    row go_1 "Go, GOMAXPROCS=1" - "$(last_state)" env GOMAXPROCS=1 ./pingpong_go "$n"
    peer_crystal pingpong_cr "$src/pingpong.cr" 1000 "$n"
    finish_proc_bench chan_pingpong "$n" "$n"
}

# ---- network.

# echo_server_row ID LABEL STATE STOPPED CMD...: a server of bench_echo (CMD
# PORT starts it; STOPPED: the line it prints when SIGTERM stops it, or "").
echo_server_row() {
    local k=${#R_ID[@]}
    E_STOPPED[k]=$4 E_TPUT[k]="" E_P50[k]="" E_P99[k]=""
    row "$1" "$2" - "$3" "${@:5}"
}

# echo_median FIELD RUN_FILES...: the median of "FIELD value" over the
# client's outputs.
echo_median() {
    local f=$1; shift
    awk -v f="$f" '$1 == f { v[++n] = $2 }
        END { if (!n) exit 1
              for (i = 2; i <= n; i++) for (j = i; j > 1 && v[j - 1] > v[j]; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
              print (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2 }' "$@"
}

# echo_run I: start server row I on a free port, wait until it accepts, run
# the client RUNS times, read its peak RSS, stop it with SIGTERM and check
# that it exits (status 0, and its STOPPED line). Sets the row's figures or
# its state.
echo_run() {
    local i=$1 id port pid rc=0 k files=() words=() t kib
    id=${R_ID[i]}
    eval "words=(${R_CMD[i]})"
    port=$("$out/echo_client" --free-port) || { R_STATE[i]="FAILED (no free port)"; status=1; return; }
    echo "  $id: ${words[*]} $port"
    (cd "$out" && exec "${words[@]}" "$port") > "$out/echo.$id.server.log" 2>&1 &
    pid=$! ECHO_PID=$!
    if ! "$out/echo_client" --wait "$port" 20000 2> "$out/echo.$id.err"; then
        R_STATE[i]="FAILED (never accepted), see bench/out/echo.$id.server.log"; status=1
        kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; ECHO_PID=""
        return
    fi
    for ((k = 1; k <= RUNS; k++)); do
        rc=0
        "$out/echo_client" "$port" "$n" "$r" > "$out/echo.$id.$k.out" 2>> "$out/echo.$id.err" || rc=$?
        if [ "$rc" -ne 0 ]; then
            R_STATE[i]="FAILED (client exit $rc: $(tail -1 "$out/echo.$id.err")), see bench/out/echo.$id.err"
            status=1; break
        fi
        files+=("$out/echo.$id.$k.out")
    done
    kib=$(awk '$1 == "VmHWM:" { print $2 }' "/proc/$pid/status" 2>/dev/null)
    [[ $kib =~ ^[0-9]+$ ]] && R_KIB[i]=$kib && R_RSS[i]=$(awk -v k="$kib" 'BEGIN { printf "%.1f", k / 1024 }')
    kill -TERM "$pid" 2>/dev/null
    for ((t = 0; t < 100; t++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; ECHO_PID=""
        R_STATE[i]=${R_STATE[i]:-"FAILED (still running 10 s after SIGTERM)"}; status=1; return
    fi
    rc=0; wait "$pid" || rc=$?; ECHO_PID=""
    if [ "$rc" -ne 0 ]; then
        R_STATE[i]=${R_STATE[i]:-"FAILED (exit $rc after SIGTERM), see bench/out/echo.$id.server.log"}; status=1
    elif [ -n "${E_STOPPED[i]}" ] && ! grep -qxF "${E_STOPPED[i]}" "$out/echo.$id.server.log"; then
        R_STATE[i]=${R_STATE[i]:-"FAILED (no '${E_STOPPED[i]}' after SIGTERM)"}; status=1
    fi
    [ -n "${R_STATE[i]}" ] && return
    E_TPUT[i]=$(echo_median throughput "${files[@]}")
    E_P50[i]=$(echo_median p50_us "${files[@]}")
    E_P99[i]=$(echo_median p99_us "${files[@]}")
}

# echo: TCP echo servers on 127.0.0.1 under one load client
# (bench/echo/client.c: C, one thread, epoll): N connections (default 1000)
# opened at once, each doing ROUNDS round trips (default 1000; ROUNDS=… on
# the command line or in the environment) of 64 bytes, all at the same
# time: write 64, read until the 64 are back, check them. Servers: vmcc
# (examples/echo_server.vmasm, -O2: a process per connection), Go
# (bench/echo/echo.go: a goroutine per connection, net) and Erlang
# (bench/echo/echo.erl: a process per connection, gen_tcp with {active,
# false}, erl -noshell). Each server is started on a free port, the client
# runs once it accepts (RUNS times, default 1: the medians are reported),
# then SIGTERM must stop it (exit status 0; vmcc prints "echo_server:
# stopped", Go "echo_go: stopped"). Table: throughput (round trips/s from
# the first write to the last reply), ratio to Go, p50 and p99 latency of
# every round trip, p99 ÷ Erlang's, peak RSS of the server (VmHWM before
# SIGTERM). Goals for vmcc: throughput above Go's, p99 below Erlang's.
# No hyperfine here: a server runs across the client's runs.
bench_echo() {
    local n=${N:-1000} r=${ROUNDS:-1000} src=$here/echo cc st i go_i="" erl_i="" vm_i=""
    local RUNS=${RUNS_GIVEN:-1} E_STOPPED=() E_TPUT=() E_P50=() E_P99=() ECHO_PID=""
    if ! [[ $r =~ ^[1-9][0-9]*$ ]]; then
        echo "bench/run.sh: ROUNDS must be a positive integer (got '$r')" >&2; status=1; return
    fi
    begin_bench "echo N=$n R=$r"
    if ! cc=$(c_compiler); then
        echo "  no C compiler: cannot build the load client, echo skipped" >&2; status=1; return
    fi
    try_build echo_client "$cc" -std=c17 -O2 -o echo_client "$src/client.c" || { status=1; return; }

    st=$(vmcc_build "$root/examples/echo_server.vmasm" echo_vmcc)
    echo_server_row vmcc "vmcc (a process per connection)" "$st" "echo_server: stopped" ./echo_vmcc
    st=""
    if have go; then try_build echo_go go build -o echo_go "$src/echo.go" || st="build failed"
    else st="skipped (tool missing)"; fi
    echo_server_row go "Go (a goroutine per connection)" "$st" "echo_go: stopped" ./echo_go
    st=""
    if have erlc && have erl; then try_build echo_erl erlc -o . "$src/echo.erl" || st="build failed"
    else st="skipped (tool missing)"; fi
    echo_server_row erlang "Erlang (gen_tcp, a process per connection)" "$st" "" \
        erl -noshell -pa . -run echo main

    trap '[ -n "${ECHO_PID:-}" ] && kill -KILL "$ECHO_PID" 2>/dev/null' EXIT
    echo "== echo N=$n R=$r: $((n * r)) round trips of 64 bytes per client run, $RUNS run$([ "$RUNS" = 1 ] || echo s) per server"
    for i in "${!R_ID[@]}"; do
        case ${R_ID[i]} in vmcc) vm_i=$i ;; go) go_i=$i ;; erlang) erl_i=$i ;; esac
        [ -n "${R_STATE[i]}" ] || echo_run "$i"
    done
    trap - EXIT

    # Table.
    local md=$out/echo.md go_t="" erl_p99="" tput ratio p99r cmdtxt words=() g1 g2
    [ -n "$go_i" ] && go_t=${E_TPUT[go_i]}
    [ -n "$erl_i" ] && erl_p99=${E_P99[erl_i]}
    {
        echo "# echo, N=$n connections, R=$r round trips of 64 bytes each"
        echo
        machine_line | sed "s/; hyperfine [^;]*,$/;/"
        echo "load client bench/echo/client.c (one thread, epoll) on the same machine; median of $RUNS client"
        echo "run$([ "$RUNS" = 1 ] || echo s) per server. Throughput: round trips per second from the first write to"
        echo "the last reply; latency of every round trip (nearest rank); peak RSS: the server's VmHWM."
        echo
        echo "| server | round trips/s | × Go | p50 (µs) | p99 (µs) | p99 ÷ Erlang | peak RSS (MiB) | command |"
        echo "|---|--:|--:|--:|--:|--:|--:|---|"
    } > "$md"
    printf '\n%-44s %12s %6s %10s %10s %8s %8s  %s\n' server "rt/s" "x Go" "p50 us" "p99 us" \
        "p99/Erl" "RSS MiB" command
    for i in "${!R_ID[@]}"; do
        eval "words=(${R_CMD[i]})"; cmdtxt="${words[*]} PORT"
        tput="" ratio="" p99r=""
        if [ -n "${E_TPUT[i]}" ]; then
            tput=$(awk -v t="${E_TPUT[i]}" 'BEGIN { printf "%.0f", t }')
            [ -n "$go_t" ] && ratio=$(awk -v a="${E_TPUT[i]}" -v b="$go_t" 'BEGIN { printf "%.2f", a / b }')
            [ -n "$erl_p99" ] && p99r=$(awk -v a="${E_P99[i]}" -v b="$erl_p99" 'BEGIN { printf "%.2f", a / b }')
        fi
        printf '%-44s %12s %6s %10s %10s %8s %8s  %s\n' "${R_LABEL[i]}" "${tput:--}" "${ratio:--}" \
            "${E_P50[i]:--}" "${E_P99[i]:--}" "${p99r:--}" "${R_RSS[i]:--}" \
            "$([ -n "$tput" ] && echo "$cmdtxt" || echo "${R_STATE[i]:-not run}")"
        printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "${R_LABEL[i]}" \
            "${tput:-${R_STATE[i]:-not run}}" "${ratio:-—}" "${E_P50[i]:-—}" "${E_P99[i]:-—}" \
            "${p99r:-—}" "${R_RSS[i]:-—}" "\`$cmdtxt\`" >> "$md"
    done

    # Goals, after the table: reported, never failed.
    if [ -z "${E_TPUT[vm_i]}" ]; then
        g1="not measured (vmcc did not run)"; g2=$g1
    else
        if [ -z "$go_t" ]; then g1="n/a (no Go figure)"
        else g1=$(awk -v a="${E_TPUT[vm_i]}" -v b="$go_t" \
                  'BEGIN { printf "%s (%.0f vs %.0f round trips/s, %.2f×)", (a > b) ? "met" : "missed", a, b, a / b }')
        fi
        if [ -z "$erl_p99" ]; then g2="n/a (no Erlang figure)"
        else g2=$(awk -v a="${E_P99[vm_i]}" -v b="$erl_p99" \
                  'BEGIN { printf "%s (%.1f vs %.1f µs, %.2f×)", (a < b) ? "met" : "missed", a, b, a / b }')
        fi
    fi
    {
        echo
        echo "- Goal: vmcc's throughput above Go's: $g1."
        echo "- Goal: vmcc's p99 latency below Erlang's: $g2."
    } | tee -a "$md"
    echo
    echo "Table: bench/out/echo.md, client output: bench/out/echo.<server>.<run>.out"
}

# ---- the compiler and the fixed cost of a program.

# cs_row ID LABEL INSTRUCTIONS OPT KIND OBJECT CMD...: a row of compile_speed
# (KIND: size, stage or fixed; OBJECT: the object the command writes, linked
# and run for the checksum, or "").
cs_row() {
    local k=${#R_ID[@]}
    C_N[k]=$3 C_OPT[k]=$4 C_KIND[k]=$5 C_OBJ[k]=$6 C_SUM[k]=""
    row "$1" "$2" - "" "${@:7}"
}

# compile_speed: how fast vmcc compiles. bench/compile_speed/gen.c writes a
# module of exactly S bytecode instructions for S = N/10, N/2, N and 2N (N
# default 100,000): units of eleven functions (i64 loops with branches, f64
# math, dynamic vals, string, array and map builtins, a closure and a tuple,
# a try region, and a driver calling them), groups of 16 units, main. Rows:
# `vmcc -c` at -O0 and -O2 for each size, with -j1 (one thread) and, on a
# machine of several CPUs, -jCPUS (the module in parts); at N the stages: --emit=vmbc
# (read, parse, verify, write the binary module), -O0 --emit=llvm-ir (also
# lowering and printing the IR) and -O0 -c of that .vmbc
# (the binary reader instead of the text parser); and -c of
# examples/hello.vmasm, the fixed cost (start-up, LLVM set-up). Check: each
# row runs once (peak RSS from that run; it also warms the file cache, so
# hyperfine does no warm-up); each object is linked (vmcc OBJ -o EXE) and
# run, and the "checksum N" it prints must be the same at -O0, -O2 and from
# the .vmbc. Then one hyperfine run (RUNS default 3): instructions/s (goal at
# -O0: at least 100,000), time per instruction relative to the smallest size
# (1.00: linear), CPU/wall (hyperfine's user + system over its mean: above 1
# only with more than one thread at work), and after the table the growth
# exponent and the stage split. -O2 of 200,000 instructions takes minutes.
bench_compile_speed() {
    local n=${N:-100000} runs=${RUNS_GIVEN:-3} src=$here/compile_speed goal=100000
    local cc s o i j id rc kib exe counted hello_n sizes=() words=() cpus
    local C_N=() C_OPT=() C_KIND=() C_OBJ=() C_SUM=()
    cpus=$(nproc 2> /dev/null || echo 1)
    begin_bench "compile_speed N=$n"
    if [ ! -x "$VMCC" ]; then
        echo "  $VMCC not found: build vmcc first (scripts/build.sh)" >&2; status=1; return
    fi
    if ! cc=$(c_compiler); then
        echo "  no C compiler: cannot build the module generator, compile_speed skipped" >&2
        status=1; return
    fi
    try_build cs_gen "$cc" -std=c17 -O2 -o cs_gen "$src/gen.c" || { status=1; return; }
    for s in $((n / 10)) $((n / 2)) "$n" $((2 * n)); do
        [ "$s" -ge 20 ] && [[ " ${sizes[*]} " != *" $s "* ]] && sizes+=("$s")
    done
    # Instructions: the generator's count, checked by counting the indented
    # lines that start with a mnemonic (labels and directives do not).
    for s in "${sizes[@]}"; do
        if ! (cd "$out" && ./cs_gen "$s" > "cs_$s.vmasm" 2> "cs_$s.gen.log"); then
            echo "  the generator failed for $s instructions: see bench/out/cs_$s.gen.log" >&2
            status=1; return
        fi
        counted=$(awk '/^    [a-z]/ { k++ } END { print k + 0 }' "$out/cs_$s.vmasm")
        if [ "$counted" != "$s" ]; then
            echo "  bench/out/cs_$s.vmasm has $counted instructions, not $s" >&2
            status=1; return
        fi
    done
    hello_n=$(awk '/^    [a-z]/ { k++ } END { print k + 0 }' "$root/examples/hello.vmasm")

    cs_row fixed "-O0 -c examples/hello.vmasm (fixed cost)" "$hello_n" 0 fixed "" \
        "$VMCC" -O0 -c "$root/examples/hello.vmasm" -o cs_hello.o
    # -j1: one thread; -jCPUS: the module in parts on every CPU (vmcc's
    # default), only for a machine with more than one
    for s in "${sizes[@]}"; do
        for o in 0 2; do
            cs_row "O${o}_$s" "-O$o -c -j1" "$s" "$o" size "cs_$s.O$o.o" \
                "$VMCC" "-O$o" -j1 -c "cs_$s.vmasm" -o "cs_$s.O$o.o"
            [ "$cpus" -gt 1 ] || continue
            cs_row "O${o}_${s}_j" "-O$o -c -j$cpus" "$s" "$o" par "cs_$s.O$o.j.o" \
                "$VMCC" "-O$o" "-j$cpus" -c "cs_$s.vmasm" -o "cs_$s.O$o.j.o"
        done
    done
    cs_row "vmbc_$n" "--emit=vmbc (read, verify, write)" "$n" 0 stage "" \
        "$VMCC" --emit=vmbc "cs_$n.vmasm" -o "cs_$n.vmbc"
    cs_row "ir_$n" "-O0 --emit=llvm-ir (+ lower, print IR)" "$n" 0 stage "" \
        "$VMCC" -O0 --emit=llvm-ir "cs_$n.vmasm" -o "cs_$n.ll"
    cs_row "vmbc_O0_$n" "-O0 -c -j1 of the .vmbc" "$n" 0 stage "cs_$n.vmbc.o" \
        "$VMCC" -O0 -j1 -c "cs_$n.vmbc" -o "cs_$n.vmbc.o"

    # Check: each row once (peak RSS), then link and run each object.
    echo "== compile_speed: checking (each compile once, objects linked and run)"
    for i in "${!R_ID[@]}"; do
        id=${R_ID[i]} rc=0
        eval "words=(${R_CMD[i]})"
        rm -f "$out/compile_speed.$id.rss"
        if [ -x /usr/bin/time ]; then
            (cd "$out" && /usr/bin/time -f '%M' -o "compile_speed.$id.rss" "${words[@]}") \
                > "$out/compile_speed.$id.out" 2> "$out/compile_speed.$id.err" || rc=$?
        else
            (cd "$out" && "${words[@]}") > "$out/compile_speed.$id.out" 2> "$out/compile_speed.$id.err" || rc=$?
        fi
        if [ "$rc" -ne 0 ]; then
            R_STATE[i]="FAILED (exit $rc), see bench/out/compile_speed.$id.err"; status=1; continue
        fi
        kib=$(tail -1 "$out/compile_speed.$id.rss" 2>/dev/null)
        [[ $kib =~ ^[0-9]+$ ]] && R_KIB[i]=$kib &&
            R_RSS[i]=$(awk -v k="$kib" 'BEGIN { printf "%.1f", k / 1024 }')
        [ -n "${C_OBJ[i]}" ] || continue
        exe=${C_OBJ[i]%.o}
        if ! (cd "$out" && "$VMCC" "${C_OBJ[i]}" -o "$exe") > "$out/compile_speed.$id.link.log" 2>&1; then
            R_STATE[i]="link FAILED, see bench/out/compile_speed.$id.link.log"; status=1; continue
        fi
        rc=0
        (cd "$out" && "./$exe") > "$out/compile_speed.$id.run" 2>&1 || rc=$?
        if [ "$rc" -ne 0 ] || ! grep -qxE 'checksum -?[0-9]+' "$out/compile_speed.$id.run"; then
            R_STATE[i]="program FAILED (exit $rc), see bench/out/compile_speed.$id.run"; status=1
            continue
        fi
        C_SUM[i]=$(cat "$out/compile_speed.$id.run")
        R_NOTE[i]=${C_SUM[i]}
    done
    # The same size must give the same checksum (the first row of a size is
    # the reference: -O0 from the text).
    for i in "${!R_ID[@]}"; do
        [ -n "${C_SUM[i]}" ] || continue
        for j in "${!R_ID[@]}"; do
            [[ $j -lt $i && -n ${C_SUM[j]} && ${C_N[j]} == "${C_N[i]}" ]] || continue
            if [ "${C_SUM[j]}" != "${C_SUM[i]}" ]; then
                R_STATE[i]="MISMATCH: '${C_SUM[i]}', ${R_LABEL[j]} gave '${C_SUM[j]}'"; status=1
            fi
            break
        done
    done

    time_rows compile_speed "compile_speed N=$n" "$runs" 0

    # Table.
    local md=$out/compile_speed.md t0="" first_O0="" first_O2="" med ips us lin goaltxt result cmdtxt
    for i in "${!R_ID[@]}"; do
        [ -n "${R_MEDIAN[i]}" ] || continue
        case ${C_KIND[i]} in
            fixed) t0=${R_MEDIAN[i]} ;;
            size) if [ "${C_OPT[i]}" = 0 ]; then first_O0=${first_O0:-$i}; else first_O2=${first_O2:-$i}; fi ;;
        esac
    done
    {
        echo "# compile_speed, N=$n (sizes ${sizes[*]})"
        echo
        machine_line
        echo "median of $runs runs, no warm-up (the check run before warms the file cache)$([ "$T_SHELL_NONE" = 1 ] && echo ', -N (no shell)');"
        echo "peak RSS from the check run. Objects linked and run: the checksum of each size is the same at"
        echo "-O0, -O2 and from the .vmbc. × linear: time per instruction ÷ that of the smallest size at"
        echo "the same -O (for a -jCPUS row: ÷ its speed-up over the -j1 row above it). CPU/wall: (user + system) ÷ wall time."
        echo
        echo "| what | instructions | median (s) | instructions/s | µs/instruction | × linear | goal | result | CPU/wall | peak RSS (MiB) | command |"
        echo "|---|--:|--:|--:|--:|--:|---|---|--:|--:|---|"
    } > "$md"
    printf '\n%-40s %8s %9s %9s %8s %8s %10s %6s %5s %8s  %s\n' what instr "median s" "instr/s" \
        "us/instr" "x linear" goal result CPU "RSS MiB" command
    for i in "${!R_ID[@]}"; do
        med="" ips="" us="" lin="" goaltxt="" result=""
        eval "words=(${R_CMD[i]})"; cmdtxt="${words[*]}"
        cmdtxt=${cmdtxt//"$VMCC"/vmcc}; cmdtxt=${cmdtxt//"$root"\//}
        if [[ ${C_KIND[i]} == size || ${C_KIND[i]} == par ]] && [ "${C_OPT[i]}" = 0 ]; then goaltxt="≥ $goal/s"; fi
        if [ -n "${R_MEDIAN[i]}" ]; then
            med=$(fmt_secs "${R_MEDIAN[i]}")
            if [ "${C_KIND[i]}" != fixed ]; then
                ips=$(awk -v n="${C_N[i]}" -v t="${R_MEDIAN[i]}" 'BEGIN { printf "%.0f", n / t }')
                us=$(awk -v n="${C_N[i]}" -v t="${R_MEDIAN[i]}" 'BEGIN { printf "%.1f", t / n * 1e6 }')
            fi
            j=""
            if [ "${C_KIND[i]}" = size ]; then
                if [ "${C_OPT[i]}" = 0 ]; then j=$first_O0; else j=$first_O2; fi
            fi
            if [ "${C_KIND[i]}" = par ]; then # the speed-up over the -j1 row before it
                lin=$(awk -v t="${R_MEDIAN[i]}" -v t1="${R_MEDIAN[i - 1]:-0}" \
                      'BEGIN { if (t1 > 0) printf "÷%.2f", t1 / t }')
            elif [ -n "$j" ]; then
                lin=$(awk -v n="${C_N[i]}" -v t="${R_MEDIAN[i]}" -v n1="${C_N[j]}" -v t1="${R_MEDIAN[j]}" \
                      'BEGIN { printf "%.2f", (t / n) / (t1 / n1) }')
            fi
            [ -n "$goaltxt" ] && result=$(awk -v r="$ips" -v g="$goal" 'BEGIN { print (r >= g) ? "PASS" : "MISS" }')
        fi
        printf '%-40s %8s %9s %9s %8s %8s %10s %6s %5s %8s  %s\n' "${R_LABEL[i]}" "${C_N[i]}" \
            "${med:--}" "${ips:--}" "${us:--}" "${lin:--}" "$([ -n "$goaltxt" ] && echo ">= $goal/s" || echo -)" \
            "${result:--}" "${R_CPU[i]:--}" "${R_RSS[i]:--}" \
            "$([ -n "${R_MEDIAN[i]}" ] && echo "$cmdtxt${R_NOTE[i]:+ (${R_NOTE[i]})}" || echo "${R_STATE[i]:-not timed}")"
        printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "${R_LABEL[i]}" "${C_N[i]}" \
            "${med:-${R_STATE[i]:-not timed}}" "${ips:-—}" "${us:-—}" "${lin:-—}" "${goaltxt:-—}" \
            "${result:-—}" "${R_CPU[i]:-—}" "${R_RSS[i]:-—}" \
            "\`$cmdtxt\`${R_NOTE[i]:+ (${R_NOTE[i]})}" >> "$md"
    done

    # Growth and stages, after the table.
    local lines=() first last ir_i="" vmbc_i="" vc_i="" c_i="" irsize
    for o in 0 2; do
        first="" last=""
        for i in "${!R_ID[@]}"; do
            [[ ${C_KIND[i]} == size && ${C_OPT[i]} == "$o" && -n ${R_MEDIAN[i]} ]] || continue
            first=${first:-$i} last=$i
        done
        [[ -n $first && $last != "$first" ]] || continue
        lines+=("$(awk -v o="$o" -v n1="${C_N[first]}" -v t1="${R_MEDIAN[first]}" -v n2="${C_N[last]}" \
                       -v t2="${R_MEDIAN[last]}" -v t0="$t0" '
            BEGIN {
                b = log(t2 / t1) / log(n2 / n1)
                s = sprintf("- -O%s: from %d to %d instructions (%g×) the time grows %.1f×: time ∝ n^%.2f",
                            o, n1, n2, n2 / n1, t2 / t1, b)
                if (t0 != "" && t1 > t0) {
                    b = log((t2 - t0) / (t1 - t0)) / log(n2 / n1)
                    s = s sprintf(", n^%.2f without the fixed cost (%.3f s)", b, t0)
                }
                print s ": " (b < 0.9 ? "less than linear (the fixed cost dominates)" : b <= 1.1 ? "linear" : \
                              b <= 1.25 ? "a little worse than linear" : "worse than linear") "."
            }')")
    done
    for i in "${!R_ID[@]}"; do
        [ -n "${R_MEDIAN[i]}" ] || continue
        case ${R_ID[i]} in
            "vmbc_$n") vmbc_i=$i ;;
            "ir_$n") ir_i=$i ;;
            "vmbc_O0_$n") vc_i=$i ;;
            "O0_$n") c_i=$i ;;
        esac
    done
    pct() { awk -v a="${R_MEDIAN[$1]}" -v c="${R_MEDIAN[$2]}" 'BEGIN { printf "%.0f", 100 * a / c }'; }
    if [ -n "$c_i" ] && [ -n "$vmbc_i" ]; then
        lines+=("- Stages at $n instructions, -O0: reading, parsing and verifying the text (and writing the .vmbc) take $(pct "$vmbc_i" "$c_i")% of \`-c\`.")
    fi
    if [ -n "$c_i" ] && [ -n "$ir_i" ]; then
        irsize=$(stat -c %s "$out/cs_$n.ll" 2>/dev/null || echo 0)
        lines+=("- Up to LLVM IR (--emit=llvm-ir: also lowering and printing $(awk -v s="$irsize" \
            'BEGIN { printf "%.1f", s / 1048576 }') MiB of IR text): $(pct "$ir_i" "$c_i")% of \`-c\`; the rest of \`-c\` is LLVM's code generation (instruction selection, register allocation, machine code, object file).")
    fi
    if [ -n "$c_i" ] && [ -n "$vc_i" ]; then
        lines+=("- \`-c\` of the binary module: $(pct "$vc_i" "$c_i")% of \`-c\` of the text.")
    fi
    local cpu_max
    cpu_max=$(printf '%s\n' "${R_CPU[@]}" | awk 'NF { if ($1 > m) m = $1 } END { printf "%.2f", m }')
    lines+=("- Highest CPU/wall: $cpu_max. With -j1 vmcc compiles a module as one LLVM module on one thread; with -j$cpus (its default) a module of at least 2 × 4,000 instructions is compiled in parts on up to $cpus threads and joined with cc -r (compiler/driver.c compile()). For a -j$cpus row, × linear is its speed-up over the -j1 row above it (÷).")
    { echo; printf '%s\n' "${lines[@]}"; } | tee -a "$md"
    rm -f "$out/cs_$n.ll"
    echo
    echo "Table: bench/out/compile_speed.md, raw: bench/out/compile_speed.json"
}

# hello: hello world's start-up (print one line, exit) and file size, with
# vmcc (examples/hello.vmasm, -O2) dynamic (the default) and static
# (vmcc --static)
# beside the peers of ../shared/bench-peers/startup: C (gcc -O2, dynamic and
# -static), Go (go build, static) and Crystal (--release, dynamic and
# --static). Ratios to C dynamic; goal for vmcc: ≤ 2× C. RUNS defaults to 300
# (20 warm-up runs). After the table: file size and stripped size (strip -o of
# a copy), hyperfine's mean ± σ and minimum, and the shared libraries loaded.
bench_hello() {
    local pdir=$peers/startup src=$here/hello cc st i bin c_i=""
    local RUNS=${RUNS_GIVEN:-300}
    DEFAULT_EXPECTED_N=""
    begin_bench "hello"

    st=$(vmcc_build "$root/examples/hello.vmasm" hello_vmcc)
    ROW_REF=$src/expected_vmcc.txt row vmcc "vmcc -O2" 2 "$st" ./hello_vmcc
    st=$(vmcc_build "$root/examples/hello.vmasm" hello_vmcc_static --static)
    ROW_REF=$src/expected_vmcc.txt row vmcc_static "vmcc -O2 --static" 2 "$st" ./hello_vmcc_static

    if have gcc; then cc=gcc; else cc=$(c_compiler) || cc=""; fi
    if [ -n "$cc" ]; then
        st=""; try_build hello_c "$cc" -O2 -o hello_c "$pdir/hello.c" || st="build failed"
        row c "C ($cc -O2)" - "$st" ./hello_c
        st=""; try_build hello_c_static "$cc" -O2 -static -o hello_c_static "$pdir/hello.c" || st="build failed"
        row c_static "C ($cc -O2 -static)" - "$st" ./hello_c_static
    else
        row c "C (gcc -O2)" - "skipped (tool missing)" ./hello_c
        row c_static "C (gcc -O2 -static)" - "skipped (tool missing)" ./hello_c_static
    fi
    peer_go hello_go "$pdir/hello.go"
    R_LABEL[${#R_LABEL[@]} - 1]="Go (static)"
    peer_crystal hello_cr "$pdir/hello.cr" 0
    R_LABEL[${#R_LABEL[@]} - 1]="Crystal --release"
    st=$(last_state)
    if [ -z "$st" ]; then
        try_build hello_cr_static crystal build --release --no-debug --static -o hello_cr_static \
            "$pdir/hello.cr" || st="build failed"
    fi
    row crystal_static "Crystal --release --static" - "$st" ./hello_cr_static

    RATIO_ROW=c WARMUP=20 SIZE_NOTE="(start-up: print one line and exit)" finish_bench hello "" "$pdir"

    # Sizes and libraries of the programs that were timed (not of a stale
    # binary left in bench/out by an earlier run).
    local B=() S=() L=()
    for i in "${!R_ID[@]}"; do
        B[i]="" S[i]="" L[i]=""
        [ "${R_ID[i]}" = c ] && c_i=$i
        bin=$out/${R_CMD[i]#./}
        [[ -n ${R_MEDIAN[i]} && -f $bin ]] || continue
        B[i]=$(stat -c %s "$bin")
        if have strip && strip -o "$bin.stripped" "$bin" 2>/dev/null; then
            S[i]=$(stat -c %s "$bin.stripped"); rm -f "$bin.stripped"
        fi
        if have readelf; then
            L[i]=$(readelf -d "$bin" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' |
                   sed 's/\.so.*//' | paste -sd, - | sed 's/,/, /g')
            L[i]=${L[i]:-none (static)}
        fi
    done
    {
        echo
        echo "File size (bytes; stripped: \`strip -o\` of a copy), start-up (hyperfine mean ± σ and minimum of"
        echo "$RUNS runs) and the shared libraries loaded; ratios to ${R_LABEL[${c_i:-0}]}:"
        echo
        echo "| program | file (bytes) | × C | stripped (bytes) | × C | mean ± σ (ms) | × C | min (ms) | shared libraries |"
        echo "|---|--:|--:|--:|--:|--:|--:|--:|---|"
        for i in "${!R_ID[@]}"; do
            awk -v l="${R_LABEL[i]}" -v b="${B[i]}" -v s="${S[i]}" -v m="${R_MEAN[i]}" \
                -v sd="${R_SD[i]}" -v mn="${R_MIN[i]}" -v st="${R_STATE[i]}" -v libs="${L[i]}" \
                -v cb="${c_i:+${B[c_i]}}" -v cs="${c_i:+${S[c_i]}}" -v cm="${c_i:+${R_MEAN[c_i]}}" '
                function r(a, c) { return (a != "" && c != "" && c > 0) ? sprintf("%.2f", a / c) : "—" }
                function v(a) { return a != "" ? a : "—" }
                BEGIN {
                    ms = (m != "") ? sprintf("%.2f ± %.2f", m * 1000, sd * 1000) : (st != "" ? st : "—")
                    printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", l, v(b), r(b, cb), v(s),
                        r(s, cs), ms, r(m, cm), (mn != "" ? sprintf("%.2f", mn * 1000) : "—"), v(libs)
                }'
        done
    } | tee -a "$out/hello.md"
}

for b in "${selected[@]}"; do
    "bench_$b"
done
exit $status
