#!/usr/bin/env bash
# The programs in examples/, built at each -O level and run as a user would:
# their output checked exactly; wc against GNU wc on the same files, in the
# C locale and in C.UTF-8, missing files and all; echo_server with 1,000
# concurrent connections and a clean stop on SIGTERM.
#
# Usage: tests/run_examples.sh [build-dir] [filter]
#   OPT_LEVELS="0 2"   the -O levels (default 0 and 2)
#   TARGET=aarch64     cross-compile and run under qemu-user (as run_e2e.sh)
set -uo pipefail
. "$(dirname "$0")/lib.sh" examples "$@"
ex="$root/examples"
levels=${OPT_LEVELS:-"0 2"}
flags=() runner=()
if [ -n "${TARGET:-}" ]; then
    flags+=(--target "$TARGET")
    set_runner "$TARGET" || { echo "run_examples.sh: no runner known for TARGET=$TARGET"; exit 1; }
fi

ok() { pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }

# build NAME OPT [FLAGS...]: $work/NAME.O<OPT> from examples/NAME.vmasm
build() {
    local name=$1 opt=$2
    shift 2
    if ! "$vmcc" -O"$opt" "${flags[@]}" "$ex/$name.vmasm" "$@" -o "$work/$name.O$opt" \
        2> "$work/vmcc.err"; then
        bad "$name -O$opt: vmcc failed"
        sed 's/^/    /' "$work/vmcc.err" | head -10
        return 1
    fi
}

# expect NAME OPT WANT [ARGS...]: the program prints exactly WANT, exit 0
expect() {
    local name=$1 opt=$2 want=$3 got rc=0
    shift 3
    got=$(timeout 120 "${runner[@]}" "$work/$name.O$opt" "$@" 2> "$work/err") || rc=$?
    if [ "$rc" -ne 0 ] || [ "$got" != "$want" ] || [ -s "$work/err" ]; then
        bad "$name -O$opt $*: exit $rc"
        diff <(printf '%s\n' "$want") <(printf '%s\n' "$got") | sed 's/^/    /' | head -10
        sed 's/^/    stderr: /' "$work/err" | head -5
        return 1
    fi
    ok
}

selected() { [ -z "$filter" ] || [[ $1 == *$filter* ]]; }

# ---- wc: the same files through GNU wc and through examples/wc.vmasm ----

# wc_inputs DIR: text, UTF-8 with no-break and wide spaces, control bytes,
# bytes that are no UTF-8 (cut sequences too), 300 KB of pseudo-random
# bytes (so characters straddle the program's 64 KiB reads), an empty file
# and a directory
wc_inputs() {
    local d=$1
    mkdir -p "$d/sub"
    printf 'one two  three\nfour\tfive\n\n  six\n' > "$d/text.txt"
    printf 'no newline at the end' > "$d/noeol"
    : > "$d/empty"
    printf 'héllo wörld 日本語\n\xc2\xa0x\xc2\xa0y\xe2\x80\x83z \xe2\x80\xafw\n' > "$d/utf8.txt"
    printf '\x01\x02 a\x01b \x7f\n\xff\xfe x\xe6\x97 \xe6\x97\xa5 \xf0\x9f\x98\n' > "$d/bytes.bin"
    LC_ALL=C awk 'BEGIN { srand(7); for (i = 0; i < 300000; i++) printf "%c", int(rand() * 256) }' \
        > "$d/random.bin"
    LC_ALL=C awk 'BEGIN { srand(11); n = split("日本|é|x|\xc2\xa0|\n|\t|\x01|\xff|abc| ", w, "|");
        for (i = 0; i < 60000; i++) printf "%s", w[int(rand() * n) + 1] }' \
        > "$d/mixed.txt"
}

# wc_case OPT LOCALE ARGS...: stdout, stderr and exit status as GNU wc's
wc_case() {
    local opt=$1 loc=$2 rc1=0 rc2=0
    shift 2
    (cd "$work/wc" && LC_ALL=$loc timeout 120 "${runner[@]}" "$work/wc.O$opt" "$@") \
        > "$work/wc1.out" 2> "$work/wc1.err" || rc1=$?
    (cd "$work/wc" && LC_ALL=$loc wc -l -w -c "$@") > "$work/wc2.out" 2> "$work/wc2.err" || rc2=$?
    if [ $rc1 -ne $rc2 ] || ! cmp -s "$work/wc1.out" "$work/wc2.out" \
        || ! cmp -s "$work/wc1.err" "$work/wc2.err"; then
        bad "wc -O$opt LC_ALL=$loc $*: exit $rc1 (GNU wc: $rc2)"
        diff "$work/wc2.out" "$work/wc1.out" | sed 's/^/    /' | head -10
        diff "$work/wc2.err" "$work/wc1.err" | sed 's/^/    /' | head -6
        return 1
    fi
    ok
}

t_wc() {
    local opt=$1 loc locales=(C)
    locale -a 2> /dev/null | grep -qix 'c.utf-\{0,1\}8' && locales+=(C.UTF-8)
    [ -d "$work/wc" ] || wc_inputs "$work/wc"
    build wc "$opt" || return
    for loc in "${locales[@]}"; do
        wc_case "$opt" "$loc" text.txt
        wc_case "$opt" "$loc" text.txt noeol empty utf8.txt bytes.bin random.bin mixed.txt
        wc_case "$opt" "$loc" missing text.txt          # named on stderr, exit 1
        wc_case "$opt" "$loc" text.txt missing utf8.txt
        wc_case "$opt" "$loc" sub utf8.txt /dev/null    # a directory; not regular
    done
    POSIXLY_CORRECT=1 wc_case "$opt" C.UTF-8 utf8.txt mixed.txt
    # no argument: usage on stderr, exit 2
    local rc=0
    timeout 60 "${runner[@]}" "$work/wc.O$opt" > "$work/out" 2> "$work/err" || rc=$?
    if [ $rc -eq 2 ] && [ ! -s "$work/out" ] && grep -q '^usage: wc FILE' "$work/err"; then ok; else
        bad "wc -O$opt without arguments: exit $rc"
    fi
}

# ---- the others ----

t_hello() {
    build hello "$1" && expect hello "$1" 'Hello, world! ¡Hola, mundo! 你好，世界！'
}

t_fib() {
    build fib "$1" && expect fib "$1" 6765 20
    build fib_dyn "$1" && expect fib_dyn "$1" 6765 20
}

t_ffi() {
    build ffi "$1" -lm && expect ffi "$1" 'strlen("héllo") = 6
cbrt(27.0) = 3
qsort: 1 2 3 5 8'
}

# cpu_ticks PID: user + system time of a process so far, in clock ticks
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# echo_server: 1,000 connections at once through bench/echo/client.c, 20
# round trips each; idle, it uses no CPU; SIGTERM stops it (exit 0).
t_echo() {
    local opt=$1 client="$work/echo_client" port pid rc=0 before after
    if [ ! -x "$client" ] && ! cc -std=c17 -O2 -o "$client" "$root/bench/echo/client.c" \
        2> "$work/cc.err"; then
        bad "echo: cannot build bench/echo/client.c"; sed 's/^/    /' "$work/cc.err"; return 1
    fi
    build echo_server "$opt" || return
    port=$("$client" --free-port) || { bad "echo: no free port"; return 1; }
    "${runner[@]}" "$work/echo_server.O$opt" "$port" > "$work/echo.out" 2> "$work/echo.err" &
    pid=$!
    if ! "$client" --wait "$port" 30000 > /dev/null; then
        bad "echo_server -O$opt: never accepted on port $port"; kill -9 $pid; wait $pid; return 1
    fi
    if ! timeout 120 "$client" "$port" 1000 20 > "$work/client.out" 2>&1 \
        || ! grep -qx 'round_trips 20000' "$work/client.out"; then
        bad "echo_server -O$opt: 1000 connections x 20 round trips failed"
        sed 's/^/    /' "$work/client.out" | head -10
        kill -9 $pid; wait $pid; return 1
    fi
    ok
    # idle: all connections closed, nothing to do for a second
    if [ ${#runner[@]} -eq 0 ]; then
        before=$(cpu_ticks $pid)
        sleep 1
        after=$(cpu_ticks $pid)
        if [ $((after - before)) -le 2 ]; then ok; else
            bad "echo_server -O$opt: $((after - before)) ticks of CPU in an idle second"
        fi
    fi
    kill -TERM $pid
    wait $pid || rc=$?
    if [ $rc -eq 0 ] && grep -qx "echo_server: listening on 127.0.0.1:$port" "$work/echo.out" \
        && grep -qx 'echo_server: stopped' "$work/echo.out" && [ ! -s "$work/echo.err" ]; then ok; else
        bad "echo_server -O$opt: SIGTERM: exit $rc"
        sed 's/^/    /' "$work/echo.out" "$work/echo.err" | head -10
    fi
}

for opt in $levels; do
    for t in hello fib ffi wc echo; do
        selected "$t" && "t_$t" "$opt"
    done
done

echo "examples: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
