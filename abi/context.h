/*
 * abi/context.h — the process context that every compiled function receives
 * as its hidden first argument, the shadow-stack frame layout, and the
 * function descriptor the compiler emits for each function.
 *
 * Compiled code reads and writes only the fields before `runtime_private`, at
 * the offsets asserted below; the compiler builds its GEPs from these
 * constants. Everything after is the runtime's.
 *
 * Shadow stack (one per process, grows upwards, a contiguous array of words):
 *
 *        ctx->ssp ──►  (next free slot)
 *                     ┌──────────────────────────┐
 *                     │ val register n-1         │ frame of the running function
 *                     │ ...                      │
 *                     │ val register 0           │
 *                     │ current line (int word)  │ VM_FRAME_LINE_SLOT
 *         frame ────► │ vm_func_desc_t *         │ VM_FRAME_DESC_SLOT
 *                     ├──────────────────────────┤
 *                     │ caller's frame ...       │
 *
 * A function's frame starts at the ssp it is called with; it passes
 * ssp + VM_FRAME_HEADER_SLOTS + nvals to its callees. Nothing is popped:
 * the caller still holds its own ssp. Every write to a `val` register is also written to its
 * slot, so at any call the slots hold every live value (Boehm GC does not
 * move objects: no reload is ever needed). The collector scans
 * [ss_base, ssp) of each context. Frames are contiguous, so the runtime walks
 * them from ss_base upwards using each descriptor's nvals; the descriptor and
 * the line slot (stored before every call) make bytecode stack traces.
 */
#ifndef VM_ABI_CONTEXT_H
#define VM_ABI_CONTEXT_H

#include <stddef.h>
#include <stdint.h>

#include "value.h"

/* Emitted by the compiler, one per function, in read-only data. */
typedef struct vm_func_desc {
    const char *name; /* "module.function" */
    const char *file; /* source file from the debug section, or "" */
    int64_t line;     /* line of the function header, 0 if unknown */
    int64_t nvals;    /* val registers: the frame is VM_FRAME_HEADER_SLOTS + nvals words */
} vm_func_desc_t;

#define VM_FRAME_DESC_SLOT    0
#define VM_FRAME_LINE_SLOT    1
#define VM_FRAME_HEADER_SLOTS 2

/* Compiled functions take (vm_ctx_t *ctx, vm_val_t *ssp, params...): ssp
 * is where the callee's frame starts, kept in a register rather than in
 * ctx. Compiled code stores its frame's top into ctx->ssp before every
 * runtime call that may allocate, raise or yield, so the runtime always
 * sees an exact top; between such calls ctx->ssp may be below the running
 * code's frames, whose vals then also sit in registers or on the native
 * stack that the collector scans. */
#define VM_HIDDEN_ARGS 2

/* Reductions a context may run before it must call vm_yield(). */
#define VM_REDUCTION_BUDGET 4000

typedef struct vm_ctx {
    /* -- read and written by compiled code -- */
    vm_val_t *ssp;         /* shadow-stack top, published before runtime calls */
    vm_val_t *ss_limit;    /* one past the last usable shadow-stack slot */
    uintptr_t stack_limit; /* lowest native stack pointer a prologue may see */
    int64_t reductions;    /* budget left; <= 0 means yield now */
    /* -- runtime only -- */
    vm_val_t *ss_base; /* first shadow-stack slot */
    void *runtime_private;
} vm_ctx_t;

#define VM_CTX_SSP_INDEX         0
#define VM_CTX_SS_LIMIT_INDEX    1
#define VM_CTX_STACK_LIMIT_INDEX 2
#define VM_CTX_REDUCTIONS_INDEX  3
#define VM_CTX_PUBLIC_FIELDS     4 /* compiled code sees a struct of 4 words */

_Static_assert(offsetof(vm_ctx_t, ssp) == VM_CTX_SSP_INDEX * 8, "ctx layout");
_Static_assert(offsetof(vm_ctx_t, ss_limit) == VM_CTX_SS_LIMIT_INDEX * 8, "ctx layout");
_Static_assert(offsetof(vm_ctx_t, stack_limit) == VM_CTX_STACK_LIMIT_INDEX * 8, "ctx layout");
_Static_assert(offsetof(vm_ctx_t, reductions) == VM_CTX_REDUCTIONS_INDEX * 8, "ctx layout");
_Static_assert(sizeof(vm_func_desc_t) == 32, "descriptor is {ptr, ptr, i64, i64}");

/* The entry point vmcc emits in the module that defines `main`. It returns
 * the program's exit status. The runtime's main() calls it. */
#define VM_PROGRAM_ENTRY_SYMBOL "vm_program_main"
int64_t vm_program_main(vm_ctx_t *ctx);

#endif
