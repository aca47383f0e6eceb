/* Tuples: immutable, fixed size (abi/value.h vm_tuple_t; aux = size).
 * tuple.new and tuple.alloc (core/call.c) build them. */
#include <string.h>

#include "builtins/coll.h"

int64_t vm_tuple_len(vm_ctx_t *ctx, vm_val_t tup)
{
    const vm_tuple_t *t = (const vm_tuple_t *)rt_expect(ctx, "tuple.len", tup, VM_KIND_TUPLE);
    return t ? t->hdr.aux : 0;
}

vm_val_t vm_tuple_get(vm_ctx_t *ctx, vm_val_t tup, int64_t i)
{
    const vm_tuple_t *t = (const vm_tuple_t *)rt_expect(ctx, "tuple.get", tup, VM_KIND_TUPLE);
    if (!t)
        return 0;
    if ((uint64_t)i >= t->hdr.aux)
        return rt_raise_index(ctx, "tuple.get", i, t->hdr.aux);
    return t->items[i];
}

vm_val_t vm_tuple_from_array(vm_ctx_t *ctx, vm_val_t arr)
{
    if (!rt_is_kind(arr, VM_KIND_ARRAY))
        return rt_raise_type(ctx, "tuple.from_array", "an array", arr);
    const vm_array_t *a = rt_as_array(arr);
    if (a->len > UINT32_MAX)
        return rt_raise(ctx, "badarg", "tuple.from_array: %llu items; a tuple holds at most %u",
                        (unsigned long long)a->len, UINT32_MAX);
    vm_val_t tup = vm_tuple_alloc(ctx, (int64_t)a->len);
    if (!tup)
        return 0;
    if (a->len)
        memcpy(((vm_tuple_t *)tup)->items, a->items, a->len * sizeof(vm_val_t));
    return tup;
}

vm_val_t vm_tuple_to_array(vm_ctx_t *ctx, vm_val_t tup)
{
    const vm_tuple_t *t = (const vm_tuple_t *)rt_expect(ctx, "tuple.to_array", tup, VM_KIND_TUPLE);
    if (!t)
        return 0;
    vm_val_t arr = rt_array_new(ctx, t->hdr.aux);
    if (!arr)
        return 0;
    vm_array_t *a = rt_as_array(arr);
    if (t->hdr.aux)
        memcpy(a->items, t->items, t->hdr.aux * sizeof(vm_val_t));
    a->len = t->hdr.aux;
    return arr;
}
