/*
 * runtime/proc/own.c — what a process owns (files, sockets): released when
 * it ends.
 *
 * Each entry is a node on the C heap, which the collector does not scan, so
 * the process holds its objects weakly: the node's `obj` is a disappearing
 * link (GC_general_register_disappearing_link) that the collector clears
 * when the object becomes unreachable, before the object's finalizer runs.
 * The collector clears links after restarting the world, under its
 * allocation lock, so a link is read under that lock too (reveal()); once
 * the pointer is in a register of a running thread the object is a root.
 *
 * The list is under the process's lock: the owner adds and drops its
 * entries, another process adds one when it is given an object (io.give),
 * and the reaping releases them all once the owner has ended and no one
 * can add more (`exiting`). Nodes whose link was cleared are swept from
 * time to time as the list grows.
 */
#include <stdlib.h>

#define GC_THREADS
#include <gc/gc.h>

#include "proc/proc.h"

struct rt_owned {
    rt_owned_t *next, *prev;
    void *obj; /* a disappearing link: NULL once the collector freed it */
    rt_release_fn release;
};

static void *GC_CALLBACK reveal(void *node)
{
    return ((rt_owned_t *)node)->obj;
}

static void *alive(rt_owned_t *o)
{
    return GC_call_with_alloc_lock(reveal, o);
}

static void unlink_node(rt_proc_t *p, rt_owned_t *o)
{
    if (o->prev)
        o->prev->next = o->next;
    else
        p->owned = o->next;
    if (o->next)
        o->next->prev = o->prev;
    p->nowned--;
}

static void free_node(rt_owned_t *o)
{
    GC_unregister_disappearing_link(&o->obj);
    free(o);
}

/* Under p's lock: drop the nodes of objects the collector has freed. */
static void sweep(rt_proc_t *p)
{
    rt_owned_t *o = p->owned;
    while (o) {
        rt_owned_t *next = o->next;
        if (!alive(o)) {
            unlink_node(p, o);
            free_node(o);
        }
        o = next;
    }
    p->sweep_at = 2 * p->nowned + 16;
}

rt_owned_t *rt_proc_own(rt_proc_t *p, void *obj, rt_release_fn release)
{
    rt_owned_t *o = malloc(sizeof *o);
    if (!o)
        return NULL;
    *o = (rt_owned_t){.obj = obj, .release = release};
    rt_proc_lock(p);
    if (p->exiting) {
        rt_proc_unlock(p);
        free(o);
        return NULL;
    }
    if (GC_general_register_disappearing_link(&o->obj, obj) == GC_NO_MEMORY) {
        rt_proc_unlock(p);
        free(o);
        return NULL;
    }
    if (p->nowned >= p->sweep_at)
        sweep(p);
    o->next = p->owned;
    if (o->next)
        o->next->prev = o;
    p->owned = o;
    p->nowned++;
    rt_proc_unlock(p);
    return o;
}

void rt_proc_disown(rt_proc_t *p, rt_owned_t *o)
{
    rt_proc_lock(p);
    unlink_node(p, o);
    rt_proc_unlock(p);
    free_node(o);
}

void rt_proc_release_owned(rt_proc_t *p)
{
    rt_proc_lock(p); /* `exiting` is set: nothing is added from here on */
    rt_owned_t *o = p->owned;
    p->owned = NULL;
    p->nowned = 0;
    rt_proc_unlock(p);
    while (o) {
        rt_owned_t *next = o->next;
        void *obj = alive(o);
        if (obj)
            o->release(obj);
        free_node(o);
        o = next;
    }
}
