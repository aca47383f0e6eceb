#!/usr/bin/env bash
# CLI tests: the vmcc driver's flags, outputs and failure modes. Each case is
# a function t_NAME below, run in a subshell inside its own empty directory
# with TMPDIR pointing at its own empty scratch directory; it returns 0 if it
# passes. After every case the scratch directory must be empty again.
#
# Usage: tests/run_cli.sh [build-dir] [filter]
set -uo pipefail
. "$(dirname "$0")/lib.sh" cli "$@"
ex="$root/examples"

# The ELF machine number (e_machine) of each target.
declare -A elf_machine=([x86_64-linux-gnu]=62 [aarch64-linux-gnu]=183 [riscv64-linux-gnu]=243)

# ---- helpers (used inside a case: $name, $out, $err, $rc are the case's) ----

bad() { # reason: report a failure with the last command's output
    echo "FAIL $name: $*"
    if [ -s "$err" ]; then sed 's/^/    stderr: /' "$err" | head -15; fi
    if [ -s "$out" ]; then sed 's/^/    stdout: /' "$out" | head -5; fi
    return 1
}

vm() { # ARGS...: run vmcc; stdout to $out, stderr to $err, status in $rc
    rc=0
    timeout 120 "$vmcc" "$@" > "$out" 2> "$err" || rc=$?
}

run_exe() { # EXE ARGS...: run a compiled program, like vm
    rc=0
    timeout 60 "$@" > "$out" 2> "$err" || rc=$?
}

want_rc() { # N [what]
    [ "$rc" -eq "$1" ] || bad "${2:-vmcc} exited with $rc, expected $1"
}

want_err() { # TEXT: stderr is exactly TEXT (plus a newline)
    cmp -s "$err" <(printf '%s\n' "$1") || {
        bad "stderr differs"
        diff <(printf '%s\n' "$1") "$err" | sed 's/^/    /' | head -10
        return 1
    }
}

want_err_has() { # TEXT: stderr contains TEXT
    grep -qF -- "$1" "$err" || bad "stderr lacks: $1"
}

want_out_has() { # TEXT: stdout contains TEXT
    grep -qF -- "$1" "$out" || bad "stdout lacks: $1"
}

want_out() { # TEXT: stdout is exactly TEXT (plus a newline)
    cmp -s "$out" <(printf '%s\n' "$1") || {
        bad "stdout differs"
        diff <(printf '%s\n' "$1") "$out" | sed 's/^/    /' | head -10
        return 1
    }
}

want_no_out() { [ ! -s "$out" ] || bad "unexpected output on stdout"; }

want_files() { # NAME...: the current directory holds exactly these files
    local want have
    want=$(printf '%s\n' "$@" | sort)
    have=$(find . -mindepth 1 -maxdepth 1 | sed 's|^\./||' | sort)
    [ "$want" = "$have" ] || bad "files here: $(echo $have), expected: $(echo $want)"
}

host_target() { # the target vmcc calls the host, from --print-targets
    "$vmcc" --print-targets | awk '/\(host\)/ {print $1}'
}

elf_machine_of() { # FILE: e_machine, little-endian u16 at offset 18
    od -An -tu2 -j18 -N2 "$1" | tr -d ' '
}

is_elf() { [ "$(od -An -c -N4 "$1" | tr -d ' ')" = '177ELF' ]; }

# ---- cases ----

# --help: exit 0, the usage on stdout, nothing on stderr.
t_help() {
    vm --help
    want_rc 0 && want_out_has "usage: vmcc [options] file..." && want_out_has "--emit=KIND" || return 1
    [ ! -s "$err" ] || bad "stderr is not empty"
}

# --version: exit 0, one line naming vmcc, the module format and LLVM.
t_version() {
    vm --version
    want_rc 0 || return 1
    [ "$(wc -l < "$out")" -eq 1 ] || bad "--version printed more than one line" || return 1
    grep -qE '^vmcc [0-9]+\.[0-9]+\.[0-9]+ \(module format 2, runtime ABI [0-9]+, LLVM [0-9.]+\)$' \
        "$out" || bad "unexpected --version output"
}

# No input files: exit 1 with a message pointing at --help.
t_no_inputs() {
    vm
    want_rc 1 && want_no_out && want_err "vmcc: error: no input files
(see vmcc --help)"
}

# An unknown option is named in the message.
t_unknown_option() {
    vm --frobnicate "$ex/hello.vmasm"
    want_rc 1 && want_no_out && want_err "vmcc: error: unknown option '--frobnicate'
(see vmcc --help)" && want_files
}

# -j and --part-min take a positive number; anything else is refused.
t_bad_jobs() {
    local a
    for a in -j0 "-j x" --jobs=300 --jobs= -j; do
        vm $a "$ex/hello.vmasm"
        want_rc 1 "vmcc $a" && want_err_has "needs a number of threads from 1 to 256" &&
            want_files || return 1
    done
    vm --part-min=0 "$ex/hello.vmasm"
    want_rc 1 && want_err_has "--part-min needs a positive number of instructions" && want_files
}

# A module compiled in parts (-j, --part-min) is still one object: its
# functions are shared between the parts as hidden symbols with the
# module's suffix, the program behaves as when compiled whole, and no part
# is left behind (TMPDIR is checked after every test).
t_parts_one_object() {
    local prog="$root/tests/e2e/closures.vmasm"
    vm -c -j1 "$prog" -o whole.o && want_rc 0 || return 1
    vm -c -j3 --part-min=1 "$prog" -o parts.o && want_rc 0 || return 1
    want_files whole.o parts.o || return 1
    nm whole.o | grep -q '\.p[0-9a-f]\{16\}$' && bad "a whole module has part symbols" && return 1
    nm parts.o | grep -qE ' T closures\.[a-z_]+\.p[0-9a-f]{16}$' ||
        bad "no hidden function of the parts in parts.o" || return 1
    [ "$(nm parts.o | grep -c ' T vm_program_main$')" = 1 ] || bad "not one entry" || return 1
    vm whole.o -o whole && vm parts.o -o parts && want_rc 0 || return 1
    run_exe ./whole && cp "$out" whole.out && run_exe ./parts && want_rc 0 || return 1
    cmp -s whole.out "$out" || bad "the parts' program printed something else"
}

# An unknown --emit kind is named, with the valid kinds.
t_unknown_emit() {
    vm --emit=elf "$ex/hello.vmasm"
    want_rc 1 && want_err "vmcc: error: unknown --emit kind 'elf' (exe, obj, asm, llvm-ir, vmbc)
(see vmcc --help)" && want_files
}

# -o as the last argument, with no file name.
t_o_without_file() {
    vm "$ex/hello.vmasm" -o
    want_rc 1 && want_err "vmcc: error: -o needs a file name
(see vmcc --help)" && want_files
}

# -o given twice.
t_o_twice() {
    vm "$ex/hello.vmasm" -o a -o b
    want_rc 1 && want_err "vmcc: error: -o given twice
(see vmcc --help)" && want_files
}

# An unknown --target is refused and nothing is written.
t_unknown_target() {
    vm --target=sparc64-linux-gnu --emit=obj "$ex/fib.vmasm" -o fib.o
    want_rc 1 && want_err "vmcc: error: unknown target 'sparc64-linux-gnu' (vmcc --print-targets lists them)
(see vmcc --help)" && want_files || return 1
    vm --target x86_64-apple-darwin --emit=obj "$ex/fib.vmasm" -o fib.o
    want_rc 1 && want_err_has "unknown target 'x86_64-apple-darwin'" && want_files
}

# Target spellings (both --target=T and --target T) give objects for the right machine.
t_target_spellings() {
    local spec t
    for spec in aarch64:aarch64-linux-gnu arm64:aarch64-linux-gnu \
        x86_64-linux-gnu:x86_64-linux-gnu amd64:x86_64-linux-gnu \
        aarch64-unknown-linux-gnu:aarch64-linux-gnu riscv64:riscv64-linux-gnu; do
        t=${spec#*:}
        vm --target="${spec%%:*}" --emit=obj "$ex/fib.vmasm" -o "${spec%%:*}.o"
        want_rc 0 "--target=${spec%%:*}" || return 1
        is_elf "${spec%%:*}.o" || bad "--target=${spec%%:*}: not an ELF file" || return 1
        [ "$(elf_machine_of "${spec%%:*}.o")" = "${elf_machine[$t]}" ] ||
            bad "--target=${spec%%:*}: ELF machine $(elf_machine_of "${spec%%:*}.o"), expected ${elf_machine[$t]} ($t)" ||
            return 1
    done
    vm --target arm64 -c "$ex/fib.vmasm" -o sep.o
    want_rc 0 "--target arm64" || return 1
    [ "$(elf_machine_of sep.o)" = 183 ] || bad "--target arm64 (two arguments): wrong machine"
}

# --cpu=help lists the target's CPUs and features; the host's adds native.
t_cpu_help() {
    vm --target=riscv64 --cpu=help
    want_rc 0 && want_out_has "CPUs for riscv64-linux-gnu (default generic-rv64):" &&
        want_out_has "  sifive-u74" && want_out_has "Features for riscv64-linux-gnu" || return 1
    grep -qx "  m" "$out" && grep -qx "  v" "$out" || bad "features m and v not listed" || return 1
    grep -q native "$out" && bad "native offered for a cross target" && return 1
    vm --cpu help
    want_rc 0 && want_out_has "CPUs for $(host_target)" && want_out_has "  native" && want_files
}

# An unknown CPU or feature is a usage error naming it; nothing is written.
t_bad_cpu_features() {
    vm --target=aarch64 --cpu=pentium4 -c "$ex/fib.vmasm" -o fib.o
    want_rc 1 && want_err "vmcc: error: unknown CPU 'pentium4' for aarch64-linux-gnu (vmcc --target=aarch64-linux-gnu --cpu=help lists them)" &&
        want_files || return 1
    vm --target=riscv64 --features=+m,+bogus -c "$ex/fib.vmasm" -o fib.o
    want_rc 1 && want_err_has "unknown feature '+bogus' for riscv64-linux-gnu" && want_files || return 1
    vm --features=avx2 -c "$ex/fib.vmasm" -o fib.o
    want_rc 1 && want_err_has "unknown feature 'avx2'" && want_err_has "+NAME or -NAME" &&
        want_files || return 1
    vm --target=aarch64 --cpu=native -c "$ex/fib.vmasm" -o fib.o
    want_rc 1 && want_err_has "--cpu=native is for the host" && want_files || return 1
    vm --cpu= -c "$ex/fib.vmasm" -o fib.o
    want_rc 1 && want_err_has "--cpu needs a CPU name" && want_files
}

# --cpu and --features reach the code: riscv64 +v adds the vector extension to
# the object's ISA string, and CPU-specific x86 code runs on this machine.
t_cpu_features_used() {
    vm --target=riscv64 --emit=asm "$ex/fib.vmasm" -o plain.s
    want_rc 0 || return 1
    grep -q '^[[:space:]]*\.attribute[[:space:]]*5, "rv64i.*_m.*_a.*_f.*_d.*_c' plain.s ||
        bad "default riscv64 ISA is not rv64gc: $(grep attribute plain.s | head -2)" || return 1
    grep -q '_v1p0' plain.s && bad "vector extension without +v" && return 1
    vm --target=riscv64 --features=+v --emit=asm "$ex/fib.vmasm" -o v.s
    want_rc 0 && grep -q '_v1p0' v.s || bad "+v is not in the ISA string" || return 1
    vm --target=riscv64 --cpu=sifive-u74 -c "$ex/fib.vmasm" -o u74.o
    want_rc 0 "--cpu=sifive-u74" || return 1
    vm --cpu=native -O2 "$ex/fib.vmasm" -o fib
    want_rc 0 "--cpu=native" && run_exe ./fib && want_rc 0 fib && want_out "9227465"
}

# Every object records its target and ABI version in the vm_target section.
t_object_records_target() {
    local abi
    abi=$(awk '/^#define VM_ABI_VERSION/ {print $3}' "$root/abi/value.h")
    vm -c "$ex/fib.vmasm" -o fib.o
    want_rc 0 && readelf -p vm_target fib.o > rec.txt 2>&1 || bad "no vm_target section" || return 1
    grep -q "$(host_target) abi $abi\$" rec.txt || bad "record: $(cat rec.txt)" || return 1
    vm --target=riscv64 -c "$ex/fib.vmasm" -o rv.o
    want_rc 0 && readelf -p vm_target rv.o | grep -q "riscv64-linux-gnu abi $abi\$" ||
        bad "riscv64 record: $(readelf -p vm_target rv.o 2>&1)"
}

# Objects of another target or ABI version are refused before linking.
t_mismatched_objects() {
    write_app_lib
    vm -c app.vmasm -o app.o && vm --target=aarch64 -c lib.vmasm -o lib.o
    want_rc 0 || return 1
    vm app.o lib.o -o app
    want_rc 1 && want_err "vmcc: error: lib.o was compiled for target aarch64-linux-gnu; this link is for $(host_target) (recompile it with --target=$(host_target))" || return 1
    vm -c lib.vmasm -o lib.o
    want_rc 0 || return 1
    # the same object, its record edited to an older ABI (same length)
    sed 's/linux-gnu abi [0-9]/linux-gnu abi 1/' lib.o > old.o
    cmp -s lib.o old.o && bad "could not edit the record" && return 1
    vm app.o old.o -o app
    want_rc 1 && want_err_has "old.o was compiled for runtime ABI 1; this vmcc links ABI" || return 1
    # an object vmcc did not compile: its ELF machine decides
    printf 'int helper(void) { return 1; }\n' > c.c
    if command -v aarch64-linux-gnu-gcc > /dev/null; then
        aarch64-linux-gnu-gcc -c c.c -o c.o
        vm app.o lib.o c.o -o app
        want_rc 1 && want_err "vmcc: error: c.o is an object for aarch64-linux-gnu; this link is for $(host_target)" || return 1
    fi
    cc -c c.c -o c.o && vm app.o lib.o c.o -o app
    want_rc 0 "host C object" && run_exe ./app && want_out 42 || return 1
    rm -f app && want_files app.vmasm lib.vmasm app.o lib.o old.o c.c c.o
}

# A runtime built for another ABI or target is refused, naming the script.
t_runtime_mismatch() {
    local host
    host=$(host_target)
    mkdir -p bin lib/vmcc && cp "$vmcc" bin/vmcc &&
        cp -r "$build/lib/vmcc/$host" lib/vmcc/ || return 1
    printf 'target %s\nabi 1\n' "$host" > "lib/vmcc/$host/runtime.txt"
    rc=0
    bin/vmcc "$ex/hello.vmasm" -o hello > "$out" 2> "$err" || rc=$?
    want_rc 1 && want_err_has "is built for ABI 1; this vmcc needs ABI" &&
        want_err_has "rebuild it with scripts/build.sh" && want_files bin lib || return 1
    printf 'target riscv64-linux-gnu\nabi 1\n' > "lib/vmcc/$host/runtime.txt"
    rc=0
    bin/vmcc "$ex/hello.vmasm" -o hello > "$out" 2> "$err" || rc=$?
    want_rc 1 && want_err_has "is built for riscv64-linux-gnu, not $host" || return 1
    rm "lib/vmcc/$host/runtime.txt"
    rc=0
    bin/vmcc "$ex/hello.vmasm" -o hello > "$out" 2> "$err" || rc=$?
    want_rc 1 && want_err_has "has no runtime.txt" && want_files bin lib
}

# A cross target without its runtime or its linker names the script to run.
t_missing_cross_runtime_or_linker() {
    mkdir -p bin && cp "$vmcc" bin/vmcc || return 1
    rc=0
    bin/vmcc --target=riscv64 "$ex/hello.vmasm" -o hello > "$out" 2> "$err" || rc=$?
    want_rc 1 && want_err_has "no runtime for target riscv64-linux-gnu" &&
        want_err_has "(build it with scripts/build-cross.sh riscv64)" && want_files bin || return 1
    local rt=lib/vmcc/aarch64-linux-gnu
    mkdir -p $rt && : > $rt/libbuiltins.a && echo -lm > $rt/link-flags-static.txt &&
        printf 'target aarch64-linux-gnu\nabi %s\n' \
            "$(awk '/^#define VM_ABI_VERSION/ {print $3}' "$root/abi/value.h")" > $rt/runtime.txt
    rc=0
    env PATH="$PWD/nothing" bin/vmcc --target=aarch64 "$ex/hello.vmasm" -o hello \
        > "$out" 2> "$err" || rc=$?
    want_rc 1 && want_err "vmcc: error: no linker for target aarch64-linux-gnu: aarch64-linux-gnu-gcc is not installed (install the cross toolchain with scripts/setup-cross.sh aarch64)" &&
        want_files bin lib
}

# --static links a fully static, position-independent executable that runs;
# the host default is dynamic, with the C library the only shared one (the
# collector, utf8proc and libconfig are linked in: start-up time).
t_static() {
    vm --static "$ex/hello.vmasm" -o hello
    want_rc 0 || return 1
    readelf -d hello > dyn.txt 2>&1
    grep -q NEEDED dyn.txt && bad "static executable needs shared libraries" && return 1
    readelf -h hello | grep -q 'DYN (Position-Independent' || bad "--static is not PIE" || return 1
    readelf -l hello | grep -q INTERP && bad "--static has an interpreter" && return 1
    run_exe ./hello && want_rc 0 hello && want_out_has "Hello, world!" || return 1
    vm "$ex/hello.vmasm" -o dyn
    want_rc 0 || return 1
    readelf -l dyn | grep -q INTERP && readelf -d dyn | grep -q 'NEEDED.*libc\.so' ||
        bad "the default is not dynamic" || return 1
    readelf -d dyn | grep -qE 'NEEDED.*lib(gc|utf8proc|config)\.' &&
        bad "the default loads the runtime's libraries as shared ones" && return 1
    run_exe ./dyn && want_rc 0 dyn && want_out_has "Hello, world!"
}

# --print-targets: the three targets, the host's runtime installed.
t_print_targets() {
    vm --print-targets
    want_rc 0 || return 1
    local t host
    for t in x86_64-linux-gnu aarch64-linux-gnu riscv64-linux-gnu; do
        grep -qE "^$t +runtime (installed|missing)" "$out" || bad "no line for $t" || return 1
    done
    [ "$(wc -l < "$out")" -eq 3 ] || bad "expected 3 lines" || return 1
    host=$(awk '/\(host\)/ {print $1}' "$out")
    [ -n "$host" ] || bad "no target is marked (host)" || return 1
    case $(uname -m) in
        x86_64 | aarch64 | riscv64)
            [ "$host" = "$(uname -m)-linux-gnu" ] || bad "host is $host on a $(uname -m)" || return 1
            ;;
    esac
    grep -qE "^$host +runtime installed \(host\)$" "$out" || bad "the host runtime is not installed"
}

# -O0 .. -O3 all build examples/fib.vmasm into programs printing fib(20).
t_opt_levels() {
    local o
    for o in 0 1 2 3; do
        vm "-O$o" "$ex/fib.vmasm" -o "fib$o"
        want_rc 0 "-O$o" || return 1
        run_exe "./fib$o" 20
        want_rc 0 "fib$o" && want_out 6765 || return 1
    done
}

# -c writes an object; vmcc links the object into a working program.
t_compile_then_link() {
    vm -c "$ex/fib.vmasm" -o fib.o
    want_rc 0 "vmcc -c" || return 1
    is_elf fib.o || bad "fib.o is not an ELF object" || return 1
    vm fib.o -o fib
    want_rc 0 "vmcc fib.o" || return 1
    run_exe ./fib 10
    want_rc 0 ./fib && want_out 55 && want_files fib.o fib
}

# vmbc -> --disasm -> assemble -> vmbc is byte-identical, for every example and e2e program.
t_vmbc_roundtrip() {
    local f n count=0
    for f in "$ex"/*.vmasm "$root"/tests/e2e/*.vmasm; do
        n=$(basename "$f" .vmasm)
        vm --emit=vmbc "$f" -o "$n.1.vmbc"
        want_rc 0 "--emit=vmbc $n" || return 1
        vm --disasm "$n.1.vmbc" -o "$n.dis.vmasm"
        want_rc 0 "--disasm $n" || return 1
        vm --emit=vmbc "$n.dis.vmasm" -o "$n.2.vmbc"
        want_rc 0 "--emit=vmbc of the disassembly of $n" || return 1
        cmp -s "$n.1.vmbc" "$n.2.vmbc" || bad "$n: vmbc differs after disasm and reassembly" ||
            return 1
        count=$((count + 1))
    done
    [ $count -ge 3 ] || bad "only $count programs found"
}

# A .vmbc input compiles and runs like its text.
# Tampered binary modules: every byte of a valid .vmbc (one with a DEPS
# section) inverted, every byte incremented, and the file cut at every
# length. vmcc either accepts the result (it is then a valid module, which
# it writes back out) or rejects it with an error naming the file, exit
# status 1 and no output file; never a crash (docs/bytecode.md, Verifier).
t_tampered_vmbc() {
    vm --emit=vmbc "$root/tests/e2e/di_env.vmasm" -o good.vmbc && want_rc 0 || return 1
    local n i kind accepted=0 rejected=0
    n=$(stat -c %s good.vmbc)
    mkdir m
    perl -e '
        local $/; open my $f, "<:raw", $ARGV[0] or die; my $d = <$f>;
        for my $i (0 .. length($d) - 1) {
            for my $k ([inv => 0xff], [inc => 1]) {
                my $m = $d;
                my $b = ord substr $m, $i, 1;
                substr($m, $i, 1) = chr($k->[0] eq "inv" ? $b ^ 0xff : ($b + 1) & 0xff);
                open my $o, ">:raw", "m/$k->[0]$i.vmbc" or die; print $o $m;
            }
            open my $o, ">:raw", "m/cut$i.vmbc" or die; print $o substr($d, 0, $i);
        }' good.vmbc
    for kind in inv inc cut; do
        for ((i = 0; i < n; i++)); do
            vm --emit=vmbc "m/$kind$i.vmbc" -o out.vmbc
            case $rc in
                0)
                    accepted=$((accepted + 1))
                    vm --disasm out.vmbc -o /dev/null
                    want_rc 0 "vmcc --disasm of the accepted $kind$i.vmbc" || return 1
                    rm -f out.vmbc
                    ;;
                1)
                    rejected=$((rejected + 1))
                    [ -e out.vmbc ] && bad "m/$kind$i.vmbc: rejected but out.vmbc written" && return 1
                    grep -q "^m/$kind$i.vmbc: .*error: " "$err" \
                        || { bad "m/$kind$i.vmbc: no error naming the file"; return 1; }
                    ;;
                *) bad "m/$kind$i.vmbc: vmcc exited with $rc" && return 1 ;;
            esac
        done
    done
    # most tampering must be caught, and cutting a module always is
    [ "$rejected" -ge $((2 * n)) ] || bad "only $rejected of $((3 * n)) tampered modules rejected"
}

t_vmbc_input() {
    vm --emit=vmbc "$ex/fib.vmasm" -o fib.vmbc && want_rc 0 "--emit=vmbc" || return 1
    vm fib.vmbc -o from_bin && want_rc 0 "vmcc fib.vmbc" || return 1
    vm "$ex/fib.vmasm" -o from_text && want_rc 0 "vmcc fib.vmasm" || return 1
    run_exe ./from_bin 15
    want_rc 0 ./from_bin && want_out 610 || return 1
    cp "$out" bin.out
    run_exe ./from_text 15
    cmp -s bin.out "$out" || bad "the two programs print different things"
}

# --disasm writes to stdout by default.
t_disasm_stdout() {
    vm --emit=vmbc "$ex/hello.vmasm" -o hello.vmbc && want_rc 0 || return 1
    vm --disasm hello.vmbc
    want_rc 0 && want_out_has ".module hello" && want_out_has "func main() -> i64 {" &&
        want_files hello.vmbc
}

# --emit=llvm-ir -o - prints the IR, with the function's symbol, and writes no file.
t_llvm_ir_stdout() {
    vm --emit=llvm-ir -o - "$ex/fib.vmasm"
    want_rc 0 && want_out_has "define internal i64 @fib.fib(" && want_out_has "@fib.main(" &&
        want_files
}

# --emit=asm writes assembly to the -o file.
t_emit_asm() {
    vm --emit=asm "$ex/fib.vmasm" -o fib.s
    want_rc 0 && want_no_out && want_files fib.s || return 1
    grep -qF 'fib.fib' fib.s || bad "fib.s does not mention fib.fib"
}

# An object cannot go to stdout.
t_obj_to_stdout() {
    vm --emit=obj -o - "$ex/fib.vmasm"
    want_rc 1 && want_no_out && want_err "vmcc: error: an object file cannot be written to standard output"
}

# Without -o: a.out, NAME.o, NAME.s, NAME.ll, NAME.vmbc in the current directory.
t_default_names() {
    vm "$ex/hello.vmasm" && want_rc 0 "vmcc (exe)" && want_files a.out || return 1
    run_exe ./a.out
    want_rc 0 ./a.out && want_out_has "Hello, world!" || return 1
    vm -c "$ex/hello.vmasm" && want_rc 0 "vmcc -c" || return 1
    vm --emit=asm "$ex/hello.vmasm" && want_rc 0 "--emit=asm" || return 1
    vm --emit=llvm-ir "$ex/hello.vmasm" && want_rc 0 "--emit=llvm-ir" || return 1
    vm --emit=vmbc "$ex/hello.vmasm" && want_rc 0 "--emit=vmbc" || return 1
    want_files a.out hello.o hello.s hello.ll hello.vmbc || return 1
    vm -c "$ex/hello.vmasm" "$ex/fib.vmasm" && want_rc 0 "vmcc -c (two inputs)" || return 1
    want_files a.out hello.o hello.s hello.ll hello.vmbc fib.o
}

# -o with several inputs is refused unless linking.
t_o_several_inputs() {
    vm -c "$ex/hello.vmasm" "$ex/fib.vmasm" -o both.o
    want_rc 1 && want_err "vmcc: error: -o with several inputs is only for linking; without -o each input gets its own output
(see vmcc --help)" && want_files
}

# Two modules in one command link into one program (the second has no main).
t_two_modules() {
    cat > lib.vmasm << 'EOF'
; lib.vmasm: a module without main, linked beside hello
.version 2
.module lib
export func greet() -> void {
    .reg %s: val
    const.str %s, "from lib"
    callb.void println.val, %s
    ret
}
EOF
    vm "$ex/hello.vmasm" lib.vmasm -o two
    want_rc 0 || return 1
    grep -qaF 'lib.greet' two || bad "lib.greet is not in the program" || return 1
    run_exe ./two
    want_rc 0 ./two && want_out_has "Hello, world!"
}

# A failed compile (or link) leaves an existing -o target untouched and no temporary files.
t_failed_compile_keeps_target() {
    printf 'precious\n' > target
    vm "$root/tests/neg/unknown_register.vmasm" -o target
    want_rc 1 && want_err_has "unknown register %x" || return 1
    [ "$(cat target)" = precious ] || bad "the target was changed" || return 1
    want_files target || return 1
    vm --emit=obj "$root/tests/neg/call_arity.vmasm" -o target
    want_rc 1 || return 1
    [ "$(cat target)" = precious ] || bad "--emit=obj: the target was changed" || return 1
    want_files target || return 1
    # the linker fails: the same
    rc=0
    VMCC_CC=false timeout 120 "$vmcc" "$ex/hello.vmasm" -o target > "$out" 2> "$err" || rc=$?
    want_rc 1 "vmcc with a failing linker" && want_err_has "linking failed" || return 1
    [ "$(cat target)" = precious ] || bad "a failed link changed the target" || return 1
    want_files target
}

# -o into a directory that does not exist: exit 1, a clear message.
t_o_missing_dir() {
    vm "$ex/hello.vmasm" -o nodir/hello
    want_rc 1 && want_err "vmcc: error: cannot create nodir/hello: No such file or directory" &&
        want_files || return 1
    vm --emit=vmbc "$ex/hello.vmasm" -o nodir/hello.vmbc
    want_rc 1 && want_err "vmcc: error: cannot create nodir/hello.vmbc: No such file or directory"
}

# An input that does not exist.
t_nonexistent_input() {
    vm nothing.vmasm -o out
    want_rc 1 && want_err "vmcc: error: cannot read nothing.vmasm: No such file or directory" &&
        want_files
}

# A directory as input.
t_directory_input() {
    mkdir dir.vmasm
    vm dir.vmasm -o out
    want_rc 1 && want_err "vmcc: error: cannot read dir.vmasm: Is a directory" && want_files dir.vmasm
}

# A file with an unknown extension.
t_unknown_extension() {
    cp "$ex/hello.vmasm" hello.txt
    vm hello.txt -o out
    want_rc 1 && want_err "vmcc: error: hello.txt: unknown file type (expected .vmasm, .vmbc or .o)" &&
        want_files hello.txt
}

# vmcc without its runtime beside it: exit 1, naming scripts/build.sh.
t_missing_runtime() {
    mkdir bin && cp "$vmcc" bin/vmcc
    local host
    host=$(host_target)
    rc=0
    timeout 120 bin/vmcc "$ex/hello.vmasm" -o hello > "$out" 2> "$err" || rc=$?
    want_rc 1 && want_err_has "no runtime for target $host" && want_err_has "scripts/build.sh" &&
        want_files bin || return 1
    rc=0
    bin/vmcc --print-targets > "$out" 2> "$err" || rc=$?
    want_rc 0 && want_out_has "runtime missing (host)"
}

# An output that would replace an input is refused, however it is spelled.
t_no_overwrite_input() {
    vm --emit=vmbc "$ex/fib.vmasm" -o fib.vmbc && want_rc 0 || return 1
    cp fib.vmbc orig.vmbc
    vm --emit=vmbc fib.vmbc
    want_rc 1 && want_err "vmcc: error: output fib.vmbc would overwrite its input" || return 1
    vm --emit=vmbc fib.vmbc -o ./fib.vmbc
    want_rc 1 && want_err "vmcc: error: output ./fib.vmbc would overwrite its input fib.vmbc" ||
        return 1
    cp "$ex/fib.vmasm" fib.vmasm
    vm fib.vmasm -o ./fib.vmasm
    want_rc 1 && want_err_has "would overwrite its input fib.vmasm" || return 1
    cmp -s fib.vmbc orig.vmbc && cmp -s fib.vmasm "$ex/fib.vmasm" || bad "an input was changed" ||
        return 1
    want_files fib.vmbc orig.vmbc fib.vmasm
}

# -v shows the linker command.
t_verbose() {
    vm -v "$ex/hello.vmasm" -o hello
    want_rc 0 && want_err_has "libbuiltins.a" && want_err_has "-o hello.tmp."
}

# ---- linking C code: -l, -L, -Wl, and .o, .a, .so inputs ----

# lib/libtw.{a,so} and tw.o: long tw_add(long, long), and app.vmasm calling it
write_c_lib() {
    mkdir -p lib
    printf 'long tw_add(long a, long b) { return a + 2 * b; }\n' > tw.c
    cc -O2 -fPIC -c tw.c -o tw.o && ar rcs lib/libtw.a tw.o && cc -shared tw.o -o lib/libtw.so &&
        rm tw.c || return 1
    cat > app.vmasm <<'E'
.version 2
.module app
extern func tw_add(i64, i64) -> i64
func main() -> void {
    .reg %a: i64, %b: i64
    const.i64 %a, 40
    const.i64 %b, 1
    ccall %a, tw_add, %a, %b
    callb.void println.i64, %a
    ret
}
E
}

# -L DIR -l NAME, in both spellings, pick the archive with --static and
# the shared library otherwise (found at run time through -Wl,-rpath).
t_link_l_and_L() {
    write_c_lib || return 1
    vm app.vmasm -L lib -l tw -o app1 --static && want_rc 0 || return 1
    run_exe ./app1 && want_rc 0 app1 && want_out 42 || return 1
    vm app.vmasm -Llib -ltw "-Wl,-rpath,$PWD/lib" -o app2 && want_rc 0 || return 1
    run_exe ./app2 && want_rc 0 app2 && want_out 42 || return 1
    readelf -d app2 | grep -q 'NEEDED.*libtw.so' || bad "app2 does not need libtw.so" || return 1
    rm app1 app2 && want_files app.vmasm lib tw.o
}

# .o, .a and .so files given as inputs are linked as cc links them.
t_link_inputs() {
    write_c_lib || return 1
    local f
    for f in tw.o lib/libtw.a "$PWD/lib/libtw.so"; do
        vm app.vmasm "$f" -o app && want_rc 0 "vmcc app.vmasm $f" || return 1
        run_exe ./app && want_rc 0 "app with $f" && want_out 42 || return 1
        rm app
    done
    vm -c app.vmasm -o app.o && vm app.o lib/libtw.a -o app && want_rc 0 || return 1
    run_exe ./app && want_rc 0 "app.o with the archive" && want_out 42
}

# A C function nobody defines, a library that does not exist: the linker's
# message, exit 1, no output file left.
t_link_failures() {
    write_c_lib || return 1
    vm app.vmasm -o app
    want_rc 1 && want_err_has "undefined reference to \`tw_add'" &&
        want_err_has "vmcc: error: linking failed" && want_files app.vmasm lib tw.o || return 1
    vm app.vmasm -L lib -l nosuch -o app
    want_rc 1 && want_err_has "nosuch" && want_err_has "vmcc: error: linking failed" &&
        want_files app.vmasm lib tw.o
}

# -l and -L need their argument; -Wl, needs something after the comma.
t_link_flag_errors() {
    local a
    for a in -l -L; do
        vm "$ex/hello.vmasm" -o hello "$a"
        want_rc 1 "vmcc $a" && want_err_has "$a needs a" && want_files || return 1
    done
    vm "$ex/hello.vmasm" -l -lm -o hello
    want_rc 1 "vmcc -l -lm" && want_err_has "-l needs a library name" && want_files || return 1
    vm "$ex/hello.vmasm" -Wl, -o hello
    want_rc 1 "vmcc -Wl," && want_err_has "-Wl, needs linker arguments" && want_files
}

# -Wl, passes its arguments to the linker (here: a map file it writes).
t_link_wl_passthrough() {
    vm "$ex/hello.vmasm" -Wl,-Map,hello.map -o hello
    want_rc 0 && grep -q 'vm_println_val\|libbuiltins' hello.map || bad "no linker map written"
}

# A file main wrote to and never closed is written out when the program
# ends, by main returning or by os.exit, as when any owner ends.
t_exit_writes_open_files() {
    cat > ef.vmasm <<'E'
.version 2
.module ef
func main() -> i64 {
    .reg %p: val, %m: val, %f: val, %s: val, %n: i64, %c: i64, %argc: i64
    callb %argc, argc
    const.str %p, "out.txt"
    const.atom %m, "write"
    callb %f, file.open, %p, %m
    const.str %s, "written, never closed"
    callb.void file.write, %f, %s
    const.i64 %n, 2
    eq.i64 %c, %argc, %n
    br %c, quit, done
quit:
    const.i64 %n, 3
    callb.void os.exit, %n
done:
    const.i64 %n, 0
    ret.i64 %n
}
E
    vm ef.vmasm -o ef && want_rc 0 || return 1
    run_exe ./ef && want_rc 0 ef || return 1
    [ "$(cat out.txt)" = "written, never closed" ] || bad "main returned: out.txt is '$(cat out.txt)'" ||
        return 1
    rm out.txt
    run_exe ./ef x && want_rc 3 "ef x" || return 1
    [ "$(cat out.txt)" = "written, never closed" ] || bad "os.exit: out.txt is '$(cat out.txt)'"
}

# ---- separate compilation and the checks before linking ----

# modules for the cases below: app imports lib.twice (val) -> val
write_app_lib() {
    cat > app.vmasm <<'E'
.version 2
.module app
import func lib.twice(val) -> val
func main() -> void {
    .reg %x: val
    const.int %x, 21
    call %x, lib.twice, %x
    callb.void println.val, %x
    ret
}
E
    cat > lib.vmasm <<'E'
.version 2
.module lib
export func twice(%x: val) -> val {
    add %x, %x, %x
    ret.val %x
}
E
}

t_separate_compilation() {
    write_app_lib
    vm -c app.vmasm -o app.o && want_rc 0 || return 1
    vm -c lib.vmasm -o lib.o && want_rc 0 || return 1
    vm app.o lib.o -o app && want_rc 0 || return 1
    run_exe ./app && want_rc 0 program && want_out 42 || return 1
    vm app.vmasm lib.o -o app2 && want_rc 0 || return 1 # mixed
    run_exe ./app2 && want_out 42
}

t_missing_import() {
    write_app_lib
    vm -c app.vmasm -o app.o
    vm app.o -o app
    want_rc 1 && want_err "vmcc: error: app.o imports lib.twice, which no linked module exports" &&
        [ ! -e app ] || bad "an output was left"
}

t_import_signature_mismatch() {
    write_app_lib
    sed -i 's/export func twice(%x: val) -> val {/export func twice(%x: i64) -> val {\n    .reg %y: val/; s/add %x, %x, %x/const.int %y, 1/; s/ret.val %x/ret.val %y/' lib.vmasm
    vm app.vmasm lib.vmasm -o app
    want_rc 1 && want_err "vmcc: error: app.vmasm imports lib.twice as (val) -> val, but lib.vmasm defines it as (i64) -> val"
}

t_duplicate_function() {
    write_app_lib
    vm -c lib.vmasm -o lib.o || return 1
    vm app.vmasm lib.o lib.vmasm -o app
    want_rc 1 && want_err "vmcc: error: function lib.twice is defined by both lib.o and lib.vmasm"
}

t_duplicate_main() {
    write_app_lib
    vm -c app.vmasm -o app.o || return 1
    cp app.o app2.o
    vm app.o app2.o lib.vmasm -o app
    want_rc 1 && want_err "vmcc: error: 'main' is defined by both app.o and app2.o"
}

t_no_main_in_objects() {
    write_app_lib
    vm -c lib.vmasm -o lib.o || return 1
    vm lib.o -o app
    want_rc 1 && want_err "vmcc: error: no module defines 'main' (a function 'main() -> i64' or '-> void')"
}

t_stdlib_linked_by_default() {
    cat > use.vmasm <<'E'
.version 2
.module use
import func fn.identity(val) -> val
func main() -> void {
    .reg %x: val
    const.str %x, "from the stdlib"
    call %x, fn.identity, %x
    callb.void println.val, %x
    ret
}
E
    vm use.vmasm -o use && want_rc 0 || return 1
    run_exe ./use && want_out "from the stdlib"
}

t_stdlib_module_redefined() {
    cat > fn.vmasm <<'E'
.version 2
.module fn
export func identity(%x: val) -> val {
    ret.val %x
}
func main() -> void {
    ret
}
E
    vm fn.vmasm -o app
    want_rc 1 && want_err_has "function fn.identity is defined by both fn.vmasm and"
}

# ---- driver ----

# A process blocked reading stdin (io.read_line, on a helper thread) does
# not hold up the others, even with one worker: the ticker prints first.
t_blocking_read_does_not_stall_worker() {
    vm "$root/tests/programs/read_line_ticker.vmasm" -o rl && want_rc 0 || return 1
    rc=0
    (sleep 0.5; echo hello) | VMRT_WORKERS=1 timeout 60 ./rl > "$out" 2> "$err" || rc=$?
    want_rc 0 program || return 1
    want_out "$(printf 'tick\ntick\ntick\nhello\nnil')"
}

# Bad scheduler settings end the program at start, naming the variable.
t_bad_scheduler_env() {
    vm "$root/examples/hello.vmasm" -o hello && want_rc 0 || return 1
    run_exe env VMRT_WORKERS=0 ./hello
    want_rc 1 program || return 1
    want_err_has "vmrt: VMRT_WORKERS=0: expected an integer from 1 to 1024" || return 1
    run_exe env VMRT_STACK_SIZE=12Q ./hello
    want_rc 1 program || return 1
    want_err_has "VMRT_STACK_SIZE=12Q" || return 1
    run_exe env VMRT_SEED=-3 ./hello
    want_rc 1 program || return 1
    want_err_has "VMRT_SEED=-3"
}

# The runtime configuration file (VMRT_CONFIG, libconfig syntax): settings
# apply, a profile overrides the file, the environment overrides both, and
# VMRT_STATS / stats print the statistics at exit.
t_runtime_config() {
    vm "$root/examples/hello.vmasm" -o hello && want_rc 0 || return 1
    cat > app.conf <<'CONF'
# comments are allowed
scheduler = { workers = 1; stack_size = "1M"; };
gc = { initial_heap = "32M"; };
stats = true;
profiles = {
  wide = { scheduler = { workers = 3; }; };
};
CONF
    run_exe env VMRT_CONFIG=app.conf ./hello
    want_rc 0 program || return 1
    want_err_has "vmrt stats:" || return 1
    want_err_has "  workers            1" || return 1
    want_err_has "  processes spawned  1" || return 1
    run_exe env VMRT_CONFIG=app.conf VMRT_PROFILE=wide ./hello
    want_rc 0 program && want_err_has "  workers            3" || return 1
    run_exe env VMRT_CONFIG=app.conf VMRT_PROFILE=wide VMRT_WORKERS=2 ./hello
    want_rc 0 program && want_err_has "  workers            2" || return 1
    run_exe env VMRT_CONFIG=app.conf VMRT_STATS=0 ./hello
    want_rc 0 program || return 1
    if grep -q "vmrt stats" "$err"; then echo "VMRT_STATS=0 did not override stats = true"; return 1; fi
    run_exe env VMRT_STATS=1 ./hello
    want_rc 0 program && want_err_has "  gc collections" && want_err_has "  heap size"
}

# Bad configuration: status 1 before main runs, naming the key and the line.
t_runtime_config_errors() {
    vm "$root/examples/hello.vmasm" -o hello && want_rc 0 || return 1
    local cases=(
        'scheduler = { workers = 0; };|bad.conf:1: scheduler.workers: expected an integer from 1 to 1024, got 0'
        'scheduler = {\n  workers = "two"; };|bad.conf:2: scheduler.workers: expected an integer from 1 to 1024, got "two"'
        'main = { restart = "always"; };|bad.conf:1: main.restart: expected one of "never", "on_failure", got "always"'
        'gc = { initial_heap = "12Q"; };|bad.conf:1: gc.initial_heap: expected a size'
        'gc = { max_heap = "512K"; };|bad.conf:1: gc.max_heap: expected a size from'
        'scheduler = { stak_size = "1M"; };|bad.conf:1: unknown setting scheduler.stak_size (expected workers, stack_size, max_procs, seed)'
        '\n\nschedulr = { };|bad.conf:3: unknown setting schedulr'
        'scheduler = { workers = 2 |bad.conf:2: syntax error'
        'stats = 3;|bad.conf:1: stats: expected true or false, got 3'
        'gc = 5;|bad.conf:1: gc must be a group'
        'profile = "prod";|profile prod (from the profile setting) is not defined under profiles in bad.conf'
        'profiles = { t = { gc = { stres = true; }; }; };|bad.conf:1: unknown setting profiles.t.gc.stres'
    )
    local c text want
    for c in "${cases[@]}"; do
        text=${c%%|*} want=${c#*|}
        printf "$text\n" > bad.conf
        run_exe env VMRT_CONFIG=bad.conf ./hello
        want_rc 1 program || { echo "  config: $text"; return 1; }
        want_err_has "vmrt: $want" || { echo "  config: $text"; return 1; }
        if [ -s "$out" ]; then echo "main ran despite: $text"; return 1; fi
    done
    run_exe env VMRT_CONFIG=missing.conf ./hello
    want_rc 1 program && want_err_has "vmrt: VMRT_CONFIG=missing.conf: cannot read the file" || return 1
    run_exe env VMRT_PROFILE=x ./hello
    want_rc 1 program && want_err_has "vmrt: VMRT_PROFILE=x: no configuration file (VMRT_CONFIG) defines profiles" || return 1
    run_exe env VMRT_MAIN_RESTART=sometimes ./hello
    want_rc 1 program && want_err_has 'vmrt: VMRT_MAIN_RESTART=sometimes: expected one of "never", "on_failure"'
}

# run_until_ready EXE ARGS...: start the program in the background and
# wait (up to 20 s) until it prints "ready" on stderr; sets $pid.
run_until_ready() {
    "$@" > "$out" 2> "$err" &
    pid=$!
    local i
    for i in $(seq 200); do
        grep -q ready "$err" && return 0
        sleep 0.1
    done
    echo "the program never said ready"; kill -9 "$pid"; return 1
}

# SIGTERM stops the supervision tree in order (last started child first),
# then main; the exit status is 128 + 15.
t_signal_term_stops_tree_in_order() {
    vm "$root/tests/programs/sig_tree.vmasm" -o app && want_rc 0 || return 1
    run_until_ready ./app || return 1
    kill -TERM "$pid"
    rc=0; wait "$pid" || rc=$?
    want_rc 143 program || return 1
    want_out "$(printf '{started, w1}\n{started, w2}\n{started, w3}\nw3 stops: shutdown\nw2 stops: shutdown\nw1 stops: shutdown')"
}

# A main that traps exits hears its supervisor end with shutdown after the
# tree has stopped; SIGINT gives 128 + 2.
t_signal_int_main_traps() {
    vm "$root/tests/programs/sig_tree.vmasm" -o app && want_rc 0 || return 1
    run_until_ready ./app trap || return 1
    kill -INT "$pid"
    rc=0; wait "$pid" || rc=$?
    want_rc 130 program || return 1
    grep -q "w1 stops: shutdown" "$out" || { echo "w1 did not stop"; return 1; }
    tail -1 "$out" | grep -qE "^main got \{EXIT, <0\.1\.0>, shutdown\}$" || { echo "main did not hear it last:"; cat "$out"; return 1; }
}

# Without supervisors, SIGTERM ends main even while it waits for stdin.
t_signal_without_supervisors() {
    vm "$root/tests/programs/read_line_ticker.vmasm" -o rl && want_rc 0 || return 1
    (sleep 30) | ./rl > "$out" 2> "$err" &
    pid=$!
    sleep 0.5
    kill -TERM "$pid"
    rc=0; wait "$pid" || rc=$?
    want_rc 143 program
}

# ---- dependency injection (docs/di.md) ----

# Two modules with dependencies and a provider, each compiled apart (one
# through .vmbc): the linked program sees the declarations of both objects
# and finds the provider in a third; the same name declared by two modules
# with the same kind (an interface's keys in any order) is one dependency.
write_di_modules() {
    cat > app.vmasm <<'E'
.version 2
.module app
.file "app.vmasm"
.dep greeting: string
.dep store: map{get, put}
func main() -> void {
    .reg %n: val, %v: val, %len: i64
    const.atom %n, "greeting"
    callb %v, di.get, %n
    callb.void println.val, %v
    const.atom %n, "count"
    callb %v, di.get, %n
    callb.void println.val, %v
    const.atom %n, "store"
    callb %v, di.get, %n
    callb %len, map.len, %v
    callb.void println.i64, %len
    ret
}
E
    cat > lib.vmasm <<'E'
.version 2
.module lib
.file "lib.vmasm"
.dep count: int
.dep store: map{put, get}
export func size() -> val {
    .reg %n: val, %v: val
    const.atom %n, "count"
    callb %v, di.get, %n
    ret.val %v
}
E
    cat > prov.vmasm <<'E'
.version 2
.module prov
.file "prov.vmasm"
export func make_store() -> val {
    .reg %m: val, %k: val, %f: val
    callb %m, map.new
    fn.ref %f, noop
    const.atom %k, "get"
    callb.void map.put, %m, %k, %f
    const.atom %k, "put"
    callb.void map.put, %m, %k, %f
    ret.val %m
}
func noop() -> val {
    .reg %x: val
    const.nil %x
    ret.val %x
}
E
    cat > app.conf <<'E'
di = {
  greeting = "hello from the configuration";
  count = 3;
  store = { provider = "prov.make_store"; };
};
E
}

t_di_separate_compilation() {
    write_di_modules
    vm -c app.vmasm -o app.o && want_rc 0 || return 1
    vm --emit=vmbc lib.vmasm -o lib.vmbc && want_rc 0 || return 1
    vm -c lib.vmbc -o lib.o && want_rc 0 || return 1
    vm -c prov.vmasm -o prov.o && want_rc 0 || return 1
    vm app.o lib.o prov.o -o app && want_rc 0 || return 1
    run_exe env VMRT_CONFIG=app.conf ./app
    want_rc 0 program && want_out "hello from the configuration
3
2" || return 1
    # without the configuration: both objects' declarations are reported
    run_exe ./app
    want_rc 1 program && want_no_out && want_err "vmrt: dependency injection failed: 3 errors
  count (int, declared at lib.vmasm:4 in module lib): not bound: no setting di.count in the configuration and no VMRT_DI_count
  greeting (string, declared at app.vmasm:4 in module app): not bound: no setting di.greeting in the configuration and no VMRT_DI_greeting
  store (map{get,put}, declared at app.vmasm:5 in module app): not bound: no setting di.store in the configuration and no VMRT_DI_store"
}

# The same dependency declared with different kinds by two modules (here
# compiled apart) is an error naming both places, before main.
t_di_conflicting_declarations() {
    write_di_modules
    sed -i 's/^.dep count: int$/.dep count: int\n.dep greeting: atom/' lib.vmasm
    vm -c lib.vmasm -o lib.o && want_rc 0 || return 1
    vm app.vmasm lib.o prov.vmasm -o app && want_rc 0 || return 1
    run_exe env VMRT_CONFIG=app.conf ./app
    want_rc 1 program && want_no_out && want_err "vmrt: dependency injection failed: 1 error
  greeting: declared as string at app.vmasm:4 in module app and as atom at lib.vmasm:5 in module lib"
}

# The disassembler prints .dep lines, which assemble back to the same bytes.
t_di_disasm_round_trip() {
    write_di_modules
    vm --emit=vmbc lib.vmasm -o lib.vmbc && want_rc 0 || return 1
    vm --disasm lib.vmbc -o lib2.vmasm && want_rc 0 || return 1
    grep -qx '.dep store: map{put,get}' lib2.vmasm || bad "no .dep line in the disassembly" || return 1
    vm --emit=vmbc lib2.vmasm -o lib2.vmbc && want_rc 0 || return 1
    cmp -s lib.vmbc lib2.vmbc || bad "text -> binary -> text -> binary changed the bytes"
}

# ---- debug information (-g, docs/debugging.md) ----

dbg="$root/tests/programs/dbg.vmasm"

line_of() { # MARKER [FILE]: the line of FILE (default dbg.vmasm) with the comment "; @MARKER"
    grep -n "; @$1\$" "${2:-$dbg}" | cut -d: -f1
}

have_gdb() { # false, after saying why the case is skipped, if gdb is not installed
    command -v gdb > /dev/null && return 0
    echo "SKIP $name: gdb is not installed (scripts/setup.sh installs it)"
    return 1
}

run_gdb() { # EXE COMMAND...: gdb in batch mode runs each COMMAND, like vm
    local exe=$1 c
    shift
    local args=(-nx -q -batch -ex "set debuginfod enabled off" -ex "set pagination off"
        -ex "handle SIGPWR SIGXCPU nostop noprint pass")
    for c in "$@"; do args+=(-ex "$c"); done
    rc=0
    timeout 120 gdb "${args[@]}" "$exe" < /dev/null > "$out" 2> "$err" || rc=$?
}

# The function of each frame of `bt` in $out that is one of NAME..., in order, one line.
frames_of() {
    grep -aE '^#[0-9]+ ' "$out" |
        sed -E 's/^#[0-9]+ +(0x[0-9a-f]+ in )?([^ ]+) .*/\2/' |
        grep -xE "$(IFS='|'; echo "$*")" | tr '\n' ' ' | sed 's/ $//'
}

want_frames() { # EXPECTED NAME...: our frames of `bt`, in order, are EXPECTED
    local got
    got=$(frames_of "${@:2}")
    [ "$got" = "$1" ] || bad "backtrace frames: '$got', expected '$1'"
}

# vmbc_without_debug IN OUT: a copy of the binary module IN without its
# optional DEBUG section (id 4): a module with no line table.
vmbc_without_debug() {
    local -a b keep
    read -r -a b <<< "$(od -An -v -tu1 "$1" | tr '\n' ' ')"
    keep=("${b[@]:0:8}")
    local i=8 start id size shift
    while [ "$i" -lt "${#b[@]}" ]; do
        start=$i id=${b[i]} size=0 shift=0
        i=$((i + 1))
        while :; do # the section size, ULEB128
            size=$((size | (b[i] & 127) << shift)) shift=$((shift + 7)) i=$((i + 1))
            [ $((b[i - 1] & 128)) -ne 0 ] || break
        done
        i=$((i + size))
        [ "$id" = 4 ] || keep+=("${b[@]:start:i-start}")
    done
    printf "$(printf '\\%03o' "${keep[@]}")" > "$2"
}

# -g objects carry DWARF naming our functions and source file; without -g
# there is no debug section and no debug metadata at all.
t_debug_sections() {
    local o
    for o in 0 2; do
        vm -g "-O$o" -c "$dbg" -o g.o && want_rc 0 "vmcc -g -O$o" || return 1
        readelf -S --wide g.o > "$out" || bad "readelf failed" || return 1
        want_out_has " .debug_info " && want_out_has " .debug_line " || return 1
        readelf --debug-dump=info g.o > "$out" 2> /dev/null
        want_out_has "vmcc " && want_out_has "dbg.vmasm" && want_out_has "$root/tests/programs" ||
            return 1
        local f
        for f in leaf down middle main; do
            grep -qE "DW_AT_name +: (\(indirect string, offset: 0x[0-9a-f]+\): )?$f\$" "$out" ||
                bad "-O$o: no DW_AT_name $f in .debug_info" || return 1
        done
        readelf --debug-dump=decodedline g.o > "$out" 2> /dev/null
        grep -qE "^dbg\.vmasm +$(line_of leaf-print) " "$out" ||
            bad "-O$o: the line table has no row for line $(line_of leaf-print)" || return 1
        vm "-O$o" -c "$dbg" -o plain.o && want_rc 0 "vmcc -O$o" || return 1
        readelf -S --wide plain.o > "$out"
        ! grep -q '\.debug' "$out" || bad "-O$o: an object without -g has debug sections" ||
            return 1
        objcopy -O binary --only-section=.text g.o g.text &&
            objcopy -O binary --only-section=.text plain.o plain.text &&
            [ -s g.text ] && cmp -s g.text plain.text || bad "-O$o: -g changed the machine code" ||
            return 1
        vm "-O$o" --emit=llvm-ir "$dbg" -o plain.ll && want_rc 0 || return 1
        ! grep -qE '!dbg|llvm\.dbg|DICompileUnit|Debug Info Version' plain.ll ||
            bad "-O$o: LLVM IR without -g has debug metadata" || return 1
        vm -g "-O$o" --emit=llvm-ir "$dbg" -o g.ll && want_rc 0 || return 1
        grep -q 'DISubprogram(name: "leaf"' g.ll && grep -q '"Dwarf Version", i32 4' g.ll ||
            bad "-O$o: the -g IR lacks the subprogram or the DWARF version flag" || return 1
        rm -f g.o plain.o plain.ll g.ll g.text plain.text
    done
    # -g does not change what the program does
    vm -g "$dbg" -o prog && want_rc 0 && run_exe ./prog && want_rc 0 prog && want_out "1
1"
}

# A .file that names no file ("" or "dir/") gives way to the input path in
# the DWARF (docs/debugging.md): -g must not make invalid IR of it.
t_debug_file_without_name() {
    local f
    for f in '' 'src/'; do
        printf '.version 2\n.module m\n.file "%s"\nfunc main() -> i64 {\n    .reg %%r: i64\n    const.i64 %%r, 0\n    ret.i64 %%r\n}\n' \
            "$f" > nf.vmasm
        vm -g -c nf.vmasm -o nf.o && want_rc 0 "vmcc -g with .file \"$f\"" || return 1
        readelf --debug-dump=info nf.o > "$out" 2> /dev/null
        want_out_has "nf.vmasm" || return 1
    done
}

# gdb: a breakpoint at a source line hits there, `bt` names our functions
# innermost first, `info source` finds the .vmasm.
t_gdb_break_line_backtrace() {
    have_gdb || return 0
    vm -g -O0 "$dbg" -o prog && want_rc 0 || return 1
    local add
    add=$(line_of leaf-add)
    run_gdb ./prog "break dbg.vmasm:$add" run bt "info source"
    want_rc 0 gdb || return 1
    want_out_has "Breakpoint 1 at " && want_out_has "file dbg.vmasm, line $add." || return 1
    grep -qE "Breakpoint 1, leaf \(\) at dbg\.vmasm:$add\$" "$out" ||
        bad "the breakpoint did not stop in leaf at line $add" || return 1
    want_frames "leaf down down down down middle main" leaf down middle main || return 1
    grep -qE "^#1 .* in down \(\) at dbg\.vmasm:$(line_of down-leaf)\$" "$out" ||
        bad "frame 1 is not down at the call of leaf" || return 1
    grep -qE "^#5 .* in middle \(\) at dbg\.vmasm:$(line_of middle-down)\$" "$out" ||
        bad "frame 5 is not middle at the call of down" || return 1
    grep -qE "^#6 .* in main \(\) at dbg\.vmasm:$(line_of main-middle)\$" "$out" ||
        bad "frame 6 is not main at the call of middle" || return 1
    want_out_has "Current source file is dbg.vmasm" &&
        want_out_has "Located in $root/tests/programs/dbg.vmasm" && want_out_has "Producer is vmcc "
}

# gdb: `break FUNCTION` stops at its first instruction, `next` goes to the
# next source line, `step` at a call enters the callee.
t_gdb_step_next() {
    have_gdb || return 0
    vm -g -O0 "$dbg" -o prog && want_rc 0 || return 1
    run_gdb ./prog "break leaf" run next next
    want_rc 0 gdb || return 1
    grep -qE "Breakpoint 1, leaf \(\) at dbg\.vmasm:$(line_of leaf-first)\$" "$out" ||
        bad "break leaf did not stop at its first instruction" || return 1
    grep -aqE "^$(line_of leaf-add)[[:space:]]+add\.i64" "$out" &&
        grep -aqE "^$(line_of leaf-print)[[:space:]]+callb\.void" "$out" ||
        bad "next did not go on line by line" || return 1
    run_gdb ./prog "break dbg.vmasm:$(line_of middle-down)" run step bt next
    want_rc 0 gdb || return 1
    grep -qE "^down \(\) at dbg\.vmasm:$(line_of down-first)\$" "$out" ||
        bad "step did not enter down at its first instruction" || return 1
    want_frames "down middle main" leaf down middle main || return 1
    grep -aqE "^$(line_of down-eq)[[:space:]]+eq\.i64" "$out" || bad "next after step"
}

# Logical lines: .file and .line are what the line table records.
t_gdb_line_directive() {
    write_calc() {
        cat > calc.vmasm << 'E'
.version 2
.module calc
.file "calc.src"
.line 100
func twice(%x: i64) -> i64 {
    add.i64 %x, %x, %x
    ret.i64 %x
}
func main() -> i64 {
    .reg %x: i64
    const.i64 %x, 21
.line 200
    call %x, twice, %x
    callb.void println.i64, %x
    const.i64 %x, 0
    ret.i64 %x
}
E
    }
    write_calc
    vm -g -c calc.vmasm -o calc.o && want_rc 0 || return 1
    readelf --debug-dump=decodedline calc.o > "$out" 2> /dev/null
    grep -qE '^calc\.src +101 ' "$out" && grep -qE '^calc\.src +200 ' "$out" ||
        bad "the line table lacks calc.src lines 101 and 200" || return 1
    ! grep -qE '^calc\.vmasm ' "$out" || bad "the line table names calc.vmasm" || return 1
    have_gdb || return 0
    vm -g calc.o -o calc && want_rc 0 || return 1
    run_gdb ./calc "break calc.src:101" run bt
    want_rc 0 gdb || return 1
    grep -qE "Breakpoint 1, twice \(\) at calc\.src:101\$" "$out" ||
        bad "break calc.src:101 did not stop in twice" || return 1
    grep -qE "^#1 .* in main \(\) at calc\.src:200\$" "$out" || bad "main is not at calc.src:200"
}

# A binary module keeps its line table: -g on the .vmbc maps to the .vmasm
# it came from. Without its DEBUG section, instruction i of a function is
# line i + 1 of the .vmbc itself.
t_gdb_vmbc() {
    vm --emit=vmbc "$dbg" -o dbg.vmbc && want_rc 0 || return 1
    vmbc_without_debug dbg.vmbc bare.vmbc
    [ "$(stat -c %s bare.vmbc)" -lt "$(stat -c %s dbg.vmbc)" ] ||
        bad "no DEBUG section was removed" || return 1
    vm --disasm bare.vmbc && want_rc 0 "--disasm bare.vmbc" || return 1
    ! grep -q '^\.file\|%one' "$out" || bad "bare.vmbc still has its debug names" || return 1
    vm -g dbg.vmbc -o with_lines && want_rc 0 || return 1
    vm -g -O2 bare.vmbc -o bare2 && want_rc 0 "vmcc -g -O2 bare.vmbc" || return 1
    vm -g bare.vmbc -o bare && want_rc 0 || return 1
    run_exe ./bare && want_rc 0 ./bare && want_out "1
1" || return 1
    readelf --debug-dump=decodedline bare > "$out" 2> /dev/null
    grep -qE '^bare\.vmbc +[0-9]+ ' "$out" || bad "the line table does not name bare.vmbc" ||
        return 1
    have_gdb || return 0
    run_gdb ./with_lines "break dbg.vmasm:$(line_of leaf-add)" run bt
    want_rc 0 gdb || return 1
    grep -qE "Breakpoint 1, leaf \(\) at dbg\.vmasm:$(line_of leaf-add)\$" "$out" ||
        bad "from dbg.vmbc: the breakpoint did not stop in leaf" || return 1
    want_frames "leaf down down down down middle main" leaf down middle main || return 1
    # leaf: const.i64 (1), add.i64 (2); down calls leaf at its fourth instruction
    run_gdb ./bare "break leaf" run bt next
    want_rc 0 gdb || return 1
    grep -qE "Breakpoint 1, leaf \(\) at bare\.vmbc:1\$" "$out" ||
        bad "bare.vmbc: break leaf did not stop at line 1" || return 1
    grep -qE "^#1 .* in down \(\) at bare\.vmbc:4\$" "$out" ||
        bad "bare.vmbc: frame 1 is not down at line 4" || return 1
    want_frames "leaf down down down down middle main" leaf down middle main || return 1
    grep -aqE "^2[[:space:]]" "$out" || bad "bare.vmbc: next did not go to line 2"
}

# -O2: the breakpoint still hits and the inlined frames keep their names.
t_gdb_optimized() {
    have_gdb || return 0
    vm -g -O2 "$dbg" -o prog && want_rc 0 || return 1
    run_gdb ./prog "break leaf" run bt
    want_rc 0 gdb || return 1
    grep -qE "Breakpoint 1, leaf \(\) at dbg\.vmasm:[0-9]+\$" "$out" ||
        bad "-O2: break leaf did not stop in leaf" || return 1
    local got
    got=$(frames_of leaf down middle main)
    [[ "$got" == "leaf down"*" middle main" ]] ||
        bad "-O2: backtrace frames: '$got', expected leaf, down..., middle, main"
}

# The benchmark script parses and lists every benchmark (it is run by hand,
# not by the suite: a syntax error would otherwise go unnoticed).
t_bench_script_parses() {
    bash -n "$root/bench/run.sh" || { echo "bench/run.sh does not parse"; return 1; }
    rc=0
    "$root/bench/run.sh" no_such_benchmark > "$out" 2> "$err" || rc=$?
    want_rc 2 "bench/run.sh" || return 1
    want_err_has "fib nbody spectral_norm fannkuch mandelbrot binary_trees" || return 1
    want_err_has "sup_restart chan_pingpong echo compile_speed hello"
}

for fn in $(grep -oE '^t_[A-Za-z0-9_]+' "${BASH_SOURCE[0]}"); do
    name=${fn#t_}
    [ -n "$filter" ] && [[ "$name" != *"$filter"* ]] && continue
    dir="$work/$name"
    mkdir -p "$dir/case" "$dir/tmp"
    out="$dir/stdout" err="$dir/stderr"
    : > "$out"
    : > "$err"
    if (cd "$dir/case" && export TMPDIR="$dir/tmp" && "$fn"); then
        left=$(ls -A "$dir/tmp")
        if [ -n "$left" ]; then
            echo "FAIL $name: temporary files left in TMPDIR: $(echo $left)"
            fail=$((fail + 1))
        else
            pass=$((pass + 1))
        fi
    else
        fail=$((fail + 1))
    fi
done
echo "cli: $pass passed, $fail failed"
[ $fail -eq 0 ]
