/*
 * runtime/sched/netpoll_epoll.c — the netpoller on Linux's epoll
 * (sched/netpoll.h explains the design).
 *
 * Poll descriptors live in chunks on the C heap that are never freed: the
 * kernel may report an event for a descriptor after it was closed (one
 * epoll_wait already had it), so an event carries the descriptor's index
 * and its sequence number, and one for an older sequence is dropped. The
 * waiter slots hold 0, READY, or the waiting process; a process record is
 * a collected object, kept alive while it waits by the process table.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define GC_THREADS
#include <gc/gc.h>

#include "sched/netpoll.h"
#include "sched/sched.h"

#define PD_READY ((uintptr_t)1)

struct rt_pd {
    _Atomic uintptr_t slot[2]; /* RT_POLL_READ, RT_POLL_WRITE: 0, PD_READY or a waiter */
    _Atomic uint32_t seq;      /* bumped at every close: tells stale events */
    uint32_t index;
    int fd;
    rt_pd_t *next_free; /* under pd_mu */
};

#define PD_CHUNK      1024u
#define PD_MAX_CHUNKS 8192u /* 8M descriptors */
#define WAKE_EVENT    UINT64_MAX

static pthread_mutex_t pd_mu = PTHREAD_MUTEX_INITIALIZER;
static rt_pd_t *pd_chunks[PD_MAX_CHUNKS]; /* written under pd_mu, then read-only */
static uint32_t pd_nchunks;
static rt_pd_t *pd_free;
static int epfd = -1, wakefd = -1;
static _Atomic int ready_init; /* epfd and wakefd are set (release/acquire) */
static _Atomic int64_t nwaiting;

/* Under pd_mu: the epoll set and its wake-up eventfd, on first use. */
static int init_locked(void)
{
    if (atomic_load_explicit(&ready_init, memory_order_relaxed))
        return 1;
    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0)
        return 0;
    wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = WAKE_EVENT};
    if (wakefd < 0 || epoll_ctl(epfd, EPOLL_CTL_ADD, wakefd, &ev) != 0) {
        int e = errno;
        close(epfd);
        if (wakefd >= 0)
            close(wakefd);
        epfd = wakefd = -1;
        errno = e;
        return 0;
    }
    /* Release: a poll that sees the flag sees the descriptors. */
    atomic_store_explicit(&ready_init, 1, memory_order_release);
    return 1;
}

/* Under pd_mu: a free poll descriptor, or NULL (ENOMEM). */
static rt_pd_t *take_pd_locked(void)
{
    if (!pd_free) {
        if (pd_nchunks == PD_MAX_CHUNKS) {
            errno = ENOMEM;
            return NULL;
        }
        rt_pd_t *c = calloc(PD_CHUNK, sizeof *c);
        if (!c) {
            errno = ENOMEM;
            return NULL;
        }
        for (uint32_t i = PD_CHUNK; i-- > 0;) {
            c[i].index = pd_nchunks * PD_CHUNK + i;
            c[i].next_free = pd_free;
            pd_free = &c[i];
        }
        pd_chunks[pd_nchunks++] = c;
    }
    rt_pd_t *pd = pd_free;
    pd_free = pd->next_free;
    return pd;
}

rt_pd_t *rt_poll_open(int fd)
{
    pthread_mutex_lock(&pd_mu);
    rt_pd_t *pd = init_locked() ? take_pd_locked() : NULL;
    pthread_mutex_unlock(&pd_mu);
    if (!pd)
        return NULL;
    pd->fd = fd;
    /* Relaxed: the epoll_ctl system call below orders these before any
     * event for the descriptor can be delivered. */
    atomic_store_explicit(&pd->slot[0], 0, memory_order_relaxed);
    atomic_store_explicit(&pd->slot[1], 0, memory_order_relaxed);
    uint32_t seq = atomic_load_explicit(&pd->seq, memory_order_relaxed);
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
                             .data.u64 = (uint64_t)seq << 32 | pd->index};
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
        int e = errno;
        rt_poll_close(pd);
        errno = e;
        return NULL;
    }
    return pd;
}

void rt_poll_close(rt_pd_t *pd)
{
    /* Events still in flight carry the old sequence number. The kernel
     * forgets the descriptor when it is closed; deleting it here as well
     * covers a descriptor that is also open elsewhere (dup, fork). */
    epoll_ctl(epfd, EPOLL_CTL_DEL, pd->fd, NULL);
    atomic_fetch_add_explicit(&pd->seq, 1, memory_order_relaxed); /* read by the poller only */
    pd->fd = -1;
    pthread_mutex_lock(&pd_mu);
    pd->next_free = pd_free;
    pd_free = pd;
    pthread_mutex_unlock(&pd_mu);
}

/* ---- waiting ---- */

/* Outside a process (unit tests, runtime threads): block this thread. */
static int wait_thread(rt_pd_t *pd, int mode, int64_t timeout_ms)
{
    struct pollfd p = {.fd = pd->fd, .events = mode == RT_POLL_READ ? POLLIN : POLLOUT};
    int t = timeout_ms < 0 ? -1 : timeout_ms > INT32_MAX ? INT32_MAX : (int)timeout_ms;
    int n;
    do
        n = poll(&p, 1, t);
    while (n < 0 && errno == EINTR);
    return n == 0 ? RT_POLL_TIMEOUT : RT_POLL_READY;
}

int rt_poll_wait(vm_ctx_t *ctx, rt_pd_t *pd, int mode, int64_t timeout_ms)
{
    if (!rt_ctx_is_process(ctx))
        return wait_thread(pd, mode, timeout_ms);
    rt_proc_t *p = rt_proc_of(ctx);
    _Atomic uintptr_t *slot = &pd->slot[mode];
    int armed = 0, r;
    for (;;) {
        /* seq_cst throughout: this is the park/wake hand-shake of
         * runtime/sched/sched.c, with the slot as the waker's flag. */
        uintptr_t v = atomic_load_explicit(slot, memory_order_seq_cst);
        if (v == PD_READY) {
            uintptr_t ready = PD_READY;
            if (atomic_compare_exchange_strong_explicit(slot, &ready, 0, memory_order_seq_cst,
                                                        memory_order_seq_cst)) {
                r = RT_POLL_READY;
                break;
            }
            continue;
        }
        if (v != 0)
            rt_unreachable("two processes wait on one descriptor in one direction");
        if (timeout_ms == 0) {
            r = RT_POLL_TIMEOUT;
            break;
        }
        /* Relaxed: the CAS below publishes it before the poller can set it. */
        atomic_store_explicit(&p->notified, 0, memory_order_relaxed);
        uintptr_t none = 0;
        if (!atomic_compare_exchange_strong_explicit(slot, &none, (uintptr_t)p,
                                                     memory_order_seq_cst, memory_order_seq_cst))
            continue; /* an edge came in meanwhile */
        if (timeout_ms > 0 && !armed) {
            rt_sched_arm_timer(p, timeout_ms);
            armed = 1;
        }
        atomic_fetch_add_explicit(&nwaiting, 1, memory_order_seq_cst); /* sleep/notify */
        rt_sched_park(p, armed);
        atomic_fetch_sub_explicit(&nwaiting, 1, memory_order_relaxed);
        uintptr_t me = (uintptr_t)p;
        if (!atomic_compare_exchange_strong_explicit(slot, &me, 0, memory_order_seq_cst,
                                                     memory_order_seq_cst))
            continue; /* the poller took us: the slot is READY */
        if (armed && p->timed_out) {
            r = RT_POLL_TIMEOUT;
            break;
        }
        if (atomic_load_explicit(&p->kill_reason, memory_order_relaxed)) {
            r = RT_POLL_KILLED;
            break;
        }
        /* A stale token woke us: wait again. */
    }
    if (armed)
        rt_sched_cancel_timer(p);
    return r;
}

/* ---- polling ---- */

int rt_netpoll_waiting(void)
{
    return atomic_load_explicit(&nwaiting, memory_order_seq_cst) > 0;
}

static int ready(_Atomic uintptr_t *slot)
{
    uintptr_t old = atomic_exchange_explicit(slot, PD_READY, memory_order_seq_cst);
    if (old <= PD_READY)
        return 0;
    rt_proc_t *p = (rt_proc_t *)old;
    atomic_store_explicit(&p->notified, 1, memory_order_seq_cst); /* park/wake */
    rt_sched_wake(p);
    return 1;
}

static int dispatch(const struct epoll_event *evs, int n)
{
    int woken = 0;
    for (int i = 0; i < n; i++) {
        uint64_t d = evs[i].data.u64;
        if (d == WAKE_EVENT) {
            uint64_t drain;
            while (read(wakefd, &drain, sizeof drain) > 0) {
            }
            continue;
        }
        uint32_t index = (uint32_t)d, seq = (uint32_t)(d >> 32);
        rt_pd_t *pd = &pd_chunks[index / PD_CHUNK][index % PD_CHUNK];
        if (atomic_load_explicit(&pd->seq, memory_order_relaxed) != seq)
            continue; /* closed since */
        uint32_t e = evs[i].events;
        if (e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
            woken += ready(&pd->slot[RT_POLL_READ]);
        if (e & (EPOLLOUT | EPOLLHUP | EPOLLERR))
            woken += ready(&pd->slot[RT_POLL_WRITE]);
    }
    return woken;
}

typedef struct {
    struct epoll_event evs[128];
    int ms, n;
} poll_t;

static void *poll_fn(void *arg)
{
    poll_t *w = arg;
    w->n = epoll_wait(epfd, w->evs, 128, w->ms);
    return NULL;
}

int rt_netpoll(int64_t timeout_ns)
{
    if (!atomic_load_explicit(&ready_init, memory_order_acquire))
        return 0;
    poll_t w;
    /* epoll_wait counts milliseconds: round up, so a timer is not missed. */
    w.ms = timeout_ns == INT64_MAX                       ? -1
           : timeout_ns <= 0                             ? 0
           : (timeout_ns + 999999) / 1000000 > INT32_MAX ? INT32_MAX
                                                         : (int)((timeout_ns + 999999) / 1000000);
    /* Blocked in a "blocking" section, as a parked worker: a collection
     * need not stop this thread. The events are handled outside it, since
     * waking touches process records. */
    if (w.ms != 0)
        GC_do_blocking(poll_fn, &w);
    else
        poll_fn(&w);
    return w.n > 0 ? dispatch(w.evs, w.n) : 0;
}

void rt_netpoll_break(void)
{
    if (!atomic_load_explicit(&ready_init, memory_order_acquire))
        return;
    uint64_t one = 1;
    ssize_t r = write(wakefd, &one, sizeof one);
    (void)r; /* a full counter already wakes the poller */
}
