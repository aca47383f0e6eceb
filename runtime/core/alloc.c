/* Allocation for runtime code: out_of_memory raised when the collector
 * has no room. */
#include "core/alloc.h"
#include "core/error.h"

void *rt_alloc_raw(vm_ctx_t *ctx, size_t size, int atomic)
{
    void *p = rt_gc_alloc_raw(size, atomic);
    if (!p)
        rt_raise_oom(ctx, size);
    return p;
}

void *rt_alloc(vm_ctx_t *ctx, vm_kind_t kind, size_t size)
{
    void *p = rt_gc_alloc_obj(kind, size);
    if (!p)
        rt_raise_oom(ctx, size);
    return p;
}
