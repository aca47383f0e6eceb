/* Runtime errors and stack traces. */
#include <stdio.h>
#include <stdlib.h>

#include "../rt.h"

static const char *const trap_reason[] = {
#define X(id, reason, msg) [VM_TRAP_##id] = reason,
#include "../../abi/traps.def"
#undef X
};
static const char *const trap_message[] = {
#define X(id, reason, msg) [VM_TRAP_##id] = msg,
#include "../../abi/traps.def"
#undef X
};

/* Calls `fn` for each frame, outermost first; returns the number of frames. */
static size_t walk_frames(vm_ctx_t *ctx, void (*fn)(vm_val_t *frame, void *arg), void *arg)
{
    size_t n = 0;
    vm_val_t *f = ctx->ss_base;
    while (f && f < ctx->ssp) {
        const vm_func_desc_t *d = (const vm_func_desc_t *)f[VM_FRAME_DESC_SLOT];
        if (fn)
            fn(f, arg);
        n++;
        f += VM_FRAME_HEADER_SLOTS + d->nvals;
    }
    return n;
}

static void find_top(vm_val_t *frame, void *arg)
{
    *(vm_val_t **)arg = frame;
}

typedef struct {
    vm_val_t **frames;
    size_t n;
} frame_list_t;

static void collect(vm_val_t *frame, void *arg)
{
    frame_list_t *l = arg;
    l->frames[l->n++] = frame;
}

void rt_print_trace(vm_ctx_t *ctx)
{
    size_t n = walk_frames(ctx, NULL, NULL);
    if (n == 0)
        return;
    frame_list_t l = {malloc(n * sizeof(vm_val_t *)), 0};
    if (!l.frames)
        return;
    walk_frames(ctx, collect, &l);
    /* Innermost first; a deep recursion shows its two ends. */
    enum { INNER = 20, OUTER = 10 };
    for (size_t i = n; i-- > 0;) {
        if (n > INNER + OUTER + 1 && i == n - INNER - 1) {
            fprintf(stderr, "  ... %zu more frames ...\n", n - INNER - OUTER);
            i = OUTER;
            continue;
        }
        const vm_func_desc_t *d = (const vm_func_desc_t *)l.frames[i][VM_FRAME_DESC_SLOT];
        int64_t line = (int64_t)l.frames[i][VM_FRAME_LINE_SLOT];
        if (d->file[0] && line > 0)
            fprintf(stderr, "  at %s (%s:%lld)\n", d->name, d->file, (long long)line);
        else
            fprintf(stderr, "  at %s\n", d->name);
    }
    free(l.frames);
}

void rt_raise(vm_ctx_t *ctx, const char *reason, const char *fmt, ...)
{
    fflush(stdout);
    fprintf(stderr, "error: %s: ", reason);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    if (ctx)
        rt_print_trace(ctx);
    fflush(stderr);
    exit(1);
}

void vm_trap(vm_ctx_t *ctx, int64_t code, int64_t line)
{
    if (code < 0 || code >= VM_TRAP_COUNT)
        rt_unreachable("bad trap code");
    vm_val_t *top = NULL;
    walk_frames(ctx, find_top, &top);
    if (top && line > 0) /* 0: raised before the frame was pushed (stack check) */
        top[VM_FRAME_LINE_SLOT] = (vm_val_t)line;
    rt_raise(ctx, trap_reason[code], "%s", trap_message[code]);
}

void rt_unreachable_at(const char *file, int line, const char *what)
{
    fflush(stdout);
    fprintf(stderr, "vmcc runtime: internal error at %s:%d: %s\n", file, line, what);
    abort();
}
