/*
 * runtime/gc/heap.h — the collector (Boehm GC, docs/gc.md): allocation by
 * object kind, roots the collector cannot find by itself, stress mode.
 *
 * This layer only allocates: it returns NULL when the heap is full and
 * leaves raising out_of_memory to core/alloc.h. Layers above register the
 * roots they own (shadow stacks, the process table) with rt_gc_add_roots
 * instead of the collector knowing about them.
 */
#ifndef VM_RT_HEAP_H
#define VM_RT_HEAP_H

#include <stddef.h>

#include "abi/value.h"
#include "platform/platform.h"

typedef struct rt_gc_settings {
    int stress;          /* collect at every allocation */
    size_t initial_heap; /* bytes; 0: the runtime's default (16 MiB) */
    size_t max_heap;     /* bytes; 0: no limit */
} rt_gc_settings_t;

/* Start the collector (once, on the main thread, before anything allocates). */
void rt_gc_init(const rt_gc_settings_t *settings);

/* The largest single allocation the runtime asks for. */
#define RT_MAX_ALLOC ((size_t)1 << 40)

/* GC_MALLOC (atomic: GC_MALLOC_ATOMIC), trying again after a full
 * collection when the heap is full; NULL if that fails too. Not subject to
 * stress mode: for the runtime's own records. */
void *rt_gc_malloc(size_t size, int atomic);
/* Memory for values: scanned (zeroed) unless `atomic`; collects first in
 * stress mode; NULL above RT_MAX_ALLOC or when the heap is full. */
void *rt_gc_alloc_raw(size_t size, int atomic);
/* An object of `kind` with `size` bytes (header included), the header
 * filled in. Pointer-free kinds are atomic and their body is left
 * uninitialised; scanned kinds come zeroed. NULL as rt_gc_alloc_raw. */
void *rt_gc_alloc_obj(vm_kind_t kind, size_t size);

/* Run fn(obj) once `obj` (a collected object) is unreachable, on the
 * runtime's finalizer thread (started on first use): finalizers never run
 * inside an allocation, where the allocating thread may hold a lock of
 * its own. Objects reachable from obj stay alive until fn has run. */
typedef void (*rt_gc_finalizer_fn)(void *obj);
void rt_gc_finalize(void *obj, rt_gc_finalizer_fn fn);
/* Collect, then run on this thread the finalizers that are due (a caller
 * short of file descriptors reclaims those of unreachable files). */
void rt_gc_collect_and_finalize(void);

/* A function that pushes roots (GC_push_all_eager) at every collection.
 * Registered before the first thread but the main one starts. */
typedef void (*rt_gc_roots_fn)(void);
void rt_gc_add_roots(rt_gc_roots_fn push);

#endif
