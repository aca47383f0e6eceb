/*
 * runtime/core/alloc.h — allocating values from runtime code: the
 * collector's allocation (gc/gc.h) with out_of_memory raised in the
 * context when it fails. Callers check for NULL and return 0.
 */
#ifndef VM_RT_ALLOC_H
#define VM_RT_ALLOC_H

#include "core/obj.h"
#include "gc/heap.h"

/* An object of `kind` with `size` bytes (header included), the header
 * filled in; scanned kinds come zeroed, atomic ones with their body left
 * to the caller. NULL with out_of_memory raised when it cannot. */
void *rt_alloc(vm_ctx_t *ctx, vm_kind_t kind, size_t size);
/* Raw memory (array storage, buffers): scanned (zeroed) unless `atomic`.
 * NULL with out_of_memory raised, as rt_alloc. */
void *rt_alloc_raw(vm_ctx_t *ctx, size_t size, int atomic);

#endif
