/* Timer heap (timer.h). */
#include "sched/timer.h"

#include <stdlib.h>

static void place(rt_timers_t *t, size_t i, rt_timer_ent_t e)
{
    t->heap[i] = e;
    *e.pos = (int64_t)i;
}

static void sift_up(rt_timers_t *t, size_t i)
{
    rt_timer_ent_t e = t->heap[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (t->heap[parent].deadline <= e.deadline)
            break;
        place(t, i, t->heap[parent]);
        i = parent;
    }
    place(t, i, e);
}

static void sift_down(rt_timers_t *t, size_t i)
{
    rt_timer_ent_t e = t->heap[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= t->len)
            break;
        if (c + 1 < t->len && t->heap[c + 1].deadline < t->heap[c].deadline)
            c++;
        if (e.deadline <= t->heap[c].deadline)
            break;
        place(t, i, t->heap[c]);
        i = c;
    }
    place(t, i, e);
}

int rt_timer_add(rt_timers_t *t, int64_t deadline, int64_t *pos)
{
    if (t->len == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 64;
        rt_timer_ent_t *h = realloc(t->heap, cap * sizeof *h);
        if (!h)
            return 0;
        t->heap = h;
        t->cap = cap;
    }
    t->heap[t->len] = (rt_timer_ent_t){deadline, pos};
    sift_up(t, t->len++);
    return 1;
}

static void remove_at(rt_timers_t *t, size_t i)
{
    *t->heap[i].pos = -1;
    t->len--;
    if (i == t->len)
        return;
    rt_timer_ent_t last = t->heap[t->len];
    place(t, i, last);
    if (i > 0 && t->heap[(i - 1) / 2].deadline > last.deadline)
        sift_up(t, i);
    else
        sift_down(t, i);
}

void rt_timer_cancel(rt_timers_t *t, int64_t *pos)
{
    if (*pos < 0)
        return;
    remove_at(t, (size_t)*pos);
}

int64_t *rt_timer_pop_due(rt_timers_t *t, int64_t now)
{
    if (!t->len || t->heap[0].deadline > now)
        return NULL;
    int64_t *pos = t->heap[0].pos;
    remove_at(t, 0);
    return pos;
}

void rt_timers_free(rt_timers_t *t)
{
    free(t->heap);
    *t = (rt_timers_t){0};
}
