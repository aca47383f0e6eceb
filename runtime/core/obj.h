/*
 * runtime/core/obj.h — reading values and objects, for every layer of the
 * runtime: kind tests and casts, the pid layout, object serials.
 * (abi/value.h has the tagged word itself.)
 */
#ifndef VM_RT_OBJ_H
#define VM_RT_OBJ_H

#include "abi/context.h"
#include "platform/platform.h"

static inline int rt_is_kind(vm_val_t v, vm_kind_t k)
{
    return val_is_ptr(v) && ((const vm_obj_header_t *)v)->kind == k;
}
static inline int rt_is_atom(vm_val_t v)
{
    return rt_is_kind(v, VM_KIND_ATOM);
}
static inline const vm_string_t *rt_as_str(vm_val_t v)
{
    return (const vm_string_t *)v;
}
static inline vm_array_t *rt_as_array(vm_val_t v)
{
    return (vm_array_t *)v;
}

/* A pid's payload is serial << RT_PID_SLOT_BITS | process-table slot. */
#define RT_PID_SLOT_BITS 26
static inline uint64_t rt_pid_slot(vm_val_t pid)
{
    return val_imm_payload(pid) & ((UINT64_C(1) << RT_PID_SLOT_BITS) - 1);
}
static inline uint64_t rt_pid_serial(vm_val_t pid)
{
    return val_imm_payload(pid) >> RT_PID_SLOT_BITS;
}

/* Objects that are equal only to themselves but print, order and hash by
 * a number given when they are made (channels, #Chan<N>) keep it in their
 * header: 48 bits in `reserved` (high) and `aux` (low). */
#define RT_SERIAL_MAX ((UINT64_C(1) << 48) - 1)
static inline uint64_t rt_obj_serial(vm_val_t v)
{
    const vm_obj_header_t *h = (const vm_obj_header_t *)v;
    return (uint64_t)h->reserved << 32 | h->aux;
}
static inline void rt_obj_set_serial(vm_obj_header_t *h, uint64_t serial)
{
    h->reserved = (uint16_t)(serial >> 32);
    h->aux = (uint32_t)serial;
}

/* Files and sockets (runtime/io/) start with this: what printing them
 * needs (builtins/ knows nothing else of them). The label is a string (a
 * path, an address), the serial is in the header (rt_obj_serial). */
typedef struct rt_res_head {
    vm_obj_header_t hdr;
    vm_val_t label;
} rt_res_head_t;

/* A process's context points at itself through runtime_private; other
 * contexts (unit tests, threads outside the scheduler) hold NULL there. */
static inline int rt_ctx_is_process(const vm_ctx_t *ctx)
{
    return ctx && ctx->runtime_private == ctx;
}

#endif
