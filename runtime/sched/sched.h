/*
 * runtime/sched/sched.h — the M:N scheduler and the process record it runs
 * (docs/processes.md explains the design; docs/runtime.md the layers).
 *
 * A process is a green thread with its own process context (vm_ctx_t,
 * first member: a ctx pointer is the process pointer), mailbox, links,
 * monitors and timer. Processes run on N worker threads. Each worker runs
 * its processes on one region of its own pthread stack (below the frames
 * of the scheduler loop) and on one shadow stack; switching processes
 * copies the used part of both stacks out of the region and the next
 * process's part in, so an idle process holds only the bytes it used. A
 * process's saved stacks hold addresses inside its worker's regions, so a
 * process that has run stays on that worker ("home"); idle workers steal
 * processes that have not started yet.
 */
#ifndef VM_RT_SCHED_H
#define VM_RT_SCHED_H

#include <pthread.h>
#include <stdatomic.h>

#include "core/core.h"
#include "sched/queue.h"
#include "sched/timer.h"

struct rt_worker;

/* Counters for VMRT_STATS (docs/config.md). Each worker counts its own;
 * relaxed atomics let the exit report read them from another thread. */
typedef struct rt_stats {
    _Atomic uint64_t spawned, sent, preemptions, switches, steals;
} rt_stats_t;
#define RT_STAT_ADD(st, field, n)                                                                  \
    atomic_store_explicit(&(st)->field,                                                            \
                          atomic_load_explicit(&(st)->field, memory_order_relaxed) + (n),          \
                          memory_order_relaxed)
/* The running worker's counters, or shared ones for other threads. */
rt_stats_t *rt_stats_here(void);

/* Process states (rt_proc_t.state). */
enum {
    RT_P_RUNNABLE, /* in a run queue (or fresh) */
    RT_P_RUNNING,  /* on its worker */
    RT_P_WAITING,  /* parked (receive, sleep, channel, blocking call): rt_sched_wake resumes it */
    RT_P_DEAD
};

/* What a process asks of the scheduler when it switches out. */
enum { RT_AFTER_YIELD, RT_AFTER_BLOCK, RT_AFTER_EXIT };

typedef struct rt_msg {
    rt_mpsc_node_t link; /* MPSC link, then the private list's link */
    vm_val_t val;
} rt_msg_t;

typedef struct rt_mon {
    vm_val_t ref;
    vm_val_t pid; /* the watcher (in the target's list) or the target (in the watcher's
                   * table); there, the atom cancelled marks a cancelled task's record */
} rt_mon_t;

/* Stacks saved in a process record when they fit (most idle processes):
 * one allocation per process, read sequentially on a switch. */
#define RT_INLINE_SAVE 448

/* The record of a process. The scheduler owns the fields up to the inline
 * save area; the process layer (runtime/proc/) the mailbox and what
 * follows the save area, which the scheduler only reads to decide whether
 * a process may park (a message or an exit signal pending). Allocated
 * cache-line aligned (rt_proc_new). */
typedef struct rt_proc {
    /* Fields in order of use by a switch and a send: a switch touches the
     * first lines and the inline save area that follows them. */
    vm_ctx_t ctx; /* first: a ctx pointer is the process pointer */
    /* the second cache line: what a sender touches */
    _Alignas(64) vm_val_t pid;
    _Atomic int state;
    int after;                    /* RT_AFTER_*, set before switching to the scheduler */
    rt_mpsc_t in;                 /* senders push here (see mailbox.c) */
    struct rt_worker *home;       /* NULL until it first runs */
    rt_mpsc_node_t qlink;         /* run queues: local list, inbox, global queue */
    _Atomic vm_val_t kill_reason; /* 0, or the reason this process must end with */
    struct rt_proc *send_cache;   /* the last process this one sent to */
    /* saved stacks while switched out: native [sp, region top) then the
     * shadow stack [ss_base, ssp), in `inl` or in `save` (atomic memory,
     * pushed as a root) */
    void *sp;
    size_t nlen, slen; /* bytes, words; both 0: nothing saved */
    char *save;        /* NULL: the save is in `inl` */
    size_t savecap;

    /* mailbox: the owner moves messages from `in` to the private list
     * first..*tailp, where the receive cursor walks */
    rt_msg_t *first;
    rt_mpsc_node_t **tailp; /* link field after the last private message */
    rt_mpsc_node_t **cursor;
    rt_mpsc_node_t **mark; /* recv.mark position, NULL if none */
    int64_t nmsgs;         /* messages in the private list */
    int64_t timer_pos;     /* receive or sleep timer in home's heap, -1: none */
    int timed_out;
    /* One-shot wake token: set (then rt_sched_wake) by whoever ends a wait
     * of this process that is not on its mailbox or timer: a blocking
     * call's helper (blocking.c), a channel operation that served it
     * (chan.c, under the channel's lock). The waiter clears it before it
     * registers. */
    _Atomic int notified;
    _Atomic int trap_exit;
    int64_t det_budget; /* deterministic mode: stack checks left in this slice */

    _Alignas(16) char inl[RT_INLINE_SAVE];

    /* entry */
    vm_val_t fn, args; /* function value and array of arguments */
    int is_main;
    int respawn_main; /* a failed main: start a new one once this one is gone */
    /* links, monitors, name (under `lock`) */
    atomic_flag lock;
    int exiting;
    vm_val_t exit_reason;
    vm_val_t *links;
    uint32_t nlinks, caplinks;
    rt_mon_t *watchers; /* monitors of this process */
    uint32_t nwatchers, capwatchers;
    rt_mon_t *watching; /* monitors this process holds: a hash table by ref (proc.c) */
    uint32_t nwatching, capwatching;
    vm_val_t name; /* registered name or 0 */
    /* dependency injection (runtime/di): this process's results of
     * process-scoped providers, one slot per dependency, 0 until asked */
    vm_val_t *di_cache;
    /* resources this process owns (runtime/proc/own.c), under `lock` */
    struct rt_owned *owned;
    uint32_t nowned, sweep_at;
#ifdef __SANITIZE_THREAD__
    void *tsan_fiber; /* ThreadSanitizer's view of this context (sched.c) */
#endif
} rt_proc_t;

_Static_assert(offsetof(rt_proc_t, pid) == 64, "what a sender touches starts the second line");
_Static_assert(_Alignof(rt_proc_t) == 64, "a process record is cache-line aligned");

static inline rt_proc_t *rt_proc_of(vm_ctx_t *ctx)
{
    return (rt_proc_t *)ctx;
}

typedef struct rt_plist {
    rt_mpsc_node_t *head, **tailp;
    int64_t len;
} rt_plist_t;

typedef struct rt_worker {
    int id;
    pthread_t thread;
    char *region_top;      /* processes run below this address */
    uintptr_t stack_limit; /* their native stack limit */
    vm_val_t *ss_base, *ss_limit;
    void *sched_sp;          /* the scheduler loop, while a process runs */
    rt_proc_t *_Atomic live; /* the process whose stacks are in the regions */
    rt_proc_t *cur;          /* the running process */
    rt_plist_t runq;         /* FIFO of its started processes (only it touches it) */
    rt_mpsc_t inbox;         /* woken by other threads */
    rt_proc_t *runnext;      /* the last process spawned here: runs next (depth first) */
    rt_ring_t fresh;         /* not started yet: stealable */
    rt_timers_t timers;
    _Atomic int sleeping;
    uint64_t tick, rng;
    rt_stats_t stats; /* written by this worker only */
    /* the time slice, read by the ticker (sched.c): the process running
     * (NULL between slices) and a count of slices begun */
    rt_proc_t *_Atomic slice_proc;
    _Atomic uint64_t slice_no;
#ifdef __SANITIZE_THREAD__
    void *tsan_fiber; /* the scheduler loop's, for ThreadSanitizer */
#endif
} rt_worker_t;

/* ---- sched.c ---- */

typedef struct rt_sched_settings {
    int workers;       /* 0: one per CPU */
    size_t stack_size; /* bytes of each process's native stack */
    uint64_t seed;     /* 0: none; else deterministic: one worker, seeded order */
} rt_sched_settings_t;

/* What the process layer (runtime/proc/) does at the scheduler's three
 * points of contact with a process's life; set once, before any worker
 * starts (rt_sched_set_hooks). */
typedef struct rt_sched_hooks {
    void (*entry)(void *proc);        /* a process's first frame; never returns */
    void (*reap)(rt_proc_t *p);       /* on the scheduler's stack, after p ended */
    void (*check_kill)(rt_proc_t *p); /* the running p: end it if an exit signal is pending */
} rt_sched_hooks_t;
extern rt_sched_hooks_t rt_sched_hooks;
void rt_sched_set_hooks(const rt_sched_hooks_t *hooks);

/* The runtime is linked into the executable: initial-exec TLS is a plain
 * %fs-relative load, not a call. */
extern _Thread_local rt_worker_t *rt_cur_worker __attribute__((tls_model("initial-exec")));
/* Set up the workers (not started yet). */
void rt_sched_init(const rt_sched_settings_t *settings);
/* Start the workers; the calling thread then waits, out of the
 * collector's way, until the program exits. */
RT_NORETURN void rt_sched_run(void);
/* Make a fresh process runnable (spawn). */
void rt_sched_spawned(rt_proc_t *p);
/* A process whose state the caller moved to RUNNABLE: queue it on its home. */
void rt_sched_ready(rt_proc_t *p);
/* Wake `p` if it is waiting (any thread). */
void rt_sched_wake(rt_proc_t *p);
/* The running process parks (state WAITING) unless a message, exit signal
 * or timeout is already there; returns when woken. The wake token is not
 * looked at: it may be left set by the last wait that used it. */
void rt_sched_block(rt_proc_t *p);
/* Park for the wake token only: returns at once if `notified` or an exit
 * signal is pending (or, when `timed`, the process's timer fired), else
 * when woken. Messages do not count: a process that has unreceived
 * messages does not spin (a message's wake-up is spurious, and callers loop
 * on their own condition). */
void rt_sched_park(rt_proc_t *p, int timed);
/* Switch to the scheduler with p->after set (from the process's stack). */
void rt_sched_switch_out(rt_proc_t *p);
/* The running process gives up the rest of its time slice (a preemption
 * request or proc.yield): if other work is waiting on this worker, it runs
 * first. */
void rt_sched_yield(rt_proc_t *p);
/* The running process reached a stack check with VM_STACK_PREEMPT in its
 * limit: restore the real limit; 1 if it should yield now (always, but in
 * deterministic mode, where every check counts down a seeded budget). */
int rt_sched_preempted(rt_proc_t *p);
/* Ask `p` to stop at its next stack check (any thread; p must be kept
 * alive by the caller). Harmless if p is not running. */
void rt_sched_request_preempt(rt_proc_t *p);
/* Arm the running process's timer `ms` from now. */
void rt_sched_arm_timer(rt_proc_t *p, int64_t ms);
void rt_sched_cancel_timer(rt_proc_t *p);
int64_t rt_now_ns(void);
/* Print the VMRT_STATS report to stderr (`live`: processes alive). */
void rt_sched_print_stats(int64_t live);
/* Number of workers. */
int rt_sched_nworkers(void);
rt_worker_t *rt_sched_worker(int i);

/* ---- blocking.c ---- */
/* Run fn(arg) on a helper thread while the calling process parks; `arg`
 * must not be on the process's stack (it is copied away meanwhile). An
 * exit signal ends the process while it waits (the helper finishes). */
void rt_blocking_call(vm_ctx_t *ctx, void (*fn)(void *arg), void *arg);

#endif
