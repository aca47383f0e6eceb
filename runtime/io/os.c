/*
 * runtime/io/os.c — the operating system: environment variables, the
 * current directory, the exit status, the process id, wall-clock time,
 * and subprocesses with pipes to their stdin and stdout (docs/io.md).
 *
 * The environment and the current directory belong to the whole program,
 * not to one process. glibc's getenv and setenv do not synchronise with
 * each other: the os.* builtins take one lock around them (C code that
 * reads the environment through the FFI while another process sets it is
 * not covered).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "io/io.h"

extern char **environ;
static pthread_mutex_t env_mu = PTHREAD_MUTEX_INITIALIZER;

/* Text the system gives, as a string, or bytes if it is not UTF-8. */
static vm_val_t text_of(vm_ctx_t *ctx, const char *s, size_t n)
{
    return rt_utf8_valid(s, n) ? rt_str_new(ctx, s, n) : rt_bytes_new(ctx, s, n);
}

/* An environment variable's name: no '=' and no NUL. */
static const char *env_name(vm_ctx_t *ctx, vm_val_t v, const char *who)
{
    const char *s = rt_io_path(ctx, v, who);
    if (s && (!*s || strchr(s, '='))) {
        rt_raise(ctx, "badarg", "%s: '%s' is not a variable name", who, s);
        return NULL;
    }
    return s;
}

vm_val_t vm_os_getenv(vm_ctx_t *ctx, vm_val_t name)
{
    const char *n = env_name(ctx, name, "os.getenv");
    if (!n)
        return 0;
    pthread_mutex_lock(&env_mu);
    const char *v = getenv(n);
    /* Copied under the lock: a setenv may free it. */
    char *copy = v ? strdup(v) : NULL;
    pthread_mutex_unlock(&env_mu);
    if (v && !copy)
        return rt_raise_oom(ctx, strlen(v));
    vm_val_t r = copy ? text_of(ctx, copy, strlen(copy)) : VM_NIL;
    free(copy);
    return r;
}

void vm_os_setenv(vm_ctx_t *ctx, vm_val_t name, vm_val_t value)
{
    const char *n = env_name(ctx, name, "os.setenv");
    const char *v = n ? rt_io_path(ctx, value, "os.setenv") : NULL;
    if (!v)
        return;
    pthread_mutex_lock(&env_mu);
    int r = setenv(n, v, 1);
    int e = errno;
    pthread_mutex_unlock(&env_mu);
    if (r != 0)
        rt_io_raise_on(ctx, 0, e, "setenv", n);
}

void vm_os_unsetenv(vm_ctx_t *ctx, vm_val_t name)
{
    const char *n = env_name(ctx, name, "os.unsetenv");
    if (!n)
        return;
    pthread_mutex_lock(&env_mu);
    unsetenv(n);
    pthread_mutex_unlock(&env_mu);
}

vm_val_t vm_os_environ(vm_ctx_t *ctx)
{
    /* A snapshot on the C heap under the lock, then the values. */
    pthread_mutex_lock(&env_mu);
    size_t n = 0, bytes = 0;
    for (char **e = environ; *e; e++, n++)
        bytes += strlen(*e) + 1;
    char *snap = malloc(bytes + 1);
    for (char **e = environ, *at = snap; snap && *e; e++) {
        size_t l = strlen(*e) + 1;
        memcpy(at, *e, l);
        at += l;
    }
    pthread_mutex_unlock(&env_mu);
    if (!snap)
        return rt_raise_oom(ctx, bytes);
    vm_val_t m = vm_map_new(ctx);
    const char *at = snap;
    for (size_t i = 0; m && i < n; i++) {
        size_t l = strlen(at);
        const char *eq = strchr(at, '=');
        if (eq) {
            vm_val_t k = text_of(ctx, at, (size_t)(eq - at));
            vm_val_t v = k ? text_of(ctx, eq + 1, l - (size_t)(eq - at) - 1) : 0;
            if (!v)
                m = 0;
            else
                vm_map_put(ctx, m, k, v);
        }
        at += l + 1;
    }
    free(snap);
    return m;
}

vm_val_t vm_os_cwd(vm_ctx_t *ctx)
{
    char buf[PATH_MAX];
    if (!getcwd(buf, sizeof buf))
        return rt_io_raise_on(ctx, 0, errno, "getcwd", ".");
    return text_of(ctx, buf, strlen(buf));
}

void vm_os_chdir(vm_ctx_t *ctx, vm_val_t path)
{
    const char *p = rt_io_path(ctx, path, "os.chdir");
    if (p && chdir(p) != 0)
        rt_io_raise_on(ctx, 0, errno, "chdir", p);
}

int64_t vm_os_getpid(vm_ctx_t *ctx)
{
    (void)ctx;
    return getpid();
}

void vm_os_exit(vm_ctx_t *ctx, int64_t status)
{
    (void)ctx;
    rt_program_exit((int)(status & 0xff));
}

int64_t vm_time_now_ns(vm_ctx_t *ctx)
{
    (void)ctx;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---- subprocesses ---- */

/* argv as C strings (malloc'd vector into the values' bytes); NULL after
 * raising. */
static char **argv_of(vm_ctx_t *ctx, vm_val_t a)
{
    const vm_array_t *arr = rt_expect(ctx, "os.spawn", a, VM_KIND_ARRAY);
    if (!arr)
        return NULL;
    if (arr->len == 0) {
        rt_raise(ctx, "badarg", "os.spawn: an empty command");
        return NULL;
    }
    char **argv = calloc(arr->len + 1, sizeof *argv);
    if (!argv) {
        rt_raise_oom(ctx, arr->len * sizeof *argv);
        return NULL;
    }
    for (uint64_t i = 0; i < arr->len; i++)
        if (!(argv[i] = (char *)rt_io_path(ctx, arr->items[i], "os.spawn"))) {
            free(argv);
            return NULL;
        }
    return argv;
}

/* 0 if `name` names an executable file as execvp would find it (through
 * PATH when it has no '/'), else the errno. posix_spawnp reports the same
 * errors, but an emulator (qemu-user) can lose them: the child then exits
 * 127 instead. */
static int executable(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return errno;
    if (!S_ISREG(st.st_mode))
        return EACCES;
    return access(path, X_OK) == 0 ? 0 : errno;
}

static int find_program(const char *name)
{
    if (strchr(name, '/'))
        return executable(name);
    const char *path = getenv("PATH");
    if (!path)
        path = "/usr/local/bin:/usr/bin:/bin";
    int err = ENOENT;
    size_t nl = strlen(name);
    for (const char *p = path;; p++) {
        const char *end = strchr(p, ':');
        size_t dl = end ? (size_t)(end - p) : strlen(p);
        char buf[PATH_MAX];
        if (dl + 1 + nl < sizeof buf) {
            if (dl)
                memcpy(buf, p, dl);
            else
                buf[dl++] = '.'; /* an empty entry is the current directory */
            buf[dl] = '/';
            memcpy(buf + dl + 1, name, nl + 1);
            int e = executable(buf);
            if (e == 0)
                return 0;
            if (e == EACCES)
                err = EACCES;
        }
        if (!end)
            return err;
        p = end;
    }
}

static vm_val_t spawn_failed(vm_ctx_t *ctx, int err, const char *cmd, int fds[4])
{
    for (int i = 0; i < 4; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    return rt_io_raise_on(ctx, 0, err, "spawn", cmd);
}

vm_val_t vm_os_spawn(vm_ctx_t *ctx, vm_val_t argv_val)
{
    char **argv = argv_of(ctx, argv_val);
    if (!argv)
        return 0;
    int in[2] = {-1, -1}, out[2] = {-1, -1};
    int fds[4] = {-1, -1, -1, -1};
    pthread_mutex_lock(&env_mu); /* PATH */
    int missing = find_program(argv[0]);
    pthread_mutex_unlock(&env_mu);
    if (missing) {
        vm_val_t r = spawn_failed(ctx, missing, argv[0], fds);
        free(argv);
        return r;
    }
    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) {
        int e = errno;
        fds[0] = in[0], fds[1] = in[1], fds[2] = out[0], fds[3] = out[1];
        vm_val_t r = spawn_failed(ctx, e, argv[0], fds);
        free(argv);
        return r;
    }
    fds[0] = in[0], fds[1] = in[1], fds[2] = out[0], fds[3] = out[1];
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawnattr_init(&at);
    /* The child starts as a fresh program would: no signal blocked (the
     * runtime's threads block SIGTERM and SIGINT), SIGPIPE at its default. */
    sigset_t none, dfl;
    sigemptyset(&none);
    sigemptyset(&dfl);
    sigaddset(&dfl, SIGPIPE);
    sigaddset(&dfl, SIGTERM);
    sigaddset(&dfl, SIGINT);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setsigdefault(&at, &dfl);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    pid_t pid;
    /* environ is read while os.setenv may be changing it. */
    pthread_mutex_lock(&env_mu);
    int e = posix_spawnp(&pid, argv[0], &fa, &at, argv, environ);
    pthread_mutex_unlock(&env_mu);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    if (e != 0) {
        vm_val_t r = spawn_failed(ctx, e, argv[0], fds);
        free(argv);
        return r;
    }
    close(in[0]);
    close(out[1]);
    vm_val_t label = rt_str_new(ctx, argv[0], strlen(argv[0]));
    free(argv);
    rt_io_t *w = label ? rt_io_new(ctx, VM_KIND_FILE, RT_IO_PIPE, RT_IO_W, in[1], label) : NULL;
    if (!w) {
        close(out[0]);
        return 0;
    }
    rt_io_t *r = rt_io_new(ctx, VM_KIND_FILE, RT_IO_PIPE, RT_IO_R, out[0], label);
    if (!r)
        return 0;
    return rt_tuple(ctx, 3, (vm_val_t[]){val_from_int(pid), (vm_val_t)w, (vm_val_t)r});
}

typedef struct {
    pid_t pid;
    int status, err;
    int64_t timeout_ms; /* < 0: no limit */
} wait_t;

/* In the blocking pool: waitpid, or with a time limit, waitpid(WNOHANG)
 * at growing intervals (1 to 20 ms) until the child ends or the time is
 * up (err RT_IO_ETIMEOUT). */
static void do_wait(void *arg)
{
    wait_t *w = arg;
    pid_t r;
    if (w->timeout_ms < 0) {
        do
            r = waitpid(w->pid, &w->status, 0);
        while (r < 0 && errno == EINTR);
        w->err = r < 0 ? errno : 0;
        return;
    }
    int64_t deadline = rt_now_ns() + w->timeout_ms * 1000000, step = 1000000;
    for (;;) {
        r = waitpid(w->pid, &w->status, WNOHANG);
        if (r < 0 && errno == EINTR)
            continue;
        if (r != 0) {
            w->err = r < 0 ? errno : 0;
            return;
        }
        int64_t left = deadline - rt_now_ns();
        if (left <= 0) {
            w->err = RT_IO_ETIMEOUT;
            return;
        }
        int64_t nap = step < left ? step : left;
        struct timespec ts = {(time_t)(nap / 1000000000), (long)(nap % 1000000000)};
        nanosleep(&ts, NULL);
        if (step < 20000000)
            step *= 2;
    }
}

int64_t vm_os_wait(vm_ctx_t *ctx, int64_t pid, int64_t timeout_ms)
{
    if (pid <= 0 || pid > INT_MAX)
        return rt_raise(ctx, "badarg", "os.wait: %lld is not a process id", (long long)pid);
    wait_t *w = rt_io_record(ctx, sizeof *w);
    if (!w)
        return 0;
    w->pid = (pid_t)pid;
    w->timeout_ms = timeout_ms < 0 ? -1 : timeout_ms;
    rt_io_blocking(ctx, do_wait, w);
    if (w->err) {
        char what[32];
        snprintf(what, sizeof what, "%lld", (long long)pid);
        return rt_io_raise_on(ctx, 0, w->err, "waitpid", what);
    }
    /* As a shell reports it: the exit status, or 128 + the signal. */
    return WIFEXITED(w->status) ? WEXITSTATUS(w->status) : 128 + WTERMSIG(w->status);
}

void vm_os_kill(vm_ctx_t *ctx, int64_t pid, int64_t sig)
{
    if (pid <= 0 || pid > INT_MAX || sig < 0 || sig > 64) {
        rt_raise(ctx, "badarg", "os.kill: process %lld, signal %lld", (long long)pid,
                 (long long)sig);
        return;
    }
    if (kill((pid_t)pid, (int)sig) != 0) {
        char what[32];
        snprintf(what, sizeof what, "%lld", (long long)pid);
        rt_io_raise_on(ctx, 0, errno, "kill", what);
    }
}
