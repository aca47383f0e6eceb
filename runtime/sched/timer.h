/*
 * runtime/sched/timer.h — a worker's pending timeouts: a binary min-heap
 * of deadlines. Insert, cancel and pop are O(log n) and a million pending
 * timers take 16 MB; each owner keeps its position in the heap (`*pos`,
 * -1 when not armed) so that cancelling needs no search. Owned by one
 * worker thread: no locking.
 */
#ifndef VM_RT_TIMER_H
#define VM_RT_TIMER_H

#include <stddef.h>
#include <stdint.h>

typedef struct rt_timer_ent {
    int64_t deadline; /* monotonic ns */
    int64_t *pos;     /* the owner's record of this entry's index */
} rt_timer_ent_t;

typedef struct rt_timers {
    rt_timer_ent_t *heap;
    size_t len, cap;
} rt_timers_t;

/* Arm: `*pos` must be -1. Returns 0 if memory ran out. */
int rt_timer_add(rt_timers_t *t, int64_t deadline, int64_t *pos);
/* Disarm the entry at `*pos` (nothing if -1); sets *pos to -1. */
void rt_timer_cancel(rt_timers_t *t, int64_t *pos);
/* The earliest deadline, or INT64_MAX when none. */
static inline int64_t rt_timer_next(const rt_timers_t *t)
{
    return t->len ? t->heap[0].deadline : INT64_MAX;
}
/* Remove and return the owner record of the earliest entry if its
 * deadline is <= now (its *pos becomes -1), else NULL. */
int64_t *rt_timer_pop_due(rt_timers_t *t, int64_t now);
void rt_timers_free(rt_timers_t *t);

#endif
