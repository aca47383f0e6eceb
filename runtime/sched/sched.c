/*
 * runtime/sched/sched.c — worker threads, run queues, work stealing,
 * parking, timers, and the switch between processes (docs/processes.md).
 *
 * Each worker thread runs the scheduler loop at the top of its pthread
 * stack; below it, RT_SCHED_RESERVE bytes further down, starts the region
 * where its processes run. A switch saves the outgoing process's used
 * native stack [sp, region top) and shadow stack [ss_base, ssp) into
 * buffers of exactly that size, and copies the incoming process's back to
 * the same addresses. The copy is lazy: a process that runs again before
 * another one needs the region is not copied at all.
 *
 * Queues of one worker:
 *   runq   FIFO of its started processes (only the worker touches it);
 *   inbox  MPSC queue where other threads put its processes they woke;
 *   fresh  ring of spawned processes that have not run yet; idle workers
 *          steal half of it;
 * and one global queue (mutex) for the main process and ring overflow.
 *
 * Atomics. Two hand-shakes must never lose a wake-up, and both are the
 * store-then-load pattern that only sequential consistency orders (each
 * side stores its flag, then loads the other's; with every access
 * seq_cst, at least one side sees the other's store):
 *
 *   park/wake of a process   the process stores state = WAITING, then
 *       loads what could end its wait (mailbox tail, `notified`,
 *       `kill_reason`); a waker stores that first (a message push, the
 *       token, the kill reason), then CASes the state from WAITING.
 *   sleep/notify of a worker the worker stores sleeping = 1 and counts
 *       itself idle, then loads its queues (inbox tail, global_len, the
 *       rings); a producer publishes work first, then exchanges
 *       sleeping (notify) or loads nidle (wake_idle).
 *
 * Those accesses are seq_cst and say so; everything else is relaxed or
 * acquire/release with the reason given where it is made.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define GC_THREADS
#include <gc/gc.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define RT_ASAN 1
#endif
/* ThreadSanitizer follows each process as a fiber of its own, so that its
 * view of the call stack and of happens-before survives the switches. */
#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#define TSAN_ONLY(...) __VA_ARGS__
#else
#define TSAN_ONLY(...)
#endif

#include "platform/switch.h"
#include "sched/netpoll.h"
#include "sched/sched.h"

/* Stack the scheduler loop may use below its own frame (the collector,
 * signal handlers and reaping run there). */
#define RT_SCHED_RESERVE (64 * 1024)

_Thread_local rt_worker_t *rt_cur_worker __attribute__((tls_model("initial-exec")));
rt_sched_hooks_t rt_sched_hooks;

void rt_sched_set_hooks(const rt_sched_hooks_t *hooks)
{
    rt_sched_hooks = *hooks;
}

static rt_worker_t *workers;
static int nworkers;
static size_t proc_stack_size;     /* scheduler.stack_size */
static size_t ss_slots = 1u << 20; /* shadow stack of a worker, in words: stack size / 8 */
static uint64_t det_seed;          /* VMRT_SEED: deterministic mode */
/* Deterministic mode: a slice ends after a seeded number of stack checks
 * (prologues and loop back-edges), at most this many. */
#define RT_DET_BUDGET 4000

static pthread_mutex_t global_mu = PTHREAD_MUTEX_INITIALIZER;
static rt_plist_t global_q = {.tailp = &global_q.head};
static _Atomic int64_t global_len; /* global_q.len, readable without the lock */
static _Atomic int nidle;          /* workers parked or about to park */
static _Atomic int nspinning;      /* workers looking for work before parking */
static _Atomic int poller_busy;    /* a worker is blocked in the netpoller */
static _Atomic uint64_t nspawned;  /* processes spawned until others_started */
static _Atomic int others_started; /* workers 1.. and the ticker (start_others) */

#define PROC_OF_LINK(n) ((rt_proc_t *)((char *)(n)-offsetof(rt_proc_t, qlink)))

int64_t rt_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int rt_sched_nworkers(void)
{
    return nworkers;
}

rt_worker_t *rt_sched_worker(int i)
{
    return &workers[i];
}

/* ---- futex parking ---- */

static void futex_wait(_Atomic int *addr, int val, int64_t timeout_ns)
{
    struct timespec ts, *tp = NULL;
    if (timeout_ns != INT64_MAX) {
        if (timeout_ns < 0)
            timeout_ns = 0;
        ts.tv_sec = timeout_ns / 1000000000;
        ts.tv_nsec = timeout_ns % 1000000000;
        tp = &ts;
    }
    syscall(SYS_futex, (int *)addr, FUTEX_WAIT_PRIVATE, val, tp, NULL, 0);
}

static void futex_wake(_Atomic int *addr)
{
    syscall(SYS_futex, (int *)addr, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* Between each side's store and its load of the two hand-shakes (top of
 * the file). seq_cst accesses alone order them in the C model and on the
 * hardware; on aarch64 they are stlr and ldar, whose order qemu-user on an
 * x86 host does not keep (its barriers go before an stlr and after an
 * ldar, not between them), and a process then missed its wake-up
 * (tests/e2e/proc_down_after_exit hung under qemu-aarch64). So aarch64
 * gets a full fence (dmb ish) there. On x86-64 a seq_cst store or RMW is
 * a locked instruction and on riscv64 a seq_cst load starts with fence
 * rw,rw: the order is kept already, and only the compiler is told. */
static inline void rt_sched_fence(void)
{
#if defined(__aarch64__)
    atomic_thread_fence(memory_order_seq_cst);
#else
    atomic_signal_fence(memory_order_seq_cst);
#endif
}

/* rt_worker_t.sleeping: awake, parked on its futex, or blocked in the
 * netpoller (woken through the poller's eventfd). */
enum { AWAKE, ON_FUTEX, IN_POLLER };

/* After publishing work for w. seq_cst: sleep/notify (top of the file). */
static void notify(rt_worker_t *w)
{
    rt_sched_fence();
    int was = atomic_exchange_explicit(&w->sleeping, AWAKE, memory_order_seq_cst);
    if (was == ON_FUTEX)
        futex_wake(&w->sleeping);
    else if (was == IN_POLLER)
        rt_netpoll_break();
}

/* New stealable work: wake an idle worker unless one is already looking.
 * seq_cst: sleep/notify, for work in the global queue, which only a
 * woken worker may find. (Work in the caller's own ring is run by the
 * caller anyway: there a missed wake-up costs parallelism, not progress;
 * nspinning is only such a hint, relaxed.) */
static void wake_idle(void)
{
    rt_sched_fence();
    if (atomic_load_explicit(&nidle, memory_order_seq_cst) == 0 ||
        atomic_load_explicit(&nspinning, memory_order_relaxed) > 0)
        return;
    for (int i = 0; i < nworkers; i++)
        if (atomic_load_explicit(&workers[i].sleeping, memory_order_seq_cst)) {
            notify(&workers[i]);
            return;
        }
}

/* ---- queues ---- */

/* An intrusive FIFO of processes through qlink: the local run queue
 * (owner only) and the global queue (under global_mu). The link is atomic
 * for the MPSC inbox, which shares it; here it is relaxed: one thread at
 * a time touches the list. */
static void plist_push(rt_plist_t *l, rt_proc_t *p)
{
    atomic_store_explicit(&p->qlink.next, NULL, memory_order_relaxed);
    *l->tailp = &p->qlink;
    l->tailp = (rt_mpsc_node_t **)&p->qlink.next;
    l->len++;
}

static rt_proc_t *plist_pop(rt_plist_t *l)
{
    rt_mpsc_node_t *n = l->head;
    if (!n)
        return NULL;
    l->head = atomic_load_explicit(&n->next, memory_order_relaxed);
    if (!l->head)
        l->tailp = &l->head;
    l->len--;
    return PROC_OF_LINK(n);
}

/* Append `n` processes to the global queue under one lock. */
static void global_push_n(rt_proc_t **ps, uint32_t n)
{
    pthread_mutex_lock(&global_mu);
    for (uint32_t i = 0; i < n; i++)
        plist_push(&global_q, ps[i]);
    /* seq_cst: sleep/notify; the queue itself is guarded by the mutex. */
    atomic_fetch_add_explicit(&global_len, (int64_t)n, memory_order_seq_cst);
    pthread_mutex_unlock(&global_mu);
    wake_idle();
}

static rt_proc_t *global_pop(void)
{
    /* Relaxed: a hint to skip the lock; the pop is made under it. */
    if (atomic_load_explicit(&global_len, memory_order_relaxed) == 0)
        return NULL;
    pthread_mutex_lock(&global_mu);
    rt_proc_t *p = plist_pop(&global_q);
    if (p)
        atomic_fetch_sub_explicit(&global_len, 1, memory_order_relaxed); /* under the mutex */
    pthread_mutex_unlock(&global_mu);
    return p;
}

static uint64_t next_rand(rt_worker_t *w)
{
    /* xorshift64* */
    uint64_t x = w->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    w->rng = x;
    return x * 0x2545F4914F6CDD1DULL;
}

static void start_others(void);

void rt_sched_spawned(rt_proc_t *p)
{
    /* The first process after main starts the other workers and the
     * ticker: a program of one process never needs them (start-up). After
     * that a spawn only reads the flag (no shared counter to contend on). */
    if (!atomic_load_explicit(&others_started, memory_order_relaxed) &&
        atomic_fetch_add_explicit(&nspawned, 1, memory_order_relaxed) == 1) {
        atomic_store_explicit(&others_started, 1, memory_order_relaxed);
        start_others();
    }
    rt_worker_t *w = rt_cur_worker;
    if (!w) {
        global_push_n(&p, 1);
        return;
    }
    /* The newest spawn runs next (Go's runnext): a tree of spawns unfolds
     * depth first, so finished leaves free their memory early; the one it
     * displaces joins the stealable ring. */
    rt_proc_t *prev = w->runnext;
    w->runnext = p;
    if (!prev)
        return;
    p = prev;
    if (rt_ring_push(&w->fresh, p)) {
        wake_idle();
        return;
    }
    /* Full: half of it, and p, go to the global queue in one batch. */
    void *batch[RT_RING_SIZE / 2 + 1];
    uint32_t n = rt_ring_take(&w->fresh, batch, RT_RING_SIZE / 2);
    batch[n++] = p;
    global_push_n((rt_proc_t **)batch, n);
}

void rt_sched_ready(rt_proc_t *p)
{
    rt_worker_t *w = p->home;
    if (w == rt_cur_worker) {
        plist_push(&w->runq, p);
        /* It runs soon on this core: start fetching what its switch reads. */
        for (size_t off = 0; off < sizeof p->inl; off += 64)
            __builtin_prefetch(p->inl + off);
        return;
    }
    rt_mpsc_push(&w->inbox, &p->qlink);
    notify(w);
}

void rt_sched_wake(rt_proc_t *p)
{
    /* seq_cst: park/wake (top of the file). Winning the CAS makes this
     * thread the one that queues p. */
    int expect = RT_P_WAITING;
    rt_sched_fence();
    if (atomic_compare_exchange_strong_explicit(&p->state, &expect, RT_P_RUNNABLE,
                                                memory_order_seq_cst, memory_order_seq_cst))
        rt_sched_ready(p);
}

/* ---- timers ---- */

void rt_sched_arm_timer(rt_proc_t *p, int64_t ms)
{
    if (p->timer_pos >= 0)
        return;
    int64_t now = rt_now_ns();
    int64_t deadline = ms > (INT64_MAX - now) / 1000000 ? INT64_MAX - 1 : now + ms * 1000000;
    if (!rt_timer_add(&p->home->timers, deadline, &p->timer_pos))
        rt_fatal(NULL, "out_of_memory", "cannot grow the timer heap");
}

void rt_sched_cancel_timer(rt_proc_t *p)
{
    rt_timer_cancel(&p->home->timers, &p->timer_pos);
    p->timed_out = 0;
}

static void fire_timers(rt_worker_t *w)
{
    if (!w->timers.len)
        return;
    int64_t now = rt_now_ns();
    int64_t *pos;
    while ((pos = rt_timer_pop_due(&w->timers, now))) {
        rt_proc_t *p = (rt_proc_t *)((char *)pos - offsetof(rt_proc_t, timer_pos));
        p->timed_out = 1;
        rt_sched_wake(p);
    }
}

/* ---- saving and restoring the stacks of a process ---- */

#ifdef RT_ASAN
/* The regions hold other frames' redzones: copy without ASan's checks. */
__attribute__((no_sanitize_address)) static void copy_bytes(void *dst, const void *src, size_t n)
{
    volatile uint64_t *d = dst;
    const volatile uint64_t *s = src;
    for (size_t i = 0; i < n / 8; i++)
        d[i] = s[i];
}
#else
#define copy_bytes memcpy
#endif

/* A process's frames left the region (saved, or it ended): under ASan,
 * clear their redzones, or the next process's frames would trip on them. */
static void leave_region(rt_worker_t *w, rt_proc_t *p)
{
#ifdef RT_ASAN
    __asan_unpoison_memory_region(p->sp, (size_t)(w->region_top - (char *)p->sp));
#else
    (void)w, (void)p;
#endif
}

static void save(rt_worker_t *w, rt_proc_t *p)
{
    size_t n = (size_t)(w->region_top - (char *)p->sp);
    size_t m = (size_t)(p->ctx.ssp - w->ss_base);
    size_t need = n + m * sizeof(vm_val_t);
    char *buf = p->inl;
    if (need > sizeof p->inl) {
        if (need > p->savecap) {
            size_t cap = need + need / 2;
            char *b = rt_gc_malloc(cap, 1);
            if (!b)
                rt_fatal(NULL, "out_of_memory", "cannot save a process stack of %zu bytes", need);
            p->save = b;
            p->savecap = cap;
        }
        buf = p->save;
    }
    copy_bytes(buf, p->sp, n);
    copy_bytes(buf + n, w->ss_base, m * sizeof(vm_val_t));
    /* Ordered for the collector, which may stop this thread anywhere:
     * the copies are complete before they count as roots, and they count
     * before the regions stop counting. */
    atomic_signal_fence(memory_order_seq_cst);
    p->nlen = n;
    p->slen = m;
    atomic_signal_fence(memory_order_seq_cst);
    atomic_store_explicit(&w->live, NULL, memory_order_relaxed);
    leave_region(w, p);
}

/* A process ended: zero its frames in the region and RT_EXIT_CLEAR bytes
 * below them, where its deepest recent calls (an allocation, a collection)
 * left copies of its pointers. The next process to run on this worker
 * puts its frames there, and the collector scans their uninitialised
 * slots: without this, the data of a process that ended (often all of the
 * heap, when it ended for want of memory) could stay reachable long after,
 * and its supervisor could not start it again. */
#define RT_EXIT_CLEAR 4096
static void clear_dead_frames(rt_worker_t *w, rt_proc_t *p)
{
    char *lo = (char *)p->sp - RT_EXIT_CLEAR;
#ifdef RT_ASAN
    __asan_unpoison_memory_region(lo, (size_t)(w->region_top - lo));
#endif
    memset(lo, 0, (size_t)(w->region_top - lo));
}

/* w->live is read by the collector (push_roots in proc.c) only while this
 * thread is stopped, and the stop's signal hand-shake orders this thread's
 * stores before the read: relaxed, with signal fences to keep the
 * compiler's order (as in save). */
static void restore(rt_worker_t *w, rt_proc_t *p)
{
    atomic_store_explicit(&w->live, p, memory_order_relaxed);
    atomic_signal_fence(memory_order_seq_cst);
    const char *buf = p->nlen + p->slen * sizeof(vm_val_t) > sizeof p->inl ? p->save : p->inl;
#ifdef RT_ASAN
    __asan_unpoison_memory_region(p->sp, p->nlen);
#endif
    copy_bytes(p->sp, buf, p->nlen);
    copy_bytes(w->ss_base, buf + p->nlen, p->slen * sizeof(vm_val_t));
    atomic_signal_fence(memory_order_seq_cst);
    p->nlen = 0;
    p->slen = 0;
}

static void run(rt_worker_t *w, rt_proc_t *p)
{
    /* Relaxed: w->live is this worker's own (restore explains the rest). */
    rt_proc_t *live = atomic_load_explicit(&w->live, memory_order_relaxed);
    if (live != p) {
        if (live)
            save(w, live);
        if (!p->sp) {
            /* First run: p lives on this worker from now on. */
            p->home = w;
            p->ctx.ss_base = w->ss_base;
            p->ctx.ssp = w->ss_base;
            p->ctx.ss_limit = w->ss_limit;
            p->ctx.stack_floor = w->stack_limit;
            atomic_store_explicit(&w->live, p, memory_order_relaxed);
            atomic_signal_fence(memory_order_seq_cst);
#ifdef RT_ASAN
            __asan_unpoison_memory_region(w->region_top - RT_SWITCH_FRAME_BYTES,
                                          RT_SWITCH_FRAME_BYTES);
#endif
            p->sp = rt_switch_init(w->region_top, rt_sched_hooks.entry, p);
            TSAN_ONLY(p->tsan_fiber = __tsan_create_fiber(0));
        } else {
            restore(w, p);
        }
    }
    /* Relaxed: only this worker moves a RUNNABLE process on; wakers look
     * for WAITING, which it is not. */
    atomic_store_explicit(&p->state, RT_P_RUNNING, memory_order_relaxed);
    /* A new slice: the real stack limit (a preemption request left from an
     * earlier slice is void), or in deterministic mode a seeded number of
     * checks, each of which takes the slow path. Relaxed: the ticker's
     * stores race with this one harmlessly (a spurious early yield). */
    if (det_seed)
        p->det_budget = 1 + (int64_t)(next_rand(w) % RT_DET_BUDGET);
    atomic_store_explicit((_Atomic uintptr_t *)&p->ctx.stack_limit,
                          det_seed ? VM_STACK_PREEMPT : p->ctx.stack_floor, memory_order_relaxed);
    w->cur = p;
    RT_STAT_ADD(&w->stats, switches, 1);
    atomic_store_explicit(&w->slice_no,
                          atomic_load_explicit(&w->slice_no, memory_order_relaxed) + 1,
                          memory_order_relaxed);
    atomic_store_explicit(&w->slice_proc, p, memory_order_relaxed);
    TSAN_ONLY(__tsan_switch_to_fiber(p->tsan_fiber, 0));
    rt_switch(&w->sched_sp, p->sp);
    atomic_store_explicit(&w->slice_proc, NULL, memory_order_relaxed);
    w->cur = NULL;
    switch (p->after) {
    case RT_AFTER_YIELD:
        /* Relaxed: from RUNNING, which no other thread acts on. */
        atomic_store_explicit(&p->state, RT_P_RUNNABLE, memory_order_relaxed);
        plist_push(&w->runq, p);
        break;
    case RT_AFTER_BLOCK: break; /* WAITING, or already queued by a waker */
    case RT_AFTER_EXIT:
        atomic_store_explicit(&w->live, NULL, memory_order_relaxed);
        TSAN_ONLY(__tsan_destroy_fiber(p->tsan_fiber));
        leave_region(w, p);
        clear_dead_frames(w, p);
        rt_sched_hooks.reap(p);
        break;
    }
}

void rt_sched_switch_out(rt_proc_t *p)
{
    TSAN_ONLY(__tsan_switch_to_fiber(rt_cur_worker->tsan_fiber, 0));
    rt_switch(&p->sp, rt_cur_worker->sched_sp);
}

/* Leave the wait begun with state WAITING, unless a waker has taken it
 * (it queued p then: switch out and be resumed from there). */
static int cancel_wait(rt_proc_t *p)
{
    int expect = RT_P_WAITING;
    return atomic_compare_exchange_strong_explicit(&p->state, &expect, RT_P_RUNNING,
                                                   memory_order_seq_cst, memory_order_seq_cst);
}

void rt_sched_block(rt_proc_t *p)
{
    /* seq_cst: park/wake (top of the file); rt_mpsc_nonempty loads the
     * mailbox tail seq_cst. timed_out is written by this worker only. */
    atomic_store_explicit(&p->state, RT_P_WAITING, memory_order_seq_cst);
    rt_sched_fence();
    if (rt_mpsc_nonempty(&p->in) || atomic_load_explicit(&p->kill_reason, memory_order_seq_cst) ||
        p->timed_out) {
        if (cancel_wait(p))
            return;
        /* A waker queued us already: switch out and be resumed from there. */
    }
    p->after = RT_AFTER_BLOCK;
    rt_sched_switch_out(p);
}

void rt_sched_park(rt_proc_t *p, int timed)
{
    /* WAITING is stored before the token is read, and a waker stores the
     * token before it reads the state (rt_sched_wake): one of the two sees
     * the other, so a wake-up is never lost. */
    atomic_store_explicit(&p->state, RT_P_WAITING, memory_order_seq_cst);
    rt_sched_fence();
    if (atomic_load_explicit(&p->notified, memory_order_seq_cst) ||
        atomic_load_explicit(&p->kill_reason, memory_order_seq_cst) || (timed && p->timed_out)) {
        if (cancel_wait(p))
            return;
    }
    p->after = RT_AFTER_BLOCK;
    rt_sched_switch_out(p);
}

/* Something this worker could run without stealing (timers not counted).
 * seq_cst loads of the inbox tail and global_len: sleep/notify (top of the
 * file), when this is the check made before parking. */
static int local_work(rt_worker_t *w)
{
    return w->runq.head || w->runnext || rt_ring_len(&w->fresh) || rt_mpsc_nonempty(&w->inbox) ||
           atomic_load_explicit(&global_len, memory_order_seq_cst);
}

static int others_waiting(rt_worker_t *w)
{
    return local_work(w) || (w->timers.len && rt_timer_next(&w->timers) <= rt_now_ns());
}

void rt_sched_yield(rt_proc_t *p)
{
    rt_worker_t *w = rt_cur_worker;
    p->det_budget = RT_DET_BUDGET; /* the next slice draws its own */
    if (!others_waiting(w))
        return;
    p->after = RT_AFTER_YIELD;
    rt_sched_switch_out(p);
}

int rt_sched_preempted(rt_proc_t *p)
{
    if (det_seed)
        return --p->det_budget <= 0;
    atomic_store_explicit((_Atomic uintptr_t *)&p->ctx.stack_limit, p->ctx.stack_floor,
                          memory_order_relaxed);
    RT_STAT_ADD(&rt_cur_worker->stats, preemptions, 1);
    return 1;
}

void rt_sched_request_preempt(rt_proc_t *p)
{
    if (!det_seed)
        atomic_store_explicit((_Atomic uintptr_t *)&p->ctx.stack_limit, VM_STACK_PREEMPT,
                              memory_order_relaxed);
}

/* ---- the ticker ----
 *
 * Time slices (Go's sysmon). Every RT_SLICE_NS the ticker thread looks at
 * each worker: if the process it runs is the one it ran at the last look
 * (the same slice number), the ticker stores VM_STACK_PREEMPT into that
 * process's stack limit, and the process's next prologue or loop back-edge
 * yields. The ticker is a thread the collector knows (GC_pthread_create),
 * so the record it is about to write into cannot be freed under it; a
 * stale write lands on a process that is no longer running, whose next
 * slice restores its limit. With every worker asleep for RT_TICKER_IDLE
 * looks in a row it parks, until a worker wakes from sleep (next_proc). */
#define RT_SLICE_NS    (2 * 1000 * 1000)
#define RT_TICKER_IDLE 25
static _Atomic int ticker_parked;

static void *ticker_park_fn(void *unused)
{
    (void)unused;
    futex_wait(&ticker_parked, 1, INT64_MAX);
    return NULL;
}

static int all_asleep(void)
{
    for (int i = 0; i < nworkers; i++)
        if (atomic_load_explicit(&workers[i].sleeping, memory_order_seq_cst) == AWAKE)
            return 0;
    return 1;
}

static void *ticker_main(void *unused)
{
    (void)unused;
    uint64_t *seen = calloc((size_t)nworkers, sizeof *seen);
    if (!seen)
        rt_fatal(NULL, "out_of_memory", "cannot start the scheduler's ticker");
    int idle = 0;
    for (;;) {
        struct timespec ts = {0, RT_SLICE_NS};
        nanosleep(&ts, NULL); /* EINTR (a collection's signal): a shorter look */
        for (int i = 0; i < nworkers; i++) {
            rt_worker_t *w = &workers[i];
            rt_proc_t *p = atomic_load_explicit(&w->slice_proc, memory_order_relaxed);
            uint64_t n = atomic_load_explicit(&w->slice_no, memory_order_relaxed);
            if (p && n == seen[i])
                rt_sched_request_preempt(p);
            seen[i] = n;
        }
        idle = all_asleep() ? idle + 1 : 0;
        if (idle < RT_TICKER_IDLE)
            continue;
        /* seq_cst: sleep/notify as the workers' (top of the file): the flag
         * is stored before the workers' states are looked at again, and a
         * waking worker stores AWAKE before it looks at the flag. */
        atomic_store_explicit(&ticker_parked, 1, memory_order_seq_cst);
        rt_sched_fence();
        if (all_asleep())
            GC_do_blocking(ticker_park_fn, NULL);
        atomic_store_explicit(&ticker_parked, 0, memory_order_relaxed);
        idle = 0;
    }
    return NULL;
}

static void wake_ticker(void)
{
    if (atomic_exchange_explicit(&ticker_parked, 0, memory_order_seq_cst))
        futex_wake(&ticker_parked);
}

/* ---- the scheduler loop ---- */

static void drain_inbox(rt_worker_t *w)
{
    rt_mpsc_node_t *n;
    while ((n = rt_mpsc_pop(&w->inbox)))
        plist_push(&w->runq, PROC_OF_LINK(n));
}

static rt_proc_t *steal(rt_worker_t *w)
{
    if (nworkers < 2)
        return NULL;
    int start = (int)(next_rand(w) % (uint64_t)nworkers);
    for (int k = 0; k < nworkers; k++) {
        rt_worker_t *v = &workers[(start + k) % nworkers];
        if (v == w)
            continue;
        rt_proc_t *p = rt_ring_steal(&v->fresh, &w->fresh);
        if (p) {
            RT_STAT_ADD(&w->stats, steals, 1);
            return p;
        }
    }
    return NULL;
}

/* Work here, or another worker's to steal. */
static int has_work(rt_worker_t *w)
{
    if (local_work(w))
        return 1;
    for (int i = 0; i < nworkers; i++)
        if (rt_ring_len(&workers[i].fresh))
            return 1;
    return 0;
}

static rt_proc_t *take_fresh(rt_worker_t *w)
{
    rt_proc_t *p = w->runnext;
    if (p) {
        w->runnext = NULL;
        return p;
    }
    return rt_ring_pop(&w->fresh);
}

/* Readiness the netpoller has for processes, without blocking, unless a
 * worker is blocked in it already. Relaxed: a hint; a missed poll only
 * delays until the next. */
static void poll_now(void)
{
    if (rt_netpoll_waiting() && !atomic_load_explicit(&poller_busy, memory_order_relaxed))
        rt_netpoll(0);
}

static rt_proc_t *find_local(rt_worker_t *w)
{
    w->tick++;
    fire_timers(w);
    if (w->tick % 31 == 0)
        poll_now(); /* a busy program still sees its descriptors get ready */
    drain_inbox(w);
    rt_proc_t *p;
    if (w->tick % 61 == 0 && (p = global_pop()))
        return p;
    if (det_seed && w->runq.len > 1 && (next_rand(w) & 1))
        plist_push(&w->runq, plist_pop(&w->runq)); /* deterministic mode: vary the order */
    if (w->tick & 1) {
        if ((p = take_fresh(w)) || (p = plist_pop(&w->runq)))
            return p;
    } else if ((p = plist_pop(&w->runq)) || (p = take_fresh(w))) {
        return p;
    }
    return global_pop();
}

typedef struct {
    rt_worker_t *w;
    int64_t timeout_ns;
} park_t;

static void *park_fn(void *arg)
{
    park_t *park = arg;
    futex_wait(&park->w->sleeping, ON_FUTEX, park->timeout_ns);
    return NULL;
}

static void *pause_forever(void *unused)
{
    (void)unused;
    for (;;)
        pause();
    return NULL;
}

static rt_proc_t *next_proc(rt_worker_t *w)
{
    for (;;) {
        rt_proc_t *p = find_local(w);
        if (p || (p = steal(w)))
            return p;
        /* Spin a little: work often arrives within microseconds. The count
         * of spinners is a hint for wake_idle: relaxed. */
        atomic_fetch_add_explicit(&nspinning, 1, memory_order_relaxed);
        for (int i = 0; i < 100 && !p; i++) {
            if (has_work(w))
                break;
#if defined(__x86_64__)
            __builtin_ia32_pause();
#endif
        }
        atomic_fetch_sub_explicit(&nspinning, 1, memory_order_relaxed);
        poll_now();
        if ((p = find_local(w)) || (p = steal(w)))
            return p;
        /* Park until woken or the next timer is due: in the netpoller if
         * processes wait on descriptors and no other worker polls, else on
         * the futex. Acquire on winning the poller: pairs with the release
         * of the last poller. */
        int zero = 0;
        int polling = rt_netpoll_waiting() &&
                      atomic_compare_exchange_strong_explicit(
                          &poller_busy, &zero, 1, memory_order_acquire, memory_order_relaxed);
        /* seq_cst: sleep/notify (top of the file): both flags are stored
         * before has_work looks. A notifier that comes after the store
         * wakes the futex or the poller, whichever this worker is about to
         * wait in. */
        atomic_store_explicit(&w->sleeping, polling ? IN_POLLER : ON_FUTEX, memory_order_seq_cst);
        atomic_fetch_add_explicit(&nidle, 1, memory_order_seq_cst);
        rt_sched_fence();
        if (!has_work(w)) {
            int64_t next = rt_timer_next(&w->timers);
            int64_t timeout = next == INT64_MAX ? INT64_MAX : next - rt_now_ns();
            if (polling) {
                rt_netpoll(timeout);
            } else {
                park_t park = {w, timeout};
                /* Parked in a "blocking" section: a collection scans this
                 * thread's stack as it is now instead of stopping it with a
                 * signal (the processes' roots are pushed separately). */
                GC_do_blocking(park_fn, &park);
            }
        }
        if (polling)
            atomic_store_explicit(&poller_busy, 0, memory_order_release);
        /* Awake: nothing to order against (a notifier that still sees the
         * old state only makes a spare wake-up call), but the ticker's
         * parking (seq_cst: see the ticker). */
        atomic_store_explicit(&w->sleeping, AWAKE, memory_order_seq_cst);
        atomic_fetch_sub_explicit(&nidle, 1, memory_order_relaxed);
        rt_sched_fence();
        if (atomic_load_explicit(&ticker_parked, memory_order_seq_cst))
            wake_ticker();
    }
}

static void *worker_main(void *arg)
{
    rt_worker_t *w = arg;
    rt_cur_worker = w;
    TSAN_ONLY(w->tsan_fiber = __tsan_get_current_fiber());
    char here;
    w->region_top = (char *)(((uintptr_t)&here - RT_SCHED_RESERVE) & ~(uintptr_t)15);
    w->stack_limit = rt_thread_stack_limit();
    if (w->stack_limit + 64 * 1024 > (uintptr_t)w->region_top)
        rt_unreachable("worker stack too small");
    for (;;)
        run(w, next_proc(w));
    return NULL;
}

/* ---- configuration and start ---- */

static int default_workers(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
        return CPU_COUNT(&set);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

static rt_stats_t other_stats; /* threads that are not workers */

rt_stats_t *rt_stats_here(void)
{
    return rt_cur_worker ? &rt_cur_worker->stats : &other_stats;
}

void rt_sched_print_stats(int64_t live)
{
    rt_stats_t t = {0};
    for (int i = 0; i <= nworkers; i++) {
        rt_stats_t *s = i < nworkers ? &workers[i].stats : &other_stats;
        RT_STAT_ADD(&t, spawned, atomic_load_explicit(&s->spawned, memory_order_relaxed));
        RT_STAT_ADD(&t, sent, atomic_load_explicit(&s->sent, memory_order_relaxed));
        RT_STAT_ADD(&t, preemptions, atomic_load_explicit(&s->preemptions, memory_order_relaxed));
        RT_STAT_ADD(&t, switches, atomic_load_explicit(&s->switches, memory_order_relaxed));
        RT_STAT_ADD(&t, steals, atomic_load_explicit(&s->steals, memory_order_relaxed));
    }
    fprintf(stderr,
            "vmrt stats:\n"
            "  workers            %d\n"
            "  processes spawned  %llu\n"
            "  processes alive    %lld\n"
            "  messages sent      %llu\n"
            "  preemptions        %llu\n"
            "  context switches   %llu\n"
            "  steals             %llu\n"
            "  gc collections     %llu\n"
            "  heap size          %llu KiB\n",
            nworkers, (unsigned long long)t.spawned, (long long)live, (unsigned long long)t.sent,
            (unsigned long long)t.preemptions, (unsigned long long)t.switches,
            (unsigned long long)t.steals, (unsigned long long)GC_get_gc_no(),
            (unsigned long long)(GC_get_heap_size() >> 10));
}

void rt_sched_init(const rt_sched_settings_t *s)
{
    det_seed = s->seed;
    nworkers = s->workers ? s->workers : default_workers();
    if (det_seed)
        nworkers = 1; /* deterministic: one worker, seeded order and budgets */
    proc_stack_size = s->stack_size;
    ss_slots = proc_stack_size / sizeof(vm_val_t);
    workers = calloc((size_t)nworkers, sizeof *workers);
    if (!workers)
        rt_fatal(NULL, "out_of_memory", "cannot allocate %d workers", nworkers);
    for (int i = 0; i < nworkers; i++) {
        rt_worker_t *w = &workers[i];
        w->id = i;
        w->runq.tailp = &w->runq.head;
        rt_mpsc_init(&w->inbox);
        w->rng =
            (det_seed ? det_seed : 0x9E3779B97F4A7C15ULL) + (uint64_t)i * 0x632BE59BD9B4E019ULL;
        w->ss_base = rt_map_shadow_stack(ss_slots);
        w->ss_limit = w->ss_base + ss_slots;
    }
}

static void start_workers(int from, int to)
{
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr,
                              proc_stack_size + RT_SCHED_RESERVE + RT_STACK_MARGIN + (64u << 10));
    for (int i = from; i < to; i++)
        if (GC_pthread_create(&workers[i].thread, &attr, worker_main, &workers[i]) != 0)
            rt_fatal(NULL, "system_limit", "cannot start worker thread %d", i);
    pthread_attr_destroy(&attr);
}

/* Workers 1.. and the ticker, once. Until then worker 0 is the only one:
 * the others are awake with empty queues as far as anyone looks (no
 * process has them as its home, nothing is in their rings to steal), and
 * there is nobody to preempt for. */
static void start_others(void)
{
    start_workers(1, nworkers);
    pthread_t ticker;
    if (GC_pthread_create(&ticker, NULL, ticker_main, NULL) != 0)
        rt_fatal(NULL, "system_limit", "cannot start the scheduler's ticker");
}

void rt_sched_run(void)
{
    start_workers(0, 1);
    /* The program ends from the main process (rt_program_exit in proc.c).
     * Until then this thread waits where collections need not stop it. */
    GC_do_blocking(pause_forever, NULL);
    rt_unreachable("the main thread woke up");
}
