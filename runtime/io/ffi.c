/*
 * runtime/io/ffi.c — the runtime side of the foreign-function interface
 * (docs/ffi.md): checks of string arguments, the context of a callback,
 * blocking C calls, and copies of C memory into values.
 */
#include <string.h>

#include "io/io.h"

int64_t vm_ffi_arg(vm_ctx_t *ctx, vm_val_t v, int64_t kind, int64_t argno, int64_t name)
{
    const char *fn = (const char *)(uintptr_t)name, *what = kind ? "cstr" : "buf";
    if (v == VM_NIL)
        return 1;
    if (!rt_is_kind(v, VM_KIND_STRING) && !rt_is_kind(v, VM_KIND_BYTES)) {
        rt_raise(ctx, "type",
                 "ccall %s: argument %lld (%s): expected a string, bytes or nil, got %s", fn,
                 (long long)argno, what, rt_kind_name(v));
        return 0;
    }
    const vm_string_t *s = rt_as_str(v);
    const char *nul = kind ? memchr(s->bytes, 0, s->len) : NULL;
    if (nul) {
        rt_raise(ctx, "badarg", "ccall %s: argument %lld (cstr) has a NUL byte at %lld", fn,
                 (long long)argno, (long long)(nul - s->bytes));
        return 0;
    }
    return 1;
}

int64_t vm_ffi_enter(vm_ctx_t *ctx, int64_t name)
{
    (void)ctx;
    /* The process running on this worker is the one whose C call called
     * back; it cannot have moved, since a process stays on its worker. */
    rt_worker_t *w = rt_cur_worker;
    if (!w || !w->cur)
        rt_fatal(NULL, "ffi",
                 "callback %s called outside a process (from a blocking C call or a thread the C "
                 "code started)",
                 (const char *)(uintptr_t)name);
    return (int64_t)(uintptr_t)&w->cur->ctx;
}

int64_t vm_ffi_job(vm_ctx_t *ctx, int64_t nwords)
{
    void *rec = rt_io_record(ctx, (size_t)nwords * sizeof(int64_t));
    return (int64_t)(uintptr_t)rec;
}

void vm_ffi_blocking(vm_ctx_t *ctx, int64_t job, int64_t rec)
{
    rt_io_blocking(ctx, (void (*)(void *))(uintptr_t)job, (void *)(uintptr_t)rec);
}

vm_val_t vm_str_from_cstr(vm_ctx_t *ctx, int64_t ptr)
{
    const char *s = (const char *)(uintptr_t)ptr;
    if (!s)
        return VM_NIL;
    size_t n = strlen(s);
    if (!rt_utf8_valid(s, n))
        return rt_raise(ctx, "badarg", "str.from_cstr: the bytes are not valid UTF-8");
    return rt_str_new(ctx, s, n);
}

vm_val_t vm_bytes_from_ptr(vm_ctx_t *ctx, int64_t ptr, int64_t n)
{
    if (n < 0 || (!ptr && n > 0))
        return rt_raise(ctx, "badarg", "bytes.from_ptr: %lld bytes at 0x%llx", (long long)n,
                        (unsigned long long)ptr);
    return rt_bytes_new(ctx, (const char *)(uintptr_t)ptr, (size_t)n);
}
