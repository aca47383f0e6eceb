#!/usr/bin/env bash
# Malformed runtime configuration and DI bindings (docs/config.md, docs/di.md):
# mutated copies of valid configuration files are given to the programs that
# use them. A program started with a bad file must either run as with the
# original (the mutation was harmless) or stop with status 1 and a message
# on stderr; never crash, hang or print a partial run.
#
# The bases are tests/config_fuzz/full.conf (every runtime setting and a
# profile, with examples/hello.vmasm) and the valid e2e configurations with
# their programs. Mutations, from a seeded generator: a byte flipped, a span
# deleted or duplicated, a line repeated, a token of the grammar inserted.
#
# Usage: tests/run_config_fuzz.sh [build-dir] [-n MUTANTS_PER_BASE] [-s SEED]
set -uo pipefail
. "$(dirname "$0")/lib.sh" "config fuzz" "${1:-}"
shift || true
count=150 seed=1
while [ $# -gt 0 ]; do
    case $1 in
        -n) count=$2; shift 2 ;;
        -s) seed=$2; shift 2 ;;
        *) echo "usage: $0 [build-dir] [-n MUTANTS_PER_BASE] [-s SEED]"; exit 2 ;;
    esac
done
e2e="$root/tests/e2e"

# program NAME VMASM: compiles a base's program (with its ;! with modules)
# into $work/NAME; its expected status from ;! exit.
program() {
    local withs=() line
    while IFS= read -r line; do
        withs+=("$e2e/${line#;! with }")
    done < <(grep '^;! with ' "$2")
    "$vmcc" -O0 "$2" "${withs[@]}" -o "$work/$1" 2> "$work/cc.err" || {
        echo "FAIL $1: does not compile"; sed 's/^/    /' "$work/cc.err"; return 1
    }
}

# mutate BASE OUTDIR: writes $count mutants of BASE as OUTDIR/N.conf.
mutate() {
    perl - "$1" "$2" "$count" "$seed" <<'PERL'
use strict; use warnings;
my ($base, $dir, $n, $seed) = @ARGV;
open my $f, '<:raw', $base or die "$base: $!"; local $/; my $d = <$f>; close $f;
my @tok = ('=', ';', ':', ',', '{', '}', '(', ')', '[', ']', '"', '#', '//', '/*',
    "\n", ' ', '0', '-1', '1e999', '0x7fffffffffffffff', '99999999999999999999',
    '"9999999999999G"', '"-1M"', '""', 'true', 'false', 'L', '"\\u0000"', "\x00",
    "\xff", "\xc3\x28", 'scheduler', 'gc', 'main', 'di', 'profile', 'profiles',
    'workers', 'stack_size', 'provider', 'scope', 'env', 'default', 'value',
    '"program"', '"process"', '"di_db.connect"', '"x.y"', 'a = { b = { c = 1; }; };',
    '@include "missing.conf"', 'x' x 300);
my $s = ($seed * 2654435761 + 1) & 0xffffffff;   # xorshift32: the same everywhere
sub rnd { $s ^= ($s << 13) & 0xffffffff; $s ^= $s >> 17;
          $s ^= ($s << 5) & 0xffffffff; return $s % $_[0]; }
rnd(2) for 1 .. 8;
for my $i (1 .. $n) {
    my $m = $d;
    for (0 .. rnd(3)) {
        my $len = length $m; last unless $len;
        my $at = rnd($len); my $k = rnd(5);
        if ($k == 0) { substr($m, $at, 1) = chr(ord(substr($m, $at, 1)) ^ (1 << rnd(8))); }
        elsif ($k == 1) { substr($m, $at, 1 + rnd(12)) = ''; }
        elsif ($k == 2) { my $sp = substr($m, $at, 1 + rnd(24)); substr($m, $at, 0) = $sp; }
        elsif ($k == 3) { my @l = split /\n/, $m; my $j = rnd(scalar @l);
                          splice @l, $j, 0, $l[$j]; $m = join("\n", @l) . "\n"; }
        else { substr($m, $at, 0) = $tok[rnd(scalar @tok)]; }
    }
    open my $o, '>:raw', "$dir/$i.conf" or die; print $o $m; close $o;
}
PERL
}

# fuzz NAME EXE BASE_CONF WANT_EXIT: every mutant of BASE_CONF, with the
# environment in envs (the base's ;! env lines).
fuzz() {
    local name=$1 exe=$2 conf=$3 want=$4 i rc bad=0 rejected=0 ran=0
    local dir="$work/$name.m"
    mkdir -p "$dir"
    mutate "$conf" "$dir" || { echo "FAIL $name: mutation failed"; fail=$((fail + 1)); return; }
    # the original first: the reference output
    (cd "$e2e" && env "${envs[@]}" VMRT_CONFIG="$conf" timeout 20 "$exe" > "$work/ref.out" 2> /dev/null)
    rc=$?
    if [ "$rc" -ne "$want" ]; then
        echo "FAIL $name: the unmutated configuration exits $rc, expected $want"
        fail=$((fail + 1)); return
    fi
    for ((i = 1; i <= count; i++)); do
        (cd "$e2e" && env "${envs[@]}" VMRT_CONFIG="$dir/$i.conf" timeout 20 "$exe" > "$work/out" 2> "$work/err")
        rc=$?
        if [ "$rc" -eq 1 ] && [ -s "$work/err" ]; then
            rejected=$((rejected + 1))
            # a configuration error stops the program before main runs
            if grep -q "^vmrt: .*$i.conf" "$work/err" && [ -s "$work/out" ]; then
                echo "FAIL $name mutant $i: main ran despite a configuration error"; bad=1
            fi
        elif [ "$rc" -eq "$want" ]; then
            ran=$((ran + 1)) # a harmless mutation (a changed value, a comment)
        else
            echo "FAIL $name mutant $i (seed $seed): exit $rc"
            sed 's/^/    stderr: /' "$work/err" | head -5
            mkdir -p "$build/config_fuzz"
            cp "$dir/$i.conf" "$build/config_fuzz/$name.$seed.$i.conf"
            echo "    kept as $build/config_fuzz/$name.$seed.$i.conf"
            bad=1
        fi
    done
    echo "$name: $count mutants: $rejected rejected with a message, $ran ran"
    if [ "$bad" -eq 0 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
}

envs=()
program hello "$root/examples/hello.vmasm" \
    && fuzz full "$work/hello" "$root/tests/config_fuzz/full.conf" 0
for t in di_literals di_providers di_profile di_process_scope di_env; do
    program "$t" "$e2e/$t.vmasm" || { fail=$((fail + 1)); continue; }
    envs=()
    while IFS= read -r line; do envs+=("${line#;! env }"); done < <(grep '^;! env ' "$e2e/$t.vmasm")
    want=$(sed -n 's/^;! exit //p' "$e2e/$t.vmasm")
    fuzz "$t" "$work/$t" "$e2e/$t.conf" "${want:-0}"
done

echo "config fuzz: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
