/*
 * runtime/proc/proc.h — Erlang-style processes over the scheduler
 * (docs/processes.md): the pid table, spawn and exit, links and exit
 * signals, monitors, the name registry, mailboxes and selective receive,
 * copying messages, the main process and the crash report.
 */
#ifndef VM_RT_PROC_H
#define VM_RT_PROC_H

#include "builtins/builtins.h"
#include "sched/sched.h"

/* ---- proc.c ---- */

enum { RT_MAIN_NEVER, RT_MAIN_ON_FAILURE };

typedef struct rt_proc_settings {
    size_t max_procs;          /* the pid table's size */
    int stats;                 /* print the scheduler's statistics at exit */
    int main_restart;          /* RT_MAIN_*: run a failed main again? */
    int64_t main_max_restarts; /* at most this many times */
} rt_proc_settings_t;

/* Set up the pid table and tell the layers below how processes live and
 * end (the scheduler's hooks, the collector's roots, fatal errors).
 * After rt_sched_init, before the workers start. */
void rt_proc_init(const rt_proc_settings_t *settings);
/* Queue the main process, which runs `body` (the program: it returns the
 * exit status, or 0 with an uncaught error in ctx->exc); the program ends
 * when main does (or starts `body` again in a new main process, as
 * main.restart says). */
void rt_proc_start_main(int64_t (*body)(vm_ctx_t *ctx));

rt_proc_t *rt_proc_new(vm_ctx_t *ctx, vm_val_t fn, vm_val_t args);
/* The live process with `pid`, or NULL. */
rt_proc_t *rt_proc_lookup(vm_val_t pid);
/* Act on a pending exit signal of the running process (ends it). */
void rt_proc_check_kill(rt_proc_t *p);
/* proc.yield: act on a pending exit signal, let other runnable processes
 * of this worker run first. */
void rt_proc_yield(vm_ctx_t *ctx);
/* End the running process with `reason` (from its own stack). */
RT_NORETURN void rt_proc_die(rt_proc_t *p, vm_val_t reason);
int64_t rt_proc_live_count(void);
/* The process `dest` names: a pid (NULL if dead) or a registered atom
 * (raises badarg when unknown). *err is set when it raised. */
rt_proc_t *rt_proc_resolve(vm_ctx_t *ctx, const char *who, vm_val_t dest, int *err);
/* The items of the argument list `args` of a call (a tuple, an array or
 * nil) in *items and *n; 0 with type raised if it is none of them. */
int rt_args_items(vm_ctx_t *ctx, const char *who, vm_val_t args, const vm_val_t **items,
                  uint64_t *n);
/* 1 if function f takes n arguments, else 0 with arity raised (the
 * message of a spawn: "who: f takes 2 arguments, given 1"). */
int rt_check_arity(vm_ctx_t *ctx, const char *who, const vm_func_t *f, uint64_t n);
/* " in process <0.N.S>" when ctx is a process other than main, else "". */
void rt_proc_describe(vm_ctx_t *ctx, char *buf, size_t cap);

/* End the program with `status`: the calling process releases what it owns
 * (its files are written out and closed), stdout is flushed, stats printed
 * if asked for. */
RT_NORETURN void rt_program_exit(int status);
/* 0, or the signal (SIGTERM, SIGINT) that started an ordered shutdown. */
extern _Atomic int rt_shutdown_signal;
/* The pid of the current main process (0 before it starts). */
vm_val_t rt_main_pid(void);

/* Tasks (runtime/task/). Each of these costs O(1) however many monitors
 * self holds (a hash table by ref). What the calling process `self` holds
 * for its monitor `ref` of `pid`: */
enum {
    RT_MON_NONE,     /* nothing: its DOWN was delivered, or self never held it */
    RT_MON_HELD,     /* the monitor: its DOWN has not been delivered */
    RT_MON_CANCELLED /* a cancellation record (rt_proc_cancel_monitored) */
};
int rt_proc_monitor_state(rt_proc_t *self, vm_val_t ref, vm_val_t pid);
/* If self holds monitor (ref, pid): stop it (no DOWN of it will arrive),
 * keep a cancellation record of ref in its place if `record`, make pid end
 * with `reason` (an atom; untrappable, as kill), and return 1. Else 0. */
int rt_proc_cancel_monitored(rt_proc_t *self, vm_val_t ref, vm_val_t pid, vm_val_t reason,
                             int record);
/* Add a cancellation record of ref; 0 if out of memory. */
int rt_proc_record_cancelled(rt_proc_t *self, vm_val_t ref);
/* Drop self's monitor or record `ref` (on self's side only). */
void rt_proc_forget_monitor(rt_proc_t *self, vm_val_t ref);

/* ---- own.c: what a process owns ----
 * Files and sockets (runtime/io/) belong to the process that opened them,
 * as Erlang's ports do: when it ends, each is released (closed). The
 * process holds them weakly: one that nothing reaches any more is freed by
 * the collector and released by its own finalizer instead (io/). */
typedef struct rt_owned rt_owned_t;
typedef void (*rt_release_fn)(void *obj);
/* Make process p own `obj` (a collected object): `release(obj)` runs when
 * p ends unless the entry was dropped first. NULL if p is ending or dead
 * (or out of memory): the caller then releases obj itself. */
rt_owned_t *rt_proc_own(rt_proc_t *p, void *obj, rt_release_fn release);
/* Drop entry `o` of p's (the object was closed, or given to another
 * process) without releasing it. */
void rt_proc_disown(rt_proc_t *p, rt_owned_t *o);
/* Release everything p owns (its reaping, after it ended). */
void rt_proc_release_owned(rt_proc_t *p);
/* Lock and unlock p's record (links, monitors, name, what it owns). */
void rt_proc_lock(rt_proc_t *p);
void rt_proc_unlock(rt_proc_t *p);

/* ---- report.c ---- */
/* Print the report of an uncaught error (ctx->exc) to stderr. */
void rt_report_uncaught(vm_ctx_t *ctx);

/* ---- mailbox.c ---- */
/* Deliver `msg` (already the receiver's copy) to p's mailbox, waking it;
 * 0 if out of memory (raised in ctx). */
int rt_mbox_deliver(vm_ctx_t *ctx, rt_proc_t *p, vm_val_t msg);
/* The two halves of rt_mbox_deliver: a message node for `msg` (NULL if out
 * of memory, raised), and pushing it to p's mailbox and waking p. */
rt_msg_t *rt_msg_new(vm_ctx_t *ctx, vm_val_t msg);
void rt_mbox_push(rt_proc_t *p, rt_msg_t *m);
/* The running process p: move every message whose delivery completed
 * before the call to its private list, waiting out senders that are
 * between the two steps of a push ahead of it. Afterwards a message known
 * to be delivered (a DOWN, by rt_proc_monitor_state) is in the list. */
void rt_mbox_sync(rt_proc_t *p);
/* The running process p: remove from its private list every message for
 * which drop(env, msg) returns nonzero; returns how many. The receive
 * cursor goes back to the oldest message. */
int64_t rt_mbox_scan(rt_proc_t *p, int (*drop)(void *env, vm_val_t msg), void *env);
/* Selective receive for runtime code: remove and return the oldest message
 * for which match(env, msg) holds, waiting up to timeout_ms (< 0: forever,
 * 0: only look); 0 on timeout. Other messages stay, in order. A receive the
 * process left half done (cursor, timer) ends first. */
vm_val_t rt_recv_match(vm_ctx_t *ctx, int (*match)(void *env, vm_val_t msg), void *env,
                       int64_t timeout_ms);

/* ---- copy.c ---- */
/* A copy of `v` that shares nothing mutable with it (strings, atoms,
 * floats and static objects are shared); 0 if out of memory (raised). */
vm_val_t rt_copy(vm_ctx_t *ctx, vm_val_t v);
/* Copy items[0..n) in place as one value (sharing among them kept);
 * 0 if out of memory (raised), else 1. */
int rt_copy_items(vm_ctx_t *ctx, vm_val_t *items, size_t n);

#endif
