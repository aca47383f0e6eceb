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
 *                     │ parameter 5 (if any) ... │ parameters past VM_REG_ARGS
 *                     │ parameter 4              │ (raw words, stored by the caller)
 *                     │ current line (int word)  │ VM_FRAME_LINE_SLOT
 *         frame ────► │ vm_func_desc_t *         │ VM_FRAME_DESC_SLOT
 *                     ├──────────────────────────┤
 *                     │ caller's frame ...       │
 *
 * A function's frame starts at the ssp it is called with; it passes
 * ssp + VM_FRAME_HEADER_SLOTS + nslots to its callees. Nothing is popped:
 * the caller still holds its own ssp. Every write to a `val` register is also written to its
 * slot, so at any call the slots hold every live value (Boehm GC does not
 * move objects: no reload is ever needed). The collector scans
 * [ss_base, ssp) of each context. Frames are contiguous, so the runtime walks
 * them from ss_base upwards using each descriptor's nslots; the descriptor and
 * the line slot (stored before every call) make bytecode stack traces.
 */
#ifndef VM_ABI_CONTEXT_H
#define VM_ABI_CONTEXT_H

#include <stddef.h>
#include <stdint.h>

#include "value.h"

/* The uniform prototype of compiled code (see below). */
struct vm_ctx;
typedef int64_t (*vm_code_t)(struct vm_ctx *ctx, vm_val_t *ssp, int64_t a0, int64_t a1, int64_t a2,
                             int64_t a3);

/* Emitted by the compiler, one per function, in read-only data. */
typedef struct vm_func_desc {
    const char *name; /* "module.function" */
    const char *file; /* source file from the debug section, or "" */
    int64_t line;     /* line of the function header, 0 if unknown */
    int64_t nslots;   /* the frame is VM_FRAME_HEADER_SLOTS + nslots words */
} vm_func_desc_t;

#define VM_FRAME_DESC_SLOT    0
#define VM_FRAME_LINE_SLOT    1
#define VM_FRAME_HEADER_SLOTS 2

/* The uniform prototype. Every compiled function is
 *
 *     int64_t f(vm_ctx_t *ctx, vm_val_t *ssp, int64_t a0, .. a[VM_REG_ARGS-1])
 *
 * ssp is where the callee's frame starts, kept in a register rather than in
 * ctx. Parameters 0 .. VM_REG_ARGS-1 travel in the a registers (f64 as its
 * bit pattern, unused ones undefined); parameter VM_REG_ARGS + k is stored
 * by the caller at ssp[VM_FRAME_HEADER_SLOTS + k] before the call. The
 * result is an i64 word (f64 as bits; void functions return VM_NIL). One
 * prototype for all lets any call in tail position be a guaranteed tail
 * call (LLVM `musttail` needs equal prototypes) on every target, and lets
 * the runtime call any function value from C.
 *
 * Errors: a function that raises stores the error in ctx->exc and returns
 * 0. After a call that may raise, the caller tests the result against 0
 * and, only then, ctx->exc (a void callee, or a builtin returning void,
 * always needs the second test). Compiled code stores its frame's top into ctx->ssp before every
 * runtime call that may allocate, raise or yield, so the runtime always
 * sees an exact top; between such calls ctx->ssp may be below the running
 * code's frames, whose vals then also sit in registers or on the native
 * stack that the collector scans. */
#define VM_HIDDEN_ARGS 2
#define VM_REG_ARGS    4

/* Most parameters a function (and a call) may have. */
#define VM_MAX_CALL_ARGS 255

/* Words past ss_limit that callers may write (stack parameters of a callee
 * that has not yet checked its frame): the runtime maps this much more. */
#define VM_SS_MARGIN 264

/* Preemption (Go's stack-guard trick). Every prologue compares the native
 * stack pointer with ctx->stack_limit, and every loop back-edge compares
 * the function's entry stack pointer with it: one load and one compare,
 * no counter written. To ask the running code to stop at its next check,
 * the scheduler stores VM_STACK_PREEMPT there; the check's slow path
 * (vm_stack_guard) tells a real overflow from that request and restores
 * the real limit (ctx->stack_floor). */
#define VM_STACK_PREEMPT UINTPTR_MAX

typedef struct vm_ctx {
    /* -- read and written by compiled code -- */
    vm_val_t *ssp;         /* shadow-stack top, published before runtime calls */
    vm_val_t *ss_limit;    /* one past the last usable shadow-stack slot */
    uintptr_t stack_limit; /* lowest native stack pointer a prologue may see, or
                            * VM_STACK_PREEMPT: stop at the next check */
    vm_val_t exc;          /* pending error (a VM_KIND_EXC object), 0 if none */
    vm_val_t self;         /* the function value being called by call.v / tailcall.v */
    /* -- runtime only -- */
    vm_val_t *ss_base;     /* first shadow-stack slot */
    uintptr_t stack_floor; /* the real native stack limit */
    void *runtime_private;
} vm_ctx_t;

#define VM_CTX_SSP_INDEX         0
#define VM_CTX_SS_LIMIT_INDEX    1
#define VM_CTX_STACK_LIMIT_INDEX 2
#define VM_CTX_EXC_INDEX         3
#define VM_CTX_SELF_INDEX        4
#define VM_CTX_PUBLIC_FIELDS     5 /* compiled code sees a struct of 5 words */

_Static_assert(offsetof(vm_ctx_t, ssp) == VM_CTX_SSP_INDEX * 8, "ctx layout");
_Static_assert(offsetof(vm_ctx_t, ss_limit) == VM_CTX_SS_LIMIT_INDEX * 8, "ctx layout");
_Static_assert(offsetof(vm_ctx_t, stack_limit) == VM_CTX_STACK_LIMIT_INDEX * 8, "ctx layout");
_Static_assert(offsetof(vm_ctx_t, exc) == VM_CTX_EXC_INDEX * 8, "ctx layout");
_Static_assert(offsetof(vm_ctx_t, self) == VM_CTX_SELF_INDEX * 8, "ctx layout");
_Static_assert(sizeof(vm_func_desc_t) == 32, "descriptor is {ptr, ptr, i64, i64}");

/* Dependency injection (docs/di.md, abi/di.h). Each module that declares
 * dependencies (`.dep NAME: KIND`) emits one array of these in the section
 * VM_DEPS_SECTION, and each module one array of its exported functions
 * that can be providers (only val parameters, a val result, no captures) in
 * VM_EXPORTS_SECTION. The arrays are 8-aligned and their sizes multiples of
 * 8, so the linker's concatenation of every object's is one array: the
 * runtime walks them between __start_<section> and __stop_<section>. */
#define VM_DEPS_SECTION    "vm_deps"
#define VM_EXPORTS_SECTION "vm_exports"

/* What an object was built for: every compiled module and the runtime hold
 * one NUL-terminated string "<triple> abi <VM_ABI_VERSION>" (the triple as
 * compiler/target.c spells it, e.g. "aarch64-linux-gnu") in this section.
 * vmcc refuses to link objects whose string differs from the link's target
 * and its own ABI version (compiler/symcheck.c). */
#define VM_TARGET_SECTION "vm_target"

typedef struct vm_dep_decl {
    const char *name;   /* the dependency */
    const char *kind;   /* its kind, as abi/di.h spells it */
    const char *module; /* the declaring module */
    const char *file;   /* source file from the debug section, or "" */
    int64_t line;       /* line of the `.dep` directive, 0 if unknown */
} vm_dep_decl_t;

/* An exported function that can be a provider: its static function value
 * (as fn.ref makes), whose descriptor names it "module.function" and whose
 * header holds its arity. */
typedef struct vm_export {
    const struct vm_func *fn;
} vm_export_t;

_Static_assert(sizeof(vm_dep_decl_t) == 40, "a dependency is {ptr, ptr, ptr, ptr, i64}");
_Static_assert(sizeof(vm_export_t) == 8, "an export is {ptr}");

/* The entry point vmcc emits in the module that defines `main`. It returns
 * the program's exit status; an uncaught error is left in ctx->exc. The
 * runtime's main() calls it. */
#define VM_PROGRAM_ENTRY_SYMBOL "vm_program_main"
int64_t vm_program_main(vm_ctx_t *ctx);

#endif
