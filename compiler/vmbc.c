/*
 * compiler/vmbc.c — the binary module format (see vmbc.h): a canonical
 * writer and a validating reader.
 *
 * The writer builds its own string table in first-use order during one
 * fixed walk of the module, so write(read(write(m))) reproduces the bytes
 * and a module reassembled from disassembly writes identically.
 *
 * The reader trusts nothing: every number is bounds-checked, every count is
 * checked against the limits in ir.h and against the bytes that remain
 * before anything is allocated, and the first problem ends reading with a
 * diagnostic at its byte offset.
 */
#include "vmbc.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "../abi/di.h"
#include "../abi/utf8.h"
#include "diag.h"

/* ======================================================================
 * Writer
 * ====================================================================== */

/* The output string table: module string index -> output index. */
typedef struct strtab {
    const module_t *m;
    uint32_t *map;   /* module index -> output index + 1; 0 = not yet used */
    uint32_t *order; /* output index -> module index */
    uint32_t n;
} strtab_t;

static uint32_t st_use(strtab_t *t, uint32_t s)
{
    if (s >= t->m->nstrs)
        die("string index %u out of range (%u strings)", s, t->m->nstrs);
    if (!t->map[s]) {
        t->order[t->n] = s;
        t->map[s] = ++t->n;
    }
    return t->map[s] - 1;
}

static void put_section(buf_t *out, uint8_t id, const buf_t *payload)
{
    buf_byte(out, id);
    buf_uleb(out, payload->len);
    buf_put(out, payload->data, payload->len);
}

static void write_f64(buf_t *b, double d)
{
    uint64_t bits;
    memcpy(&bits, &d, sizeof bits);
    for (int i = 0; i < 8; i++)
        buf_byte(b, (uint8_t)(bits >> (8 * i)));
}

/* An operand in the encoding of its letter's row (abi/operands.def). */
static void write_operand(strtab_t *st, char letter, operand_t o, buf_t *b)
{
    switch ((vm_opnd_enc_t)opnd_of(letter)->enc) {
    case OPE_ULEB: buf_uleb(b, o.idx); break;
    case OPE_SLEB: buf_sleb(b, o.i); break;
    case OPE_F64: write_f64(b, o.f); break;
    case OPE_STR: buf_uleb(b, st_use(st, o.idx)); break;
    case OPE_LIST: /* write_instr writes the register list */
    case OPE_NONE: die("bad operand letter '%c'", letter);
    }
}

static void write_instr(strtab_t *st, const instr_t *in, buf_t *b)
{
    if (in->op >= OP_COUNT)
        die("bad opcode %u", in->op);
    const opinfo_t *oi = &op_info[in->op];
    buf_byte(b, in->op);
    for (uint32_t k = 0; k < oi->nfixed; k++)
        write_operand(st, oi->operands[k], in->fixed[k], b);
    if (oi->varargs) {
        buf_uleb(b, in->nargs);
        for (uint32_t j = 0; j < in->nargs; j++)
            buf_uleb(b, in->args[j]);
    }
}

static void write_func(strtab_t *st, const func_t *f, buf_t *b)
{
    buf_uleb(b, st_use(st, f->name));
    buf_byte(b, (f->exported ? VMBC_FN_EXPORTED : 0) | (f->imported ? VMBC_FN_IMPORTED : 0));
    buf_byte(b, (uint8_t)f->ret);
    buf_uleb(b, f->nparams);
    if (f->imported) {
        buf_put(b, f->reg_types, f->nparams);
        return;
    }
    buf_uleb(b, f->ncaptures);
    buf_uleb(b, f->nregs);
    buf_put(b, f->reg_types, f->nregs);
    buf_uleb(b, f->ninstrs);
    buf_t code = {0};
    for (uint32_t k = 0; k < f->ninstrs; k++)
        write_instr(st, &f->code[k], &code);
    buf_uleb(b, code.len);
    buf_put(b, code.data, code.len);
    buf_free(&code);
    buf_uleb(b, f->ntries);
    for (uint32_t i = 0; i < f->ntries; i++) {
        buf_uleb(b, f->tries[i].start);
        buf_uleb(b, f->tries[i].end);
        buf_uleb(b, f->tries[i].handler);
    }
}

/* A name in the DEBUG section: string index + 1, 0 for none. */
static void write_opt_name(strtab_t *st, uint32_t name_plus_1, buf_t *b)
{
    buf_uleb(b, name_plus_1 ? st_use(st, name_plus_1 - 1) + 1 : 0);
}

static void write_func_debug(strtab_t *st, const func_t *f, buf_t *b)
{
    buf_uleb(b, f->line);
    if (f->imported)
        return;
    for (uint32_t i = 0; i < f->nregs; i++)
        write_opt_name(st, f->reg_names ? f->reg_names[i] : 0, b);
    buf_uleb(b, f->nlabels);
    for (uint32_t i = 0; i < f->nlabels; i++) {
        buf_uleb(b, f->labels[i].target);
        buf_uleb(b, st_use(st, f->labels[i].name));
    }
    int64_t prev = f->line;
    for (uint32_t k = 0; k < f->ninstrs; k++) {
        buf_sleb(b, (int64_t)f->code[k].line - prev);
        prev = f->code[k].line;
    }
}

static void write_strings(const strtab_t *st, buf_t *b)
{
    buf_uleb(b, st->n);
    for (uint32_t i = 0; i < st->n; i++) {
        const vstr_t *s = &st->m->strs[st->order[i]];
        buf_uleb(b, s->len);
        buf_put(b, s->s, s->len);
    }
}

/* name, flags, return type, parameter count and types, a callback's
 * function, the line */
static void write_cfunc(strtab_t *st, const cfunc_t *c, buf_t *b)
{
    buf_uleb(b, st_use(st, c->name));
    buf_byte(b, c->flags);
    buf_byte(b, c->ret);
    buf_uleb(b, c->nparams);
    for (uint32_t i = 0; i < c->nparams; i++)
        buf_byte(b, c->params[i]);
    if (c->flags & VM_CF_CALLBACK)
        buf_uleb(b, c->target);
    buf_uleb(b, c->line);
}

void vmbc_write(const module_t *m, buf_t *out)
{
    strtab_t st = {m, xcalloc(m->nstrs, sizeof(uint32_t)), xcalloc(m->nstrs, sizeof(uint32_t)), 0};
    buf_t strings = {0}, mod = {0}, funcs = {0}, debug = {0}, deps = {0}, cfuncs = {0};
    /* The walk's order fixes the string table's order. */
    buf_uleb(&mod, st_use(&st, m->name));
    buf_uleb(&funcs, m->nfuncs);
    for (uint32_t i = 0; i < m->nfuncs; i++)
        write_func(&st, &m->funcs[i], &funcs);
    write_opt_name(&st, m->file, &debug);
    for (uint32_t i = 0; i < m->nfuncs; i++)
        write_func_debug(&st, &m->funcs[i], &debug);
    if (m->ndeps) {
        buf_uleb(&deps, m->ndeps);
        for (uint32_t i = 0; i < m->ndeps; i++) {
            buf_uleb(&deps, st_use(&st, m->deps[i].name));
            buf_uleb(&deps, st_use(&st, m->deps[i].kind));
            buf_uleb(&deps, m->deps[i].line);
        }
    }
    if (m->ncfuncs) {
        buf_uleb(&cfuncs, m->ncfuncs);
        for (uint32_t i = 0; i < m->ncfuncs; i++)
            write_cfunc(&st, &m->cfuncs[i], &cfuncs);
    }
    write_strings(&st, &strings);

    buf_put(out, VMBC_MAGIC, 4);
    buf_byte(out, VM_FORMAT_VERSION & 0xff);
    buf_byte(out, VM_FORMAT_VERSION >> 8);
    buf_byte(out, 0);
    buf_byte(out, 0);
    put_section(out, VMBC_SEC_STRINGS, &strings);
    put_section(out, VMBC_SEC_MODULE, &mod);
    put_section(out, VMBC_SEC_FUNCS, &funcs);
    put_section(out, VMBC_SEC_DEBUG, &debug);
    if (m->ndeps)
        put_section(out, VMBC_SEC_DEPS, &deps);
    if (m->ncfuncs)
        put_section(out, VMBC_SEC_CFUNCS, &cfuncs);
    buf_free(&cfuncs);
    buf_free(&deps);
    buf_free(&strings);
    buf_free(&mod);
    buf_free(&funcs);
    buf_free(&debug);
    free(st.map);
    free(st.order);
}

/* ======================================================================
 * Reader
 * ====================================================================== */

typedef struct reader {
    module_t *m;
    const uint8_t *data;
    size_t len;       /* of the file */
    size_t pos, end;  /* cursor and the end of the range being read */
    unsigned sec;     /* section being read; 0 in the header */
    const func_t *fn; /* function whose code is being read, or NULL */
    uint32_t *strmap; /* binary string index -> module string index */
    uint32_t nstrs;   /* in the binary table */
    uint32_t nfuncs;  /* declared by FUNCS */
    bool seen[VMBC_SEC_LAST + 1];
    jmp_buf fail;
} reader_t;

NORETURN PRINTF_LIKE(3, 4) static void fail_at(reader_t *r, size_t off, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_vat(r->m, (src_loc_t){0, 0, off}, fmt, ap);
    va_end(ap);
    longjmp(r->fail, 1);
}

static const char *fn_name(const reader_t *r, const func_t *f)
{
    return mod_str(r->m, f->name);
}

static const char *plural(uint64_t n)
{
    return n == 1 ? "" : "s";
}

static const char *const section_names[] = {
    [VMBC_SEC_STRINGS] = "STRINGS", [VMBC_SEC_MODULE] = "MODULE", [VMBC_SEC_FUNCS] = "FUNCS",
    [VMBC_SEC_DEBUG] = "DEBUG",     [VMBC_SEC_DEPS] = "DEPS",     [VMBC_SEC_CFUNCS] = "CFUNCS",
};

static size_t remaining(const reader_t *r)
{
    return r->end - r->pos;
}

/* Reading past the end of the current range. */
NORETURN static void fail_short(reader_t *r)
{
    if (r->fn)
        fail_at(r, r->pos, "function '%s': instruction runs past the end of its code",
                fn_name(r, r->fn));
    if (r->sec == 0)
        fail_at(r, r->pos, "unexpected end of the file");
    fail_at(r, r->pos, "section %u (%s): unexpected end of the section", r->sec,
            section_names[r->sec]);
}

static uint8_t read_u8(reader_t *r)
{
    if (r->pos >= r->end)
        fail_short(r);
    return r->data[r->pos++];
}

static const uint8_t *read_bytes(reader_t *r, size_t n)
{
    if (n > remaining(r))
        fail_short(r);
    const uint8_t *p = r->data + r->pos;
    r->pos += n;
    return p;
}

NORETURN static void bad_number(reader_t *r, size_t at)
{
    fail_at(r, at, "truncated or malformed number");
}

static uint64_t read_uleb(reader_t *r)
{
    size_t at = r->pos;
    uint64_t v = 0;
    if (r->pos >= r->end)
        fail_short(r);
    for (unsigned shift = 0;; shift += 7) {
        if (r->pos >= r->end || shift > 63)
            bad_number(r, at);
        uint8_t c = r->data[r->pos++];
        if (shift == 63 && c > 1) /* only bit 63 is left, and no continuation */
            bad_number(r, at);
        v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80))
            return v;
    }
}

static int64_t read_sleb(reader_t *r)
{
    size_t at = r->pos;
    uint64_t v = 0;
    unsigned shift = 0;
    uint8_t c;
    if (r->pos >= r->end)
        fail_short(r);
    do {
        if (r->pos >= r->end || shift > 63)
            bad_number(r, at);
        c = r->data[r->pos++];
        if (shift == 63 && c != 0 && c != 0x7f) /* bit 63 and its sign extension */
            bad_number(r, at);
        v |= (uint64_t)(c & 0x7f) << shift;
        shift += 7;
    } while (c & 0x80);
    if (shift < 64 && (c & 0x40))
        v |= ~(uint64_t)0 << shift;
    return (int64_t)v;
}

/* A count of things that take at least one byte each. */
static uint32_t read_count(reader_t *r, uint64_t limit, const char *what)
{
    size_t at = r->pos;
    uint64_t n = read_uleb(r);
    if (n > limit)
        fail_at(r, at, "too many %s: %llu (the limit is %llu)", what, (unsigned long long)n,
                (unsigned long long)limit);
    if (n > remaining(r))
        fail_at(r, at, "%llu %s cannot fit in the %zu bytes that remain", (unsigned long long)n,
                what, remaining(r));
    return (uint32_t)n;
}

/* A string-table index; returns the module's index. */
static uint32_t read_str(reader_t *r)
{
    size_t at = r->pos;
    uint64_t i = read_uleb(r);
    if (i >= r->nstrs)
        fail_at(r, at, "string index %llu is out of range (%u string%s)", (unsigned long long)i,
                r->nstrs, plural(r->nstrs));
    return r->strmap[i];
}

/* A string index + 1, 0 meaning none; returns the module's index + 1, or 0. */
static uint32_t read_opt_str(reader_t *r)
{
    size_t at = r->pos;
    uint64_t i = read_uleb(r);
    if (i == 0)
        return 0;
    if (i - 1 >= r->nstrs)
        fail_at(r, at, "string index %llu is out of range (%u string%s)",
                (unsigned long long)(i - 1), r->nstrs, plural(r->nstrs));
    return r->strmap[i - 1] + 1;
}

static void check_name(reader_t *r, size_t at, uint32_t s, bool allow_dots, const char *what)
{
    const vstr_t *v = &r->m->strs[s];
    if (!is_identifier(v->s, v->len, allow_dots))
        fail_at(r, at,
                "%s is not a valid name (letters, digits%s and '_', not starting with a digit)",
                what, allow_dots ? ", '.'" : "");
}

static uint32_t read_name(reader_t *r, bool allow_dots, const char *what)
{
    size_t at = r->pos;
    uint32_t s = read_str(r);
    check_name(r, at, s, allow_dots, what);
    return s;
}

/* ---- header ---- */

static uint16_t get_u16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static void read_header(reader_t *r)
{
    if (r->len == 0)
        fail_at(r, 0, "empty file: not a vmbc module");
    if (memcmp(r->data, VMBC_MAGIC, r->len < 4 ? r->len : 4) != 0)
        fail_at(r, 0, "not a vmbc module (bad magic)");
    if (r->len < VMBC_HEADER_SIZE)
        fail_at(r, 0, "truncated module: expected an %d-byte header", VMBC_HEADER_SIZE);
    unsigned version = get_u16(r->data + 4), flags = get_u16(r->data + 6);
    if (version < VM_FORMAT_VERSION)
        fail_at(r, 4, "module format version %u is not supported (this vmcc reads %d)", version,
                VM_FORMAT_VERSION);
    if (version > VM_FORMAT_VERSION)
        fail_at(r, 4, "module format version %u is newer than this vmcc supports (%d)", version,
                VM_FORMAT_VERSION);
    if (flags != 0)
        fail_at(r, 6, "unknown header flags 0x%04x", flags);
    r->m->version = version;
    r->pos = VMBC_HEADER_SIZE;
}

/* ---- STRINGS ---- */

static void read_strings(reader_t *r)
{
    uint32_t n = read_count(r, VM_MAX_STRINGS, "strings");
    r->strmap = arena_alloc(&r->m->arena, (n ? n : 1) * sizeof(uint32_t));
    for (uint32_t i = 0; i < n; i++) {
        size_t at = r->pos;
        uint64_t len = read_uleb(r);
        if (len > remaining(r) || len > UINT32_MAX)
            fail_at(r, at, "string %u runs past the end of the section", i);
        const char *s = (const char *)r->data + r->pos;
        size_t bad = vm_utf8_invalid_at(s, (size_t)len);
        if (bad != len)
            fail_at(r, r->pos + bad, "string %u is not valid UTF-8", i);
        r->strmap[i] = mod_intern(r->m, s, (size_t)len);
        r->pos += (size_t)len;
    }
    r->nstrs = n;
}

/* ---- MODULE ---- */

static void read_module_name(reader_t *r)
{
    r->m->name = read_name(r, false, "the module name");
}

/* ---- FUNCS ---- */

static uint32_t read_reg(reader_t *r, const func_t *f)
{
    size_t at = r->pos;
    uint64_t i = read_uleb(r);
    if (i >= f->nregs)
        fail_at(r, at, "register %llu is out of range (function '%s' has %u register%s)",
                (unsigned long long)i, fn_name(r, f), f->nregs, plural(f->nregs));
    return (uint32_t)i;
}

static double read_f64(reader_t *r)
{
    const uint8_t *p = read_bytes(r, 8);
    uint64_t bits = 0;
    for (int i = 0; i < 8; i++)
        bits |= (uint64_t)p[i] << (8 * i);
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

static uint32_t read_target(reader_t *r, const func_t *f)
{
    size_t at = r->pos;
    uint64_t t = read_uleb(r);
    if (t >= f->ninstrs)
        fail_at(r, at, "jump target %llu is outside function '%s' (%u instruction%s)",
                (unsigned long long)t, fn_name(r, f), f->ninstrs, plural(f->ninstrs));
    return (uint32_t)t;
}

static uint32_t read_func_index(reader_t *r)
{
    size_t at = r->pos;
    uint64_t i = read_uleb(r);
    if (i >= r->nfuncs)
        fail_at(r, at, "function index %llu is out of range (%u function%s)", (unsigned long long)i,
                r->nfuncs, plural(r->nfuncs));
    return (uint32_t)i;
}

/* An operand of the class its letter's row gives (abi/operands.def),
 * checked as far as the reader can. */
static void read_operand(reader_t *r, const func_t *f, char letter, operand_t *o)
{
    switch ((vm_opnd_class_t)opnd_of(letter)->cls) {
    case OPK_REG: o->idx = read_reg(r, f); break;
    case OPK_LABEL: o->idx = read_target(r, f); break;
    case OPK_INT: o->i = read_sleb(r); break;
    case OPK_FLOAT: o->f = read_f64(r); break;
    case OPK_STRING: o->idx = read_str(r); break;
    case OPK_FUNC: o->idx = read_func_index(r); break;
    case OPK_CFUNC:
        o->idx = (uint32_t)read_uleb(r);
        break; /* CFUNCS comes later: the verifier checks it */
    case OPK_BUILTIN: o->idx = read_name(r, true, "the builtin name"); break;
    case OPK_ARGS: /* read_args reads the register list */
    case OPK_NONE: die("bad operand letter '%c'", letter);
    }
}

static void read_args(reader_t *r, const func_t *f, instr_t *in)
{
    in->nargs = read_count(r, VM_MAX_PARAMS, "call arguments");
    if (in->nargs == 0)
        return;
    in->args = arena_alloc(&r->m->arena, in->nargs * sizeof(uint32_t));
    for (uint32_t j = 0; j < in->nargs; j++)
        in->args[j] = read_reg(r, f);
}

static void read_instr(reader_t *r, const func_t *f, uint32_t k, instr_t *in)
{
    size_t at = r->pos;
    if (r->pos >= r->end)
        fail_at(r, at, "function '%s': code ends after %u of its %u instructions", fn_name(r, f), k,
                f->ninstrs);
    uint8_t op = read_u8(r);
    if (op >= OP_COUNT)
        fail_at(r, at, "unknown opcode 0x%02x", op);
    const opinfo_t *oi = &op_info[op];
    in->op = op;
    in->loc = (src_loc_t){0, 0, at};
    for (uint32_t j = 0; j < oi->nfixed; j++)
        read_operand(r, f, oi->operands[j], &in->fixed[j]);
    if (oi->varargs)
        read_args(r, f, in);
}

static void read_code(reader_t *r, func_t *f, size_t size)
{
    size_t section_end = r->end;
    r->end = r->pos + size;
    r->fn = f;
    for (uint32_t k = 0; k < f->ninstrs; k++)
        read_instr(r, f, k, &f->code[k]);
    if (r->pos != r->end)
        fail_at(r, r->pos, "function '%s': %zu byte%s of code left after its last instruction",
                fn_name(r, f), remaining(r), plural(remaining(r)));
    r->fn = NULL;
    r->end = section_end;
}

static void read_reg_types(reader_t *r, func_t *f)
{
    f->reg_types = arena_alloc(&r->m->arena, f->nregs ? f->nregs : 1);
    f->reg_names = arena_alloc(&r->m->arena, (f->nregs ? f->nregs : 1) * sizeof(uint32_t));
    for (uint32_t i = 0; i < f->nregs; i++) {
        size_t at = r->pos;
        uint8_t t = read_u8(r);
        if (t > TY_VAL)
            fail_at(r, at, "function '%s': register %u has bad type %u", fn_name(r, f), i, t);
        f->reg_types[i] = t;
    }
}

static void read_signature(reader_t *r, func_t *f)
{
    size_t at = r->pos;
    uint8_t flags = read_u8(r);
    if (flags & ~(VMBC_FN_EXPORTED | VMBC_FN_IMPORTED) ||
        flags == (VMBC_FN_EXPORTED | VMBC_FN_IMPORTED))
        fail_at(r, at, "function '%s': bad flags 0x%02x", fn_name(r, f), flags);
    f->exported = flags & VMBC_FN_EXPORTED;
    f->imported = flags & VMBC_FN_IMPORTED;
    at = r->pos;
    uint8_t ret = read_u8(r);
    if (ret > TY_VOID)
        fail_at(r, at, "function '%s': bad return type %u", fn_name(r, f), ret);
    f->ret = (vm_type_t)ret;
    at = r->pos;
    uint64_t nparams = read_uleb(r);
    if (nparams > VM_MAX_PARAMS)
        fail_at(r, at, "function '%s' has %llu parameters (the limit is %u)", fn_name(r, f),
                (unsigned long long)nparams, VM_MAX_PARAMS);
    f->nparams = (uint32_t)nparams;
    if (f->imported) { /* parameter types only */
        f->nregs = f->nparams;
        read_reg_types(r, f);
        return;
    }
    at = r->pos;
    uint64_t ncaptures = read_uleb(r);
    if (ncaptures > VM_MAX_REGS)
        fail_at(r, at, "function '%s' has %llu captures", fn_name(r, f),
                (unsigned long long)ncaptures);
    f->ncaptures = (uint32_t)ncaptures;
    f->nregs = read_count(r, VM_MAX_REGS, "registers");
    if (nparams + ncaptures > f->nregs)
        fail_at(r, at, "function '%s' has %llu parameters and %llu captures but only %u registers",
                fn_name(r, f), (unsigned long long)nparams, (unsigned long long)ncaptures,
                f->nregs);
    read_reg_types(r, f);
}

static void read_tries(reader_t *r, func_t *f)
{
    f->ntries = read_count(r, f->ninstrs, "try regions");
    f->tries = arena_alloc(&r->m->arena, (f->ntries ? f->ntries : 1) * sizeof(try_region_t));
    for (uint32_t i = 0; i < f->ntries; i++) {
        try_region_t *t = &f->tries[i];
        t->loc = (src_loc_t){0, 0, r->pos};
        t->start = read_target(r, f);
        size_t at = r->pos;
        uint64_t end = read_uleb(r);
        if (end > f->ninstrs || end <= t->start)
            fail_at(r, at, "function '%s': try region [%u, %llu) is empty or outside the function",
                    fn_name(r, f), t->start, (unsigned long long)end);
        t->end = (uint32_t)end;
        t->handler = read_target(r, f);
    }
}

static void read_func(reader_t *r, func_t *f)
{
    f->loc = (src_loc_t){0, 0, r->pos};
    size_t name_at = r->pos;
    f->name = read_str(r);
    read_signature(r, f);
    /* an import names "module.function" */
    check_name(r, name_at, f->name, f->imported, "the function name");
    f->labels = arena_alloc(&r->m->arena, sizeof(label_t));
    if (f->imported) {
        f->code = arena_alloc(&r->m->arena, sizeof(instr_t));
        f->tries = arena_alloc(&r->m->arena, sizeof(try_region_t));
        return;
    }
    size_t at = r->pos;
    f->ninstrs = read_count(r, VM_MAX_INSTRS, "instructions");
    size_t size_at = r->pos;
    uint64_t size = read_uleb(r);
    if (size > remaining(r))
        fail_at(r, size_at, "function '%s': code runs past the end of the section", fn_name(r, f));
    if (f->ninstrs > size)
        fail_at(r, at, "function '%s': %u instructions cannot fit in %llu bytes of code",
                fn_name(r, f), f->ninstrs, (unsigned long long)size);
    f->code = arena_alloc(&r->m->arena, (f->ninstrs ? f->ninstrs : 1) * sizeof(instr_t));
    read_code(r, f, (size_t)size);
    read_tries(r, f);
}

static void read_funcs(reader_t *r)
{
    uint32_t n = read_count(r, VM_MAX_FUNCS, "functions");
    r->nfuncs = n;
    r->m->funcs = arena_alloc(&r->m->arena, (n ? n : 1) * sizeof(func_t));
    for (uint32_t i = 0; i < n; i++)
        read_func(r, &r->m->funcs[i]);
    r->m->nfuncs = n;
}

/* ---- DEBUG ---- */

static uint32_t read_line(reader_t *r)
{
    size_t at = r->pos;
    uint64_t line = read_uleb(r);
    if (line > UINT32_MAX)
        fail_at(r, at, "line number %llu is out of range", (unsigned long long)line);
    return (uint32_t)line;
}

static void read_reg_names(reader_t *r, func_t *f)
{
    for (uint32_t i = 0; i < f->nregs; i++) {
        size_t at = r->pos;
        uint32_t s = read_opt_str(r);
        if (s)
            check_name(r, at, s - 1, false, "a register name");
        f->reg_names[i] = s;
    }
}

static void read_labels(reader_t *r, func_t *f)
{
    uint32_t n = read_count(r, UINT32_MAX, "labels");
    f->labels = arena_alloc(&r->m->arena, (n ? n : 1) * sizeof(label_t));
    for (uint32_t i = 0; i < n; i++) {
        size_t at = r->pos;
        uint64_t t = read_uleb(r);
        if (t > f->ninstrs)
            fail_at(r, at, "label target %llu is outside the function (%u instructions)",
                    (unsigned long long)t, f->ninstrs);
        f->labels[i].target = (uint32_t)t;
        f->labels[i].name = read_name(r, false, "a label name");
    }
    f->nlabels = n;
}

static void read_line_deltas(reader_t *r, func_t *f)
{
    int64_t line = f->line;
    for (uint32_t k = 0; k < f->ninstrs; k++) {
        size_t at = r->pos;
        int64_t delta = read_sleb(r);
        if (delta > (int64_t)UINT32_MAX - line || delta < -line)
            fail_at(r, at, "line delta %lld of instruction %u puts it outside lines 0..%u",
                    (long long)delta, k, UINT32_MAX);
        line += delta;
        f->code[k].line = (uint32_t)line;
    }
}

static void read_debug(reader_t *r)
{
    r->m->file = read_opt_str(r);
    for (uint32_t i = 0; i < r->m->nfuncs; i++) {
        func_t *f = &r->m->funcs[i];
        f->line = read_line(r);
        if (f->imported)
            continue;
        read_reg_names(r, f);
        read_labels(r, f);
        read_line_deltas(r, f);
    }
}

/* ---- DEPS ---- */

/* The C functions (docs/ffi.md): what the reader can check; their
 * names, types and callbacks' functions are the verifier's. */
static void read_cfuncs(reader_t *r)
{
    module_t *m = r->m;
    uint32_t n = read_count(r, VM_MAX_CFUNCS, "C functions");
    m->cfuncs = arena_alloc(&m->arena, (n ? n : 1) * sizeof(cfunc_t));
    for (uint32_t i = 0; i < n; i++) {
        cfunc_t *c = &m->cfuncs[i];
        size_t at = r->pos;
        *c = (cfunc_t){.loc = {0, 0, at}};
        c->name = read_name(r, false, "the C function's name");
        at = r->pos;
        c->flags = read_u8(r);
        if (c->flags & ~(VM_CF_CALLBACK | VM_CF_EXPORTED | VM_CF_BLOCKING | VM_CF_VARIADIC))
            fail_at(r, at, "C function '%s': unknown flags 0x%02x", m->strs[c->name].s, c->flags);
        c->ret = read_u8(r);
        c->nparams = read_count(r, VM_MAX_PARAMS, "parameters");
        c->params = arena_alloc(&m->arena, c->nparams ? c->nparams : 1);
        for (uint32_t k = 0; k < c->nparams; k++)
            c->params[k] = read_u8(r);
        if (c->flags & VM_CF_CALLBACK)
            c->target = read_func_index(r);
        c->line = read_line(r);
    }
    m->ncfuncs = n;
}

static void read_deps(reader_t *r)
{
    module_t *m = r->m;
    uint32_t n = read_count(r, VM_MAX_DEPS, "dependencies");
    m->deps = arena_alloc(&m->arena, (n ? n : 1) * sizeof(dep_t));
    bool *named = arena_alloc(&m->arena, m->nstrs ? m->nstrs : 1); /* duplicates in O(n) */
    memset(named, 0, m->nstrs ? m->nstrs : 1);
    for (uint32_t i = 0; i < n; i++) {
        dep_t *d = &m->deps[i];
        size_t at = r->pos;
        d->loc = (src_loc_t){0, 0, at};
        d->name = read_str(r);
        const vstr_t *name = &m->strs[d->name];
        if (!vm_di_name_valid(name->s, name->len))
            fail_at(r, at,
                    "dependency %u: '%s' is not a valid dependency name (a letter, then letters, "
                    "digits and '_')",
                    i, name->s);
        if (named[d->name])
            fail_at(r, at, "dependency '%s' is declared twice", name->s);
        named[d->name] = true;
        at = r->pos;
        d->kind = read_str(r);
        const vstr_t *kind = &m->strs[d->kind];
        vm_di_kind_t k;
        char msg[256];
        size_t off;
        if (!vm_di_parse_kind(kind->s, kind->len, &k, msg, sizeof msg, &off))
            fail_at(r, at, "dependency '%s': bad kind '%s': %s", name->s, kind->s, msg);
        /* canonical: one spelling per kind, so a module has one encoding */
        char *canon = arena_alloc(&m->arena, kind->len + 1);
        size_t clen = vm_di_kind_spell(&k, canon, kind->len + 1);
        if (clen != kind->len || memcmp(canon, kind->s, clen) != 0)
            fail_at(r, at, "dependency '%s': kind '%s' is not spelled canonically ('%s')", name->s,
                    kind->s, canon);
        d->line = read_line(r);
    }
    m->ndeps = n;
}

/* ---- sections ---- */

/* Every required section with an id below `id` must have been read
 * (id past the last section: the end of the file). */
static void check_required(reader_t *r, unsigned id, size_t at)
{
    for (unsigned s = VMBC_SEC_STRINGS; s <= VMBC_SEC_FUNCS && s < id; s++) {
        if (r->seen[s])
            continue;
        if (id > VMBC_SEC_LAST)
            fail_at(r, at, "missing %s section", section_names[s]);
        fail_at(r, at, "missing %s section before section %u (%s)", section_names[s], id,
                section_names[id]);
    }
}

static void read_payload(reader_t *r, unsigned id)
{
    switch (id) {
    case VMBC_SEC_STRINGS: read_strings(r); break;
    case VMBC_SEC_MODULE: read_module_name(r); break;
    case VMBC_SEC_FUNCS: read_funcs(r); break;
    case VMBC_SEC_DEBUG: read_debug(r); break;
    case VMBC_SEC_DEPS: read_deps(r); break;
    case VMBC_SEC_CFUNCS: read_cfuncs(r); break;
    default: unreachable();
    }
}

static void read_section(reader_t *r, unsigned *last)
{
    size_t at = r->pos;
    r->sec = 0;
    r->end = r->len;
    unsigned id = r->data[r->pos++];
    if (id < VMBC_SEC_STRINGS || id > VMBC_SEC_LAST)
        fail_at(r, at, "unknown section id %u", id);
    if (id <= *last)
        fail_at(r, at, "section %u (%s) out of order: it comes after section %u (%s)", id,
                section_names[id], *last, section_names[*last]);
    check_required(r, id, at);
    uint64_t size = read_uleb(r);
    if (size > remaining(r))
        fail_at(r, at, "section %u (%s) runs past the end of the file (%llu bytes, %zu left)", id,
                section_names[id], (unsigned long long)size, remaining(r));
    r->sec = id;
    r->end = r->pos + (size_t)size;
    read_payload(r, id);
    if (r->pos != r->end)
        fail_at(r, r->pos, "section %u (%s): %zu unexpected byte%s after its contents", id,
                section_names[id], remaining(r), plural(remaining(r)));
    r->seen[id] = true;
    *last = id;
}

static void read_sections(reader_t *r)
{
    unsigned last = 0;
    while (r->pos < r->len)
        read_section(r, &last);
    check_required(r, VMBC_SEC_LAST + 1, r->len);
}

module_t *vmbc_read(const char *path, const uint8_t *data, size_t len)
{
    module_t *m = module_new(path);
    m->from_text = false;
    reader_t r = {.m = m, .data = data, .len = len, .end = len};
    if (setjmp(r.fail)) {
        module_free(m);
        return NULL;
    }
    read_header(&r);
    read_sections(&r);
    return m;
}
