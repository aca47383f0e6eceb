#!/usr/bin/env bash
# Checks that the runtime's dependencies run one way (docs/runtime.md): a
# file may include the headers of its own folder and of the folders below
# it, and may name (call, take the address of) the rt_* and vm_* functions
# they define, never those of a folder above it. Prints one line per
# violation, then "layers: N passed, M failed" (N: files checked).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root/runtime"
layers=(platform gc core builtins sched proc chan task sup di io dist start)

rank() {
    local i
    for i in "${!layers[@]}"; do [ "${layers[$i]}" = "$1" ] && { echo "$i"; return; }; done
    echo -1
}

files=$(find . -name '*.[chS]' | sed 's|^\./||' | sort)
bad=0 n=0
for f in $files; do
    dir=${f%%/*}
    if [ "$(rank "$dir")" -lt 0 ]; then
        echo "layers: $f is in a folder that is not a layer (scripts/check_layers.sh lists them)"
        bad=$((bad + 1))
    fi
done

# The file without its comments (names in prose are not dependencies).
code() {
    awk '{
        out = ""; line = $0
        while (length(line)) {
            if (inc) { e = index(line, "*/"); if (!e) { line = ""; break }
                       line = substr(line, e + 2); inc = 0; continue }
            s = index(line, "/*")
            if (!s) { out = out line; break }
            out = out substr(line, 1, s - 1); line = substr(line, s + 2); inc = 1
        }
        print out
    }' "$1"
}

# Where each rt_/vm_ function is defined: "name folder" lines.
defs=$(for f in $files; do
    case $f in *.c) ;; *) continue ;; esac
    grep -oE '^[A-Za-z_][A-Za-z0-9_ *]*[ *](rt|vm)_[A-Za-z0-9_]+\(' "$f" \
        | grep -oE '(rt|vm)_[A-Za-z0-9_]+\($' | tr -d '(' | sed "s|\$| ${f%%/*}|"
done | sort -u)

for f in $files; do
    n=$((n + 1))
    dir=${f%%/*}
    r=$(rank "$dir")
    for inc in $(grep -oE '^#include "[a-z_]+/' "$f" | sed -E 's/#include "//; s|/$||'); do
        [ "$inc" = abi ] && continue
        ri=$(rank "$inc")
        if [ "$ri" -lt 0 ] || [ "$ri" -gt "$r" ]; then
            echo "layers: $f ($dir) includes $inc/, a layer above it"
            bad=$((bad + 1))
        fi
    done
    used=$(code "$f" | grep -oE '\b(rt|vm)_[A-Za-z0-9_]+\b' | sort -u)
    for name in $used; do
        owner=$(awk -v n="$name" '$1 == n { print $2; exit }' <<< "$defs")
        [ -z "$owner" ] && continue
        if [ "$(rank "$owner")" -gt "$r" ]; then
            echo "layers: $f ($dir) uses $name, defined in $owner/, a layer above it"
            bad=$((bad + 1))
        fi
    done
done
echo "layers: $((n - bad)) passed, $bad failed"
[ "$bad" -eq 0 ]
