/*
 * compiler/disasm.c — a module to text assembly that compiler/asm.c reads
 * back to the same module (and so to the same vmbc bytes).
 *
 * Line numbers survive through `.line N`, which gives the next physical
 * line logical number N: the disassembler counts the logical line of every
 * line it prints, as the assembler will, and emits `.line` only before a
 * function header or instruction whose recorded line differs.
 */
#include "disasm.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- a set of names (NUL-terminated, not owned) ---- */

typedef struct nameset {
    const char **keys;
    uint32_t n, cap;
} nameset_t;

static uint32_t hash_name(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

static void ns_grow(nameset_t *set)
{
    uint32_t old_cap = set->cap;
    const char **old = set->keys;
    set->cap = old_cap ? old_cap * 2 : 64;
    set->keys = xcalloc(set->cap, sizeof *set->keys);
    for (uint32_t i = 0; i < old_cap; i++) {
        if (!old[i])
            continue;
        uint32_t h = hash_name(old[i]) & (set->cap - 1);
        while (set->keys[h])
            h = (h + 1) & (set->cap - 1);
        set->keys[h] = old[i];
    }
    free(old);
}

/* Add `s`; false if it was already there. */
static bool ns_add(nameset_t *set, const char *s)
{
    if (2 * (set->n + 1) > set->cap)
        ns_grow(set);
    uint32_t mask = set->cap - 1, h = hash_name(s) & mask;
    for (; set->keys[h]; h = (h + 1) & mask)
        if (strcmp(set->keys[h], s) == 0)
            return false;
    set->keys[h] = s;
    set->n++;
    return true;
}

static void ns_free(nameset_t *set)
{
    free(set->keys);
    *set = (nameset_t){0};
}

/* ---- output with logical line numbers ---- */

typedef struct dis {
    const module_t *m;
    buf_t *out;
    uint64_t line; /* logical line number of the next line printed */
    /* the function being printed; arrays in `tmp` */
    const func_t *f;
    arena_t tmp;
    const char **regs;   /* display name of each register */
    const char **jumps;  /* [ninstrs + 1]: name used by jumps to each index */
    uint32_t *lab_start; /* [ninstrs + 2]: printable debug labels at t are */
    uint32_t *lab_order; /* lab_order[lab_start[t] .. lab_start[t + 1]) */
} dis_t;

PRINTF_LIKE(2, 3) static void put(dis_t *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        die("vsnprintf failed");
    if ((size_t)n < sizeof small) {
        buf_put(d->out, small, (size_t)n);
        return;
    }
    char *big = xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    buf_put(d->out, big, (size_t)n);
    free(big);
}

static void end_line(dis_t *d)
{
    buf_byte(d->out, '\n');
    d->line++;
}

/* Make the next line's logical number `want` (0: don't care). */
static void sync_line(dis_t *d, uint32_t want, bool indent)
{
    if (want == 0 || want == d->line)
        return;
    put(d, "%s.line %u", indent ? "    " : "", want);
    end_line(d);
    d->line = want;
}

/* ---- literals ---- */

static void put_quoted(dis_t *d, const vstr_t *s)
{
    buf_byte(d->out, '"');
    for (uint32_t i = 0; i < s->len; i++) {
        uint8_t c = (uint8_t)s->s[i];
        switch (c) {
        case '\\': put(d, "\\\\"); break;
        case '"': put(d, "\\\""); break;
        case '\n': put(d, "\\n"); break;
        case '\t': put(d, "\\t"); break;
        case '\r': put(d, "\\r"); break;
        case 0: put(d, "\\0"); break;
        default:
            if (c < 0x20 || c == 0x7f)
                put(d, "\\u{%02X}", c);
            else
                buf_byte(d->out, c);
        }
    }
    buf_byte(d->out, '"');
}

/* The shortest %g text that strtod reads back to the same bits, spelled so
 * the assembler lexes it as a number (inf and nan are words). */
static void format_f64(char *s, size_t size, double x)
{
    if (isnan(x)) {
        snprintf(s, size, "nan");
        return;
    }
    if (isinf(x)) {
        snprintf(s, size, "%s", x < 0 ? "-inf" : "inf");
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(s, size, "%.*g", prec, x);
        double y = strtod(s, NULL);
        if (memcmp(&x, &y, sizeof x) == 0)
            break;
    }
    if (!strpbrk(s, ".e"))
        strncat(s, ".0", size - strlen(s) - 1); /* "-0" would read as the integer 0 */
}

/* ---- names ---- */

static const char *str_of(const dis_t *d, uint32_t s)
{
    return mod_str(d->m, s);
}

static bool is_name(const dis_t *d, uint32_t s)
{
    return s < d->m->nstrs && is_identifier(d->m->strs[s].s, d->m->strs[s].len, false);
}

/* `base`, or `base` with '_' appended until it is new to `set`. */
static const char *unique_name(dis_t *d, nameset_t *set, const char *base)
{
    size_t n = strlen(base);
    char *s = arena_strndup(&d->tmp, base, n);
    while (!ns_add(set, s)) {
        char *t = arena_alloc(&d->tmp, n + 2);
        memcpy(t, s, n);
        t[n++] = '_';
        s = t;
    }
    return s;
}

/* Debug names where present and unique, else %rN. */
static void name_regs(dis_t *d)
{
    const func_t *f = d->f;
    nameset_t set = {0};
    d->regs = arena_alloc(&d->tmp, (f->nregs + 1) * sizeof *d->regs);
    for (uint32_t i = 0; i < f->nregs; i++) {
        uint32_t s = f->reg_names ? f->reg_names[i] : 0;
        if (s && is_name(d, s - 1) && ns_add(&set, str_of(d, s - 1)))
            d->regs[i] = str_of(d, s - 1);
    }
    for (uint32_t i = 0; i < f->nregs; i++) {
        if (d->regs[i])
            continue;
        char base[16];
        snprintf(base, sizeof base, "r%u", i);
        d->regs[i] = unique_name(d, &set, base);
    }
    ns_free(&set);
}

/* Group the printable debug labels (valid, first of their name) by target,
 * keeping label order: a counting sort. */
static void sort_labels(dis_t *d, nameset_t *set)
{
    const func_t *f = d->f;
    uint32_t n = f->ninstrs;
    bool *ok = arena_alloc(&d->tmp, (size_t)f->nlabels + 1);
    d->lab_start = arena_alloc(&d->tmp, ((size_t)n + 2) * sizeof *d->lab_start);
    d->lab_order = arena_alloc(&d->tmp, ((size_t)f->nlabels + 1) * sizeof *d->lab_order);
    for (uint32_t i = 0; i < f->nlabels; i++) {
        const label_t *l = &f->labels[i];
        ok[i] = l->target <= n && is_name(d, l->name) && ns_add(set, str_of(d, l->name));
        if (ok[i])
            d->lab_start[l->target + 1]++;
    }
    for (uint32_t t = 0; t <= n; t++)
        d->lab_start[t + 1] += d->lab_start[t];
    uint32_t *fill = arena_alloc(&d->tmp, ((size_t)n + 1) * sizeof *fill);
    memcpy(fill, d->lab_start, ((size_t)n + 1) * sizeof *fill);
    for (uint32_t i = 0; i < f->nlabels; i++)
        if (ok[i])
            d->lab_order[fill[f->labels[i].target]++] = i;
}

/* The label each jump target is printed with: its first debug label, or a
 * generated L<index>. */
static void name_jump(dis_t *d, nameset_t *set, uint32_t t)
{
    const func_t *f = d->f;
    if (t > f->ninstrs || d->jumps[t])
        return;
    if (d->lab_start[t] < d->lab_start[t + 1]) {
        d->jumps[t] = str_of(d, f->labels[d->lab_order[d->lab_start[t]]].name);
    } else {
        char base[16];
        snprintf(base, sizeof base, "L%u", t);
        d->jumps[t] = unique_name(d, set, base);
    }
}

static void name_jumps(dis_t *d, nameset_t *set)
{
    const func_t *f = d->f;
    uint32_t n = f->ninstrs;
    d->jumps = arena_alloc(&d->tmp, ((size_t)n + 1) * sizeof *d->jumps);
    for (uint32_t k = 0; k < n; k++) {
        const instr_t *in = &f->code[k];
        const opinfo_t *oi = &op_info[in->op];
        for (uint32_t j = 0; j < oi->nfixed; j++)
            if (opnd_of(oi->operands[j])->cls == OPK_LABEL)
                name_jump(d, set, in->fixed[j].idx);
    }
    for (uint32_t t = 0; t < f->ntries; t++) {
        name_jump(d, set, f->tries[t].start);
        name_jump(d, set, f->tries[t].end);
        name_jump(d, set, f->tries[t].handler);
    }
}

static void name_labels(dis_t *d)
{
    nameset_t set = {0};
    sort_labels(d, &set);
    name_jumps(d, &set);
    ns_free(&set);
}

/* ---- functions ---- */

static void put_labels_at(dis_t *d, uint32_t t)
{
    const func_t *f = d->f;
    for (uint32_t j = d->lab_start[t]; j < d->lab_start[t + 1]; j++) {
        put(d, "%s:", str_of(d, f->labels[d->lab_order[j]].name));
        end_line(d);
    }
    if (d->lab_start[t] == d->lab_start[t + 1] && d->jumps[t]) {
        put(d, "%s:", d->jumps[t]);
        end_line(d);
    }
}

static void put_reg(dis_t *d, uint32_t r)
{
    if (r < d->f->nregs)
        put(d, "%%%s", d->regs[r]);
    else
        put(d, "%%r%u", r); /* out of range; only a malformed module has it */
}

/* An operand, as the class of its letter's row (abi/operands.def) is
 * written. */
static void put_operand(dis_t *d, char letter, operand_t o)
{
    char num[48];
    switch ((vm_opnd_class_t)opnd_of(letter)->cls) {
    case OPK_REG: put_reg(d, o.idx); break;
    case OPK_LABEL:
        if (o.idx <= d->f->ninstrs)
            put(d, "%s", d->jumps[o.idx]);
        else
            put(d, "L%u", o.idx);
        break;
    case OPK_INT: put(d, "%lld", (long long)o.i); break;
    case OPK_FLOAT:
        format_f64(num, sizeof num, o.f);
        put(d, "%s", num);
        break;
    case OPK_STRING: put_quoted(d, &d->m->strs[o.idx]); break;
    case OPK_FUNC: put(d, "%s", str_of(d, d->m->funcs[o.idx].name)); break;
    case OPK_CFUNC: put(d, "%s", str_of(d, d->m->cfuncs[o.idx].name)); break;
    case OPK_BUILTIN: put(d, "%s", str_of(d, o.idx)); break;
    case OPK_ARGS: /* put_instr prints the register list */
    case OPK_NONE: die("bad operand letter '%c'", letter);
    }
}

static void put_instr(dis_t *d, const instr_t *in)
{
    const opinfo_t *oi = &op_info[in->op];
    put(d, "    %s", oi->mnemonic);
    for (uint32_t j = 0; j < oi->nfixed; j++) {
        put(d, j ? ", " : " ");
        put_operand(d, oi->operands[j], in->fixed[j]);
    }
    for (uint32_t j = 0; oi->varargs && j < in->nargs; j++) {
        put(d, oi->nfixed + j ? ", " : " ");
        put_reg(d, in->args[j]);
    }
    end_line(d);
}

static void put_header(dis_t *d)
{
    const func_t *f = d->f;
    sync_line(d, f->line, false);
    put(d, "%sfunc %s(", f->exported ? "export " : "", str_of(d, f->name));
    for (uint32_t i = 0; i < f->nparams; i++)
        put(d, "%s%%%s: %s", i ? ", " : "", d->regs[i], type_name(f->reg_types[i]));
    put(d, ")");
    if (f->ncaptures) {
        put(d, " captures(");
        for (uint32_t i = f->nparams; i < f->nparams + f->ncaptures && i < f->nregs; i++)
            put(d, "%s%%%s: %s", i > f->nparams ? ", " : "", d->regs[i],
                type_name(f->reg_types[i]));
        put(d, ")");
    }
    put(d, " -> %s {", type_name(f->ret));
    end_line(d);
    for (uint32_t i = f->nparams + f->ncaptures; i < f->nregs; i++) {
        put(d, "    .reg %%%s: %s", d->regs[i], type_name(f->reg_types[i]));
        end_line(d);
    }
    for (uint32_t t = 0; t < f->ntries; t++) {
        const try_region_t *r = &f->tries[t];
        const char *names[3];
        uint32_t at[3] = {r->start, r->end, r->handler};
        for (int k = 0; k < 3; k++)
            names[k] = at[k] <= f->ninstrs ? d->jumps[at[k]] : "?";
        put(d, "    .try %s, %s, %s", names[0], names[1], names[2]);
        end_line(d);
    }
}

static void put_import(dis_t *d, const func_t *f)
{
    end_line(d);
    sync_line(d, f->line, false);
    put(d, "import func %s(", str_of(d, f->name));
    for (uint32_t i = 0; i < f->nparams && i < f->nregs; i++)
        put(d, "%s%s", i ? ", " : "", type_name(f->reg_types[i]));
    put(d, ") -> %s", type_name(f->ret));
    end_line(d);
}

static void put_func(dis_t *d, const func_t *f)
{
    if (f->imported) {
        put_import(d, f);
        return;
    }
    d->f = f;
    name_regs(d);
    name_labels(d);
    end_line(d); /* a blank line before each function */
    put_header(d);
    for (uint32_t k = 0; k < f->ninstrs; k++) {
        put_labels_at(d, k);
        sync_line(d, f->code[k].line, true);
        put_instr(d, &f->code[k]);
    }
    put_labels_at(d, f->ninstrs);
    put(d, "}");
    end_line(d);
    arena_free(&d->tmp);
    d->f = NULL;
}

static const char *ctype_text(uint8_t c)
{
    return c < VM_CT_COUNT ? ctype_info[c].name : "?";
}

/* extern func NAME(TYPES) -> TYPE [blocking] | [export] callback ... = F */
static void put_cfunc(dis_t *d, const cfunc_t *c)
{
    sync_line(d, c->line, false);
    if (c->flags & VM_CF_CALLBACK)
        put(d, "%scallback ", c->flags & VM_CF_EXPORTED ? "export " : "");
    else
        put(d, "extern func ");
    put(d, "%s(", str_of(d, c->name));
    for (uint32_t i = 0; i < c->nparams; i++)
        put(d, "%s%s", i ? ", " : "", ctype_text(c->params[i]));
    if (c->flags & VM_CF_VARIADIC)
        put(d, "%s...", c->nparams ? ", " : "");
    put(d, ") -> %s", ctype_text(c->ret));
    if (c->flags & VM_CF_BLOCKING)
        put(d, " blocking");
    if (c->flags & VM_CF_CALLBACK)
        put(d, " = %s", c->target < d->m->nfuncs ? str_of(d, d->m->funcs[c->target].name) : "?");
    end_line(d);
}

void disasm_module(const module_t *m, buf_t *out)
{
    dis_t d = {.m = m, .out = out, .line = 1};
    put(&d, ".version %u", m->version);
    end_line(&d);
    put(&d, ".module %s", str_of(&d, m->name));
    end_line(&d);
    if (m->file) {
        put(&d, ".file ");
        put_quoted(&d, &m->strs[m->file - 1]);
        end_line(&d);
    }
    for (uint32_t i = 0; i < m->ndeps; i++) { /* the kind as written: abi/di.h */
        sync_line(&d, m->deps[i].line, false);
        put(&d, ".dep %s: %s", str_of(&d, m->deps[i].name), str_of(&d, m->deps[i].kind));
        end_line(&d);
    }
    for (uint32_t i = 0; i < m->ncfuncs; i++)
        put_cfunc(&d, &m->cfuncs[i]);
    for (uint32_t i = 0; i < m->nfuncs; i++)
        put_func(&d, &m->funcs[i]);
}
