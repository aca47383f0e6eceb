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
 * all. The token is set under the channel's lock, so once a process has
 * left every queue (under each lock) no stale token can reach it later,
 * and whether it is still queued can be read from its token (one
 * channel) or from the queue (select). A waiter that was taken out of a
 * queue but leaves without using the wake-up (killed, timed out, served
 * by another channel of a select) hands it to the next waiter of that
 * queue, so no wake-up is lost. Dead pids in a queue are skipped.
 *
 * Nothing allocates or raises while a lock is held: buffers grow between
 * an unlock and the retry. The values in transit sit in C locals, which
 * the collector scans (a parked process's saved stack is a root).
 */
#define _GNU_SOURCE
#include <sched.h>
#include <string.h>

#include "../sched/sched.h"
#include "chan.h"

static _Atomic uint64_t last_serial;

/* ---- atoms (interned on first use; the same object whoever wins) ---- */

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

/* ---- the lock ---- */

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

/* ---- items ---- */

static void buf_push(rt_chan_t *c, vm_val_t v)
{
    uint64_t i = c->head + c->len;
    if (i >= c->bufcap)
        i -= c->bufcap;
    c->buf[i] = v;
    c->len++;
}

static vm_val_t buf_take(rt_chan_t *c)
{
    vm_val_t v = c->buf[c->head];
    c->buf[c->head] = 0; /* the collector may have it once it is taken */
    if (++c->head == c->bufcap)
        c->head = 0;
    c->len--;
    return v;
}

static int has_room(const rt_chan_t *c)
{
    return !c->cap || c->len < c->cap;
}

/* Called unlocked: make the ring hold at least one more item than it held
 * when the caller looked (`seen` = bufcap then). 0 if out of memory
 * (raised). */
static int grow_buf(vm_ctx_t *ctx, rt_chan_t *c, uint64_t seen)
{
    uint64_t want = seen ? 2 * seen : 8;
    if (c->cap && want > c->cap)
        want = c->cap;
    vm_val_t *nb = rt_gc_alloc_raw(ctx, want * sizeof(vm_val_t), 0);
    if (!nb)
        return 0;
    chan_lock(c);
    if (c->bufcap < want) {
        for (uint64_t k = 0, i = c->head; k < c->len; k++) {
            nb[k] = c->buf[i];
            if (++i == c->bufcap)
                i = 0;
        }
        c->buf = nb;
        c->bufcap = want;
        c->head = 0;
    }
    chan_unlock(c);
    return 1;
}

/* ---- queues of waiting processes ---- */

static void q_push(rt_waitq_t *q, vm_val_t pid)
{
    uint32_t i = q->head + q->len;
    if (i >= q->cap)
        i -= q->cap;
    q->pids[i] = pid;
    q->len++;
}

static vm_val_t q_pop(rt_waitq_t *q)
{
    vm_val_t pid = q->pids[q->head];
    if (++q->head == q->cap)
        q->head = 0;
    q->len--;
    return pid;
}

/* Remove one entry `pid` (the newest: the one most likely at the end);
 * 0 if there is none. */
static int q_remove(rt_waitq_t *q, vm_val_t pid)
{
    for (uint32_t k = q->len; k-- > 0;) {
        uint32_t i = (uint32_t)(((uint64_t)q->head + k) % q->cap);
        if (q->pids[i] != pid)
            continue;
        for (uint32_t m = k; m + 1 < q->len; m++) {
            uint32_t a = (uint32_t)(((uint64_t)q->head + m) % q->cap);
            uint32_t b = a + 1 == q->cap ? 0 : a + 1;
            q->pids[a] = q->pids[b];
        }
        q->len--;
        return 1;
    }
    return 0;
}

/* Called unlocked: room for one more waiter in `q` of `c` (like grow_buf). */
static int grow_q(vm_ctx_t *ctx, rt_chan_t *c, rt_waitq_t *q, uint32_t seen)
{
    if (seen >= UINT32_MAX / 2) {
        rt_raise(ctx, "system_limit", "too many processes waiting on one channel");
        return 0;
    }
    uint32_t want = seen ? 2 * seen : 4;
    vm_val_t *np = rt_gc_alloc_raw(ctx, (size_t)want * sizeof(vm_val_t), 1);
    if (!np)
        return 0;
    chan_lock(c);
    if (q->cap < want) {
        for (uint32_t k = 0, i = q->head; k < q->len; k++) {
            np[k] = q->pids[i];
            if (++i == q->cap)
                i = 0;
        }
        q->pids = np;
        q->cap = want;
        q->head = 0;
    }
    chan_unlock(c);
    return 1;
}

/* Lock held: take the oldest live waiter out of `q` and set its token;
 * the caller wakes it (rt_sched_wake) after unlocking. NULL if none. */
static rt_proc_t *take_waiter(rt_waitq_t *q)
{
    while (q->len) {
        rt_proc_t *p = rt_proc_lookup(q_pop(q));
        if (p) {
            atomic_store(&p->notified, 1);
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

/* Lock held: wake every waiter of `q` (a close). */
static void wake_all(rt_waitq_t *q)
{
    rt_proc_t *p;
    while ((p = take_waiter(q)))
        rt_sched_wake(p);
}

/* Process `pid` stops waiting in the receive (recv_side) or send queue of
 * `c` without being served. If a waker took it out already, the wake-up
 * goes to the next waiter that can use it. Called unlocked. */
static void leave(rt_chan_t *c, int recv_side, vm_val_t pid)
{
    chan_lock(c);
    rt_waitq_t *q = recv_side ? &c->recvq : &c->sendq;
    rt_proc_t *w = NULL;
    if (!q_remove(q, pid) && (recv_side ? c->len > 0 : has_room(c)))
        w = take_waiter(q);
    chan_unlock(c);
    wake(w);
}

/* ---- helpers ---- */

static rt_proc_t *self_of(vm_ctx_t *ctx)
{
    return rt_ctx_is_process(ctx) ? rt_proc_of(ctx) : NULL;
}

static rt_chan_t *expect_chan(vm_ctx_t *ctx, const char *who, vm_val_t v)
{
    return rt_expect(ctx, who, v, VM_KIND_CHAN);
}

static int is_token(const rt_chan_t *c)
{
    return (c->hdr.aux & RT_CHAN_TOKEN) != 0;
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
    rt_chan_t *c = rt_gc_alloc(ctx, VM_KIND_CHAN, sizeof *c);
    if (!c)
        return 0;
    c->hdr.aux = flags;
    c->serial = atomic_fetch_add_explicit(&last_serial, 1, memory_order_relaxed) + 1;
    c->cap = cap;
    if (!(flags & RT_CHAN_TOKEN)) {
        uint64_t n = cap && cap < 8 ? cap : 8;
        c->buf = rt_gc_alloc_raw(ctx, n * sizeof(vm_val_t), 0);
        if (!c->buf)
            return 0;
        c->bufcap = n;
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
    rt_chan_t *c = expect_chan(ctx, "chan.send", chv);
    if (!c)
        return;
    if (is_token(c)) {
        no_items(ctx, "chan.send");
        return;
    }
    vm_val_t copy = rt_copy(ctx, v);
    if (!copy)
        return;
    rt_proc_t *self = self_of(ctx);
    int waiting = 0; /* self queued in c->sendq, or taken out by a waker (token set) */
    for (;;) {
        chan_lock(c);
        int queued = waiting && !atomic_load(&self->notified);
        if (c->closed) {
            if (queued)
                q_remove(&c->sendq, self->pid);
            chan_unlock(c);
            raise_closed(ctx, "chan.send");
            return;
        }
        if (has_room(c)) {
            if (c->len == c->bufcap) {
                uint64_t seen = c->bufcap;
                chan_unlock(c);
                if (!grow_buf(ctx, c, seen)) {
                    if (waiting)
                        leave(c, 0, self->pid);
                    return;
                }
                continue;
            }
            buf_push(c, copy);
            if (queued)
                q_remove(&c->sendq, self->pid);
            rt_proc_t *w = take_waiter(&c->recvq);
            chan_unlock(c);
            wake(w);
            return;
        }
        if (!self) {
            chan_unlock(c);
            would_block(ctx, "chan.send");
            return;
        }
        if (!queued) {
            if (c->sendq.len == c->sendq.cap) {
                uint32_t seen = c->sendq.cap;
                chan_unlock(c);
                if (!grow_q(ctx, c, &c->sendq, seen))
                    return; /* not queued: nothing to undo */
                continue;
            }
            q_push(&c->sendq, self->pid);
            atomic_store(&self->notified, 0);
            waiting = 1;
        }
        chan_unlock(c);
        rt_sched_park(self, 0);
        if (atomic_load(&self->kill_reason)) {
            leave(c, 0, self->pid);
            rt_proc_check_kill(self);
        }
    }
}

vm_val_t vm_chan_recv(vm_ctx_t *ctx, vm_val_t chv)
{
    rt_chan_t *c = expect_chan(ctx, "chan.recv", chv);
    if (!c)
        return 0;
    rt_proc_t *self = self_of(ctx);
    int waiting = 0; /* self queued in c->recvq, or taken out by a waker (token set) */
    for (;;) {
        chan_lock(c);
        int queued = waiting && !atomic_load(&self->notified);
        if (c->len) {
            vm_val_t v = buf_take(c);
            if (queued)
                q_remove(&c->recvq, self->pid);
            rt_proc_t *w = c->cap ? take_waiter(&c->sendq) : NULL;
            chan_unlock(c);
            wake(w);
            return v;
        }
        if (c->closed) {
            if (queued)
                q_remove(&c->recvq, self->pid);
            chan_unlock(c);
            return raise_closed(ctx, "chan.recv");
        }
        if (!self) {
            chan_unlock(c);
            return would_block(ctx, "chan.recv");
        }
        if (!queued) {
            if (c->recvq.len == c->recvq.cap) {
                uint32_t seen = c->recvq.cap;
                chan_unlock(c);
                if (!grow_q(ctx, c, &c->recvq, seen))
                    return 0;
                continue;
            }
            q_push(&c->recvq, self->pid);
            atomic_store(&self->notified, 0);
            waiting = 1;
        }
        chan_unlock(c);
        rt_sched_park(self, 0);
        if (atomic_load(&self->kill_reason)) {
            leave(c, 1, self->pid);
            rt_proc_check_kill(self);
        }
    }
}

vm_val_t vm_chan_try_send(vm_ctx_t *ctx, vm_val_t chv, vm_val_t v)
{
    rt_chan_t *c = expect_chan(ctx, "chan.try_send", chv);
    if (!c)
        return 0;
    if (is_token(c))
        return no_items(ctx, "chan.try_send");
    /* Look first: a full or closed channel costs no copy. */
    chan_lock(c);
    int closed = c->closed, room = has_room(c);
    chan_unlock(c);
    if (closed)
        return atom_closed();
    if (!room)
        return atom_full();
    vm_val_t copy = rt_copy(ctx, v);
    if (!copy)
        return 0;
    for (;;) {
        chan_lock(c);
        if (c->closed) {
            chan_unlock(c);
            return atom_closed();
        }
        if (!has_room(c)) {
            chan_unlock(c);
            return atom_full();
        }
        if (c->len == c->bufcap) {
            uint64_t seen = c->bufcap;
            chan_unlock(c);
            if (!grow_buf(ctx, c, seen))
                return 0;
            continue;
        }
        buf_push(c, copy);
        rt_proc_t *w = take_waiter(&c->recvq);
        chan_unlock(c);
        wake(w);
        return atom_ok();
    }
}

vm_val_t vm_chan_try_recv(vm_ctx_t *ctx, vm_val_t chv)
{
    rt_chan_t *c = expect_chan(ctx, "chan.try_recv", chv);
    if (!c)
        return 0;
    chan_lock(c);
    if (!c->len) {
        int closed = c->closed;
        chan_unlock(c);
        return closed ? atom_closed() : atom_empty();
    }
    vm_val_t v = buf_take(c);
    rt_proc_t *w = c->cap ? take_waiter(&c->sendq) : NULL;
    chan_unlock(c);
    wake(w);
    vm_val_t t = vm_tuple_alloc(ctx, 2);
    if (!t)
        return 0;
    ((vm_tuple_t *)t)->items[0] = atom_ok();
    ((vm_tuple_t *)t)->items[1] = v;
    return t;
}

/* Close `c`; 0 if it was closed already. Wakes every waiter. */
static int close_chan(rt_chan_t *c)
{
    chan_lock(c);
    int was = c->closed;
    if (!was) {
        c->closed = 1;
        wake_all(&c->recvq);
        wake_all(&c->sendq);
    }
    chan_unlock(c);
    return !was;
}

void vm_chan_close(vm_ctx_t *ctx, vm_val_t chv)
{
    rt_chan_t *c = expect_chan(ctx, "chan.close", chv);
    if (c && !close_chan(c))
        rt_raise(ctx, "badarg", "chan.close: the channel is closed already");
}

void vm_token_cancel(vm_ctx_t *ctx, vm_val_t chv)
{
    rt_chan_t *c = expect_chan(ctx, "token.cancel", chv);
    if (c)
        close_chan(c);
}

static int64_t is_closed(vm_ctx_t *ctx, const char *who, vm_val_t chv)
{
    rt_chan_t *c = expect_chan(ctx, who, chv);
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
    rt_chan_t *c = expect_chan(ctx, "chan.len", chv);
    if (!c)
        return 0;
    chan_lock(c);
    int64_t n = (int64_t)c->len;
    chan_unlock(c);
    return n;
}

int64_t vm_chan_cap(vm_ctx_t *ctx, vm_val_t chv)
{
    rt_chan_t *c = expect_chan(ctx, "chan.cap", chv);
    return c ? (int64_t)c->cap : 0; /* fixed at creation: no lock */
}

/* ---- select ---- */

/* Leave the receive queues of chans[(start + k) % n] for k < nreg. */
static void leave_all(const vm_val_t *chans, uint64_t n, uint64_t start, uint64_t nreg,
                      vm_val_t pid)
{
    for (uint64_t k = 0; k < nreg; k++) {
        uint64_t i = start + k;
        if (i >= n)
            i -= n;
        leave((rt_chan_t *)chans[i], 1, pid);
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
    rt_proc_t *self = self_of(ctx);
    int timed = self && timeout_ms > 0;
    if (timed) {
        /* One timer per process: this ends a receive's pending timeout,
         * as a sleep does (docs/processes.md). */
        rt_sched_cancel_timer(self);
        rt_sched_arm_timer(self, timeout_ms);
    }
    /* The array belongs to this process and is not changed while it
     * waits here; a channel is never freed while the array holds it. */
    const vm_val_t *items = a->items;
    uint64_t n = a->len;
    uint64_t start = n ? next_rand() % n : 0;
    int64_t got = -1; /* the index served */
    int item = 0;     /* it gave an item (else it is closed and drained) */
    vm_val_t v = VM_NIL;
    for (;;) {
        int may_wait = self && timeout_ms != 0 && !(timed && self->timed_out);
        if (may_wait)
            atomic_store(&self->notified, 0); /* in no queue now: no stale token can come */
        uint64_t nreg = 0, k;
        int retry = 0;
        for (k = 0; k < n; k++) {
            uint64_t i = start + k;
            if (i >= n)
                i -= n;
            rt_chan_t *c = (rt_chan_t *)items[i];
            chan_lock(c);
            if (c->len) {
                v = buf_take(c);
                rt_proc_t *w = c->cap ? take_waiter(&c->sendq) : NULL;
                chan_unlock(c);
                wake(w);
                got = (int64_t)i;
                item = 1;
                break;
            }
            if (c->closed) {
                chan_unlock(c);
                got = (int64_t)i;
                break;
            }
            if (may_wait) {
                if (c->recvq.len == c->recvq.cap) {
                    uint32_t seen = c->recvq.cap;
                    chan_unlock(c);
                    leave_all(items, n, start, nreg, self->pid);
                    nreg = 0;
                    if (!grow_q(ctx, c, &c->recvq, seen)) {
                        if (timed)
                            rt_sched_cancel_timer(self);
                        return 0;
                    }
                    retry = 1;
                    break;
                }
                q_push(&c->recvq, self->pid);
                nreg = k + 1;
            }
            chan_unlock(c);
        }
        if (retry)
            continue;
        if (got < 0 && may_wait)
            rt_sched_park(self, timed);
        /* Served, timed out, killed or woken: leave every queue. */
        if (nreg)
            leave_all(items, n, start, nreg, self->pid);
        if (got >= 0 || !may_wait)
            break;
        rt_proc_check_kill(self);
    }
    if (timed)
        rt_sched_cancel_timer(self);
    if (got < 0) {
        if (!self && timeout_ms != 0)
            return would_block(ctx, "chan.select");
        return atom_timeout();
    }
    vm_val_t t = vm_tuple_alloc(ctx, 3);
    if (!t)
        return 0;
    vm_val_t *it = ((vm_tuple_t *)t)->items;
    it[0] = item ? atom_ok() : atom_closed();
    it[1] = val_from_int(got);
    it[2] = v;
    return t;
}
