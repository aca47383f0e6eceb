/* gen: a large, valid .vmasm module for the compile_speed benchmark.
 *
 *   gen N     a module of exactly N bytecode instructions (N >= 20) on
 *             stdout; a summary ("N instructions, F functions") on stderr
 *
 * The module looks like what a frontend emits: many functions of a few
 * dozen instructions each, not one giant function. It is made of "units";
 * unit k has
 *
 *   hmix_k    leaf i64 arithmetic (mul, xor, shifts)
 *   iloop_k   an i64 counting loop with an if/else inside, calling hmix_k
 *   fmath_k   an f64 loop (Newton square root, a polynomial), sqrt, compares
 *   dyn_k     dynamic val arithmetic and compares, a float mixed in, to_int
 *   strs_k    string builtins (concat, to_string, upper, len, slice, find,
 *             repeat, split)
 *   arrs_k    an array filled in a loop, sorted and summed (array builtins)
 *   maps_k    a map counted into with string keys, then iterated
 *   lam_k     a closure body; tup_k makes the closure, calls it with call.v,
 *             builds a tuple and reads it back
 *   sdiv_k    a division inside a try region with a catch handler
 *   unit_k    the driver: calls all of the above and folds their results
 *
 * Units vary with k (constants, loop sizes, how many times a statement is
 * repeated), so their sizes differ (about 200 to 250 instructions). group_g
 * functions call 16 units each, main calls the groups, then pad (straight-
 * line i64 code that makes the count exact) and prints "checksum C". The
 * checksum depends on every unit, in order, so a miscompiled function shows
 * up as a different checksum at -O0 and -O2.
 *
 * Instructions are counted as they are written (one per line, indented by
 * four spaces; labels on their own lines), so bench/run.sh can count them
 * again with awk. All choices are integer arithmetic on k: the output is the
 * same on every machine.
 *
 * cc -std=c17 -O2 -Wall -Wextra -o gen gen.c
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

enum { UNITS_PER_GROUP = 16, MIN_N = 20 };

static FILE *out;   /* where emit() writes (a null sink while sizing) */
static long ninstr; /* instructions written to `out` so far */
static long nfuncs; /* functions written */
static long line;   /* logical line for .line, as a frontend would record */

#define PRINTF_LIKE __attribute__((format(printf, 1, 2)))

/* One instruction, indented, counted. */
PRINTF_LIKE static void I(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("    ", out);
    vfprintf(out, fmt, ap);
    va_end(ap);
    fputc('\n', out);
    ninstr++;
}

/* Anything that is not an instruction: labels, headers, directives. */
PRINTF_LIKE static void T(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(out, fmt, ap);
    va_end(ap);
    fputc('\n', out);
}

/* A function header: printf-style, without the " {". */
PRINTF_LIKE static void begin(const char *fmt, ...)
{
    line += 10;
    T(".line %ld", line);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(out, fmt, ap);
    va_end(ap);
    fputs(" {\n", out);
    nfuncs++;
}

static void end(void)
{
    T("}\n");
}

/* A small deterministic mix of k, for constants. */
static long mixk(long k, long salt)
{
    unsigned long x = (unsigned long)k * 2654435761u + (unsigned long)salt * 40503u;
    x ^= x >> 13;
    x *= 0x5bd1e995u;
    x ^= x >> 15;
    return (long)(x & 0x7fffffff);
}

static const char *const words[] = {"alpha", "beta",  "gamma", "delta",  "épsilon",
                                    "zeta",  "theta", "kappa", "lambda", "mü"};

static void unit(long k)
{
    long v = k % 4; /* repeat count of the statements that vary */
    long r;

    begin("func hmix_%ld(%%a: i64, %%b: i64) -> i64", k);
    T("    .reg %%t: i64, %%c: i64");
    I("const.i64 %%c, %ld", mixk(k, 1) | 1);
    I("mul.i64 %%t, %%a, %%c");
    I("xor.i64 %%t, %%t, %%b");
    I("const.i64 %%c, %ld", 7 + k % 17);
    I("ushr.i64 %%c, %%t, %%c");
    I("xor.i64 %%t, %%t, %%c");
    I("ret.i64 %%t");
    end();

    begin("func iloop_%ld(%%n: i64) -> i64", k);
    T("    .reg %%i: i64, %%acc: i64, %%t: i64, %%c: i64, %%one: i64, %%three: i64, %%r: i64");
    I("const.i64 %%one, 1");
    I("const.i64 %%three, 3");
    I("const.i64 %%acc, %ld", mixk(k, 2));
    I("const.i64 %%i, 0");
    T("loop:");
    I("ge.i64 %%c, %%i, %%n");
    I("br %%c, done, body");
    T("body:");
    I("rem.i64 %%r, %%i, %%three");
    I("const.i64 %%t, 0");
    I("eq.i64 %%c, %%r, %%t");
    I("br %%c, even, odd");
    T("even:");
    I("call %%acc, hmix_%ld, %%acc, %%i", k);
    I("jmp next");
    T("odd:");
    for (r = 0; r <= v; r++) {
        I("mul.i64 %%t, %%i, %%i");
        I("add.i64 %%acc, %%acc, %%t");
        I("const.i64 %%t, %ld", mixk(k, 10 + r) % 1000 + 3);
        I("sub.i64 %%acc, %%acc, %%t");
        I("const.i64 %%t, %ld", 1 + (k + r) % 5);
        I("shl.i64 %%t, %%acc, %%t");
        I("xor.i64 %%acc, %%acc, %%t");
    }
    T("next:");
    I("add.i64 %%i, %%i, %%one");
    I("jmp loop");
    T("done:");
    I("ret.i64 %%acc");
    end();

    begin("func fmath_%ld(%%x: f64, %%n: i64) -> f64", k);
    T("    .reg %%y: f64, %%t: f64, %%h: f64, %%a: f64, %%b: f64, %%i: i64, %%c: i64, "
      "%%one: i64");
    I("const.f64 %%h, 0.5");
    I("const.f64 %%y, 1.0");
    I("const.f64 %%a, %ld.%03ld", mixk(k, 3) % 10, mixk(k, 4) % 1000);
    I("const.f64 %%b, 0.0");
    I("const.i64 %%one, 1");
    I("const.i64 %%i, 0");
    T("loop:");
    I("ge.i64 %%c, %%i, %%n");
    I("br %%c, done, body");
    T("body:");
    I("div.f64 %%t, %%x, %%y");
    I("add.f64 %%y, %%y, %%t");
    I("mul.f64 %%y, %%y, %%h");
    for (r = 0; r <= v; r++) {
        I("mul.f64 %%b, %%b, %%h");
        I("mul.f64 %%t, %%y, %%a");
        I("add.f64 %%b, %%b, %%t");
    }
    I("add.i64 %%i, %%i, %%one");
    I("jmp loop");
    T("done:");
    I("sqrt.f64 %%t, %%x");
    I("sub.f64 %%t, %%y, %%t");
    I("mul.f64 %%t, %%t, %%t");
    I("lt.f64 %%c, %%t, %%h");
    I("br %%c, close, far");
    T("close:");
    I("add.f64 %%y, %%y, %%b");
    I("ret.f64 %%y");
    T("far:");
    I("neg.f64 %%b, %%b");
    I("add.f64 %%y, %%y, %%b");
    I("ret.f64 %%y");
    end();

    begin("func dyn_%ld(%%a: val, %%b: val) -> val", k);
    T("    .reg %%s: val, %%t: val, %%k: val, %%f: val, %%c: i64, %%x: f64");
    I("const.int %%k, %ld", 2 + k % 9);
    I("add %%s, %%a, %%b");
    I("mul %%t, %%s, %%k");
    I("sub %%t, %%t, %%a");
    I("lt %%c, %%t, %%b");
    I("br %%c, small, big");
    T("small:");
    I("const.int %%k, %ld", 7 + k % 13);
    I("add %%t, %%t, %%k");
    I("jmp out");
    T("big:");
    I("sub %%t, %%t, %%b");
    for (r = 0; r < v; r++) {
        I("const.int %%k, %ld", 1 + (k + r) % 3);
        I("add %%t, %%t, %%k");
    }
    T("out:");
    I("const.f64 %%x, 0.%ld", 25 + k % 50);
    I("box.f64 %%f, %%x");
    I("mul %%f, %%t, %%f");
    I("ge %%c, %%f, %%s");
    I("box.bool %%s, %%c");
    I("callb %%f, to_int, %%f");
    I("add %%t, %%t, %%f");
    I("ret.val %%t");
    end();

    begin("func strs_%ld(%%n: i64) -> i64", k);
    T("    .reg %%s: val, %%t: val, %%u: val, %%x: val, %%len: i64, %%c: i64, %%i: i64, "
      "%%acc: i64");
    I("const.str %%s, \"%s-%ld-\"", words[k % 10], k);
    I("box.i64 %%x, %%n");
    I("callb %%t, to_string, %%x");
    I("callb %%s, str.concat, %%s, %%t");
    I("const.str %%u, \":%s\"", words[(k * 7 + 3) % 10]);
    I("callb %%s, str.concat, %%s, %%u");
    I("callb %%s, str.upper, %%s");
    I("callb %%len, str.len, %%s");
    I("const.str %%u, \"TA\"");
    I("callb %%c, str.contains, %%s, %%u");
    I("add.i64 %%acc, %%len, %%c");
    I("const.i64 %%i, 2");
    I("callb %%t, str.slice, %%s, %%i, %%len");
    I("callb %%c, str.byte_len, %%t");
    I("add.i64 %%acc, %%acc, %%c");
    for (r = 0; r < v; r++) {
        I("const.i64 %%i, %ld", 2 + r);
        I("callb %%t, str.repeat, %%t, %%i");
        I("callb %%c, str.len, %%t");
        I("add.i64 %%acc, %%acc, %%c");
    }
    I("const.str %%u, \"-\"");
    I("const.i64 %%i, 0");
    I("callb %%c, str.find, %%s, %%u, %%i");
    I("add.i64 %%acc, %%acc, %%c");
    I("callb %%x, str.split, %%s, %%u");
    I("callb %%c, array.len, %%x");
    I("add.i64 %%acc, %%acc, %%c");
    I("ret.i64 %%acc");
    end();

    begin("func arrs_%ld(%%n: i64) -> i64", k);
    T("    .reg %%a: val, %%x: val, %%i: i64, %%c: i64, %%one: i64, %%acc: i64, %%t: i64, "
      "%%m: i64");
    I("callb %%a, array.new");
    I("const.i64 %%one, 1");
    I("const.i64 %%i, 0");
    I("const.i64 %%m, %ld", 11 + mixk(k, 5) % 89);
    T("fill:");
    I("ge.i64 %%c, %%i, %%n");
    I("br %%c, filled, push");
    T("push:");
    I("mul.i64 %%t, %%i, %%m");
    I("const.i64 %%c, 97");
    I("rem.i64 %%t, %%t, %%c");
    I("box.i64 %%x, %%t");
    I("callb.void array.push, %%a, %%x");
    I("add.i64 %%i, %%i, %%one");
    I("jmp fill");
    T("filled:");
    I("callb.void array.sort, %%a");
    I("callb %%c, array.len, %%a");
    I("const.i64 %%i, 0");
    I("const.i64 %%acc, 0");
    T("sum:");
    I("ge.i64 %%t, %%i, %%c");
    I("br %%t, done, item");
    T("item:");
    I("callb %%x, array.get, %%a, %%i");
    I("unbox.i64 %%t, %%x");
    I("mul.i64 %%t, %%t, %%i");
    I("add.i64 %%acc, %%acc, %%t");
    I("add.i64 %%i, %%i, %%one");
    I("jmp sum");
    T("done:");
    I("const.int %%x, %ld", k % 97);
    I("callb %%t, array.index_of, %%a, %%x");
    I("add.i64 %%acc, %%acc, %%t");
    I("ret.i64 %%acc");
    end();

    begin("func maps_%ld(%%n: i64) -> i64", k);
    T("    .reg %%m: val, %%k: val, %%v: val, %%d: val, %%i: i64, %%c: i64, %%one: i64, "
      "%%acc: i64, %%t: i64, %%p: i64");
    I("callb %%m, map.new");
    I("const.i64 %%one, 1");
    I("const.i64 %%i, 0");
    T("put:");
    I("ge.i64 %%c, %%i, %%n");
    I("br %%c, look, body");
    T("body:");
    I("const.i64 %%t, %ld", 3 + k % 7);
    I("rem.i64 %%t, %%i, %%t");
    I("box.i64 %%k, %%t");
    I("callb %%k, to_string, %%k");
    I("const.int %%d, 0");
    I("callb %%v, map.get_or, %%m, %%k, %%d");
    I("box.i64 %%d, %%i");
    I("add %%v, %%v, %%d");
    I("callb.void map.put, %%m, %%k, %%v");
    I("add.i64 %%i, %%i, %%one");
    I("jmp put");
    T("look:");
    I("callb %%acc, map.len, %%m");
    I("const.str %%k, \"%ld\"", k % 4);
    I("callb %%c, map.has, %%m, %%k");
    I("add.i64 %%acc, %%acc, %%c");
    I("const.i64 %%p, 0");
    T("iter:");
    I("callb %%p, map.next, %%m, %%p");
    I("const.i64 %%t, 0");
    I("lt.i64 %%c, %%p, %%t");
    I("br %%c, done, entry");
    T("entry:");
    I("callb %%v, map.value_at, %%m, %%p");
    I("unbox.i64 %%t, %%v");
    I("mul.i64 %%t, %%t, %%p");
    I("add.i64 %%acc, %%acc, %%t");
    I("add.i64 %%p, %%p, %%one");
    I("jmp iter");
    T("done:");
    I("ret.i64 %%acc");
    end();

    begin("func lam_%ld(%%x: val) captures(%%c: val) -> val", k);
    I("mul %%x, %%x, %%c");
    I("add %%x, %%x, %%c");
    I("ret.val %%x");
    end();

    begin("func tup_%ld(%%n: i64) -> i64", k);
    T("    .reg %%c: val, %%f: val, %%x: val, %%t: val, %%y: val, %%r: i64");
    I("const.int %%c, %ld", 2 + k % 5);
    I("closure %%f, lam_%ld, %%c", k);
    I("box.i64 %%x, %%n");
    I("call.v %%y, %%f, %%x");
    I("const.atom %%t, \"ok\"");
    I("tuple.new %%t, %%t, %%y, %%x");
    I("tuple.get %%y, %%t, 1");
    I("unbox.i64 %%r, %%y");
    I("ret.i64 %%r");
    end();

    begin("func sdiv_%ld(%%a: i64, %%b: i64) -> i64", k);
    T("    .reg %%r: i64, %%e: val");
    T("    .try t0, t1, handler");
    T("t0:");
    I("div.i64 %%r, %%a, %%b");
    T("t1:");
    I("ret.i64 %%r");
    T("handler:");
    I("catch %%e");
    I("const.i64 %%r, %ld", -1 - k % 10);
    I("ret.i64 %%r");
    end();

    begin("func unit_%ld(%%seed: i64) -> i64", k);
    T("    .reg %%acc: i64, %%t: i64, %%n: i64, %%x: f64, %%y: f64, %%s: f64, %%a: val, "
      "%%b: val, %%c: val");
    I("const.i64 %%n, %ld", 8 + k % 8);
    I("call %%acc, iloop_%ld, %%n", k);
    I("call %%t, strs_%ld, %%seed", k);
    I("add.i64 %%acc, %%acc, %%t");
    I("cvt.i64.f64 %%x, %%seed");
    I("call %%y, fmath_%ld, %%x, %%n", k);
    I("const.f64 %%s, 1000.0");
    I("mul.f64 %%y, %%y, %%s");
    I("cvt.f64.i64 %%t, %%y");
    I("add.i64 %%acc, %%acc, %%t");
    I("box.i64 %%a, %%seed");
    I("box.i64 %%b, %%n");
    I("call %%c, dyn_%ld, %%a, %%b", k);
    I("unbox.i64 %%t, %%c");
    I("add.i64 %%acc, %%acc, %%t");
    I("call %%t, arrs_%ld, %%n", k);
    I("add.i64 %%acc, %%acc, %%t");
    I("call %%t, maps_%ld, %%n", k);
    I("add.i64 %%acc, %%acc, %%t");
    I("call %%t, tup_%ld, %%n", k);
    I("add.i64 %%acc, %%acc, %%t");
    I("const.i64 %%t, 3");
    I("rem.i64 %%t, %%seed, %%t"); /* 0 for a third of the seeds: the handler runs */
    I("call %%t, sdiv_%ld, %%acc, %%t", k);
    I("call %%acc, hmix_%ld, %%acc, %%t", k);
    I("ret.i64 %%acc");
    end();
}

/* group_g calls units [first, first + count). */
static void group(long g, long first, long count)
{
    begin("func group_%ld(%%seed: i64) -> i64", g);
    T("    .reg %%acc: i64, %%s: i64, %%mask: i64, %%t: i64");
    I("const.i64 %%mask, 65535");
    I("mov.i64 %%acc, %%seed");
    for (long k = first; k < first + count; k++) {
        I("and.i64 %%s, %%acc, %%mask");
        I("call %%t, unit_%ld, %%s", k);
        I("add.i64 %%acc, %%acc, %%t");
    }
    I("ret.i64 %%acc");
    end();
}

static void groups(long units)
{
    for (long g = 0; g * UNITS_PER_GROUP < units; g++) {
        long first = g * UNITS_PER_GROUP, left = units - first;
        group(g, first, left < UNITS_PER_GROUP ? left : UNITS_PER_GROUP);
    }
}

static void main_func(long units)
{
    begin("func main() -> i64");
    T("    .reg %%acc: i64, %%t: i64, %%msg: val");
    I("const.i64 %%acc, 12345");
    for (long g = 0; g * UNITS_PER_GROUP < units; g++)
        I("call %%acc, group_%ld, %%acc", g);
    I("call %%t, pad, %%acc");
    I("add.i64 %%acc, %%acc, %%t");
    I("const.str %%msg, \"checksum \"");
    I("callb.void print.val, %%msg");
    I("callb.void println.i64, %%acc");
    I("const.i64 %%t, 0");
    I("ret.i64 %%t");
    end();
}

/* pad: exactly n >= 1 instructions of straight-line i64 code. */
static void pad(long n)
{
    begin("func pad(%%x: i64) -> i64");
    T("    .reg %%c: i64");
    static const char *const ops[] = {"add", "xor", "mul", "sub"};
    long i = 0;
    for (; i + 2 < n; i += 2) {
        I("const.i64 %%c, %ld", (i * 7919) % 100003 | 1);
        I("%s.i64 %%x, %%x, %%c", ops[(i / 2) % 4]);
    }
    if (i + 1 < n)
        I("nop");
    I("ret.i64 %%x");
    end();
}

/* Instructions that fn(arg) writes, measured by writing to a null sink. */
static long measure(void (*fn)(long), long arg, FILE *sink)
{
    FILE *saved = out;
    long n0 = ninstr, f0 = nfuncs, l0 = line;
    out = sink;
    fn(arg);
    long n = ninstr - n0;
    out = saved;
    ninstr = n0, nfuncs = f0, line = l0;
    return n;
}

int main(int argc, char **argv)
{
    char *endp;
    long n = argc == 2 ? strtol(argv[1], &endp, 10) : 0;
    if (argc != 2 || *endp || n < MIN_N) {
        fprintf(stderr, "usage: gen N   (N >= %d instructions)\n", MIN_N);
        return 2;
    }
    FILE *sink = fopen("/dev/null", "w");
    if (!sink) {
        perror("/dev/null");
        return 1;
    }
    /* As many units as fit with their groups, main and a pad of >= 1. */
    long units = 0, body = 0;
    for (;;) {
        long u = measure(unit, units, sink);
        long rest = measure(groups, units + 1, sink) + measure(main_func, units + 1, sink);
        if (body + u + rest + 1 > n)
            break;
        body += u;
        units++;
    }
    out = stdout;
    T("; compile_speed module: %ld instructions (bench/compile_speed/gen.c)", n);
    T(".version 2");
    T(".module cs");
    T(".file \"cs.src\"\n");
    for (long k = 0; k < units; k++)
        unit(k);
    groups(units);
    long fixed = measure(main_func, units, sink);
    pad(n - ninstr - fixed);
    main_func(units);
    fclose(sink);
    if (ninstr != n) {
        fprintf(stderr, "gen: wrote %ld instructions instead of %ld\n", ninstr, n);
        return 1;
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        perror("gen: stdout");
        return 1;
    }
    fprintf(stderr, "%ld instructions, %ld functions (%ld units)\n", ninstr, nfuncs, units);
    return 0;
}
