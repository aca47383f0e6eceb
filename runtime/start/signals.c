/*
 * runtime/start/signals.c — SIGTERM and SIGINT stop the program in order
 * (docs/supervision.md, "Ordered shutdown").
 *
 * The signals are blocked in every thread; one thread waits for them with
 * sigwait. The first starts the ordered shutdown (runtime/sup/sup.c); a
 * second one while it runs ends the program at once. Either way the exit
 * status is 128 + the signal number, as a shell reports a program killed
 * by it.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#define GC_THREADS
#include <gc/gc.h>

#include "proc/proc.h"
#include "start/start.h"
#include "sup/sup.h"

static sigset_t stop_signals;

static void *wait_signal(void *arg)
{
    int *sig = arg;
    while (sigwait(&stop_signals, sig) != 0) {
    }
    return NULL;
}

static void *signal_thread(void *unused)
{
    (void)unused;
    for (;;) {
        int sig = 0;
        /* Waiting, the thread need not be stopped for collections. */
        GC_do_blocking(wait_signal, &sig);
        int none = 0;
        if (!atomic_compare_exchange_strong(&rt_shutdown_signal, &none, sig)) {
            fflush(stdout);
            _exit(128 + sig); /* a second signal: stop now */
        }
        rt_sup_begin_shutdown();
    }
    return NULL;
}

void rt_signals_start(void)
{
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
    pthread_t t;
    if (GC_pthread_create(&t, NULL, signal_thread, NULL) != 0)
        rt_fatal(NULL, "system_limit", "cannot start the signal thread");
}
