/*
 * runtime/rt.h — internals shared by the runtime's subsystems (rt_*).
 * Generated code never calls these; it calls the vm_* builtins.
 */
#ifndef VM_RT_H
#define VM_RT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "../abi/builtins.h"

#define RT_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define RT_NORETURN          __attribute__((noreturn))

/* ---- core/context.c ---- */
/* Set up `ctx` for the calling thread: shadow stack of `ss_slots` words and
 * the native stack limit of the current thread. */
void rt_ctx_init_main(vm_ctx_t *ctx, size_t ss_slots);

/* ---- core/error.c ---- */
/* Raise a runtime error with `reason` (an atom name) in the running process.
 * Until catchable errors arrive, this reports and ends the program. */
RT_NORETURN void rt_raise(vm_ctx_t *ctx, const char *reason, const char *fmt, ...) RT_PRINTF(3, 4);
/* Our own bug: report file and line, abort. */
RT_NORETURN void rt_unreachable_at(const char *file, int line, const char *what);
#define rt_unreachable(what) rt_unreachable_at(__FILE__, __LINE__, what)
/* Write the bytecode stack trace of `ctx` to stderr, innermost first. */
void rt_print_trace(vm_ctx_t *ctx);

/* ---- gc/gc.c ---- */
void rt_gc_init(void);
/* Allocate an object of `kind` with `size` bytes (header included); the
 * header is filled in. Pointer-free kinds are atomic and their body is left
 * uninitialised; scanned kinds come zeroed. */
void *rt_gc_alloc(vm_ctx_t *ctx, vm_kind_t kind, size_t size);
/* The collector scans [ss_base, ssp) of registered contexts. */
void rt_gc_register_ctx(vm_ctx_t *ctx);

/* ---- builtins/format.c ---- */
/* Shortest text that reads back as `d` with strtod; always shows a float
 * ("1.0", "1e+20", "-0.0", "inf", "nan"). Returns its length. */
size_t rt_fmt_f64(char *buf, size_t cap, double d);
/* Name of the kind of `v` for error messages: "int", "string" ... */
const char *rt_kind_name(vm_val_t v);
/* Append the text of `v` to a growable buffer. */
typedef struct rt_buf {
    char *data;
    size_t len, cap;
} rt_buf_t;
void rt_buf_put(rt_buf_t *b, const char *s, size_t n);
void rt_buf_put_val(rt_buf_t *b, vm_val_t v);
void rt_buf_free(rt_buf_t *b);

/* ---- builtins/string.c ---- */
/* A new string from `len` bytes; invalid UTF-8 raises badarg. */
vm_val_t rt_str_new(vm_ctx_t *ctx, const char *bytes, size_t len);
static inline const vm_string_t *rt_as_str(vm_val_t v)
{
    return (const vm_string_t *)v;
}
static inline int rt_is_kind(vm_val_t v, vm_kind_t k)
{
    return val_is_ptr(v) && ((const vm_obj_header_t *)v)->kind == k;
}
int rt_utf8_valid(const char *s, size_t len);

/* ---- core/main.c ---- */
extern int rt_argc;
extern char **rt_argv;

#endif
