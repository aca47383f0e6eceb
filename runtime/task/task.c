/*
 * runtime/task/task.c — tasks: async/await over processes (docs/tasks.md).
 *
 * A task is a process that runs one function call under a C body of ours
 * (task.run) and ends with an exit reason that carries the outcome:
 * {'$task_ok', Result} when the call returns, {'$task_error', Error} when
 * it raises (caught: no crash report). Its owner monitors it from the
 * spawn on, so each task gives its owner exactly one message, the DOWN of
 * that monitor, whose reason (copied, as every reason) is the outcome, or
 * the reason the task ended otherwise (killed, cancelled, stack_overflow,
 * proc.exit). The task value is the tuple {'$task', Pid, Ref}.
 *
 * Waiting is a selective receive in the owner for the DOWN of the refs it
 * waits for (rt_recv_match, so timeouts are the receive's timers): only the
 * owner's green thread parks, never a worker.
 *
 * What the owner holds for a task tells its state (proc.c, under the
 * owner's lock): the monitor (not ended, or its DOWN not yet delivered), a
 * cancellation record (task.cancel), or nothing (its DOWN was delivered, or
 * it never was the owner's). The DOWN is pushed under the same lock, so
 * "nothing" means the DOWN is in the mailbox already, unless a receive took
 * it (the task was awaited): rt_mbox_sync and a scan tell which.
 *
 * Values made here and kept across an allocation or a wait live in the
 * slots of a shadow-stack frame of the builtin (cbody.h); sets of tasks are
 * atomic GC memory (refs and pids are immediates) held in such a slot.
 */
#include <string.h>

#include "proc/cbody.h"
#include "proc/proc.h"

/* ---- atoms, interned on first use (the same value whoever wins) ---- */

enum { A_TASK, A_OK, A_ERROR, A_DOWN, A_PROCESS, A_CANCELLED, A_COUNT };
static const char *const atom_names[A_COUNT] = {"$task", "$task_ok", "$task_error",
                                                "DOWN",  "process",  "cancelled"};
static _Atomic vm_val_t atom_cache[A_COUNT];

static vm_val_t atom(int i)
{
    vm_val_t a = atomic_load_explicit(&atom_cache[i], memory_order_relaxed);
    if (!a) {
        a = rt_atom(atom_names[i]);
        atomic_store_explicit(&atom_cache[i], a, memory_order_relaxed);
    }
    return a;
}

/* ---- frames of the builtins ---- */

#define FRAME(var, name, nslots) static const vm_func_desc_t var = {name, "", 0, nslots}
FRAME(async_desc, "task.async", 1);
FRAME(await_desc, "task.await", 1);
FRAME(all_desc, "task.all", 3);
FRAME(race_desc, "task.race", 2);
FRAME(gspawn_desc, "task.group_spawn", 2);
FRAME(gwait_desc, "task.group_wait", 3);
FRAME(gcancel_desc, "task.group_cancel", 1);
FRAME(foreach_desc, "task.foreach", 5);

/* Push the builtin's frame on the caller's (ctx->ssp is exact at a call of
 * a builtin that may allocate); the caller restores ctx->ssp = *saved. */
static vm_val_t *enter(vm_ctx_t *ctx, vm_val_t **saved, const vm_func_desc_t *desc)
{
    *saved = ctx->ssp;
    return rt_cframe_push(ctx, ctx->ssp, desc);
}

/* ---- errors ---- */

static void raise_cancelled(vm_ctx_t *ctx, const char *who, vm_val_t pid)
{
    char p[64];
    rt_raise_valf(ctx, atom(A_CANCELLED), "%s: task %s was cancelled", who,
                  rt_val_text(pid, p, sizeof p));
}

/* ---- the task process ---- */

static int64_t task_run(vm_ctx_t *ctx, vm_val_t *ssp, int64_t a0, int64_t a1, int64_t a2,
                        int64_t a3);
RT_CFUNC(task_run_fn, "task.run", task_run, 2, 2);

/* The body of a task process: task.run(Fn, Args) calls Fn with Args and
 * ends the process with the outcome as its exit reason. It never returns:
 * returning would end the process with reason normal. */
static int64_t task_run(vm_ctx_t *ctx, vm_val_t *ssp, int64_t a0, int64_t a1, int64_t a2,
                        int64_t a3)
{
    (void)a2;
    (void)a3;
    vm_val_t *s = rt_cframe_push(ctx, ssp, &task_run_fn_desc);
    s[0] = (vm_val_t)a0;
    s[1] = (vm_val_t)a1;
    const vm_val_t *items;
    uint64_t n;
    if (!rt_args_items(ctx, "task.run", s[1], &items, &n))
        rt_unreachable("task.run: bad arguments"); /* checked by the spawning builtin */
    vm_val_t r = rt_call_fn(ctx, s[0], (uint32_t)n, items);
    vm_val_t tag = atom(A_OK);
    if (r == 0 && ctx->exc) {
        /* Caught here: the error reaches the owner in the reason, and is
         * reported by whoever does not catch it there. */
        r = ctx->exc;
        tag = atom(A_ERROR);
    }
    ctx->exc = 0;
    s[0] = r;
    rt_proc_t *p = rt_proc_of(ctx);
    vm_val_t t = vm_tuple_alloc(ctx, 2);
    if (!t) /* out of memory */
        rt_proc_die(p, ctx->exc ? ((const vm_exc_t *)ctx->exc)->reason : rt_atom("out_of_memory"));
    ((vm_tuple_t *)t)->items[0] = tag;
    ((vm_tuple_t *)t)->items[1] = s[0];
    rt_proc_die(p, t);
}

/* fn must be a function taking the arguments in args (tuple, array, nil):
 * the checks and messages of proc.spawn. */
static int check_call(vm_ctx_t *ctx, const char *who, vm_val_t fn, vm_val_t args)
{
    const vm_func_t *f = rt_expect(ctx, who, fn, VM_KIND_FUNC);
    const vm_val_t *items;
    uint64_t n;
    return f && rt_args_items(ctx, who, args, &items, &n) && rt_check_arity(ctx, who, f, n);
}

/* A new task of the caller running fn(args...) (checked): 1 with its pid
 * and ref, or 0 with the error raised. `slot`: a frame slot to use. */
static int spawn_task(vm_ctx_t *ctx, vm_val_t fn, vm_val_t args, vm_val_t *slot, vm_val_t *pid,
                      vm_val_t *ref)
{
    vm_val_t pair = vm_tuple_alloc(ctx, 2);
    if (!pair)
        return 0;
    *slot = pair;
    ((vm_tuple_t *)pair)->items[0] = fn;
    ((vm_tuple_t *)pair)->items[1] = args;
    /* Copies fn and args for the new process, as proc.spawn does; the
     * monitor is in place before the task can run. */
    vm_val_t pr = vm_proc_spawn_monitor(ctx, (vm_val_t)&task_run_fn, pair);
    if (!pr)
        return 0;
    *pid = ((const vm_tuple_t *)pr)->items[0];
    *ref = ((const vm_tuple_t *)pr)->items[1];
    return 1;
}

static vm_val_t make_task(vm_ctx_t *ctx, vm_val_t pid, vm_val_t ref)
{
    vm_val_t t = vm_tuple_alloc(ctx, 3);
    if (t) {
        ((vm_tuple_t *)t)->items[0] = atom(A_TASK);
        ((vm_tuple_t *)t)->items[1] = pid;
        ((vm_tuple_t *)t)->items[2] = ref;
    }
    return t;
}

/* The pid and ref of task value t; 0 with type (not a tuple) or badarg (a
 * tuple that is not a task) raised. */
static int parse_task(vm_ctx_t *ctx, const char *who, vm_val_t t, vm_val_t *pid, vm_val_t *ref)
{
    if (!rt_is_kind(t, VM_KIND_TUPLE)) {
        rt_raise_type(ctx, who, "a task", t);
        return 0;
    }
    const vm_tuple_t *u = (const vm_tuple_t *)t;
    if (u->hdr.aux == 3 && u->items[0] == atom(A_TASK) && val_is_pid(u->items[1]) &&
        val_is_ref(u->items[2])) {
        *pid = u->items[1];
        *ref = u->items[2];
        return 1;
    }
    char v[128];
    rt_raise(ctx, "badarg", "%s: not a task: %s", who, rt_val_text(t, v, sizeof v));
    return 0;
}

/* ---- sets of tasks: ref -> entry, open addressing ---- */

enum {
    T_LIVE,   /* the monitor is held (its DOWN will come) or its DOWN is in the mailbox */
    T_UNSEEN, /* nothing held: its DOWN should be in the mailbox (to check) */
    T_CANC    /* a cancellation record is held */
};

typedef struct tent {
    vm_val_t ref; /* 0: free */
    vm_val_t pid;
    int64_t idx; /* position in the caller's array */
    int64_t st;  /* T_* */
} tent_t;

typedef struct tset {
    uint64_t mask, len;
    tent_t e[];
} tset_t;

/* A set for up to n tasks, kept in *slot; NULL if out of memory (raised). */
static tset_t *tset_new(vm_ctx_t *ctx, uint64_t n, vm_val_t *slot)
{
    uint64_t cap = 4;
    while (cap < 2 * n && cap <= RT_MAX_ALLOC / sizeof(tent_t))
        cap *= 2;
    if (cap > RT_MAX_ALLOC / sizeof(tent_t)) {
        rt_raise(ctx, "out_of_memory", "no room for %llu tasks", (unsigned long long)n);
        return NULL;
    }
    size_t size = sizeof(tset_t) + cap * sizeof(tent_t);
    tset_t *s = rt_alloc_raw(ctx, size, 1);
    if (!s)
        return NULL;
    memset(s, 0, size);
    s->mask = cap - 1;
    *slot = (vm_val_t)s;
    return s;
}

static uint64_t home(const tset_t *s, vm_val_t ref)
{
    return (uint64_t)(ref >> 3) * 0x9E3779B97F4A7C15ULL & s->mask;
}

static tent_t *tset_find(tset_t *s, vm_val_t ref)
{
    for (uint64_t i = home(s, ref);; i = (i + 1) & s->mask) {
        if (s->e[i].ref == ref)
            return &s->e[i];
        if (!s->e[i].ref)
            return NULL;
    }
}

/* A new entry for ref, or NULL if ref is in the set already. */
static tent_t *tset_add(tset_t *s, vm_val_t ref, vm_val_t pid, int64_t idx, int64_t st)
{
    uint64_t i = home(s, ref);
    for (; s->e[i].ref; i = (i + 1) & s->mask)
        if (s->e[i].ref == ref)
            return NULL;
    s->e[i] = (tent_t){ref, pid, idx, st};
    s->len++;
    return &s->e[i];
}

/* Backward-shift deletion: probing stays exact without tombstones. */
static void tset_del(tset_t *s, tent_t *e)
{
    uint64_t i = (uint64_t)(e - s->e), j = i;
    for (;;) {
        j = (j + 1) & s->mask;
        if (!s->e[j].ref)
            break;
        uint64_t h = home(s, s->e[j].ref);
        if (((j - h) & s->mask) >= ((j - i) & s->mask)) {
            s->e[i] = s->e[j];
            i = j;
        }
    }
    s->e[i] = (tent_t){0};
    s->len--;
}

/* m as the DOWN of a process monitor, {'DOWN', Ref, process, Pid, Reason},
 * or NULL. */
static const vm_tuple_t *as_down(vm_val_t m)
{
    if (!rt_is_kind(m, VM_KIND_TUPLE))
        return NULL;
    const vm_tuple_t *t = (const vm_tuple_t *)m;
    if (t->hdr.aux != 5 || t->items[0] != atom(A_DOWN) || t->items[2] != atom(A_PROCESS) ||
        !val_is_ref(t->items[1]))
        return NULL;
    return t;
}

/* The entry of s whose DOWN message m is, or NULL. */
static tent_t *down_of(tset_t *s, vm_val_t m)
{
    const vm_tuple_t *d = as_down(m);
    tent_t *e = d ? tset_find(s, d->items[1]) : NULL;
    return e && e->pid == d->items[3] ? e : NULL;
}

/* One task, for the matchers: no set, no allocation. */
typedef struct tkey {
    vm_val_t ref, pid;
} tkey_t;

/* Matchers for rt_recv_match and rt_mbox_scan: m is the DOWN of a task of
 * the set env, or of the one task env (a tkey_t). */
static int is_down_in(void *env, vm_val_t m)
{
    return down_of(env, m) != NULL;
}

static int is_down_of(void *env, vm_val_t m)
{
    const tkey_t *k = env;
    const vm_tuple_t *d = as_down(m);
    return d && d->items[1] == k->ref && d->items[3] == k->pid;
}

static int see_down(void *env, vm_val_t m)
{
    tent_t *e = down_of(env, m);
    if (e && e->st == T_UNSEEN)
        e->st = T_LIVE;
    return 0;
}

/* ---- waiting ---- */

static int64_t deadline_of(int64_t ms)
{
    if (ms < 0)
        return -1;
    int64_t now = rt_now_ns();
    return ms > (INT64_MAX - now) / 1000000 ? INT64_MAX : now + ms * 1000000;
}

/* ms left until the deadline (rounded up), -1 for none. */
static int64_t ms_left(int64_t deadline)
{
    if (deadline < 0)
        return -1;
    int64_t left = deadline - rt_now_ns();
    return left <= 0 ? 0 : left / 1000000 + (left % 1000000 != 0);
}

/* The result in the DOWN m of a task: 1 and *r if the call returned. */
static int result_of(vm_val_t m, vm_val_t *r)
{
    vm_val_t reason = ((const vm_tuple_t *)m)->items[4];
    if (!rt_is_kind(reason, VM_KIND_TUPLE))
        return 0;
    const vm_tuple_t *o = (const vm_tuple_t *)reason;
    if (o->hdr.aux != 2 || o->items[0] != atom(A_OK))
        return 0;
    *r = o->items[1];
    return 1;
}

/* Raise the failure in the DOWN m of a task (rooted by the caller): the
 * error the task raised, unchanged (its reason, message and trace), or an
 * error whose reason is the reason the task ended with. */
static void raise_failure(vm_ctx_t *ctx, const char *who, vm_val_t m)
{
    const vm_tuple_t *d = (const vm_tuple_t *)m;
    vm_val_t reason = d->items[4];
    if (rt_is_kind(reason, VM_KIND_TUPLE)) {
        const vm_tuple_t *o = (const vm_tuple_t *)reason;
        if (o->hdr.aux == 2 && o->items[0] == atom(A_ERROR) &&
            rt_is_kind(o->items[1], VM_KIND_EXC)) {
            ctx->exc = o->items[1];
            return;
        }
    }
    char p[64], r[256];
    rt_raise_valf(ctx, reason, "%s: task %s ended with reason %s", who,
                  rt_val_text(d->items[3], p, sizeof p), rt_val_text(reason, r, sizeof r));
}

/* Give up every task left in s: end each one whose monitor is still held
 * with reason cancelled (the monitor stopped, no record), forget the
 * cancellation records, drop the DOWNs already delivered. Raises nothing,
 * allocates nothing. */
static void give_up(vm_ctx_t *ctx, tset_t *s)
{
    rt_proc_t *self = rt_proc_of(ctx);
    int flush = 0;
    for (uint64_t i = 0; i <= s->mask; i++) {
        tent_t *e = &s->e[i];
        if (!e->ref)
            continue;
        if (e->st == T_CANC)
            rt_proc_forget_monitor(self, e->ref);
        else if (!rt_proc_cancel_monitored(self, e->ref, e->pid, atom(A_CANCELLED), 0))
            flush = 1; /* not held: its DOWN was delivered (or it is not ours) */
    }
    /* Only the tasks not held can have a DOWN in the mailbox. */
    if (flush) {
        rt_mbox_sync(self);
        rt_mbox_scan(self, is_down_in, s);
    }
}

/* The tasks of array `arr` as a new set in *slot, each classified by what
 * the caller holds for it. `strict` (all, race, group_wait): a task twice,
 * or one the caller neither holds nor has the DOWN of (not its own, or
 * already awaited), raises badarg; otherwise they are skipped. NULL if it
 * raised; nothing is changed then. */
static tset_t *collect(vm_ctx_t *ctx, const char *who, vm_val_t arr, vm_val_t *slot, int strict)
{
    rt_proc_t *self = rt_proc_of(ctx);
    tset_t *s = tset_new(ctx, rt_as_array(arr)->len, slot);
    if (!s)
        return NULL;
    int unseen = 0;
    for (uint64_t i = 0; i < rt_as_array(arr)->len; i++) {
        vm_val_t t = rt_as_array(arr)->items[i], pid, ref;
        if (!parse_task(ctx, who, t, &pid, &ref))
            return NULL;
        int st = rt_proc_monitor_state(self, ref, pid); /* O(1) */
        int64_t tst = st == RT_MON_HELD ? T_LIVE : st == RT_MON_CANCELLED ? T_CANC : T_UNSEEN;
        if (!tset_add(s, ref, pid, (int64_t)i, tst)) {
            if (!strict)
                continue;
            char v[128];
            rt_raise(ctx, "badarg", "%s: task %s is given twice", who, rt_val_text(t, v, sizeof v));
            return NULL;
        }
        unseen += tst == T_UNSEEN;
    }
    /* Unless strict, an unseen task is left for give_up, which looks for
     * its DOWN anyway. */
    if (!strict || !unseen)
        return s;
    rt_mbox_sync(self);
    rt_mbox_scan(self, see_down, s);
    for (uint64_t i = 0; i < rt_as_array(arr)->len; i++) {
        vm_val_t t = rt_as_array(arr)->items[i];
        tent_t *e = tset_find(s, ((const vm_tuple_t *)t)->items[2]);
        if (e->st == T_UNSEEN) {
            char v[128];
            rt_raise(ctx, "badarg", "%s: %s is not a task of this process, or was already awaited",
                     who, rt_val_text(t, v, sizeof v));
            return NULL;
        }
    }
    return s;
}

/* The entry of the first task (in the caller's order) with a cancellation
 * record, or NULL. */
static tent_t *first_cancelled(tset_t *s)
{
    tent_t *c = NULL;
    for (uint64_t i = 0; i <= s->mask; i++)
        if (s->e[i].ref && s->e[i].st == T_CANC && (!c || s->e[i].idx < c->idx))
            c = &s->e[i];
    return c;
}

/* A cancelled task settles a wait: forget its record, give up the others,
 * raise cancelled. */
static void fail_cancelled(vm_ctx_t *ctx, const char *who, tset_t *s, tent_t *c)
{
    vm_val_t pid = c->pid;
    rt_proc_forget_monitor(rt_proc_of(ctx), c->ref);
    tset_del(s, c);
    give_up(ctx, s);
    raise_cancelled(ctx, who, pid);
}

/* Wait up to ms for the next task of set to end, and take it out of set:
 * 1 with its result in *r and its index in *idx; 0 if it failed, with the
 * tasks left given up and its failure raised; -1 on timeout, with nothing
 * given up or raised. The DOWN is kept in *slot. */
static int settle_one(vm_ctx_t *ctx, const char *who, tset_t *set, int64_t ms, vm_val_t *slot,
                      vm_val_t *r, int64_t *idx)
{
    vm_val_t m = rt_recv_match(ctx, is_down_in, set, ms);
    if (!m)
        return -1;
    *slot = m;
    tent_t *e = down_of(set, m);
    *idx = e->idx;
    tset_del(set, e);
    if (result_of(m, r))
        return 1;
    give_up(ctx, set);
    raise_failure(ctx, who, m);
    return 0;
}

/* task.all over array `arr` with slots s[0..3); `group`, if not 0, is
 * emptied once the tasks are collected. */
static vm_val_t wait_all(vm_ctx_t *ctx, const char *who, vm_val_t arr, int64_t ms, vm_val_t *s,
                         vm_val_t group)
{
    tset_t *set = collect(ctx, who, arr, &s[0], 1);
    if (!set)
        return 0;
    uint64_t n = rt_as_array(arr)->len;
    if (group)
        vm_array_clear(ctx, group);
    int64_t deadline = deadline_of(ms);
    vm_val_t res = rt_array_new(ctx, n);
    if (!res) {
        give_up(ctx, set);
        return 0;
    }
    s[1] = res;
    for (uint64_t i = 0; i < n; i++)
        rt_as_array(res)->items[i] = VM_NIL;
    rt_as_array(res)->len = n;
    tent_t *c = first_cancelled(set);
    if (c) {
        fail_cancelled(ctx, who, set, c);
        return 0;
    }
    while (set->len) {
        vm_val_t r;
        int64_t idx;
        int st = settle_one(ctx, who, set, ms_left(deadline), &s[2], &r, &idx);
        if (st < 0) {
            uint64_t left = set->len;
            give_up(ctx, set);
            rt_raise(ctx, "timeout", "%s: %llu of %llu tasks did not finish within %lld ms", who,
                     (unsigned long long)left, (unsigned long long)n, (long long)ms);
        }
        if (st <= 0)
            return 0;
        rt_as_array(res)->items[idx] = r;
    }
    return res;
}

/* ---- the builtins ---- */

vm_val_t vm_task_async(vm_ctx_t *ctx, vm_val_t fn, vm_val_t args)
{
    if (!check_call(ctx, "task.async", fn, args))
        return 0;
    vm_val_t *saved, *s = enter(ctx, &saved, &async_desc);
    vm_val_t pid, ref, t = 0;
    if (spawn_task(ctx, fn, args, &s[0], &pid, &ref))
        t = make_task(ctx, pid, ref);
    ctx->ssp = saved;
    return t;
}

vm_val_t vm_task_await(vm_ctx_t *ctx, vm_val_t task, int64_t ms)
{
    tkey_t k; /* on this stack: a process's stack keeps its addresses while it waits */
    if (!parse_task(ctx, "task.await", task, &k.pid, &k.ref))
        return 0;
    rt_proc_t *self = rt_proc_of(ctx);
    vm_val_t *saved, *s = enter(ctx, &saved, &await_desc), r = 0;
    int st = rt_proc_monitor_state(self, k.ref, k.pid);
    if (st == RT_MON_CANCELLED) {
        rt_proc_forget_monitor(self, k.ref);
        raise_cancelled(ctx, "task.await", k.pid);
        goto out;
    }
    if (st == RT_MON_NONE)
        rt_mbox_sync(self); /* its DOWN is there now, if it is anywhere */
    vm_val_t m = rt_recv_match(ctx, is_down_of, &k, st == RT_MON_HELD ? ms : 0);
    if (!m) {
        char v[128];
        if (st == RT_MON_HELD)
            rt_raise(ctx, "timeout", "task.await: no result within %lld ms", (long long)ms);
        else
            rt_raise(ctx, "badarg",
                     "task.await: %s is not a task of this process, or was already awaited",
                     rt_val_text(task, v, sizeof v));
        goto out;
    }
    s[0] = m;
    if (!result_of(m, &r))
        raise_failure(ctx, "task.await", m);
out:
    ctx->ssp = saved;
    return r;
}

void vm_task_cancel(vm_ctx_t *ctx, vm_val_t task)
{
    tkey_t k;
    if (!parse_task(ctx, "task.cancel", task, &k.pid, &k.ref))
        return;
    rt_proc_t *self = rt_proc_of(ctx);
    if (rt_proc_cancel_monitored(self, k.ref, k.pid, atom(A_CANCELLED), 1))
        return; /* it ends with reason cancelled; no DOWN will come */
    if (rt_proc_monitor_state(self, k.ref, k.pid) == RT_MON_CANCELLED)
        return;
    /* It ended: drop its outcome if it was not awaited yet. */
    rt_mbox_sync(self);
    if (rt_mbox_scan(self, is_down_of, &k) && !rt_proc_record_cancelled(self, k.ref))
        rt_raise(ctx, "out_of_memory", "task.cancel: cannot record the cancellation");
}

vm_val_t vm_task_all(vm_ctx_t *ctx, vm_val_t tasks, int64_t ms)
{
    if (!rt_expect(ctx, "task.all", tasks, VM_KIND_ARRAY))
        return 0;
    vm_val_t *saved, *s = enter(ctx, &saved, &all_desc);
    vm_val_t r = wait_all(ctx, "task.all", tasks, ms, s, 0);
    ctx->ssp = saved;
    return r;
}

vm_val_t vm_task_race(vm_ctx_t *ctx, vm_val_t tasks, int64_t ms)
{
    if (!rt_expect(ctx, "task.race", tasks, VM_KIND_ARRAY))
        return 0;
    if (!rt_as_array(tasks)->len)
        return rt_raise(ctx, "badarg", "task.race: no tasks");
    vm_val_t *saved, *s = enter(ctx, &saved, &race_desc), r = 0;
    tset_t *set = collect(ctx, "task.race", tasks, &s[0], 1);
    if (!set)
        goto out;
    tent_t *c = first_cancelled(set);
    if (c) {
        fail_cancelled(ctx, "task.race", set, c);
        goto out;
    }
    vm_val_t got;
    int64_t idx;
    int st = settle_one(ctx, "task.race", set, ms, &s[1], &got, &idx);
    if (st != 0)
        give_up(ctx, set); /* the others lose */
    if (st < 0)
        rt_raise(ctx, "timeout", "task.race: no task finished within %lld ms", (long long)ms);
    if (st > 0)
        r = got;
out:
    ctx->ssp = saved;
    return r;
}

vm_val_t vm_task_group(vm_ctx_t *ctx)
{
    return rt_array_new(ctx, 0);
}

vm_val_t vm_task_group_spawn(vm_ctx_t *ctx, vm_val_t group, vm_val_t fn, vm_val_t args)
{
    if (!rt_expect(ctx, "task.group_spawn", group, VM_KIND_ARRAY) ||
        !check_call(ctx, "task.group_spawn", fn, args))
        return 0;
    vm_val_t *saved, *s = enter(ctx, &saved, &gspawn_desc);
    vm_val_t pid, ref, t = 0;
    if (spawn_task(ctx, fn, args, &s[0], &pid, &ref) && (t = make_task(ctx, pid, ref))) {
        s[1] = t;
        if (!rt_array_push(ctx, group, t)) {
            /* out of memory: the task would be nobody's */
            vm_val_t e = ctx->exc;
            rt_proc_cancel_monitored(rt_proc_of(ctx), ref, pid, atom(A_CANCELLED), 0);
            ctx->exc = e;
            t = 0;
        }
    }
    ctx->ssp = saved;
    return t;
}

vm_val_t vm_task_group_wait(vm_ctx_t *ctx, vm_val_t group, int64_t ms)
{
    if (!rt_expect(ctx, "task.group_wait", group, VM_KIND_ARRAY))
        return 0;
    vm_val_t *saved, *s = enter(ctx, &saved, &gwait_desc);
    vm_val_t r = wait_all(ctx, "task.group_wait", group, ms, s, group);
    ctx->ssp = saved;
    return r;
}

void vm_task_group_cancel(vm_ctx_t *ctx, vm_val_t group)
{
    if (!rt_expect(ctx, "task.group_cancel", group, VM_KIND_ARRAY))
        return;
    vm_val_t *saved, *s = enter(ctx, &saved, &gcancel_desc);
    tset_t *set = collect(ctx, "task.group_cancel", group, &s[0], 0);
    if (set) {
        vm_array_clear(ctx, group);
        give_up(ctx, set);
    }
    ctx->ssp = saved;
}

vm_val_t vm_task_foreach(vm_ctx_t *ctx, vm_val_t arr, vm_val_t fn, int64_t limit)
{
    const char *who = "task.foreach";
    if (!rt_expect(ctx, who, arr, VM_KIND_ARRAY))
        return 0;
    const vm_func_t *f = rt_expect(ctx, who, fn, VM_KIND_FUNC);
    if (!f || !rt_check_arity(ctx, who, f, 1))
        return 0;
    uint64_t n = rt_as_array(arr)->len;
    uint64_t lim = limit <= 0 || (uint64_t)limit > n ? n : (uint64_t)limit;
    /* slots: the set, the results, a DOWN, the arguments, spawn's */
    vm_val_t *saved, *s = enter(ctx, &saved, &foreach_desc), res = 0;
    tset_t *set = tset_new(ctx, lim, &s[0]);
    if (!set || !(res = rt_array_new(ctx, n)))
        goto out;
    s[1] = res;
    for (uint64_t i = 0; i < n; i++)
        rt_as_array(res)->items[i] = VM_NIL;
    rt_as_array(res)->len = n;
    uint64_t next = 0, done = 0;
    while (done < n) {
        while (set->len < lim && next < n) {
            vm_val_t args = vm_tuple_alloc(ctx, 1), pid, ref;
            if (!args) {
                give_up(ctx, set);
                res = 0;
                goto out;
            }
            s[3] = args;
            ((vm_tuple_t *)args)->items[0] = rt_as_array(arr)->items[next];
            if (!spawn_task(ctx, fn, args, &s[4], &pid, &ref)) {
                give_up(ctx, set);
                res = 0;
                goto out;
            }
            tset_add(set, ref, pid, (int64_t)next++, T_LIVE);
        }
        vm_val_t r;
        int64_t idx;
        if (settle_one(ctx, who, set, -1, &s[2], &r, &idx) <= 0) { /* no timeout: failed */
            res = 0;
            goto out;
        }
        rt_as_array(res)->items[idx] = r;
        done++;
    }
out:
    ctx->ssp = saved;
    return res;
}
