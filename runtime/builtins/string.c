/* Strings: creation with UTF-8 validation, concatenation, parsing, argv. */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include <utf8proc.h>

#include "../rt.h"

int rt_utf8_valid(const char *s, size_t len)
{
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
    while (len > 0) {
        if (*p < 0x80) { /* ASCII needs no decoder */
            p++;
            len--;
            continue;
        }
        utf8proc_int32_t cp;
        utf8proc_ssize_t n =
            utf8proc_iterate(p, len > (size_t)SSIZE_MAX ? SSIZE_MAX : (utf8proc_ssize_t)len, &cp);
        if (n < 0)
            return 0;
        p += n;
        len -= (size_t)n;
    }
    return 1;
}

/* A string of `len` bytes to fill; NULL if out of memory (raised). */
static vm_string_t *str_alloc(vm_ctx_t *ctx, size_t len)
{
    vm_string_t *s = len < RT_MAX_ALLOC ? rt_gc_alloc(ctx, VM_KIND_STRING, sizeof *s + len + 1)
                                        : rt_gc_alloc(ctx, VM_KIND_STRING, RT_MAX_ALLOC + 1);
    if (!s)
        return NULL;
    s->len = len;
    s->bytes[len] = 0;
    return s;
}

vm_val_t rt_str_new(vm_ctx_t *ctx, const char *bytes, size_t len)
{
    if (!rt_utf8_valid(bytes, len))
        return rt_raise(ctx, "badarg", "invalid UTF-8 in a string of %zu bytes", len);
    vm_string_t *s = str_alloc(ctx, len);
    if (!s)
        return 0;
    memcpy(s->bytes, bytes, len);
    return (vm_val_t)s;
}

static const vm_string_t *expect_str(vm_ctx_t *ctx, vm_val_t v, const char *what)
{
    if (!rt_is_kind(v, VM_KIND_STRING)) {
        rt_raise_type(ctx, what, "a string", v);
        return NULL;
    }
    return rt_as_str(v);
}

vm_val_t vm_str_concat(vm_ctx_t *ctx, vm_val_t a, vm_val_t b)
{
    const vm_string_t *x = expect_str(ctx, a, "str.concat");
    const vm_string_t *y = x ? expect_str(ctx, b, "str.concat") : NULL;
    vm_string_t *s = y ? str_alloc(ctx, x->len + y->len) : NULL;
    if (!s)
        return 0;
    memcpy(s->bytes, x->bytes, x->len);
    memcpy(s->bytes + x->len, y->bytes, y->len);
    return (vm_val_t)s;
}

int64_t vm_str_to_i64(vm_ctx_t *ctx, vm_val_t v)
{
    const vm_string_t *s = expect_str(ctx, v, "str.to_i64");
    if (!s)
        return 0;
    const char *p = s->bytes, *end = s->bytes + s->len;
    int neg = 0;
    if (p < end && (*p == '-' || *p == '+'))
        neg = *p++ == '-';
    if (p == end)
        return rt_raise(ctx, "badarg", "str.to_i64: \"%s\" is not an integer", s->bytes);
    uint64_t mag = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; p < end; p++) {
        if (*p < '0' || *p > '9')
            return rt_raise(ctx, "badarg", "str.to_i64: \"%s\" is not an integer", s->bytes);
        unsigned d = (unsigned)(*p - '0');
        if (mag > (lim - d) / 10)
            return rt_raise(ctx, "badarg", "str.to_i64: \"%s\" does not fit in an i64", s->bytes);
        mag = mag * 10 + d;
    }
    return neg ? (int64_t)(0 - mag) : (int64_t)mag;
}

int64_t vm_argc(vm_ctx_t *ctx)
{
    (void)ctx;
    return rt_argc;
}

vm_val_t vm_argv(vm_ctx_t *ctx, int64_t i)
{
    if (i < 0 || i >= rt_argc)
        return rt_raise_index(ctx, "argv", i, rt_argc);
    return rt_str_new(ctx, rt_argv[i], strlen(rt_argv[i]));
}
