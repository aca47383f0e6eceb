/*
 * progen — a generator of random, valid, terminating vmcc programs.
 *
 *   progen SEED [SIZE]
 *
 * writes one .vmasm module to stdout. The same SEED and SIZE always give the
 * same bytes (the generator has its own PRNG). The program prints many
 * intermediate values and a checksum per function, and returns the checksum
 * of main as its exit status, so a miscompile shows up in stdout or in the
 * status. tests/difftest.sh compiles it at several -O levels and targets and
 * compares. docs/difftest.md describes what is covered.
 *
 * Validity is by construction: every register has a type and, for vals, a
 * kind the generator keeps (an int register only ever receives ints, an
 * array register arrays ...), so instructions get what they need; runtime
 * errors still happen on purpose (division by zero, index, key, overflow,
 * badarith, type, arity, raise) and are caught and printed.
 *
 * Termination: functions only call functions with a higher index (a DAG),
 * self-recursion is bounded by a depth parameter the callee masks, loops
 * count up to a small constant, and a cost estimate keeps the total work
 * (and the output) small. Values stored in containers are scalars only, so
 * no container ever contains itself.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- PRNG: splitmix64 ---- */
static uint64_t rng_state;

static uint64_t rnd64(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* uniform in [0, n), n > 0 */
static int rnd(int n)
{
    return (int)(rnd64() % (uint64_t)n);
}

/* true with probability pct % */
static int chance(int pct)
{
    return rnd(100) < pct;
}

/* ---- growable text ---- */
typedef struct {
    char *p;
    size_t len, cap;
} Buf;

__attribute__((format(printf, 2, 0))) static void buf_vprintf(Buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        abort();
    if (b->len + (size_t)n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + (size_t)n + 1)
            cap *= 2;
        b->p = realloc(b->p, cap);
        if (!b->p)
            abort();
        b->cap = cap;
    }
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

__attribute__((format(printf, 2, 3))) static void buf_printf(Buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(b, fmt, ap);
    va_end(ap);
}

/* ---- kinds: the type of a register and, for vals, what it holds ---- */
enum Kind {
    K_I64, /* i64 register */
    K_F64, /* f64 register */
    K_INT, /* val: a small int */
    K_FLT, /* val: a float */
    K_STR, /* val: a string */
    K_ARR, /* val: an array of scalars */
    K_MAP, /* val: a map from scalars to scalars */
    K_SET, /* val: a set of scalars */
    K_TUP, /* val: a tuple of scalars */
    K_FN,  /* val: a function value taking one int, returning an int */
    K_ANY, /* val: some scalar (nil, bool, int, float, atom, string, tuple) */
    K_ERR, /* val: an error value (catch) */
    K_NKIND
};

static const char *kind_type(int k)
{
    return k == K_I64 ? "i64" : k == K_F64 ? "f64" : "val";
}

static int is_scalar(int k)
{
    return k == K_INT || k == K_FLT || k == K_STR || k == K_TUP || k == K_ANY;
}

/* ---- the program being generated ---- */
#define MAX_FUNCS  24
#define MAX_PARAMS 8
#define MAX_REGS   96

typedef struct {
    char name[16];
    int nparams;
    int pkind[MAX_PARAMS];
    int ncaps; /* captures (all K_INT): only called through closures */
    int rkind;
    int recursive; /* the first parameter is an i64 depth */
    int done;      /* generated: may be called */
    long cost;     /* estimated work of one call, callees included */
} Fn;

static Fn funcs[MAX_FUNCS];
static int nfuncs;
static int size_param;

typedef struct {
    char name[16];
    int kind;
    int pool;     /* may be read by random statements */
    int writable; /* may be written by random statements */
} Reg;

typedef struct {
    int fi; /* index in funcs, or -1 for main */
    Fn *f;
    Reg regs[MAX_REGS];
    int nregs;
    Buf body;
    Buf tries;
    int nlabel;
    int in_try;    /* > 0 inside a try region: no tail calls */
    int loopdepth; /* loop counters in use */
    long mult;     /* how many times the current statement runs, estimated */
    long cost;
    long budget;
    int nstmt; /* statements generated, to number the printed lines */
} Ctx;

static int add_reg(Ctx *c, const char *name, int kind, int pool, int writable)
{
    if (c->nregs >= MAX_REGS)
        abort();
    Reg *r = &c->regs[c->nregs];
    snprintf(r->name, sizeof r->name, "%s", name);
    r->kind = kind;
    r->pool = pool;
    r->writable = writable;
    return c->nregs++;
}

static const char *R(Ctx *c, int r)
{
    return c->regs[r].name;
}

/* a register of kind k to read (K_ANY accepts any scalar); -1 if none */
static int pick_read(Ctx *c, int k)
{
    int cand[MAX_REGS], n = 0;
    for (int i = 0; i < c->nregs; i++) {
        Reg *r = &c->regs[i];
        if (!r->pool)
            continue;
        if (r->kind == k || (k == K_ANY && is_scalar(r->kind)))
            cand[n++] = i;
    }
    return n ? cand[rnd(n)] : -1;
}

/* a register of kind k to write; -1 if none */
static int pick_write(Ctx *c, int k)
{
    int cand[MAX_REGS], n = 0;
    for (int i = 0; i < c->nregs; i++)
        if (c->regs[i].writable && c->regs[i].kind == k)
            cand[n++] = i;
    return n ? cand[rnd(n)] : -1;
}

/* any readable val register whose value compares and prints the same in
 * every build (function values compare by address: left out) */
static int pick_plain_val(Ctx *c)
{
    static const int ks[] = {K_INT, K_FLT, K_STR, K_ARR, K_MAP, K_SET, K_TUP, K_ANY};
    for (int tries = 0; tries < 8; tries++) {
        int r = pick_read(c, ks[rnd(8)]);
        if (r >= 0)
            return r;
    }
    return pick_read(c, K_ANY);
}

__attribute__((format(printf, 2, 3))) static void emit(Ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    buf_printf(&c->body, "    ");
    buf_vprintf(&c->body, fmt, ap);
    buf_printf(&c->body, "\n");
    va_end(ap);
}

static int new_label(Ctx *c)
{
    return c->nlabel++;
}

static void put_label(Ctx *c, int l)
{
    buf_printf(&c->body, "L%d:\n", l);
}

/* fixed registers every function has */
static int r_ft, r_acc, r_one, r_zero, r_kmix, r_kmask, r_t, r_t2, r_t3, r_lbl, r_e, r_cmpf;
static int r_lc[4], r_ln[4];

/* ---- literals ---- */
static const char *i64_lits[] = {"0",
                                 "1",
                                 "-1",
                                 "2",
                                 "3",
                                 "7",
                                 "10",
                                 "63",
                                 "64",
                                 "65",
                                 "-64",
                                 "255",
                                 "1000000007",
                                 "0x7fffffffffffffff",
                                 "-0x8000000000000000",
                                 "4611686018427387903",
                                 "4611686018427387904",
                                 "-4611686018427387904",
                                 "-4611686018427387905",
                                 "0x5555555555555555",
                                 "-12345",
                                 "9007199254740993",
                                 "0xffffffff",
                                 "-2147483648"};

static void emit_i64_const(Ctx *c, int r)
{
    if (chance(30))
        emit(c, "const.i64 %s, %" PRId64, R(c, r), (int64_t)rnd64());
    else if (chance(40))
        emit(c, "const.i64 %s, %d", R(c, r), rnd(201) - 100);
    else
        emit(c, "const.i64 %s, %s", R(c, r), i64_lits[rnd(sizeof i64_lits / sizeof *i64_lits)]);
}

static const char *f64_lits[] = {"0.0",
                                 "-0.0",
                                 "1.0",
                                 "-1.0",
                                 "0.1",
                                 "0.2",
                                 "1.5",
                                 "2.5",
                                 "-2.5",
                                 "3.0",
                                 "1e300",
                                 "-1e300",
                                 "1e-300",
                                 "5e-324",
                                 "inf",
                                 "-inf",
                                 "nan",
                                 "3.141592653589793",
                                 "1e16",
                                 "123456.789",
                                 "9007199254740993",
                                 "0x1.8p1",
                                 "4.611686018427388e18",
                                 "-9.3e18",
                                 "0.5",
                                 "1e21",
                                 "6.02E23"};

static void emit_f64_const(Ctx *c, int r)
{
    if (chance(25))
        emit(c, "const.f64 %s, %d.%d", R(c, r), rnd(2001) - 1000, rnd(1000));
    else
        emit(c, "const.f64 %s, %s", R(c, r), f64_lits[rnd(sizeof f64_lits / sizeof *f64_lits)]);
}

static const char *int_lits[] = {"0",
                                 "1",
                                 "-1",
                                 "2",
                                 "3",
                                 "5",
                                 "7",
                                 "10",
                                 "42",
                                 "-17",
                                 "100",
                                 "1000",
                                 "65536",
                                 "4611686018427387903",
                                 "-4611686018427387904",
                                 "2305843009213693952",
                                 "-3037000499",
                                 "3037000499"};

static void emit_int_const(Ctx *c, int r)
{
    if (chance(40))
        emit(c, "const.int %s, %d", R(c, r), rnd(41) - 20);
    else
        emit(c, "const.int %s, %s", R(c, r), int_lits[rnd(sizeof int_lits / sizeof *int_lits)]);
}

/* string literals, written as assembly text: ASCII, Unicode, escapes */
static const char *str_lits[] = {"",
                                 "a",
                                 "abc",
                                 "hello world",
                                 "héllo",
                                 "ünïcödé",
                                 "日本語テキスト",
                                 "Straße",
                                 "ΣΑΣ σας",
                                 "e\\u{301}toile",
                                 "\\u{1F600}smile\\u{1F44D}",
                                 "\\u{1F1EB}\\u{1F1F7}flag",
                                 "tab\\there",
                                 "quote\\\" back\\\\slash",
                                 "line\\nbreak",
                                 "  padded  ",
                                 "ﬁne ligature",
                                 "a,b,,c",
                                 "1,2,3",
                                 "42",
                                 "-7",
                                 "3.25",
                                 "1e5",
                                 "x\\x41y",
                                 "abcabcabc",
                                 "ǅemal",
                                 "İstanbul",
                                 "mañana",
                                 "Ωmega"};

static const char *pick_str_lit(void)
{
    return str_lits[rnd(sizeof str_lits / sizeof *str_lits)];
}

static void emit_str_const(Ctx *c, int r)
{
    emit(c, "const.str %s, \"%s\"", R(c, r), pick_str_lit());
}

static const char *atom_lits[] = {"ok", "error", "foo", "bar baz", "ünï", "x"};

/* print a label: "fN.K " */
static void print_label(Ctx *c, const char *what)
{
    emit(c, "const.str %s, \"%s.%d %s \"", R(c, r_lbl), c->f ? c->f->name : "main", c->nstmt, what);
    emit(c, "callb.void print.val, %s", R(c, r_lbl));
}

/* acc := acc * K + x */
static void mix_i64(Ctx *c, int r)
{
    emit(c, "mul.i64 %s, %s, %s", R(c, r_acc), R(c, r_acc), R(c, r_kmix));
    emit(c, "add.i64 %s, %s, %s", R(c, r_acc), R(c, r_acc), R(c, r));
}

/* fold any register into acc */
static void mix_reg(Ctx *c, int r)
{
    switch (c->regs[r].kind) {
    case K_I64: mix_i64(c, r); break;
    case K_F64:
        emit(c, "cvt.f64.i64 %s, %s", R(c, r_t3), R(c, r));
        mix_i64(c, r_t3);
        break;
    case K_INT:
        emit(c, "unbox.i64 %s, %s", R(c, r_t3), R(c, r));
        mix_i64(c, r_t3);
        break;
    case K_FN: break;
    default:
        emit(c, "callb %s, to_string, %s", R(c, r_lbl), R(c, r));
        emit(c, "callb %s, str.byte_len, %s", R(c, r_t3), R(c, r_lbl));
        mix_i64(c, r_t3);
        break;
    }
}

static void print_reg(Ctx *c, int r)
{
    switch (c->regs[r].kind) {
    case K_I64: emit(c, "callb.void println.i64, %s", R(c, r)); break;
    case K_F64: emit(c, "callb.void println.f64, %s", R(c, r)); break;
    default: emit(c, "callb.void println.val, %s", R(c, r)); break;
    }
}

/* a sequence register (a string or an array: `kind` is "str" or "array")
 * longer than `max` items is cut to its first `keep` */
static void clamp_seq(Ctx *c, int r, const char *kind, int max, int keep)
{
    int lcut = new_label(c), lok = new_label(c);
    emit(c, "callb %s, %s.len, %s", R(c, r_t3), kind, R(c, r));
    emit(c, "const.i64 %s, %d", R(c, r_t2), max);
    emit(c, "gt.i64 %s, %s, %s", R(c, r_t3), R(c, r_t3), R(c, r_t2));
    emit(c, "br %s, L%d, L%d", R(c, r_t3), lcut, lok);
    put_label(c, lcut);
    emit(c, "const.i64 %s, %d", R(c, r_t2), keep);
    emit(c, "callb %s, %s.slice, %s, %s, %s", R(c, r), kind, R(c, r), R(c, r_zero), R(c, r_t2));
    put_label(c, lok);
}

/* a string register longer than 40 code points is cut to its first 12 */
static void clamp_str(Ctx *c, int r)
{
    clamp_seq(c, r, "str", 40, 12);
}

/* an array register longer than 32 items is cut to its first 8 */
static void clamp_arr(Ctx *c, int r)
{
    clamp_seq(c, r, "array", 32, 8);
}

/* a set register with more than 32 members is replaced by a new one */
static void clamp_set(Ctx *c, int r)
{
    int lcut = new_label(c), lok = new_label(c);
    emit(c, "callb %s, set.len, %s", R(c, r_t3), R(c, r));
    emit(c, "const.i64 %s, 32", R(c, r_t2));
    emit(c, "gt.i64 %s, %s, %s", R(c, r_t3), R(c, r_t3), R(c, r_t2));
    emit(c, "br %s, L%d, L%d", R(c, r_t3), lcut, lok);
    put_label(c, lcut);
    emit(c, "callb %s, set.new", R(c, r));
    put_label(c, lok);
}

/* %t := a position for a container or string r of length builtin len:
 * usually in range (its length, plus one when extra), sometimes a small
 * constant that may be out of range. Returns the label to jump to when the
 * length is 0 (put it after the operation), or -1. */
static int index_into(Ctx *c, int r, const char *len, int extra)
{
    int idx = c->loopdepth && chance(40) ? r_lc[c->loopdepth - 1] : -1;
    if (idx < 0) {
        emit(c, "const.i64 %s, %d", R(c, r_t), rnd(6));
        idx = r_t;
    }
    if (chance(15)) { /* unguarded: may raise index */
        if (idx != r_t)
            emit(c, "mov.i64 %s, %s", R(c, r_t), R(c, idx));
        return -1;
    }
    int lskip = new_label(c), lok = new_label(c);
    emit(c, "callb %s, %s, %s", R(c, r_t2), len, R(c, r));
    if (extra)
        emit(c, "add.i64 %s, %s, %s", R(c, r_t2), R(c, r_t2), R(c, r_one));
    emit(c, "le.i64 %s, %s, %s", R(c, r_t3), R(c, r_t2), R(c, r_zero));
    emit(c, "br %s, L%d, L%d", R(c, r_t3), lskip, lok);
    put_label(c, lok);
    emit(c, "rem.i64 %s, %s, %s", R(c, r_t), R(c, idx), R(c, r_t2));
    return lskip;
}

static void end_index(Ctx *c, int lskip)
{
    if (lskip >= 0)
        put_label(c, lskip);
}

static void gen_block(Ctx *c, int n, int depth);

/* ---- statements: each keeps every register's kind ---- */

static void st_i64_arith(Ctx *c)
{
    static const char *bin[] = {"add", "sub",  "mul", "and", "or",  "xor", "shl",
                                "shr", "ushr", "div", "rem", "add", "sub", "mul"};
    static const char *imm[] = {"addi", "muli", "andi",  "ori",  "xori",
                                "shli", "shri", "ushri", "divi", "remi"};
    static const long long ks[] = {
        0, 1, -1, 2, 3, -7, 63, 64, 65, 255, 0x7fffffffffffffffLL, -0x7fffffffffffffffLL - 1};
    int d = pick_write(c, K_I64), a = pick_read(c, K_I64), b = pick_read(c, K_I64);
    if (chance(12)) {
        emit(c, "%s.i64 %s, %s", chance(50) ? "neg" : "not", R(c, d), R(c, a));
    } else if (chance(15)) { /* an immediate operand: divi/remi never by 0 */
        const char *op = imm[rnd(sizeof imm / sizeof *imm)];
        long long k = ks[rnd(sizeof ks / sizeof *ks)];
        if (k == 0 && (!strcmp(op, "divi") || !strcmp(op, "remi")))
            k = -1;
        emit(c, "%s.i64 %s, %s, %lld", op, R(c, d), R(c, a), k);
    } else if (chance(10)) {
        emit(c, "%s.i64 %s, %s, %s", chance(50) ? "min" : "max", R(c, d), R(c, a), R(c, b));
    } else if (chance(8)) {
        emit(c, "select.i64 %s, %s, %s, %s", R(c, d), R(c, pick_read(c, K_I64)), R(c, a), R(c, b));
    } else {
        const char *op = bin[rnd(sizeof bin / sizeof *bin)];
        if ((!strcmp(op, "div") || !strcmp(op, "rem")) && chance(15)) {
            /* MIN / -1 and MIN rem -1: defined, no trap */
            emit(c, "const.i64 %s, -0x8000000000000000", R(c, d));
            emit(c, "const.i64 %s, -1", R(c, r_t));
            a = d, b = r_t;
        } else if ((!strcmp(op, "div") || !strcmp(op, "rem")) && chance(60)) {
            /* an odd divisor: never zero */
            emit(c, "or.i64 %s, %s, %s", R(c, r_t), R(c, b), R(c, r_one));
            b = r_t;
        }
        emit(c, "%s.i64 %s, %s, %s", op, R(c, d), R(c, a), R(c, b));
    }
    if (chance(70))
        mix_i64(c, d);
}

static void st_i64_const(Ctx *c)
{
    int d = pick_write(c, K_I64);
    emit_i64_const(c, d);
}

static void st_i64_cmp(Ctx *c)
{
    static const char *ops[] = {"eq", "ne", "lt", "le", "gt", "ge"};
    int d = pick_write(c, K_I64);
    if (chance(15))
        emit(c, "%si.i64 %s, %s, %d", ops[rnd(6)], R(c, d), R(c, pick_read(c, K_I64)), rnd(7) - 3);
    else if (chance(50))
        emit(c, "%s.i64 %s, %s, %s", ops[rnd(6)], R(c, d), R(c, pick_read(c, K_I64)),
             R(c, pick_read(c, K_I64)));
    else
        emit(c, "%s.f64 %s, %s, %s", ops[rnd(6)], R(c, d), R(c, pick_read(c, K_F64)),
             R(c, pick_read(c, K_F64)));
    mix_i64(c, d);
}

static void st_f64_arith(Ctx *c)
{
    static const char *bin[] = {"add", "sub", "mul", "div", "rem", "add", "mul"};
    int d = pick_write(c, K_F64), a = pick_read(c, K_F64), b = pick_read(c, K_F64);
    int r = rnd(10);
    if (r == 0)
        emit(c, "neg.f64 %s, %s", R(c, d), R(c, a));
    else if (r == 1)
        emit(c, "sqrt.f64 %s, %s", R(c, d), R(c, a));
    else if (r == 3 && chance(50))
        emit(c, "%s.f64 %s, %s, %s", chance(50) ? "min" : "max", R(c, d), R(c, a), R(c, b));
    else if (r == 4 && chance(40))
        emit(c, "select.f64 %s, %s, %s, %s", R(c, d), R(c, pick_read(c, K_I64)), R(c, a), R(c, b));
    else if (r == 2) {
        static const char *m[] = {"math.floor", "math.ceil", "math.round"};
        emit(c, "callb %s, %s, %s", R(c, d), m[rnd(3)], R(c, a));
    } else
        emit(c, "%s.f64 %s, %s, %s", bin[rnd(sizeof bin / sizeof *bin)], R(c, d), R(c, a), R(c, b));
    if (chance(40)) {
        print_label(c, "f64");
        emit(c, "callb.void println.f64, %s", R(c, d));
    } else {
        mix_reg(c, d);
    }
}

static void st_f64_const(Ctx *c)
{
    emit_f64_const(c, pick_write(c, K_F64));
}

static void st_convert(Ctx *c)
{
    int d, s;
    switch (rnd(9)) {
    case 0:
        d = pick_write(c, K_F64);
        emit(c, "cvt.i64.f64 %s, %s", R(c, d), R(c, pick_read(c, K_I64)));
        mix_reg(c, d);
        break;
    case 1:
        d = pick_write(c, K_I64);
        emit(c, "cvt.f64.i64 %s, %s", R(c, d), R(c, pick_read(c, K_F64)));
        mix_i64(c, d);
        break;
    case 2: /* box.i64: raises overflow outside the small-int range */
        if ((d = pick_write(c, K_INT)) < 0)
            return;
        s = pick_read(c, K_I64);
        if (chance(60)) {
            emit(c, "and.i64 %s, %s, %s", R(c, r_t), R(c, s), R(c, r_kmask));
            s = r_t;
        }
        emit(c, "box.i64 %s, %s", R(c, d), R(c, s));
        break;
    case 3:
        if ((d = pick_write(c, K_FLT)) < 0)
            return;
        emit(c, "box.f64 %s, %s", R(c, d), R(c, pick_read(c, K_F64)));
        break;
    case 4:
        if ((d = pick_write(c, K_ANY)) < 0)
            return;
        emit(c, "box.bool %s, %s", R(c, d), R(c, pick_read(c, K_I64)));
        break;
    case 5: /* unbox.i64 of an int, or of any scalar (may raise type) */
        s = chance(70) ? pick_read(c, K_INT) : pick_read(c, K_ANY);
        if (s < 0)
            return;
        d = pick_write(c, K_I64);
        emit(c, "unbox.i64 %s, %s", R(c, d), R(c, s));
        mix_i64(c, d);
        break;
    case 6:
        s = chance(70) ? pick_read(c, K_FLT) : pick_read(c, K_ANY);
        if (s < 0)
            return;
        d = pick_write(c, K_F64);
        emit(c, "unbox.f64 %s, %s", R(c, d), R(c, s));
        mix_reg(c, d);
        break;
    case 7:
        s = pick_plain_val(c);
        d = pick_write(c, K_I64);
        emit(c, "truthy %s, %s", R(c, d), R(c, s));
        mix_i64(c, d);
        break;
    default: /* to_int / to_float of a number, or of any scalar */
        s = chance(80) ? pick_read(c, chance(50) ? K_INT : K_FLT) : pick_read(c, K_ANY);
        if ((d = pick_write(c, K_ANY)) < 0)
            return;
        emit(c, "callb %s, %s, %s", R(c, d), chance(50) ? "to_int" : "to_float", R(c, s));
        print_label(c, "conv");
        emit(c, "callb.void println.val, %s", R(c, d));
        break;
    }
}

static void st_dyn_arith(Ctx *c)
{
    static const char *ops[] = {"add", "sub", "mul", "add", "sub"};
    const char *op = ops[rnd(5)];
    int d, a, b;
    switch (chance(6) ? 2 : rnd(2)) {
    case 0:
        if ((d = pick_write(c, K_INT)) < 0)
            return;
        a = pick_read(c, K_INT), b = pick_read(c, K_INT);
        break;
    case 1:
        if ((d = pick_write(c, K_FLT)) < 0 || (a = pick_read(c, K_FLT)) < 0)
            return;
        b = chance(50) ? pick_read(c, K_INT) : pick_read(c, K_FLT);
        if (b < 0)
            return;
        if (chance(50)) {
            int t = a;
            a = b, b = t;
        }
        break;
    default: /* any scalars: badarith unless both are numbers */
        if ((d = pick_write(c, K_ANY)) < 0)
            return;
        a = pick_read(c, K_ANY), b = pick_read(c, K_ANY);
        break;
    }
    emit(c, "%s %s, %s, %s", op, R(c, d), R(c, a), R(c, b));
    if (chance(50)) {
        print_label(c, op);
        emit(c, "callb.void println.val, %s", R(c, d));
    } else {
        mix_reg(c, d);
    }
}

static void st_dyn_cmp(Ctx *c)
{
    static const char *ops[] = {"eq", "ne", "lt", "le", "gt", "ge"};
    int d = pick_write(c, K_I64);
    int a = pick_plain_val(c), b = chance(50) ? pick_plain_val(c) : pick_read(c, c->regs[a].kind);
    if (chance(20)) {
        emit(c, "callb %s, cmp, %s, %s", R(c, d), R(c, a), R(c, b));
    } else {
        emit(c, "%s %s, %s, %s", ops[rnd(6)], R(c, d), R(c, a), R(c, b));
    }
    mix_i64(c, d);
}

static void st_print(Ctx *c)
{
    int r;
    do
        r = rnd(c->nregs);
    while (!c->regs[r].pool);
    print_label(c, R(c, r) + 1);
    print_reg(c, r);
}

static void st_string(Ctx *c)
{
    int d, s, t, n;
    switch (rnd(22)) {
    case 0:
        if ((d = pick_write(c, K_STR)) >= 0)
            emit_str_const(c, d);
        return;
    case 1:
    case 2:
        d = pick_write(c, K_STR);
        emit(c, "callb %s, str.concat, %s, %s", R(c, d), R(c, pick_read(c, K_STR)),
             R(c, pick_read(c, K_STR)));
        clamp_str(c, d);
        break;
    case 3:
        d = pick_write(c, K_STR);
        s = pick_plain_val(c);
        emit(c, "callb %s, %s, %s", R(c, d), chance(70) ? "to_string" : "inspect", R(c, s));
        clamp_str(c, d);
        break;
    case 4: {
        static const char *m[] = {"str.len", "str.byte_len", "str.grapheme_len", "str.width"};
        d = pick_write(c, K_I64);
        emit(c, "callb %s, %s, %s", R(c, d), m[rnd(4)], R(c, pick_read(c, K_STR)));
        mix_i64(c, d);
        return;
    }
    case 5:
    case 6: /* slice: usually [i, len), sometimes constants that may raise index */
        d = pick_write(c, K_STR);
        s = pick_read(c, K_STR);
        n = index_into(c, s, "str.len", 1);
        if (n < 0)
            emit(c, "const.i64 %s, %d", R(c, r_t2), rnd(8));
        else
            emit(c, "callb %s, str.len, %s", R(c, r_t2), R(c, s));
        emit(c, "callb %s, str.slice, %s, %s, %s", R(c, d), R(c, s), R(c, r_t), R(c, r_t2));
        end_index(c, n);
        break;
    case 7:
        d = pick_write(c, K_I64);
        s = pick_read(c, K_STR);
        n = index_into(c, s, "str.len", 0);
        emit(c, "callb %s, str.at, %s, %s", R(c, d), R(c, s), R(c, r_t));
        mix_i64(c, d);
        end_index(c, n);
        return;
    case 8:
    case 9: {
        static const char *m[] = {"str.upper", "str.lower",    "str.casefold",  "str.nfc",
                                  "str.nfd",   "str.nfkc",     "str.nfkd",      "str.reverse",
                                  "str.trim",  "str.trim_end", "str.trim_start"};
        d = pick_write(c, K_STR);
        emit(c, "callb %s, %s, %s", R(c, d), m[rnd(11)], R(c, pick_read(c, K_STR)));
        clamp_str(c, d);
        break;
    }
    case 10: {
        static const char *m[] = {"str.contains", "str.starts_with", "str.ends_with"};
        d = pick_write(c, K_I64);
        emit(c, "callb %s, %s, %s, %s", R(c, d), m[rnd(3)], R(c, pick_read(c, K_STR)),
             R(c, pick_read(c, K_STR)));
        mix_i64(c, d);
        return;
    }
    case 11:
        d = pick_write(c, K_I64);
        emit(c, "const.i64 %s, %d", R(c, r_t), rnd(3));
        emit(c, "callb %s, str.find, %s, %s, %s", R(c, d), R(c, pick_read(c, K_STR)),
             R(c, pick_read(c, K_STR)), R(c, r_t));
        mix_i64(c, d);
        return;
    case 12: /* replace: an empty pattern raises badarg */
        d = pick_write(c, K_STR);
        s = pick_read(c, K_STR);
        emit(c, "const.str %s, \"%s\"", R(c, r_lbl), chance(80) ? "a" : "");
        t = pick_read(c, K_STR);
        emit(c, "callb %s, str.replace, %s, %s, %s", R(c, d), R(c, s), R(c, r_lbl), R(c, t));
        clamp_str(c, d);
        break;
    case 13:
        d = pick_write(c, K_STR);
        emit(c, "const.i64 %s, %d", R(c, r_t), rnd(5) - 1);
        emit(c, "callb %s, str.repeat, %s, %s", R(c, d), R(c, pick_read(c, K_STR)), R(c, r_t));
        clamp_str(c, d);
        break;
    case 14: /* split, then join */
        if ((t = pick_write(c, K_ARR)) < 0)
            return;
        emit(c, "const.str %s, \"%s\"", R(c, r_lbl), chance(90) ? (chance(50) ? "," : "a") : "");
        emit(c, "callb %s, str.split, %s, %s", R(c, t), R(c, pick_read(c, K_STR)), R(c, r_lbl));
        clamp_arr(c, t);
        print_label(c, "split");
        emit(c, "callb.void println.val, %s", R(c, t));
        d = pick_write(c, K_STR);
        emit(c, "const.str %s, \"-\"", R(c, r_lbl));
        emit(c, "callb %s, str.join, %s, %s", R(c, d), R(c, chance(70) ? t : pick_read(c, K_ARR)),
             R(c, r_lbl));
        clamp_str(c, d);
        break;
    case 15:
        if ((t = pick_write(c, K_ARR)) < 0)
            return;
        emit(c, "callb %s, %s, %s", R(c, t), chance(50) ? "str.codepoints" : "str.graphemes",
             R(c, pick_read(c, K_STR)));
        clamp_arr(c, t);
        print_label(c, "cps");
        emit(c, "callb.void println.val, %s", R(c, t));
        return;
    case 16: /* from_codepoint: may raise badarg */
        d = pick_write(c, K_STR);
        s = pick_read(c, K_I64);
        if (chance(70)) {
            emit(c, "const.i64 %s, 0x1ffff", R(c, r_t));
            emit(c, "and.i64 %s, %s, %s", R(c, r_t), R(c, s), R(c, r_t));
            s = r_t;
        }
        emit(c, "callb %s, str.from_codepoint, %s", R(c, d), R(c, s));
        break;
    case 17: /* number -> text -> number */
        d = pick_write(c, K_I64);
        emit(c, "callb %s, to_string, %s", R(c, r_lbl),
             R(c,
               pick_read(c, K_I64) >= 0 && chance(50) ? pick_read(c, K_INT) : pick_read(c, K_STR)));
        emit(c, "callb %s, str.to_i64, %s", R(c, d), R(c, r_lbl));
        mix_i64(c, d);
        return;
    case 18:
        if ((d = pick_write(c, K_ANY)) < 0)
            return;
        if (chance(60)) { /* the text of a number */
            emit(c, "callb %s, to_string, %s", R(c, r_lbl),
                 R(c, pick_read(c, chance(50) ? K_INT : K_FLT)));
            emit(c, "callb %s, str.to_number, %s", R(c, d), R(c, r_lbl));
        } else {
            emit(c, "callb %s, str.to_number, %s", R(c, d), R(c, pick_read(c, K_STR)));
        }
        print_label(c, "num");
        emit(c, "callb.void println.val, %s", R(c, d));
        return;
    case 19:
        d = pick_write(c, K_STR);
        emit(c, "const.i64 %s, %d", R(c, r_t), rnd(8));
        emit(c, "callb %s, f64.to_fixed, %s, %s", R(c, d), R(c, pick_read(c, K_F64)), R(c, r_t));
        break;
    case 20:
        if ((d = pick_write(c, K_F64)) < 0)
            return;
        emit(c, "callb %s, to_string, %s", R(c, r_lbl),
             R(c, pick_read(c, K_FLT) >= 0 ? pick_read(c, K_FLT) : pick_read(c, K_STR)));
        emit(c, "callb %s, str.to_f64, %s", R(c, d), R(c, r_lbl));
        print_label(c, "to_f64");
        emit(c, "callb.void println.f64, %s", R(c, d));
        return;
    default: /* atoms */
        if ((d = pick_write(c, K_ANY)) < 0)
            return;
        if (chance(50))
            emit(c, "const.atom %s, \"%s\"", R(c, d), atom_lits[rnd(6)]);
        else
            emit(c, "callb %s, atom.from_string, %s", R(c, d), R(c, pick_read(c, K_STR)));
        emit(c, "callb %s, type_of, %s", R(c, r_lbl), R(c, d));
        emit(c, "callb.void print.val, %s", R(c, r_lbl));
        emit(c, "callb.void println.val, %s", R(c, d));
        return;
    }
    if (chance(50)) {
        print_label(c, "str");
        emit(c, "callb.void println.val, %s", R(c, d));
    } else {
        mix_reg(c, d);
    }
}

/* a loop over 0 .. n-1 with counter lc[k]; body() emits the body */
static int loop_begin(Ctx *c, int limit_reg_set, int *lhead, int *lexit)
{
    int k = c->loopdepth++;
    (void)limit_reg_set;
    *lhead = new_label(c);
    *lexit = new_label(c);
    int lbody = new_label(c);
    emit(c, "const.i64 %s, 0", R(c, r_lc[k]));
    put_label(c, *lhead);
    emit(c, "ge.i64 %s, %s, %s", R(c, r_t), R(c, r_lc[k]), R(c, r_ln[k]));
    emit(c, "br %s, L%d, L%d", R(c, r_t), *lexit, lbody);
    put_label(c, lbody);
    return k;
}

static void loop_end(Ctx *c, int k, int lhead, int lexit)
{
    emit(c, "add.i64 %s, %s, %s", R(c, r_lc[k]), R(c, r_lc[k]), R(c, r_one));
    emit(c, "jmp L%d", lhead);
    put_label(c, lexit);
    c->loopdepth--;
}

/* a loop over the entries of map or set register `coll` with `kind`.next
 * (`kind` is "map" or "set"); the position is lc[k]; loop_end closes it */
static int next_loop_begin(Ctx *c, const char *kind, int coll, int *lhead, int *lexit)
{
    int k = c->loopdepth++;
    *lhead = new_label(c);
    *lexit = new_label(c);
    int lbody = new_label(c);
    emit(c, "const.i64 %s, 0", R(c, r_lc[k]));
    put_label(c, *lhead);
    emit(c, "callb %s, %s.next, %s, %s", R(c, r_lc[k]), kind, R(c, coll), R(c, r_lc[k]));
    emit(c, "lt.i64 %s, %s, %s", R(c, r_t), R(c, r_lc[k]), R(c, r_zero));
    emit(c, "br %s, L%d, L%d", R(c, r_t), *lexit, lbody);
    put_label(c, lbody);
    return k;
}

static void st_array(Ctx *c)
{
    int a = pick_read(c, K_ARR), d, s;
    if (a < 0)
        return;
    switch (rnd(16)) {
    case 0:
        if ((d = pick_write(c, K_ARR)) < 0)
            return;
        if (chance(50)) {
            emit(c, "callb %s, array.new", R(c, d));
        } else {
            emit(c, "const.i64 %s, %d", R(c, r_t), rnd(5) - (chance(10) ? 3 : 0));
            emit(c, "callb %s, array.make, %s, %s", R(c, d), R(c, r_t), R(c, pick_read(c, K_ANY)));
        }
        return;
    case 1:
    case 2:
        emit(c, "callb.void array.push, %s, %s", R(c, a), R(c, pick_read(c, K_ANY)));
        clamp_arr(c, a);
        return;
    case 3: /* get */
        if ((d = pick_write(c, K_ANY)) < 0)
            return;
        s = index_into(c, a, "array.len", 0);
        emit(c, "callb %s, array.get, %s, %s", R(c, d), R(c, a), R(c, r_t));
        mix_reg(c, d);
        end_index(c, s);
        return;
    case 4:
        s = index_into(c, a, "array.len", 0);
        emit(c, "callb.void array.set, %s, %s, %s", R(c, a), R(c, r_t), R(c, pick_read(c, K_ANY)));
        end_index(c, s);
        return;
    case 5:
        d = pick_write(c, K_I64);
        emit(c, "callb %s, array.len, %s", R(c, d), R(c, a));
        mix_i64(c, d);
        return;
    case 6:
        if ((d = pick_write(c, K_ANY)) < 0)
            return;
        s = index_into(c, a, "array.len", 0);
        if (chance(50))
            emit(c, "callb %s, array.pop, %s", R(c, d), R(c, a));
        else
            emit(c, "callb %s, array.remove, %s, %s", R(c, d), R(c, a), R(c, r_t));
        mix_reg(c, d);
        end_index(c, s);
        return;
    case 7:
        s = index_into(c, a, "array.len", 1);
        emit(c, "callb.void array.insert, %s, %s, %s", R(c, a), R(c, r_t),
             R(c, pick_read(c, K_ANY)));
        end_index(c, s);
        clamp_arr(c, a);
        return;
    case 8:
        emit(c, "callb.void %s, %s", chance(70) ? "array.sort" : "array.reverse", R(c, a));
        print_label(c, "sorted");
        emit(c, "callb.void println.val, %s", R(c, a));
        return;
    case 9: /* sort_by with a comparator of the module */
        emit(c, "fn.ref %s, cmp%d", R(c, r_cmpf), rnd(3));
        emit(c, "callb.void array.sort_by, %s, %s", R(c, a), R(c, r_cmpf));
        print_label(c, "sort_by");
        emit(c, "callb.void println.val, %s", R(c, a));
        return;
    case 10:
        if ((d = pick_write(c, K_ARR)) < 0)
            return;
        if (chance(50)) {
            emit(c, "callb %s, array.concat, %s, %s", R(c, d), R(c, a), R(c, pick_read(c, K_ARR)));
            clamp_arr(c, d);
        } else if (chance(50)) {
            emit(c, "const.i64 %s, %d", R(c, r_t), rnd(3));
            emit(c, "const.i64 %s, %d", R(c, r_t2), rnd(5));
            emit(c, "callb %s, array.slice, %s, %s, %s", R(c, d), R(c, a), R(c, r_t), R(c, r_t2));
        } else {
            emit(c, "callb %s, array.copy, %s", R(c, d), R(c, a));
        }
        print_label(c, "arr");
        emit(c, "callb.void println.val, %s", R(c, d));
        return;
    case 11:
        d = pick_write(c, K_I64);
        emit(c, "callb %s, array.index_of, %s, %s", R(c, d), R(c, a), R(c, pick_read(c, K_ANY)));
        mix_i64(c, d);
        return;
    case 12: /* tuples to and from arrays */
        if ((d = pick_write(c, K_TUP)) < 0)
            return;
        emit(c, "callb %s, tuple.from_array, %s", R(c, d), R(c, a));
        print_label(c, "tuple");
        emit(c, "callb.void println.val, %s", R(c, d));
        return;
    case 13:
    case 14: { /* iterate */
        if (c->loopdepth >= 4)
            return;
        int k = c->loopdepth, lh, lx;
        emit(c, "callb %s, array.len, %s", R(c, r_ln[k]), R(c, a));
        loop_begin(c, 1, &lh, &lx);
        if ((d = pick_write(c, K_ANY)) >= 0) {
            emit(c, "callb %s, array.get, %s, %s", R(c, d), R(c, a), R(c, r_lc[k]));
            mix_reg(c, d);
        }
        loop_end(c, k, lh, lx);
        return;
    }
    default: emit(c, "callb.void array.clear, %s", R(c, a)); return;
    }
}

static void st_map(Ctx *c)
{
    int m = pick_read(c, K_MAP), d, key;
    if (m < 0)
        return;
    switch (rnd(12)) {
    case 0:
    case 1:
    case 2:
        emit(c, "callb.void map.put, %s, %s, %s", R(c, m), R(c, pick_read(c, K_ANY)),
             R(c, pick_read(c, K_ANY)));
        return;
    case 3: /* get: may raise key, unless the key was just put */
        if ((d = pick_write(c, K_ANY)) < 0)
            return;
        key = pick_read(c, K_ANY);
        if (chance(60))
            emit(c, "callb.void map.put, %s, %s, %s", R(c, m), R(c, key),
                 R(c, pick_read(c, K_ANY)));
        emit(c, "callb %s, map.get, %s, %s", R(c, d), R(c, m), R(c, key));
        mix_reg(c, d);
        return;
    case 4:
        if ((d = pick_write(c, K_ANY)) < 0)
            return;
        emit(c, "callb %s, map.get_or, %s, %s, %s", R(c, d), R(c, m), R(c, pick_read(c, K_ANY)),
             R(c, pick_read(c, K_ANY)));
        mix_reg(c, d);
        return;
    case 5:
        d = pick_write(c, K_I64);
        emit(c, "callb %s, %s, %s, %s", R(c, d), "map.has", R(c, m), R(c, pick_read(c, K_ANY)));
        mix_i64(c, d);
        return;
    case 6:
        emit(c, "callb.void map.delete, %s, %s", R(c, m), R(c, pick_read(c, K_ANY)));
        d = pick_write(c, K_I64);
        emit(c, "callb %s, map.len, %s", R(c, d), R(c, m));
        mix_i64(c, d);
        return;
    case 7: {
        static const char *ops[] = {"map.keys", "map.values", "map.items"};
        if ((d = pick_write(c, K_ARR)) < 0)
            return;
        emit(c, "callb %s, %s, %s", R(c, d), ops[rnd(3)], R(c, m));
        clamp_arr(c, d);
        print_label(c, "mapa");
        emit(c, "callb.void println.val, %s", R(c, d));
        return;
    }
    case 8:
        if ((d = pick_write(c, K_MAP)) < 0)
            return;
        if (chance(50))
            emit(c, "callb %s, map.copy, %s", R(c, d), R(c, m));
        else
            emit(c, "callb %s, map.new", R(c, d));
        return;
    case 9:
    case 10: { /* iterate with map.next / key_at / value_at */
        if (c->loopdepth >= 4)
            return;
        int lh, lx, k = next_loop_begin(c, "map", m, &lh, &lx);
        if ((d = pick_write(c, K_ANY)) >= 0) {
            emit(c, "callb %s, map.key_at, %s, %s", R(c, d), R(c, m), R(c, r_lc[k]));
            mix_reg(c, d);
            emit(c, "callb %s, map.value_at, %s, %s", R(c, d), R(c, m), R(c, r_lc[k]));
            mix_reg(c, d);
        }
        loop_end(c, k, lh, lx);
        return;
    }
    default:
        print_label(c, "map");
        emit(c, "callb.void println.val, %s", R(c, m));
        return;
    }
}

static void st_set(Ctx *c)
{
    int s = pick_read(c, K_SET), d;
    if (s < 0)
        return;
    switch (rnd(10)) {
    case 0:
    case 1:
    case 2:
        emit(c, "callb.void set.add, %s, %s", R(c, s), R(c, pick_read(c, K_ANY)));
        clamp_set(c, s);
        return;
    case 3:
        d = pick_write(c, K_I64);
        emit(c, "callb %s, set.has, %s, %s", R(c, d), R(c, s), R(c, pick_read(c, K_ANY)));
        mix_i64(c, d);
        return;
    case 4:
        emit(c, "callb.void set.delete, %s, %s", R(c, s), R(c, pick_read(c, K_ANY)));
        d = pick_write(c, K_I64);
        emit(c, "callb %s, set.len, %s", R(c, d), R(c, s));
        mix_i64(c, d);
        return;
    case 5: {
        static const char *ops[] = {"set.union", "set.intersection", "set.difference"};
        if ((d = pick_write(c, K_SET)) < 0)
            return;
        emit(c, "callb %s, %s, %s, %s", R(c, d), ops[rnd(3)], R(c, s), R(c, pick_read(c, K_SET)));
        clamp_set(c, d);
        print_label(c, "set");
        emit(c, "callb.void println.val, %s", R(c, d));
        return;
    }
    case 6:
        if ((d = pick_write(c, K_ARR)) < 0)
            return;
        emit(c, "callb %s, set.to_array, %s", R(c, d), R(c, s));
        return;
    case 7: { /* iterate with set.next / set.at */
        if (c->loopdepth >= 4)
            return;
        int lh, lx, k = next_loop_begin(c, "set", s, &lh, &lx);
        if ((d = pick_write(c, K_ANY)) >= 0) {
            emit(c, "callb %s, set.at, %s, %s", R(c, d), R(c, s), R(c, r_lc[k]));
            mix_reg(c, d);
        }
        loop_end(c, k, lh, lx);
        return;
    }
    default:
        print_label(c, "set");
        emit(c, "callb.void println.val, %s", R(c, s));
        return;
    }
}

static void st_tuple(Ctx *c)
{
    int d;
    switch (rnd(3)) {
    case 0: {
        if ((d = pick_write(c, K_TUP)) < 0)
            return;
        int n = rnd(5);
        char args[256] = "";
        for (int i = 0; i < n; i++) {
            size_t l = strlen(args);
            snprintf(args + l, sizeof args - l, ", %s", R(c, pick_read(c, K_ANY)));
        }
        emit(c, "tuple.new %s%s", R(c, d), args);
        print_label(c, "tuple");
        emit(c, "callb.void println.val, %s", R(c, d));
        return;
    }
    case 1: /* tuple.get: inline path; may raise index (or type for a non-tuple) */
        if ((d = pick_write(c, K_ANY)) < 0)
            return;
        emit(c, "tuple.get %s, %s, %d", R(c, d),
             R(c, chance(90) ? pick_read(c, K_TUP) : pick_read(c, K_ANY)),
             chance(80) ? rnd(2) : rnd(5));
        mix_reg(c, d);
        return;
    default:
        d = pick_write(c, K_I64);
        emit(c, "callb %s, tuple.len, %s", R(c, d), R(c, pick_read(c, K_TUP)));
        mix_i64(c, d);
        return;
    }
}

/* function values: closures of lambdas and references of (int) -> int
 * functions with a higher index, called with call.v or apply */
static int fn_targets(Ctx *c, int *out)
{
    int n = 0;
    for (int j = (c->fi < 0 ? 0 : c->fi + 1); j < nfuncs; j++) {
        Fn *g = &funcs[j];
        if (g->done && g->nparams == 1 && g->pkind[0] == K_INT && g->rkind == K_INT &&
            !g->recursive && g->cost * c->mult * 3 + c->cost <= c->budget)
            out[n++] = j;
    }
    return n;
}

static void make_fn_value(Ctx *c, int d, int j)
{
    Fn *g = &funcs[j];
    if (g->ncaps) {
        char args[256] = "";
        for (int i = 0; i < g->ncaps; i++) {
            size_t l = strlen(args);
            snprintf(args + l, sizeof args - l, ", %s", R(c, pick_read(c, K_INT)));
        }
        emit(c, "closure %s, %s%s", R(c, d), g->name, args);
    } else {
        emit(c, "fn.ref %s, %s", R(c, d), g->name);
    }
}

static void st_fnval(Ctx *c)
{
    int t[MAX_FUNCS], n = fn_targets(c, t), d, f;
    if (n == 0 || (f = pick_write(c, K_FN)) < 0)
        return;
    int j = t[rnd(n)];
    make_fn_value(c, f, j);
    c->cost += c->mult * funcs[j].cost;
    switch (rnd(12)) {
    case 0: /* apply with an array of one int */
        if ((d = pick_write(c, K_INT)) < 0)
            return;
        emit(c, "callb %s, array.new", R(c, r_lbl));
        emit(c, "callb.void array.push, %s, %s", R(c, r_lbl), R(c, pick_read(c, K_INT)));
        emit(c, "callb %s, apply, %s, %s", R(c, d), R(c, f), R(c, r_lbl));
        break;
    case 1: /* wrong arity: raises arity */
        if ((d = pick_write(c, K_INT)) < 0)
            return;
        emit(c, "call.v %s, %s, %s, %s", R(c, d), R(c, f), R(c, pick_read(c, K_INT)),
             R(c, pick_read(c, K_INT)));
        break;
    case 2:
    case 3:
        print_label(c, "fn");
        emit(c, "callb.void println.val, %s", R(c, f));
        emit(c, "callb %s, fn.name, %s", R(c, r_lbl), R(c, f));
        emit(c, "callb.void println.val, %s", R(c, r_lbl));
        emit(c, "callb %s, fn.arity, %s", R(c, r_t), R(c, f));
        mix_i64(c, r_t);
        return;
    default:
        if ((d = pick_write(c, K_INT)) < 0)
            return;
        emit(c, "call.v %s, %s, %s", R(c, d), R(c, f), R(c, pick_read(c, K_INT)));
        break;
    }
    print_label(c, "call.v");
    emit(c, "callb.void println.val, %s", R(c, d));
}

/* callable functions: higher index, no captures, within the budget */
static int call_targets(Ctx *c, int *out, long extra_mult)
{
    int n = 0;
    for (int j = (c->fi < 0 ? 0 : c->fi + 1); j < nfuncs; j++) {
        Fn *g = &funcs[j];
        if (g->done && !g->ncaps && g->cost * c->mult * extra_mult + c->cost <= c->budget)
            out[n++] = j;
    }
    return n;
}

/* "a, b, c" for the parameters of g; depth for a recursive one */
static void call_args(Ctx *c, Fn *g, char *args, size_t cap, int depth_reg)
{
    args[0] = 0;
    for (int i = 0; i < g->nparams; i++) {
        int r = (i == 0 && g->recursive && depth_reg >= 0) ? depth_reg : pick_read(c, g->pkind[i]);
        size_t l = strlen(args);
        snprintf(args + l, cap - l, ", %s", R(c, r));
    }
}

static void st_call(Ctx *c)
{
    int t[MAX_FUNCS], n = call_targets(c, t, 1);
    if (n == 0)
        return;
    Fn *g = &funcs[t[rnd(n)]];
    char args[512];
    call_args(c, g, args, sizeof args, -1);
    c->cost += c->mult * g->cost;
    int d = chance(85) ? pick_write(c, g->rkind) : -1;
    if (d < 0) {
        emit(c, "call.void %s%s", g->name, args);
        return;
    }
    emit(c, "call %s, %s%s", R(c, d), g->name, args);
    if (chance(50)) {
        print_label(c, g->name);
        print_reg(c, d);
    } else {
        mix_reg(c, d);
    }
}

static void st_raise(Ctx *c)
{
    int lr = new_label(c), lc = new_label(c);
    emit(c, "and.i64 %s, %s, %s", R(c, r_t), R(c, pick_read(c, K_I64)), R(c, r_one));
    emit(c, "br %s, L%d, L%d", R(c, r_t), lr, lc);
    put_label(c, lr);
    if (chance(50)) {
        int v = pick_read(c, K_ANY);
        if (chance(50)) {
            emit(c, "const.atom %s, \"%s\"", R(c, r_lbl), atom_lits[rnd(6)]);
            v = r_lbl;
        }
        emit(c, "raise %s", R(c, v));
    } else {
        emit(c, "const.atom %s, \"%s\"", R(c, r_cmpf), atom_lits[rnd(6)]);
        emit(c, "callb %s, to_string, %s", R(c, r_lbl), R(c, pick_plain_val(c)));
        emit(c, "callb.void error, %s, %s", R(c, r_cmpf), R(c, r_lbl));
        emit(c, "jmp L%d", lc); /* error does not return; the verifier wants a terminator */
    }
    put_label(c, lc);
}

/* Calls into C (the externs gen_main declares) and raw memory: what the
 * C calling convention makes of narrow and wide arguments and results,
 * varargs, and loads and stores of every width, little-endian on every
 * target. Only C functions defined for every argument they get. */
static void st_ffi(Ctx *c)
{
    static const char *loads[] = {"i8", "u8", "i16", "u16", "i32", "u32", "i64"};
    static const char *stores[] = {"i8", "i16", "i32", "i64"};
    int d;
    switch (rnd(5)) {
    case 0: /* toupper(int) of a byte: the i32 argument truncated, the result widened */
        d = pick_write(c, K_I64);
        emit(c, "const.i64 %s, 255", R(c, r_t));
        emit(c, "and.i64 %s, %s, %s", R(c, r_t), R(c, pick_read(c, K_I64)), R(c, r_t));
        emit(c, "ccall %s, toupper, %s", R(c, d), R(c, r_t));
        break;
    case 1: /* ffsll(long long) -> int, ffs(int) of the low 32 bits */
        d = pick_write(c, K_I64);
        emit(c, "ccall %s, %s, %s", R(c, d), chance(50) ? "ffsll" : "ffs",
             R(c, pick_read(c, K_I64)));
        break;
    case 2: /* floor(double) */
        d = pick_write(c, K_F64);
        emit(c, "ccall %s, floor, %s", R(c, d), R(c, pick_read(c, K_F64)));
        break;
    case 3: { /* stores then loads of 16 bytes of malloc'd memory */
        d = pick_write(c, K_I64);
        emit(c, "const.i64 %s, 16", R(c, r_t));
        emit(c, "ccall %s, malloc, %s", R(c, r_t2), R(c, r_t));
        emit(c, "store.i64 %s, 0, %s", R(c, r_t2), R(c, r_zero));
        emit(c, "store.i64 %s, 8, %s", R(c, r_t2), R(c, r_zero));
        for (int k = 0, n = 1 + rnd(3); k < n; k++) {
            const char *w = stores[rnd(4)];
            int size = w[1] == '8' ? 1 : w[1] == '1' ? 2 : w[1] == '3' ? 4 : 8;
            emit(c, "store.%s %s, %d, %s", w, R(c, r_t2), rnd(17 - size),
                 R(c, pick_read(c, K_I64)));
        }
        const char *w = loads[rnd(7)];
        int size = w[1] == '8' ? 1 : w[1] == '1' ? 2 : w[1] == '3' ? 4 : 8;
        emit(c, "load.%s %s, %s, %d", w, R(c, d), R(c, r_t2), rnd(17 - size));
        if (chance(30)) {
            int f = pick_write(c, K_F64);
            emit(c, "load.f%s %s, %s, %d", chance(50) ? "32" : "64", R(c, f), R(c, r_t2),
                 8 * rnd(2));
        }
        emit(c, "ccall.void free, %s", R(c, r_t2));
        break;
    }
    default: { /* snprintf(buf, 32, "%lld|%.3f", i64, f64): varargs, a cstr */
        d = pick_write(c, K_STR);
        if (d < 0)
            return;
        emit(c, "const.i64 %s, 32", R(c, r_t));
        emit(c, "ccall %s, malloc, %s", R(c, r_t2), R(c, r_t));
        emit(c, "const.str %s, \"%%lld|%%.3f\"", R(c, d));
        emit(c, "ccall %s, snprintf, %s, %s, %s, %s, %s", R(c, r_t3), R(c, r_t2), R(c, r_t),
             R(c, d), R(c, pick_read(c, K_I64)), R(c, pick_read(c, K_F64)));
        emit(c, "callb %s, str.from_cstr, %s", R(c, d), R(c, r_t2));
        emit(c, "ccall.void free, %s", R(c, r_t2));
        return;
    }
    }
    mix_reg(c, d);
}

static void st_if(Ctx *c, int depth)
{
    int lt = new_label(c), le = new_label(c), lj = new_label(c);
    static const char *ops[] = {"eq", "ne", "lt", "le", "gt", "ge"};
    int cond = r_t;
    if (chance(20)) { /* any i64: non-zero is true */
        cond = pick_read(c, K_I64);
    } else if (chance(25)) {
        emit(c, "%s.f64 %s, %s, %s", ops[rnd(6)], R(c, r_t), R(c, pick_read(c, K_F64)),
             R(c, pick_read(c, K_F64)));
    } else if (chance(20)) {
        emit(c, "%s %s, %s, %s", ops[rnd(6)], R(c, r_t), R(c, pick_read(c, K_ANY)),
             R(c, pick_read(c, K_ANY)));
    } else {
        emit(c, "%s.i64 %s, %s, %s", ops[rnd(6)], R(c, r_t), R(c, pick_read(c, K_I64)),
             R(c, pick_read(c, K_I64)));
    }
    emit(c, "br %s, L%d, L%d", R(c, cond), lt, le);
    put_label(c, lt);
    gen_block(c, 1 + rnd(3), depth + 1);
    emit(c, "jmp L%d", lj);
    put_label(c, le);
    gen_block(c, rnd(3), depth + 1);
    put_label(c, lj);
}

static void st_loop(Ctx *c, int depth)
{
    if (c->loopdepth >= 3)
        return;
    int n = rnd(6), k = c->loopdepth, lh, lx;
    long m = c->mult;
    emit(c, "const.i64 %s, %d", R(c, r_ln[k]), n);
    if (chance(30)) { /* bottom-tested: a back-edge on br */
        int lb = new_label(c);
        lx = new_label(c);
        c->loopdepth++;
        emit(c, "const.i64 %s, 0", R(c, r_lc[k]));
        put_label(c, lb);
        c->mult = m * (n ? n : 1);
        gen_block(c, 1 + rnd(4), depth + 1);
        emit(c, "add.i64 %s, %s, %s", R(c, r_lc[k]), R(c, r_lc[k]), R(c, r_one));
        emit(c, "lt.i64 %s, %s, %s", R(c, r_t), R(c, r_lc[k]), R(c, r_ln[k]));
        emit(c, "br %s, L%d, L%d", R(c, r_t), lb, lx);
        put_label(c, lx);
        c->loopdepth--;
    } else {
        loop_begin(c, 1, &lh, &lx);
        c->mult = m * (n ? n : 1);
        gen_block(c, 1 + rnd(4), depth + 1);
        loop_end(c, k, lh, lx);
    }
    c->mult = m;
    if (chance(50)) {
        print_label(c, "loop");
        emit(c, "callb.void println.i64, %s", R(c, r_acc));
    }
}

static void emit_handler_body(Ctx *c)
{
    emit(c, "catch %s", R(c, r_e));
    print_label(c, "caught");
    emit(c, "callb.void println.val, %s", R(c, r_e));
    if (chance(30)) {
        emit(c, "callb %s, error.trace, %s", R(c, r_lbl), R(c, r_e));
        emit(c, "callb.void print.val, %s", R(c, r_lbl));
    }
    if (chance(30)) {
        emit(c, "callb %s, error.reason, %s", R(c, r_lbl), R(c, r_e));
        emit(c, "callb %s, to_string, %s", R(c, r_lbl), R(c, r_lbl));
        emit(c, "callb %s, str.len, %s", R(c, r_t), R(c, r_lbl));
        mix_i64(c, r_t);
    }
}

static void try_block(Ctx *c, int n, int depth)
{
    int ls = new_label(c), le = new_label(c), lh = new_label(c), la = new_label(c);
    c->in_try++;
    put_label(c, ls);
    emit(c, "nop");
    gen_block(c, n, depth + 1);
    put_label(c, le);
    c->in_try--;
    emit(c, "jmp L%d", la);
    /* inner regions are listed first: they are complete before this one */
    buf_printf(&c->tries, "    .try L%d, L%d, L%d\n", ls, le, lh);
    put_label(c, lh);
    emit_handler_body(c);
    put_label(c, la);
}

static void st_try(Ctx *c, int depth)
{
    try_block(c, 1 + rnd(4), depth);
}

static void gen_stmt(Ctx *c, int depth)
{
    c->nstmt++;
    c->cost += c->mult;
    int w = rnd(100);
    if (depth < 3 && w < 6) {
        st_if(c, depth);
        return;
    }
    if (depth < 3 && w < 11) {
        st_loop(c, depth);
        return;
    }
    if (depth < 3 && w < 16) {
        st_try(c, depth);
        return;
    }
    w = rnd(100);
    if (w < 12)
        st_i64_arith(c);
    else if (w < 15)
        st_i64_const(c);
    else if (w < 20)
        st_i64_cmp(c);
    else if (w < 27)
        st_f64_arith(c);
    else if (w < 29)
        st_f64_const(c);
    else if (w < 35)
        st_convert(c);
    else if (w < 42)
        st_dyn_arith(c);
    else if (w < 46)
        st_dyn_cmp(c);
    else if (w < 50)
        st_print(c);
    else if (w < 62)
        st_string(c);
    else if (w < 70)
        st_array(c);
    else if (w < 76)
        st_map(c);
    else if (w < 80)
        st_set(c);
    else if (w < 83)
        st_tuple(c);
    else if (w < 87)
        st_fnval(c);
    else if (w < 95)
        st_call(c);
    else if (w < 97)
        st_ffi(c);
    else
        st_raise(c);
}

static void gen_block(Ctx *c, int n, int depth)
{
    for (int i = 0; i < n; i++)
        gen_stmt(c, depth);
}

/* ---- functions ---- */

static void init_reg(Ctx *c, int r)
{
    switch (c->regs[r].kind) {
    case K_I64: emit_i64_const(c, r); break;
    case K_F64: emit_f64_const(c, r); break;
    case K_INT: emit_int_const(c, r); break;
    case K_FLT:
        emit_f64_const(c, r_ft);
        emit(c, "box.f64 %s, %s", R(c, r), R(c, r_ft));
        break;
    case K_STR: emit_str_const(c, r); break;
    case K_ARR: {
        emit(c, "callb %s, array.new", R(c, r));
        int n = rnd(5);
        for (int i = 0; i < n; i++)
            emit(c, "callb.void array.push, %s, %s", R(c, r), R(c, pick_read(c, K_ANY)));
        break;
    }
    case K_MAP: {
        emit(c, "callb %s, map.new", R(c, r));
        int n = rnd(4);
        for (int i = 0; i < n; i++)
            emit(c, "callb.void map.put, %s, %s, %s", R(c, r), R(c, pick_read(c, K_ANY)),
                 R(c, pick_read(c, K_ANY)));
        break;
    }
    case K_SET: {
        emit(c, "callb %s, set.new", R(c, r));
        int n = rnd(4);
        for (int i = 0; i < n; i++)
            emit(c, "callb.void set.add, %s, %s", R(c, r), R(c, pick_read(c, K_ANY)));
        break;
    }
    case K_TUP:
        emit(c, "tuple.new %s, %s, %s", R(c, r), R(c, pick_read(c, K_INT)),
             R(c, pick_read(c, K_STR)));
        break;
    case K_ANY:
        if (chance(50))
            emit(c, "const.nil %s", R(c, r));
        else
            emit(c, "const.atom %s, \"%s\"", R(c, r), atom_lits[rnd(6)]);
        break;
    default: break;
    }
}

static const int param_kinds[] = {K_I64, K_I64, K_F64, K_INT, K_INT, K_FLT,
                                  K_STR, K_ARR, K_MAP, K_SET, K_TUP, K_ANY};
static const int ret_kinds[] = {K_I64, K_I64, K_F64, K_INT, K_INT, K_FLT, K_STR, K_ANY, K_ARR};

static void set_signature(Fn *f, int lambda)
{
    if (lambda) {
        f->nparams = 1;
        f->pkind[0] = K_INT;
        f->ncaps = 1 + rnd(3);
        f->rkind = K_INT;
        return;
    }
    if (chance(15)) { /* (int) -> int: can be a function value */
        f->nparams = 1;
        f->pkind[0] = K_INT;
        f->rkind = K_INT;
        return;
    }
    f->recursive = chance(25);
    int n = chance(20) ? 4 + rnd(4) : rnd(4);
    if (n > MAX_PARAMS - 1)
        n = MAX_PARAMS - 1;
    int i = 0;
    if (f->recursive)
        f->pkind[i++] = K_I64;
    for (; i < n + f->recursive; i++)
        f->pkind[i] = param_kinds[rnd(sizeof param_kinds / sizeof *param_kinds)];
    f->nparams = n + f->recursive;
    f->rkind = ret_kinds[rnd(sizeof ret_kinds / sizeof *ret_kinds)];
}

/* the fixed registers and one pool per kind */
static void setup_regs(Ctx *c)
{
    Fn *f = c->f;
    char name[16];
    if (f) {
        for (int i = 0; i < f->nparams; i++) {
            snprintf(name, sizeof name, "%%p%d", i);
            /* the depth parameter of a recursive function is written only by its mask */
            add_reg(c, name, f->pkind[i], 1, !(i == 0 && f->recursive));
        }
        for (int i = 0; i < f->ncaps; i++) {
            snprintf(name, sizeof name, "%%c%d", i);
            add_reg(c, name, K_INT, 1, 1);
        }
    }
    r_acc = add_reg(c, "%acc", K_I64, 1, 0);
    r_one = add_reg(c, "%one", K_I64, 0, 0);
    r_zero = add_reg(c, "%zero", K_I64, 0, 0);
    r_kmix = add_reg(c, "%kmix", K_I64, 0, 0);
    r_kmask = add_reg(c, "%kmask", K_I64, 0, 0);
    r_t = add_reg(c, "%t", K_I64, 0, 0);
    r_t2 = add_reg(c, "%t2", K_I64, 0, 0);
    r_t3 = add_reg(c, "%t3", K_I64, 0, 0);
    r_lbl = add_reg(c, "%lbl", K_STR, 0, 0);
    r_e = add_reg(c, "%e", K_ERR, 0, 0);
    r_cmpf = add_reg(c, "%cmpf", K_ANY, 0, 0);
    r_ft = add_reg(c, "%ft", K_F64, 0, 0);
    for (int k = 0; k < 4; k++) {
        snprintf(name, sizeof name, "%%lc%d", k);
        r_lc[k] = add_reg(c, name, K_I64, 1, 0);
        snprintf(name, sizeof name, "%%ln%d", k);
        r_ln[k] = add_reg(c, name, K_I64, 0, 0);
    }
    static const struct {
        const char *prefix;
        int kind, max;
    } pools[] = {{"i", K_I64, 12}, {"x", K_F64, 8}, {"n", K_INT, 5}, {"g", K_FLT, 2},
                 {"s", K_STR, 3},  {"a", K_ARR, 2}, {"m", K_MAP, 2}, {"set", K_SET, 2},
                 {"tu", K_TUP, 2}, {"fv", K_FN, 1}, {"y", K_ANY, 3}};
    for (size_t p = 0; p < sizeof pools / sizeof *pools; p++) {
        int n = 1 + rnd(pools[p].max);
        for (int i = 0; i < n; i++) {
            snprintf(name, sizeof name, "%%%s%d", pools[p].prefix, i);
            add_reg(c, name, pools[p].kind, 1, 1);
        }
    }
}

static void prologue(Ctx *c)
{
    emit(c, "const.i64 %s, 1", R(c, r_one));
    emit(c, "const.i64 %s, 0", R(c, r_zero));
    emit(c, "const.i64 %s, 1000003", R(c, r_kmix));
    emit(c, "const.i64 %s, 0xfffff", R(c, r_kmask));
    emit(c, "const.i64 %s, %d", R(c, r_acc), rnd(1000));
    int first = c->f ? c->f->nparams + c->f->ncaps : 0;
    /* scalars first: containers are filled from them */
    static const int order[] = {K_I64, K_F64, K_INT, K_FLT, K_STR,
                                K_TUP, K_ANY, K_ARR, K_MAP, K_SET};
    for (size_t o = 0; o < sizeof order / sizeof *order; o++)
        for (int r = first; r < c->nregs; r++)
            if (c->regs[r].writable && c->regs[r].kind == order[o])
                init_reg(c, r);
    /* function values: only if there is a function to refer to */
    int t[MAX_FUNCS], n = fn_targets(c, t);
    for (int r = first; r < c->nregs; r++) {
        if (c->regs[r].kind != K_FN)
            continue;
        if (n) {
            make_fn_value(c, r, t[rnd(n)]);
        } else {
            c->regs[r].pool = 0;
            c->regs[r].writable = 0;
        }
    }
    if (c->f && c->f->recursive) {
        emit(c, "const.i64 %s, 3", R(c, r_t));
        emit(c, "and.i64 %s, %s, %s", R(c, 0), R(c, 0), R(c, r_t));
    }
}

/* checksum line, then return a register of the return kind */
static void epilogue(Ctx *c)
{
    print_label(c, "acc");
    emit(c, "callb.void println.i64, %s", R(c, r_acc));
    Fn *f = c->f;
    int r = pick_read(c, f->rkind);
    if (f->rkind == K_ANY) /* a scalar of any kind */
        r = pick_read(c, K_ANY);
    emit(c, "ret.%s %s", kind_type(f->rkind), R(c, r));
}

static void write_function(Ctx *c, const char *header, FILE *out)
{
    fprintf(out, "%s {\n", header);
    /* .reg lines: parameters and captures are declared in the header */
    int first = c->f ? c->f->nparams + c->f->ncaps : 0;
    int col = 0;
    for (int r = first; r < c->nregs; r++) {
        if (c->regs[r].kind == K_FN && !c->regs[r].pool && !c->regs[r].writable)
            continue; /* unused: no function value to hold */
        fprintf(out, col == 0 ? "    .reg %s: %s" : ", %s: %s", c->regs[r].name,
                kind_type(c->regs[r].kind));
        if (++col == 8) {
            fprintf(out, "\n");
            col = 0;
        }
    }
    if (col)
        fprintf(out, "\n");
    if (c->tries.len)
        fwrite(c->tries.p, 1, c->tries.len, out);
    fwrite(c->body.p, 1, c->body.len, out);
    fprintf(out, "}\n\n");
    free(c->body.p);
    free(c->tries.p);
}

static void gen_function(int fi, FILE *out)
{
    static Ctx ctx;
    Ctx *c = &ctx;
    memset(c, 0, sizeof *c);
    Fn *f = &funcs[fi];
    c->fi = fi;
    c->f = f;
    c->mult = 1;
    c->budget = f->ncaps ? 300 : 1500;
    setup_regs(c);
    prologue(c);
    int nst = f->ncaps ? 2 + rnd(4) : size_param / 2 + rnd(size_param);
    /* statements in groups, some of them in try regions */
    while (nst > 0) {
        int n = 1 + rnd(4);
        if (chance(55))
            try_block(c, n, f->ncaps ? 2 : 0);
        else
            gen_block(c, n, f->ncaps ? 2 : 0);
        nst -= n;
    }
    long body_cost = c->cost + 20;
    int tail = 0;
    if (f->recursive) {
        /* depth <= 0: done; otherwise recurse once or twice, or in tail position */
        int lbase = new_label(c), lrec = new_label(c);
        emit(c, "le.i64 %s, %s, %s", R(c, r_t), R(c, 0), R(c, r_zero));
        emit(c, "br %s, L%d, L%d", R(c, r_t), lbase, lrec);
        put_label(c, lrec);
        emit(c, "sub.i64 %s, %s, %s", R(c, r_t2), R(c, 0), R(c, r_one));
        char args[512];
        int mode = rnd(3);
        call_args(c, f, args, sizeof args, r_t2);
        if (mode == 0) {
            print_label(c, "acc");
            emit(c, "callb.void println.i64, %s", R(c, r_acc));
            emit(c, "tailcall %s%s", f->name, args);
            tail = 1;
        } else {
            for (int k = 0; k < mode; k++) {
                int d = pick_write(c, f->rkind);
                if (d >= 0) {
                    emit(c, "call %s, %s%s", R(c, d), f->name, args);
                    mix_reg(c, d);
                } else {
                    emit(c, "call.void %s%s", f->name, args);
                }
            }
            emit(c, "jmp L%d", lbase);
        }
        put_label(c, lbase);
        /* depth is masked to 0..3: at most 4 calls deep, 15 calls for two per level */
        f->cost = body_cost * (mode == 2 ? 15 : 4);
    } else {
        f->cost = body_cost;
    }
    int t[MAX_FUNCS], n = call_targets(c, t, 1);
    int same[MAX_FUNCS], ns = 0;
    for (int i = 0; i < n; i++)
        if (funcs[t[i]].rkind == f->rkind)
            same[ns++] = t[i];
    if (!tail && f->ncaps == 0 && ns && chance(30)) {
        /* end with a tail call to a function of the same return kind */
        Fn *g = &funcs[same[rnd(ns)]];
        char args[512];
        call_args(c, g, args, sizeof args, -1);
        print_label(c, "acc");
        emit(c, "callb.void println.i64, %s", R(c, r_acc));
        emit(c, "tailcall %s%s", g->name, args);
        f->cost += g->cost;
    } else if (!tail && f->rkind == K_INT && chance(30) && pick_read(c, K_FN) >= 0) {
        /* or a tail call through a function value */
        print_label(c, "acc");
        emit(c, "callb.void println.i64, %s", R(c, r_acc));
        emit(c, "tailcall.v %s, %s", R(c, pick_read(c, K_FN)), R(c, pick_read(c, K_INT)));
        f->cost += 300;
    } else {
        epilogue(c);
    }
    f->done = 1;

    char header[512];
    int l = snprintf(header, sizeof header, "func %s(", f->name);
    for (int i = 0; i < f->nparams; i++)
        l += snprintf(header + l, sizeof header - (size_t)l, "%s%s: %s", i ? ", " : "", R(c, i),
                      kind_type(f->pkind[i]));
    l += snprintf(header + l, sizeof header - (size_t)l, ")");
    if (f->ncaps) {
        l += snprintf(header + l, sizeof header - (size_t)l, " captures(");
        for (int i = 0; i < f->ncaps; i++)
            l += snprintf(header + l, sizeof header - (size_t)l, "%s%s: val", i ? ", " : "",
                          R(c, f->nparams + i));
        l += snprintf(header + l, sizeof header - (size_t)l, ")");
    }
    snprintf(header + l, sizeof header - (size_t)l, " -> %s", kind_type(f->rkind));
    fprintf(out, "; %s: estimated cost %ld\n", f->name, f->cost);
    write_function(c, header, out);
}

static void call_tail_pairs(Ctx *c);

static void gen_main(FILE *out)
{
    static Ctx ctx;
    Ctx *c = &ctx;
    memset(c, 0, sizeof *c);
    c->fi = -1;
    c->mult = 1;
    c->budget = 40000;
    setup_regs(c);
    prologue(c);
    /* main's own statements run in try regions, so an error ends only one */
    for (int n = size_param / 2 + rnd(size_param / 2 + 1); n > 0; n -= 4)
        try_block(c, n < 4 ? n : 4, 0);
    /* every function without captures, called once from main, its errors caught */
    for (int j = 0; j < nfuncs; j++) {
        Fn *g = &funcs[j];
        if (g->ncaps)
            continue;
        int ls = new_label(c), le = new_label(c), lh = new_label(c), la = new_label(c);
        char args[512];
        call_args(c, g, args, sizeof args, -1);
        put_label(c, ls);
        int d = pick_write(c, g->rkind);
        emit(c, "call %s, %s%s", R(c, d), g->name, args);
        print_label(c, g->name);
        print_reg(c, d);
        mix_reg(c, d);
        put_label(c, le);
        emit(c, "jmp L%d", la);
        buf_printf(&c->tries, "    .try L%d, L%d, L%d\n", ls, le, lh);
        put_label(c, lh);
        emit_handler_body(c);
        put_label(c, la);
    }
    call_tail_pairs(c);
    try_block(c, 1 + rnd(size_param / 2 + 1), 0);
    print_label(c, "acc");
    emit(c, "callb.void println.i64, %s", R(c, r_acc));
    emit(c, "ret.i64 %s", R(c, r_acc));
    write_function(c, "func main() -> i64", out);
}

/* pairs of functions that call each other in tail position N times, with
 * up to 8 parameters of several types (some travel in the frame), changed at
 * every step and sometimes passed on in another order */
#define MAX_PAIRS 2
static int npairs;
static int pair_nparams[MAX_PAIRS];
static int pair_pkind[MAX_PAIRS][MAX_PARAMS];

static void gen_tail_half(FILE *out, int k, int half)
{
    int np = pair_nparams[k];
    const int *pk = pair_pkind[k];
    fprintf(out, "func tl%d_%c(%%n: i64", k, "ab"[half]);
    for (int i = 1; i < np; i++)
        fprintf(out, ", %%q%d: %s", i, kind_type(pk[i]));
    fprintf(out, ") -> i64 {\n");
    fprintf(out,
            "    .reg %%z: i64, %%c: i64, %%one: i64, %%r: i64, %%w: i64, %%x: f64, %%v: val\n");
    fprintf(out, "    const.i64 %%one, 1\n");
    fprintf(out, "    le.i64 %%c, %%n, %%z\n");
    fprintf(out, "    br %%c, done, more\n");
    fprintf(out, "done:\n");
    fprintf(out, "    const.str %%v, \"tl%d_%c done\"\n", k, "ab"[half]);
    fprintf(out, "    callb.void println.val, %%v\n");
    for (int i = 1; i < np; i++) {
        switch (pk[i]) {
        case K_I64:
            fprintf(out, "    callb.void println.i64, %%q%d\n", i);
            fprintf(out, "    add.i64 %%r, %%r, %%q%d\n", i);
            break;
        case K_F64: fprintf(out, "    callb.void println.f64, %%q%d\n", i); break;
        default: fprintf(out, "    callb.void println.val, %%q%d\n", i); break;
        }
    }
    fprintf(out, "    ret.i64 %%r\n");
    fprintf(out, "more:\n");
    fprintf(out, "    sub.i64 %%n, %%n, %%one\n");
    for (int i = 1; i < np; i++) {
        if (chance(30))
            continue;
        switch (pk[i]) {
        case K_I64: {
            static const char *ops[] = {"add", "xor", "sub", "mul"};
            fprintf(out, "    %s.i64 %%q%d, %%q%d, %%n\n", ops[rnd(4)], i, i);
            break;
        }
        case K_F64:
            fprintf(out, "    cvt.i64.f64 %%x, %%n\n");
            fprintf(out, "    %s.f64 %%q%d, %%q%d, %%x\n", chance(50) ? "add" : "sub", i, i);
            break;
        case K_INT:
            fprintf(out, "    const.int %%v, %d\n", rnd(5) - 2);
            fprintf(out, "    add %%q%d, %%q%d, %%v\n", i, i);
            break;
        default: /* a string: its first code point goes last */
            fprintf(out, "    callb %%w, str.len, %%q%d\n", i);
            fprintf(out, "    gt.i64 %%c, %%w, %%one\n");
            fprintf(out, "    br %%c, rot%d, norot%d\n", i, i);
            fprintf(out, "rot%d:\n", i);
            fprintf(out, "    callb %%v, str.slice, %%q%d, %%z, %%one\n", i);
            fprintf(out, "    callb %%q%d, str.slice, %%q%d, %%one, %%w\n", i, i);
            fprintf(out, "    callb %%q%d, str.concat, %%q%d, %%v\n", i, i);
            fprintf(out, "norot%d:\n", i);
            break;
        }
    }
    /* pass the parameters on, two of the same kind swapped sometimes */
    int order[MAX_PARAMS];
    for (int i = 0; i < np; i++)
        order[i] = i;
    for (int t = 0; t < 3; t++) {
        int i = 1 + rnd(np - 1 > 0 ? np - 1 : 1), j = 1 + rnd(np - 1 > 0 ? np - 1 : 1);
        if (i < np && j < np && pk[i] == pk[j]) {
            int x = order[i];
            order[i] = order[j], order[j] = x;
        }
    }
    fprintf(out, "    tailcall tl%d_%c, %%n", k, "ba"[half]);
    for (int i = 1; i < np; i++)
        fprintf(out, ", %%q%d", order[i]);
    fprintf(out, "\n}\n\n");
}

/* the same with val parameters (ints and strings), through function values:
 * fn.ref of the other half, then tailcall.v */
static int vpair_nparams;
static int vpair_pkind[MAX_PARAMS];

static void gen_vtail_half(FILE *out, int half)
{
    int np = vpair_nparams;
    fprintf(out, "func tv_%c(%%n: val", "ab"[half]);
    for (int i = 1; i < np; i++)
        fprintf(out, ", %%q%d: val", i);
    fprintf(out, ") -> val {\n");
    fprintf(out, "    .reg %%z: val, %%one: val, %%c: i64, %%f: val, %%v: val\n");
    fprintf(out, "    const.int %%z, 0\n");
    fprintf(out, "    const.int %%one, 1\n");
    fprintf(out, "    le %%c, %%n, %%z\n");
    fprintf(out, "    br %%c, done, more\n");
    fprintf(out, "done:\n");
    fprintf(out, "    tuple.new %%v, %%n");
    for (int i = 1; i < np; i++)
        fprintf(out, ", %%q%d", i);
    fprintf(out, "\n    ret.val %%v\n");
    fprintf(out, "more:\n");
    fprintf(out, "    sub %%n, %%n, %%one\n");
    for (int i = 1; i < np; i++)
        if (vpair_pkind[i] == K_INT && chance(70))
            fprintf(out, "    %s %%q%d, %%q%d, %%n\n", chance(50) ? "add" : "sub", i, i);
    int order[MAX_PARAMS];
    for (int i = 0; i < np; i++)
        order[i] = i;
    for (int t = 0; t < 3 && np > 2; t++) {
        int i = 1 + rnd(np - 1), j = 1 + rnd(np - 1);
        if (vpair_pkind[i] == vpair_pkind[j]) {
            int x = order[i];
            order[i] = order[j], order[j] = x;
        }
    }
    fprintf(out, "    fn.ref %%f, tv_%c\n", "ba"[half]);
    fprintf(out, "    tailcall.v %%f, %%n");
    for (int i = 1; i < np; i++)
        fprintf(out, ", %%q%d", order[i]);
    fprintf(out, "\n}\n\n");
}

static void gen_tail_pairs(FILE *out)
{
    vpair_nparams = 1 + rnd(MAX_PARAMS);
    for (int i = 1; i < vpair_nparams; i++)
        vpair_pkind[i] = chance(60) ? K_INT : K_STR;
    gen_vtail_half(out, 0);
    gen_vtail_half(out, 1);
    static const int kinds[] = {K_I64, K_I64, K_F64, K_INT, K_STR};
    npairs = 1 + rnd(MAX_PAIRS);
    for (int k = 0; k < npairs; k++) {
        pair_nparams[k] = 1 + rnd(MAX_PARAMS);
        for (int i = 1; i < pair_nparams[k]; i++)
            pair_pkind[k][i] = kinds[rnd(5)];
        gen_tail_half(out, k, 0);
        gen_tail_half(out, k, 1);
    }
}

/* main calls each pair with a step count up to 50000, in a try region */
static void call_tail_pairs(Ctx *c)
{
    {
        int ls = new_label(c), le = new_label(c), lh = new_label(c), la = new_label(c);
        char args[512] = "";
        for (int i = 1; i < vpair_nparams; i++) {
            size_t l = strlen(args);
            snprintf(args + l, sizeof args - l, ", %s", R(c, pick_read(c, vpair_pkind[i])));
        }
        emit(c, "const.int %s, %d", R(c, r_cmpf), chance(30) ? rnd(20001) : rnd(100));
        put_label(c, ls);
        emit(c, "call %s, tv_a, %s%s", R(c, r_cmpf), R(c, r_cmpf), args);
        print_label(c, "tv");
        emit(c, "callb.void println.val, %s", R(c, r_cmpf));
        mix_reg(c, r_cmpf);
        put_label(c, le);
        emit(c, "jmp L%d", la);
        buf_printf(&c->tries, "    .try L%d, L%d, L%d\n", ls, le, lh);
        put_label(c, lh);
        emit_handler_body(c);
        put_label(c, la);
    }
    for (int k = 0; k < npairs; k++) {
        int ls = new_label(c), le = new_label(c), lh = new_label(c), la = new_label(c);
        char args[512] = "";
        for (int i = 1; i < pair_nparams[k]; i++) {
            size_t l = strlen(args);
            snprintf(args + l, sizeof args - l, ", %s", R(c, pick_read(c, pair_pkind[k][i])));
        }
        emit(c, "const.i64 %s, %d", R(c, r_t), chance(30) ? rnd(50001) : rnd(100));
        put_label(c, ls);
        emit(c, "call %s, tl%d_a, %s%s", R(c, r_t2), k, R(c, r_t), args);
        mix_i64(c, r_t2);
        print_label(c, "tl");
        emit(c, "callb.void println.i64, %s", R(c, r_t2));
        put_label(c, le);
        emit(c, "jmp L%d", la);
        buf_printf(&c->tries, "    .try L%d, L%d, L%d\n", ls, le, lh);
        put_label(c, lh);
        emit_handler_body(c);
        put_label(c, la);
    }
}

/* comparators for array.sort_by: ascending, descending, by text length */
static void gen_comparators(FILE *out)
{
    fprintf(out, "func cmp0(%%a: val, %%b: val) -> val {\n"
                 "    .reg %%r: i64, %%v: val\n"
                 "    callb %%r, cmp, %%a, %%b\n"
                 "    box.i64 %%v, %%r\n"
                 "    ret.val %%v\n"
                 "}\n\n");
    fprintf(out, "func cmp1(%%a: val, %%b: val) -> val {\n"
                 "    .reg %%r: i64, %%v: val\n"
                 "    callb %%r, cmp, %%b, %%a\n"
                 "    box.i64 %%v, %%r\n"
                 "    ret.val %%v\n"
                 "}\n\n");
    fprintf(out, "func cmp2(%%a: val, %%b: val) -> val {\n"
                 "    .reg %%x: val, %%y: val, %%v: val, %%i: i64, %%j: i64\n"
                 "    callb %%x, to_string, %%a\n"
                 "    callb %%y, to_string, %%b\n"
                 "    callb %%i, str.len, %%x\n"
                 "    callb %%j, str.len, %%y\n"
                 "    sub.i64 %%i, %%i, %%j\n"
                 "    box.i64 %%v, %%i\n"
                 "    ret.val %%v\n"
                 "}\n\n");
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: progen SEED [SIZE]\n");
        return 2;
    }
    char *end;
    uint64_t seed = strtoull(argv[1], &end, 0);
    if (*end) {
        fprintf(stderr, "progen: bad seed '%s'\n", argv[1]);
        return 2;
    }
    size_param = 20;
    if (argc == 3) {
        size_param = atoi(argv[2]);
        if (size_param < 2 || size_param > 1000) {
            fprintf(stderr, "progen: SIZE must be in [2, 1000]\n");
            return 2;
        }
    }
    rng_state = seed;
    FILE *out = stdout;
    fprintf(out, "; generated by tests/progen/progen %s %d\n", argv[1], size_param);
    fprintf(out, ".version 2\n.module pg\n.file \"pg.vmasm\"\n\n");
    fprintf(out, "extern func toupper(i32) -> i32\nextern func ffs(i32) -> i32\n"
                 "extern func ffsll(i64) -> i32\nextern func floor(f64) -> f64\n"
                 "extern func malloc(u64) -> ptr\nextern func free(ptr) -> void\n"
                 "extern func snprintf(ptr, u64, cstr, ...) -> i32\n\n");
    nfuncs = 3 + size_param / 6 + rnd(3);
    if (nfuncs > MAX_FUNCS)
        nfuncs = MAX_FUNCS;
    for (int i = 0; i < nfuncs; i++) {
        snprintf(funcs[i].name, sizeof funcs[i].name, "f%d", i);
        set_signature(&funcs[i], i > 0 && chance(25));
    }
    gen_comparators(out);
    gen_tail_pairs(out);
    for (int i = nfuncs - 1; i >= 0; i--)
        gen_function(i, out);
    gen_main(out);
    return 0;
}
