/*
 * runtime/sup/sup.c — supervisors (docs/supervision.md).
 *
 * A supervisor is a process whose body is the C function `sup_body`. It
 * traps exits, starts its children in order by calling each child's start
 * function (which returns the pid of a process it started; the supervisor
 * links to it), and then loops on its mailbox:
 *   {'EXIT', Pid, Reason}       a child ended (or the parent: shut down)
 *   {'$sup', From, Ref, Req}    a request from sup.* builtins; the reply
 *                               is {Ref, ok, Value} or {Ref, error, R, M}
 * Restarts follow the strategy, bounded by intensity in period; an
 * optional back-off delays them. All its state lives in one scanned block
 * held by a slot of its frame, so the collector sees it while it waits.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proc/cbody.h"
#include "proc/proc.h"
#include "sup/sup.h"

enum { ONE_FOR_ONE, ONE_FOR_ALL, REST_FOR_ONE, SIMPLE_ONE_FOR_ONE };
enum { PERMANENT, TRANSIENT, TEMPORARY };
#define SHUTDOWN_INFINITY (-1)
#define SHUTDOWN_BRUTAL   (-2)
#define RT_SUP_MAX_MS     86400000 /* a day: bounds period_ms and backoff.max_ms */

typedef struct child {
    vm_val_t id, start, args; /* args: an array */
    vm_val_t pid;             /* nil while not running */
    int64_t restart, shutdown, is_sup;
    int64_t restarts;   /* times started again */
    int64_t failures;   /* consecutive quick failures (back-off) */
    int64_t started_ns; /* when it last started */
    int64_t due_ns;     /* a restart is pending at this time; 0: none */
} child_t;

typedef struct sup {
    vm_val_t self, parent, name;
    int64_t strategy, intensity, period_ms;
    int64_t backoff_min_ms, backoff_max_ms; /* 0: no back-off */
    child_t template;                       /* simple_one_for_one */
    child_t *kids;
    int64_t n, cap;
    int64_t *times; /* restart times (ns) within the period: a ring of intensity + 1 */
    int64_t head, ntimes;
    uint64_t rng;
} sup_t;

/* ---- atoms ---- */

static struct {
    vm_val_t exit, down, sup, ok, error, ignore, normal, shutdown, kill, worker, supervisor,
        which_children, start_child, terminate_child, restart_child, delete_child, stop,
        failed_to_start_child, noproc, stopping;
} A;
static rt_sup_settings_t settings;

/* Interned once, before the workers start (runtime/start/). */
void rt_sup_init(const rt_sup_settings_t *s)
{
    settings = *s;
    A.exit = rt_atom("EXIT");
    A.down = rt_atom("DOWN");
    A.sup = rt_atom("$sup");
    A.ok = rt_atom("ok");
    A.error = rt_atom("error");
    A.ignore = rt_atom("ignore");
    A.normal = rt_atom("normal");
    A.shutdown = rt_atom("shutdown");
    A.kill = rt_atom("kill");
    A.worker = rt_atom("worker");
    A.supervisor = rt_atom("supervisor");
    A.which_children = rt_atom("which_children");
    A.start_child = rt_atom("start_child");
    A.terminate_child = rt_atom("terminate_child");
    A.restart_child = rt_atom("restart_child");
    A.delete_child = rt_atom("delete_child");
    A.stop = rt_atom("stop");
    A.failed_to_start_child = rt_atom("failed_to_start_child");
    A.noproc = rt_atom("noproc");
    A.stopping = rt_atom("$stopping");
}

/* ---- small helpers ---- */

static int is_tuple(vm_val_t v, uint32_t n)
{
    return rt_is_kind(v, VM_KIND_TUPLE) && ((const vm_tuple_t *)v)->hdr.aux == n;
}

static vm_val_t item(vm_val_t t, int i)
{
    return ((const vm_tuple_t *)t)->items[i];
}

/* Take the pending error out of ctx: its reason and message. */
static void take_error(vm_ctx_t *ctx, vm_val_t *reason, vm_val_t *message)
{
    const vm_exc_t *e = (const vm_exc_t *)ctx->exc;
    *reason = e->reason;
    *message = e->message;
    ctx->exc = 0;
}

/* Matchers for rt_recv_match; env points at the key(s). */

/* {'EXIT', *pid, _} */
static int match_exit(void *pid, vm_val_t m)
{
    return is_tuple(m, 3) && item(m, 0) == A.exit && item(m, 1) == *(vm_val_t *)pid;
}

/* {'DOWN', *ref, process, _, _} */
static int match_down(void *ref, vm_val_t m)
{
    return is_tuple(m, 5) && item(m, 0) == A.down && item(m, 1) == *(vm_val_t *)ref;
}

/* a reply {refs[0], ok, V} / {refs[0], error, R, M}, or {'DOWN', refs[1], ...} */
static int match_reply(void *env, vm_val_t m)
{
    vm_val_t *refs = env;
    return ((is_tuple(m, 3) || is_tuple(m, 4)) && item(m, 0) == refs[0]) || match_down(&refs[1], m);
}

/* ---- the caller's side: a request and its reply ---- */

/* Wait for the reply to `ref` from the process watched by monitor `mref`.
 * A reply's value is returned (the monitor is then removed, with a DOWN
 * it may have sent already); an error reply is raised, and so is the end
 * of the process before it replied (its exit reason). */
static vm_val_t wait_reply(vm_ctx_t *ctx, const char *who, vm_val_t pid, vm_val_t ref,
                           vm_val_t mref)
{
    char b[64];
    vm_val_t refs[2] = {ref, mref};
    vm_val_t m = rt_recv_match(ctx, match_reply, refs, -1);
    if (item(m, 0) == A.down) {
        vm_val_t r = item(m, 4);
        if (r == A.noproc)
            return rt_raise(ctx, "noproc", "%s: no supervisor %s", who,
                            rt_val_text(pid, b, sizeof b));
        return rt_raise_val(ctx, r, 0);
    }
    if (item(m, 1) == A.ok && (item(m, 2) == A.stopping)) {
        /* sup.stop and shutdown: return once the supervisor is gone */
        rt_recv_match(ctx, match_down, &mref, -1);
        return A.ok;
    }
    /* A DOWN delivered before the demonitor is dropped: once every push
     * under way has landed (rt_mbox_sync), none can come later. */
    vm_proc_demonitor(ctx, mref);
    rt_mbox_sync(rt_proc_of(ctx));
    rt_recv_match(ctx, match_down, &mref, 0);
    if (item(m, 1) == A.ok)
        return item(m, 2);
    return rt_raise_val(ctx, item(m, 2), item(m, 3));
}

static vm_val_t call(vm_ctx_t *ctx, const char *who, vm_val_t dest, vm_val_t req)
{
    if (!rt_ctx_is_process(ctx))
        return rt_raise(ctx, "badarg", "%s: not in a process", who);
    int err;
    rt_proc_t *p = rt_proc_resolve(ctx, who, dest, &err);
    if (err)
        return 0;
    char b[64];
    if (!p)
        return rt_raise(ctx, "noproc", "%s: no supervisor %s", who, rt_val_text(dest, b, sizeof b));
    vm_val_t pid = p->pid;
    vm_val_t ref = vm_proc_monitor(ctx, pid);
    if (!ref)
        return 0;
    vm_val_t msg = rt_tuple(ctx, 4, (vm_val_t[]){A.sup, rt_proc_of(ctx)->pid, ref, req});
    if (!msg)
        return 0;
    vm_proc_send(ctx, pid, msg);
    if (ctx->exc)
        return 0;
    /* The monitor's ref names the request too. */
    return wait_reply(ctx, who, pid, ref, ref);
}

/* ---- the supervision tree, for an ordered shutdown ---- */

/* Every supervisor that started, in start order, with its parent. The
 * roots of the tree are the live ones whose parent is not a live
 * supervisor. Pids are never reused, so dead entries are harmless; they are
 * dropped when the list grows. */
static struct sup_rec {
    vm_val_t pid, parent;
} * sups;
static size_t nsups, capsups;
static pthread_mutex_t sups_mu = PTHREAD_MUTEX_INITIALIZER;

static void sups_add(vm_val_t pid, vm_val_t parent)
{
    pthread_mutex_lock(&sups_mu);
    if (nsups == capsups) {
        size_t keep = 0;
        for (size_t i = 0; i < nsups; i++)
            if (rt_proc_lookup(sups[i].pid))
                sups[keep++] = sups[i];
        nsups = keep;
    }
    if (nsups == capsups) {
        size_t cap = capsups ? capsups * 2 : 16;
        struct sup_rec *n = realloc(sups, cap * sizeof *n);
        if (!n) {
            pthread_mutex_unlock(&sups_mu);
            return; /* not a root for shutdown: its parent still stops it */
        }
        sups = n;
        capsups = cap;
    }
    sups[nsups++] = (struct sup_rec){pid, parent};
    pthread_mutex_unlock(&sups_mu);
}

/* The next root to stop, last started first; 0 when none is left. */
static vm_val_t last_root(void)
{
    vm_val_t found = 0;
    pthread_mutex_lock(&sups_mu);
    for (size_t i = nsups; i-- > 0 && !found;) {
        if (!rt_proc_lookup(sups[i].pid))
            continue;
        int parent_is_sup = 0;
        for (size_t j = 0; j < nsups && !parent_is_sup; j++)
            parent_is_sup = sups[j].pid == sups[i].parent && rt_proc_lookup(sups[j].pid);
        if (!parent_is_sup)
            found = sups[i].pid;
    }
    pthread_mutex_unlock(&sups_mu);
    return found;
}

/* ---- the supervisor ---- */

static const char *strategy_names[] = {"one_for_one", "one_for_all", "rest_for_one",
                                       "simple_one_for_one"};
static const char *restart_names[] = {"permanent", "transient", "temporary"};

/* Index of atom `v` among names[0..n), or -1. */
static int one_of(vm_val_t v, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (v == rt_atom(names[i]))
            return i;
    return -1;
}

/* Every key of map `m` must be one of keys[]: a misspelt key is an error. */
static int check_keys(vm_ctx_t *ctx, const char *who, const char *what, vm_val_t m,
                      const char *const *keys, int n)
{
    for (int64_t pos = vm_map_next(ctx, m, 0); pos >= 0; pos = vm_map_next(ctx, m, pos + 1)) {
        vm_val_t k = vm_map_key_at(ctx, m, pos);
        if (!rt_is_atom(k) || one_of(k, keys, n) < 0) {
            char b[128];
            rt_raise(ctx, "badarg", "%s: %s: unknown key %s", who, what,
                     rt_val_text(k, b, sizeof b));
            return 0;
        }
    }
    return 1;
}

static vm_val_t get(vm_ctx_t *ctx, vm_val_t map, const char *key, vm_val_t dflt)
{
    return vm_map_get_or(ctx, map, rt_atom(key), dflt);
}

/* A non-negative int setting, or -1 after raising. */
static int64_t get_count(vm_ctx_t *ctx, const char *who, const char *what, vm_val_t map,
                         const char *key, int64_t dflt)
{
    vm_val_t v = get(ctx, map, key, val_from_int(dflt));
    if (!val_is_int(v) || val_as_int(v) < 0) {
        char b[128];
        rt_raise(ctx, "badarg", "%s: %s: %s must be a non-negative int, got %s", who, what, key,
                 rt_val_text(v, b, sizeof b));
        return -1;
    }
    return val_as_int(v);
}

static const char *const child_keys[] = {"id", "start", "args", "restart", "shutdown", "type"};

/* Fill *c from child spec map `spec`; 0 after raising badarg. */
static int parse_child(vm_ctx_t *ctx, child_t *c, vm_val_t spec, int need_id, const char *who)
{
    char b[128], what[160];
    if (!rt_is_kind(spec, VM_KIND_MAP)) {
        rt_raise(ctx, "badarg", "%s: a child spec must be a map, got %s", who,
                 rt_val_text(spec, b, sizeof b));
        return 0;
    }
    memset(c, 0, sizeof *c);
    c->id = get(ctx, spec, "id", VM_NIL);
    snprintf(what, sizeof what, "child %s", rt_val_text(c->id, b, sizeof b));
    if (!check_keys(ctx, who, what, spec, child_keys, 6))
        return 0;
    if (need_id && c->id == VM_NIL) {
        rt_raise(ctx, "badarg", "%s: a child spec has no id", who);
        return 0;
    }
    c->start = get(ctx, spec, "start", VM_NIL);
    if (!rt_is_kind(c->start, VM_KIND_FUNC)) {
        rt_raise(ctx, "badarg", "%s: %s: start must be a function, got %s", who, what,
                 rt_val_text(c->start, b, sizeof b));
        return 0;
    }
    vm_val_t args = get(ctx, spec, "args", VM_NIL);
    if (args == VM_NIL)
        args = vm_array_new(ctx);
    else if (rt_is_kind(args, VM_KIND_TUPLE))
        args = vm_tuple_to_array(ctx, args);
    else if (!rt_is_kind(args, VM_KIND_ARRAY)) {
        rt_raise(ctx, "badarg", "%s: %s: args must be an array or a tuple, got %s", who, what,
                 rt_val_text(args, b, sizeof b));
        return 0;
    }
    if (!args)
        return 0;
    c->args = args;
    vm_val_t r = get(ctx, spec, "restart", rt_atom("permanent"));
    c->restart = one_of(r, restart_names, 3);
    if (c->restart < 0) {
        rt_raise(ctx, "badarg", "%s: %s: restart must be permanent, transient or temporary, got %s",
                 who, what, rt_val_text(r, b, sizeof b));
        return 0;
    }
    vm_val_t t = get(ctx, spec, "type", A.worker);
    if (t != A.worker && t != A.supervisor) {
        rt_raise(ctx, "badarg", "%s: %s: type must be worker or supervisor, got %s", who, what,
                 rt_val_text(t, b, sizeof b));
        return 0;
    }
    c->is_sup = t == A.supervisor;
    vm_val_t s = get(ctx, spec, "shutdown", VM_NIL);
    if (s == VM_NIL)
        c->shutdown = c->is_sup ? SHUTDOWN_INFINITY : 5000;
    else if (s == rt_atom("brutal_kill"))
        c->shutdown = SHUTDOWN_BRUTAL;
    else if (s == rt_atom("infinity"))
        c->shutdown = SHUTDOWN_INFINITY;
    else if (val_is_int(s) && val_as_int(s) >= 0)
        c->shutdown = val_as_int(s);
    else {
        rt_raise(ctx, "badarg",
                 "%s: %s: shutdown must be brutal_kill, infinity or a time in ms, "
                 "got %s",
                 who, what, rt_val_text(s, b, sizeof b));
        return 0;
    }
    c->pid = VM_NIL;
    return 1;
}

static int grow_kids(vm_ctx_t *ctx, sup_t *s)
{
    if (s->n < s->cap)
        return 1;
    int64_t cap = s->cap ? s->cap * 2 : 8;
    child_t *k = rt_alloc_raw(ctx, (size_t)cap * sizeof *k, 0);
    if (!k)
        return 0;
    if (s->n)
        memcpy(k, s->kids, (size_t)s->n * sizeof *k);
    s->kids = k;
    s->cap = cap;
    return 1;
}

static const char *const sup_keys[] = {"strategy", "intensity", "period_ms",
                                       "children", "name",      "backoff"};
static const char *const backoff_keys[] = {"min_ms", "max_ms"};

/* Fill *s from the spec map; 0 after raising badarg. */
static int parse_spec(vm_ctx_t *ctx, sup_t *s, vm_val_t spec, const char *who)
{
    char b[128];
    if (!check_keys(ctx, who, "spec", spec, sup_keys, 6))
        return 0;
    vm_val_t st = get(ctx, spec, "strategy", rt_atom("one_for_one"));
    s->strategy = one_of(st, strategy_names, 4);
    if (s->strategy < 0) {
        rt_raise(ctx, "badarg",
                 "%s: strategy must be one_for_one, one_for_all, rest_for_one or "
                 "simple_one_for_one, got %s",
                 who, rt_val_text(st, b, sizeof b));
        return 0;
    }
    if ((s->intensity = get_count(ctx, who, "spec", spec, "intensity", 1)) < 0 ||
        (s->period_ms = get_count(ctx, who, "spec", spec, "period_ms", 5000)) < 0)
        return 0;
    if (s->period_ms == 0) {
        rt_raise(ctx, "badarg", "%s: spec: period_ms must be at least 1", who);
        return 0;
    }
    if (s->period_ms > RT_SUP_MAX_MS) {
        rt_raise(ctx, "badarg", "%s: spec: period_ms above %d", who, RT_SUP_MAX_MS);
        return 0;
    }
    if (s->intensity > 1000000) {
        rt_raise(ctx, "badarg", "%s: spec: intensity above 1000000", who);
        return 0;
    }
    s->times = rt_alloc_raw(ctx, (size_t)(s->intensity + 1) * sizeof(int64_t), 1);
    if (!s->times)
        return 0;
    vm_val_t name = get(ctx, spec, "name", VM_NIL);
    if (name != VM_NIL && !rt_is_atom(name)) {
        rt_raise(ctx, "badarg", "%s: spec: name must be an atom, got %s", who,
                 rt_val_text(name, b, sizeof b));
        return 0;
    }
    s->name = name;
    vm_val_t bo = get(ctx, spec, "backoff", VM_NIL);
    if (bo != VM_NIL) {
        if (!rt_is_kind(bo, VM_KIND_MAP)) {
            rt_raise(ctx, "badarg", "%s: spec: backoff must be a map, got %s", who,
                     rt_val_text(bo, b, sizeof b));
            return 0;
        }
        if (!check_keys(ctx, who, "backoff", bo, backoff_keys, 2) ||
            (s->backoff_min_ms = get_count(ctx, who, "backoff", bo, "min_ms", 10)) < 0 ||
            (s->backoff_max_ms = get_count(ctx, who, "backoff", bo, "max_ms", 10000)) < 0)
            return 0;
        if (s->backoff_max_ms > RT_SUP_MAX_MS) {
            rt_raise(ctx, "badarg", "%s: backoff: max_ms above %d", who, RT_SUP_MAX_MS);
            return 0;
        }
        if (s->backoff_min_ms == 0 || s->backoff_max_ms < s->backoff_min_ms) {
            rt_raise(ctx, "badarg", "%s: backoff: need 0 < min_ms <= max_ms", who);
            return 0;
        }
    }
    vm_val_t kids = get(ctx, spec, "children", VM_NIL);
    if (kids == VM_NIL)
        kids = vm_array_new(ctx);
    if (!kids)
        return 0;
    if (!rt_is_kind(kids, VM_KIND_ARRAY)) {
        rt_raise(ctx, "badarg", "%s: spec: children must be an array, got %s", who,
                 rt_val_text(kids, b, sizeof b));
        return 0;
    }
    const vm_array_t *a = rt_as_array(kids);
    if (s->strategy == SIMPLE_ONE_FOR_ONE) {
        if (a->len != 1) {
            rt_raise(ctx, "badarg",
                     "%s: simple_one_for_one needs exactly one child spec (the "
                     "template), got %" PRIu64,
                     who, a->len);
            return 0;
        }
        return parse_child(ctx, &s->template, a->items[0], 0, who);
    }
    for (uint64_t i = 0; i < a->len; i++) {
        if (!grow_kids(ctx, s) || !parse_child(ctx, &s->kids[s->n], a->items[i], 1, who))
            return 0;
        for (int64_t j = 0; j < s->n; j++)
            if (vm_cmp(ctx, s->kids[j].id, s->kids[s->n].id) == 0) {
                rt_raise(ctx, "badarg", "%s: two children have the id %s", who,
                         rt_val_text(s->kids[j].id, b, sizeof b));
                return 0;
            }
        s->n++;
    }
    return 1;
}

/* Start child k by calling its start function here. 1 on success; else 0
 * with the error pending in ctx. */
static int start_child(vm_ctx_t *ctx, sup_t *s, int64_t k)
{
    char b[128], b2[128];
    vm_val_t r = vm_apply(ctx, s->kids[k].start, s->kids[k].args);
    if (ctx->exc)
        return 0;
    child_t *c = &s->kids[k];
    if (r == A.ignore) {
        c->pid = VM_NIL;
        return 1;
    }
    if (!val_is_pid(r)) {
        rt_raise(ctx, "badarg", "start function of child %s returned %s, not a pid",
                 rt_val_text(c->id, b, sizeof b), rt_val_text(r, b2, sizeof b2));
        return 0;
    }
    vm_proc_link(ctx, r); /* a dead pid: noproc arrives as an EXIT */
    c = &s->kids[k];
    c->pid = r;
    c->started_ns = rt_now_ns();
    return 1;
}

static void remove_child(sup_t *s, int64_t k)
{
    memmove(&s->kids[k], &s->kids[k + 1], (size_t)(s->n - k - 1) * sizeof *s->kids);
    s->n--;
    memset(&s->kids[s->n], 0, sizeof *s->kids);
}

/* Stop child k (if running) within its shutdown time; returns its exit
 * reason (nil if it was not running). */
static vm_val_t terminate(vm_ctx_t *ctx, sup_t *s, int64_t k)
{
    vm_val_t pid = s->kids[k].pid;
    s->kids[k].due_ns = 0; /* a pending restart is off too */
    if (pid == VM_NIL)
        return VM_NIL;
    int64_t shutdown = s->kids[k].shutdown;
    s->kids[k].pid = VM_NIL;
    vm_val_t mref = vm_proc_monitor(ctx, pid);
    vm_proc_unlink(ctx, pid);
    /* An EXIT that came before the unlink (none comes after it once the
     * pushes under way have landed): the child is gone already. */
    rt_mbox_sync(rt_proc_of(ctx));
    rt_recv_match(ctx, match_exit, &pid, 0);
    vm_proc_exit_pid(ctx, pid, shutdown == SHUTDOWN_BRUTAL ? A.kill : A.shutdown);
    vm_val_t m = rt_recv_match(ctx, match_down, &mref, shutdown == SHUTDOWN_BRUTAL ? -1 : shutdown);
    if (!m) {
        vm_proc_exit_pid(ctx, pid, A.kill);
        m = rt_recv_match(ctx, match_down, &mref, -1);
    }
    return item(m, 4);
}

/* Stop every child, last started first. Dynamic and temporary children
 * leave the list. */
static void terminate_all(vm_ctx_t *ctx, sup_t *s, int64_t from)
{
    for (int64_t k = s->n - 1; k >= from; k--) {
        terminate(ctx, s, k);
        if (s->strategy == SIMPLE_ONE_FOR_ONE || s->kids[k].restart == TEMPORARY)
            remove_child(s, k);
    }
}

static void report(sup_t *s, const char *fmt, ...) RT_PRINTF(2, 3);
static void report(sup_t *s, const char *fmt, ...)
{
    char who[64], name[64] = "", text[48];
    rt_val_text(s->self, who, sizeof who);
    if (s->name != VM_NIL)
        snprintf(name, sizeof name, " (%s)", rt_val_text(s->name, text, sizeof text));
    fflush(stdout);
    fprintf(stderr, "supervisor %s%s: ", who, name);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fflush(stderr);
}

/* Count a restart; 0 if that makes more than `intensity` in `period`.
 * The times form a ring, oldest first: amortised O(1) per restart. */
static int count_restart(sup_t *s)
{
    int64_t now = rt_now_ns(), since = now - s->period_ms * 1000000, cap = s->intensity + 1;
    while (s->ntimes && s->times[s->head] <= since) {
        s->head = (s->head + 1) % cap;
        s->ntimes--;
    }
    if (s->ntimes + 1 > s->intensity)
        return 0;
    s->times[(s->head + s->ntimes) % cap] = now;
    s->ntimes++;
    return 1;
}

/* Delay before restarting child c: none without back-off; else
 * min(max, min << (failures - 1)) with "equal jitter" (a uniform draw in
 * its upper half). A child that ran max_ms or longer starts over at min. */
static int64_t backoff_ns(sup_t *s, child_t *c, int64_t now)
{
    if (!s->backoff_min_ms)
        return 0;
    if (c->started_ns && now - c->started_ns >= s->backoff_max_ms * 1000000)
        c->failures = 0;
    c->failures++;
    int64_t ms = s->backoff_min_ms;
    for (int64_t i = 1; i < c->failures && ms < s->backoff_max_ms; i++)
        ms *= 2;
    if (ms > s->backoff_max_ms)
        ms = s->backoff_max_ms;
    s->rng ^= s->rng << 13;
    s->rng ^= s->rng >> 7;
    s->rng ^= s->rng << 17;
    int64_t half = ms * 1000000 / 2;
    return half + (int64_t)(s->rng % (uint64_t)(half + 1));
}

static RT_NORETURN void shut_down(vm_ctx_t *ctx, sup_t *s, vm_val_t reason)
{
    terminate_all(ctx, s, 0);
    vm_proc_exit(ctx, reason);
    rt_unreachable("proc.exit returned");
}

static int abnormal(vm_val_t reason)
{
    return !(reason == A.normal || reason == A.shutdown ||
             (is_tuple(reason, 2) && item(reason, 0) == A.shutdown));
}

/* Child k ended with `reason`: restart what the strategy says. */
static void child_ended(vm_ctx_t *ctx, sup_t *s, int64_t k, vm_val_t reason)
{
    child_t *c = &s->kids[k];
    c->pid = VM_NIL;
    int restart = c->restart == PERMANENT || (c->restart == TRANSIENT && abnormal(reason));
    if (!restart) {
        if (c->restart == TEMPORARY || s->strategy == SIMPLE_ONE_FOR_ONE)
            remove_child(s, k);
        return;
    }
    if (!count_restart(s)) {
        char b1[64], b2[128];
        report(s,
               "reached the restart intensity (%" PRId64 " in %" PRId64
               " ms): child %s ended with %s; shutting down",
               s->intensity, s->period_ms, rt_val_text(c->id, b1, sizeof b1),
               rt_val_text(reason, b2, sizeof b2));
        shut_down(ctx, s, A.shutdown);
    }
    int64_t now = rt_now_ns(), due = now + backoff_ns(s, c, now);
    int64_t from = k;
    if (s->strategy == ONE_FOR_ALL)
        from = 0;
    if (s->strategy == ONE_FOR_ONE || s->strategy == SIMPLE_ONE_FOR_ONE) {
        c->due_ns = due;
        return;
    }
    /* one_for_all / rest_for_one: stop the others concerned, last first;
     * they and the crashed one start again in order. Children that were
     * not running (terminated, ignored, ended normally) stay so; temporary
     * ones leave (the crashed child is not temporary: it restarts). */
    for (int64_t j = s->n - 1; j >= from; j--) {
        int ran = j == k || s->kids[j].pid != VM_NIL;
        terminate(ctx, s, j);
        if (s->kids[j].restart == TEMPORARY)
            remove_child(s, j);
        else if (ran)
            s->kids[j].due_ns = due;
    }
}

/* Start the children whose restart is due, in order. A start that fails
 * counts as another failure of the child. */
static void restart_due(vm_ctx_t *ctx, sup_t *s)
{
    int64_t now = rt_now_ns();
    for (int64_t k = 0; k < s->n; k++) {
        if (!s->kids[k].due_ns || s->kids[k].due_ns > now)
            continue;
        s->kids[k].due_ns = 0;
        s->kids[k].restarts++;
        if (!start_child(ctx, s, k)) {
            s->kids[k].started_ns = 0; /* it never ran: the back-off keeps growing */
            vm_val_t r, msg;
            take_error(ctx, &r, &msg);
            char b1[64], b2[128];
            report(s, "child %s failed to start again: %s",
                   rt_val_text(s->kids[k].id, b1, sizeof b1), rt_val_text(r, b2, sizeof b2));
            child_ended(ctx, s, k, r);
            k = -1; /* the list may have changed: look again from the start */
        }
    }
}

/* ms until the next pending restart; -1 if none. */
static int64_t next_due_ms(sup_t *s)
{
    int64_t next = 0;
    for (int64_t k = 0; k < s->n; k++)
        if (s->kids[k].due_ns && (!next || s->kids[k].due_ns < next))
            next = s->kids[k].due_ns;
    if (!next)
        return -1;
    int64_t d = next - rt_now_ns();
    return d <= 0 ? 0 : (d + 999999) / 1000000;
}

static int64_t find_child(vm_ctx_t *ctx, sup_t *s, vm_val_t key)
{
    for (int64_t k = 0; k < s->n; k++)
        if ((s->kids[k].id != VM_NIL && vm_cmp(ctx, s->kids[k].id, key) == 0) ||
            (val_is_pid(key) && s->kids[k].pid == key))
            return k;
    return -1;
}

static vm_val_t which_children(vm_ctx_t *ctx, sup_t *s)
{
    vm_val_t out = vm_array_new(ctx);
    for (int64_t k = 0; out && k < s->n; k++) {
        child_t *c = &s->kids[k];
        vm_val_t t = rt_tuple(ctx, 4,
                              (vm_val_t[]){c->id, c->pid, c->is_sup ? A.supervisor : A.worker,
                                           val_from_int(c->restarts)});
        if (!t)
            return 0;
        vm_array_push(ctx, out, t);
    }
    return out;
}

/* Add a child (from a spec map, or for simple_one_for_one the template
 * with `arg`'s items appended) and start it. The pid, or 0 with an error
 * pending. */
static vm_val_t add_child(vm_ctx_t *ctx, sup_t *s, vm_val_t arg)
{
    if (!grow_kids(ctx, s))
        return 0;
    child_t c;
    char b[128];
    if (s->strategy == SIMPLE_ONE_FOR_ONE) {
        if (rt_is_kind(arg, VM_KIND_TUPLE))
            arg = vm_tuple_to_array(ctx, arg);
        else if (!rt_is_kind(arg, VM_KIND_ARRAY))
            return rt_raise_type(ctx, "sup.start_child", "an array or a tuple of arguments", arg);
        if (!arg)
            return 0;
        c = s->template;
        c.args = vm_array_concat(ctx, c.args, arg);
        if (!c.args)
            return 0;
    } else {
        if (!parse_child(ctx, &c, arg, 1, "sup.start_child"))
            return 0;
        if (find_child(ctx, s, c.id) >= 0)
            return rt_raise(ctx, "badarg", "sup.start_child: a child with id %s exists",
                            rt_val_text(c.id, b, sizeof b));
    }
    s->kids[s->n++] = c;
    if (!start_child(ctx, s, s->n - 1)) {
        s->n--;
        return 0;
    }
    return s->kids[s->n - 1].pid;
}

/* Handle request `req`; the reply's value, or 0 with an error pending. */
static vm_val_t handle_call(vm_ctx_t *ctx, sup_t *s, vm_val_t req)
{
    char b[128];
    if (req == A.which_children)
        return which_children(ctx, s);
    if (!is_tuple(req, 2))
        return rt_raise(ctx, "badarg", "supervisor: unknown request %s",
                        rt_val_text(req, b, sizeof b));
    vm_val_t op = item(req, 0), arg = item(req, 1);
    if (op == A.start_child)
        return add_child(ctx, s, arg);
    int64_t k = find_child(ctx, s, arg);
    if (k < 0)
        return rt_raise(ctx, "badarg", "no child %s", rt_val_text(arg, b, sizeof b));
    if (op == A.terminate_child) {
        terminate(ctx, s, k);
        if (s->strategy == SIMPLE_ONE_FOR_ONE || s->kids[k].restart == TEMPORARY)
            remove_child(s, k);
        return A.ok;
    }
    if (op == A.restart_child) {
        if (s->kids[k].pid != VM_NIL)
            return rt_raise(ctx, "badarg", "child %s is running", rt_val_text(arg, b, sizeof b));
        s->kids[k].due_ns = 0;
        if (!start_child(ctx, s, k))
            return 0;
        return s->kids[k].pid;
    }
    if (op == A.delete_child) {
        if (s->kids[k].pid != VM_NIL)
            return rt_raise(ctx, "badarg", "child %s is running", rt_val_text(arg, b, sizeof b));
        remove_child(s, k);
        return A.ok;
    }
    return rt_raise(ctx, "badarg", "supervisor: unknown request %s", rt_val_text(req, b, sizeof b));
}

/* Reply {ref, ok, v} or, with an error pending, {ref, error, R, M}. */
static void reply(vm_ctx_t *ctx, vm_val_t to, vm_val_t ref, vm_val_t v)
{
    vm_val_t m;
    if (ctx->exc) {
        vm_val_t r, msg;
        take_error(ctx, &r, &msg);
        m = rt_tuple(ctx, 4, (vm_val_t[]){ref, A.error, r, msg});
    } else {
        m = rt_tuple(ctx, 3, (vm_val_t[]){ref, A.ok, v});
    }
    if (m)
        vm_proc_send(ctx, to, m);
    ctx->exc = 0; /* out of memory here: the caller's monitor tells it */
}

/* Slots of the supervisor's frame. */
enum { S_STATE, S_MSG, S_SPEC, S_NSLOTS };

static int64_t sup_body(vm_ctx_t *ctx, vm_val_t *ssp, int64_t spec, int64_t parent, int64_t ref,
                        int64_t unused);
RT_CFUNC(sup_fn, "sup.supervisor", sup_body, 3, S_NSLOTS);

static int64_t sup_body(vm_ctx_t *ctx, vm_val_t *ssp, int64_t spec, int64_t parent, int64_t ref,
                        int64_t unused)
{
    (void)unused;
    vm_val_t *slot = rt_cframe_push(ctx, ssp, &sup_fn_desc);
    slot[S_SPEC] = (vm_val_t)spec;
    vm_proc_trap_exit(ctx, 1);
    sup_t *s = rt_alloc_raw(ctx, sizeof *s, 0);
    if (!s)
        rt_fatal(ctx, "out_of_memory", "cannot allocate a supervisor");
    slot[S_STATE] = (vm_val_t)s;
    s->self = rt_proc_of(ctx)->pid;
    s->parent = (vm_val_t)parent;
    s->name = VM_NIL;
    s->rng = (uint64_t)rt_now_ns() | 1;

    /* Start: parse, register, start the children in order. A failure
     * stops those started, tells the caller and ends normally. */
    int ok = parse_spec(ctx, s, (vm_val_t)spec, "sup.start_link");
    if (ok && s->name != VM_NIL) {
        vm_proc_register(ctx, s->name, s->self);
        ok = !ctx->exc;
    }
    for (int64_t k = 0; ok && k < s->n; k++) {
        if (start_child(ctx, s, k))
            continue;
        vm_val_t r, msg;
        char b1[64], b2[128];
        take_error(ctx, &r, &msg);
        vm_val_t why = rt_tuple(ctx, 3, (vm_val_t[]){A.failed_to_start_child, s->kids[k].id, r});
        const vm_string_t *ms = rt_is_kind(msg, VM_KIND_STRING) ? rt_as_str(msg) : NULL;
        if (why)
            rt_raise_valf(ctx, why, "sup.start_link: child %s failed to start: %s%s%.*s",
                          rt_val_text(s->kids[k].id, b1, sizeof b1), rt_val_text(r, b2, sizeof b2),
                          ms ? ": " : "", ms ? (int)ms->len : 0, ms ? ms->bytes : "");
        ok = 0;
        s->n = k; /* children from k on never started */
    }
    if (!ok) {
        vm_val_t e = ctx->exc;
        ctx->exc = 0;
        terminate_all(ctx, s, 0);
        vm_proc_unlink(ctx, s->parent);
        if (s->name != VM_NIL && vm_proc_whereis(ctx, s->name) == s->self)
            vm_proc_unregister(ctx, s->name); /* free for a retry at once */
        ctx->exc = e;
        reply(ctx, s->parent, (vm_val_t)ref, 0);
        return VM_NIL;
    }
    reply(ctx, s->parent, (vm_val_t)ref, s->self);
    sups_add(s->self, s->parent);

    for (;;) {
        restart_due(ctx, s);
        vm_val_t m = vm_recv_wait(ctx, next_due_ms(s)) ? vm_recv_accept(ctx) : 0;
        slot[S_MSG] = m;
        if (!m)
            continue;
        if (is_tuple(m, 3) && item(m, 0) == A.exit) {
            vm_val_t from = item(m, 1), reason = item(m, 2);
            if (from == s->parent)
                shut_down(ctx, s, reason);
            int64_t k = find_child(ctx, s, from);
            if (k >= 0 && val_is_pid(from))
                child_ended(ctx, s, k, reason);
            continue;
        }
        if (is_tuple(m, 4) && item(m, 0) == A.sup) {
            vm_val_t req = item(m, 3);
            if (req == A.stop || req == A.shutdown) {
                /* the caller returns once every child has stopped; an
                 * ordered shutdown ends the supervisor with shutdown */
                terminate_all(ctx, s, 0);
                m = slot[S_MSG];
                reply(ctx, item(m, 1), item(m, 2), A.stopping);
                if (req == A.shutdown)
                    vm_proc_exit(ctx, A.shutdown);
                return VM_NIL;
            }
            vm_val_t v = handle_call(ctx, s, req);
            m = slot[S_MSG];
            reply(ctx, item(m, 1), item(m, 2), v);
        }
        /* anything else is not for a supervisor: dropped */
    }
}

/* ---- builtins ---- */

vm_val_t vm_sup_start_link(vm_ctx_t *ctx, vm_val_t spec)
{
    if (!rt_expect(ctx, "sup.start_link", spec, VM_KIND_MAP))
        return 0;
    if (!rt_ctx_is_process(ctx))
        return rt_raise(ctx, "badarg", "sup.start_link: not in a process");
    vm_val_t ref = vm_make_ref(ctx);
    vm_val_t args = rt_tuple(ctx, 3, (vm_val_t[]){spec, rt_proc_of(ctx)->pid, ref});
    if (!args)
        return 0;
    vm_val_t pid = vm_proc_spawn_link(ctx, (vm_val_t)&sup_fn, args);
    if (!pid)
        return 0;
    /* The reply comes to `ref`; a monitor sees the supervisor die first. */
    vm_val_t mref = vm_proc_monitor(ctx, pid);
    if (!mref)
        return 0;
    return wait_reply(ctx, "sup.start_link", pid, ref, mref);
}

vm_val_t vm_sup_which_children(vm_ctx_t *ctx, vm_val_t sup)
{
    return call(ctx, "sup.which_children", sup, A.which_children);
}

static vm_val_t call2(vm_ctx_t *ctx, const char *who, vm_val_t sup, vm_val_t op, vm_val_t arg)
{
    vm_val_t req = rt_tuple(ctx, 2, (vm_val_t[]){op, arg});
    return req ? call(ctx, who, sup, req) : 0;
}

vm_val_t vm_sup_start_child(vm_ctx_t *ctx, vm_val_t sup, vm_val_t arg)
{
    return call2(ctx, "sup.start_child", sup, A.start_child, arg);
}

void vm_sup_terminate_child(vm_ctx_t *ctx, vm_val_t sup, vm_val_t key)
{
    call2(ctx, "sup.terminate_child", sup, A.terminate_child, key);
}

vm_val_t vm_sup_restart_child(vm_ctx_t *ctx, vm_val_t sup, vm_val_t key)
{
    return call2(ctx, "sup.restart_child", sup, A.restart_child, key);
}

void vm_sup_delete_child(vm_ctx_t *ctx, vm_val_t sup, vm_val_t key)
{
    call2(ctx, "sup.delete_child", sup, A.delete_child, key);
}

void vm_sup_stop(vm_ctx_t *ctx, vm_val_t sup)
{
    call(ctx, "sup.stop", sup, A.stop);
}

/* ---- ordered shutdown (SIGTERM, SIGINT) ---- */

/* The body of the process that runs an ordered shutdown: stop the roots of
 * the supervision tree, last started first, each as sup.stop does (its
 * children last first, within their shutdown times); then send main an
 * exit signal shutdown and give it main.shutdown_timeout_ms to end. The
 * program then exits with 128 + the signal. */
static int64_t shutdown_body(vm_ctx_t *ctx, vm_val_t *ssp, int64_t a0, int64_t a1, int64_t a2,
                             int64_t a3);
RT_CFUNC(shutdown_fn, "vmrt.shutdown", shutdown_body, 0, 0);

static int64_t shutdown_body(vm_ctx_t *ctx, vm_val_t *ssp, int64_t a0, int64_t a1, int64_t a2,
                             int64_t a3)
{
    (void)a0, (void)a1, (void)a2, (void)a3;
    rt_cframe_push(ctx, ssp, &shutdown_fn_desc);
    vm_val_t root;
    while ((root = last_root())) {
        call(ctx, "shutdown", root, A.shutdown);
        ctx->exc = 0; /* it ended meanwhile: nothing left to stop */
    }
    vm_val_t m = rt_main_pid();
    if (m && rt_proc_lookup(m)) {
        vm_proc_exit_pid(ctx, m, A.shutdown);
        ctx->exc = 0;
        if (settings.shutdown_timeout_ms > 0)
            vm_proc_sleep(ctx, settings.shutdown_timeout_ms);
    }
    rt_program_exit(128 + atomic_load(&rt_shutdown_signal));
}

void rt_sup_begin_shutdown(void)
{
    static const vm_array_t no_args = {{VM_KIND_ARRAY, VM_OBJ_STATIC, 0, 0}, 0, 0, NULL};
    rt_proc_t *p = rt_proc_new(NULL, (vm_val_t)&shutdown_fn, (vm_val_t)&no_args);
    if (!p)
        rt_program_exit(128 + atomic_load(&rt_shutdown_signal));
    rt_sched_spawned(p);
}
