/*
 * compiler/asm.c — the text assembler: .vmasm source to a module.
 *
 * Line-oriented; the grammar (docs/bytecode.md, "Text assembly"):
 *
 *   module    = { directive NL | func | import NL | NL } EOF
 *   directive = ".version" INT | ".module" IDENT | ".file" STRING | ".line" INT
 *             | ".dep" IDENT ":" KIND      (KIND: the rest of the line, abi/di.h)
 *   import    = "import" "func" IDENT "." IDENT "(" [type {"," type}] ")" "->" type
 *   func      = ["export"] "func" IDENT "(" [param {"," param}] ")"
 *               ["captures" "(" param {"," param} ")"] "->" type "{" NL
 *               { ".reg" regdecl {"," regdecl} NL }
 *               { IDENT ":" | instr NL | ".line" INT NL
 *                 | ".try" IDENT "," IDENT "," IDENT NL }
 *               "}"
 *   param     = regdecl = REG ":" type
 *   instr     = MNEMONIC [operand {"," operand}]
 *
 * The first error ends assembly (later errors would mostly be echoes).
 * Register types, operand types, call signatures and control flow are the
 * verifier's business; the assembler resolves names.
 */
#include "asm.h"

#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../abi/di.h"
#include "../abi/utf8.h"
#include "diag.h"

typedef enum tok_kind {
    T_EOF,
    T_NL,
    T_IDENT, /* letters, digits, '_', '.'; may start with '.' (directives) */
    T_REG,   /* %name */
    T_INT,
    T_FLOAT,
    T_STRING,
    T_PUNCT, /* ( ) { } , : -> */
} tok_kind_t;

typedef struct tok {
    tok_kind_t kind;
    const char *p; /* start in the source */
    size_t len;
    uint32_t line, col;
    int64_t ival;
    double fval;
    char *sval; /* T_STRING: unescaped, in the arena */
    size_t slen;
} tok_t;

typedef struct fixup {
    uint32_t instr, operand; /* operand index, or UINT32_MAX: not an operand */
    uint32_t func;           /* function of the instruction */
    uint32_t name;           /* string index */
    src_loc_t loc;
} fixup_t;

typedef struct try_fixup {
    uint32_t names[3]; /* start, end, handler labels */
    src_loc_t locs[3];
    src_loc_t loc;
} try_fixup_t;

typedef struct parser {
    module_t *m;
    const char *src, *end, *cur;
    uint32_t line; /* physical line of cur */
    const char *line_start;
    int64_t line_delta; /* logical line = physical + delta (.line) */
    tok_t tok;          /* current token */
    jmp_buf fail;
    /* the function being parsed; its register vectors are the parser's
     * (reused across functions) until copied into the arena */
    func_t *fn;
    func_t cur_fn;
    uint8_t *rtypes;
    uint32_t *rnames, rcap;
    instr_t *code;
    uint32_t ncode, cap_code;
    label_t *labels;
    uint32_t nlabels, cap_labels;
    fixup_t *label_uses;
    uint32_t nlabel_uses, cap_label_uses;
    /* module-wide */
    fixup_t *func_uses;
    uint32_t nfunc_uses, cap_func_uses;
    try_fixup_t *try_fixups; /* the current function's .try lines */
    uint32_t ntries, cap_tries;
    try_region_t *tries; /* resolved */
    func_t *funcs;
    uint32_t nfuncs, cap_funcs;
    dep_t *deps;
    uint32_t ndeps, cap_deps;
    cfunc_t *cfuncs;
    uint32_t ncfuncs, cap_cfuncs;
    fixup_t *cfunc_uses; /* X operands, resolved at the end */
    uint32_t ncfunc_uses, cap_cfunc_uses;
    fixup_t *target_uses; /* callbacks' functions (func: the callback's index) */
    uint32_t ntarget_uses, cap_target_uses;
    uint32_t *dep_of_str; /* per string index: 1 + the dependency it names, or 0 */
    uint32_t cap_dep_of_str;
} parser_t;

NORETURN PRINTF_LIKE(3, 4) static void fail_at(parser_t *p, src_loc_t loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_vat(p->m, loc, fmt, ap);
    va_end(ap);
    longjmp(p->fail, 1);
}

static src_loc_t tok_loc(const tok_t *t)
{
    return (src_loc_t){t->line, t->col, 0};
}

#define fail_tok(p, ...) fail_at(p, tok_loc(&(p)->tok), __VA_ARGS__)

/* ---- lexer ---- */

static bool is_ident_char(char c)
{
    return c == '_' || c == '.' || (c >= '0' && c <= '9') || ((c | 32) >= 'a' && (c | 32) <= 'z');
}

static uint32_t col_of(const parser_t *p, const char *at)
{
    return (uint32_t)(at - p->line_start) + 1;
}

/* What a token is, for "found ..." in messages. Punctuation is quoted, in a
 * buffer that lives until the next call. */
static const char *tok_desc(const tok_t *t)
{
    static char punct[8];
    switch (t->kind) {
    case T_EOF: return "end of file";
    case T_NL: return "end of line";
    case T_IDENT: return "a name";
    case T_REG: return "a register";
    case T_INT: return "an integer";
    case T_FLOAT: return "a float";
    case T_STRING: return "a string";
    case T_PUNCT: snprintf(punct, sizeof punct, "'%.*s'", (int)t->len, t->p); return punct;
    }
    return "?";
}

/* Append the UTF-8 encoding of the scalar value `cp`. */
static void encode_utf8(buf_t *b, uint32_t cp)
{
    if (cp < 0x80) {
        buf_byte(b, (uint8_t)cp);
    } else if (cp < 0x800) {
        buf_byte(b, (uint8_t)(0xC0 | cp >> 6));
        buf_byte(b, (uint8_t)(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        buf_byte(b, (uint8_t)(0xE0 | cp >> 12));
        buf_byte(b, (uint8_t)(0x80 | ((cp >> 6) & 0x3F)));
        buf_byte(b, (uint8_t)(0x80 | (cp & 0x3F)));
    } else {
        buf_byte(b, (uint8_t)(0xF0 | cp >> 18));
        buf_byte(b, (uint8_t)(0x80 | ((cp >> 12) & 0x3F)));
        buf_byte(b, (uint8_t)(0x80 | ((cp >> 6) & 0x3F)));
        buf_byte(b, (uint8_t)(0x80 | (cp & 0x3F)));
    }
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 32;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static void lex_string(parser_t *p, tok_t *t)
{
    buf_t b = {0};
    const char *s = p->cur + 1;
    for (;;) {
        if (s >= p->end || *s == '\n') {
            buf_free(&b);
            fail_at(p, tok_loc(t), "unterminated string");
        }
        if (*s == '"')
            break;
        src_loc_t at = {t->line, col_of(p, s), 0};
        if (*s != '\\') {
            uint32_t cp;
            size_t n = vm_utf8_decode(s, (size_t)(p->end - s), &cp);
            if (n == 0) {
                buf_free(&b);
                fail_at(p, at, "invalid UTF-8 in string");
            }
            buf_put(&b, s, n);
            s += n;
            continue;
        }
        char e = s[1];
        s += 2;
        switch (e) {
        case 'n': buf_byte(&b, '\n'); break;
        case 't': buf_byte(&b, '\t'); break;
        case 'r': buf_byte(&b, '\r'); break;
        case '0': buf_byte(&b, 0); break;
        case '\\': buf_byte(&b, '\\'); break;
        case '"': buf_byte(&b, '"'); break;
        case '\'': buf_byte(&b, '\''); break;
        case 'x': {
            int h = s < p->end ? hex_digit(s[0]) : -1, l = s + 1 < p->end ? hex_digit(s[1]) : -1;
            if (h < 0 || l < 0 || h * 16 + l >= 0x80) {
                buf_free(&b);
                fail_at(p, at,
                        "\\x takes two hex digits below 80 (use \\u{...} for other characters)");
            }
            buf_byte(&b, (uint8_t)(h * 16 + l));
            s += 2;
            break;
        }
        case 'u': {
            uint32_t cp = 0;
            int digits = 0;
            if (s >= p->end || *s != '{') {
                buf_free(&b);
                fail_at(p, at, "\\u takes a code point in braces: \\u{1F600}");
            }
            for (s++; s < p->end && hex_digit(*s) >= 0 && digits < 6; s++, digits++)
                cp = cp * 16 + (uint32_t)hex_digit(*s);
            if (digits == 0 || s >= p->end || *s != '}') {
                buf_free(&b);
                fail_at(p, at, "\\u takes one to six hex digits in braces: \\u{1F600}");
            }
            s++;
            if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
                buf_free(&b);
                fail_at(p, at, "\\u{%X} is not a Unicode scalar value", cp);
            }
            encode_utf8(&b, cp);
            break;
        }
        default: buf_free(&b); fail_at(p, at, "unknown escape sequence in string");
        }
    }
    t->kind = T_STRING;
    t->slen = b.len;
    t->sval = arena_strndup(&p->m->arena, (const char *)b.data, b.len);
    buf_free(&b);
    p->cur = s + 1;
}

static void lex_number(parser_t *p, tok_t *t)
{
    const char *s = p->cur;
    const char *e = s;
    if (*e == '-' || *e == '+')
        e++;
    bool hex = e[0] == '0' && (e[1] | 32) == 'x';
    bool is_float = false;
    if (hex)
        e += 2;
    while (e < p->end) {
        char c = *e;
        if ((c >= '0' && c <= '9') || (hex && hex_digit(c) >= 0)) {
            e++;
        } else if (c == '.' || (!hex && (c | 32) == 'e') || (hex && (c | 32) == 'p')) {
            is_float = true;
            e++;
            if ((c | 32) == 'e' || (c | 32) == 'p')
                if (e < p->end && (*e == '-' || *e == '+'))
                    e++;
        } else {
            break;
        }
    }
    if (e < p->end && is_ident_char(*e)) {
        const char *z = e;
        while (z < p->end && is_ident_char(*z))
            z++;
        fail_at(p, tok_loc(t), "malformed number '%.*s'", (int)(z - s), s);
    }
    char tmp[128];
    size_t n = (size_t)(e - s);
    if (n >= sizeof tmp)
        fail_at(p, tok_loc(t), "number too long");
    memcpy(tmp, s, n);
    tmp[n] = 0;
    char *endp;
    errno = 0;
    if (is_float) {
        t->kind = T_FLOAT;
        t->fval = strtod(tmp, &endp);
        if (*endp || n == 0)
            fail_at(p, tok_loc(t), "malformed float '%s'", tmp);
        if (errno == ERANGE && isinf(t->fval))
            fail_at(p, tok_loc(t), "float '%s' is out of range", tmp);
    } else {
        t->kind = T_INT;
        t->ival = strtoll(tmp, &endp, hex ? 16 : 10);
        if (*endp || endp == tmp || (hex && n <= 2u + (tmp[0] == '-' || tmp[0] == '+')))
            fail_at(p, tok_loc(t), "malformed integer '%s'", tmp);
        if (errno == ERANGE)
            fail_at(p, tok_loc(t), "integer '%s' does not fit in 64 bits", tmp);
        t->fval = (double)t->ival;
    }
    p->cur = e;
}

static void next(parser_t *p)
{
    tok_t *t = &p->tok;
    for (;;) {
        while (p->cur < p->end && (*p->cur == ' ' || *p->cur == '\t' || *p->cur == '\r'))
            p->cur++;
        if (p->cur < p->end && *p->cur == ';')
            while (p->cur < p->end && *p->cur != '\n')
                p->cur++;
        break;
    }
    *t = (tok_t){.p = p->cur, .line = p->line, .col = col_of(p, p->cur)};
    if (p->cur >= p->end) {
        t->kind = T_EOF;
        return;
    }
    char c = *p->cur;
    if (c == '\n') {
        t->kind = T_NL;
        p->cur++;
        p->line++;
        p->line_start = p->cur;
    } else if (c == '"') {
        lex_string(p, t);
    } else if (c == '%') {
        const char *s = ++p->cur;
        while (p->cur < p->end && is_ident_char(*p->cur))
            p->cur++;
        if (!is_identifier(s, (size_t)(p->cur - s), false))
            fail_at(p, tok_loc(t), "malformed register name (expected %%name)");
        t->kind = T_REG;
    } else if (c == '-' && p->cur + 1 < p->end && p->cur[1] == '>') {
        t->kind = T_PUNCT;
        p->cur += 2;
    } else if (c == '-' && p->end - p->cur >= 4 && memcmp(p->cur, "-inf", 4) == 0 &&
               !(p->end - p->cur > 4 && is_ident_char(p->cur[4]))) {
        t->kind = T_FLOAT;
        t->fval = -INFINITY;
        p->cur += 4;
    } else if ((c >= '0' && c <= '9') || ((c == '-' || c == '+') && p->cur + 1 < p->end &&
                                          p->cur[1] >= '0' && p->cur[1] <= '9')) {
        lex_number(p, t);
    } else if (is_ident_char(c)) {
        while (p->cur < p->end && is_ident_char(*p->cur))
            p->cur++;
        t->kind = T_IDENT;
    } else if (strchr("(){},:=", c) && c) {
        t->kind = T_PUNCT;
        p->cur++;
    } else {
        if ((unsigned char)c >= 0x20 && (unsigned char)c < 0x7f)
            fail_tok(p, "unexpected character '%c'", c);
        fail_tok(p, "unexpected byte 0x%02x", (unsigned char)c);
    }
    t->len = (size_t)(p->cur - t->p);
    if (t->kind == T_REG) {
        t->p++;
        t->len--;
    }
}

/* ---- token helpers ---- */

static bool is_punct(const tok_t *t, const char *s)
{
    return t->kind == T_PUNCT && t->len == strlen(s) && memcmp(t->p, s, t->len) == 0;
}

static bool is_word(const tok_t *t, const char *s)
{
    return t->kind == T_IDENT && t->len == strlen(s) && memcmp(t->p, s, t->len) == 0;
}

static void expect_punct(parser_t *p, const char *s)
{
    if (!is_punct(&p->tok, s))
        fail_tok(p, "expected '%s', found %s", s, tok_desc(&p->tok));
    next(p);
}

static void expect_nl(parser_t *p)
{
    if (p->tok.kind != T_NL && p->tok.kind != T_EOF)
        fail_tok(p, "expected end of line, found %s", tok_desc(&p->tok));
    if (p->tok.kind == T_NL)
        next(p);
}

static void skip_blank_lines(parser_t *p)
{
    while (p->tok.kind == T_NL)
        next(p);
}

static uint32_t logical_line(const parser_t *p, uint32_t phys)
{
    int64_t l = (int64_t)phys + p->line_delta;
    return l <= 0 ? 0 : l >= UINT32_MAX ? UINT32_MAX : (uint32_t)l;
}

static uint32_t intern_tok(parser_t *p, const tok_t *t)
{
    return mod_intern(p->m, t->p, t->len);
}

static vm_type_t parse_type(parser_t *p, bool allow_void)
{
    static const char *const names[] = {"i64", "f64", "val", "void"};
    for (int i = 0; i < 4; i++)
        if (is_word(&p->tok, names[i]) && (i != TY_VOID || allow_void)) {
            next(p);
            return (vm_type_t)i;
        }
    fail_tok(p, allow_void ? "expected a type (i64, f64, val or void)"
                           : "expected a register type (i64, f64 or val)");
}

/* `.line N`: the next physical line has logical number N (as C's #line). */
static void parse_line_directive(parser_t *p)
{
    uint32_t phys = p->tok.line;
    next(p);
    if (p->tok.kind != T_INT || p->tok.ival < 1 || p->tok.ival > UINT32_MAX)
        fail_tok(p, ".line takes a line number from 1");
    p->line_delta = p->tok.ival - ((int64_t)phys + 1);
    next(p);
    expect_nl(p);
}

/* ---- functions ---- */

static uint32_t find_reg(parser_t *p, const tok_t *t)
{
    uint32_t name = intern_tok(p, t) + 1;
    for (uint32_t i = 0; i < p->fn->nregs; i++)
        if (p->fn->reg_names[i] == name)
            return i;
    fail_at(p, tok_loc(t), "unknown register %%%.*s", (int)t->len, t->p);
}

static void parse_regdecl(parser_t *p)
{
    func_t *f = p->fn;
    tok_t name = p->tok;
    if (name.kind != T_REG)
        fail_tok(p, "expected a register name (%%name)");
    next(p);
    expect_punct(p, ":");
    vm_type_t ty = parse_type(p, false);
    uint32_t id = intern_tok(p, &name) + 1;
    for (uint32_t i = 0; i < f->nregs; i++)
        if (f->reg_names[i] == id)
            fail_at(p, tok_loc(&name), "register %%%.*s is declared twice", (int)name.len, name.p);
    if (f->nregs >= VM_MAX_REGS)
        fail_at(p, tok_loc(&name), "more than %u registers in one function", VM_MAX_REGS);
    if (f->nregs == p->rcap) {
        p->rcap = p->rcap ? p->rcap * 2 : 16;
        p->rtypes = xrealloc(p->rtypes, p->rcap);
        p->rnames = xrealloc(p->rnames, p->rcap * sizeof *p->rnames);
    }
    p->rtypes[f->nregs] = (uint8_t)ty;
    p->rnames[f->nregs] = id;
    f->reg_types = p->rtypes;
    f->reg_names = p->rnames;
    f->nregs++;
}

/* "expected WHAT, found ..." at the current token. */
NORETURN static void fail_expected(parser_t *p, const char *what)
{
    fail_tok(p, "expected %s, found %s", what, tok_desc(&p->tok));
}

/* An operand of the class its letter's row gives (abi/operands.def). */
static void parse_operand(parser_t *p, instr_t *in, char letter, uint32_t k)
{
    tok_t *t = &p->tok;
    operand_t *o = &in->fixed[k];
    const opndinfo_t *od = opnd_of(letter);
    vm_opnd_class_t cls = (vm_opnd_class_t)od->cls;
    switch (cls) {
    case OPK_REG:
        if (t->kind != T_REG)
            fail_expected(p, od->expected);
        o->idx = find_reg(p, t);
        break;
    case OPK_LABEL:
    case OPK_FUNC:
    case OPK_CFUNC: {
        if (t->kind != T_IDENT || !is_identifier(t->p, t->len, cls == OPK_FUNC))
            fail_expected(p, od->expected);
        fixup_t fx = {p->ncode, k, (uint32_t)p->nfuncs, intern_tok(p, t), tok_loc(t)};
        if (cls == OPK_LABEL)
            VEC_PUSH(p->label_uses, p->nlabel_uses, p->cap_label_uses, fx);
        else if (cls == OPK_FUNC)
            VEC_PUSH(p->func_uses, p->nfunc_uses, p->cap_func_uses, fx);
        else
            VEC_PUSH(p->cfunc_uses, p->ncfunc_uses, p->cap_cfunc_uses, fx);
        break;
    }
    case OPK_BUILTIN:
        if (t->kind != T_IDENT || !is_identifier(t->p, t->len, true))
            fail_expected(p, od->expected);
        o->idx = intern_tok(p, t);
        break;
    case OPK_INT:
        if (t->kind != T_INT)
            fail_expected(p, od->expected);
        o->i = t->ival;
        break;
    case OPK_FLOAT:
        if (t->kind == T_FLOAT || t->kind == T_INT)
            o->f = t->fval;
        else if (is_word(t, "inf"))
            o->f = INFINITY;
        else if (is_word(t, "nan"))
            o->f = NAN;
        else
            fail_expected(p, od->expected);
        break;
    case OPK_STRING:
        if (t->kind != T_STRING)
            fail_expected(p, od->expected);
        o->idx = mod_intern(p->m, t->sval, t->slen);
        break;
    case OPK_ARGS: /* parse_instr reads the register list */
    case OPK_NONE: die("bad operand letter '%c'", letter);
    }
    next(p);
}

static void parse_instr(parser_t *p)
{
    tok_t mn = p->tok;
    int op = op_lookup(mn.p, mn.len);
    if (op < 0)
        fail_tok(p, "unknown instruction '%.*s'", (int)mn.len, mn.p);
    if (p->ncode >= VM_MAX_INSTRS)
        fail_tok(p, "more than %u instructions in one function", VM_MAX_INSTRS);
    const opinfo_t *oi = &op_info[op];
    instr_t in = {.op = (uint8_t)op, .line = logical_line(p, mn.line), .loc = tok_loc(&mn)};
    next(p);
    for (uint32_t k = 0; k < oi->nfixed; k++) {
        if (p->tok.kind == T_NL || p->tok.kind == T_EOF)
            fail_tok(p, "too few operands: %s takes %s%u, %u given", oi->mnemonic,
                     oi->varargs ? "at least " : "", oi->nfixed, k);
        if (k > 0) {
            if (!is_punct(&p->tok, ","))
                fail_tok(p, "expected ',' between operands, found %s", tok_desc(&p->tok));
            next(p);
        }
        parse_operand(p, &in, oi->operands[k], k);
    }
    if (oi->varargs) {
        uint32_t cap = 0;
        while (is_punct(&p->tok, ",") ||
               (oi->nfixed == 0 && in.nargs == 0 && p->tok.kind == T_REG)) {
            if (is_punct(&p->tok, ","))
                next(p);
            if (p->tok.kind != T_REG)
                fail_expected(p, opnd_of(oi->operands[oi->nfixed])->expected);
            uint32_t r = find_reg(p, &p->tok);
            if (in.nargs == cap) {
                cap = cap ? cap * 2 : 4;
                uint32_t *a = arena_alloc(&p->m->arena, cap * sizeof *a);
                if (in.nargs)
                    memcpy(a, in.args, in.nargs * sizeof *a);
                in.args = a;
            }
            in.args[in.nargs++] = r;
            next(p);
        }
    }
    if (is_punct(&p->tok, ","))
        fail_tok(p, "too many operands: %s takes %u", oi->mnemonic, oi->nfixed);
    if (p->tok.kind != T_NL && p->tok.kind != T_EOF)
        fail_tok(p, "%s takes %u operand%s; expected end of line, found %s", oi->mnemonic,
                 oi->nfixed, oi->nfixed == 1 ? "" : "s", tok_desc(&p->tok));
    VEC_PUSH(p->code, p->ncode, p->cap_code, in);
    expect_nl(p);
}

static void add_label(parser_t *p, const tok_t *name)
{
    if (!is_identifier(name->p, name->len, false))
        fail_at(p, tok_loc(name), "malformed label name");
    uint32_t id = intern_tok(p, name);
    for (uint32_t i = 0; i < p->nlabels; i++)
        if (p->labels[i].name == id)
            fail_at(p, tok_loc(name), "label '%.*s' is defined twice", (int)name->len, name->p);
    label_t l = {id, p->ncode};
    VEC_PUSH(p->labels, p->nlabels, p->cap_labels, l);
}

static void resolve_labels(parser_t *p)
{
    for (uint32_t u = 0; u < p->nlabel_uses; u++) {
        fixup_t *fx = &p->label_uses[u];
        uint32_t i = 0;
        while (i < p->nlabels && p->labels[i].name != fx->name)
            i++;
        if (i == p->nlabels)
            fail_at(p, fx->loc, "unknown label '%s'", mod_str(p->m, fx->name));
        p->code[fx->instr].fixed[fx->operand].idx = p->labels[i].target;
    }
}

/* `.try START, END, HANDLER`: three label names, resolved with the labels. */
static void parse_try(parser_t *p)
{
    src_loc_t at = tok_loc(&p->tok);
    next(p);
    try_fixup_t fx = {.loc = at};
    for (int k = 0; k < 3; k++) {
        if (k > 0)
            expect_punct(p, ",");
        if (p->tok.kind != T_IDENT || !is_identifier(p->tok.p, p->tok.len, false))
            fail_tok(p, ".try takes three labels: start, end, handler; found %s",
                     tok_desc(&p->tok));
        fx.names[k] = intern_tok(p, &p->tok);
        fx.locs[k] = tok_loc(&p->tok);
        next(p);
    }
    expect_nl(p);
    VEC_PUSH(p->try_fixups, p->ntries, p->cap_tries, fx);
}

static uint32_t label_target(parser_t *p, uint32_t name, src_loc_t loc)
{
    for (uint32_t i = 0; i < p->nlabels; i++)
        if (p->labels[i].name == name)
            return p->labels[i].target;
    fail_at(p, loc, "unknown label '%s'", mod_str(p->m, name));
}

static void resolve_tries(parser_t *p)
{
    p->tries = xrealloc(p->tries, (p->ntries ? p->ntries : 1) * sizeof *p->tries);
    for (uint32_t i = 0; i < p->ntries; i++) {
        const try_fixup_t *fx = &p->try_fixups[i];
        try_region_t *t = &p->tries[i];
        t->loc = fx->loc;
        t->start = label_target(p, fx->names[0], fx->locs[0]);
        t->end = label_target(p, fx->names[1], fx->locs[1]);
        t->handler = label_target(p, fx->names[2], fx->locs[2]);
    }
}

/* `import func module.name(types) -> type`: a function another module
 * defines and exports. */
static void parse_import(parser_t *p)
{
    next(p);
    if (!is_word(&p->tok, "func"))
        fail_tok(p, "expected 'func' after 'import'");
    next(p);
    tok_t name = p->tok;
    const char *dot = name.kind == T_IDENT ? memchr(name.p, '.', name.len) : NULL;
    if (!dot || !is_identifier(name.p, (size_t)(dot - name.p), false) ||
        !is_identifier(dot + 1, name.len - (size_t)(dot + 1 - name.p), false))
        fail_tok(p, "an import names its module: expected module.function, found %s",
                 tok_desc(&name));
    p->cur_fn = (func_t){.name = intern_tok(p, &name),
                         .imported = true,
                         .line = logical_line(p, name.line),
                         .loc = tok_loc(&name)};
    func_t *fp = &p->cur_fn;
    for (uint32_t i = 0; i < p->nfuncs; i++)
        if (p->funcs[i].name == fp->name)
            fail_at(p, tok_loc(&name), "function '%.*s' is imported twice (first at line %u)",
                    (int)name.len, name.p, p->funcs[i].loc.line);
    next(p);
    expect_punct(p, "(");
    uint8_t types[VM_MAX_CALL_ARGS];
    while (!is_punct(&p->tok, ")")) {
        if (fp->nparams > 0)
            expect_punct(p, ",");
        if (fp->nparams >= VM_MAX_PARAMS)
            fail_tok(p, "more than %u parameters", VM_MAX_PARAMS);
        types[fp->nparams++] = (uint8_t)parse_type(p, false);
    }
    next(p);
    expect_punct(p, "->");
    fp->ret = parse_type(p, true);
    expect_nl(p);
    fp->nregs = fp->nparams;
    fp->reg_types = arena_alloc(&p->m->arena, fp->nparams ? fp->nparams : 1);
    memcpy(fp->reg_types, types, fp->nparams);
    fp->reg_names = arena_alloc(&p->m->arena, (fp->nparams ? fp->nparams : 1) * sizeof(uint32_t));
    memset(fp->reg_names, 0, (fp->nparams ? fp->nparams : 1) * sizeof(uint32_t));
    fp->code = arena_alloc(&p->m->arena, sizeof(instr_t));
    fp->tries = arena_alloc(&p->m->arena, sizeof(try_region_t));
    fp->labels = arena_alloc(&p->m->arena, sizeof(label_t));
    VEC_PUSH(p->funcs, p->nfuncs, p->cap_funcs, *fp);
}

static void parse_func(parser_t *p, bool exported)
{
    tok_t kw = p->tok;
    next(p);
    tok_t name = p->tok;
    if (name.kind != T_IDENT || !is_identifier(name.p, name.len, false))
        fail_tok(p, "expected a function name");
    p->cur_fn = (func_t){.name = intern_tok(p, &name),
                         .exported = exported,
                         .line = logical_line(p, kw.line),
                         .loc = tok_loc(&name)};
    func_t *fp = &p->cur_fn;
    for (uint32_t i = 0; i < p->nfuncs; i++)
        if (p->funcs[i].name == fp->name)
            fail_at(p, tok_loc(&name), "function '%.*s' is defined twice (first at line %u)",
                    (int)name.len, name.p, p->funcs[i].loc.line);
    p->fn = fp;
    next(p);
    expect_punct(p, "(");
    while (!is_punct(&p->tok, ")")) {
        if (fp->nregs > 0)
            expect_punct(p, ",");
        if (fp->nregs >= VM_MAX_PARAMS)
            fail_tok(p, "more than %u parameters", VM_MAX_PARAMS);
        parse_regdecl(p);
    }
    fp->nparams = fp->nregs;
    next(p);
    if (is_word(&p->tok, "captures")) {
        next(p);
        expect_punct(p, "(");
        do {
            if (fp->nregs > fp->nparams)
                expect_punct(p, ",");
            parse_regdecl(p);
        } while (!is_punct(&p->tok, ")"));
        fp->ncaptures = fp->nregs - fp->nparams;
        next(p);
    }
    expect_punct(p, "->");
    fp->ret = parse_type(p, true);
    expect_punct(p, "{");
    expect_nl(p);
    p->ncode = p->nlabels = p->nlabel_uses = p->ntries = 0;
    bool body_started = false;
    for (;;) {
        skip_blank_lines(p);
        tok_t t = p->tok;
        if (is_punct(&t, "}")) {
            next(p);
            break;
        }
        if (t.kind == T_EOF)
            fail_at(p, tok_loc(&kw), "function '%s' is not closed with '}'",
                    mod_str(p->m, fp->name));
        if (t.kind != T_IDENT)
            fail_tok(p, "expected an instruction, a label or '}', found %s", tok_desc(&t));
        if (is_word(&t, ".reg")) {
            if (body_started)
                fail_tok(p, ".reg must come before the first instruction or label");
            next(p);
            parse_regdecl(p);
            while (is_punct(&p->tok, ",")) {
                next(p);
                parse_regdecl(p);
            }
            expect_nl(p);
            continue;
        }
        if (is_word(&t, ".line")) {
            parse_line_directive(p);
            continue;
        }
        if (is_word(&t, ".try")) {
            parse_try(p);
            continue;
        }
        body_started = true;
        /* A label is a name followed by ':'. */
        const char *save_cur = p->cur, *save_ls = p->line_start;
        uint32_t save_line = p->line;
        next(p);
        if (is_punct(&p->tok, ":")) {
            add_label(p, &t);
            next(p);
            continue;
        }
        p->cur = save_cur, p->line_start = save_ls, p->line = save_line, p->tok = t;
        parse_instr(p);
    }
    expect_nl(p);
    resolve_labels(p);
    resolve_tries(p);
    /* Move the function's vectors into the module's arena. */
    fp->reg_types = arena_alloc(&p->m->arena, fp->nregs ? fp->nregs : 1);
    fp->reg_names = arena_alloc(&p->m->arena, (fp->nregs ? fp->nregs : 1) * sizeof(uint32_t));
    if (fp->nregs) {
        memcpy(fp->reg_types, p->rtypes, fp->nregs);
        memcpy(fp->reg_names, p->rnames, fp->nregs * sizeof(uint32_t));
    }
    fp->ninstrs = p->ncode;
    fp->code = arena_alloc(&p->m->arena, (p->ncode ? p->ncode : 1) * sizeof(instr_t));
    if (p->ncode)
        memcpy(fp->code, p->code, p->ncode * sizeof(instr_t));
    fp->ntries = p->ntries;
    fp->tries = arena_alloc(&p->m->arena, (p->ntries ? p->ntries : 1) * sizeof(try_region_t));
    if (p->ntries)
        memcpy(fp->tries, p->tries, p->ntries * sizeof(try_region_t));
    fp->nlabels = p->nlabels;
    fp->labels = arena_alloc(&p->m->arena, (p->nlabels ? p->nlabels : 1) * sizeof(label_t));
    if (p->nlabels)
        memcpy(fp->labels, p->labels, p->nlabels * sizeof(label_t));
    p->fn = NULL;
    VEC_PUSH(p->funcs, p->nfuncs, p->cap_funcs, *fp);
}

/* ---- C functions (docs/ffi.md) ---- */

static uint8_t parse_ctype(parser_t *p)
{
    if (p->tok.kind == T_IDENT) {
        int c = ctype_lookup(p->tok.p, p->tok.len);
        if (c >= 0) {
            next(p);
            return (uint8_t)c;
        }
    }
    fail_tok(p,
             "expected a C type (i8 i16 i32 i64 u8 u16 u32 u64 f32 f64 ptr val cstr buf, or "
             "void), found %s",
             tok_desc(&p->tok));
}

/* NAME(CTYPE, ... [, ...]) -> CTYPE, after `extern func` or `callback` */
static void parse_csig(parser_t *p, cfunc_t *c, bool variadic_ok)
{
    tok_t name = p->tok;
    if (name.kind != T_IDENT || !is_identifier(name.p, name.len, false))
        fail_tok(p, "expected the C function's name");
    c->name = intern_tok(p, &name);
    c->loc = tok_loc(&name);
    c->line = logical_line(p, name.line);
    for (uint32_t i = 0; i < p->ncfuncs; i++)
        if (p->cfuncs[i].name == c->name)
            fail_at(p, c->loc, "C function '%.*s' is declared twice (first at line %u)",
                    (int)name.len, name.p, p->cfuncs[i].loc.line);
    next(p);
    expect_punct(p, "(");
    uint8_t types[VM_MAX_CALL_ARGS];
    while (!is_punct(&p->tok, ")")) {
        if (c->nparams > 0 || (c->flags & VM_CF_VARIADIC))
            expect_punct(p, ",");
        if (c->flags & VM_CF_VARIADIC)
            fail_tok(p, "'...' ends the parameters");
        if (!variadic_ok && is_word(&p->tok, "..."))
            fail_tok(p, "a callback takes no '...': C calls it with the parameters it declares");
        if (variadic_ok && is_word(&p->tok, "...")) {
            c->flags |= VM_CF_VARIADIC;
            next(p);
            continue;
        }
        if (c->nparams >= VM_MAX_PARAMS)
            fail_tok(p, "more than %u parameters", VM_MAX_PARAMS);
        types[c->nparams++] = parse_ctype(p);
    }
    next(p);
    expect_punct(p, "->");
    c->ret = parse_ctype(p);
    c->params = arena_alloc(&p->m->arena, c->nparams ? c->nparams : 1);
    memcpy(c->params, types, c->nparams);
}

/* `extern func NAME(CTYPE, ...) -> CTYPE [blocking]`: a C function. */
static void parse_extern(parser_t *p)
{
    next(p);
    if (!is_word(&p->tok, "func"))
        fail_tok(p, "expected 'func' after 'extern'");
    next(p);
    cfunc_t c = {0};
    parse_csig(p, &c, true);
    if (is_word(&p->tok, "blocking")) {
        c.flags |= VM_CF_BLOCKING;
        next(p);
    }
    expect_nl(p);
    VEC_PUSH(p->cfuncs, p->ncfuncs, p->cap_cfuncs, c);
}

/* `[export] callback NAME(CTYPE, ...) -> CTYPE = FUNC`: a C entry point
 * into bytecode function FUNC. */
static void parse_callback(parser_t *p, bool exported)
{
    next(p);
    cfunc_t c = {.flags = VM_CF_CALLBACK | (exported ? VM_CF_EXPORTED : 0)};
    parse_csig(p, &c, false);
    expect_punct(p, "=");
    tok_t f = p->tok;
    if (f.kind != T_IDENT || !is_identifier(f.p, f.len, true))
        fail_tok(p, "expected the function the callback calls, found %s", tok_desc(&f));
    fixup_t fx = {0, UINT32_MAX, p->ncfuncs, intern_tok(p, &f), tok_loc(&f)};
    VEC_PUSH(p->target_uses, p->ntarget_uses, p->cap_target_uses, fx);
    next(p);
    if (is_word(&p->tok, "blocking"))
        fail_tok(p, "a callback cannot be blocking: it runs on the thread that calls it");
    expect_nl(p);
    VEC_PUSH(p->cfuncs, p->ncfuncs, p->cap_cfuncs, c);
}

static uint32_t find_func(parser_t *p, const fixup_t *fx)
{
    for (uint32_t i = 0; i < p->nfuncs; i++)
        if (p->funcs[i].name == fx->name)
            return i;
    fail_at(p, fx->loc, "unknown function '%s'", mod_str(p->m, fx->name));
}

static void resolve_cfuncs(parser_t *p)
{
    for (uint32_t u = 0; u < p->ncfunc_uses; u++) {
        fixup_t *fx = &p->cfunc_uses[u];
        uint32_t i = 0;
        while (i < p->ncfuncs && p->cfuncs[i].name != fx->name)
            i++;
        if (i == p->ncfuncs)
            fail_at(p, fx->loc,
                    "unknown C function '%s' (declare it with 'extern func' or "
                    "'callback')",
                    mod_str(p->m, fx->name));
        p->funcs[fx->func].code[fx->instr].fixed[fx->operand].idx = i;
    }
    for (uint32_t u = 0; u < p->ntarget_uses; u++)
        p->cfuncs[p->target_uses[u].func].target = find_func(p, &p->target_uses[u]);
}

static void resolve_funcs(parser_t *p)
{
    for (uint32_t u = 0; u < p->nfunc_uses; u++) {
        fixup_t *fx = &p->func_uses[u];
        uint32_t i = 0;
        while (i < p->nfuncs && p->funcs[i].name != fx->name)
            i++;
        if (i == p->nfuncs)
            fail_at(p, fx->loc, "unknown function '%s'", mod_str(p->m, fx->name));
        p->funcs[fx->func].code[fx->instr].fixed[fx->operand].idx = i;
    }
}

/* ---- dependencies ---- */

/* `.dep NAME: KIND`: a dependency of the module (docs/di.md). The kind is
 * the rest of the line (up to a comment), parsed by abi/di.h and kept in
 * its canonical spelling. */
static void parse_dep(parser_t *p)
{
    uint32_t phys = p->tok.line;
    next(p);
    tok_t name = p->tok;
    if (name.kind != T_IDENT || !vm_di_name_valid(name.p, name.len))
        fail_tok(p, ".dep takes a dependency name (a letter, then letters, digits and '_')");
    next(p);
    if (!is_punct(&p->tok, ":"))
        fail_tok(p, "expected ':' and a kind after the dependency name, found %s",
                 tok_desc(&p->tok));
    const char *s = p->cur;
    while (s < p->end && (*s == ' ' || *s == '\t'))
        s++;
    const char *e = s;
    while (e < p->end && *e != '\n' && *e != ';')
        e++;
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
        e--;
    vm_di_kind_t k;
    char msg[256];
    size_t off = 0;
    if (!vm_di_parse_kind(s, (size_t)(e - s), &k, msg, sizeof msg, &off))
        fail_at(p, (src_loc_t){p->line, col_of(p, s + off), 0}, "%s", msg);
    uint32_t id = intern_tok(p, &name);
    if (id >= p->cap_dep_of_str) { /* linear, not quadratic, in the number of deps */
        uint32_t cap = p->cap_dep_of_str ? p->cap_dep_of_str : 64;
        while (cap <= id)
            cap *= 2;
        p->dep_of_str = xrealloc(p->dep_of_str, cap * sizeof *p->dep_of_str);
        memset(p->dep_of_str + p->cap_dep_of_str, 0,
               (cap - p->cap_dep_of_str) * sizeof *p->dep_of_str);
        p->cap_dep_of_str = cap;
    }
    if (p->dep_of_str[id])
        fail_at(p, tok_loc(&name), "dependency '%.*s' is declared twice (first at line %u)",
                (int)name.len, name.p, p->deps[p->dep_of_str[id] - 1].loc.line);
    p->dep_of_str[id] = p->ndeps + 1;
    if (p->ndeps >= VM_MAX_DEPS)
        fail_at(p, tok_loc(&name), "more than %u dependencies in one module", VM_MAX_DEPS);
    char *canon = xmalloc((size_t)(e - s) + 1);
    size_t clen = vm_di_kind_spell(&k, canon, (size_t)(e - s) + 1);
    dep_t d = {.name = id,
               .kind = mod_intern(p->m, canon, clen),
               .line = logical_line(p, phys),
               .loc = tok_loc(&name)};
    free(canon);
    VEC_PUSH(p->deps, p->ndeps, p->cap_deps, d);
    p->cur = e;
    next(p);
    expect_nl(p);
}

/* ---- module ---- */

static void parse_module(parser_t *p)
{
    module_t *m = p->m;
    bool have_version = false, have_module = false;
    next(p);
    for (;;) {
        skip_blank_lines(p);
        tok_t t = p->tok;
        if (t.kind == T_EOF)
            break;
        if (!have_version && !is_word(&t, ".version"))
            fail_tok(p, "a module starts with '.version %d'", VM_FORMAT_VERSION);
        if (is_word(&t, ".version")) {
            if (have_version)
                fail_tok(p, ".version given twice");
            next(p);
            if (p->tok.kind != T_INT)
                fail_tok(p, ".version takes an integer");
            if (p->tok.ival != VM_FORMAT_VERSION)
                fail_tok(p,
                         p->tok.ival > VM_FORMAT_VERSION
                             ? "module format version %lld is newer than this vmcc supports (%d)"
                             : "module format version %lld is not supported (this vmcc reads %d)",
                         (long long)p->tok.ival, VM_FORMAT_VERSION);
            have_version = true;
            next(p);
            expect_nl(p);
        } else if (is_word(&t, ".module")) {
            if (have_module)
                fail_tok(p, ".module given twice");
            next(p);
            if (p->tok.kind != T_IDENT || !is_identifier(p->tok.p, p->tok.len, false))
                fail_tok(p, ".module takes a name (letters, digits and '_')");
            m->name = intern_tok(p, &p->tok);
            have_module = true;
            next(p);
            expect_nl(p);
        } else if (is_word(&t, ".file")) {
            next(p);
            if (p->tok.kind != T_STRING)
                fail_tok(p, ".file takes a string");
            m->file = mod_intern(m, p->tok.sval, p->tok.slen) + 1;
            next(p);
            expect_nl(p);
        } else if (is_word(&t, ".line")) {
            parse_line_directive(p);
        } else if (is_word(&t, "func") || is_word(&t, "export") || is_word(&t, "callback")) {
            if (!have_module)
                fail_tok(p, "functions come after '.module NAME'");
            bool exported = is_word(&t, "export");
            if (exported) {
                next(p);
                if (!is_word(&p->tok, "func") && !is_word(&p->tok, "callback"))
                    fail_tok(p, "expected 'func' or 'callback' after 'export'");
            }
            if (is_word(&p->tok, "callback"))
                parse_callback(p, exported);
            else
                parse_func(p, exported);
        } else if (is_word(&t, "extern")) {
            if (!have_module)
                fail_tok(p, "C functions come after '.module NAME'");
            parse_extern(p);
        } else if (is_word(&t, ".dep")) {
            if (!have_module)
                fail_tok(p, "dependencies come after '.module NAME'");
            parse_dep(p);
        } else if (is_word(&t, "import")) {
            if (!have_module)
                fail_tok(p, "imports come after '.module NAME'");
            parse_import(p);
        } else {
            fail_tok(p, "expected a directive or 'func', found %s", tok_desc(&t));
        }
    }
    if (!have_version)
        fail_at(p, (src_loc_t){1, 1, 0}, "empty module: expected '.version %d'", VM_FORMAT_VERSION);
    if (!have_module)
        fail_at(p, (src_loc_t){p->line, 1, 0}, "missing '.module NAME'");
    resolve_funcs(p);
    resolve_cfuncs(p);
    m->cfuncs = arena_alloc(&m->arena, (p->ncfuncs ? p->ncfuncs : 1) * sizeof(cfunc_t));
    if (p->ncfuncs)
        memcpy(m->cfuncs, p->cfuncs, p->ncfuncs * sizeof(cfunc_t));
    m->ncfuncs = p->ncfuncs;
    if (!m->file)
        m->file = mod_intern(m, m->path, strlen(m->path)) + 1;
    m->funcs = arena_alloc(&m->arena, (p->nfuncs ? p->nfuncs : 1) * sizeof(func_t));
    if (p->nfuncs)
        memcpy(m->funcs, p->funcs, p->nfuncs * sizeof(func_t));
    m->nfuncs = p->nfuncs;
    m->deps = arena_alloc(&m->arena, (p->ndeps ? p->ndeps : 1) * sizeof(dep_t));
    if (p->ndeps)
        memcpy(m->deps, p->deps, p->ndeps * sizeof(dep_t));
    m->ndeps = p->ndeps;
}

module_t *asm_parse(const char *path, const uint8_t *text, size_t len)
{
    module_t *m = module_new(path);
    m->from_text = true;
    m->text = text;
    m->text_len = len;
    parser_t p = {.m = m,
                  .src = (const char *)text,
                  .end = (const char *)text + len,
                  .cur = (const char *)text,
                  .line = 1,
                  .line_start = (const char *)text};
    bool ok = !setjmp(p.fail);
    if (ok)
        parse_module(&p);
    free(p.code);
    free(p.labels);
    free(p.label_uses);
    free(p.func_uses);
    free(p.try_fixups);
    free(p.tries);
    free(p.funcs);
    free(p.deps);
    free(p.cfuncs);
    free(p.cfunc_uses);
    free(p.target_uses);
    free(p.dep_of_str);
    free(p.rtypes);
    free(p.rnames);
    if (!ok) {
        module_free(m);
        return NULL;
    }
    return m;
}
