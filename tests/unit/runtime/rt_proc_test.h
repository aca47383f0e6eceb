/* tests/unit/runtime/rt_proc_test.h — what the process and supervisor
 * tests share (test_proc.c, test_sup.c).
 *
 * Each test is the main process of a runtime of its own: Criterion runs
 * every test in a process of its own, and run_main starts in it only the
 * layers that processes need, each with its init call and settings of the
 * test's (the collector, errors, the scheduler, processes, supervisors;
 * not the configuration, DI, signals or I/O of rt_start), then runs the
 * test's body as the main process. The program ends when main does: its
 * status is the test process's exit status, so 0 passes.
 *
 * The checks below work in any process, on any worker: a failed one
 * reports to Criterion (file, line, message) and ends the program with
 * status 1. Every wait is bounded (WAIT_MS), and each test has a Criterion
 * timeout on top. Included once per test file, after Criterion; it does
 * not go with rt_test.h (whose global `ctx` the bodies' would shadow). */
#ifndef VM_RT_PROC_TEST_H
#define VM_RT_PROC_TEST_H

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "proc/cbody.h"
#include "proc/proc.h"
#include "sup/sup.h"

/* The longest a test waits for anything that must happen. */
#define WAIT_MS        10000
/* Criterion's bound on a whole test, in seconds (a sanitized build is slower). */
#define TEST_TIMEOUT_S 60

/* ---- the runtime ---- */

#define TEST_PROC_SETTINGS .max_procs = 1 << 16

/* With processes' settings of the test's: TEST_PROC_SETTINGS and more. */
static inline RT_NORETURN void run_main_with(int64_t (*body)(vm_ctx_t *ctx),
                                             const rt_proc_settings_t *proc)
{
    rt_gc_init(&(rt_gc_settings_t){0});
    rt_error_init();
    rt_sched_init(&(rt_sched_settings_t){.workers = 2, .stack_size = 1 << 20});
    rt_proc_init(proc);
    /* A shutdown that main does not finish ends in Criterion's timeout,
     * not in a status that looks right. */
    rt_sup_init(&(rt_sup_settings_t){.shutdown_timeout_ms = 10 * 60 * 1000});
    rt_proc_start_main(body);
    rt_sched_run();
}

static inline RT_NORETURN void run_main(int64_t (*body)(vm_ctx_t *ctx))
{
    run_main_with(body, &(rt_proc_settings_t){TEST_PROC_SETTINGS});
}

/* PROC_TEST(suite, name, criterion options...) { the main process's body }
 * The body sees the main process's context as `ctx` and returns the exit
 * status (0). */
#define PROC_TEST(suite, name, ...)                                                                \
    static int64_t suite##_##name##_main(vm_ctx_t *ctx);                                           \
    Test(suite, name, .timeout = TEST_TIMEOUT_S, ##__VA_ARGS__)                                    \
    {                                                                                              \
        run_main(suite##_##name##_main);                                                           \
    }                                                                                              \
    static int64_t suite##_##name##_main(vm_ctx_t *ctx __attribute__((unused)))

/* PROC_FN(var, arity) { body } defines the static function value `var`
 * (named test.var in traces) whose code is the body, with the context
 * `ctx` and the arguments a0..a3 (values); it pushes its frame as
 * compiled code does and returns a value. */
#define PROC_FN(var, arity)                                                                        \
    static vm_val_t var##_body(vm_ctx_t *ctx, vm_val_t a0, vm_val_t a1, vm_val_t a2, vm_val_t a3); \
    static int64_t var##_code(vm_ctx_t *ctx, vm_val_t *ssp, int64_t a0, int64_t a1, int64_t a2,    \
                              int64_t a3);                                                         \
    RT_CFUNC(var, "test." #var, var##_code, arity, 0);                                             \
    static int64_t var##_code(vm_ctx_t *ctx, vm_val_t *ssp, int64_t a0, int64_t a1, int64_t a2,    \
                              int64_t a3)                                                          \
    {                                                                                              \
        rt_cframe_push(ctx, ssp, &var##_desc);                                                     \
        return (int64_t)var##_body(ctx, (vm_val_t)a0, (vm_val_t)a1, (vm_val_t)a2, (vm_val_t)a3);   \
    }                                                                                              \
    static vm_val_t var##_body(                                                                    \
        vm_ctx_t *ctx __attribute__((unused)), vm_val_t a0 __attribute__((unused)),                \
        vm_val_t a1 __attribute__((unused)), vm_val_t a2 __attribute__((unused)),                  \
        vm_val_t a3 __attribute__((unused)))

/* ---- checks ---- */

static pthread_mutex_t fail_mu = PTHREAD_MUTEX_INITIALIZER;

static inline RT_NORETURN void fail_at(const char *file, unsigned line, const char *what,
                                       const char *fmt, ...) RT_PRINTF(4, 5);
static inline RT_NORETURN void fail_at(const char *file, unsigned line, const char *what,
                                       const char *fmt, ...)
{
    /* The first failure ends the program; another waits here for that. */
    pthread_mutex_lock(&fail_mu);
    char msg[1024];
    int n = snprintf(msg, sizeof msg, "%s", what);
    va_list ap;
    va_start(ap, fmt);
    if (n >= 0 && (size_t)n < sizeof msg)
        vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
    va_end(ap);
    struct criterion_assert_stats st = {
        .message = msg, .passed = false, .line = line, .file = file};
    criterion_send_assert(&st);
    fflush(stdout);
    fflush(stderr);
    _exit(1);
}

/* check(cond) or check(cond, format, ...) */
#define check(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond))                                                                               \
            fail_at(__FILE__, __LINE__, "check failed: " #cond, " " __VA_ARGS__);                  \
    } while (0)

/* The text of a value for a message; 0 (no value) too. */
static inline const char *show(vm_val_t v, char *buf, size_t cap)
{
    return v ? rt_val_text(v, buf, cap) : "(no value)";
}

/* Two values equal as `eq` says. */
#define check_val(a, b) check_val_at(__FILE__, __LINE__, "check failed: " #a " == " #b, (a), (b))
static inline void check_val_at(const char *file, unsigned line, const char *what, vm_val_t a,
                                vm_val_t b)
{
    if (a == b || (a && b && rt_equal(a, b)))
        return;
    char ta[256], tb[256];
    fail_at(file, line, what, ": %s != %s", show(a, ta, sizeof ta), show(b, tb, sizeof tb));
}

#define check_int(a, b) check_int_at(__FILE__, __LINE__, "check failed: " #a " == " #b, (a), (b))
static inline void check_int_at(const char *file, unsigned line, const char *what, int64_t a,
                                int64_t b)
{
    if (a != b)
        fail_at(file, line, what, ": %lld != %lld", (long long)a, (long long)b);
}

/* An error with reason atom `why` and a message containing `part` is
 * pending in ctx: check it and clear it. */
#define check_raised(ctx, why, part)                                                               \
    do {                                                                                           \
        const vm_exc_t *e_ = (const vm_exc_t *)(ctx)->exc;                                         \
        check(e_, "no error raised, expected %s", why);                                            \
        check_val(e_->reason, rt_atom(why));                                                       \
        const char *s_ =                                                                           \
            rt_is_kind(e_->message, VM_KIND_STRING) ? rt_as_str(e_->message)->bytes : "(none)";    \
        check(strstr(s_, part), "message \"%s\" does not contain \"%s\"", s_, part);               \
        (ctx)->exc = 0;                                                                            \
    } while (0)

#define check_no_error(ctx)                                                                        \
    do {                                                                                           \
        const vm_exc_t *e_ = (const vm_exc_t *)(ctx)->exc;                                         \
        char t_[256];                                                                              \
        check(!e_, "error raised: %s", e_ ? show(e_->reason, t_, sizeof t_) : "");                 \
    } while (0)

/* ---- values ---- */

static inline vm_val_t atom(const char *name)
{
    return rt_atom(name);
}
static inline vm_val_t I(int64_t i)
{
    return val_from_int(i);
}

/* tuple(ctx, n, x1, ..., xn), array(ctx, n, ...) */
static inline vm_val_t tuple(vm_ctx_t *ctx, int n, ...)
{
    vm_val_t t = vm_tuple_alloc(ctx, n);
    check(t);
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++)
        ((vm_tuple_t *)t)->items[i] = va_arg(ap, vm_val_t);
    va_end(ap);
    return t;
}
static inline vm_val_t array(vm_ctx_t *ctx, int n, ...)
{
    vm_val_t a = vm_array_new(ctx);
    check(a);
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++)
        vm_array_push(ctx, a, va_arg(ap, vm_val_t));
    va_end(ap);
    return a;
}
/* map_of(ctx, n, "key1", v1, ..., "keyn", vn): atom keys */
static inline vm_val_t map_of(vm_ctx_t *ctx, int n, ...)
{
    vm_val_t m = vm_map_new(ctx);
    check(m);
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++) {
        const char *k = va_arg(ap, const char *);
        vm_map_put(ctx, m, rt_atom(k), va_arg(ap, vm_val_t));
    }
    va_end(ap);
    check_no_error(ctx);
    return m;
}

static inline int is_tuple(vm_val_t v, uint32_t n)
{
    return rt_is_kind(v, VM_KIND_TUPLE) && ((const vm_tuple_t *)v)->hdr.aux == n;
}
static inline vm_val_t item(vm_val_t t, int i)
{
    return ((const vm_tuple_t *)t)->items[i];
}
static inline int64_t len_of(vm_val_t a)
{
    return (int64_t)rt_as_array(a)->len;
}
static inline vm_val_t at(vm_val_t a, int64_t i)
{
    return rt_as_array(a)->items[i];
}

/* ---- receiving ---- */

/* The oldest message, waiting up to ms; 0 on timeout. */
static inline vm_val_t recv_within(vm_ctx_t *ctx, int64_t ms)
{
    return vm_recv_wait(ctx, ms) ? vm_recv_accept(ctx) : 0;
}

/* The oldest message, which must come within WAIT_MS. */
#define recv_next(ctx)                                                                             \
    ({                                                                                             \
        vm_val_t n_ = recv_within(ctx, WAIT_MS);                                                   \
        if (!n_)                                                                                   \
            fail_at(__FILE__, __LINE__, "timed out: ", "no message within %d ms", WAIT_MS);        \
        n_;                                                                                        \
    })

/* A tuple whose first item is the atom *(vm_val_t *)tag. */
static inline int match_tag(void *tag, vm_val_t m)
{
    return rt_is_kind(m, VM_KIND_TUPLE) && ((const vm_tuple_t *)m)->hdr.aux >= 1 &&
           item(m, 0) == *(vm_val_t *)tag;
}

/* A message equal to *(vm_val_t *)v. */
static inline int match_eq(void *v, vm_val_t m)
{
    return rt_equal(m, *(vm_val_t *)v);
}

/* {'DOWN', *ref, process, _, _} */
static inline int match_down(void *ref, vm_val_t m)
{
    return is_tuple(m, 5) && item(m, 0) == rt_atom("DOWN") && item(m, 1) == *(vm_val_t *)ref;
}

/* {'EXIT', *pid, _} */
static inline int match_exit(void *pid, vm_val_t m)
{
    return is_tuple(m, 3) && item(m, 0) == rt_atom("EXIT") && item(m, 1) == *(vm_val_t *)pid;
}

/* The oldest message `match` accepts, which must come within WAIT_MS;
 * the others stay, in order. */
#define await(ctx, match, env, what)                                                               \
    ({                                                                                             \
        vm_val_t m_ = rt_recv_match(ctx, match, env, WAIT_MS);                                     \
        if (!m_)                                                                                   \
            fail_at(__FILE__, __LINE__, "timed out: ", "no %s within %d ms", what, WAIT_MS);       \
        m_;                                                                                        \
    })

/* The oldest message that is a tuple tagged `tag`. */
#define await_tag(ctx, tag)                                                                        \
    ({                                                                                             \
        vm_val_t t_ = rt_atom(tag);                                                                \
        await(ctx, match_tag, &t_, "message {" tag ", ...}");                                      \
    })

/* The reason in the DOWN of monitor `ref`, which must come. */
#define await_down(ctx, ref)                                                                       \
    ({                                                                                             \
        vm_val_t r_ = (ref);                                                                       \
        item(await(ctx, match_down, &r_, "DOWN of " #ref), 4);                                     \
    })

/* The reason in {'EXIT', pid, reason}, which must come. */
#define await_exit(ctx, pid)                                                                       \
    ({                                                                                             \
        vm_val_t p_ = (pid);                                                                       \
        item(await(ctx, match_exit, &p_, "EXIT from " #pid), 2);                                   \
    })

/* No message `match` accepts is in the mailbox now. */
#define check_none(ctx, match, env)                                                                \
    do {                                                                                           \
        vm_val_t m_ = rt_recv_match(ctx, match, env, 0);                                           \
        char t_[256];                                                                              \
        check(!m_, "unexpected message %s", show(m_, t_, sizeof t_));                              \
    } while (0)

/* ---- stderr, captured ---- */

typedef struct {
    int saved;
    FILE *file;
    char text[8192];
} capture_t;

/* From here what is written to stderr goes to a file. */
static inline void capture_stderr(capture_t *c)
{
    fflush(stderr);
    c->file = tmpfile();
    check(c->file);
    c->saved = dup(2);
    check(c->saved >= 0 && dup2(fileno(c->file), 2) == 2);
}

/* Back to the real stderr; what was written meanwhile is in c->text. */
static inline const char *captured(capture_t *c)
{
    fflush(stderr);
    dup2(c->saved, 2);
    close(c->saved);
    rewind(c->file);
    size_t n = fread(c->text, 1, sizeof c->text - 1, c->file);
    c->text[n] = 0;
    fclose(c->file);
    return c->text;
}

#endif
