/* Boehm GC glue: allocation by kind, shadow-stack roots, stress mode,
 * heap statistics. */
#include <stdlib.h>
#include <string.h>

#define GC_THREADS
#include <gc/gc.h>
#include <gc/gc_mark.h>

#include "../core/config.h"
#include "../sched/sched.h"

/* Contexts outside the scheduler whose shadow stacks are roots (the unit
 * tests'); processes' roots come from rt_proc_push_roots. */
#define RT_MAX_ROOT_CTX 1
static vm_ctx_t *root_ctx[RT_MAX_ROOT_CTX];
static int n_root_ctx;
static int gc_stress;
#define RT_GC_MIN_HEAP ((size_t)16 << 20)
static GC_push_other_roots_proc prev_push_other_roots;
/* The error raised when the heap has no room left even for a new error
 * (made at start-up, never collected, shared: errors are immutable). */
static vm_exc_t *oom_error;

/* Each context's shadow stack [ss_base, ssp) and the values it holds
 * outside it (the pending error, the function being called). */
static void GC_CALLBACK push_shadow_stacks(void)
{
    for (int i = 0; i < n_root_ctx; i++) {
        vm_ctx_t *c = root_ctx[i];
        if (c->ssp > c->ss_base)
            GC_push_all_eager(c->ss_base, c->ssp);
        GC_push_all_eager(&c->exc, &c->self + 1);
    }
    rt_proc_push_roots();
    if (prev_push_other_roots)
        prev_push_other_roots();
}

/* Out of memory: the allocator returns NULL and the caller raises. */
static void *GC_CALLBACK oom_null(size_t bytes)
{
    (void)bytes;
    return NULL;
}

void rt_gc_init(void)
{
    gc_stress = (int)rt_cfg.gc_stress;
    /* Stress mode collects at every allocation: one marker thread, no
     * hand-offs to wake per collection. */
    if (gc_stress)
        GC_set_markers_count(1);
    GC_INIT();
    /* Start from a 16 MiB heap (unless GC_INITIAL_HEAP_SIZE says
     * otherwise): a smaller one collects every few hundred kilobytes,
     * and each collection stops every worker thread. Untouched heap pages
     * cost no memory. */
    size_t want = rt_cfg.gc_initial_heap ? (size_t)rt_cfg.gc_initial_heap : RT_GC_MIN_HEAP;
    /* A maximum heap: past it, allocations raise out_of_memory. */
    if (rt_cfg.gc_max_heap) {
        GC_set_max_heap_size((GC_word)rt_cfg.gc_max_heap);
        if (want > (size_t)rt_cfg.gc_max_heap)
            want = (size_t)rt_cfg.gc_max_heap;
    }
    if ((rt_cfg.gc_initial_heap || (!gc_stress && !getenv("GC_INITIAL_HEAP_SIZE"))) &&
        GC_get_heap_size() < want)
        GC_expand_hp(want - GC_get_heap_size());
    prev_push_other_roots = GC_get_push_other_roots();
    GC_set_push_other_roots(push_shadow_stacks);
    GC_set_oom_fn(oom_null);
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

void rt_gc_register_ctx(vm_ctx_t *ctx)
{
    if (n_root_ctx == RT_MAX_ROOT_CTX)
        rt_unreachable("too many root contexts");
    root_ctx[n_root_ctx++] = ctx;
}

/* Raise out_of_memory. Making the error allocates too: when that fails
 * (the heap is full), the nested failure raises nothing and the shared
 * error made at start-up is raised instead, without a trace. */
static void *out_of_memory(vm_ctx_t *ctx, size_t size)
{
    static _Thread_local int nested;
    if (nested)
        return NULL;
    nested = 1;
    ctx->exc = 0;
    rt_raise(ctx, "out_of_memory", "cannot allocate %zu bytes", size);
    if (!ctx->exc)
        ctx->exc = (vm_val_t)oom_error;
    nested = 0;
    return NULL;
}

void *rt_gc_malloc(size_t size, int atomic)
{
    void *p = atomic ? GC_MALLOC_ATOMIC(size) : GC_MALLOC(size);
    if (p)
        return p;
    /* Past the maximum heap, Boehm may give up without a collection of
     * its own when it collected recently, however much has become garbage
     * since (a process that held most of the heap has just ended, and its
     * supervisor starts it again): collect and try once more. */
    GC_gcollect();
    return atomic ? GC_MALLOC_ATOMIC(size) : GC_MALLOC(size);
}

void *rt_gc_alloc_raw(vm_ctx_t *ctx, size_t size, int atomic)
{
    if (size > RT_MAX_ALLOC)
        return out_of_memory(ctx, size);
    if (gc_stress)
        GC_gcollect();
    void *p = rt_gc_malloc(size, atomic);
    if (!p)
        return out_of_memory(ctx, size);
    return p;
}

void *rt_gc_alloc(vm_ctx_t *ctx, vm_kind_t kind, size_t size)
{
    void *p = rt_gc_alloc_raw(ctx, size, kind < VM_KIND_FIRST_SCANNED);
    if (!p)
        return NULL;
    /* Scanned memory comes zeroed; atomic memory does not, and its owner
     * fills the body: clear the header only. */
    vm_obj_header_t *h = p;
    *h = (vm_obj_header_t){.kind = (uint8_t)kind};
    return p;
}

void vm_gc_collect(vm_ctx_t *ctx)
{
    (void)ctx;
    GC_gcollect();
}

int64_t vm_gc_heap_size(vm_ctx_t *ctx)
{
    (void)ctx;
    return (int64_t)GC_get_heap_size();
}

int64_t vm_gc_count(vm_ctx_t *ctx)
{
    (void)ctx;
    return (int64_t)GC_get_gc_no();
}

int64_t vm_gc_heap_used(vm_ctx_t *ctx)
{
    (void)ctx;
    /* The heap less its free blocks (a collection frees the blocks left
     * empty). Not GC_get_memory_use: libgc 8.2 counts each block's bytes
     * as words there, eight times too much. */
    GC_word heap = 0, free_bytes = 0;
    GC_get_heap_usage_safe(&heap, &free_bytes, NULL, NULL, NULL);
    return (int64_t)(heap - free_bytes);
}
