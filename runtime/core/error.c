/* Runtime errors: raising (catchable, through ctx->exc), stack traces,
 * fatal errors. The report of an uncaught error is runtime/proc/report.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define GC_THREADS
#include <gc/gc.h>

#include "abi/builtins.h"
#include "core/atom.h"
#include "core/error.h"
#include "gc/heap.h"

static const char *const trap_reason[] = {
#define X(id, reason, msg) [VM_TRAP_##id] = reason,
#include "abi/traps.def"
#undef X
};
static const char *const trap_message[] = {
#define X(id, reason, msg) [VM_TRAP_##id] = msg,
#include "abi/traps.def"
#undef X
};

/* A trace keeps the innermost RT_TRACE_INNER and the outermost
 * RT_TRACE_OUTER frames of a deeper stack. */
enum { RT_TRACE_INNER = 20, RT_TRACE_OUTER = 10 };

static size_t count_frames(const vm_ctx_t *ctx)
{
    size_t n = 0;
    for (vm_val_t *f = ctx->ss_base; f && f < ctx->ssp; n++) {
        const vm_func_desc_t *d = (const vm_func_desc_t *)f[VM_FRAME_DESC_SLOT];
        f += VM_FRAME_HEADER_SLOTS + d->nslots;
    }
    return n;
}

static size_t frames_kept(size_t depth)
{
    return depth > RT_TRACE_INNER + RT_TRACE_OUTER ? RT_TRACE_INNER + RT_TRACE_OUTER : depth;
}

/* Fill out[0 .. frames_kept(depth)) with the frames of ctx, innermost
 * first; the middle of a deep stack is left out. */
static void fill_frames(const vm_ctx_t *ctx, struct rt_frame_rec *out, size_t depth)
{
    size_t keep = frames_kept(depth), i = 0;
    for (vm_val_t *f = ctx->ss_base; f && f < ctx->ssp; i++) {
        const vm_func_desc_t *d = (const vm_func_desc_t *)f[VM_FRAME_DESC_SLOT];
        size_t from_top = depth - 1 - i;
        size_t slot = from_top < RT_TRACE_INNER || keep == depth ? from_top
                      : i < RT_TRACE_OUTER                       ? keep - 1 - i
                                                                 : SIZE_MAX;
        if (slot != SIZE_MAX)
            out[slot] = (struct rt_frame_rec){d, (int64_t)f[VM_FRAME_LINE_SLOT]};
        f += VM_FRAME_HEADER_SLOTS + d->nslots;
    }
}

static rt_error_hooks_t hooks;
/* The error raised when the heap has no room left even for a new error
 * (made at start-up, never collected, shared: errors are immutable). */
static vm_exc_t *oom_error;

void rt_error_set_hooks(const rt_error_hooks_t *h)
{
    hooks = *h;
}

void rt_error_init(void)
{
    static const char msg[] = "out of memory (no room left for the details)";
    vm_string_t *m = GC_MALLOC_ATOMIC_UNCOLLECTABLE(sizeof *m + sizeof msg);
    oom_error = GC_MALLOC_UNCOLLECTABLE(sizeof *oom_error);
    if (!m || !oom_error)
        rt_unreachable("no memory at start-up");
    m->hdr = (vm_obj_header_t){.kind = VM_KIND_STRING};
    m->len = sizeof msg - 1;
    memcpy(m->bytes, msg, sizeof msg);
    *oom_error = (vm_exc_t){
        .hdr = {.kind = VM_KIND_EXC}, .reason = rt_atom("out_of_memory"), .message = (vm_val_t)m};
}

/* The trace is best effort: without memory for it, the error has none. */
static void record_trace(vm_ctx_t *ctx, vm_exc_t *e)
{
    size_t depth = count_frames(ctx), keep = frames_kept(depth);
    e->depth = depth;
    e->nframes = 0;
    if (keep == 0)
        return;
    e->frames = rt_gc_alloc_raw(keep * sizeof *e->frames, 1);
    if (!e->frames)
        return;
    fill_frames(ctx, e->frames, depth);
    e->nframes = keep;
}

/* A new error in ctx->exc; 0 if there is no memory for it. Allocates from
 * the collector directly: failing here raises nothing. */
static vm_exc_t *new_error(vm_ctx_t *ctx, vm_val_t reason, vm_val_t message)
{
    vm_exc_t *e = rt_gc_alloc_obj(VM_KIND_EXC, sizeof *e);
    if (!e)
        return NULL;
    e->reason = reason;
    e->message = message;
    record_trace(ctx, e);
    ctx->exc = (vm_val_t)e;
    return e;
}

vm_val_t rt_raise_val(vm_ctx_t *ctx, vm_val_t reason, vm_val_t message)
{
    if (!new_error(ctx, reason, message))
        rt_raise_oom(ctx, sizeof(vm_exc_t));
    return 0;
}

vm_val_t rt_raise_oom(vm_ctx_t *ctx, size_t size)
{
    char text[64];
    int n = snprintf(text, sizeof text, "cannot allocate %zu bytes", size);
    vm_string_t *m = rt_gc_alloc_obj(VM_KIND_STRING, sizeof *m + (size_t)n + 1);
    if (m) {
        m->len = (uint64_t)n;
        memcpy(m->bytes, text, (size_t)n + 1);
    }
    if (!m || !new_error(ctx, rt_atom("out_of_memory"), (vm_val_t)m))
        ctx->exc = (vm_val_t)oom_error;
    return 0;
}

/* Raise `reason` with the message fmt/ap (cut at 511 bytes). */
static vm_val_t raise_v(vm_ctx_t *ctx, vm_val_t reason, const char *fmt, va_list ap)
{
    char msg[512];
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    size_t len = n < 0 ? 0 : (size_t)n >= sizeof msg ? sizeof msg - 1 : (size_t)n;
    /* The message may quote user text cut anywhere: keep it valid UTF-8. */
    while (len > 0 && !rt_utf8_valid(msg, len))
        len--;
    vm_val_t m = rt_str_new(ctx, msg, len);
    if (!m)
        return 0;
    return rt_raise_val(ctx, reason, m);
}

vm_val_t rt_raise(vm_ctx_t *ctx, const char *reason, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    raise_v(ctx, rt_atom(reason), fmt, ap);
    va_end(ap);
    return 0;
}

vm_val_t rt_raise_valf(vm_ctx_t *ctx, vm_val_t reason, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    raise_v(ctx, reason, fmt, ap);
    va_end(ap);
    return 0;
}

vm_val_t rt_raise_type(vm_ctx_t *ctx, const char *who, const char *expected, vm_val_t got)
{
    return rt_raise(ctx, "type", "%s: expected %s, got %s", who, expected, rt_kind_name(got));
}

void *rt_expect(vm_ctx_t *ctx, const char *who, vm_val_t v, vm_kind_t kind)
{
    if (rt_is_kind(v, kind))
        return (void *)v;
    /* the kind's name is an atom (type_of); a message says it in words */
    const char *name = kind == VM_KIND_BYTES ? "byte string" : rt_kind_text(kind);
    rt_raise(ctx, "type", "%s: expected %s %s, got %s", who, strchr("aeiou", name[0]) ? "an" : "a",
             name, rt_kind_name(v));
    return NULL;
}

vm_val_t rt_raise_index(vm_ctx_t *ctx, const char *who, int64_t i, int64_t n)
{
    return rt_raise(ctx, "index", "%s: position %lld is out of range [0, %lld)", who, (long long)i,
                    (long long)n);
}

void vm_trap(vm_ctx_t *ctx, int64_t code, int64_t line)
{
    if (code < 0 || code >= VM_TRAP_COUNT)
        rt_unreachable("bad trap code");
    rt_raise(ctx, trap_reason[code], "%s", trap_message[code]);
    /* Trap blocks are shared by a function's instructions: the line comes
     * as an argument, not in the frame. */
    vm_exc_t *e = (vm_exc_t *)ctx->exc;
    if (e && e->nframes > 0 && line > 0)
        e->frames[0].line = line;
}

void vm_raise(vm_ctx_t *ctx, vm_val_t v)
{
    if (rt_is_kind(v, VM_KIND_EXC)) { /* re-raise: keep the original trace */
        ctx->exc = v;
        return;
    }
    rt_raise_val(ctx, v, VM_NIL);
}

void vm_error(vm_ctx_t *ctx, vm_val_t reason, vm_val_t message)
{
    if (!val_is_nil(message) && !rt_is_kind(message, VM_KIND_STRING)) {
        rt_raise_type(ctx, "error", "a string or nil message", message);
        return;
    }
    rt_raise_val(ctx, reason, message);
}

vm_val_t vm_exc_reason(vm_ctx_t *ctx, vm_val_t e)
{
    vm_exc_t *x = (vm_exc_t *)rt_expect(ctx, "error.reason", e, VM_KIND_EXC);
    return x ? x->reason : 0;
}

vm_val_t vm_exc_message(vm_ctx_t *ctx, vm_val_t e)
{
    vm_exc_t *x = (vm_exc_t *)rt_expect(ctx, "error.message", e, VM_KIND_EXC);
    return x ? x->message : 0;
}

static void put_frame(rt_buf_t *b, const struct rt_frame_rec *r)
{
    char line[64];
    rt_buf_put(b, "  at ", 5);
    rt_buf_put(b, r->desc->name, strlen(r->desc->name));
    if (r->desc->file[0] && r->line > 0) {
        rt_buf_put(b, " (", 2);
        rt_buf_put(b, r->desc->file, strlen(r->desc->file));
        int n = snprintf(line, sizeof line, ":%lld)", (long long)r->line);
        rt_buf_put(b, line, (size_t)n);
    }
    rt_buf_put(b, "\n", 1);
}

void rt_exc_put_trace(rt_buf_t *b, const vm_exc_t *e)
{
    size_t inner = e->nframes == e->depth ? e->nframes : RT_TRACE_INNER;
    for (size_t i = 0; i < e->nframes; i++) {
        if (i == inner) {
            char skip[64];
            int n = snprintf(skip, sizeof skip, "  ... %llu more frames ...\n",
                             (unsigned long long)(e->depth - e->nframes));
            rt_buf_put(b, skip, (size_t)n);
        }
        put_frame(b, &e->frames[i]);
    }
}

vm_val_t vm_exc_trace(vm_ctx_t *ctx, vm_val_t e)
{
    vm_exc_t *x = (vm_exc_t *)rt_expect(ctx, "error.trace", e, VM_KIND_EXC);
    if (!x)
        return 0;
    rt_buf_t b = {0};
    rt_exc_put_trace(&b, x);
    vm_val_t s = rt_str_new(ctx, b.data ? b.data : "", b.len);
    rt_buf_free(&b);
    return s;
}

static void print_live_trace(vm_ctx_t *ctx)
{
    /* A fatal error may come with no memory left: trace on the C heap. */
    vm_exc_t e = {.hdr = {.kind = VM_KIND_EXC}};
    e.depth = count_frames(ctx);
    e.nframes = frames_kept(e.depth);
    e.frames = e.nframes ? malloc(e.nframes * sizeof *e.frames) : NULL;
    if (e.nframes && !e.frames)
        return;
    fill_frames(ctx, e.frames, e.depth);
    rt_buf_t b = {0};
    rt_exc_put_trace(&b, &e);
    if (b.len)
        fwrite(b.data, 1, b.len, stderr);
    rt_buf_free(&b);
    free(e.frames);
}

void rt_fatal(vm_ctx_t *ctx, const char *reason, const char *fmt, ...)
{
    fflush(stdout);
    char who[64] = "";
    if (rt_ctx_is_process(ctx) && hooks.describe)
        hooks.describe(ctx, who, sizeof who);
    fprintf(stderr, "error%s: %s: ", who, reason);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    if (ctx)
        print_live_trace(ctx);
    fflush(stderr);
    if (rt_ctx_is_process(ctx) && hooks.end)
        hooks.end(ctx, rt_atom(reason)); /* ends the process alone */
    _exit(1);
}

void vm_fatal(vm_ctx_t *ctx, int64_t code)
{
    if (code < 0 || code >= VM_TRAP_COUNT)
        rt_unreachable("bad trap code");
    rt_fatal(ctx, trap_reason[code], "%s", trap_message[code]);
}

void vm_assert_fail(vm_ctx_t *ctx, vm_val_t message)
{
    const vm_string_t *m = rt_as_str(message);
    rt_fatal(ctx, "assertion_failed", "%.*s", (int)m->len, m->bytes);
}
