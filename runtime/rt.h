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
/* Room left below a native stack limit for the runtime's own C frames
 * (printf, the collector) called from the deepest compiled frame. */
#define RT_STACK_MARGIN (256 * 1024)
/* Set up `ctx` outside the scheduler (unit tests): a shadow stack of
 * `ss_slots` words and the native stack limit of the calling thread. */
void rt_ctx_init_thread(vm_ctx_t *ctx, size_t ss_slots);
/* A shadow stack of `ss_slots` words (plus VM_SS_MARGIN), reserved and
 * committed as it is used; system_limit ends the program if it cannot. */
vm_val_t *rt_map_shadow_stack(size_t ss_slots);
/* The lowest native stack pointer compiled code may reach on the calling
 * thread: its stack's low end plus RT_STACK_MARGIN. */
uintptr_t rt_thread_stack_limit(void);

/* ---- core/error.c ----
 * Raising: a builtin that fails calls rt_raise (or a helper below), which
 * stores a new error in ctx->exc, and returns 0 at once (0 for VAL, and
 * any value for I64/F64/VOID builtins: the caller checks ctx->exc). The
 * error records the bytecode stack trace at the raise. */
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
/* Raise error `reason` (an atom name) with a printf-style message; returns 0. */
vm_val_t rt_raise(vm_ctx_t *ctx, const char *reason, const char *fmt, ...) RT_PRINTF(3, 4);
/* Raise with a reason value and a message value (string or nil); returns 0. */
vm_val_t rt_raise_val(vm_ctx_t *ctx, vm_val_t reason, vm_val_t message);
/* Raise with a reason value and a printf-style message; returns 0. */
vm_val_t rt_raise_valf(vm_ctx_t *ctx, vm_val_t reason, const char *fmt, ...) RT_PRINTF(3, 4);
/* "WHO: expected a EXPECTED, got KIND" with reason `type`; returns 0. */
vm_val_t rt_raise_type(vm_ctx_t *ctx, const char *who, const char *expected, vm_val_t got);
/* The object in `v` if it is of `kind`; else NULL after raising type
 * ("WHO: expected an array, got int"). The check every builtin starts with. */
void *rt_expect(vm_ctx_t *ctx, const char *who, vm_val_t v, vm_kind_t kind);
/* "WHO: position I is out of range [0, N)" with reason `index`; returns 0. */
vm_val_t rt_raise_index(vm_ctx_t *ctx, const char *who, int64_t i, int64_t n);
/* Uncatchable: report `reason` and end the process (the program when
 * ctx is NULL or not a process). */
RT_NORETURN void rt_fatal(vm_ctx_t *ctx, const char *reason, const char *fmt, ...) RT_PRINTF(3, 4);
/* Print the report of an uncaught error (ctx->exc) to stderr. */
void rt_report_uncaught(vm_ctx_t *ctx);
/* Our own bug: report file and line, abort. */
RT_NORETURN void rt_unreachable_at(const char *file, int line, const char *what);
#define rt_unreachable(what) rt_unreachable_at(__FILE__, __LINE__, what)

/* ---- proc/proc.c ---- */
/* A process's context points at itself through runtime_private; other
 * contexts (unit tests) hold NULL there. */
static inline int rt_ctx_is_process(const vm_ctx_t *ctx)
{
    return ctx && ctx->runtime_private == ctx;
}
/* A pid's payload is serial << RT_PID_SLOT_BITS | process-table slot. */
#define RT_PID_SLOT_BITS 26
/* " in process <0.N.S>" when ctx is a process other than main, else "". */
void rt_proc_describe(vm_ctx_t *ctx, char *buf, size_t cap);
/* End process ctx (already reported) with reason; main ends the program
 * with status 1. */
RT_NORETURN void rt_proc_fatal(vm_ctx_t *ctx, vm_val_t reason);

/* Flush and end the program with `status` (stats first if asked for). */
RT_NORETURN void rt_program_exit(int status);
/* 0, or the signal (SIGTERM, SIGINT) that started an ordered shutdown. */
extern _Atomic int rt_shutdown_signal;
/* The pid of the current main process (0 before it starts). */
vm_val_t rt_main_pid(void);

/* ---- core/atom.c ---- */
/* The atom named `name` (interned; never collected). NULL-free: aborts only
 * if the process cannot allocate a few bytes of uncollectable memory. */
vm_val_t rt_atom(const char *name);
vm_val_t rt_atom_n(const char *name, size_t len);

/* ---- core/call.c ---- */
/* A new tuple of items[0..n); 0 if out of memory (raised). */
vm_val_t rt_tuple(vm_ctx_t *ctx, int n, const vm_val_t *items);
/* Call function value `fn` with `nargs` arguments from C. Returns the
 * result, or 0 with ctx->exc set (not a function: type; wrong count:
 * arity; or whatever the callee raised). */
vm_val_t rt_call_fn(vm_ctx_t *ctx, vm_val_t fn, uint32_t nargs, const vm_val_t *args);

/* ---- gc/gc.c ---- */
void rt_gc_init(void);
/* Allocate an object of `kind` with `size` bytes (header included); the
 * header is filled in. Pointer-free kinds are atomic and their body is left
 * uninitialised; scanned kinds come zeroed. A request above RT_MAX_ALLOC or
 * one the collector cannot satisfy raises out_of_memory and returns NULL:
 * callers check and return 0. */
#define RT_MAX_ALLOC ((size_t)1 << 40)
void *rt_gc_alloc(vm_ctx_t *ctx, vm_kind_t kind, size_t size);
/* Raw memory (array storage, buffers): scanned (zeroed) unless `atomic`.
 * NULL with out_of_memory raised, as rt_gc_alloc. */
void *rt_gc_alloc_raw(vm_ctx_t *ctx, size_t size, int atomic);
/* GC_MALLOC (atomic: GC_MALLOC_ATOMIC), trying again after a full
 * collection when the heap is full; NULL if that fails too (nothing is
 * raised). */
void *rt_gc_malloc(size_t size, int atomic);
/* The collector scans [ss_base, ssp) of registered contexts. */
void rt_gc_register_ctx(vm_ctx_t *ctx);

/* ---- builtins/format.c ---- */
/* Shortest text that reads back as `d` with strtod; always shows a float
 * ("1.0", "1e+20", "-0.0", "inf", "nan"). Returns its length. */
size_t rt_fmt_f64(char *buf, size_t cap, double d);
/* Name of the kind of `v` for error messages: "int", "string" ... */
const char *rt_kind_name(vm_val_t v);
/* Name of an object kind: "string", "array" ... */
const char *rt_kind_text(vm_kind_t k);
/* Append the text of `v` to a growable buffer. */
typedef struct rt_buf {
    char *data;
    size_t len, cap;
} rt_buf_t;
void rt_buf_put(rt_buf_t *b, const char *s, size_t n);
void rt_buf_put_val(rt_buf_t *b, vm_val_t v);
/* The text of `v` in buf, cut to fit; returns buf. */
const char *rt_val_text(vm_val_t v, char *buf, size_t cap);
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
/* A string of `len` bytes for the caller to fill with valid UTF-8; NULL if
 * out of memory (raised). */
vm_string_t *rt_str_alloc(vm_ctx_t *ctx, size_t len);
/* Bytes [from, to) of string `v` (on code point boundaries); `v` itself
 * when that is all of it. 0 if out of memory (raised). */
vm_val_t rt_str_sub(vm_ctx_t *ctx, vm_val_t v, size_t from, size_t to);
/* `v` as a string, or NULL after raising type ("WHAT: expected a string"). */
static inline const vm_string_t *rt_expect_str(vm_ctx_t *ctx, vm_val_t v, const char *what)
{
    return (const vm_string_t *)rt_expect(ctx, what, v, VM_KIND_STRING);
}
static inline int rt_is_atom(vm_val_t v)
{
    return rt_is_kind(v, VM_KIND_ATOM);
}

/* ---- builtins/value.c: the one equality, order and hash ---- */
int rt_equal(vm_val_t a, vm_val_t b);   /* the `eq` instruction */
int rt_compare(vm_val_t a, vm_val_t b); /* -1, 0, 1; 2 if unordered (nan) */
uint64_t rt_hash(vm_val_t v);           /* consistent with rt_equal */

/* ---- builtins/array.c ---- */
/* A new empty array with room for `cap` items; 0 if out of memory (raised). */
vm_val_t rt_array_new(vm_ctx_t *ctx, uint64_t cap);
/* Append; 0 if out of memory (raised), else 1. */
int rt_array_push(vm_ctx_t *ctx, vm_val_t arr, vm_val_t v);
static inline vm_array_t *rt_as_array(vm_val_t v)
{
    return (vm_array_t *)v;
}

/* ---- core/main.c ---- */
extern int rt_argc;
extern char **rt_argv;

#endif
