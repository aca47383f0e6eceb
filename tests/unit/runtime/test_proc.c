/* Unit tests of runtime/proc (docs/processes.md) with the scheduler
 * running, two workers: spawn and exit reasons, the order of messages,
 * selective receive and its timeout, links and exit signals, monitors, the
 * registry, what a process owns, and errors that end one process. Each
 * test is the main process of a runtime of its own (rt_proc_test.h);
 * process bodies are C functions. */
#include <criterion/criterion.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <time.h>

#include "rt_proc_test.h"

/* ---- process bodies ---- */

/* sum(to, x, y): to ! {sum, self, x + y}, then ends normally. */
PROC_FN(sum_fn, 3)
{
    vm_proc_send(ctx, a0,
                 tuple(ctx, 3, atom("sum"), vm_proc_self(ctx), I(val_as_int(a1) + val_as_int(a2))));
    return VM_NIL;
}

/* exit_with(reason): proc.exit(reason). */
PROC_FN(exit_fn, 1)
{
    vm_proc_exit(ctx, a0);
    return VM_NIL;
}

/* exit_self_normal(to): proc.exit_pid(self, normal), which ends it; then
 * (never) to ! survived. */
PROC_FN(exit_self_normal_fn, 1)
{
    vm_proc_exit_pid(ctx, vm_proc_self(ctx), atom("normal"));
    vm_proc_send(ctx, a0, atom("survived"));
    return VM_NIL;
}

/* server(parent) serves until `stop` (then ends normally):
 *   {ping, From}          From ! {pong, self}
 *   {trap, Flag}          proc.trap_exit(Flag); parent ! {trapping, self}
 *   {spawn_link, F, Args} parent ! {linked, self, proc.spawn_link(F, Args)}
 *   {exit, Reason}        ends with Reason
 *   {'EXIT', From, R}     parent ! {trapped, self, From, R}
 *   {'DOWN', _, _, P, R}  parent ! {down, self, P, R}
 *   anything else         parent ! {other, self, M}                      */
PROC_FN(server_fn, 1)
{
    vm_val_t parent = a0, self = vm_proc_self(ctx);
    for (;;) {
        vm_val_t m = vm_recv_any(ctx);
        if (m == atom("stop"))
            return VM_NIL;
        if (is_tuple(m, 2) && item(m, 0) == atom("ping")) {
            vm_proc_send(ctx, item(m, 1), tuple(ctx, 2, atom("pong"), self));
        } else if (is_tuple(m, 2) && item(m, 0) == atom("trap")) {
            vm_proc_trap_exit(ctx, val_as_int(item(m, 1)));
            vm_proc_send(ctx, parent, tuple(ctx, 2, atom("trapping"), self));
        } else if (is_tuple(m, 3) && item(m, 0) == atom("spawn_link")) {
            vm_val_t pid = vm_proc_spawn_link(ctx, item(m, 1), item(m, 2));
            check_no_error(ctx);
            vm_proc_send(ctx, parent, tuple(ctx, 3, atom("linked"), self, pid));
        } else if (is_tuple(m, 2) && item(m, 0) == atom("exit")) {
            vm_proc_exit(ctx, item(m, 1));
        } else if (is_tuple(m, 3) && item(m, 0) == atom("EXIT")) {
            vm_proc_send(ctx, parent, tuple(ctx, 4, atom("trapped"), self, item(m, 1), item(m, 2)));
        } else if (is_tuple(m, 5) && item(m, 0) == atom("DOWN")) {
            vm_proc_send(ctx, parent, tuple(ctx, 4, atom("down"), self, item(m, 3), item(m, 4)));
        } else {
            vm_proc_send(ctx, parent, tuple(ctx, 3, atom("other"), self, m));
        }
    }
}

/* Ping `pid` and wait for its pong: it is alive and serving. */
static void check_serving(vm_ctx_t *ctx, vm_val_t pid)
{
    vm_proc_send(ctx, pid, tuple(ctx, 2, atom("ping"), vm_proc_self(ctx)));
    vm_val_t pong = tuple(ctx, 2, atom("pong"), pid);
    await(ctx, match_eq, &pong, "pong");
}

/* A server of our own; *ref set to a monitor of it if ref is not NULL. */
static vm_val_t start_server(vm_ctx_t *ctx, vm_val_t *ref)
{
    vm_val_t pid = vm_proc_spawn(ctx, (vm_val_t)&server_fn, tuple(ctx, 1, vm_proc_self(ctx)));
    check_no_error(ctx);
    check(val_is_pid(pid));
    if (ref)
        *ref = vm_proc_monitor(ctx, pid);
    return pid;
}

/* Make server `pid` trap exits (or stop trapping), and wait until it does. */
static void server_trap(vm_ctx_t *ctx, vm_val_t pid, int on)
{
    vm_proc_send(ctx, pid, tuple(ctx, 2, atom("trap"), I(on)));
    vm_val_t ack = tuple(ctx, 2, atom("trapping"), pid);
    await(ctx, match_eq, &ack, "trapping");
}

/* ---- spawn and exit ---- */

PROC_TEST(proc, spawn_runs_the_function_with_its_arguments_and_ends_normal)
{
    check_int(vm_proc_count(ctx), 1);
    vm_val_t self = vm_proc_self(ctx);
    check_val(self, rt_main_pid());
    vm_val_t pm = vm_proc_spawn_monitor(ctx, (vm_val_t)&sum_fn, tuple(ctx, 3, self, I(2), I(40)));
    check_no_error(ctx);
    check(is_tuple(pm, 2));
    vm_val_t pid = item(pm, 0), ref = item(pm, 1);
    check(val_is_pid(pid) && pid != self);
    check(val_is_ref(ref));
    vm_val_t m = await_tag(ctx, "sum");
    check_val(m, tuple(ctx, 3, atom("sum"), pid, I(42)));
    check_val(await_down(ctx, ref), atom("normal"));
    check_int(vm_proc_alive(ctx, pid), 0);
    check_int(vm_proc_count(ctx), 1);
    /* an array of arguments does as well as a tuple */
    vm_proc_spawn(ctx, (vm_val_t)&sum_fn, array(ctx, 3, self, I(-1), I(1)));
    check_val(item(await_tag(ctx, "sum"), 2), I(0));
    return 0;
}

PROC_TEST(proc, exit_reason_is_what_the_process_gave)
{
    vm_val_t reason = tuple(ctx, 2, atom("bye"), array(ctx, 2, I(1), I(2)));
    vm_val_t pm = vm_proc_spawn_monitor(ctx, (vm_val_t)&exit_fn, tuple(ctx, 1, reason));
    check_val(await_down(ctx, item(pm, 1)), reason);
    /* proc.exit_pid(self, normal) ends the process that sends it */
    pm = vm_proc_spawn_monitor(ctx, (vm_val_t)&exit_self_normal_fn,
                               tuple(ctx, 1, vm_proc_self(ctx)));
    check_val(await_down(ctx, item(pm, 1)), atom("normal"));
    vm_val_t survived = atom("survived");
    check_none(ctx, match_eq, &survived);
    return 0;
}

PROC_TEST(proc, spawn_checks_the_function_and_its_arguments)
{
    check(!vm_proc_spawn(ctx, (vm_val_t)&sum_fn, tuple(ctx, 1, I(1))));
    check_raised(ctx, "arity", "proc.spawn: test.sum_fn takes 3 arguments, given 1");
    check(!vm_proc_spawn_link(ctx, I(5), VM_NIL));
    check_raised(ctx, "type", "proc.spawn_link");
    check(!vm_proc_spawn_monitor(ctx, (vm_val_t)&sum_fn, I(3)));
    check_raised(ctx, "type", "a tuple, an array or nil of arguments");
    check_int(vm_proc_count(ctx), 1);
    return 0;
}

/* ---- messages ---- */

enum { NMSGS = 20000 };

/* producer(to, n, tag): to ! {tag, self, i} for i in [0, n). */
PROC_FN(producer_fn, 3)
{
    vm_val_t self = vm_proc_self(ctx);
    for (int64_t i = 0; i < val_as_int(a1); i++)
        vm_proc_send(ctx, a0, tuple(ctx, 3, a2, self, I(i)));
    return VM_NIL;
}

/* consumer(parent, n): takes n messages {seq, From, i} from one From, with
 * i counting up from 0, then parent ! {consumed, self, From}. */
PROC_FN(consumer_fn, 2)
{
    vm_val_t from = 0;
    for (int64_t i = 0; i < val_as_int(a1); i++) {
        vm_val_t m = recv_next(ctx);
        char t[256];
        check(is_tuple(m, 3) && item(m, 0) == atom("seq"), "got %s", show(m, t, sizeof t));
        if (!from)
            from = item(m, 1);
        check_val(item(m, 1), from);
        check_int(val_as_int(item(m, 2)), i);
    }
    vm_proc_send(ctx, a0, tuple(ctx, 3, atom("consumed"), vm_proc_self(ctx), from));
    return VM_NIL;
}

PROC_TEST(proc, messages_between_a_pair_arrive_in_the_order_sent)
{
    vm_val_t self = vm_proc_self(ctx);
    /* between two other processes */
    vm_val_t c = vm_proc_spawn(ctx, (vm_val_t)&consumer_fn, tuple(ctx, 2, self, I(NMSGS)));
    vm_val_t p =
        vm_proc_spawn(ctx, (vm_val_t)&producer_fn, tuple(ctx, 3, c, I(NMSGS), atom("seq")));
    vm_val_t done = tuple(ctx, 3, atom("consumed"), c, p);
    await(ctx, match_eq, &done, "consumed");
    /* two senders to main: each one's messages in its order */
    vm_val_t p1 =
        vm_proc_spawn(ctx, (vm_val_t)&producer_fn, tuple(ctx, 3, self, I(NMSGS), atom("seq")));
    vm_val_t p2 =
        vm_proc_spawn(ctx, (vm_val_t)&producer_fn, tuple(ctx, 3, self, I(NMSGS), atom("seq")));
    int64_t next1 = 0, next2 = 0;
    while (next1 + next2 < 2 * NMSGS) {
        vm_val_t m = recv_next(ctx);
        check(is_tuple(m, 3));
        int64_t *next = item(m, 1) == p1 ? &next1 : item(m, 1) == p2 ? &next2 : NULL;
        check(next, "a message from neither sender");
        check_int(val_as_int(item(m, 2)), *next);
        (*next)++;
    }
    check_int(vm_recv_count(ctx), 0);
    return 0;
}

PROC_TEST(proc, selective_receive_leaves_the_other_messages_in_order)
{
    vm_val_t self = vm_proc_self(ctx);
    vm_proc_send(ctx, self, I(1));
    vm_proc_send(ctx, self, I(2));
    vm_proc_send(ctx, self, tuple(ctx, 2, atom("x"), I(3)));
    vm_proc_send(ctx, self, I(4));
    check_int(vm_recv_count(ctx), 4);
    check_val(await_tag(ctx, "x"), tuple(ctx, 2, atom("x"), I(3)));
    check_int(vm_recv_count(ctx), 3);
    check_val(recv_next(ctx), I(1));
    check_val(recv_next(ctx), I(2));
    check_val(recv_next(ctx), I(4));
    /* a message is a copy: changing what was sent changes nothing */
    vm_val_t a = array(ctx, 1, I(1));
    vm_proc_send(ctx, self, a);
    vm_array_push(ctx, a, I(2));
    check_val(recv_next(ctx), array(ctx, 1, I(1)));
    return 0;
}

PROC_TEST(proc, recv_mark_starts_a_receive_after_the_older_messages)
{
    vm_val_t self = vm_proc_self(ctx);
    vm_proc_send(ctx, self, I(1));
    vm_proc_send(ctx, self, I(2));
    vm_recv_mark(ctx);
    vm_proc_send(ctx, self, I(3));
    vm_proc_send(ctx, self, I(4));
    vm_recv_from_mark(ctx);
    check_int(vm_recv_wait(ctx, 0), 1);
    check_val(vm_recv_peek(ctx), I(3));
    check_val(vm_recv_accept(ctx), I(3));
    /* the mark stays before the same later messages */
    vm_recv_from_mark(ctx);
    check_int(vm_recv_wait(ctx, 0), 1);
    check_val(vm_recv_peek(ctx), I(4));
    vm_recv_skip(ctx);
    check_int(vm_recv_wait(ctx, 0), 0); /* nothing after 4: the receive ends */
    /* the message just before the mark is taken: the mark moves back to
     * its predecessor, before the same later messages */
    vm_val_t two = I(2);
    check_val(rt_recv_match(ctx, match_eq, &two, 0), I(2));
    vm_recv_from_mark(ctx);
    check_int(vm_recv_wait(ctx, 0), 1);
    check_val(vm_recv_peek(ctx), I(4));
    vm_recv_skip(ctx);
    check_int(vm_recv_wait(ctx, 0), 0);
    /* and to the start, when the first message goes */
    vm_val_t one = I(1);
    check_val(rt_recv_match(ctx, match_eq, &one, 0), I(1));
    vm_recv_from_mark(ctx);
    check_int(vm_recv_wait(ctx, 0), 1);
    check_val(vm_recv_accept(ctx), I(4));
    check_int(vm_recv_count(ctx), 0);
    return 0;
}

static int is_even(void *unused, vm_val_t m)
{
    (void)unused;
    return val_is_int(m) && val_as_int(m) % 2 == 0;
}

PROC_TEST(proc, mbox_scan_drops_matching_messages_and_keeps_the_order)
{
    vm_val_t self = vm_proc_self(ctx);
    for (int i = 0; i < 10; i++) {
        if (i == 6)
            vm_recv_mark(ctx); /* after 0..5 */
        vm_proc_send(ctx, self, I(i));
    }
    check_int(vm_recv_count(ctx), 10);
    check_int(rt_mbox_scan(rt_proc_of(ctx), is_even, NULL), 5);
    check_int(vm_recv_count(ctx), 5);
    /* the mark was after 5, which stays: 7 follows it */
    vm_recv_from_mark(ctx);
    check_int(vm_recv_wait(ctx, 0), 1);
    check_val(vm_recv_accept(ctx), I(7));
    /* the others in their order */
    check_val(recv_next(ctx), I(1));
    check_val(recv_next(ctx), I(3));
    check_val(recv_next(ctx), I(5));
    check_val(recv_next(ctx), I(9));
    check_int(vm_recv_count(ctx), 0);
    return 0;
}

/* sleeper(to, ms): sleeps ms, then to ! late. */
PROC_FN(sleeper_fn, 2)
{
    vm_proc_sleep(ctx, val_as_int(a1));
    vm_proc_send(ctx, a0, atom("late"));
    return VM_NIL;
}

PROC_TEST(proc, receive_with_a_timeout_returns_timeout)
{
    /* 0: only look */
    int64_t t0 = rt_now_ns();
    check_int(vm_recv_wait(ctx, 0), 0);
    /* nothing comes: the wait ends after the timeout, not before */
    check(!recv_within(ctx, 50));
    int64_t waited_ms = (rt_now_ns() - t0) / 1000000;
    check(waited_ms >= 50 && waited_ms < WAIT_MS, "waited %lld ms", (long long)waited_ms);
    /* a message that does not match does not end the wait, and stays */
    vm_val_t self = vm_proc_self(ctx);
    vm_proc_send(ctx, self, atom("other"));
    vm_val_t tag = atom("wanted");
    t0 = rt_now_ns();
    check(!rt_recv_match(ctx, match_tag, &tag, 30));
    check((rt_now_ns() - t0) / 1000000 >= 30);
    check_int(vm_recv_count(ctx), 1);
    check_val(recv_next(ctx), atom("other"));
    /* a message that comes during the wait ends it */
    vm_proc_spawn(ctx, (vm_val_t)&sleeper_fn, tuple(ctx, 2, self, I(20)));
    t0 = rt_now_ns();
    check_val(recv_within(ctx, WAIT_MS), atom("late"));
    waited_ms = (rt_now_ns() - t0) / 1000000;
    check(waited_ms < WAIT_MS, "waited %lld ms", (long long)waited_ms);
    /* and its timer is gone: a later look does not see a stale timeout */
    check(!recv_within(ctx, 0));
    check(!recv_within(ctx, 10));
    return 0;
}

/* ---- links and exit signals ---- */

PROC_TEST(proc, a_link_propagates_an_abnormal_exit)
{
    vm_val_t self = vm_proc_self(ctx), ref_b, ref_c;
    vm_val_t b = start_server(ctx, &ref_b);
    vm_proc_send(ctx, b,
                 tuple(ctx, 3, atom("spawn_link"), (vm_val_t)&server_fn, tuple(ctx, 1, self)));
    vm_val_t linked = await_tag(ctx, "linked");
    vm_val_t c = item(linked, 2);
    ref_c = vm_proc_monitor(ctx, c);
    vm_proc_send(ctx, c, tuple(ctx, 2, atom("exit"), atom("boom")));
    check_val(await_down(ctx, ref_c), atom("boom"));
    check_val(await_down(ctx, ref_b), atom("boom"));
    check_int(vm_proc_alive(ctx, b), 0);
    check_int(vm_proc_count(ctx), 1);
    return 0;
}

PROC_TEST(proc, a_normal_exit_does_not_end_a_linked_process)
{
    vm_val_t self = vm_proc_self(ctx), ref_b;
    vm_val_t b = start_server(ctx, &ref_b);
    vm_proc_send(ctx, b,
                 tuple(ctx, 3, atom("spawn_link"), (vm_val_t)&server_fn, tuple(ctx, 1, self)));
    vm_val_t c = item(await_tag(ctx, "linked"), 2);
    vm_val_t ref_c = vm_proc_monitor(ctx, c);
    vm_proc_send(ctx, c, atom("stop"));
    check_val(await_down(ctx, ref_c), atom("normal"));
    check_serving(ctx, b);
    /* exit_pid with normal, to another process that does not trap: nothing */
    vm_proc_exit_pid(ctx, b, atom("normal"));
    check_serving(ctx, b);
    /* with another reason: it ends with that reason */
    vm_proc_exit_pid(ctx, b, atom("go_away"));
    check_val(await_down(ctx, ref_b), atom("go_away"));
    return 0;
}

PROC_TEST(proc, trap_exit_turns_an_exit_signal_into_an_EXIT_message)
{
    check_int(vm_proc_trap_exit(ctx, 1), 0);
    vm_val_t reason = tuple(ctx, 2, atom("oops"), I(1));
    vm_val_t pid = vm_proc_spawn_link(ctx, (vm_val_t)&exit_fn, tuple(ctx, 1, reason));
    check_val(await_exit(ctx, pid), reason);
    /* a normal exit arrives too, as a message */
    pid = vm_proc_spawn_link(ctx, (vm_val_t)&exit_fn, tuple(ctx, 1, atom("normal")));
    check_val(await_exit(ctx, pid), atom("normal"));
    /* linking to a dead pid: noproc */
    vm_proc_link(ctx, pid);
    check_no_error(ctx);
    check_val(await_exit(ctx, pid), atom("noproc"));
    /* an exit signal from proc.exit_pid, to a process that traps */
    vm_val_t ref, s = start_server(ctx, &ref);
    server_trap(ctx, s, 1);
    vm_proc_exit_pid(ctx, s, atom("please"));
    vm_val_t trapped = await_tag(ctx, "trapped");
    check_val(trapped, tuple(ctx, 4, atom("trapped"), s, vm_proc_self(ctx), atom("please")));
    check_serving(ctx, s);
    /* unlinked: no signal comes any more */
    vm_proc_link(ctx, s);
    vm_proc_unlink(ctx, s);
    vm_proc_send(ctx, s, tuple(ctx, 2, atom("exit"), atom("bye")));
    check_val(await_down(ctx, ref), atom("bye"));
    check_none(ctx, match_exit, &s);
    check_int(vm_proc_trap_exit(ctx, 0), 1);
    return 0;
}

PROC_TEST(proc, exit_kill_cannot_be_trapped)
{
    vm_proc_trap_exit(ctx, 1);
    vm_val_t ref, s = start_server(ctx, &ref);
    vm_proc_link(ctx, s);
    server_trap(ctx, s, 1);
    vm_proc_exit_pid(ctx, s, atom("kill"));
    /* its links and monitors see killed */
    check_val(await_down(ctx, ref), atom("killed"));
    check_val(await_exit(ctx, s), atom("killed"));
    check_int(vm_proc_alive(ctx, s), 0);
    /* a process that ends with reason kill itself sends its links a plain,
     * trappable kill */
    vm_val_t t = start_server(ctx, NULL);
    server_trap(ctx, t, 1);
    vm_proc_send(
        ctx, t, tuple(ctx, 3, atom("spawn_link"), (vm_val_t)&exit_fn, tuple(ctx, 1, atom("kill"))));
    vm_val_t child = item(await_tag(ctx, "linked"), 2);
    vm_val_t trapped = await_tag(ctx, "trapped");
    check_val(trapped, tuple(ctx, 4, atom("trapped"), t, child, atom("kill")));
    check_serving(ctx, t);
    return 0;
}

/* ---- blocking calls ---- */

static sem_t entered, release;
static int entered_in_time;

/* On a helper thread: the blocking call of blocker_fn. */
static void block_until_released(void *unused)
{
    (void)unused;
    sem_post(&entered);
    sem_wait(&release);
}

/* On a helper thread too: main waits until the call above has started. */
static void wait_entered(void *unused)
{
    (void)unused;
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    t.tv_sec += WAIT_MS / 1000;
    entered_in_time = sem_timedwait(&entered, &t) == 0;
}

static void nothing(void *unused)
{
    (void)unused;
}

/* blocker(parent): a blocking call, then parent ! returned. */
PROC_FN(blocker_fn, 1)
{
    rt_blocking_call(ctx, block_until_released, NULL);
    vm_proc_send(ctx, a0, atom("returned"));
    return VM_NIL;
}

PROC_TEST(proc, an_exit_signal_ends_a_process_in_a_blocking_call)
{
    check(sem_init(&entered, 0, 0) == 0 && sem_init(&release, 0, 0) == 0);
    vm_val_t pm =
        vm_proc_spawn_monitor(ctx, (vm_val_t)&blocker_fn, tuple(ctx, 1, vm_proc_self(ctx)));
    rt_blocking_call(ctx, wait_entered, NULL);
    check(entered_in_time, "the blocking call did not start");
    /* its helper is still blocked: the process ends all the same */
    vm_proc_exit_pid(ctx, item(pm, 0), atom("stop"));
    check_val(await_down(ctx, item(pm, 1)), atom("stop"));
    vm_val_t returned = atom("returned");
    check_none(ctx, match_eq, &returned);
    /* the helper finishes its call, and the pool goes on */
    sem_post(&release);
    rt_blocking_call(ctx, nothing, NULL);
    check_int(vm_proc_count(ctx), 1);
    return 0;
}

/* ---- monitors ---- */

PROC_TEST(proc, a_monitor_delivers_DOWN_with_the_reason)
{
    vm_val_t ref, s = start_server(ctx, &ref);
    check(val_is_ref(ref));
    vm_val_t ref2 = vm_proc_monitor(ctx, s);
    check(ref2 != ref);
    vm_proc_demonitor(ctx, ref2);
    vm_val_t reason = tuple(ctx, 2, atom("bye"), I(7));
    vm_proc_send(ctx, s, tuple(ctx, 2, atom("exit"), reason));
    vm_val_t down = await(ctx, match_down, &ref, "DOWN");
    check_val(down, tuple(ctx, 5, atom("DOWN"), ref, atom("process"), s, reason));
    /* none for the monitor that was stopped */
    check_none(ctx, match_down, &ref2);
    /* the process is dead: a new monitor gets noproc at once */
    vm_val_t ref3 = vm_proc_monitor(ctx, s);
    vm_val_t m = rt_recv_match(ctx, match_down, &ref3, 0);
    check(m, "no DOWN at once for a dead pid");
    check_val(m, tuple(ctx, 5, atom("DOWN"), ref3, atom("process"), s, atom("noproc")));
    check(!vm_proc_monitor(ctx, I(1)));
    check_raised(ctx, "type", "proc.monitor");
    check_int(vm_recv_count(ctx), 0);
    return 0;
}

enum { NMANY = 500 };

PROC_TEST(proc, many_monitors_some_stopped)
{
    /* A monitor of each of NMANY servers, and a second one of each odd
     * server; then the first monitors of the odd ones are stopped. */
    vm_val_t pids = vm_array_new(ctx), refs = vm_array_new(ctx), refs2 = vm_array_new(ctx);
    for (int i = 0; i < NMANY; i++) {
        vm_val_t ref, pid = start_server(ctx, &ref);
        vm_array_push(ctx, pids, pid);
        vm_array_push(ctx, refs, ref);
        vm_array_push(ctx, refs2, i % 2 ? vm_proc_monitor(ctx, pid) : VM_NIL);
    }
    for (int i = 1; i < NMANY; i += 2)
        vm_proc_demonitor(ctx, at(refs, i));
    for (int i = 0; i < NMANY; i++)
        vm_proc_send(ctx, at(pids, i), atom("stop"));
    /* exactly the DOWNs of the monitors held */
    for (int i = 0; i < NMANY; i++) {
        vm_val_t ref = at(refs, i);
        if (i % 2 == 0) {
            check_val(await_down(ctx, ref), atom("normal"));
        } else {
            check_val(await_down(ctx, at(refs2, i)), atom("normal"));
            check_none(ctx, match_down, &ref);
        }
    }
    check_int(vm_recv_count(ctx), 0);
    check_int(vm_proc_count(ctx), 1);
    return 0;
}

/* ---- the registry ---- */

PROC_TEST(proc, registered_names)
{
    vm_val_t self = vm_proc_self(ctx), name = atom("test_server"), ref;
    vm_val_t s = start_server(ctx, &ref);
    check_val(vm_proc_whereis(ctx, name), VM_NIL);
    vm_proc_register(ctx, name, s);
    check_no_error(ctx);
    check_val(vm_proc_whereis(ctx, name), s);
    /* a send to the name reaches the process */
    vm_proc_send(ctx, name, tuple(ctx, 2, atom("ping"), self));
    vm_val_t pong = tuple(ctx, 2, atom("pong"), s);
    await(ctx, match_eq, &pong, "pong");
    /* the errors */
    vm_proc_register(ctx, name, self);
    check_raised(ctx, "badarg", "proc.register: the name is taken: test_server");
    vm_proc_register(ctx, atom("another_name"), s);
    check_raised(ctx, "badarg", "the process already has a name");
    vm_proc_register(ctx, atom("undefined"), self);
    check_raised(ctx, "badarg", "the name undefined is reserved");
    vm_proc_register(ctx, I(1), self);
    check_raised(ctx, "type", "proc.register");
    check(!vm_proc_whereis(ctx, I(1)));
    check_raised(ctx, "type", "proc.whereis");
    /* unregister: the name is free again */
    vm_proc_unregister(ctx, name);
    check_no_error(ctx);
    check_val(vm_proc_whereis(ctx, name), VM_NIL);
    vm_proc_send(ctx, name, I(1));
    check_raised(ctx, "badarg", "proc.send: no process is registered as test_server");
    vm_proc_unregister(ctx, name);
    check_raised(ctx, "badarg", "proc.unregister: no process is registered as test_server");
    vm_proc_register(ctx, name, self);
    check_no_error(ctx);
    check_val(vm_proc_whereis(ctx, name), self);
    vm_proc_unregister(ctx, name);
    /* a process's name goes when it ends */
    vm_proc_register(ctx, name, s);
    check_no_error(ctx);
    vm_proc_send(ctx, s, atom("stop"));
    check_val(await_down(ctx, ref), atom("normal"));
    check_val(vm_proc_whereis(ctx, name), VM_NIL);
    vm_proc_register(ctx, name, s);
    check_raised(ctx, "badarg", "proc.register: the process is not alive");
    return 0;
}

static vm_val_t nth_name(int i)
{
    char b[32];
    snprintf(b, sizeof b, "name_%d", i);
    return rt_atom(b);
}

PROC_TEST(proc, the_registry_keeps_many_names)
{
    vm_val_t pids = vm_array_new(ctx), refs = vm_array_new(ctx);
    for (int i = 0; i < NMANY; i++) {
        vm_val_t ref, pid = start_server(ctx, &ref);
        vm_array_push(ctx, pids, pid);
        vm_array_push(ctx, refs, ref);
        vm_proc_register(ctx, nth_name(i), pid);
        check_no_error(ctx);
    }
    for (int i = 0; i < NMANY; i++)
        check_val(vm_proc_whereis(ctx, nth_name(i)), at(pids, i));
    /* half of them go; the others are still found */
    for (int i = 1; i < NMANY; i += 2)
        vm_proc_unregister(ctx, nth_name(i));
    check_no_error(ctx);
    for (int i = 0; i < NMANY; i++)
        check_val(vm_proc_whereis(ctx, nth_name(i)), i % 2 ? VM_NIL : at(pids, i));
    /* and come back, each with another process */
    for (int i = 1; i < NMANY; i += 2) {
        vm_proc_register(ctx, nth_name(i), at(pids, NMANY - i));
        check_no_error(ctx);
    }
    for (int i = 0; i < NMANY; i++)
        check_val(vm_proc_whereis(ctx, nth_name(i)), at(pids, i % 2 ? NMANY - i : i));
    /* the names go with their processes */
    for (int i = 0; i < NMANY; i++)
        vm_proc_send(ctx, at(pids, i), atom("stop"));
    for (int i = 0; i < NMANY; i++)
        await_down(ctx, at(refs, i));
    for (int i = 0; i < NMANY; i++)
        check_val(vm_proc_whereis(ctx, nth_name(i)), VM_NIL);
    return 0;
}

/* ---- what a process owns ---- */

static _Atomic int released[3]; /* by token: 1, 2 */

static void release_token(void *obj)
{
    atomic_fetch_add(&released[*(int64_t *)obj], 1);
}

/* owner(parent): owns tokens 1 and 2, gives 2 up, parent ! {owning, self};
 * then serves as server does. */
PROC_FN(owner_fn, 1)
{
    rt_proc_t *self = rt_proc_of(ctx);
    int64_t *t1 = rt_gc_malloc(sizeof *t1, 1), *t2 = rt_gc_malloc(sizeof *t2, 1);
    check(t1 && t2);
    *t1 = 1;
    *t2 = 2;
    check(rt_proc_own(self, t1, release_token));
    rt_owned_t *o2 = rt_proc_own(self, t2, release_token);
    check(o2);
    rt_proc_disown(self, o2);
    vm_proc_send(ctx, a0, tuple(ctx, 2, atom("owning"), vm_proc_self(ctx)));
    vm_val_t r = server_fn_body(ctx, a0, 0, 0, 0);
    /* both still reachable until here */
    check(*(volatile int64_t *)t1 == 1 && *(volatile int64_t *)t2 == 2);
    return r;
}

PROC_TEST(proc, a_process_releases_what_it_owns_when_it_ends)
{
    vm_val_t self = vm_proc_self(ctx);
    vm_val_t pm = vm_proc_spawn_monitor(ctx, (vm_val_t)&owner_fn, tuple(ctx, 1, self));
    vm_val_t pid = item(pm, 0);
    await_tag(ctx, "owning");
    rt_proc_t *p = rt_proc_lookup(pid);
    check(p);
    check_serving(ctx, pid);
    check_int(atomic_load(&released[1]), 0);
    vm_proc_send(ctx, pid, atom("stop"));
    check_val(await_down(ctx, item(pm, 1)), atom("normal"));
    /* released before the DOWN was sent; what it gave up, never */
    check_int(atomic_load(&released[1]), 1);
    check_int(atomic_load(&released[2]), 0);
    /* a process that has ended owns nothing more */
    int64_t *t = rt_gc_malloc(sizeof *t, 1);
    *t = 1;
    check(!rt_proc_own(p, t, release_token));
    /* a killed process releases too */
    pm = vm_proc_spawn_monitor(ctx, (vm_val_t)&owner_fn, tuple(ctx, 1, self));
    await_tag(ctx, "owning");
    vm_proc_exit_pid(ctx, item(pm, 0), atom("kill"));
    check_val(await_down(ctx, item(pm, 1)), atom("killed"));
    check_int(atomic_load(&released[1]), 2);
    check_int(atomic_load(&released[2]), 0);
    return 0;
}

/* ---- errors ---- */

/* crash(parent): parent ! {waiting, self}; at `go`, raises badarith. */
PROC_FN(crash_fn, 1)
{
    vm_proc_send(ctx, a0, tuple(ctx, 2, atom("waiting"), vm_proc_self(ctx)));
    vm_val_t go = atom("go");
    await(ctx, match_eq, &go, "go");
    return rt_raise(ctx, "badarith", "division by zero");
}

/* fatal(): a fatal runtime error. */
PROC_FN(fatal_fn, 0)
{
    rt_fatal(ctx, "system_limit", "a fatal error in a process");
}

PROC_TEST(proc, an_uncaught_error_is_reported_and_ends_only_its_process)
{
    vm_val_t self = vm_proc_self(ctx), ref_b, ref_c;
    vm_val_t b = start_server(ctx, &ref_b);
    vm_proc_link(ctx, b);
    vm_val_t c = vm_proc_spawn(ctx, (vm_val_t)&crash_fn, tuple(ctx, 1, self));
    ref_c = vm_proc_monitor(ctx, c);
    await_tag(ctx, "waiting");
    vm_proc_register(ctx, atom("crasher"), c);
    capture_t cap;
    capture_stderr(&cap);
    vm_proc_send(ctx, c, atom("go"));
    vm_val_t reason = await_down(ctx, ref_c);
    /* a fatal error ends its process too */
    vm_val_t pm = vm_proc_spawn_monitor(ctx, (vm_val_t)&fatal_fn, VM_NIL);
    vm_val_t fatal_reason = await_down(ctx, item(pm, 1));
    const char *err = captured(&cap);
    check_val(reason, atom("badarith"));
    check_val(fatal_reason, atom("system_limit"));
    char want[256], pid[64];
    snprintf(want, sizeof want, "error in process %s (crasher): badarith: division by zero\n",
             rt_val_text(c, pid, sizeof pid));
    check(strstr(err, want), "no \"%s\" in the report:\n%s", want, err);
    check(strstr(err, "test.crash_fn"), "no trace in the report:\n%s", err);
    snprintf(want, sizeof want, "error in process %s: system_limit: a fatal error in a process\n",
             rt_val_text(item(pm, 0), pid, sizeof pid));
    check(strstr(err, want), "no \"%s\" in the report:\n%s", want, err);
    /* the others go on: main, and a process linked to main */
    check_val(vm_proc_whereis(ctx, atom("crasher")), VM_NIL);
    check_serving(ctx, b);
    check_int(vm_proc_alive(ctx, b), 1);
    check_int(vm_proc_count(ctx), 2);
    return 0;
}

/* ---- main ---- */

static vm_val_t first_main, main_watcher; /* pids: immediates, no roots needed */
static capture_t main_cap;

/* watcher(main): monitors main, parent ! watching; after main's DOWN, at
 * {who, From}: From ! {main_ended, Reason}. */
PROC_FN(main_watcher_fn, 1)
{
    vm_val_t ref = vm_proc_monitor(ctx, a0);
    vm_proc_send(ctx, a0, atom("watching"));
    vm_val_t reason = await_down(ctx, ref);
    vm_val_t q = await_tag(ctx, "who");
    vm_proc_send(ctx, item(q, 1), tuple(ctx, 2, atom("main_ended"), reason));
    return VM_NIL;
}

/* Run twice: the first main fails, the second passes. */
static int64_t twice_main(vm_ctx_t *ctx)
{
    vm_val_t self = vm_proc_self(ctx);
    check_val(rt_main_pid(), self);
    if (!first_main) {
        first_main = self;
        vm_proc_register(ctx, atom("main"), self);
        main_watcher = vm_proc_spawn(ctx, (vm_val_t)&main_watcher_fn, tuple(ctx, 1, self));
        vm_val_t watching = atom("watching");
        await(ctx, match_eq, &watching, "watching");
        capture_stderr(&main_cap);
        vm_proc_exit(ctx, tuple(ctx, 2, atom("crash"), I(1)));
    }
    const char *err = captured(&main_cap);
    check(self != first_main);
    check(strstr(err, "error: the main process exited: {crash, 1}\n"), "stderr:\n%s", err);
    check(strstr(err, "vmrt: main failed (restart 1 of 1)\n"), "stderr:\n%s", err);
    /* the first one ended as any process does: its name went, its
     * monitors heard the reason */
    check_val(vm_proc_whereis(ctx, atom("main")), VM_NIL);
    vm_proc_send(ctx, main_watcher, tuple(ctx, 2, atom("who"), self));
    check_val(item(await_tag(ctx, "main_ended"), 1), tuple(ctx, 2, atom("crash"), I(1)));
    return 0;
}

Test(proc, a_failed_main_starts_again_as_main_restart_says, .timeout = TEST_TIMEOUT_S)
{
    run_main_with(twice_main,
                  &(rt_proc_settings_t){TEST_PROC_SETTINGS, .main_restart = RT_MAIN_ON_FAILURE,
                                        .main_max_restarts = 1});
}
