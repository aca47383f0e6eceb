/*
 * runtime/chan/chan.h — the channel object (docs/channels.md). Printing,
 * order and hash (runtime/builtins/) need only its serial, which is in the
 * object header (rt_obj_serial, core/obj.h).
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

#include "core/core.h"

/* A FIFO of values: items[head .. head + len) modulo cap. A channel's
 * items and its two queues of waiting processes (pids) are such rings. */
typedef struct rt_chan_ring {
    vm_val_t *items;
    uint64_t head, len, cap;
} rt_chan_ring_t;

/* hdr.flags: a cancellation token (capacity 1, never holds an item). The
 * header's reserved and aux fields hold the serial (core/obj.h). */
#define RT_CHAN_TOKEN 0x02u

typedef struct rt_chan {
    vm_obj_header_t hdr;   /* kind VM_KIND_CHAN, flags RT_CHAN_*, the serial */
    _Atomic uint32_t lock; /* guards everything below */
    uint32_t closed;
    uint64_t cap;         /* most items it holds; 0: unbounded */
    rt_chan_ring_t buf;   /* items, scanned memory (buf.cap <= cap if bounded) */
    rt_chan_ring_t recvq; /* pids of receivers (recv, select) waiting for an item or the close */
    rt_chan_ring_t sendq; /* pids of senders waiting for room */
} rt_chan_t;

#endif
