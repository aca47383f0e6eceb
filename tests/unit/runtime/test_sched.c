/* Unit tests of the scheduler's parts: the context switch
 * (runtime/platform/), the MPSC queue and the stealable ring
 * (runtime/sched/queue.h), and the timer heap (runtime/sched/timer.c). */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdlib.h>

#include "platform/switch.h"
#include "sched/queue.h"
#include "sched/timer.h"

/* ---- context switch ---- */

static void *main_sp, *co_sp;
static volatile int trace[8];
static volatile int ntrace;

static double spin_math(double x)
{
    /* Values in callee-saved and FP registers across switches. */
    double a = x * 1.5, b = x + 0.25;
    rt_switch(&co_sp, main_sp);
    return a * b;
}

static void co_entry(void *arg)
{
    int *n = arg;
    trace[ntrace++] = *n;
    double r = spin_math(2.0);
    trace[ntrace++] = (int)(r * 100); /* 3.0 * 2.25 = 6.75 */
    rt_switch(&co_sp, main_sp);
    cr_assert_fail("a finished context was resumed");
}

Test(sched, switch_runs_a_fresh_context_and_keeps_registers)
{
    size_t size = 64 * 1024;
    char *stack = malloc(size);
    cr_assert_not_null(stack);
    int arg = 7;
    co_sp = rt_switch_init(stack + size, co_entry, &arg);
    ntrace = 0;
    rt_switch(&main_sp, co_sp);
    cr_assert_eq(ntrace, 1);
    cr_assert_eq(trace[0], 7);
    rt_switch(&main_sp, co_sp);
    cr_assert_eq(ntrace, 2);
    cr_assert_eq(trace[1], 675);
    free(stack);
}

static void *ping_sp, *pong_sp;
static volatile uint64_t pong_seed;
static uint64_t pong_sum; /* unsigned: the checksums wrap */

/* Both sides keep running checksums in locals across every switch; at -O2
 * they live in callee-saved registers, which each side's arithmetic
 * overwrites, so a switch that loses one changes the sums. */
static void pong_entry(void *arg)
{
    (void)arg;
    uint64_t a = pong_seed, b = 3 * pong_seed, c = 7;
    for (uint64_t i = 0;; i++) {
        a += i ^ c;
        b = b * 31 + a;
        c ^= b >> 3;
        pong_sum = a + b + c;
        rt_switch(&pong_sp, ping_sp);
    }
}

static uint64_t checksum(uint64_t seed, uint64_t n, uint64_t *pong)
{
    uint64_t x = seed * 5, y = seed + 11, z = 1;
    uint64_t a = seed, b = 3 * seed, c = 7;
    for (uint64_t i = 0; i < n; i++) {
        x += i * y;
        y ^= x >> 5;
        z = z * 17 + (x & 255);
        a += i ^ c;
        b = b * 31 + a;
        c ^= b >> 3;
    }
    *pong = a + b + c;
    return x + y + z;
}

Test(sched, switch_ping_pong_a_million_times_keeping_registers)
{
    size_t size = 64 * 1024;
    char *stack = malloc(size);
    pong_seed = 12345;
    pong_sp = rt_switch_init(stack + size, pong_entry, NULL);
    uint64_t x = pong_seed * 5, y = pong_seed + 11, z = 1;
    const uint64_t n = 1000000;
    for (uint64_t i = 0; i < n; i++) {
        rt_switch(&ping_sp, pong_sp);
        x += i * y;
        y ^= x >> 5;
        z = z * 17 + (x & 255);
    }
    uint64_t want_pong;
    uint64_t want = checksum(pong_seed, n, &want_pong);
    cr_assert_eq(x + y + z, want, "the switching side's registers were not kept");
    cr_assert_eq(pong_sum, want_pong, "the switched-to side's registers were not kept");
    free(stack);
}

/* ---- MPSC queue ---- */

typedef struct {
    rt_mpsc_node_t link;
    int producer, seq;
} item_t;

#define PRODUCERS    4
#define PER_PRODUCER 100000

static rt_mpsc_t mq;

static void *producer(void *arg)
{
    int id = (int)(intptr_t)arg;
    item_t *items = malloc(PER_PRODUCER * sizeof *items);
    for (int i = 0; i < PER_PRODUCER; i++) {
        items[i] = (item_t){.producer = id, .seq = i};
        rt_mpsc_push(&mq, &items[i].link);
    }
    return items;
}

Test(sched, mpsc_keeps_each_producers_order)
{
    rt_mpsc_init(&mq);
    cr_assert_not(rt_mpsc_nonempty(&mq));
    cr_assert_null(rt_mpsc_pop(&mq));
    pthread_t t[PRODUCERS];
    for (int i = 0; i < PRODUCERS; i++)
        pthread_create(&t[i], NULL, producer, (void *)(intptr_t)i);
    int next[PRODUCERS] = {0};
    long got = 0;
    while (got < (long)PRODUCERS * PER_PRODUCER) {
        rt_mpsc_node_t *n = rt_mpsc_pop(&mq);
        if (!n)
            continue;
        item_t *it = (item_t *)n;
        cr_assert_eq(it->seq, next[it->producer], "producer %d: got %d, expected %d", it->producer,
                     it->seq, next[it->producer]);
        next[it->producer]++;
        got++;
    }
    for (int i = 0; i < PRODUCERS; i++) {
        void *items;
        pthread_join(t[i], &items);
        free(items);
    }
    cr_assert_null(rt_mpsc_pop(&mq));
    cr_assert_not(rt_mpsc_nonempty(&mq));
}

/* ---- stealable ring ---- */

#define RING_ITEMS 200000
static rt_ring_t owner_ring, thief_ring;
static _Atomic int seen[RING_ITEMS];
static _Atomic int owner_done;

static void *thief(void *arg)
{
    (void)arg;
    for (;;) {
        void *p = rt_ring_steal(&owner_ring, &thief_ring);
        if (p) {
            atomic_fetch_add(&seen[(intptr_t)p - 1], 1);
            while ((p = rt_ring_pop(&thief_ring)))
                atomic_fetch_add(&seen[(intptr_t)p - 1], 1);
        } else if (atomic_load(&owner_done) && rt_ring_len(&owner_ring) == 0) {
            return NULL;
        }
    }
}

Test(sched, ring_steal_sees_every_item_once)
{
    pthread_t t;
    pthread_create(&t, NULL, thief, NULL);
    intptr_t next = 0;
    while (next < RING_ITEMS) {
        if (rt_ring_push(&owner_ring, (void *)(next + 1))) {
            next++;
        } else {
            void *p = rt_ring_pop(&owner_ring);
            if (p)
                atomic_fetch_add(&seen[(intptr_t)p - 1], 1);
        }
    }
    void *p;
    while ((p = rt_ring_pop(&owner_ring)))
        atomic_fetch_add(&seen[(intptr_t)p - 1], 1);
    atomic_store(&owner_done, 1);
    pthread_join(t, NULL);
    for (int i = 0; i < RING_ITEMS; i++)
        cr_assert_eq(atomic_load(&seen[i]), 1, "item %d seen %d times", i, atomic_load(&seen[i]));
}

Test(sched, ring_is_bounded_and_take_drains_the_oldest)
{
    static rt_ring_t r;
    for (intptr_t i = 1; i <= RT_RING_SIZE; i++)
        cr_assert(rt_ring_push(&r, (void *)i));
    cr_assert_not(rt_ring_push(&r, (void *)999));
    void *out[RT_RING_SIZE];
    cr_assert_eq(rt_ring_take(&r, out, 10), 10);
    cr_assert_eq((intptr_t)out[0], 1);
    cr_assert_eq((intptr_t)out[9], 10);
    cr_assert_eq((intptr_t)rt_ring_pop(&r), 11);
    cr_assert_eq(rt_ring_len(&r), RT_RING_SIZE - 11);
}

/* ---- timers ---- */

Test(sched, timers_pop_in_deadline_order_with_cancels_at_a_million)
{
    enum { N = 1000000 };
    int64_t *pos = malloc(N * sizeof *pos);
    int64_t *deadline = malloc(N * sizeof *deadline);
    rt_timers_t t = {0};
    srand(1);
    for (int i = 0; i < N; i++) {
        pos[i] = -1;
        deadline[i] = rand() % 1000000;
        cr_assert(rt_timer_add(&t, deadline[i], &pos[i]));
    }
    cr_assert_eq(t.len, (size_t)N);
    /* cancel every third */
    for (int i = 0; i < N; i += 3) {
        rt_timer_cancel(&t, &pos[i]);
        cr_assert_eq(pos[i], -1);
    }
    rt_timer_cancel(&t, &pos[0]); /* twice: nothing */
    int64_t last = -1;
    size_t popped = 0;
    int64_t *p;
    while ((p = rt_timer_pop_due(&t, INT64_MAX - 1))) {
        int i = (int)(p - pos);
        cr_assert_neq(i % 3, 0, "a cancelled timer fired");
        cr_assert_geq(deadline[i], last);
        cr_assert_eq(*p, -1);
        last = deadline[i];
        popped++;
    }
    cr_assert_eq(popped, (size_t)(N - (N + 2) / 3));
    cr_assert_eq(rt_timer_next(&t), INT64_MAX);
    rt_timers_free(&t);
    free(pos);
    free(deadline);
}

Test(sched, timers_not_due_stay)
{
    rt_timers_t t = {0};
    int64_t a = -1, b = -1;
    rt_timer_add(&t, 100, &a);
    rt_timer_add(&t, 50, &b);
    cr_assert_eq(rt_timer_next(&t), 50);
    cr_assert_null(rt_timer_pop_due(&t, 49));
    cr_assert_eq(rt_timer_pop_due(&t, 50), &b);
    cr_assert_null(rt_timer_pop_due(&t, 99));
    cr_assert_eq(rt_timer_pop_due(&t, 1000), &a);
    rt_timers_free(&t);
}
