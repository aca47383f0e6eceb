/* Arrays: mutable, growable vectors of values (abi/value.h vm_array_t). */
#include <string.h>

#include "../rt.h"

vm_val_t rt_array_new(vm_ctx_t *ctx, uint64_t cap)
{
    if (cap > RT_MAX_ALLOC / sizeof(vm_val_t))
        return rt_raise(ctx, "out_of_memory", "an array of %llu items", (unsigned long long)cap);
    vm_array_t *a = rt_gc_alloc(ctx, VM_KIND_ARRAY, sizeof *a);
    if (!a)
        return 0;
    if (cap) {
        a->items = rt_gc_alloc_raw(ctx, cap * sizeof(vm_val_t), 0);
        if (!a->items)
            return 0;
    }
    a->cap = cap;
    return (vm_val_t)a;
}

/* Room for `extra` more items; 0 if out of memory (raised). */
static int reserve(vm_ctx_t *ctx, vm_array_t *a, uint64_t extra)
{
    if (a->len + extra <= a->cap)
        return 1;
    uint64_t cap = a->cap < 4 ? 4 : a->cap + a->cap / 2;
    if (cap < a->len + extra)
        cap = a->len + extra;
    if (cap > RT_MAX_ALLOC / sizeof(vm_val_t)) {
        rt_raise(ctx, "out_of_memory", "an array of %llu items", (unsigned long long)cap);
        return 0;
    }
    vm_val_t *items = rt_gc_alloc_raw(ctx, cap * sizeof(vm_val_t), 0);
    if (!items)
        return 0;
    if (a->len)
        memcpy(items, a->items, a->len * sizeof(vm_val_t));
    a->items = items;
    a->cap = cap;
    return 1;
}

int rt_array_push(vm_ctx_t *ctx, vm_val_t arr, vm_val_t v)
{
    vm_array_t *a = rt_as_array(arr);
    if (!reserve(ctx, a, 1))
        return 0;
    a->items[a->len++] = v;
    return 1;
}

vm_val_t vm_array_new(vm_ctx_t *ctx)
{
    return rt_array_new(ctx, 0);
}

void vm_array_push(vm_ctx_t *ctx, vm_val_t arr, vm_val_t v)
{
    if (!rt_is_kind(arr, VM_KIND_ARRAY)) {
        rt_raise_type(ctx, "array.push", "an array", arr);
        return;
    }
    rt_array_push(ctx, arr, v);
}
