/* Byte strings: immutable sequences of any bytes (VM_KIND_BYTES, laid out
 * as a string), what files and sockets read and write. Positions count
 * bytes. */
#define _GNU_SOURCE /* memmem */
#include <string.h>

#include "builtins/builtins.h"
#include "core/core.h"

vm_string_t *rt_bytes_alloc(vm_ctx_t *ctx, size_t len)
{
    return rt_text_alloc(ctx, VM_KIND_BYTES, len);
}

vm_val_t rt_bytes_new(vm_ctx_t *ctx, const char *bytes, size_t len)
{
    vm_string_t *s = rt_bytes_alloc(ctx, len);
    if (!s)
        return 0;
    if (len)
        memcpy(s->bytes, bytes, len);
    return (vm_val_t)s;
}

int rt_text_or_bytes(vm_ctx_t *ctx, const char *who, vm_val_t v, const char **data, size_t *len)
{
    if (!rt_is_kind(v, VM_KIND_BYTES) && !rt_is_kind(v, VM_KIND_STRING)) {
        rt_raise_type(ctx, who, "a string or bytes", v);
        return 0;
    }
    *data = rt_as_str(v)->bytes;
    *len = rt_as_str(v)->len;
    return 1;
}

static const vm_string_t *expect_bytes(vm_ctx_t *ctx, vm_val_t v, const char *who)
{
    return rt_expect(ctx, who, v, VM_KIND_BYTES);
}

vm_val_t vm_bytes_from_str(vm_ctx_t *ctx, vm_val_t a)
{
    const vm_string_t *s = rt_expect_str(ctx, a, "bytes.from_str");
    return s ? rt_bytes_new(ctx, s->bytes, s->len) : 0;
}

vm_val_t vm_bytes_to_str(vm_ctx_t *ctx, vm_val_t a)
{
    const vm_string_t *b = expect_bytes(ctx, a, "bytes.to_str");
    if (!b)
        return 0;
    if (!rt_utf8_valid(b->bytes, b->len))
        return rt_raise(ctx, "badarg", "bytes.to_str: the bytes are not valid UTF-8");
    return rt_str_new(ctx, b->bytes, b->len);
}

int64_t vm_bytes_len(vm_ctx_t *ctx, vm_val_t a)
{
    const vm_string_t *b = expect_bytes(ctx, a, "bytes.len");
    return b ? (int64_t)b->len : 0;
}

int64_t vm_bytes_at(vm_ctx_t *ctx, vm_val_t a, int64_t i)
{
    const vm_string_t *b = expect_bytes(ctx, a, "bytes.at");
    if (!b)
        return 0;
    if (i < 0 || (uint64_t)i >= b->len)
        return rt_raise_index(ctx, "bytes.at", i, (int64_t)b->len);
    return (unsigned char)b->bytes[i];
}

vm_val_t vm_bytes_slice(vm_ctx_t *ctx, vm_val_t a, int64_t from, int64_t to)
{
    const vm_string_t *b = expect_bytes(ctx, a, "bytes.slice");
    if (!b)
        return 0;
    int64_t n = (int64_t)b->len;
    if (from < 0 || from > n)
        return rt_raise_index(ctx, "bytes.slice", from, n + 1);
    if (to < from || to > n)
        return rt_raise(ctx, "index", "bytes.slice: end %lld is out of range [%lld, %lld]",
                        (long long)to, (long long)from, (long long)n);
    if (from == 0 && to == n)
        return a; /* immutable: share the whole */
    return rt_bytes_new(ctx, b->bytes + from, (size_t)(to - from));
}

vm_val_t vm_bytes_concat(vm_ctx_t *ctx, vm_val_t a, vm_val_t b)
{
    const char *x, *y;
    size_t nx, ny;
    if (!rt_text_or_bytes(ctx, "bytes.concat", a, &x, &nx) ||
        !rt_text_or_bytes(ctx, "bytes.concat", b, &y, &ny))
        return 0;
    if (nx + ny < nx)
        return rt_raise_oom(ctx, SIZE_MAX);
    vm_string_t *s = rt_bytes_alloc(ctx, nx + ny);
    if (!s)
        return 0;
    memcpy(s->bytes, x, nx);
    memcpy(s->bytes + nx, y, ny);
    return (vm_val_t)s;
}

int64_t vm_bytes_find(vm_ctx_t *ctx, vm_val_t a, vm_val_t needle, int64_t from)
{
    const vm_string_t *h = expect_bytes(ctx, a, "bytes.find");
    const char *n;
    size_t nn;
    if (!h || !rt_text_or_bytes(ctx, "bytes.find", needle, &n, &nn))
        return 0;
    if (from < 0 || (uint64_t)from > h->len)
        return rt_raise_index(ctx, "bytes.find", from, (int64_t)h->len + 1);
    if (nn == 0)
        return from;
    const char *at = memmem(h->bytes + from, h->len - (size_t)from, n, nn);
    return at ? at - h->bytes : -1;
}

vm_val_t vm_bytes_from_array(vm_ctx_t *ctx, vm_val_t a)
{
    const vm_array_t *arr = rt_expect(ctx, "bytes.from_array", a, VM_KIND_ARRAY);
    if (!arr)
        return 0;
    vm_string_t *s = rt_bytes_alloc(ctx, arr->len);
    if (!s)
        return 0;
    for (uint64_t i = 0; i < arr->len; i++) {
        vm_val_t b = arr->items[i];
        if (!val_is_int(b))
            return rt_raise(ctx, "type", "bytes.from_array: expected an int at item %llu, got %s",
                            (unsigned long long)i, rt_kind_name(b));
        if (val_as_int(b) < 0 || val_as_int(b) > 255)
            return rt_raise(ctx, "badarg", "bytes.from_array: item %llu is %lld, not a byte 0..255",
                            (unsigned long long)i, (long long)val_as_int(b));
        s->bytes[i] = (char)val_as_int(b);
    }
    return (vm_val_t)s;
}

vm_val_t vm_bytes_to_array(vm_ctx_t *ctx, vm_val_t a)
{
    const vm_string_t *b = expect_bytes(ctx, a, "bytes.to_array");
    if (!b)
        return 0;
    vm_val_t r = rt_array_new(ctx, b->len);
    if (!r)
        return 0;
    vm_array_t *arr = rt_as_array(r);
    for (size_t i = 0; i < b->len; i++)
        arr->items[i] = val_from_int((unsigned char)b->bytes[i]);
    arr->len = b->len;
    return r;
}
