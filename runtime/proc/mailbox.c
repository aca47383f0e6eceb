/*
 * runtime/proc/mailbox.c — send and selective receive (docs/processes.md).
 *
 * Senders push onto the receiver's lock-free MPSC queue (`in`). Only the
 * receiver moves messages from there to its private list, in arrival
 * order, and walks that list with the receive cursor: recv.wait makes sure
 * a message is at the cursor (waiting if needed), recv.peek shows it,
 * recv.skip moves past it, recv.accept takes it out and ends the receive.
 * recv.mark / recv.from_mark let a receive that waits for a reference made
 * after the mark start there instead of rescanning older messages.
 */
#include <sched.h>
#include <string.h>

#define GC_THREADS
#include <gc/gc.h>

#include "proc/proc.h"

#define MSG_OF(n) ((rt_msg_t *)(n))

rt_msg_t *rt_msg_new(vm_ctx_t *ctx, vm_val_t msg)
{
    rt_msg_t *m = rt_gc_malloc(sizeof *m, 0);
    if (!m) {
        rt_raise(ctx, "out_of_memory", "cannot allocate a message");
        return NULL;
    }
    m->val = msg;
    return m;
}

/* The push is the waker's store of the park/wake hand-shake
 * (runtime/sched/sched.c): the seq_cst exchange in rt_mpsc_push, then the
 * seq_cst CAS of the state in rt_sched_wake. The node's release link
 * publishes the message to the receiver's acquire pop. */
void rt_mbox_push(rt_proc_t *p, rt_msg_t *m)
{
    RT_STAT_ADD(rt_stats_here(), sent, 1);
    rt_mpsc_push(&p->in, &m->link);
    rt_sched_wake(p);
}

int rt_mbox_deliver(vm_ctx_t *ctx, rt_proc_t *p, vm_val_t msg)
{
    rt_msg_t *m = rt_msg_new(ctx, msg);
    if (!m)
        return 0;
    rt_mbox_push(p, m);
    return 1;
}

void vm_proc_send(vm_ctx_t *ctx, vm_val_t dest, vm_val_t msg)
{
    /* A process often sends to the same one again: remember it. A pid
     * never changes, so the check is exact; a dead process drops the
     * message either way (its state says so). */
    rt_proc_t *self = rt_proc_of(ctx);
    rt_proc_t *p = self->send_cache;
    if (!p || p->pid != dest) {
        int err;
        p = rt_proc_resolve(ctx, "proc.send", dest, &err);
        if (!p)
            return;
        self->send_cache = p;
    }
    /* Relaxed: only a shortcut; a message to a process that dies after the
     * check is dropped with its mailbox, as one sent to a dead pid. */
    if (atomic_load_explicit(&p->state, memory_order_relaxed) == RT_P_DEAD)
        return;
    vm_val_t copy = rt_copy(ctx, msg);
    if (copy)
        rt_mbox_deliver(ctx, p, copy);
}

/* The private list is the owner's alone: its links are relaxed. */
static void append(rt_proc_t *p, rt_mpsc_node_t *n)
{
    atomic_store_explicit(&n->next, NULL, memory_order_relaxed);
    *p->tailp = n;
    p->tailp = (rt_mpsc_node_t **)&n->next;
    p->nmsgs++;
}

/* Move what senders pushed to the private list. */
static void drain(rt_proc_t *p)
{
    rt_mpsc_node_t *n;
    while ((n = rt_mpsc_pop(&p->in)))
        append(p, n);
}

void rt_mbox_sync(rt_proc_t *p)
{
    /* A pop cannot pass a node whose sender has not linked it yet, so a
     * plain drain may stop short of messages pushed completely after it.
     * Push a marker of our own and drain up to it: every push that began
     * before ours (FIFO) is then in the private list. The marker lives on
     * this stack only while it is in the queue; nothing here switches. */
    rt_mpsc_node_t marker;
    rt_mpsc_push(&p->in, &marker);
    for (;;) {
        rt_mpsc_node_t *n = rt_mpsc_pop(&p->in);
        if (n == &marker)
            return;
        if (n)
            append(p, n);
        else
            sched_yield(); /* a sender between the two steps of its push */
    }
}

int64_t rt_mbox_scan(rt_proc_t *p, int (*drop)(void *env, vm_val_t msg), void *env)
{
    int64_t dropped = 0;
    rt_mpsc_node_t **link = (rt_mpsc_node_t **)&p->first;
    rt_mpsc_node_t *n;
    while ((n = *link)) {
        rt_mpsc_node_t **next = (rt_mpsc_node_t **)&n->next;
        if (!drop(env, MSG_OF(n)->val)) {
            link = next;
            continue;
        }
        *link = *next;
        if (p->tailp == next)
            p->tailp = link;
        if (p->mark == next)
            p->mark = link; /* as in recv.accept */
        atomic_store_explicit(&n->next, NULL, memory_order_relaxed);
        p->nmsgs--;
        dropped++;
    }
    p->cursor = (rt_mpsc_node_t **)&p->first;
    return dropped;
}

static rt_mpsc_node_t *at_cursor(rt_proc_t *p)
{
    return *p->cursor;
}

static void end_receive(rt_proc_t *p)
{
    p->cursor = (rt_mpsc_node_t **)&p->first;
    if (p->timer_pos >= 0)
        rt_sched_cancel_timer(p);
    p->timed_out = 0;
}

int64_t vm_recv_wait(vm_ctx_t *ctx, int64_t timeout_ms)
{
    rt_proc_t *p = rt_proc_of(ctx);
    for (;;) {
        rt_proc_check_kill(p);
        if (at_cursor(p))
            return 1;
        drain(p);
        if (at_cursor(p))
            return 1;
        if (timeout_ms == 0 || p->timed_out) {
            end_receive(p);
            return 0;
        }
        if (timeout_ms > 0 && p->timer_pos < 0)
            rt_sched_arm_timer(p, timeout_ms);
        rt_sched_block(p);
    }
}

vm_val_t vm_recv_peek(vm_ctx_t *ctx)
{
    rt_proc_t *p = rt_proc_of(ctx);
    rt_mpsc_node_t *n = at_cursor(p);
    if (!n)
        return rt_raise(ctx, "badarg",
                        "recv.peek: no message at the cursor (call recv.wait first)");
    return MSG_OF(n)->val;
}

vm_val_t vm_recv_accept(vm_ctx_t *ctx)
{
    rt_proc_t *p = rt_proc_of(ctx);
    rt_mpsc_node_t **cur = p->cursor;
    rt_mpsc_node_t *n = *cur;
    if (!n)
        return rt_raise(ctx, "badarg",
                        "recv.accept: no message at the cursor (call recv.wait first)");
    rt_mpsc_node_t *next = atomic_load_explicit(&n->next, memory_order_relaxed);
    *cur = next;
    if (!next)
        p->tailp = cur;
    if (p->mark == (rt_mpsc_node_t **)&n->next)
        p->mark = cur; /* the mark stays just before the same later messages */
    /* A taken message must not lead to the later ones: a stale word that
     * points at it would keep the whole rest of the mailbox alive. */
    atomic_store_explicit(&n->next, NULL, memory_order_relaxed);
    p->nmsgs--;
    end_receive(p);
    return MSG_OF(n)->val;
}

void vm_recv_skip(vm_ctx_t *ctx)
{
    rt_proc_t *p = rt_proc_of(ctx);
    rt_mpsc_node_t *n = at_cursor(p);
    if (!n) {
        rt_raise(ctx, "badarg", "recv.skip: no message at the cursor (call recv.wait first)");
        return;
    }
    p->cursor = (rt_mpsc_node_t **)&n->next;
}

void vm_recv_mark(vm_ctx_t *ctx)
{
    rt_proc_t *p = rt_proc_of(ctx);
    drain(p);
    p->mark = p->tailp;
}

void vm_recv_from_mark(vm_ctx_t *ctx)
{
    rt_proc_t *p = rt_proc_of(ctx);
    p->cursor = p->mark ? p->mark : (rt_mpsc_node_t **)&p->first;
}

vm_val_t vm_recv_any(vm_ctx_t *ctx)
{
    rt_proc_t *p = rt_proc_of(ctx);
    p->cursor = (rt_mpsc_node_t **)&p->first;
    vm_recv_wait(ctx, -1);
    return vm_recv_accept(ctx);
}

int64_t vm_recv_count(vm_ctx_t *ctx)
{
    rt_proc_t *p = rt_proc_of(ctx);
    drain(p);
    return p->nmsgs;
}

void vm_proc_sleep(vm_ctx_t *ctx, int64_t ms)
{
    rt_proc_t *p = rt_proc_of(ctx);
    rt_proc_check_kill(p);
    if (ms <= 0) {
        rt_proc_yield(ctx);
        return;
    }
    /* One timer per process: a sleep between the recv.wait calls of one
     * receive ends that receive's timeout (docs/processes.md). */
    if (p->timer_pos >= 0)
        rt_sched_cancel_timer(p);
    rt_sched_arm_timer(p, ms);
    while (!p->timed_out) {
        /* Messages wake a sleeper too: it only notes them. */
        drain(p);
        rt_sched_block(p);
        rt_proc_check_kill(p);
    }
    p->timed_out = 0;
}

vm_val_t rt_recv_match(vm_ctx_t *ctx, int (*match)(void *env, vm_val_t msg), void *env,
                       int64_t timeout_ms)
{
    rt_proc_t *p = rt_proc_of(ctx);
    /* A new receive from the oldest message; one the caller left half done
     * ends here, with its timer, as a sleep would end it. */
    end_receive(p);
    for (;;) {
        if (!vm_recv_wait(ctx, timeout_ms))
            return 0;
        if (match(env, vm_recv_peek(ctx)))
            return vm_recv_accept(ctx);
        vm_recv_skip(ctx);
    }
}
