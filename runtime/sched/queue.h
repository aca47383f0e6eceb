/*
 * runtime/sched/queue.h — the lock-free queues of the scheduler and the
 * mailboxes, header-only so the unit tests exercise exactly this code.
 *
 *   rt_mpsc_*   intrusive multi-producer single-consumer FIFO (Vyukov's
 *               node-based queue): any thread pushes with one atomic
 *               exchange, the owner pops. Mailboxes and the per-worker
 *               inbox of woken processes.
 *   rt_ring_*   bounded single-producer multi-consumer ring of pointers
 *               (the shape of Go's per-P run queue): the owner pushes and
 *               pops, other threads steal half of it.
 */
#ifndef VM_RT_QUEUE_H
#define VM_RT_QUEUE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* ---- MPSC ---------------------------------------------------------------- */

typedef struct rt_mpsc_node {
    _Atomic(struct rt_mpsc_node *) next;
} rt_mpsc_node_t;

typedef struct rt_mpsc {
    _Atomic(rt_mpsc_node_t *) tail; /* producers */
    rt_mpsc_node_t *head;           /* consumer */
    rt_mpsc_node_t stub;
} rt_mpsc_t;

/* Before the queue is shared: relaxed. */
static inline void rt_mpsc_init(rt_mpsc_t *q)
{
    atomic_store_explicit(&q->stub.next, NULL, memory_order_relaxed);
    q->head = &q->stub;
    atomic_store_explicit(&q->tail, &q->stub, memory_order_relaxed);
}

/* Any thread. One exchange claims the place at the tail; the link from
 * the previous node follows. */
static inline void rt_mpsc_push(rt_mpsc_t *q, rt_mpsc_node_t *n)
{
    /* Relaxed: n is not shared until the release store below. */
    atomic_store_explicit(&n->next, NULL, memory_order_relaxed);
    /* seq_cst, not just acq_rel: a push is the waker's store of the
     * park/wake and sleep/notify hand-shakes (runtime/sched/sched.c), which
     * the consumer's seq_cst load of the tail (rt_mpsc_nonempty) must see
     * once it has parked itself. Acquire: the previous node's link is
     * written after its own push. */
    rt_mpsc_node_t *prev = atomic_exchange_explicit(&q->tail, n, memory_order_seq_cst);
    /* Release: publishes n (and what the caller wrote into its node) to
     * the consumer's acquire load of prev->next. */
    atomic_store_explicit(&prev->next, n, memory_order_release);
}

/* Consumer only: the oldest node, or NULL when empty or when the newest
 * push is between its two steps (it is then seen by the next pop). The
 * acquire loads of links and of the tail pair with the pushes' release
 * stores and exchanges, so a popped node's contents are visible. */
static inline rt_mpsc_node_t *rt_mpsc_pop(rt_mpsc_t *q)
{
    rt_mpsc_node_t *head = q->head;
    rt_mpsc_node_t *next = atomic_load_explicit(&head->next, memory_order_acquire);
    if (head == &q->stub) {
        if (!next)
            return NULL;
        q->head = next;
        head = next;
        next = atomic_load_explicit(&next->next, memory_order_acquire);
    }
    if (next) {
        q->head = next;
        return head;
    }
    if (head != atomic_load_explicit(&q->tail, memory_order_acquire))
        return NULL; /* a producer is between exchange and link */
    rt_mpsc_push(q, &q->stub);
    next = atomic_load_explicit(&head->next, memory_order_acquire);
    if (next) {
        q->head = next;
        return head;
    }
    return NULL;
}

/* Consumer only (or anyone, as a hint): 1 if a push has started. The
 * tail is loaded seq_cst: this is the consumer's load in the park/wake and
 * sleep/notify hand-shakes (see rt_mpsc_push). */
static inline int rt_mpsc_nonempty(rt_mpsc_t *q)
{
    return q->head != &q->stub || atomic_load_explicit(&q->tail, memory_order_seq_cst) != &q->stub;
}

/* ---- SPMC ring ----------------------------------------------------------- */

#define RT_RING_SIZE 256u

typedef struct rt_ring {
    _Atomic uint32_t head; /* consumers advance it with a CAS */
    _Atomic uint32_t tail; /* only the owner writes it */
    void *_Atomic items[RT_RING_SIZE];
} rt_ring_t;

static inline uint32_t rt_ring_len(rt_ring_t *r)
{
    uint32_t h = atomic_load_explicit(&r->head, memory_order_acquire);
    uint32_t t = atomic_load_explicit(&r->tail, memory_order_acquire);
    return t - h;
}

/* Owner: 1 if pushed, 0 if full. */
static inline int rt_ring_push(rt_ring_t *r, void *p)
{
    uint32_t h = atomic_load_explicit(&r->head, memory_order_acquire);
    uint32_t t = atomic_load_explicit(&r->tail, memory_order_relaxed);
    if (t - h >= RT_RING_SIZE)
        return 0;
    atomic_store_explicit(&r->items[t % RT_RING_SIZE], p, memory_order_relaxed);
    atomic_store_explicit(&r->tail, t + 1, memory_order_release);
    return 1;
}

/* Owner: the oldest item or NULL. */
static inline void *rt_ring_pop(rt_ring_t *r)
{
    for (;;) {
        uint32_t h = atomic_load_explicit(&r->head, memory_order_acquire);
        uint32_t t = atomic_load_explicit(&r->tail, memory_order_relaxed);
        if (h == t)
            return NULL;
        void *p = atomic_load_explicit(&r->items[h % RT_RING_SIZE], memory_order_relaxed);
        if (atomic_compare_exchange_weak_explicit(&r->head, &h, h + 1, memory_order_acq_rel,
                                                  memory_order_relaxed))
            return p;
    }
}

/* Owner: take up to `max` of the oldest items into `out`; returns how many
 * (the owner draining half to the global queue when the ring is full). */
static inline uint32_t rt_ring_take(rt_ring_t *r, void **out, uint32_t max)
{
    for (;;) {
        uint32_t h = atomic_load_explicit(&r->head, memory_order_acquire);
        uint32_t t = atomic_load_explicit(&r->tail, memory_order_acquire);
        uint32_t n = t - h;
        if (n > max)
            n = max;
        for (uint32_t i = 0; i < n; i++)
            out[i] = atomic_load_explicit(&r->items[(h + i) % RT_RING_SIZE], memory_order_relaxed);
        if (atomic_compare_exchange_weak_explicit(&r->head, &h, h + n, memory_order_acq_rel,
                                                  memory_order_relaxed))
            return n;
    }
}

/* Thief (any thread but the owner of `to`... and `from`'s owner may run
 * concurrently): move half of `from`'s items into `to`, which must be
 * empty and owned by the caller. Returns one stolen item to run at once
 * (the rest are in `to`), or NULL. */
static inline void *rt_ring_steal(rt_ring_t *from, rt_ring_t *to)
{
    uint32_t tt = atomic_load_explicit(&to->tail, memory_order_relaxed);
    for (;;) {
        uint32_t h = atomic_load_explicit(&from->head, memory_order_acquire);
        uint32_t t = atomic_load_explicit(&from->tail, memory_order_acquire);
        uint32_t n = t - h;
        if (n == 0 || n > RT_RING_SIZE)
            return NULL; /* empty, or a torn read of head and tail: retry later */
        n -= n / 2;
        for (uint32_t i = 0; i < n; i++)
            atomic_store_explicit(
                &to->items[(tt + i) % RT_RING_SIZE],
                atomic_load_explicit(&from->items[(h + i) % RT_RING_SIZE], memory_order_relaxed),
                memory_order_relaxed);
        if (atomic_compare_exchange_weak_explicit(&from->head, &h, h + n, memory_order_acq_rel,
                                                  memory_order_relaxed)) {
            n--;
            void *first =
                atomic_load_explicit(&to->items[(tt + n) % RT_RING_SIZE], memory_order_relaxed);
            if (n)
                atomic_store_explicit(&to->tail, tt + n, memory_order_release);
            return first;
        }
    }
}

#endif
