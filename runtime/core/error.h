/*
 * runtime/core/error.h — runtime errors (docs/bytecode.md, "Errors").
 *
 * Raising: a builtin that fails calls rt_raise (or a helper below), which
 * stores a new error in ctx->exc, and returns 0 at once (0 for VAL, and
 * any value for I64/F64/VOID builtins: the caller checks ctx->exc). The
 * error records the bytecode stack trace at the raise.
 *
 * Fatal errors end the process (or, outside a process, the program). The
 * process layer, which sits above this one, tells it how through
 * rt_error_set_hooks.
 */
#ifndef VM_RT_ERROR_H
#define VM_RT_ERROR_H

#include <stdarg.h>

#include "core/str.h"

typedef struct vm_exc {
    vm_obj_header_t hdr;
    vm_val_t reason;  /* any value; runtime errors use an atom */
    vm_val_t message; /* string or nil */
    uint64_t nframes; /* frames recorded, innermost first */
    uint64_t depth;   /* frames on the stack at the raise (>= nframes) */
    struct rt_frame_rec {
        const vm_func_desc_t *desc;
        int64_t line;
    } * frames; /* atomic allocation; the descriptors are static */
} vm_exc_t;

/* Make the error raised when there is no memory for another (once, after
 * the collector starts). */
void rt_error_init(void);

/* Raise error `reason` (an atom name) with a printf-style message; returns 0. */
vm_val_t rt_raise(vm_ctx_t *ctx, const char *reason, const char *fmt, ...) RT_PRINTF(3, 4);
/* Raise with a reason value and a message value (string or nil); returns 0. */
vm_val_t rt_raise_val(vm_ctx_t *ctx, vm_val_t reason, vm_val_t message);
/* Raise with a reason value and a printf-style message; returns 0. */
vm_val_t rt_raise_valf(vm_ctx_t *ctx, vm_val_t reason, const char *fmt, ...) RT_PRINTF(3, 4);
/* "WHO: expected a EXPECTED, got KIND" with reason `type`; returns 0. */
vm_val_t rt_raise_type(vm_ctx_t *ctx, const char *who, const char *expected, vm_val_t got);
/* "WHO: position I is out of range [0, N)" with reason `index`; returns 0. */
vm_val_t rt_raise_index(vm_ctx_t *ctx, const char *who, int64_t i, int64_t n);
/* out_of_memory for a request of `size` bytes. Making the error needs
 * memory too: when there is none, a shared error made at start-up (without
 * a trace) is raised instead. Returns 0. */
vm_val_t rt_raise_oom(vm_ctx_t *ctx, size_t size);

/* The object in `v` if it is of `kind`; else NULL after raising type
 * ("WHO: expected an array, got int"). The check every builtin starts with. */
void *rt_expect(vm_ctx_t *ctx, const char *who, vm_val_t v, vm_kind_t kind);
/* `v` as a string, or NULL after raising type ("WHAT: expected a string"). */
static inline const vm_string_t *rt_expect_str(vm_ctx_t *ctx, vm_val_t v, const char *what)
{
    return (const vm_string_t *)rt_expect(ctx, what, v, VM_KIND_STRING);
}

/* Uncatchable: report `reason` and end the process (the program when
 * ctx is NULL or not a process). */
RT_NORETURN void rt_fatal(vm_ctx_t *ctx, const char *reason, const char *fmt, ...) RT_PRINTF(3, 4);

/* Append the trace of error `e` as text, one "  at module.func (file:line)"
 * line per frame, innermost first. */
void rt_exc_put_trace(rt_buf_t *b, const vm_exc_t *e);

/* What the process layer tells this one (runtime/proc/ sets it at start). */
typedef struct rt_error_hooks {
    /* " in process <0.N.S>" for a process other than main, else "". */
    void (*describe)(vm_ctx_t *ctx, char *buf, size_t cap);
    /* End process ctx, already reported, with `reason`; does not return. */
    void (*end)(vm_ctx_t *ctx, vm_val_t reason);
} rt_error_hooks_t;
void rt_error_set_hooks(const rt_error_hooks_t *hooks);

#endif
