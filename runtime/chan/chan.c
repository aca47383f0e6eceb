/*
 * runtime/chan/chan.c — channels and cancellation tokens (docs/channels.md).
 *
 * A channel (chan.h) is a ring of items under a spin lock, with two FIFOs
 * of waiting processes (pids). Waiting parks only the calling green thread:
 *
 *   1. under the lock, a process that cannot proceed appends its pid to
 *      the queue, clears its wake token (rt_proc_t.notified) and unlocks;
 *   2. it parks (rt_sched_park) until the token is set, an exit signal
 *      arrives or, in a select with a timeout, its timer fires;
 *   3. whoever changes the channel (a send, a receive that frees room, a
 *      close) takes waiters out of the queue under the lock, sets their
 *      token there, and after unlocking makes them runnable
 *      (rt_sched_wake);
 *   4. the woken process retries from 1.
 *
 * A send or a receive wakes one waiter of the other side; a close wakes
 * all (it sets their tokens and detaches both queues under the lock, and
 * wakes them after unlocking). The token is set under the channel's lock,
 * so once a process has left every queue (under each lock) no stale token
 * can reach it later, and whether it is still queued can be read from its
 * token (one channel) or from the queue (select). A select leaves its
 * queues when it wakes; where it finds itself taken out and nothing served
 * it yet, it takes that channel's item (or its close) right there. A
 * waiter that was taken out of a queue but leaves without using the
 * wake-up (killed, timed out, served by another channel of a select) hands
 * it to the next waiter of that queue, so no wake-up is lost. Dead pids in
 * a queue are skipped.
 *
 * Nothing allocates, raises or wakes a process while a lock is held: rings
 * grow between an unlock and the retry, and results are allocated before
 * an item is taken. The values in transit sit in C locals, which the
 * collector scans (a parked process's saved stack is a root).
 */
#define _GNU_SOURCE
#include <sched.h>
#include <string.h>

#include "chan/chan.h"
#include "proc/proc.h"

static _Atomic uint64_t last_serial;

/* ---- atoms (interned on first use; the same object whoever wins) ---- */

/* Relaxed: rt_atom gives every thread the same object (under its own
 * lock), so a racing store writes the value already there. */
static vm_val_t atom_of(_Atomic vm_val_t *slot, const char *name)
{
    vm_val_t a = atomic_load_explicit(slot, memory_order_relaxed);
    if (!a) {
        a = rt_atom(name);
        atomic_store_explicit(slot, a, memory_order_relaxed);
    }
    return a;
}

#define ATOM(name)                                                                                 \
    static vm_val_t atom_##name(void)                                                              \
    {                                                                                              \
        static _Atomic vm_val_t slot;                                                              \
        return atom_of(&slot, #name);                                                              \
    }
ATOM(ok)
ATOM(full)
ATOM(empty)
ATOM(closed)
ATOM(timeout)

/* ---- the lock ----
 * Acquire and release: a spin lock (relaxed while only watching it). */

static void chan_lock(rt_chan_t *c)
{
    while (atomic_exchange_explicit(&c->lock, 1, memory_order_acquire)) {
        for (int spins = 0; atomic_load_explicit(&c->lock, memory_order_relaxed); spins++) {
            if (spins < 100) {
#if defined(__x86_64__)
                __builtin_ia32_pause();
#endif
            } else {
                sched_yield();
            }
        }
    }
}

static void chan_unlock(rt_chan_t *c)
{
    atomic_store_explicit(&c->lock, 0, memory_order_release);
}

/* ---- rings: the items and the queues of waiting processes ---- */

/* Slot of the k-th oldest entry of `r`. */
static uint64_t ring_at(const rt_chan_ring_t *r, uint64_t k)
{
    uint64_t i = r->head + k;
    return i >= r->cap ? i - r->cap : i;
}

/* Lock held, r->len < r->cap. */
static void ring_push(rt_chan_ring_t *r, vm_val_t v)
{
    r->items[ring_at(r, r->len)] = v;
    r->len++;
}

/* Lock held, r->len > 0: the oldest entry. */
static vm_val_t ring_pop(rt_chan_ring_t *r)
{
    vm_val_t v = r->items[r->head];
    r->items[r->head] = 0; /* the collector may have it once it is taken */
    if (++r->head == r->cap)
        r->head = 0;
    r->len--;
    return v;
}

/* Lock held: remove one entry `v` (the newest: a waiter's pid is most
 * likely at the end); 0 if there is none. */
static int ring_remove(rt_chan_ring_t *r, vm_val_t v)
{
    for (uint64_t k = r->len; k-- > 0;) {
        if (r->items[ring_at(r, k)] != v)
            continue;
        for (uint64_t m = k; m + 1 < r->len; m++)
            r->items[ring_at(r, m)] = r->items[ring_at(r, m + 1)];
        r->len--;
        r->items[ring_at(r, r->len)] = 0;
        return 1;
    }
    return 0;
}

/* Called unlocked: make `r`, a ring of `c` that the caller saw full with
 * `seen` slots, hold at least one more entry, `max` at most (0: no limit);
 * atomic memory if `atomic` (pids). 0 if out of memory (raised). */
static int ring_grow(vm_ctx_t *ctx, rt_chan_t *c, rt_chan_ring_t *r, uint64_t seen, uint64_t max,
                     int atomic)
{
    uint64_t want = seen ? 2 * seen : 8;
    if (max && want > max)
        want = max;
    vm_val_t *items = rt_alloc_raw(ctx, want * sizeof(vm_val_t), atomic);
    if (!items)
        return 0;
    chan_lock(c);
    if (r->cap < want) {
        for (uint64_t k = 0; k < r->len; k++)
            items[k] = r->items[ring_at(r, k)];
        r->items = items;
        r->cap = want;
        r->head = 0;
    }
    chan_unlock(c);
    return 1;
}

static int has_room(const rt_chan_t *c)
{
    return !c->cap || c->buf.len < c->cap;
}

/* ---- waking ---- */

/* Lock held: take the oldest live waiter out of `q` and set its token;
 * the caller wakes it (rt_sched_wake) after unlocking. NULL if none. */
static rt_proc_t *take_waiter(rt_chan_ring_t *q)
{
    while (q->len) {
        rt_proc_t *p = rt_proc_lookup(ring_pop(q));
        if (p) {
            /* seq_cst: the waker's store of park/wake (sched.c). */
            atomic_store_explicit(&p->notified, 1, memory_order_seq_cst);
            return p;
        }
    }
    return NULL;
}

static void wake(rt_proc_t *p)
{
    if (p)
        rt_sched_wake(p);
}

/* Lock held, c->buf.len > 0: take the oldest item. A bounded channel now
 * has room: *w is the sender to wake after unlocking (or NULL). */
static vm_val_t take_locked(rt_chan_t *c, rt_proc_t **w)
{
    vm_val_t v = ring_pop(&c->buf);
    *w = c->cap ? take_waiter(&c->sendq) : NULL;
    return v;
}

/* Lock held, room in c->buf: append `v`; returns the receiver to wake
 * after unlocking (or NULL). */
static rt_proc_t *put_locked(rt_chan_t *c, vm_val_t v)
{
    ring_push(&c->buf, v);
    return take_waiter(&c->recvq);
}

/* Process `pid` stops waiting in the receive (recv_side) or send queue of
 * `c` without being served. If a waker took it out already, the wake-up
 * goes to the next waiter that can use it. Called unlocked. */
static void leave(rt_chan_t *c, int recv_side, vm_val_t pid)
{
    chan_lock(c);
    rt_chan_ring_t *q = recv_side ? &c->recvq : &c->sendq;
    rt_proc_t *w = NULL;
    if (!ring_remove(q, pid) && (recv_side ? c->buf.len > 0 : has_room(c)))
        w = take_waiter(q);
    chan_unlock(c);
    wake(w);
}

/* ---- helpers ---- */

static rt_proc_t *self_of(vm_ctx_t *ctx)
{
    return rt_ctx_is_process(ctx) ? rt_proc_of(ctx) : NULL;
}

static int is_token(const rt_chan_t *c)
{
    return (c->hdr.flags & RT_CHAN_TOKEN) != 0;
}

static vm_val_t raise_closed(vm_ctx_t *ctx, const char *who)
{
    return rt_raise(ctx, "closed", "%s: the channel is closed", who);
}

static vm_val_t would_block(vm_ctx_t *ctx, const char *who)
{
    return rt_raise(ctx, "badarg", "%s: would block outside a process", who);
}

static vm_val_t no_items(vm_ctx_t *ctx, const char *who)
{
    return rt_raise(ctx, "badarg", "%s: a cancellation token carries no items", who);
}

static vm_val_t make_chan(vm_ctx_t *ctx, uint64_t cap, uint32_t flags)
{
    /* Relaxed: the serial only has to be unique, not ordered with anything. */
    uint64_t serial = atomic_fetch_add_explicit(&last_serial, 1, memory_order_relaxed) + 1;
    if (serial > RT_SERIAL_MAX)
        return rt_raise(ctx, "system_limit", "chan.new: more than %llu channels made",
                        (unsigned long long)RT_SERIAL_MAX);
    rt_chan_t *c = rt_alloc(ctx, VM_KIND_CHAN, sizeof *c);
    if (!c)
        return 0;
    c->hdr.flags = (uint8_t)flags;
    rt_obj_set_serial(&c->hdr, serial);
    c->cap = cap;
    if (!(flags & RT_CHAN_TOKEN)) {
        uint64_t n = cap && cap < 8 ? cap : 8;
        c->buf.items = rt_alloc_raw(ctx, n * sizeof(vm_val_t), 0);
        if (!c->buf.items)
            return 0;
        c->buf.cap = n;
    }
    return (vm_val_t)c;
}

/* A small generator for select's starting index (per thread). */
static uint64_t next_rand(void)
{
    static _Thread_local uint64_t x = 0x2545F4914F6CDD1DULL;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
}

/* ---- sending ---- */

enum { SENT, FULL, CLOSED, FAILED };

/* With `c` locked, a blocking send (side 0) or receive (side 1) waits: self
 * joins that side's wait queue unless `queued` there already, and parks; a
 * full queue is grown first. Returns with `c` unlocked: 1 to try again, 0
 * if memory ran out (self has left the queue; the error is raised). */
static int wait_turn(vm_ctx_t *ctx, rt_chan_t *c, int side, rt_proc_t *self, int queued,
                     int *waiting)
{
    rt_chan_ring_t *q = side ? &c->recvq : &c->sendq;
    if (!queued) {
        if (q->len == q->cap) {
            uint64_t seen = q->cap;
            chan_unlock(c);
            if (!ring_grow(ctx, c, q, seen, 0, 1)) {
                if (*waiting)
                    leave(c, side, self->pid);
                return 0;
            }
            return 1;
        }
        ring_push(q, self->pid);
        /* Relaxed: under the lock, which a waker takes before it sets the
         * token, so the two are ordered by the lock. */
        atomic_store_explicit(&self->notified, 0, memory_order_relaxed);
        *waiting = 1;
    }
    chan_unlock(c);
    rt_sched_park(self, 0);
    /* Relaxed: p's own field, seen by rt_sched_park's seq_cst load already. */
    if (atomic_load_explicit(&self->kill_reason, memory_order_relaxed)) {
        leave(c, side, self->pid);
        rt_proc_check_kill(self);
    }
    return 1;
}

/* Append `copy` (the sender's copy of the item) to `c`, growing its ring
 * as needed, and wake a receiver. While `c` is full, the process `self`
 * waits for room; with `self` NULL the answer is FULL instead. CLOSED: `c`
 * is closed; FAILED: out of memory (raised). Inlined into both callers:
 * a call here costs chan.send a frame, which every switch of a process
 * parked in it copies. */
static inline __attribute__((always_inline)) int send_op(vm_ctx_t *ctx, rt_chan_t *c, vm_val_t copy,
                                                         rt_proc_t *self)
{
    int waiting = 0; /* self queued in c->sendq, or taken out by a waker (token set) */
    for (;;) {
        chan_lock(c);
        /* Relaxed: wakers set the token under this lock. */
        int queued = waiting && !atomic_load_explicit(&self->notified, memory_order_relaxed);
        int room = has_room(c);
        if (c->closed || (!room && !self)) {
            int r = c->closed ? CLOSED : FULL;
            if (queued)
                ring_remove(&c->sendq, self->pid);
            chan_unlock(c);
            return r;
        }
        if (room) {
            if (c->buf.len == c->buf.cap) {
                uint64_t seen = c->buf.cap;
                chan_unlock(c);
                if (!ring_grow(ctx, c, &c->buf, seen, c->cap, 0)) {
                    if (waiting)
                        leave(c, 0, self->pid);
                    return FAILED;
                }
                continue;
            }
            if (queued)
                ring_remove(&c->sendq, self->pid);
            rt_proc_t *w = put_locked(c, copy);
            chan_unlock(c);
            wake(w);
            return SENT;
        }
        if (!wait_turn(ctx, c, 0, self, queued, &waiting))
            return FAILED;
    }
}

/* ---- builtins ---- */

vm_val_t vm_chan_new(vm_ctx_t *ctx, int64_t cap)
{
    if (cap < 0)
        return rt_raise(ctx, "badarg", "chan.new: capacity %lld is negative", (long long)cap);
    return make_chan(ctx, (uint64_t)cap, 0);
}

vm_val_t vm_token_new(vm_ctx_t *ctx)
{
    return make_chan(ctx, 1, RT_CHAN_TOKEN);
}

void vm_chan_send(vm_ctx_t *ctx, vm_val_t chv, vm_val_t v)
{
    rt_chan_t *c = rt_expect(ctx, "chan.send", chv, VM_KIND_CHAN);
    if (!c)
        return;
    if (is_token(c)) {
        no_items(ctx, "chan.send");
        return;
    }
    vm_val_t copy = rt_copy(ctx, v);
    if (!copy)
        return;
    switch (send_op(ctx, c, copy, self_of(ctx))) {
    case FULL: would_block(ctx, "chan.send"); break; /* outside a process */
    case CLOSED: raise_closed(ctx, "chan.send"); break;
    default: break; /* SENT, or FAILED (raised) */
    }
}

vm_val_t vm_chan_recv(vm_ctx_t *ctx, vm_val_t chv)
{
    rt_chan_t *c = rt_expect(ctx, "chan.recv", chv, VM_KIND_CHAN);
    if (!c)
        return 0;
    rt_proc_t *self = self_of(ctx);
    int waiting = 0; /* self queued in c->recvq, or taken out by a waker (token set) */
    for (;;) {
        chan_lock(c);
        /* Relaxed: wakers set the token under this lock. */
        int queued = waiting && !atomic_load_explicit(&self->notified, memory_order_relaxed);
        if (c->buf.len) {
            if (queued)
                ring_remove(&c->recvq, self->pid);
            rt_proc_t *w;
            vm_val_t v = take_locked(c, &w);
            chan_unlock(c);
            wake(w);
            return v;
        }
        if (c->closed) {
            if (queued)
                ring_remove(&c->recvq, self->pid);
            chan_unlock(c);
            return raise_closed(ctx, "chan.recv");
        }
        if (!self) {
            chan_unlock(c);
            return would_block(ctx, "chan.recv");
        }
        if (!wait_turn(ctx, c, 1, self, queued, &waiting))
            return 0;
    }
}

vm_val_t vm_chan_try_send(vm_ctx_t *ctx, vm_val_t chv, vm_val_t v)
{
    rt_chan_t *c = rt_expect(ctx, "chan.try_send", chv, VM_KIND_CHAN);
    if (!c)
        return 0;
    if (is_token(c))
        return no_items(ctx, "chan.try_send");
    vm_val_t copy = rt_copy(ctx, v);
    if (!copy)
        return 0;
    switch (send_op(ctx, c, copy, NULL)) {
    case SENT: return atom_ok();
    case FULL: return atom_full();
    case CLOSED: return atom_closed();
    default: return 0;
    }
}

vm_val_t vm_chan_try_recv(vm_ctx_t *ctx, vm_val_t chv)
{
    rt_chan_t *c = rt_expect(ctx, "chan.try_recv", chv, VM_KIND_CHAN);
    if (!c)
        return 0;
    /* The answer first: once an item is taken, nothing may fail. */
    vm_val_t t = vm_tuple_alloc(ctx, 2);
    if (!t)
        return 0;
    chan_lock(c);
    if (!c->buf.len) {
        int closed = c->closed;
        chan_unlock(c);
        return closed ? atom_closed() : atom_empty();
    }
    rt_proc_t *w;
    vm_val_t v = take_locked(c, &w);
    chan_unlock(c);
    wake(w);
    ((vm_tuple_t *)t)->items[0] = atom_ok();
    ((vm_tuple_t *)t)->items[1] = v;
    return t;
}

/* Close `c`; 0 if it was closed already. Wakes every waiter: their tokens
 * are set under the lock, and the queues detached (nothing queues on a
 * closed channel), so that the wake-ups can be made after unlocking. */
static int close_chan(rt_chan_t *c)
{
    rt_chan_ring_t qs[2] = {{0}, {0}};
    chan_lock(c);
    int was = c->closed;
    if (!was) {
        c->closed = 1;
        qs[0] = c->recvq;
        qs[1] = c->sendq;
        c->recvq = c->sendq = (rt_chan_ring_t){0};
        for (int j = 0; j < 2; j++)
            for (uint64_t k = 0; k < qs[j].len; k++) {
                rt_proc_t *p = rt_proc_lookup(qs[j].items[ring_at(&qs[j], k)]);
                if (p) /* seq_cst: the waker's store of park/wake */
                    atomic_store_explicit(&p->notified, 1, memory_order_seq_cst);
            }
    }
    chan_unlock(c);
    for (int j = 0; j < 2; j++)
        for (uint64_t k = 0; k < qs[j].len; k++)
            wake(rt_proc_lookup(qs[j].items[ring_at(&qs[j], k)]));
    return !was;
}

void vm_chan_close(vm_ctx_t *ctx, vm_val_t chv)
{
    rt_chan_t *c = rt_expect(ctx, "chan.close", chv, VM_KIND_CHAN);
    if (c && !close_chan(c))
        rt_raise(ctx, "badarg", "chan.close: the channel is closed already");
}

void vm_token_cancel(vm_ctx_t *ctx, vm_val_t chv)
{
    rt_chan_t *c = rt_expect(ctx, "token.cancel", chv, VM_KIND_CHAN);
    if (c)
        close_chan(c);
}

static int64_t is_closed(vm_ctx_t *ctx, const char *who, vm_val_t chv)
{
    rt_chan_t *c = rt_expect(ctx, who, chv, VM_KIND_CHAN);
    if (!c)
        return 0;
    chan_lock(c);
    int64_t r = c->closed;
    chan_unlock(c);
    return r;
}

int64_t vm_chan_closed(vm_ctx_t *ctx, vm_val_t chv)
{
    return is_closed(ctx, "chan.closed", chv);
}

int64_t vm_token_cancelled(vm_ctx_t *ctx, vm_val_t chv)
{
    return is_closed(ctx, "token.cancelled", chv);
}

int64_t vm_chan_len(vm_ctx_t *ctx, vm_val_t chv)
{
    rt_chan_t *c = rt_expect(ctx, "chan.len", chv, VM_KIND_CHAN);
    if (!c)
        return 0;
    chan_lock(c);
    int64_t n = (int64_t)c->buf.len;
    chan_unlock(c);
    return n;
}

int64_t vm_chan_cap(vm_ctx_t *ctx, vm_val_t chv)
{
    rt_chan_t *c = rt_expect(ctx, "chan.cap", chv, VM_KIND_CHAN);
    return c ? (int64_t)c->cap : 0; /* fixed at creation: no lock */
}

/* ---- select ---- */

/* One call of select: the channels it looks at, in the order
 * chans[start], chans[start + 1] ... (wrapping), and what served it. */
typedef struct sel {
    const vm_val_t *chans;
    uint64_t n, start;
    vm_val_t pid; /* of the selecting process, if it waits */
    int64_t got;  /* the index served; -1: none yet */
    int item;     /* it gave an item (else it is closed and drained) */
    vm_val_t v;   /* the item */
} sel_t;

static uint64_t sel_index(const sel_t *s, uint64_t k)
{
    uint64_t i = s->start + k;
    return i >= s->n ? i - s->n : i;
}

/* Lock of c = chans[i] held, c has an item or is closed: c serves the
 * select. Returns the sender to wake after unlocking (or NULL). */
static rt_proc_t *sel_serve_locked(sel_t *s, rt_chan_t *c, uint64_t i)
{
    rt_proc_t *w = NULL;
    s->got = (int64_t)i;
    s->item = c->buf.len > 0;
    if (s->item)
        s->v = take_locked(c, &w);
    return w;
}

/* Leave the receive queues of the first `nreg` channels looked at. Where
 * a waker took the process out already, the select is served right there
 * if it may still be (`serve`, nothing served yet, and the channel has an
 * item or is closed); otherwise the wake-up goes to the next receiver if
 * the channel has an item for it. */
static void sel_leave(sel_t *s, uint64_t nreg, int serve)
{
    for (uint64_t k = 0; k < nreg; k++) {
        uint64_t i = sel_index(s, k);
        rt_chan_t *c = (rt_chan_t *)s->chans[i];
        rt_proc_t *w = NULL;
        chan_lock(c);
        if (!ring_remove(&c->recvq, s->pid)) {
            if (serve && s->got < 0 && (c->buf.len || c->closed))
                w = sel_serve_locked(s, c, i);
            else if (c->buf.len)
                w = take_waiter(&c->recvq);
        }
        chan_unlock(c);
        wake(w);
    }
}

vm_val_t vm_chan_select(vm_ctx_t *ctx, vm_val_t chans, int64_t timeout_ms)
{
    const vm_array_t *a = rt_expect(ctx, "chan.select", chans, VM_KIND_ARRAY);
    if (!a)
        return 0;
    for (uint64_t i = 0; i < a->len; i++)
        if (!rt_is_kind(a->items[i], VM_KIND_CHAN))
            return rt_raise(ctx, "type", "chan.select: item %llu: expected a channel, got %s",
                            (unsigned long long)i, rt_kind_name(a->items[i]));
    /* The answer first: once an item is taken, nothing may fail. */
    vm_val_t t = vm_tuple_alloc(ctx, 3);
    if (!t)
        return 0;
    rt_proc_t *self = self_of(ctx);
    int timed = self && timeout_ms > 0, armed = 0;
    /* One timer per process: this ends a receive's pending timeout, as a
     * sleep does (docs/processes.md). It is armed before the first park. */
    if (timed)
        rt_sched_cancel_timer(self);
    /* The array belongs to this process and is not changed while it
     * waits here; a channel is never freed while the array holds it. */
    sel_t s = {.chans = a->items, .n = a->len, .got = -1, .v = VM_NIL};
    s.start = s.n ? next_rand() % s.n : 0;
    s.pid = self ? self->pid : 0;
    for (;;) {
        int may_wait = self && timeout_ms != 0 && !(timed && self->timed_out);
        if (may_wait) /* in no queue now: no stale token can come; relaxed, no waker knows us */
            atomic_store_explicit(&self->notified, 0, memory_order_relaxed);
        uint64_t nreg = 0, seen = 0;
        rt_chan_t *grow = NULL; /* a receive queue to grow before the next pass */
        for (uint64_t k = 0; k < s.n && s.got < 0 && !grow; k++) {
            uint64_t i = sel_index(&s, k);
            rt_chan_t *c = (rt_chan_t *)s.chans[i];
            rt_proc_t *w = NULL;
            chan_lock(c);
            if (c->buf.len || c->closed) {
                w = sel_serve_locked(&s, c, i);
            } else if (may_wait && c->recvq.len == c->recvq.cap) {
                grow = c;
                seen = c->recvq.cap;
            } else if (may_wait) {
                ring_push(&c->recvq, s.pid);
                nreg = k + 1;
            }
            chan_unlock(c);
            wake(w);
        }
        if (s.got < 0 && may_wait && !grow) {
            if (timed && !armed) {
                rt_sched_arm_timer(self, timeout_ms);
                armed = 1;
            }
            rt_sched_park(self, timed);
        }
        /* Served, timed out, killed or woken: leave every queue (a killed
         * process takes nothing: it would die with the item). */
        int killed = self && atomic_load_explicit(&self->kill_reason, memory_order_relaxed);
        sel_leave(&s, nreg, !killed);
        if (s.got >= 0 || !may_wait)
            break;
        if (grow && !ring_grow(ctx, grow, &grow->recvq, seen, 0, 1)) {
            if (armed)
                rt_sched_cancel_timer(self);
            return 0;
        }
        rt_proc_check_kill(self);
    }
    if (armed)
        rt_sched_cancel_timer(self);
    if (s.got < 0)
        return !self && timeout_ms != 0 ? would_block(ctx, "chan.select") : atom_timeout();
    vm_val_t *it = ((vm_tuple_t *)t)->items;
    it[0] = s.item ? atom_ok() : atom_closed();
    it[1] = val_from_int(s.got);
    it[2] = s.v;
    return t;
}
