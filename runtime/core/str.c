/* Strings as the core needs them: validation, creation, text buffers,
 * kind names. */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi/utf8.h"
#include "core/alloc.h"
#include "core/error.h"
#include "core/str.h"

int rt_utf8_valid(const char *s, size_t len)
{
    return vm_utf8_valid(s, len);
}

vm_string_t *rt_text_alloc(vm_ctx_t *ctx, vm_kind_t kind, size_t len)
{
    vm_string_t *s = len < RT_MAX_ALLOC ? rt_alloc(ctx, kind, sizeof *s + len + 1)
                                        : rt_alloc(ctx, kind, RT_MAX_ALLOC + 1);
    if (!s)
        return NULL;
    s->len = len;
    s->bytes[len] = 0;
    return s;
}

vm_string_t *rt_str_alloc(vm_ctx_t *ctx, size_t len)
{
    return rt_text_alloc(ctx, VM_KIND_STRING, len);
}

vm_val_t rt_str_new(vm_ctx_t *ctx, const char *bytes, size_t len)
{
    if (!rt_utf8_valid(bytes, len))
        return rt_raise(ctx, "badarg", "invalid UTF-8 in a string of %zu bytes", len);
    vm_string_t *s = rt_str_alloc(ctx, len);
    if (!s)
        return 0;
    memcpy(s->bytes, bytes, len);
    return (vm_val_t)s;
}

vm_val_t rt_str_sub(vm_ctx_t *ctx, vm_val_t v, size_t from, size_t to)
{
    const vm_string_t *x = rt_as_str(v);
    if (from == 0 && to == x->len)
        return v; /* strings are immutable: share the whole */
    vm_string_t *s = rt_str_alloc(ctx, to - from);
    if (!s)
        return 0;
    memcpy(s->bytes, x->bytes + from, to - from);
    return (vm_val_t)s;
}

/* ---- text buffers ---- */

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

void rt_buf_puts(rt_buf_t *b, const char *s)
{
    rt_buf_put(b, s, strlen(s));
}

void rt_buf_printf(rt_buf_t *b, const char *fmt, ...)
{
    char small[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof small) {
        rt_buf_put(b, small, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big)
        rt_fatal(NULL, "out_of_memory", "cannot format %d bytes of text", n);
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    rt_buf_put(b, big, (size_t)n);
    free(big);
}

void rt_buf_free(rt_buf_t *b)
{
    free(b->data);
    *b = (rt_buf_t){0};
}

/* ---- kind names ---- */

const char *rt_kind_text(vm_kind_t k)
{
    switch (k) {
    case VM_KIND_FLOAT: return "float";
    case VM_KIND_STRING: return "string";
    case VM_KIND_ATOM: return "atom";
    case VM_KIND_BYTES: return "bytes";
    case VM_KIND_TUPLE: return "tuple";
    case VM_KIND_ARRAY: return "array";
    case VM_KIND_MAP: return "map";
    case VM_KIND_SET: return "set";
    case VM_KIND_FUNC: return "function";
    case VM_KIND_EXC: return "error";
    case VM_KIND_CHAN: return "channel";
    case VM_KIND_FILE: return "file";
    case VM_KIND_SOCKET: return "socket";
    default: return "unknown";
    }
}

const char *rt_kind_name(vm_val_t v)
{
    if (val_is_int(v))
        return "int";
    if (val_is_nil(v))
        return "nil";
    if (val_is_bool(v))
        return "bool";
    if (val_is_pid(v))
        return "pid";
    if (val_is_ref(v))
        return "ref";
    if (val_is_ptr(v))
        return rt_kind_text((vm_kind_t)((const vm_obj_header_t *)v)->kind);
    return "unknown";
}
