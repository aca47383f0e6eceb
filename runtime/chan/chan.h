/*
 * runtime/chan/chan.h — the channel object (docs/channels.md), shared by
 * runtime/chan/chan.c and the functions every kind has (printing, order,
 * hash in runtime/builtins/).
 *
 * A channel is a collected object of kind VM_KIND_CHAN (scanned) holding a
 * spin lock, a ring of items (scanned memory) and two queues of waiting
 * processes, kept as pids (immediates, so those rings are atomic memory):
 * nothing in it points at a process record. Processes share a channel:
 * rt_copy passes it as it is.
 */
#ifndef VM_RT_CHAN_H
#define VM_RT_CHAN_H

#include <stdatomic.h>

#include "../rt.h"

/* A FIFO of waiting processes: pids[head .. head + len) modulo cap. */
typedef struct rt_waitq {
    vm_val_t *pids;
    uint32_t head, len, cap;
} rt_waitq_t;

/* hdr.aux flags. */
#define RT_CHAN_TOKEN 1u /* a cancellation token: capacity 1, never holds an item */

typedef struct rt_chan {
    vm_obj_header_t hdr;   /* kind VM_KIND_CHAN, aux RT_CHAN_* */
    _Atomic uint32_t lock; /* guards everything below */
    uint32_t closed;
    uint64_t serial; /* #Chan<serial>; the order and the hash */
    uint64_t cap;    /* most items it holds; 0: unbounded */
    vm_val_t *buf;   /* items: buf[head .. head + len) modulo bufcap (bufcap <= cap if bounded) */
    uint64_t bufcap, head, len;
    rt_waitq_t recvq; /* receivers (recv, select) waiting for an item or the close */
    rt_waitq_t sendq; /* senders waiting for room */
} rt_chan_t;

static inline uint64_t rt_chan_serial(vm_val_t v)
{
    return ((const rt_chan_t *)v)->serial;
}

#endif
