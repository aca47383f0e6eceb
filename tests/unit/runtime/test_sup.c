/* Unit tests of runtime/sup (docs/supervision.md) with the scheduler
 * running: the strategies, restart intensity, restart types, stopping
 * children in order (sup.stop, shutdown times, the ordered shutdown of a
 * signal), start failures and simple_one_for_one. Each test is the main
 * process of a runtime of its own (rt_proc_test.h).
 *
 * The workers trap exits and tell main, the log, when they have started
 * and when they are stopping: {started, Id, Pid} and {stopping, Id,
 * Reason}. A worker logs its start before it tells its start function it
 * is ready, so the log of every start that a supervisor's reply follows is
 * already in main's mailbox when main has the reply. */
#include <criterion/criterion.h>
#include <signal.h>

#include "rt_proc_test.h"

/* ---- workers and start functions ---- */

/* A worker: traps exits; log ! {started, id, self}, sup ! {ready, self};
 * then
 *   crash              ends with crash
 *   {exit, Reason}     ends with Reason
 *   {'EXIT', sup, R}   log ! {stopping, id, R}, ends with R (a stubborn
 *                      worker stays) */
static vm_val_t work(vm_ctx_t *ctx, vm_val_t id, vm_val_t log, vm_val_t sup, int stubborn)
{
    vm_val_t self = vm_proc_self(ctx);
    vm_proc_trap_exit(ctx, 1);
    vm_proc_send(ctx, log, tuple(ctx, 3, atom("started"), id, self));
    vm_proc_send(ctx, sup, tuple(ctx, 2, atom("ready"), self));
    for (;;) {
        vm_val_t m = vm_recv_any(ctx);
        if (m == atom("crash"))
            vm_proc_exit(ctx, m);
        else if (is_tuple(m, 2) && item(m, 0) == atom("exit"))
            vm_proc_exit(ctx, item(m, 1));
        else if (is_tuple(m, 3) && item(m, 0) == atom("EXIT") && item(m, 1) == sup) {
            vm_proc_send(ctx, log, tuple(ctx, 3, atom("stopping"), id, item(m, 2)));
            if (!stubborn)
                vm_proc_exit(ctx, item(m, 2));
        }
    }
    return VM_NIL;
}

PROC_FN(worker_fn, 3)
{
    return work(ctx, a0, a1, a2, 0);
}

PROC_FN(stubborn_fn, 3)
{
    return work(ctx, a0, a1, a2, 1);
}

/* Start worker `fn` (id, log) linked to the calling supervisor, and wait
 * until it is ready; its pid. */
static vm_val_t start_with(vm_ctx_t *ctx, vm_val_t fn, vm_val_t id, vm_val_t log)
{
    vm_val_t pid = vm_proc_spawn_link(ctx, fn, tuple(ctx, 3, id, log, vm_proc_self(ctx)));
    check_no_error(ctx);
    vm_val_t ready = tuple(ctx, 2, atom("ready"), pid);
    await(ctx, match_eq, &ready, "ready");
    return pid;
}

/* Start functions (they run in the supervisor), of (id, log). */
PROC_FN(start_worker, 2)
{
    return start_with(ctx, (vm_val_t)&worker_fn, a0, a1);
}

PROC_FN(start_stubborn, 2)
{
    return start_with(ctx, (vm_val_t)&stubborn_fn, a0, a1);
}

PROC_FN(start_failing, 2)
{
    return rt_raise(ctx, "no_db", "database down");
}

/* As start_worker, telling the log its supervisor first: {sup_is, Sup}. */
PROC_FN(start_reporting, 2)
{
    vm_proc_send(ctx, a1, tuple(ctx, 2, atom("sup_is"), vm_proc_self(ctx)));
    return start_with(ctx, (vm_val_t)&worker_fn, a0, a1);
}

PROC_FN(start_ignore, 2)
{
    return atom("ignore");
}

/* start_sup(spec): a supervisor child. */
PROC_FN(start_sup, 1)
{
    return vm_sup_start_link(ctx, a0);
}

/* ---- specs ---- */

/* The spec of worker child `id` started by `start`, logging to main. */
static vm_val_t child_with(vm_ctx_t *ctx, const char *id, const char *restart, vm_val_t start)
{
    return map_of(ctx, 4, "id", atom(id), "start", start, "args",
                  tuple(ctx, 2, atom(id), vm_proc_self(ctx)), "restart", atom(restart));
}

static vm_val_t child(vm_ctx_t *ctx, const char *id, const char *restart)
{
    return child_with(ctx, id, restart, (vm_val_t)&start_worker);
}

/* A period longer than any test: the intensity is counted exactly. */
#define PERIOD_MS 600000

static vm_val_t sup_spec(vm_ctx_t *ctx, const char *strategy, int64_t intensity, vm_val_t kids)
{
    return map_of(ctx, 4, "strategy", atom(strategy), "intensity", I(intensity), "period_ms",
                  I(PERIOD_MS), "children", kids);
}

static vm_val_t start_sup_of(vm_ctx_t *ctx, vm_val_t spec)
{
    vm_val_t sup = vm_sup_start_link(ctx, spec);
    check_no_error(ctx);
    check(val_is_pid(sup));
    return sup;
}

/* ---- the log ---- */

static int match_event(void *unused, vm_val_t m)
{
    (void)unused;
    return is_tuple(m, 3) && (item(m, 0) == atom("started") || item(m, 0) == atom("stopping"));
}

/* The next event in the log must be {tag, id, X}: X (a pid or a reason). */
#define expect_event(ctx, tag, id)                                                                 \
    ({                                                                                             \
        vm_val_t e_ = await(ctx, match_event, NULL, "event {" tag ", " id ", ...}");               \
        check_val(tuple(ctx, 2, item(e_, 0), item(e_, 1)), tuple(ctx, 2, atom(tag), atom(id)));    \
        item(e_, 2);                                                                               \
    })

#define expect_no_event(ctx) check_none(ctx, match_event, NULL)

/* Crash worker `pid` and wait until it has ended: its supervisor has the
 * EXIT in its mailbox (links are signalled before monitors), so the next
 * request is handled after it. */
static void crash(vm_ctx_t *ctx, vm_val_t pid, vm_val_t reason)
{
    vm_val_t ref = vm_proc_monitor(ctx, pid);
    vm_proc_send(ctx, pid, reason == atom("crash") ? reason : tuple(ctx, 2, atom("exit"), reason));
    check_val(await_down(ctx, ref), reason);
}

/* Child i of which_children must be {id, pid, worker, restarts}. */
#define check_child(ctx, kids, i, id, pid, restarts)                                               \
    check_child_at(__FILE__, __LINE__, ctx, kids, i, id, pid, restarts)
static void check_child_at(const char *file, unsigned line, vm_ctx_t *ctx, vm_val_t kids, int64_t i,
                           const char *id, vm_val_t pid, int64_t restarts)
{
    if (len_of(kids) <= i)
        fail_at(file, line, "check failed: ", "child %lld of %lld", (long long)i,
                (long long)len_of(kids));
    check_val_at(file, line, "check failed: which_children", at(kids, i),
                 tuple(ctx, 4, id ? atom(id) : VM_NIL, pid, atom("worker"), I(restarts)));
}

/* ---- strategies ---- */

PROC_TEST(sup, one_for_one_restarts_only_the_crashed_child)
{
    vm_val_t sup = start_sup_of(
        ctx, sup_spec(ctx, "one_for_one", 3,
                      array(ctx, 3, child(ctx, "a", "permanent"), child(ctx, "b", "permanent"),
                            child(ctx, "c", "permanent"))));
    vm_val_t a = expect_event(ctx, "started", "a");
    vm_val_t b = expect_event(ctx, "started", "b");
    vm_val_t c = expect_event(ctx, "started", "c");
    crash(ctx, b, atom("crash"));
    vm_val_t b2 = expect_event(ctx, "started", "b");
    check(b2 != b);
    vm_val_t kids = vm_sup_which_children(ctx, sup);
    check_no_error(ctx);
    check_int(len_of(kids), 3);
    check_child(ctx, kids, 0, "a", a, 0);
    check_child(ctx, kids, 1, "b", b2, 1);
    check_child(ctx, kids, 2, "c", c, 0);
    expect_no_event(ctx);
    check_int(vm_proc_alive(ctx, a) && vm_proc_alive(ctx, c), 1);
    return 0;
}

PROC_TEST(sup, one_for_all_restarts_every_child)
{
    vm_val_t sup = start_sup_of(
        ctx, sup_spec(ctx, "one_for_all", 3,
                      array(ctx, 3, child(ctx, "a", "permanent"), child(ctx, "b", "permanent"),
                            child(ctx, "c", "permanent"))));
    vm_val_t a = expect_event(ctx, "started", "a");
    vm_val_t b = expect_event(ctx, "started", "b");
    vm_val_t c = expect_event(ctx, "started", "c");
    crash(ctx, b, atom("crash"));
    /* the others stop, last first; then all start again, in order */
    check_val(expect_event(ctx, "stopping", "c"), atom("shutdown"));
    check_val(expect_event(ctx, "stopping", "a"), atom("shutdown"));
    vm_val_t a2 = expect_event(ctx, "started", "a");
    vm_val_t b2 = expect_event(ctx, "started", "b");
    vm_val_t c2 = expect_event(ctx, "started", "c");
    vm_val_t kids = vm_sup_which_children(ctx, sup);
    check_int(len_of(kids), 3);
    check_child(ctx, kids, 0, "a", a2, 1);
    check_child(ctx, kids, 1, "b", b2, 1);
    check_child(ctx, kids, 2, "c", c2, 1);
    check_int(vm_proc_alive(ctx, a) || vm_proc_alive(ctx, c), 0);
    expect_no_event(ctx);
    return 0;
}

PROC_TEST(sup, rest_for_one_restarts_the_crashed_child_and_those_after_it)
{
    vm_val_t sup = start_sup_of(
        ctx, sup_spec(ctx, "rest_for_one", 3,
                      array(ctx, 4, child(ctx, "a", "permanent"), child(ctx, "b", "permanent"),
                            child(ctx, "c", "permanent"), child(ctx, "d", "permanent"))));
    vm_val_t a = expect_event(ctx, "started", "a");
    vm_val_t b = expect_event(ctx, "started", "b");
    expect_event(ctx, "started", "c");
    expect_event(ctx, "started", "d");
    crash(ctx, b, atom("crash"));
    check_val(expect_event(ctx, "stopping", "d"), atom("shutdown"));
    check_val(expect_event(ctx, "stopping", "c"), atom("shutdown"));
    vm_val_t b2 = expect_event(ctx, "started", "b");
    vm_val_t c2 = expect_event(ctx, "started", "c");
    vm_val_t d2 = expect_event(ctx, "started", "d");
    vm_val_t kids = vm_sup_which_children(ctx, sup);
    check_int(len_of(kids), 4);
    check_child(ctx, kids, 0, "a", a, 0);
    check_child(ctx, kids, 1, "b", b2, 1);
    check_child(ctx, kids, 2, "c", c2, 1);
    check_child(ctx, kids, 3, "d", d2, 1);
    expect_no_event(ctx);
    return 0;
}

PROC_TEST(sup, simple_one_for_one_starts_children_from_the_template)
{
    vm_val_t tmpl = map_of(ctx, 2, "start", (vm_val_t)&start_worker, "restart", atom("transient"));
    vm_val_t sup = start_sup_of(ctx, sup_spec(ctx, "simple_one_for_one", 3, array(ctx, 1, tmpl)));
    vm_val_t self = vm_proc_self(ctx);
    check_int(len_of(vm_sup_which_children(ctx, sup)), 0);
    vm_val_t d1 = vm_sup_start_child(ctx, sup, tuple(ctx, 2, atom("d1"), self));
    check_no_error(ctx);
    check_val(expect_event(ctx, "started", "d1"), d1);
    vm_val_t d2 = vm_sup_start_child(ctx, sup, array(ctx, 2, atom("d2"), self));
    check_val(expect_event(ctx, "started", "d2"), d2);
    /* d1 crashes: restarted; d2 ends normally: transient, it leaves */
    crash(ctx, d1, atom("crash"));
    vm_val_t d1b = expect_event(ctx, "started", "d1");
    crash(ctx, d2, atom("normal"));
    vm_val_t kids = vm_sup_which_children(ctx, sup);
    check_int(len_of(kids), 1);
    check_child(ctx, kids, 0, NULL, d1b, 1);
    /* terminated, a dynamic child leaves too */
    vm_sup_terminate_child(ctx, sup, d1b);
    check_no_error(ctx);
    check_val(expect_event(ctx, "stopping", "d1"), atom("shutdown"));
    check_int(len_of(vm_sup_which_children(ctx, sup)), 0);
    expect_no_event(ctx);
    return 0;
}

/* ---- intensity and restart types ---- */

PROC_TEST(sup, past_the_restart_intensity_the_supervisor_ends_with_shutdown)
{
    vm_proc_trap_exit(ctx, 1);
    vm_val_t sup = start_sup_of(
        ctx, sup_spec(ctx, "one_for_one", 2,
                      array(ctx, 3, child(ctx, "a", "permanent"), child(ctx, "b", "permanent"),
                            child(ctx, "c", "permanent"))));
    vm_val_t ref = vm_proc_monitor(ctx, sup);
    vm_val_t a = expect_event(ctx, "started", "a");
    vm_val_t b = expect_event(ctx, "started", "b");
    vm_val_t c = expect_event(ctx, "started", "c");
    capture_t cap;
    capture_stderr(&cap);
    /* two restarts are allowed */
    crash(ctx, b, atom("crash"));
    b = expect_event(ctx, "started", "b");
    crash(ctx, b, atom("crash"));
    b = expect_event(ctx, "started", "b");
    check_int(vm_proc_alive(ctx, sup), 1);
    /* the third gives up: the others stop, last first, and it ends */
    crash(ctx, b, atom("crash"));
    check_val(expect_event(ctx, "stopping", "c"), atom("shutdown"));
    check_val(expect_event(ctx, "stopping", "a"), atom("shutdown"));
    check_val(await_down(ctx, ref), atom("shutdown"));
    check_val(await_exit(ctx, sup), atom("shutdown"));
    /* intensity 0 gives up at the first crash; the report names it */
    vm_val_t kids = array(ctx, 1, child(ctx, "x", "permanent"));
    vm_val_t spec = sup_spec(ctx, "one_for_one", 0, kids);
    vm_map_put(ctx, spec, atom("name"), atom("zero"));
    vm_val_t sup0 = start_sup_of(ctx, spec);
    check_val(vm_proc_whereis(ctx, atom("zero")), sup0);
    vm_val_t ref0 = vm_proc_monitor(ctx, sup0);
    crash(ctx, expect_event(ctx, "started", "x"), atom("crash"));
    check_val(await_down(ctx, ref0), atom("shutdown"));
    const char *err = captured(&cap);
    char want[256], pid[64];
    snprintf(want, sizeof want,
             "supervisor %s: reached the restart intensity (2 in %d ms): child b ended with "
             "crash; shutting down\n",
             rt_val_text(sup, pid, sizeof pid), PERIOD_MS);
    check(strstr(err, want), "no \"%s\" in:\n%s", want, err);
    snprintf(want, sizeof want,
             "supervisor %s (zero): reached the restart intensity (0 in %d ms): child x ended "
             "with crash; shutting down\n",
             rt_val_text(sup0, pid, sizeof pid), PERIOD_MS);
    check(strstr(err, want), "no \"%s\" in:\n%s", want, err);
    check_val(vm_proc_whereis(ctx, atom("zero")), VM_NIL);
    check_int(vm_proc_alive(ctx, a) || vm_proc_alive(ctx, b) || vm_proc_alive(ctx, c), 0);
    expect_no_event(ctx);
    check_int(vm_proc_count(ctx), 1);
    return 0;
}

PROC_TEST(sup, restart_types_permanent_transient_temporary)
{
    vm_val_t sup = start_sup_of(
        ctx, sup_spec(ctx, "one_for_one", 10,
                      array(ctx, 3, child(ctx, "p", "permanent"), child(ctx, "t", "transient"),
                            child(ctx, "tmp", "temporary"))));
    vm_val_t p = expect_event(ctx, "started", "p");
    vm_val_t t = expect_event(ctx, "started", "t");
    vm_val_t tmp = expect_event(ctx, "started", "tmp");
    /* transient: not after normal, shutdown or {shutdown, _}; after a crash */
    crash(ctx, t, atom("normal"));
    vm_val_t kids = vm_sup_which_children(ctx, sup);
    check_child(ctx, kids, 1, "t", VM_NIL, 0);
    t = vm_sup_restart_child(ctx, sup, atom("t"));
    check_no_error(ctx);
    check_val(expect_event(ctx, "started", "t"), t);
    crash(ctx, t, tuple(ctx, 2, atom("shutdown"), atom("why")));
    check_child(ctx, vm_sup_which_children(ctx, sup), 1, "t", VM_NIL, 0);
    t = vm_sup_restart_child(ctx, sup, atom("t"));
    expect_event(ctx, "started", "t");
    crash(ctx, t, atom("crash"));
    t = expect_event(ctx, "started", "t");
    /* temporary: never restarted; it leaves the list */
    crash(ctx, tmp, atom("crash"));
    /* permanent: restarted whatever the reason */
    crash(ctx, p, atom("normal"));
    p = expect_event(ctx, "started", "p");
    crash(ctx, p, atom("shutdown"));
    p = expect_event(ctx, "started", "p");
    kids = vm_sup_which_children(ctx, sup);
    check_int(len_of(kids), 2);
    check_child(ctx, kids, 0, "p", p, 2);
    check_child(ctx, kids, 1, "t", t, 1);
    expect_no_event(ctx);
    return 0;
}

/* ---- stopping ---- */

PROC_TEST(sup, stop_stops_the_children_last_first)
{
    vm_proc_trap_exit(ctx, 1);
    vm_val_t sup = start_sup_of(
        ctx, sup_spec(ctx, "one_for_one", 1,
                      array(ctx, 3, child(ctx, "a", "permanent"), child(ctx, "b", "permanent"),
                            child(ctx, "c", "temporary"))));
    vm_val_t a = expect_event(ctx, "started", "a");
    vm_val_t b = expect_event(ctx, "started", "b");
    vm_val_t c = expect_event(ctx, "started", "c");
    vm_sup_stop(ctx, sup);
    check_no_error(ctx);
    /* returned once the supervisor is gone */
    check_int(vm_proc_alive(ctx, sup), 0);
    check_val(expect_event(ctx, "stopping", "c"), atom("shutdown"));
    check_val(expect_event(ctx, "stopping", "b"), atom("shutdown"));
    check_val(expect_event(ctx, "stopping", "a"), atom("shutdown"));
    check_val(await_exit(ctx, sup), atom("normal"));
    check_int(vm_proc_alive(ctx, a) || vm_proc_alive(ctx, b) || vm_proc_alive(ctx, c), 0);
    check(!vm_sup_which_children(ctx, sup));
    char want[96], pid[64];
    snprintf(want, sizeof want, "sup.which_children: no supervisor %s",
             rt_val_text(sup, pid, sizeof pid));
    check_raised(ctx, "noproc", want);
    expect_no_event(ctx);
    return 0;
}

PROC_TEST(sup, a_child_that_does_not_stop_in_time_is_killed)
{
    vm_val_t stubborn = child_with(ctx, "s", "permanent", (vm_val_t)&start_stubborn);
    vm_map_put(ctx, stubborn, atom("shutdown"), I(100));
    vm_val_t brutal = child(ctx, "k", "permanent");
    vm_map_put(ctx, brutal, atom("shutdown"), atom("brutal_kill"));
    vm_val_t sup =
        start_sup_of(ctx, sup_spec(ctx, "one_for_one", 1,
                                   array(ctx, 3, child(ctx, "a", "permanent"), stubborn, brutal)));
    vm_val_t ra = vm_proc_monitor(ctx, expect_event(ctx, "started", "a"));
    vm_val_t rs = vm_proc_monitor(ctx, expect_event(ctx, "started", "s"));
    vm_val_t rk = vm_proc_monitor(ctx, expect_event(ctx, "started", "k"));
    int64_t t0 = rt_now_ns();
    vm_sup_stop(ctx, sup);
    int64_t took_ms = (rt_now_ns() - t0) / 1000000;
    /* k: killed at once, it cannot trap that; s: asked, then killed after
     * its 100 ms; a: asked */
    check_val(await_down(ctx, rk), atom("killed"));
    check_val(expect_event(ctx, "stopping", "s"), atom("shutdown"));
    check_val(await_down(ctx, rs), atom("killed"));
    check_val(expect_event(ctx, "stopping", "a"), atom("shutdown"));
    check_val(await_down(ctx, ra), atom("shutdown"));
    check(took_ms >= 100, "sup.stop took %lld ms", (long long)took_ms);
    expect_no_event(ctx);
    return 0;
}

PROC_TEST(sup, ordered_shutdown_stops_the_tree_last_started_first, .exit_code = 128 + SIGTERM)
{
    vm_proc_trap_exit(ctx, 1);
    vm_val_t inner_spec =
        sup_spec(ctx, "one_for_one", 1,
                 array(ctx, 2, child(ctx, "x1", "permanent"), child(ctx, "x2", "permanent")));
    vm_map_put(ctx, inner_spec, atom("name"), atom("inner"));
    vm_val_t inner = map_of(ctx, 4, "id", atom("inner"), "start", (vm_val_t)&start_sup, "args",
                            tuple(ctx, 1, inner_spec), "type", atom("supervisor"));
    vm_val_t top = start_sup_of(ctx, sup_spec(ctx, "one_for_one", 1,
                                              array(ctx, 3, child(ctx, "w1", "permanent"), inner,
                                                    child(ctx, "w2", "permanent"))));
    vm_val_t other = start_sup_of(
        ctx, sup_spec(ctx, "one_for_one", 1, array(ctx, 1, child(ctx, "o1", "permanent"))));
    expect_event(ctx, "started", "w1");
    expect_event(ctx, "started", "x1");
    expect_event(ctx, "started", "x2");
    expect_event(ctx, "started", "w2");
    expect_event(ctx, "started", "o1");
    vm_val_t kids = vm_sup_which_children(ctx, top);
    check_val(item(at(kids, 1), 2), atom("supervisor"));
    /* as the signal thread does for SIGTERM */
    int none = 0;
    check(atomic_compare_exchange_strong(&rt_shutdown_signal, &none, SIGTERM));
    rt_sup_begin_shutdown();
    /* the supervisor started last first, then the other, children last first */
    check_val(expect_event(ctx, "stopping", "o1"), atom("shutdown"));
    check_val(expect_event(ctx, "stopping", "w2"), atom("shutdown"));
    check_val(expect_event(ctx, "stopping", "x2"), atom("shutdown"));
    check_val(expect_event(ctx, "stopping", "x1"), atom("shutdown"));
    check_val(expect_event(ctx, "stopping", "w1"), atom("shutdown"));
    check_val(await_exit(ctx, other), atom("shutdown"));
    check_val(await_exit(ctx, top), atom("shutdown"));
    /* then main gets the exit signal shutdown (trapped: a message) */
    vm_val_t m = await_tag(ctx, "EXIT");
    check_val(item(m, 2), atom("shutdown"));
    /* left: main, and the process of the shutdown waiting for main to end */
    check_int(vm_proc_count(ctx), 2);
    expect_no_event(ctx);
    return 0; /* the program exits with 128 + SIGTERM all the same */
}

/* ---- starting ---- */

PROC_TEST(sup, a_child_that_fails_to_start_fails_start_link)
{
    vm_proc_trap_exit(ctx, 1);
    vm_val_t spec =
        sup_spec(ctx, "one_for_one", 1,
                 array(ctx, 3, child_with(ctx, "a", "permanent", (vm_val_t)&start_reporting),
                       child_with(ctx, "b", "permanent", (vm_val_t)&start_failing),
                       child(ctx, "c", "permanent")));
    vm_map_put(ctx, spec, atom("name"), atom("tsup"));
    check(!vm_sup_start_link(ctx, spec));
    const vm_exc_t *e = (const vm_exc_t *)ctx->exc;
    check(e);
    check_val(e->reason, tuple(ctx, 3, atom("failed_to_start_child"), atom("b"), atom("no_db")));
    check(strstr(rt_as_str(e->message)->bytes,
                 "sup.start_link: child b failed to start: no_db: database down"));
    ctx->exc = 0;
    /* what had started stopped; c never started; the name is free */
    expect_event(ctx, "started", "a");
    check_val(expect_event(ctx, "stopping", "a"), atom("shutdown"));
    check_val(vm_proc_whereis(ctx, atom("tsup")), VM_NIL);
    /* the supervisor unlinked from main before it ended: no EXIT comes */
    vm_val_t failed = item(await_tag(ctx, "sup_is"), 1);
    vm_val_t r = await_down(ctx, vm_proc_monitor(ctx, failed));
    check(r == atom("normal") || r == atom("noproc"), "ended with %s", rt_as_str(r)->bytes);
    check_none(ctx, match_exit, &failed);
    /* a name in use */
    vm_proc_register(ctx, atom("tsup"), vm_proc_self(ctx));
    check(!vm_sup_start_link(ctx, spec));
    check_raised(ctx, "badarg", "proc.register: the name is taken: tsup");
    vm_proc_unregister(ctx, atom("tsup"));
    /* a start function that returns ignore: the child stays, not running */
    spec = sup_spec(ctx, "one_for_one", 1,
                    array(ctx, 2, child(ctx, "a", "permanent"),
                          child_with(ctx, "i", "permanent", (vm_val_t)&start_ignore)));
    vm_map_put(ctx, spec, atom("name"), atom("tsup"));
    vm_val_t sup = start_sup_of(ctx, spec);
    check_val(vm_proc_whereis(ctx, atom("tsup")), sup);
    vm_val_t a = expect_event(ctx, "started", "a");
    vm_val_t kids = vm_sup_which_children(ctx, atom("tsup"));
    check_int(len_of(kids), 2);
    check_child(ctx, kids, 0, "a", a, 0);
    check_child(ctx, kids, 1, "i", VM_NIL, 0);
    /* a child with an id in use */
    check(!vm_sup_start_child(ctx, sup, child(ctx, "a", "permanent")));
    check_raised(ctx, "badarg", "sup.start_child: a child with id a exists");
    expect_no_event(ctx);
    return 0;
}

/* ---- requests ---- */

PROC_TEST(sup, terminate_restart_and_delete_child)
{
    vm_val_t sup = start_sup_of(
        ctx, sup_spec(ctx, "one_for_one", 0,
                      array(ctx, 2, child(ctx, "a", "permanent"), child(ctx, "b", "permanent"))));
    expect_event(ctx, "started", "a");
    vm_val_t b = expect_event(ctx, "started", "b");
    /* stopped by request: not restarted, and no restart counted (the
     * intensity, 0, would end the supervisor) */
    vm_sup_terminate_child(ctx, sup, atom("a"));
    check_no_error(ctx);
    check_val(expect_event(ctx, "stopping", "a"), atom("shutdown"));
    vm_val_t kids = vm_sup_which_children(ctx, sup);
    check_child(ctx, kids, 0, "a", VM_NIL, 0);
    vm_val_t a = vm_sup_restart_child(ctx, sup, atom("a"));
    check_no_error(ctx);
    check_val(expect_event(ctx, "started", "a"), a);
    check_child(ctx, vm_sup_which_children(ctx, sup), 0, "a", a, 0);
    /* a running child cannot be restarted or deleted */
    check(!vm_sup_restart_child(ctx, sup, atom("a")));
    check_raised(ctx, "badarg", "child a is running");
    vm_sup_delete_child(ctx, sup, atom("a"));
    check_raised(ctx, "badarg", "child a is running");
    vm_sup_terminate_child(ctx, sup, atom("zz"));
    check_raised(ctx, "badarg", "no child zz");
    /* by pid; then its spec goes */
    vm_sup_terminate_child(ctx, sup, b);
    check_val(expect_event(ctx, "stopping", "b"), atom("shutdown"));
    vm_sup_delete_child(ctx, sup, atom("b"));
    check_no_error(ctx);
    kids = vm_sup_which_children(ctx, sup);
    check_int(len_of(kids), 1);
    check_child(ctx, kids, 0, "a", a, 0);
    /* whom the calls go to */
    check(!vm_sup_which_children(ctx, atom("nope")));
    check_raised(ctx, "badarg", "sup.which_children: no process is registered as nope");
    check(!vm_sup_which_children(ctx, I(1)));
    check_raised(ctx, "type", "sup.which_children");
    check_int(vm_proc_alive(ctx, sup), 1);
    expect_no_event(ctx);
    return 0;
}
