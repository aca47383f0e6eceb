#!/usr/bin/env bash
# Negative tests: bad input must be refused with an exact diagnostic, exit
# status 1, nothing on stdout and no output or temporary file left behind.
#
#   tests/neg/NAME.vmasm   text case, run from the repo root as
#                            vmcc tests/neg/NAME.vmasm -o $tmp/out [extra inputs]
#   tests/neg/NAME.hex     binary case: hex bytes, whitespace-separated, '#'
#                          comments to end of line; written to $tmp/NAME.vmbc
#                          and run inside $tmp as  vmcc NAME.vmbc -o out
#   tests/neg/NAME.expect  the exact expected stderr
#   tests/neg/NAME.args    optional: extra inputs (paths relative to the repo
#                          root, whitespace-separated, '#' comments) appended
#                          to the command line
#
# Every case file starts with a one-line comment saying what it checks.
#
# Usage: tests/run_neg.sh [build-dir] [filter]
set -uo pipefail
. "$(dirname "$0")/lib.sh" negative "$@"
neg="$root/tests/neg"

# hex_to_bin FILE.hex OUT: the bytes a .hex file spells. Pure bash.
hex_to_bin() {
    local line tok esc=""
    while IFS= read -r line || [ -n "$line" ]; do
        line=${line%%#*}
        for tok in $line; do
            if [[ ! $tok =~ ^[0-9a-fA-F]{2}$ ]]; then
                echo "bad hex byte '$tok' in $1"
                return 1
            fi
            esc+="\\x$tok"
        done
    done < "$1"
    printf "$esc" > "$2"
}

# extra_inputs NAME: the extra inputs listed in NAME.args, one per line.
extra_inputs() {
    local line tok
    [ -f "$neg/$1.args" ] || return 0
    while IFS= read -r line || [ -n "$line" ]; do
        line=${line%%#*}
        for tok in $line; do printf '%s\n' "$tok"; done
    done < "$neg/$1.args"
}

fail_case() { # name reason [file to show]
    echo "FAIL $1: $2"
    if [ $# -gt 2 ]; then sed 's/^/    /' "$3" | head -30; fi
}

# check NAME FILE: run one case; true if it passes.
check() {
    local name=$1 file=$2 tmp="$work/$1"
    local expect="$neg/$name.expect"
    mkdir -p "$tmp"
    if ! head -n 1 "$file" | grep -qE '^[[:space:]]*[;#] *[^[:space:]]'; then
        fail_case "$name" "the file does not start with a comment saying what it checks"
        return 1
    fi
    if [ ! -f "$expect" ]; then
        fail_case "$name" "no $name.expect"
        return 1
    fi
    local rc=0 extras=()
    mapfile -t extras < <(extra_inputs "$name")
    case $file in
        *.vmasm)
            (cd "$root" && TMPDIR="$tmp" timeout 60 "$vmcc" "tests/neg/$name.vmasm" -o "$tmp/out" \
                "${extras[@]}" > "$work/$name.stdout" 2> "$work/$name.stderr") || rc=$?
            ;;
        *.hex)
            hex_to_bin "$file" "$tmp/$name.vmbc" > "$work/$name.stderr" || {
                fail_case "$name" "cannot convert the hex" "$work/$name.stderr"
                return 1
            }
            (cd "$tmp" && TMPDIR="$tmp" timeout 60 "$vmcc" "$name.vmbc" -o out \
                "${extras[@]/#/$root/}" > "$work/$name.stdout" 2> "$work/$name.stderr") || rc=$?
            ;;
    esac
    local ok=1
    if [ "$rc" -ne 1 ]; then
        case $rc in
            124) fail_case "$name" "timed out" ;;
            0) fail_case "$name" "vmcc accepted the input (exit 0)" ;;
            *) fail_case "$name" "exit status $rc, expected 1" "$work/$name.stderr" ;;
        esac
        ok=0
    fi
    if ! cmp -s "$expect" "$work/$name.stderr"; then
        fail_case "$name" "stderr differs from $name.expect (diff expected actual)"
        diff "$expect" "$work/$name.stderr" | head -30 | sed 's/^/    /'
        ok=0
    fi
    if [ -s "$work/$name.stdout" ]; then
        fail_case "$name" "vmcc wrote to stdout" "$work/$name.stdout"
        ok=0
    fi
    local left
    left=$(cd "$tmp" && find . -mindepth 1 ! -name "$name.vmbc" | sed 's|^\./||' | sort | tr '\n' ' ')
    left=${left% }
    if [ -n "$left" ]; then
        fail_case "$name" "files left behind: $left"
        ok=0
    fi
    [ $ok = 1 ]
}

shopt -s nullglob
names=()
for file in "$neg"/*.vmasm "$neg"/*.hex; do
    name=$(basename "$file")
    name=${name%.*}
    [ -n "$filter" ] && [[ "$name" != *"$filter"* ]] && continue
    names+=("$name")
    if check "$name" "$file"; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
done
# An .expect or .args with no case, or a name used twice, is a mistake too.
for file in "$neg"/*.expect "$neg"/*.args; do
    name=$(basename "$file")
    name=${name%.*}
    [ -n "$filter" ] && [[ "$name" != *"$filter"* ]] && continue
    if [ ! -f "$neg/$name.vmasm" ] && [ ! -f "$neg/$name.hex" ]; then
        echo "FAIL $name: $(basename "$file") has no $name.vmasm or $name.hex"
        fail=$((fail + 1))
    fi
done
for name in $(printf '%s\n' "${names[@]}" | sort | uniq -d); do
    echo "FAIL $name: both $name.vmasm and $name.hex exist"
    fail=$((fail + 1))
done
echo "negative: $pass passed, $fail failed"
[ $fail -eq 0 ]
