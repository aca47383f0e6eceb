/*
 * runtime/io/io.c — I/O objects: making them, ownership, closing (by the
 * owner, at the owner's end, by the collector), waiting on the netpoller,
 * and the errors of every I/O builtin (runtime/io/io.h).
 */
#define _GNU_SOURCE /* strerrorname_np */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define GC_THREADS
#include <gc/gc.h>

#include "io/io.h"

static _Atomic uint64_t last_serial;

/* ---- errors ---- */

/* The errno's name as an atom: enoent, econnrefused ...; timeout, closed. */
static vm_val_t code_atom(int err)
{
    if (err == RT_IO_ETIMEOUT)
        return rt_atom("timeout");
    if (err == RT_IO_ECLOSED)
        return rt_atom("closed");
    const char *name = strerrorname_np(err);
    char buf[32];
    if (!name) {
        snprintf(buf, sizeof buf, "errno_%d", err);
        return rt_atom(buf);
    }
    size_t n = strlen(name) < sizeof buf - 1 ? strlen(name) : sizeof buf - 1;
    for (size_t i = 0; i < n; i++)
        buf[i] = (char)tolower((unsigned char)name[i]);
    return rt_atom_n(buf, n);
}

static const char *code_text(int err)
{
    return err == RT_IO_ETIMEOUT  ? "timed out"
           : err == RT_IO_ECLOSED ? "it is closed"
                                  : strerror(err);
}

vm_val_t rt_io_raise_on(vm_ctx_t *ctx, int socket, int err, const char *op, const char *target)
{
    /* "read", not "file.read": a builtin's name without its group, as
     * the system calls' names the sockets give */
    const char *dot = strchr(op, '.');
    if (dot && (strncmp(op, "file.", 5) == 0 || strncmp(op, "sock.", 5) == 0))
        op = dot + 1;
    vm_val_t o = rt_str_new(ctx, op, strlen(op));
    /* A target (a path given by the program) may be any bytes: quote
     * it as bytes when it is not UTF-8. */
    size_t tn = strlen(target);
    vm_val_t t =
        rt_utf8_valid(target, tn) ? rt_str_new(ctx, target, tn) : rt_bytes_new(ctx, target, tn);
    if (!o || !t)
        return 0;
    vm_val_t items[4] = {rt_atom(socket ? "socket_error" : "file_error"), code_atom(err), o, t};
    vm_val_t reason = rt_tuple(ctx, 4, items);
    if (!reason)
        return 0;
    return rt_raise_valf(ctx, reason, "%s %.200s: %s", op, rt_utf8_valid(target, tn) ? target : "?",
                         code_text(err));
}

vm_val_t rt_io_raise(vm_ctx_t *ctx, const rt_io_t *io, int err, const char *op)
{
    vm_val_t label = io->head.label;
    const char *target = rt_is_kind(label, VM_KIND_STRING) ? rt_as_str(label)->bytes : "";
    return rt_io_raise_on(ctx, io->head.hdr.kind == VM_KIND_SOCKET, err, op, target);
}

/* ---- closing ---- */

/* Write out wbuf with plain system calls (the owner's end and the
 * finalizer run outside any process). */
static int flush_direct(rt_io_t *io, int fd)
{
    size_t done = 0;
    while (done < io->wlen) {
        ssize_t n = write(fd, io->wbuf + done, io->wlen - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? errno : EIO;
        done += (size_t)n;
    }
    io->wlen = 0;
    return 0;
}

int rt_io_close(rt_io_t *io)
{
    if (io->type == RT_IO_STD)
        return 0; /* shared, never closed */
    /* The exchange makes one caller the closer. Acquire: it sees what the
     * last user wrote into the buffers (the owner, or before its end). */
    int fd = atomic_exchange_explicit(&io->fd, -1, memory_order_acq_rel);
    if (fd < 0)
        return 0;
    int err = io->wlen ? flush_direct(io, fd) : 0;
    if (io->pd) {
        rt_poll_close(io->pd);
        io->pd = NULL;
    }
    if (close(fd) != 0 && !err && errno != EINTR)
        err = errno;
    io->rbuf = io->wbuf = NULL;
    io->rpos = io->rlen = io->wlen = 0;
    return err;
}

void rt_io_disown(rt_io_t *io)
{
    rt_proc_t *p = io->owned ? rt_proc_lookup(io->owner) : NULL;
    if (p)
        rt_proc_disown(p, io->owned);
    io->owned = NULL;
}

/* The owner ended (proc/own.c), or nothing reaches the object (gc/). */
static void release(void *obj)
{
    rt_io_close(obj);
}

/* ---- making and using ---- */

rt_io_t *rt_io_new(vm_ctx_t *ctx, vm_kind_t kind, int type, int mode, int fd, vm_val_t label)
{
    rt_io_t *io = rt_alloc(ctx, kind, sizeof *io);
    if (!io) {
        close(fd);
        return NULL;
    }
    rt_obj_set_serial(&io->head.hdr,
                      atomic_fetch_add_explicit(&last_serial, 1, memory_order_relaxed) + 1);
    io->head.label = label;
    atomic_init(&io->fd, fd);
    io->type = (uint8_t)type;
    io->mode = (uint8_t)mode;
    io->timeout_ms = -1;
    if (type != RT_IO_FILE && type != RT_IO_STD) {
        int fl = fcntl(fd, F_GETFL);
        if (fl >= 0 && fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0 && (io->pd = rt_poll_open(fd))) {
            /* polled */
        } else if (errno == EPERM && kind == VM_KIND_FILE) {
            /* Not pollable (a character device such as /dev/null): as a
             * regular file, through the blocking pool. */
            fcntl(fd, F_SETFL, fl);
            io->type = RT_IO_FILE;
        } else {
            int e = errno;
            atomic_store_explicit(&io->fd, -1, memory_order_relaxed);
            close(fd);
            rt_io_raise(ctx, io, e, "poll");
            return NULL;
        }
    }
    if (rt_ctx_is_process(ctx)) {
        rt_proc_t *p = rt_proc_of(ctx);
        io->owner = p->pid;
        io->owned = rt_proc_own(p, io, release);
        if (!io->owned) {
            rt_io_close(io);
            rt_raise_oom(ctx, sizeof(rt_owned_t *));
            return NULL;
        }
    }
    rt_gc_finalize(io, release);
    return io;
}

rt_io_t *rt_io_get(vm_ctx_t *ctx, vm_val_t v, vm_kind_t kind, const char *who)
{
    rt_io_t *io = rt_expect(ctx, who, v, kind);
    if (!io)
        return NULL;
    if (io->owner && (!rt_ctx_is_process(ctx) || rt_proc_of(ctx)->pid != io->owner)) {
        char owner[48], what[96];
        rt_raise(ctx, "badarg", "%s: %s belongs to the process %s", who,
                 rt_val_text(v, what, sizeof what), rt_val_text(io->owner, owner, sizeof owner));
        return NULL;
    }
    /* Relaxed: only the owner closes it while it lives, and after its end
     * nobody may use it (the check above). */
    if (atomic_load_explicit(&io->fd, memory_order_relaxed) < 0) {
        rt_io_raise(ctx, io, RT_IO_ECLOSED, who);
        return NULL;
    }
    return io;
}

int rt_io_wait(vm_ctx_t *ctx, rt_io_t *io, int mode, int64_t timeout_ms, const char *op)
{
    switch (rt_poll_wait(ctx, io->pd, mode, timeout_ms)) {
    case RT_POLL_READY: return 1;
    case RT_POLL_KILLED: rt_proc_check_kill(rt_proc_of(ctx)); break;
    default: break;
    }
    rt_io_raise(ctx, io, RT_IO_ETIMEOUT, op);
    return 0;
}

int rt_io_reclaim(int err)
{
    if (err != EMFILE && err != ENFILE)
        return 0;
    rt_gc_collect_and_finalize();
    return 1;
}

const char *rt_io_path(vm_ctx_t *ctx, vm_val_t v, const char *who)
{
    const char *s;
    size_t n;
    if (!rt_text_or_bytes(ctx, who, v, &s, &n))
        return NULL;
    if (memchr(s, 0, n)) {
        rt_raise(ctx, "badarg", "%s: a path with a NUL byte", who);
        return NULL;
    }
    return s; /* strings and byte strings end with a NUL */
}

void rt_io_blocking(vm_ctx_t *ctx, void (*fn)(void *arg), void *arg)
{
    rt_blocking_call(ctx, fn, arg);
}

void *rt_io_record(vm_ctx_t *ctx, size_t size)
{
    void *r = rt_gc_malloc(size, 0);
    if (!r)
        rt_raise_oom(ctx, size);
    return r;
}

/* ---- start ---- */

static rt_io_t *std_streams[3];

static rt_io_t *make_std(int which, const char *label, int mode)
{
    /* Uncollectable: shared by every process for the whole run. */
    rt_io_t *io = GC_MALLOC_UNCOLLECTABLE(sizeof *io);
    vm_string_t *l = GC_MALLOC_ATOMIC_UNCOLLECTABLE(sizeof *l + strlen(label) + 1);
    if (!io || !l)
        rt_unreachable("no memory at start-up");
    l->hdr = (vm_obj_header_t){.kind = VM_KIND_STRING};
    l->len = strlen(label);
    memcpy(l->bytes, label, l->len + 1);
    io->head.hdr = (vm_obj_header_t){.kind = VM_KIND_FILE};
    rt_obj_set_serial(&io->head.hdr,
                      atomic_fetch_add_explicit(&last_serial, 1, memory_order_relaxed) + 1);
    io->head.label = (vm_val_t)l;
    atomic_init(&io->fd, which);
    io->type = RT_IO_STD;
    io->std = which;
    io->mode = (uint8_t)mode;
    return io;
}

void rt_io_init(void)
{
    signal(SIGPIPE, SIG_IGN);
    /* Servers hold many descriptors: allow as many as the hard limit
     * (what Go does too); children get the raised limit as well. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    rt_io_fs_init();
    std_streams[0] = make_std(0, "<stdin>", RT_IO_R);
    std_streams[1] = make_std(1, "<stdout>", RT_IO_W);
    std_streams[2] = make_std(2, "<stderr>", RT_IO_W);
}

vm_val_t vm_file_stdin(vm_ctx_t *ctx)
{
    (void)ctx;
    return (vm_val_t)std_streams[0];
}

vm_val_t vm_file_stdout(vm_ctx_t *ctx)
{
    (void)ctx;
    return (vm_val_t)std_streams[1];
}

vm_val_t vm_file_stderr(vm_ctx_t *ctx)
{
    (void)ctx;
    return (vm_val_t)std_streams[2];
}

/* ---- ownership ---- */

void vm_io_give(vm_ctx_t *ctx, vm_val_t h, vm_val_t pid)
{
    vm_kind_t kind = rt_is_kind(h, VM_KIND_SOCKET) ? VM_KIND_SOCKET : VM_KIND_FILE;
    rt_io_t *io = rt_io_get(ctx, h, kind, "io.give");
    if (!io)
        return;
    if (!val_is_pid(pid)) {
        rt_raise_type(ctx, "io.give", "a pid", pid);
        return;
    }
    if (!io->owner || pid == io->owner)
        return; /* shared, or already its */
    rt_proc_t *q = rt_proc_lookup(pid);
    rt_owned_t *o = q ? rt_proc_own(q, io, release) : NULL;
    if (!o) {
        char what[48];
        rt_raise(ctx, "badarg", "io.give: the process %s is not alive",
                 rt_val_text(pid, what, sizeof what));
        return;
    }
    rt_proc_disown(rt_proc_of(ctx), io->owned);
    io->owned = o;
    io->owner = pid;
}

vm_val_t vm_io_owner(vm_ctx_t *ctx, vm_val_t h)
{
    if (!rt_is_kind(h, VM_KIND_SOCKET) && !rt_is_kind(h, VM_KIND_FILE))
        return rt_raise_type(ctx, "io.owner", "a file or a socket", h);
    const rt_io_t *io = rt_as_io(h);
    return io->owner && atomic_load_explicit(&io->fd, memory_order_relaxed) >= 0 ? io->owner
                                                                                 : VM_NIL;
}
