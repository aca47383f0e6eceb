/*
 * runtime/proc/cbody.h — runtime code written in C that runs as a
 * function value: the body of a runtime-owned process (a supervisor, a
 * task) or a callback handed to user code.
 *
 * Such code has the uniform prototype (abi/context.h) and pushes a frame
 * on the shadow stack as compiled code does: its descriptor names it in
 * stack traces, and its slots hold the state the code keeps while it
 * waits. (C locals stay visible too: the collector scans the native stack
 * of the running process and, conservatively, the saved ones.)
 */
#ifndef VM_RT_CBODY_H
#define VM_RT_CBODY_H

#include <string.h>

#include "core/core.h"

/* A static function value `var` for C function `code` taking `arity`
 * values, with `nslots` frame slots, named `name` in traces. Static
 * objects are shared, never copied, by sends. */
#define RT_CFUNC(var, name, code, arity, nslots)                                                   \
    static const vm_func_desc_t var##_desc = {name, "", 0, nslots};                                \
    static vm_func_t var = {{VM_KIND_FUNC, VM_OBJ_STATIC, 0, arity}, (void *)(code), &var##_desc, 0}

/* Push the frame of a C body at `ssp` (the ssp it was called with): its
 * descriptor, line 0 and desc->nslots nil slots; publishes the frame's top
 * in ctx->ssp and returns the slots. A frame that does not fit ends the
 * process with stack_overflow. */
static inline vm_val_t *rt_cframe_push(vm_ctx_t *ctx, vm_val_t *ssp, const vm_func_desc_t *desc)
{
    vm_val_t *top = ssp + VM_FRAME_HEADER_SLOTS + desc->nslots;
    if (top >= ctx->ss_limit)
        rt_fatal(ctx, "stack_overflow", "stack overflow");
    ssp[VM_FRAME_DESC_SLOT] = (vm_val_t)desc;
    ssp[VM_FRAME_LINE_SLOT] = 0;
    vm_val_t *slots = ssp + VM_FRAME_HEADER_SLOTS;
    for (int64_t i = 0; i < desc->nslots; i++)
        slots[i] = VM_NIL;
    ctx->ssp = top;
    return slots;
}

#endif
