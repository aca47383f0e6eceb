#!/usr/bin/env bash
# Checks that every wordfreq implementation computes the same thing.
#
#   bench/wordfreq/check.sh       build, then run the checks below
#   bench/wordfreq/check.sh -u    also (re)write expected_1.txt, expected_8.txt
#                                 from the C output once all programs agree
#
# 1. On the 1 MiB and 8 MiB texts from gen: every program's output equals
#    expected_<N>.txt, and the full listings (TOP = 0) are identical.
# 2. Probe: gen -p writes one line "u<hex>u<c>u" per Unicode scalar value c;
#    the full listings show, per code point, whether it is a word character
#    and what it folds to. Splitting and folding are per code point in every
#    implementation, so programs that agree on each code point of gen's
#    alphabet (gen -a) agree on every text gen writes. Disagreements outside
#    the alphabet (the implementations carry different Unicode versions) are
#    counted, not failed.
#
# Programs: C (cc/clang + utf8proc), Go, Erlang, and vmcc when
# wordfreq.vmasm exists and vmcc is built (VMCC, default build/bin/vmcc).
# Work files go to bench/out/wordfreq-check/.
set -euo pipefail
export LC_ALL=C

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$root/bench/out/wordfreq-check
VMCC=${VMCC:-$root/build/bin/vmcc}
update=0
[ "${1:-}" = -u ] && update=1
mkdir -p "$work"
cd "$work"

have() { command -v "$1" > /dev/null 2>&1; }
cc=cc
for c in clang-19 clang cc; do have "$c" && { cc=$c; break; }; done

names=() cmds=()
add() { names+=("$1"); shift; cmds+=("$*"); }

echo "building in bench/out/wordfreq-check/"
"$cc" -std=c17 -O2 -Wall -Wextra -o gen "$here/gen.c"
"$cc" -std=c17 -O2 -Wall -Wextra -o wordfreq_c "$here/wordfreq.c" -lutf8proc
add c ./wordfreq_c
if have go; then
    go build -o wordfreq_go "$here/wordfreq.go"
    add go ./wordfreq_go
else
    echo "  go missing: Go skipped"
fi
if have erlc && have erl; then
    erlc -o . "$here/wordfreq.erl"
    add erlang erl -noshell -pa . -run wordfreq main
else
    echo "  erlc/erl missing: Erlang skipped"
fi
if [ -f "$here/wordfreq.vmasm" ]; then
    if [ -x "$VMCC" ]; then
        "$VMCC" -O2 "$here/wordfreq.vmasm" -o wordfreq_vmcc
        add vmcc ./wordfreq_vmcc
    else
        echo "  $VMCC not built: vmcc skipped"
    fi
fi

fail=0
bad() { echo "FAIL: $*"; fail=1; }

# run I FILE [TOP] > out
run() { local i=$1; shift; eval "${cmds[i]} \"\$@\""; }

for n in 1 8; do
    ./gen "$n" > "text_$n.txt"
    for i in "${!names[@]}"; do
        run "$i" "text_$n.txt" > "$n.${names[i]}.out"
        run "$i" "text_$n.txt" 0 > "$n.${names[i]}.all"
        if [ "$i" -gt 0 ] && ! cmp -s "$n.${names[i]}.all" "$n.c.all"; then
            bad "${names[i]}: full listing of the $n MiB text differs from C's"
        fi
    done
    if [ "$update" = 1 ] && [ "$fail" = 0 ]; then
        cp "$n.c.out" "$here/expected_$n.txt"
        echo "wrote expected_$n.txt"
    fi
    for i in "${!names[@]}"; do
        if cmp -s "$n.${names[i]}.out" "$here/expected_$n.txt"; then
            echo "ok   ${names[i]}: $n MiB text, output = expected_$n.txt"
        else
            bad "${names[i]}: $n MiB text, output differs from expected_$n.txt"
        fi
    done
done

./gen -a | sort > alphabet.txt
./gen -p > probe.txt
for i in "${!names[@]}"; do
    # drop the words/distinct lines and the count of "u" (non-word code points)
    run "$i" probe.txt 0 | tail -n +3 | grep -v '^[0-9]* u$' | sort > "probe.${names[i]}.all"
done
for i in "${!names[@]}"; do
    [ "$i" -gt 0 ] || continue
    # code points whose lines differ: the hex tag after the count
    comm -3 probe.c.all "probe.${names[i]}.all" | sed 's/^\t//; s/^[0-9]* u\([0-9a-f]*\)u.*/\1/' \
        | sort -u > "probe.${names[i]}.diff"
    inside=$(comm -12 alphabet.txt "probe.${names[i]}.diff" | wc -l)
    outside=$(wc -l < "probe.${names[i]}.diff")
    if [ "$inside" -eq 0 ]; then
        echo "ok   ${names[i]}: agrees with C on all $(wc -l < alphabet.txt) code points of gen's alphabet" \
             "(differs on $outside others, see bench/out/wordfreq-check/probe.${names[i]}.diff)"
    else
        bad "${names[i]}: differs from C on $inside code points of gen's alphabet" \
            "(bench/out/wordfreq-check/probe.${names[i]}.diff)"
    fi
done

[ "$fail" = 0 ] && echo "all wordfreq checks passed"
exit "$fail"
