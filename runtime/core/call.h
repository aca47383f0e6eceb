/*
 * runtime/core/call.h — function values and tuples made and called from
 * runtime code written in C.
 */
#ifndef VM_RT_CALL_H
#define VM_RT_CALL_H

#include "core/obj.h"

/* A new tuple of items[0..n); 0 if out of memory (raised). */
vm_val_t rt_tuple(vm_ctx_t *ctx, int n, const vm_val_t *items);
/* Call function value `fn` with `nargs` arguments from C. Returns the
 * result, or 0 with ctx->exc set (not a function: type; wrong count:
 * arity; or whatever the callee raised). */
vm_val_t rt_call_fn(vm_ctx_t *ctx, vm_val_t fn, uint32_t nargs, const vm_val_t *args);

#endif
