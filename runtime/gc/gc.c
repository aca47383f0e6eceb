/* Boehm GC glue: allocation by kind, roots of the layers above, stress
 * mode, heap statistics. */
#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>
#include <string.h>

#define GC_THREADS
#include <gc/gc.h>
#include <gc/gc_mark.h>

#include "gc/heap.h"

#include "abi/builtins.h"

/* Root pushers of the layers above: contexts outside the scheduler
 * (core/), the process table and the workers' stacks (proc/). */
#define RT_MAX_ROOT_FNS 4
static rt_gc_roots_fn root_fns[RT_MAX_ROOT_FNS];
static int n_root_fns;
static int gc_stress;
#define RT_GC_MIN_HEAP ((size_t)16 << 20)
static GC_push_other_roots_proc prev_push_other_roots;

static void GC_CALLBACK push_roots(void)
{
    for (int i = 0; i < n_root_fns; i++)
        root_fns[i]();
    if (prev_push_other_roots)
        prev_push_other_roots();
}

/* Out of memory: the allocator returns NULL and the caller raises. */
static void *GC_CALLBACK oom_null(size_t bytes)
{
    (void)bytes;
    return NULL;
}

void rt_gc_init(const rt_gc_settings_t *s)
{
    gc_stress = s->stress;
    /* Stress mode collects at every allocation: one marker thread, no
     * hand-offs to wake per collection. */
    if (gc_stress)
        GC_set_markers_count(1);
    /* No collection inside GC_init: it marks from every static root of the
     * program (~80% of a hello world's instructions, ~0.4 ms) to start the
     * black list, which the first real collection builds as well. */
    GC_set_dont_precollect(1);
    GC_INIT();
    /* Start from a 16 MiB heap (unless GC_INITIAL_HEAP_SIZE says
     * otherwise): a smaller one collects every few hundred kilobytes,
     * and each collection stops every worker thread. Untouched heap pages
     * cost no memory. */
    size_t want = s->initial_heap ? s->initial_heap : RT_GC_MIN_HEAP;
    /* A maximum heap: past it, allocations raise out_of_memory. */
    if (s->max_heap) {
        GC_set_max_heap_size((GC_word)s->max_heap);
        if (want > s->max_heap)
            want = s->max_heap;
    }
    if ((s->initial_heap || (!gc_stress && !getenv("GC_INITIAL_HEAP_SIZE"))) &&
        GC_get_heap_size() < want)
        GC_expand_hp(want - GC_get_heap_size());
    prev_push_other_roots = GC_get_push_other_roots();
    GC_set_push_other_roots(push_roots);
    GC_set_oom_fn(oom_null);
    /* Finalizers run on our own thread (rt_gc_finalize), not inside
     * whichever allocation happens to notice them. */
    GC_set_finalize_on_demand(1);
}

/* ---- finalization ---- */

static sem_t finalizer_sem;
static pthread_once_t finalizer_once = PTHREAD_ONCE_INIT;
/* Held while finalizers run, so rt_gc_collect_and_finalize returns only
 * once every finalizer due has run: also those the finalizer thread took
 * off the queue just before (a descriptor it closes is free again). */
static pthread_mutex_t finalizing = PTHREAD_MUTEX_INITIALIZER;

static void invoke_finalizers(void)
{
    pthread_mutex_lock(&finalizing);
    GC_invoke_finalizers();
    pthread_mutex_unlock(&finalizing);
}

static void GC_CALLBACK finalizers_due(void)
{
    sem_post(&finalizer_sem); /* async-signal-safe, takes no lock */
}

static void *finalizer_main(void *unused)
{
    (void)unused;
    for (;;) {
        while (sem_wait(&finalizer_sem) != 0) {
        }
        invoke_finalizers();
    }
    return NULL;
}

static void start_finalizer_thread(void)
{
    if (sem_init(&finalizer_sem, 0, 0) != 0)
        rt_unreachable("sem_init failed");
    GC_set_finalizer_notifier(finalizers_due);
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    /* Started from a thread that blocks the stop signals (a worker), so it
     * inherits their mask. Without it, finalizers still run when a caller
     * asks (rt_gc_collect_and_finalize). */
    if (GC_pthread_create(&t, &attr, finalizer_main, NULL) != 0)
        GC_set_finalizer_notifier(0);
    pthread_attr_destroy(&attr);
}

static void GC_CALLBACK run_finalizer(void *obj, void *data)
{
    ((rt_gc_finalizer_fn)data)(obj);
}

void rt_gc_finalize(void *obj, rt_gc_finalizer_fn fn)
{
    pthread_once(&finalizer_once, start_finalizer_thread);
    GC_register_finalizer_no_order(obj, run_finalizer, (void *)fn, NULL, NULL);
}

void rt_gc_collect_and_finalize(void)
{
    GC_gcollect();
    invoke_finalizers();
}

void rt_gc_add_roots(rt_gc_roots_fn push)
{
    if (n_root_fns == RT_MAX_ROOT_FNS)
        rt_unreachable("too many root functions");
    root_fns[n_root_fns++] = push;
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

void *rt_gc_alloc_raw(size_t size, int atomic)
{
    if (size > RT_MAX_ALLOC)
        return NULL;
    if (gc_stress)
        GC_gcollect();
    return rt_gc_malloc(size, atomic);
}

void *rt_gc_alloc_obj(vm_kind_t kind, size_t size)
{
    void *p = rt_gc_alloc_raw(size, kind < VM_KIND_FIRST_SCANNED);
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
