/* Text of values: float formatting, to_string and inspect of every kind,
 * kind names. Containers print as {1, 2} (tuple), [1, 2] (array),
 * %{"a" => 1} (map) and #{1, 2} (set); strings inside them are quoted and
 * escaped, as inspect shows a string at the top level too. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtins/coll.h"

size_t rt_fmt_f64(char *buf, size_t cap, double d)
{
    if (isnan(d))
        return (size_t)snprintf(buf, cap, "nan");
    if (isinf(d))
        return (size_t)snprintf(buf, cap, d < 0 ? "-inf" : "inf");
    /* The fewest significant digits that read back exactly (17 always do)... */
    char sci[40];
    int digits = 0;
    do {
        digits++;
        snprintf(sci, sizeof sci, "%.*e", digits - 1, d);
    } while (digits < 17 && strtod(sci, NULL) != d);
    int exp10 = atoi(strchr(sci, 'e') + 1);
    /* ...shown positionally for exponents -4 .. 15, else in e-notation,
     * always recognisably a float: "10.0", "0.0001", "1e+16", "1.5e-05". */
    int n;
    if (exp10 < -4 || exp10 >= 16) {
        n = snprintf(buf, cap, "%s", sci);
    } else {
        int decimals = digits - 1 - exp10;
        n = snprintf(buf, cap, "%.*f", decimals > 0 ? decimals : 0, d);
        if (decimals <= 0 && (size_t)n + 2 < cap) {
            memcpy(buf + n, ".0", 3);
            n += 2;
        }
    }
    return (size_t)n;
}

/* Printing walks nested containers with the chain of containers being
 * printed, to show a container inside itself (or too deep) as `...`. */
typedef struct printer {
    rt_buf_t *b;
    int depth;
    vm_val_t path[RT_PRINT_DEPTH];
} printer_t;

/* A string between double quotes, with the escapes of the assembler:
 * \" \\ \n \t \r \0 and \xHH for other control bytes (and, with
 * `high`, for every byte above 0x7f: byte strings print as ASCII). */
static void put_quoted_bytes(rt_buf_t *b, const char *s, size_t len, int high)
{
    rt_buf_put(b, "\"", 1);
    size_t run = 0; /* bytes s[run, i) need no escape */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != 0x7f && c != '"' && c != '\\' && !(high && c > 0x7f))
            continue;
        rt_buf_put(b, s + run, i - run);
        run = i + 1;
        char esc[5] = {'\\', 0, 0, 0, 0};
        size_t n = 2;
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\n': esc[1] = 'n'; break;
        case '\t': esc[1] = 't'; break;
        case '\r': esc[1] = 'r'; break;
        case 0: esc[1] = '0'; break;
        default: n = (size_t)snprintf(esc, sizeof esc, "\\x%02x", c); break;
        }
        rt_buf_put(b, esc, n);
    }
    rt_buf_put(b, s + run, len - run);
    rt_buf_put(b, "\"", 1);
}

static void put_quoted(rt_buf_t *b, const char *s, size_t len)
{
    put_quoted_bytes(b, s, len, 0);
}

static void put_rec(printer_t *p, vm_val_t v, int quote);

/* #File<7 "x.txt">, #Socket<8 "tcp 127.0.0.1:5555">: a kind, the serial
 * and the label (core/obj.h). */
static void put_resource(rt_buf_t *b, const char *kind, vm_val_t v)
{
    char tmp[48];
    const rt_res_head_t *r = (const rt_res_head_t *)v;
    rt_buf_put(
        b, tmp,
        (size_t)snprintf(tmp, sizeof tmp, "#%s<%llu ", kind, (unsigned long long)rt_obj_serial(v)));
    if (rt_is_kind(r->label, VM_KIND_STRING))
        put_quoted(b, rt_as_str(r->label)->bytes, rt_as_str(r->label)->len);
    rt_buf_put(b, ">", 1);
}

/* Values that hold no others, and functions, errors and channels. */
static void put_leaf(printer_t *p, vm_val_t v, int quote)
{
    rt_buf_t *b = p->b;
    char tmp[40];
    if (val_is_int(v)) {
        rt_buf_put(b, tmp, (size_t)snprintf(tmp, sizeof tmp, "%lld", (long long)val_as_int(v)));
    } else if (v == VM_NIL) {
        rt_buf_put(b, "nil", 3);
    } else if (v == VM_TRUE) {
        rt_buf_put(b, "true", 4);
    } else if (v == VM_FALSE) {
        rt_buf_put(b, "false", 5);
    } else if (val_is_pid(v)) {
        /* <0.slot.serial>, the shape of Erlang's local pids */
        uint64_t id = val_imm_payload(v);
        rt_buf_put(b, tmp,
                   (size_t)snprintf(tmp, sizeof tmp, "<0.%llu.%llu>",
                                    (unsigned long long)(id & ((1u << RT_PID_SLOT_BITS) - 1)),
                                    (unsigned long long)(id >> RT_PID_SLOT_BITS)));
    } else if (val_is_ref(v)) {
        rt_buf_put(b, tmp,
                   (size_t)snprintf(tmp, sizeof tmp, "#Ref<%llu>",
                                    (unsigned long long)val_imm_payload(v)));
    } else if (rt_is_kind(v, VM_KIND_FLOAT)) {
        rt_buf_put(b, tmp, rt_fmt_f64(tmp, sizeof tmp, ((const vm_float_t *)v)->value));
    } else if (rt_is_kind(v, VM_KIND_STRING)) {
        if (quote)
            put_quoted(b, rt_as_str(v)->bytes, rt_as_str(v)->len);
        else
            rt_buf_put(b, rt_as_str(v)->bytes, rt_as_str(v)->len);
    } else if (rt_is_kind(v, VM_KIND_ATOM)) {
        rt_buf_put(b, rt_as_str(v)->bytes, rt_as_str(v)->len);
    } else if (rt_is_kind(v, VM_KIND_BYTES)) {
        rt_buf_put(b, "<<", 2);
        put_quoted_bytes(b, rt_as_str(v)->bytes, rt_as_str(v)->len, 1);
        rt_buf_put(b, ">>", 2);
    } else if (rt_is_kind(v, VM_KIND_FUNC)) {
        const vm_func_t *f = (const vm_func_t *)v;
        rt_buf_put(b, "#<function ", 11);
        rt_buf_put(b, f->desc->name, strlen(f->desc->name));
        rt_buf_put(b, tmp, (size_t)snprintf(tmp, sizeof tmp, "/%u>", f->hdr.aux));
    } else if (rt_is_kind(v, VM_KIND_EXC)) {
        const vm_exc_t *e = (const vm_exc_t *)v;
        rt_buf_put(b, "#<error ", 8);
        put_rec(p, e->reason, 0);
        if (rt_is_kind(e->message, VM_KIND_STRING)) {
            rt_buf_put(b, ": ", 2);
            rt_buf_put(b, rt_as_str(e->message)->bytes, rt_as_str(e->message)->len);
        }
        rt_buf_put(b, ">", 1);
    } else if (rt_is_kind(v, VM_KIND_CHAN)) {
        rt_buf_put(
            b, tmp,
            (size_t)snprintf(tmp, sizeof tmp, "#Chan<%llu>", (unsigned long long)rt_obj_serial(v)));
    } else if (rt_is_kind(v, VM_KIND_FILE)) {
        put_resource(b, "File", v);
    } else if (rt_is_kind(v, VM_KIND_SOCKET)) {
        put_resource(b, "Socket", v);
    } else {
        rt_buf_put(b, tmp,
                   (size_t)snprintf(tmp, sizeof tmp, "#<value 0x%llx>", (unsigned long long)v));
    }
}

/* `open` items separated by ", " `close`; strings inside are quoted. */
static void put_items(printer_t *p, const char *open, const vm_val_t *items, uint64_t n,
                      const char *close)
{
    rt_buf_put(p->b, open, strlen(open));
    for (uint64_t i = 0; i < n; i++) {
        if (i)
            rt_buf_put(p->b, ", ", 2);
        put_rec(p, items[i], 1);
    }
    rt_buf_put(p->b, close, strlen(close));
}

static void put_table(printer_t *p, const rt_map_t *m)
{
    int is_map = m->hdr.kind == VM_KIND_MAP, first = 1;
    rt_buf_put(p->b, is_map ? "%{" : "#{", 2);
    for (uint64_t i = 0; i < m->used; i++) {
        const rt_entry_t *e = &m->entries[i];
        if (!e->key)
            continue;
        if (!first)
            rt_buf_put(p->b, ", ", 2);
        first = 0;
        put_rec(p, e->key, 1);
        if (is_map) {
            rt_buf_put(p->b, " => ", 4);
            put_rec(p, e->value, 1);
        }
    }
    rt_buf_put(p->b, "}", 1);
}

static void put_rec(printer_t *p, vm_val_t v, int quote)
{
    vm_kind_t k = val_is_ptr(v) ? (vm_kind_t)((const vm_obj_header_t *)v)->kind : VM_KIND_INVALID;
    if (k != VM_KIND_TUPLE && k != VM_KIND_ARRAY && k != VM_KIND_MAP && k != VM_KIND_SET) {
        put_leaf(p, v, quote);
        return;
    }
    int seen = p->depth >= RT_PRINT_DEPTH;
    for (int i = 0; i < p->depth && !seen; i++)
        seen = p->path[i] == v;
    if (seen) {
        rt_buf_put(p->b, "...", 3);
        return;
    }
    p->path[p->depth++] = v;
    if (k == VM_KIND_TUPLE) {
        const vm_tuple_t *t = (const vm_tuple_t *)v;
        put_items(p, "{", t->items, t->hdr.aux, "}");
    } else if (k == VM_KIND_ARRAY) {
        const vm_array_t *a = rt_as_array(v);
        put_items(p, "[", a->items, a->len, "]");
    } else {
        put_table(p, rt_as_map(v));
    }
    p->depth--;
}

void rt_buf_put_val(rt_buf_t *b, vm_val_t v)
{
    printer_t p; /* path[0, depth) is all that is read: no need to clear it */
    p.b = b;
    p.depth = 0;
    put_rec(&p, v, 0);
}

void rt_buf_put_inspect(rt_buf_t *b, vm_val_t v)
{
    printer_t p;
    p.b = b;
    p.depth = 0;
    put_rec(&p, v, 1);
}

vm_val_t vm_to_string(vm_ctx_t *ctx, vm_val_t v)
{
    if (rt_is_kind(v, VM_KIND_STRING))
        return v;
    rt_buf_t b = {0};
    rt_buf_put_val(&b, v);
    vm_val_t s = rt_str_new(ctx, b.data ? b.data : "", b.len);
    rt_buf_free(&b);
    return s;
}

vm_val_t vm_inspect(vm_ctx_t *ctx, vm_val_t v)
{
    rt_buf_t b = {0};
    rt_buf_put_inspect(&b, v);
    vm_val_t s = rt_str_new(ctx, b.data, b.len);
    rt_buf_free(&b);
    return s;
}

const char *rt_val_text(vm_val_t v, char *buf, size_t cap)
{
    rt_buf_t b = {0};
    rt_buf_put_val(&b, v);
    snprintf(buf, cap, "%.*s", (int)b.len, b.data ? b.data : "");
    rt_buf_free(&b);
    return buf;
}
