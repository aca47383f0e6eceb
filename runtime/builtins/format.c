/* Text of values: float formatting, to_string, kind names. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../rt.h"

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

const char *rt_kind_name(vm_val_t v)
{
    if (val_is_int(v))
        return "int";
    if (val_is_nil(v))
        return "nil";
    if (val_is_bool(v))
        return "bool";
    if (val_is_ptr(v)) {
        switch ((vm_kind_t)((const vm_obj_header_t *)v)->kind) {
        case VM_KIND_FLOAT: return "float";
        case VM_KIND_STRING: return "string";
        case VM_KIND_ATOM: return "atom";
        case VM_KIND_TUPLE: return "tuple";
        case VM_KIND_ARRAY: return "array";
        case VM_KIND_MAP: return "map";
        case VM_KIND_SET: return "set";
        case VM_KIND_FUNC: return "function";
        case VM_KIND_EXC: return "error";
        default: break;
        }
    }
    return "unknown";
}

void rt_buf_put(rt_buf_t *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *d = realloc(b->data, cap);
        if (!d)
            rt_fatal(NULL, "out_of_memory", "cannot grow a text buffer to %zu bytes", cap);
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = 0;
}

void rt_buf_put_val(rt_buf_t *b, vm_val_t v)
{
    char tmp[40];
    if (val_is_int(v)) {
        rt_buf_put(b, tmp, (size_t)snprintf(tmp, sizeof tmp, "%lld", (long long)val_as_int(v)));
    } else if (v == VM_NIL) {
        rt_buf_put(b, "nil", 3);
    } else if (v == VM_TRUE) {
        rt_buf_put(b, "true", 4);
    } else if (v == VM_FALSE) {
        rt_buf_put(b, "false", 5);
    } else if (rt_is_kind(v, VM_KIND_FLOAT)) {
        rt_buf_put(b, tmp, rt_fmt_f64(tmp, sizeof tmp, ((const vm_float_t *)v)->value));
    } else if (rt_is_kind(v, VM_KIND_STRING) || rt_is_kind(v, VM_KIND_ATOM)) {
        rt_buf_put(b, rt_as_str(v)->bytes, rt_as_str(v)->len);
    } else if (rt_is_kind(v, VM_KIND_FUNC)) {
        const vm_func_t *f = (const vm_func_t *)v;
        rt_buf_put(b, "#<function ", 11);
        rt_buf_put(b, f->desc->name, strlen(f->desc->name));
        rt_buf_put(b, tmp, (size_t)snprintf(tmp, sizeof tmp, "/%u>", f->hdr.aux));
    } else if (rt_is_kind(v, VM_KIND_EXC)) {
        const vm_exc_t *e = (const vm_exc_t *)v;
        rt_buf_put(b, "#<error ", 8);
        rt_buf_put_val(b, e->reason);
        if (rt_is_kind(e->message, VM_KIND_STRING)) {
            rt_buf_put(b, ": ", 2);
            rt_buf_put(b, rt_as_str(e->message)->bytes, rt_as_str(e->message)->len);
        }
        rt_buf_put(b, ">", 1);
    } else {
        rt_buf_put(b, tmp,
                   (size_t)snprintf(tmp, sizeof tmp, "#<value 0x%llx>", (unsigned long long)v));
    }
}

void rt_buf_free(rt_buf_t *b)
{
    free(b->data);
    *b = (rt_buf_t){0};
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
