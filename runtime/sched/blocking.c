/*
 * runtime/sched/blocking.c — blocking system calls off the worker threads.
 *
 * A builtin that must block (reading stdin, a file, a socket) hands the
 * call to a pool of helper threads and parks its process; the helper runs
 * the call and wakes the process through its worker's inbox, like a
 * message. The worker runs its other processes meanwhile. Helpers are
 * started on demand (at most RT_BLOCKING_MAX at once; more calls queue)
 * and registered with the collector, so a job and its process stay alive
 * while a helper holds them.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define GC_THREADS
#include <gc/gc.h>

#include "sched/sched.h"

#define RT_BLOCKING_MAX 64

typedef struct rt_job {
    void (*fn)(void *arg);
    void *arg;
    rt_proc_t *proc;
    struct rt_job *next;
} rt_job_t;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static rt_job_t *queue_head, **queue_tailp = &queue_head; /* static: a GC root */
static int nthreads, nidle;

static void *helper_main(void *unused)
{
    (void)unused;
    pthread_mutex_lock(&mu);
    for (;;) {
        while (!queue_head) {
            nidle++;
            pthread_cond_wait(&cv, &mu);
            nidle--;
        }
        rt_job_t *job = queue_head;
        queue_head = job->next;
        if (!queue_head)
            queue_tailp = &queue_head;
        pthread_mutex_unlock(&mu);
        job->fn(job->arg);
        rt_proc_t *p = job->proc;
        /* seq_cst: the waker's store of park/wake (sched.c); it also
         * publishes what fn wrote to the process, which reads it after
         * its seq_cst load of the token. */
        atomic_store_explicit(&p->notified, 1, memory_order_seq_cst);
        rt_sched_wake(p);
        pthread_mutex_lock(&mu);
    }
    return NULL;
}

void rt_blocking_call(vm_ctx_t *ctx, void (*fn)(void *arg), void *arg)
{
    if (!rt_ctx_is_process(ctx)) {
        fn(arg); /* not a process (unit tests): nothing else to run */
        return;
    }
    rt_proc_t *p = rt_proc_of(ctx);
    rt_job_t *job = rt_gc_malloc(sizeof *job, 0);
    if (!job)
        rt_fatal(NULL, "out_of_memory", "cannot queue a blocking call");
    *job = (rt_job_t){fn, arg, p, NULL};
    /* Relaxed: no helper knows the job yet; the mutex below publishes it. */
    atomic_store_explicit(&p->notified, 0, memory_order_relaxed);
    pthread_mutex_lock(&mu);
    *queue_tailp = job;
    queue_tailp = &job->next;
    int start = nidle == 0 && nthreads < RT_BLOCKING_MAX;
    if (start)
        nthreads++;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&mu);
    if (start) {
        pthread_t t;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        if (GC_pthread_create(&t, &attr, helper_main, NULL) != 0) {
            pthread_mutex_lock(&mu);
            nthreads--;
            int none = nthreads == 0;
            pthread_mutex_unlock(&mu);
            if (none)
                rt_fatal(NULL, "system_limit", "cannot start a thread for a blocking call");
        }
        pthread_attr_destroy(&attr);
    }
    /* Park until the helper is done. An exit signal may end the process
     * meanwhile: the helper keeps the job and `arg` (collected memory)
     * alive and its wake-up of a dead process does nothing. */
    while (!atomic_load_explicit(&p->notified, memory_order_seq_cst)) { /* park/wake */
        rt_sched_hooks.check_kill(p);
        rt_sched_park(p, 0);
    }
}

/* ---- io.read_line ---- */

typedef struct {
    char *line;
    ssize_t len;
} read_line_t;

static void do_read_line(void *arg)
{
    read_line_t *r = arg;
    size_t cap = 0;
    r->line = NULL;
    r->len = getline(&r->line, &cap, stdin);
}

vm_val_t vm_io_read_line(vm_ctx_t *ctx)
{
    read_line_t *r = rt_gc_malloc(sizeof *r, 0); /* not on the stack: it moves */
    if (!r)
        return rt_raise(ctx, "out_of_memory", "io.read_line: no memory");
    rt_blocking_call(ctx, do_read_line, r);
    if (r->len < 0) {
        free(r->line);
        return VM_NIL;
    }
    size_t n = (size_t)r->len;
    if (n && r->line[n - 1] == '\n')
        n--;
    if (n && r->line[n - 1] == '\r')
        n--;
    vm_val_t s = rt_str_new(ctx, r->line, n);
    free(r->line);
    return s;
}
