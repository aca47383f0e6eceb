/*
 * runtime/sched/netpoll.h — the netpoller: processes that wait for a file
 * descriptor park, and the scheduler wakes them when it is ready
 * (docs/io.md, "The poller"). One interface, one backend per system
 * (netpoll_epoll.c for Linux), as Go's netpoll and Redis's ae.
 *
 * Descriptors are watched edge-triggered in both directions from the
 * moment they are opened. A poll descriptor (rt_pd_t) records, per
 * direction, either nothing, an edge not consumed yet (READY), or the one
 * process waiting for it. A reader or writer always tries its system call
 * first and waits only after EAGAIN; an edge that comes in between is
 * kept as READY, so none is lost.
 *
 * Who polls: a worker with nothing to run blocks in the poller instead of
 * sleeping on its futex (one worker at a time; the others sleep, and a
 * wake-up reaches the polling one through an eventfd), and busy workers
 * look without blocking every few scheduling rounds, so readiness is seen
 * under load too. An idle program with no timers blocks for good: it uses
 * no CPU.
 */
#ifndef VM_RT_NETPOLL_H
#define VM_RT_NETPOLL_H

#include <stdint.h>

#include "abi/context.h"

typedef struct rt_pd rt_pd_t;

enum { RT_POLL_READ = 0, RT_POLL_WRITE = 1 };
enum { RT_POLL_READY, RT_POLL_TIMEOUT, RT_POLL_KILLED };

/* Watch `fd` (non-blocking) in both directions; NULL with errno set if
 * the system refuses (not a pollable descriptor: EPERM). */
rt_pd_t *rt_poll_open(int fd);
/* Stop watching, before the descriptor is closed; the poll descriptor is
 * recycled (stale events for it are dropped). */
void rt_poll_close(rt_pd_t *pd);
/* The running process (or, outside one, the calling thread) waits until
 * the descriptor may be ready for `mode`, for at most `timeout_ms` (< 0:
 * no limit; 0: only look at what is recorded). RT_POLL_READY: try the call
 * again; RT_POLL_TIMEOUT; RT_POLL_KILLED: an exit signal is pending (the
 * caller acts on it). */
int rt_poll_wait(vm_ctx_t *ctx, rt_pd_t *pd, int mode, int64_t timeout_ms);

/* ---- for the scheduler (sched.c) ---- */
/* 1 if some process waits on a descriptor (a poll may find work). */
int rt_netpoll_waiting(void);
/* Wake the processes whose descriptors are ready, waiting up to
 * `timeout_ns` for one (0: do not wait; INT64_MAX: no limit) unless
 * rt_netpoll_break interrupts. Returns how many it woke. */
int rt_netpoll(int64_t timeout_ns);
/* Interrupt a blocking rt_netpoll (any thread). */
void rt_netpoll_break(void);

#endif
