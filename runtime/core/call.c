/* Function values: allocation, calls from C (abi/context.h, the uniform
 * prototype), and the errors of a bad call. */
#include <string.h>

#include "abi/builtins.h"
#include "core/alloc.h"
#include "core/call.h"
#include "core/error.h"

vm_val_t vm_closure_alloc(vm_ctx_t *ctx, int64_t ncaptures)
{
    if (ncaptures < 0 || (uint64_t)ncaptures > RT_MAX_ALLOC / sizeof(vm_val_t))
        rt_unreachable("bad capture count");
    vm_func_t *f =
        rt_alloc(ctx, VM_KIND_FUNC, sizeof(vm_func_t) + (size_t)ncaptures * sizeof(vm_val_t));
    if (!f)
        return 0;
    f->ncaptures = (uint64_t)ncaptures;
    return (vm_val_t)f;
}

vm_val_t vm_tuple_alloc(vm_ctx_t *ctx, int64_t n)
{
    if (n < 0 || (uint64_t)n > UINT32_MAX)
        return rt_raise(ctx, "badarg", "a tuple of %lld items", (long long)n);
    vm_tuple_t *t = rt_alloc(ctx, VM_KIND_TUPLE, sizeof(vm_tuple_t) + (size_t)n * sizeof(vm_val_t));
    if (!t)
        return 0;
    t->hdr.aux = (uint32_t)n;
    for (int64_t i = 0; i < n; i++)
        t->items[i] = VM_NIL;
    return (vm_val_t)t;
}

vm_val_t rt_tuple(vm_ctx_t *ctx, int n, const vm_val_t *items)
{
    vm_val_t t = vm_tuple_alloc(ctx, n);
    if (t)
        memcpy(((vm_tuple_t *)t)->items, items, (size_t)n * sizeof(vm_val_t));
    return t;
}

void vm_badcall(vm_ctx_t *ctx, vm_val_t fn, int64_t nargs)
{
    if (!rt_is_kind(fn, VM_KIND_FUNC)) {
        rt_raise(ctx, "type", "call of %s: not a function", rt_kind_name(fn));
        return;
    }
    const vm_func_t *f = (const vm_func_t *)fn;
    rt_raise(ctx, "arity", "%s takes %u argument%s, called with %lld", f->desc->name, f->hdr.aux,
             f->hdr.aux == 1 ? "" : "s", (long long)nargs);
}

vm_val_t rt_call_fn(vm_ctx_t *ctx, vm_val_t fn, uint32_t nargs, const vm_val_t *args)
{
    if (!rt_is_kind(fn, VM_KIND_FUNC) || ((const vm_func_t *)fn)->hdr.aux != nargs) {
        vm_badcall(ctx, fn, nargs);
        return 0;
    }
    vm_val_t *ssp = ctx->ssp;
    int64_t a[VM_REG_ARGS] = {0};
    for (uint32_t i = 0; i < nargs; i++) {
        if (i < VM_REG_ARGS) {
            a[i] = (int64_t)args[i];
            continue;
        }
        if (ssp + VM_FRAME_HEADER_SLOTS + (i - VM_REG_ARGS) >= ctx->ss_limit + VM_SS_MARGIN)
            rt_fatal(ctx, "stack_overflow", "stack overflow");
        ssp[VM_FRAME_HEADER_SLOTS + (i - VM_REG_ARGS)] = args[i];
    }
    ctx->self = fn;
    vm_code_t code = (vm_code_t)((const vm_func_t *)fn)->code;
    int64_t r = code(ctx, ssp, a[0], a[1], a[2], a[3]);
    ctx->ssp = ssp; /* the callee published its own frames' top */
    if (r == 0 && ctx->exc)
        return 0;
    return (vm_val_t)r;
}

vm_val_t vm_apply(vm_ctx_t *ctx, vm_val_t fn, vm_val_t args)
{
    if (!rt_is_kind(args, VM_KIND_ARRAY))
        return rt_raise_type(ctx, "apply", "an array of arguments", args);
    const vm_array_t *a = rt_as_array(args);
    if (a->len > VM_MAX_CALL_ARGS)
        return rt_raise(ctx, "badarg", "apply: %llu arguments; at most %d",
                        (unsigned long long)a->len, VM_MAX_CALL_ARGS);
    vm_val_t copy[VM_MAX_CALL_ARGS];
    if (a->len) /* an empty array may have no storage */
        memcpy(copy, a->items, a->len * sizeof *copy);
    return rt_call_fn(ctx, fn, (uint32_t)a->len, copy);
}

int64_t vm_fn_arity(vm_ctx_t *ctx, vm_val_t fn)
{
    const vm_func_t *f = (const vm_func_t *)rt_expect(ctx, "fn.arity", fn, VM_KIND_FUNC);
    return f ? f->hdr.aux : 0;
}

vm_val_t vm_fn_name(vm_ctx_t *ctx, vm_val_t fn)
{
    const vm_func_t *f = (const vm_func_t *)rt_expect(ctx, "fn.name", fn, VM_KIND_FUNC);
    return f ? rt_str_new(ctx, f->desc->name, strlen(f->desc->name)) : 0;
}
