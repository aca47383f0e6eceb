/*
 * runtime/proc/proc.c — processes: the pid table, spawn, exit, links and
 * exit signals, monitors, the name registry (docs/processes.md).
 *
 * Pids: a process occupies one slot of a table of RT_MAX_PROCS pointers;
 * its pid is (serial << RT_PID_SLOT_BITS | slot) tagged as a pid, the slot's
 * serial counting how many processes used it before, so a pid is not
 * reused for a long time. Process records are collected objects: a
 * thread that looked a process up may use the record safely after the
 * process died (a message it delivers then is dropped, as in Erlang).
 *
 * Links, monitors and the name of a process are guarded by its spinlock;
 * `exiting` is set under it once, which orders every link or monitor
 * against the exit: one made before sees the exit signal, one after gets
 * noproc.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define GC_THREADS
#include <gc/gc.h>
#include <gc/gc_mark.h>

#include "proc/proc.h"

static rt_proc_t *_Atomic *table;
static uint32_t *serials;
static size_t max_procs;
static _Atomic size_t high_water; /* slots [0, high_water) were ever used */
static _Atomic int64_t live_count;
static pthread_mutex_t free_mu = PTHREAD_MUTEX_INITIALIZER;
static uint32_t *free_slots; /* recycled slots, oldest first */
static size_t free_head, free_len;
static _Atomic uint64_t ref_counter;
static rt_proc_settings_t settings;
static int64_t (*main_body)(vm_ctx_t *ctx); /* the program (rt_proc_start_main) */

static void init_atoms(void);

/* ---- small lock ----
 * Acquire and release: what one holder wrote under it, the next sees. */

void rt_proc_lock(rt_proc_t *p)
{
    while (atomic_flag_test_and_set_explicit(&p->lock, memory_order_acquire))
        sched_yield();
}

void rt_proc_unlock(rt_proc_t *p)
{
    atomic_flag_clear_explicit(&p->lock, memory_order_release);
}

/* ---- the table ---- */

static void proc_table_init(size_t n)
{
    max_procs = n;
    size_t bytes = n * (sizeof *table + 2 * sizeof(uint32_t));
    void *mem = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (mem == MAP_FAILED)
        rt_fatal(NULL, "system_limit", "cannot map a process table of %zu slots", n);
    table = mem;
    serials = (uint32_t *)(table + n);
    free_slots = serials + n;
    init_atoms();
}

/* A slot for a new process, or -1 when the table is full. Slots are
 * recycled oldest first so that a pid is not soon seen again. */
static int64_t take_slot(void)
{
    /* Relaxed: the CAS only hands out each slot once; the record is
     * published by the release store into the table (rt_proc_new). */
    size_t i = atomic_load_explicit(&high_water, memory_order_relaxed);
    while (i < max_procs) {
        if (atomic_compare_exchange_weak_explicit(&high_water, &i, i + 1, memory_order_relaxed,
                                                  memory_order_relaxed))
            return (int64_t)i;
    }
    pthread_mutex_lock(&free_mu);
    int64_t s = -1;
    if (free_len) {
        s = free_slots[free_head];
        free_head = (free_head + 1) % max_procs;
        free_len--;
    }
    pthread_mutex_unlock(&free_mu);
    return s;
}

static void release_slot(uint32_t s)
{
    serials[s]++;
    pthread_mutex_lock(&free_mu);
    free_slots[(free_head + free_len) % max_procs] = s;
    free_len++;
    pthread_mutex_unlock(&free_mu);
}

static uint32_t slot_of(vm_val_t pid)
{
    return (uint32_t)(val_imm_payload(pid) & ((1u << RT_PID_SLOT_BITS) - 1));
}

rt_proc_t *rt_proc_lookup(vm_val_t pid)
{
    if (!val_is_pid(pid))
        return NULL;
    uint32_t s = slot_of(pid);
    if (s >= max_procs)
        return NULL;
    /* Acquire: pairs with the release store of rt_proc_new, so the
     * record's fields (pid, mailbox) are seen initialised. */
    rt_proc_t *p = atomic_load_explicit(&table[s], memory_order_acquire);
    return p && p->pid == pid ? p : NULL;
}

/* A count read on its own (proc.count, statistics): relaxed everywhere. */
int64_t rt_proc_live_count(void)
{
    return atomic_load_explicit(&live_count, memory_order_relaxed);
}

int64_t vm_proc_count(vm_ctx_t *ctx)
{
    (void)ctx;
    return rt_proc_live_count();
}

rt_proc_t *rt_proc_new(vm_ctx_t *ctx, vm_val_t fn, vm_val_t args)
{
    int64_t s = take_slot();
    if (s < 0) {
        if (ctx)
            rt_raise(ctx, "system_limit", "too many processes (VMRT_MAX_PROCS=%zu)", max_procs);
        return NULL;
    }
    RT_STAT_ADD(rt_stats_here(), spawned, 1);
    /* Cache-line aligned, so that what senders write (the second line on)
     * never shares a line with the context the owner works on. */
    rt_proc_t *p = GC_memalign(_Alignof(rt_proc_t), sizeof *p);
    if (!p) {
        GC_gcollect();
        p = GC_memalign(_Alignof(rt_proc_t), sizeof *p);
    }
    if (!p) {
        release_slot((uint32_t)s);
        if (ctx)
            rt_raise(ctx, "out_of_memory", "cannot allocate a process");
        return NULL;
    }
    p->pid = ((((vm_val_t)serials[s] << RT_PID_SLOT_BITS) | (vm_val_t)s) << 3) | VM_TAG_PID;
    p->ctx.runtime_private = p;
    atomic_init(&p->state, RT_P_RUNNABLE); /* not shared yet */
    p->fn = fn;
    p->args = args;
    rt_mpsc_init(&p->in);
    p->tailp = (rt_mpsc_node_t **)&p->first;
    p->cursor = p->tailp;
    p->timer_pos = -1;
    atomic_flag_clear_explicit(&p->lock, memory_order_relaxed); /* not shared yet */
    /* Release: publishes the initialised record to rt_proc_lookup. */
    atomic_store_explicit(&table[s], p, memory_order_release);
    atomic_fetch_add_explicit(&live_count, 1, memory_order_relaxed);
    return p;
}

/* ---- roots ---- */

/* The roots the collector cannot find: the process table, saved stacks,
 * the live part of each worker's shadow stack. */
static void push_roots(void)
{
    /* Relaxed, here and below: the collector runs with the mutator threads
     * stopped, and stopping them orders their stores before these loads. */
    size_t n = atomic_load_explicit(&high_water, memory_order_relaxed);
    if (n)
        GC_push_all_eager((void *)table, (void *)(table + n));
    for (size_t i = 0; i < n; i++) {
        rt_proc_t *p = atomic_load_explicit(&table[i], memory_order_relaxed);
        if (!p)
            continue;
        /* A save in p->inl is scanned with the record; a bigger one is
         * atomic memory, a root only while it holds the stacks. */
        size_t bytes = p->nlen + p->slen * sizeof(vm_val_t);
        if (bytes > sizeof p->inl)
            GC_push_all_eager(p->save, p->save + bytes);
    }
    for (int i = 0; i < rt_sched_nworkers(); i++) {
        rt_worker_t *w = rt_sched_worker(i);
        rt_proc_t *p = atomic_load_explicit(&w->live, memory_order_relaxed);
        if (!p)
            continue;
        /* The live process's stacks in the regions (a running one's native
         * stack is also the thread's, which the collector scans anyway). */
        if (p->sp && (char *)p->sp < w->region_top)
            GC_push_all_eager(p->sp, w->region_top);
        if (p->ctx.ssp > w->ss_base)
            GC_push_all_eager(w->ss_base, p->ctx.ssp);
    }
}

/* ---- growing the small arrays of a process (under its lock) ---- */

static int grow(void **arr, uint32_t *cap, uint32_t need, size_t item)
{
    if (need <= *cap)
        return 1;
    uint32_t cap2 = *cap ? 2 * *cap : 2;
    void *p = rt_gc_malloc(cap2 * item, 0);
    if (!p)
        return 0;
    if (*arr)
        memcpy(p, *arr, *cap * item);
    *arr = p;
    *cap = cap2;
    return 1;
}

static int add_link(rt_proc_t *p, vm_val_t pid)
{
    for (uint32_t i = 0; i < p->nlinks; i++)
        if (p->links[i] == pid)
            return 1;
    if (!grow((void **)&p->links, &p->caplinks, p->nlinks + 1, sizeof(vm_val_t)))
        return 0;
    p->links[p->nlinks++] = pid;
    return 1;
}

static int remove_link(rt_proc_t *p, vm_val_t pid)
{
    for (uint32_t i = 0; i < p->nlinks; i++)
        if (p->links[i] == pid) {
            p->links[i] = p->links[--p->nlinks];
            return 1;
        }
    return 0;
}

static int add_mon(rt_mon_t **arr, uint32_t *n, uint32_t *cap, vm_val_t ref, vm_val_t pid)
{
    if (!grow((void **)arr, cap, *n + 1, sizeof(rt_mon_t)))
        return 0;
    (*arr)[(*n)++] = (rt_mon_t){ref, pid};
    return 1;
}

/* Remove the monitor `ref` from a list of watchers. */
static void remove_mon(rt_mon_t *arr, uint32_t *n, vm_val_t ref)
{
    for (uint32_t i = 0; i < *n; i++)
        if (arr[i].ref == ref) {
            arr[i] = arr[--*n];
            return;
        }
}

/* ---- the monitors a process holds (under its lock) ----
 *
 * `watching` is a hash table by ref (open addressing, linear probing, at
 * most half full; capwatching is 0 or a power of two), so that finding the
 * monitor of a ref costs the same however many a process holds: an owner
 * of many tasks pays O(1) per DOWN, cancellation and look-up, not O(tasks).
 * A cancellation record is the entry of its ref with the atom cancelled in
 * place of the pid (rt_proc_cancel_monitored). */

static uint32_t held_home(const rt_proc_t *p, vm_val_t ref)
{
    return (uint32_t)((ref >> 3) * 0x9E3779B97F4A7C15ULL) & (p->capwatching - 1);
}

/* The entry of ref, or the free slot where it would go (the table has one). */
static rt_mon_t *held_slot(rt_proc_t *p, vm_val_t ref)
{
    uint32_t mask = p->capwatching - 1, i = held_home(p, ref);
    while (p->watching[i].ref && p->watching[i].ref != ref)
        i = (i + 1) & mask;
    return &p->watching[i];
}

static rt_mon_t *held_find(rt_proc_t *p, vm_val_t ref)
{
    if (!p->nwatching)
        return NULL;
    rt_mon_t *e = held_slot(p, ref);
    return e->ref ? e : NULL;
}

/* Hold (ref, pid); 0 if out of memory. */
static int held_add(rt_proc_t *p, vm_val_t ref, vm_val_t pid)
{
    if (2 * ((uint64_t)p->nwatching + 1) > p->capwatching) {
        if (p->capwatching >= UINT32_C(1) << 31)
            return 0;
        uint32_t cap = p->capwatching ? 2 * p->capwatching : 4, oldcap = p->capwatching;
        rt_mon_t *old = p->watching, *t = rt_gc_malloc((size_t)cap * sizeof *t, 0); /* zeroed */
        if (!t)
            return 0;
        p->watching = t;
        p->capwatching = cap;
        for (uint32_t i = 0; i < oldcap; i++)
            if (old[i].ref)
                *held_slot(p, old[i].ref) = old[i];
    }
    rt_mon_t *e = held_slot(p, ref);
    if (!e->ref)
        p->nwatching++;
    *e = (rt_mon_t){ref, pid};
    return 1;
}

/* Backward-shift deletion: probing stays exact without tombstones. */
static void held_del(rt_proc_t *p, rt_mon_t *e)
{
    uint32_t mask = p->capwatching - 1, i = (uint32_t)(e - p->watching), j = i;
    for (;;) {
        j = (j + 1) & mask;
        if (!p->watching[j].ref)
            break;
        uint32_t h = held_home(p, p->watching[j].ref);
        if (((j - h) & mask) >= ((j - i) & mask)) {
            p->watching[i] = p->watching[j];
            i = j;
        }
    }
    p->watching[i] = (rt_mon_t){0, 0};
    p->nwatching--;
}

/* ---- exit signals ---- */

static vm_val_t atom_normal, atom_kill, atom_killed, atom_noproc, atom_exit, atom_down,
    atom_process, atom_cancelled;

/* Interned before any worker starts (rt_proc_table_init), read-only after. */
static void init_atoms(void)
{
    atom_exit = rt_atom("EXIT");
    atom_down = rt_atom("DOWN");
    atom_process = rt_atom("process");
    atom_normal = rt_atom("normal");
    atom_kill = rt_atom("kill");
    atom_killed = rt_atom("killed");
    atom_noproc = rt_atom("noproc");
    atom_cancelled = rt_atom("cancelled");
}

/* Make `p` end with `reason` at its next safe point. */
static void kill_proc(rt_proc_t *p, vm_val_t reason)
{
    /* seq_cst: the waker's store of park/wake (runtime/sched/sched.c), read
     * by a parking p before it sleeps; the first reason set wins. */
    vm_val_t none = 0;
    atomic_compare_exchange_strong_explicit(&p->kill_reason, &none, reason, memory_order_seq_cst,
                                            memory_order_seq_cst);
    rt_sched_request_preempt(p); /* running: at its next stack check */
    rt_sched_wake(p);
}

/* Deliver the exit signal (from, reason) to `to`. `link`: it comes from a
 * link (dropped if `to` no longer has it); else from proc.exit_pid. */
static void exit_signal(vm_ctx_t *ctx, rt_proc_t *to, vm_val_t from, vm_val_t reason, int link)
{
    if (link) {
        rt_proc_lock(to);
        int had = !to->exiting && remove_link(to, from);
        rt_proc_unlock(to);
        if (!had)
            return;
    }
    if (!link && reason == atom_kill) {
        kill_proc(to, atom_killed);
        return;
    }
    /* Acquire: pairs with the owner's release exchange (vm_proc_trap_exit). */
    if (atomic_load_explicit(&to->trap_exit, memory_order_acquire)) {
        vm_val_t r = rt_copy(ctx, reason);
        vm_val_t t = r ? rt_tuple(ctx, 3, (vm_val_t[]){atom_exit, from, r}) : 0;
        if (!t || !rt_mbox_deliver(ctx, to, t))
            rt_fatal(NULL, "out_of_memory", "cannot deliver an exit signal");
        return;
    }
    if (reason == atom_normal && !(!link && from == to->pid))
        return;
    kill_proc(to, reason);
}

static rt_msg_t *down_msg(vm_ctx_t *ctx, vm_val_t ref, vm_val_t pid, vm_val_t reason)
{
    vm_val_t r = rt_copy(ctx, reason);
    vm_val_t t = r ? rt_tuple(ctx, 5, (vm_val_t[]){atom_down, ref, atom_process, pid, r}) : 0;
    rt_msg_t *m = t ? rt_msg_new(ctx, t) : NULL;
    if (!m)
        rt_fatal(NULL, "out_of_memory", "cannot deliver a DOWN message");
    return m;
}

/* The DOWN of a monitor `to` could not make (noproc at once). */
static void send_down(vm_ctx_t *ctx, rt_proc_t *to, vm_val_t ref, vm_val_t pid, vm_val_t reason)
{
    rt_mbox_push(to, down_msg(ctx, ref, pid, reason));
}

/* The DOWN of monitor `ref` of the ended process `pid`, for its watcher
 * `to`: delivered only if `to` still holds the monitor, which ends with it
 * (exactly (ref, pid): a cancellation record of ref does not match). The
 * test and the push are made under to's lock, so that a process that looks
 * at its monitors under its lock knows whether the DOWN of one is in its
 * mailbox already or not at all (task.await and task.cancel rely on it),
 * and no DOWN arrives after proc.demonitor. An exiting `to` holds no
 * monitor any more (proc_reap empties its table with `exiting` set, and
 * only a running process adds to its own). */
static void send_monitor_down(vm_ctx_t *ctx, rt_proc_t *to, vm_val_t ref, vm_val_t pid,
                              vm_val_t reason)
{
    rt_msg_t *m = down_msg(ctx, ref, pid, reason);
    rt_proc_lock(to);
    rt_mon_t *e = held_find(to, ref);
    if (e && e->pid == pid) {
        held_del(to, e);
        rt_mbox_push(to, m); /* wakes `to`: takes no lock */
    }
    rt_proc_unlock(to);
}

/* ---- the life of a process ---- */

void rt_proc_check_kill(rt_proc_t *p)
{
    /* Acquire: the reason value (a copy made by the signaller) is seen
     * whole; the seq_cst CAS of kill_proc releases it. */
    vm_val_t r = atomic_load_explicit(&p->kill_reason, memory_order_acquire);
    if (r)
        rt_proc_die(p, r);
}

_Atomic int rt_shutdown_signal;
static _Atomic vm_val_t main_pid;
static int main_restarts; /* only the main process of the moment touches it */

/* A pid is an immediate: nothing is published with it, relaxed. */
vm_val_t rt_main_pid(void)
{
    return atomic_load_explicit(&main_pid, memory_order_relaxed);
}

void rt_program_exit(int status)
{
    /* The process that ends the program (main, or one calling os.exit)
     * lets go of what it owns first, as a process that ends does: its
     * files are written out and closed. */
    rt_worker_t *w = rt_cur_worker;
    if (w && w->cur)
        rt_proc_release_owned(w->cur);
    if (settings.stats) {
        fflush(stdout);
        rt_sched_print_stats(rt_proc_live_count());
    }
    if (fflush(stdout) != 0) {
        perror("error: writing stdout");
        status = 1;
    }
    fflush(stderr);
    _exit(status & 0xff);
}

/* Main ended with `reason` (normal, or why it failed) and `status`. The
 * program ends with it (docs/processes.md), unless main failed and the
 * restart policy (main.restart = on_failure, main.max_restarts) runs it
 * again: then this process ends like any other, so its links and monitors
 * hear `reason`, and a new main process starts once it is gone. During an
 * ordered shutdown (SIGTERM, SIGINT) the status is 128 + the signal. */
static RT_NORETURN void main_ended(rt_proc_t *p, vm_val_t reason, int status)
{
    /* Relaxed: a shutdown that ended main was started (by the signal
     * thread's CAS) before the process that ended it was spawned. */
    int sig = atomic_load_explicit(&rt_shutdown_signal, memory_order_relaxed);
    if (sig)
        rt_program_exit(128 + sig);
    if (reason != atom_normal && settings.main_restart == RT_MAIN_ON_FAILURE &&
        main_restarts < settings.main_max_restarts) {
        main_restarts++;
        fflush(stdout);
        fprintf(stderr, "vmrt: main failed (restart %d of %lld)\n", main_restarts,
                (long long)settings.main_max_restarts);
        p->is_main = 0;
        p->respawn_main = 1;
        rt_proc_die(p, reason);
    }
    rt_program_exit(status);
}

void rt_proc_die(rt_proc_t *p, vm_val_t reason)
{
    if (p->is_main) {
        if (reason != atom_normal &&
            !atomic_load_explicit(&rt_shutdown_signal,
                                  memory_order_relaxed)) { /* as in main_ended */
            fflush(stdout);
            rt_buf_t b = {0};
            rt_buf_put(&b, "error: the main process exited: ", 32);
            rt_buf_put_val(&b, reason);
            rt_buf_put(&b, "\n", 1);
            fwrite(b.data, 1, b.len, stderr);
            rt_buf_free(&b);
        }
        main_ended(p, reason, reason == atom_normal ? 0 : 1);
    }
    p->exit_reason = reason;
    p->after = RT_AFTER_EXIT;
    rt_sched_switch_out(p);
    rt_unreachable("a dead process resumed");
}

/* A fatal error ended process ctx (core/error.c reported it). */
static void proc_fatal(vm_ctx_t *ctx, vm_val_t reason)
{
    rt_proc_t *p = rt_proc_of(ctx);
    if (p->is_main)
        main_ended(p, reason, 1);
    rt_proc_die(p, reason);
}

/* The body of every process (its first frame). */
static void proc_entry(void *arg)
{
    rt_proc_t *p = arg;
    vm_ctx_t *ctx = &p->ctx;
    rt_proc_check_kill(p);
    if (p->is_main) {
        atomic_store_explicit(&main_pid, p->pid, memory_order_relaxed);
        int64_t status = main_body(ctx);
        vm_val_t reason = atom_normal;
        if (ctx->exc) {
            rt_report_uncaught(ctx);
            reason = ((const vm_exc_t *)ctx->exc)->reason;
            status = 1;
        }
        main_ended(p, reason, (int)status);
    }
    const vm_array_t *a = rt_as_array(p->args);
    rt_call_fn(ctx, p->fn, (uint32_t)a->len, a->items);
    if (ctx->exc) {
        rt_report_uncaught(ctx);
        rt_proc_die(p, ((const vm_exc_t *)ctx->exc)->reason);
    }
    rt_proc_die(p, atom_normal);
}

static rt_proc_t *new_main(void)
{
    rt_proc_t *m = rt_proc_new(NULL, 0, 0);
    if (!m)
        rt_fatal(NULL, "out_of_memory", "cannot create the main process");
    m->is_main = 1;
    return m;
}

void rt_proc_start_main(int64_t (*body)(vm_ctx_t *ctx))
{
    main_body = body;
    rt_sched_spawned(new_main());
}

/* Scheduler side of an exit, on its stack after the process switched out
 * for good: exit signals, monitors, registry, table. */
static void proc_reap(rt_proc_t *p)
{
    vm_ctx_t *ctx = &p->ctx; /* allocations of the reaping (its stacks are gone) */
    ctx->ssp = ctx->ss_base;
    ctx->exc = 0;
    if (p->timer_pos >= 0)
        rt_sched_cancel_timer(p);
    rt_proc_lock(p);
    p->exiting = 1;
    vm_val_t *links = p->links;
    uint32_t nlinks = p->nlinks;
    rt_mon_t *watchers = p->watchers;
    uint32_t nwatchers = p->nwatchers;
    rt_mon_t *watching = p->watching; /* a hash table: capwatching slots */
    uint32_t capwatching = p->capwatching;
    vm_val_t name = p->name;
    p->nlinks = p->nwatchers = p->nwatching = p->capwatching = 0;
    rt_proc_unlock(p);
    rt_proc_release_owned(p); /* files and sockets close first, as Erlang's ports */
    if (name)
        vm_proc_unregister(ctx, name);
    ctx->exc = 0;
    /* Relaxed: no waker acts on a process that is not WAITING, and the
     * readers of DEAD (proc.send, proc.alive) take it as a hint. */
    atomic_store_explicit(&p->state, RT_P_DEAD, memory_order_relaxed);
    /* Release: as the store that published it; lookups then miss it. */
    atomic_store_explicit(&table[slot_of(p->pid)], NULL, memory_order_release);
    /* Gone before anyone hears of it: proc.count and the table agree
     * with a DOWN or EXIT as soon as it arrives. */
    release_slot(slot_of(p->pid));
    atomic_fetch_sub_explicit(&live_count, 1, memory_order_relaxed);
    vm_val_t reason = p->exit_reason;
    for (uint32_t i = 0; i < nlinks; i++) {
        rt_proc_t *q = rt_proc_lookup(links[i]);
        if (q)
            exit_signal(ctx, q, p->pid, reason, 1);
    }
    for (uint32_t i = 0; i < nwatchers; i++) {
        rt_proc_t *q = rt_proc_lookup(watchers[i].pid);
        if (q)
            send_monitor_down(ctx, q, watchers[i].ref, p->pid, reason);
    }
    for (uint32_t i = 0; i < capwatching; i++) {
        /* a free slot (ref 0) or a record (the atom cancelled) finds none */
        rt_proc_t *q = rt_proc_lookup(watching[i].pid);
        if (!q)
            continue;
        rt_proc_lock(q);
        remove_mon(q->watchers, &q->nwatchers, watching[i].ref);
        rt_proc_unlock(q);
    }
    if (p->respawn_main)
        rt_sched_spawned(new_main()); /* after the old main's name and links are gone */
    /* Let the collector have the mailbox, the saved stacks and the
     * process-scoped dependencies early. */
    p->first = NULL;
    p->save = NULL;
    p->send_cache = NULL;
    p->di_cache = NULL;
}

/* ---- spawn ---- */

int rt_args_items(vm_ctx_t *ctx, const char *who, vm_val_t args, const vm_val_t **items,
                  uint64_t *n)
{
    if (val_is_nil(args)) {
        *items = NULL;
        *n = 0;
    } else if (rt_is_kind(args, VM_KIND_TUPLE)) {
        *items = ((const vm_tuple_t *)args)->items;
        *n = ((const vm_tuple_t *)args)->hdr.aux;
    } else if (rt_is_kind(args, VM_KIND_ARRAY)) {
        *items = rt_as_array(args)->items;
        *n = rt_as_array(args)->len;
    } else {
        rt_raise_type(ctx, who, "a tuple, an array or nil of arguments", args);
        return 0;
    }
    return 1;
}

int rt_check_arity(vm_ctx_t *ctx, const char *who, const vm_func_t *f, uint64_t n)
{
    if (n == f->hdr.aux)
        return 1;
    rt_raise(ctx, "arity", "%s: %s takes %u argument%s, given %llu", who, f->desc->name, f->hdr.aux,
             f->hdr.aux == 1 ? "" : "s", (unsigned long long)n);
    return 0;
}

/* Copies of the arguments items[0..n) in a new array. */
static vm_val_t args_array(vm_ctx_t *ctx, const vm_val_t *items, uint64_t n)
{
    vm_val_t a = rt_array_new(ctx, n);
    for (uint64_t i = 0; a && i < n; i++)
        if (!rt_array_push(ctx, a, items[i]))
            return 0;
    /* The new process's own copies, made as one value, like a message. */
    if (a && !rt_copy_items(ctx, rt_as_array(a)->items, n))
        return 0;
    return a;
}

enum { SPAWN, SPAWN_LINK, SPAWN_MONITOR };

static rt_proc_t *spawn(vm_ctx_t *ctx, const char *who, vm_val_t fn, vm_val_t args, int how,
                        vm_val_t *ref)
{
    const vm_func_t *f = rt_expect(ctx, who, fn, VM_KIND_FUNC);
    const vm_val_t *items;
    uint64_t n;
    if (!f || !rt_args_items(ctx, who, args, &items, &n) || !rt_check_arity(ctx, who, f, n))
        return NULL;
    vm_val_t a = args_array(ctx, items, n);
    if (!a)
        return NULL;
    vm_val_t fn2 = rt_copy(ctx, fn);
    if (!fn2)
        return NULL;
    vm_val_t a2 = a;
    rt_proc_t *self = rt_proc_of(ctx);
    rt_proc_t *p = rt_proc_new(ctx, fn2, a2);
    if (!p)
        return NULL;
    /* Not runnable yet: nobody else can see it, no lock needed on p. */
    if (how == SPAWN_LINK) {
        rt_proc_lock(self);
        int ok = add_link(self, p->pid);
        rt_proc_unlock(self);
        if (!ok || !add_link(p, self->pid)) {
            rt_raise(ctx, "out_of_memory", "%s: cannot record the link", who);
            return NULL;
        }
    } else if (how == SPAWN_MONITOR) {
        *ref = vm_make_ref(ctx);
        rt_proc_lock(self);
        int ok = held_add(self, *ref, p->pid);
        rt_proc_unlock(self);
        if (!ok || !add_mon(&p->watchers, &p->nwatchers, &p->capwatchers, *ref, self->pid)) {
            rt_raise(ctx, "out_of_memory", "%s: cannot record the monitor", who);
            return NULL;
        }
    }
    rt_sched_spawned(p);
    return p;
}

vm_val_t vm_proc_spawn(vm_ctx_t *ctx, vm_val_t fn, vm_val_t args)
{
    rt_proc_t *p = spawn(ctx, "proc.spawn", fn, args, SPAWN, NULL);
    return p ? p->pid : 0;
}

vm_val_t vm_proc_spawn_link(vm_ctx_t *ctx, vm_val_t fn, vm_val_t args)
{
    rt_proc_t *p = spawn(ctx, "proc.spawn_link", fn, args, SPAWN_LINK, NULL);
    return p ? p->pid : 0;
}

vm_val_t vm_proc_spawn_monitor(vm_ctx_t *ctx, vm_val_t fn, vm_val_t args)
{
    vm_val_t ref = 0;
    rt_proc_t *p = spawn(ctx, "proc.spawn_monitor", fn, args, SPAWN_MONITOR, &ref);
    return p ? rt_tuple(ctx, 2, (vm_val_t[]){p->pid, ref}) : 0;
}

vm_val_t vm_proc_self(vm_ctx_t *ctx)
{
    return rt_proc_of(ctx)->pid;
}

vm_val_t vm_make_ref(vm_ctx_t *ctx)
{
    (void)ctx;
    /* Relaxed: a reference only has to be unique. */
    uint64_t n = atomic_fetch_add_explicit(&ref_counter, 1, memory_order_relaxed) + 1;
    return (n << 3) | VM_TAG_REF;
}

/* ---- links ---- */

static int expect_pid(vm_ctx_t *ctx, const char *who, vm_val_t v)
{
    if (val_is_pid(v))
        return 1;
    rt_raise_type(ctx, who, "a pid", v);
    return 0;
}

void vm_proc_link(vm_ctx_t *ctx, vm_val_t pid)
{
    if (!expect_pid(ctx, "proc.link", pid))
        return;
    rt_proc_t *self = rt_proc_of(ctx);
    if (pid == self->pid)
        return;
    rt_proc_t *q = rt_proc_lookup(pid);
    int alive = 0;
    if (q) {
        rt_proc_lock(q);
        alive = !q->exiting;
        if (alive && !add_link(q, self->pid))
            alive = -1;
        rt_proc_unlock(q);
    }
    if (alive == -1) {
        rt_raise(ctx, "out_of_memory", "proc.link: cannot record the link");
        return;
    }
    if (!alive) {
        exit_signal(ctx, self, pid, atom_noproc, 0);
        rt_proc_check_kill(self);
        return;
    }
    rt_proc_lock(self);
    int ok = add_link(self, pid);
    rt_proc_unlock(self);
    if (!ok)
        rt_raise(ctx, "out_of_memory", "proc.link: cannot record the link");
}

void vm_proc_unlink(vm_ctx_t *ctx, vm_val_t pid)
{
    if (!expect_pid(ctx, "proc.unlink", pid))
        return;
    rt_proc_t *self = rt_proc_of(ctx);
    rt_proc_lock(self);
    remove_link(self, pid);
    rt_proc_unlock(self);
    rt_proc_t *q = rt_proc_lookup(pid);
    if (q) {
        rt_proc_lock(q);
        remove_link(q, self->pid);
        rt_proc_unlock(q);
    }
}

int64_t vm_proc_trap_exit(vm_ctx_t *ctx, int64_t on)
{
    /* Release: see exit_signal's acquire load. */
    return atomic_exchange_explicit(&rt_proc_of(ctx)->trap_exit, on != 0, memory_order_acq_rel);
}

void vm_proc_exit(vm_ctx_t *ctx, vm_val_t reason)
{
    /* No copy: the reason is copied for each link and monitor it reaches. */
    rt_proc_die(rt_proc_of(ctx), reason);
}

void vm_proc_exit_pid(vm_ctx_t *ctx, vm_val_t pid, vm_val_t reason)
{
    if (!expect_pid(ctx, "proc.exit_pid", pid))
        return;
    rt_proc_t *self = rt_proc_of(ctx);
    rt_proc_t *q = rt_proc_lookup(pid);
    if (!q)
        return;
    vm_val_t r = rt_copy(ctx, reason);
    if (!r)
        return;
    exit_signal(ctx, q, self->pid, r, 0);
    if (q == self)
        rt_proc_check_kill(self);
}

int64_t vm_proc_alive(vm_ctx_t *ctx, vm_val_t pid)
{
    if (!expect_pid(ctx, "proc.alive", pid))
        return 0;
    rt_proc_t *q = rt_proc_lookup(pid);
    /* Relaxed: a snapshot, which may change as soon as it is taken. */
    return q && !atomic_load_explicit(&q->kill_reason, memory_order_relaxed) &&
           atomic_load_explicit(&q->state, memory_order_relaxed) != RT_P_DEAD;
}

/* ---- monitors ---- */

vm_val_t vm_proc_monitor(vm_ctx_t *ctx, vm_val_t pid)
{
    if (!expect_pid(ctx, "proc.monitor", pid))
        return 0;
    rt_proc_t *self = rt_proc_of(ctx);
    vm_val_t ref = vm_make_ref(ctx);
    rt_proc_t *q = rt_proc_lookup(pid);
    int alive = 0;
    if (q) {
        rt_proc_lock(q);
        alive = !q->exiting;
        if (alive && !add_mon(&q->watchers, &q->nwatchers, &q->capwatchers, ref, self->pid))
            alive = -1;
        rt_proc_unlock(q);
    }
    if (alive == -1)
        return rt_raise(ctx, "out_of_memory", "proc.monitor: cannot record the monitor");
    if (!alive) {
        send_down(ctx, self, ref, pid, atom_noproc);
        return ref;
    }
    rt_proc_lock(self);
    int ok = held_add(self, ref, pid);
    rt_proc_unlock(self);
    if (!ok)
        return rt_raise(ctx, "out_of_memory", "proc.monitor: cannot record the monitor");
    return ref;
}

void vm_proc_demonitor(vm_ctx_t *ctx, vm_val_t ref)
{
    if (!val_is_ref(ref)) {
        rt_raise_type(ctx, "proc.demonitor", "a reference", ref);
        return;
    }
    rt_proc_t *self = rt_proc_of(ctx);
    vm_val_t target = 0; /* a record's atom cancelled names no process */
    rt_proc_lock(self);
    rt_mon_t *e = held_find(self, ref);
    if (e) {
        target = e->pid;
        held_del(self, e);
    }
    rt_proc_unlock(self);
    rt_proc_t *q = target ? rt_proc_lookup(target) : NULL;
    if (q) {
        rt_proc_lock(q);
        remove_mon(q->watchers, &q->nwatchers, ref);
        rt_proc_unlock(q);
    }
}

/* ---- for tasks (runtime/task/) ---- */

int rt_proc_monitor_state(rt_proc_t *self, vm_val_t ref, vm_val_t pid)
{
    rt_proc_lock(self);
    const rt_mon_t *e = held_find(self, ref);
    int st = !e                         ? RT_MON_NONE
             : e->pid == pid            ? RT_MON_HELD
             : e->pid == atom_cancelled ? RT_MON_CANCELLED
                                        : RT_MON_NONE;
    rt_proc_unlock(self);
    return st;
}

int rt_proc_cancel_monitored(rt_proc_t *self, vm_val_t ref, vm_val_t pid, vm_val_t reason,
                             int record)
{
    rt_proc_lock(self);
    rt_mon_t *e = held_find(self, ref);
    int held = e && e->pid == pid;
    if (held && record)
        e->pid = atom_cancelled;
    else if (held)
        held_del(self, e);
    rt_proc_unlock(self);
    if (!held)
        return 0;
    /* From here no DOWN of ref can reach self (send_monitor_down). */
    rt_proc_t *q = rt_proc_lookup(pid);
    if (q) {
        rt_proc_lock(q);
        remove_mon(q->watchers, &q->nwatchers, ref);
        rt_proc_unlock(q);
        kill_proc(q, reason);
    }
    return 1;
}

int rt_proc_record_cancelled(rt_proc_t *self, vm_val_t ref)
{
    rt_proc_lock(self);
    int ok = held_add(self, ref, atom_cancelled);
    rt_proc_unlock(self);
    return ok;
}

void rt_proc_forget_monitor(rt_proc_t *self, vm_val_t ref)
{
    rt_proc_lock(self);
    rt_mon_t *e = held_find(self, ref);
    if (e)
        held_del(self, e);
    rt_proc_unlock(self);
}

/* ---- the name registry: atom -> pid, one table under a mutex ---- */

static pthread_mutex_t reg_mu = PTHREAD_MUTEX_INITIALIZER;
static struct reg_ent {
    vm_val_t name, pid;
} * reg; /* open addressing; name 0 empty, 1 deleted */
static size_t reg_cap, reg_used;

static size_t reg_home(vm_val_t name)
{
    return (size_t)((name >> 4) * 0x9E3779B97F4A7C15ULL) & (reg_cap - 1);
}

static size_t reg_find(vm_val_t name)
{
    size_t mask = reg_cap - 1;
    for (size_t i = reg_home(name);; i = (i + 1) & mask)
        if (reg[i].name == name || reg[i].name == 0)
            return i;
}

static int reg_grow(void)
{
    size_t cap = reg_cap ? 2 * reg_cap : 64;
    struct reg_ent *old = reg;
    size_t old_cap = reg_cap;
    reg = calloc(cap, sizeof *reg);
    if (!reg) {
        reg = old;
        return 0;
    }
    reg_cap = cap;
    reg_used = 0;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].name > 1) {
            reg[reg_find(old[i].name)] = old[i];
            reg_used++;
        }
    free(old);
    return 1;
}

static vm_val_t whereis(vm_val_t name)
{
    vm_val_t pid = 0;
    pthread_mutex_lock(&reg_mu);
    if (reg_cap) {
        size_t i = reg_find(name);
        if (reg[i].name == name)
            pid = reg[i].pid;
    }
    pthread_mutex_unlock(&reg_mu);
    return pid;
}

static int expect_name(vm_ctx_t *ctx, const char *who, vm_val_t name)
{
    if (rt_is_atom(name))
        return 1;
    rt_raise_type(ctx, who, "an atom", name);
    return 0;
}

void vm_proc_register(vm_ctx_t *ctx, vm_val_t name, vm_val_t pid)
{
    if (!expect_name(ctx, "proc.register", name) || !expect_pid(ctx, "proc.register", pid))
        return;
    if (name == rt_atom("undefined")) {
        rt_raise(ctx, "badarg", "proc.register: the name undefined is reserved");
        return;
    }
    rt_proc_t *q = rt_proc_lookup(pid);
    if (!q) {
        rt_raise(ctx, "badarg", "proc.register: the process is not alive");
        return;
    }
    rt_proc_lock(q);
    const char *err = q->exiting ? "the process is not alive"
                      : q->name  ? "the process already has a name"
                                 : NULL;
    if (!err) {
        pthread_mutex_lock(&reg_mu);
        if ((reg_used + 1) * 2 > reg_cap && !reg_grow()) {
            err = "out of memory";
        } else {
            size_t i = reg_find(name);
            if (reg[i].name == name) {
                err = "the name is taken";
            } else {
                reg[i] = (struct reg_ent){name, pid};
                reg_used++;
                q->name = name;
            }
        }
        pthread_mutex_unlock(&reg_mu);
    }
    rt_proc_unlock(q);
    if (err)
        rt_raise(ctx, "badarg", "proc.register: %s: %.*s", err, (int)rt_as_str(name)->len,
                 rt_as_str(name)->bytes);
}

void vm_proc_unregister(vm_ctx_t *ctx, vm_val_t name)
{
    if (!expect_name(ctx, "proc.unregister", name))
        return;
    vm_val_t pid = 0;
    pthread_mutex_lock(&reg_mu);
    if (reg_cap) {
        size_t i = reg_find(name);
        if (reg[i].name == name) {
            pid = reg[i].pid;
            /* Backward-shift deletion keeps probing exact without tombstones. */
            size_t mask = reg_cap - 1, j = i;
            for (;;) {
                j = (j + 1) & mask;
                if (reg[j].name == 0)
                    break;
                size_t home = reg_home(reg[j].name);
                if (((j - home) & mask) >= ((j - i) & mask)) {
                    reg[i] = reg[j];
                    i = j;
                }
            }
            reg[i] = (struct reg_ent){0, 0};
            reg_used--;
        }
    }
    pthread_mutex_unlock(&reg_mu);
    if (!pid) {
        rt_raise(ctx, "badarg", "proc.unregister: no process is registered as %.*s",
                 (int)rt_as_str(name)->len, rt_as_str(name)->bytes);
        return;
    }
    rt_proc_t *q = rt_proc_lookup(pid);
    if (q) {
        rt_proc_lock(q);
        if (q->name == name)
            q->name = 0;
        rt_proc_unlock(q);
    }
}

vm_val_t vm_proc_whereis(vm_ctx_t *ctx, vm_val_t name)
{
    if (!expect_name(ctx, "proc.whereis", name))
        return 0;
    vm_val_t pid = whereis(name);
    return pid ? pid : VM_NIL;
}

rt_proc_t *rt_proc_resolve(vm_ctx_t *ctx, const char *who, vm_val_t dest, int *err)
{
    *err = 0;
    if (val_is_pid(dest))
        return rt_proc_lookup(dest);
    if (rt_is_atom(dest)) {
        vm_val_t pid = whereis(dest);
        rt_proc_t *q = pid ? rt_proc_lookup(pid) : NULL;
        if (!q) {
            *err = 1;
            rt_raise(ctx, "badarg", "%s: no process is registered as %.*s", who,
                     (int)rt_as_str(dest)->len, rt_as_str(dest)->bytes);
        }
        return q;
    }
    *err = 1;
    rt_raise_type(ctx, who, "a pid or a registered name", dest);
    return NULL;
}

void rt_proc_describe(vm_ctx_t *ctx, char *buf, size_t cap)
{
    buf[0] = 0;
    if (!rt_ctx_is_process(ctx))
        return;
    rt_proc_t *p = rt_proc_of(ctx);
    if (p->is_main)
        return;
    rt_buf_t b = {0};
    rt_buf_put_val(&b, p->pid);
    rt_proc_lock(p); /* proc.register may name it from another process */
    vm_val_t name = p->name;
    rt_proc_unlock(p);
    if (name) {
        rt_buf_put(&b, " (", 2);
        rt_buf_put_val(&b, name);
        rt_buf_put(&b, ")", 1);
    }
    snprintf(buf, cap, " in process %.*s", (int)b.len, b.data);
    rt_buf_free(&b);
}

/* ---- preemption ---- */

void rt_proc_yield(vm_ctx_t *ctx)
{
    rt_proc_t *p = rt_proc_of(ctx);
    rt_proc_check_kill(p);
    rt_sched_yield(p);
    rt_proc_check_kill(p);
}

void vm_proc_yield(vm_ctx_t *ctx)
{
    rt_proc_yield(ctx);
}

/* The slow path of every stack check (abi/context.h): a full shadow stack,
 * a native stack really below its floor (this frame is below the caller's,
 * so it is deep if the caller was), or else a preemption request. A
 * context that is not a process (a C thread's) has no requests. */
void vm_stack_guard(vm_ctx_t *ctx, int64_t ss_full)
{
    if (ss_full || (uintptr_t)__builtin_frame_address(0) < ctx->stack_floor)
        vm_fatal(ctx, VM_TRAP_STACK_OVERFLOW);
    if (!rt_ctx_is_process(ctx)) {
        ctx->stack_limit = ctx->stack_floor;
        return;
    }
    rt_proc_t *p = rt_proc_of(ctx);
    rt_proc_check_kill(p);
    if (rt_sched_preempted(p))
        rt_proc_yield(ctx);
}

/* ---- start ---- */

void rt_proc_init(const rt_proc_settings_t *s)
{
    settings = *s;
    proc_table_init(s->max_procs);
    rt_sched_set_hooks(&(rt_sched_hooks_t){
        .entry = proc_entry, .reap = proc_reap, .check_kill = rt_proc_check_kill});
    rt_error_set_hooks(&(rt_error_hooks_t){.describe = rt_proc_describe, .end = proc_fatal});
    rt_gc_add_roots(push_roots);
}
