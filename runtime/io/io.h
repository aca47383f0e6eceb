/*
 * runtime/io/io.h — files, sockets and the operating system (docs/io.md),
 * and the foreign-function interface's runtime side (docs/ffi.md).
 *
 * A file or a socket is an I/O object (rt_io_t): a collected object of
 * kind VM_KIND_FILE or VM_KIND_SOCKET holding a file descriptor. It
 * belongs to the process that opened it (proc/own.c): only that process
 * reads, writes or closes it, and it is closed when that process ends, or
 * when the collector finds it unreachable first. Descriptors that can be
 * polled (pipes, sockets, terminals) are non-blocking and wait on the
 * netpoller (sched/netpoll.h); regular files are read and written through
 * user-space buffers by the blocking pool (sched/blocking.c), so a slow
 * disk never holds a worker.
 */
#ifndef VM_RT_IO_H
#define VM_RT_IO_H

#include "proc/proc.h"
#include "sched/netpoll.h"

/* What an I/O object is (rt_io_t.type). */
enum {
    RT_IO_FILE,     /* a regular file or block device: blocking pool, buffered */
    RT_IO_PIPE,     /* a pipe, terminal or other pollable descriptor: netpoller */
    RT_IO_STD,      /* stdin, stdout, stderr: shared by all, through stdio's buffers */
    RT_IO_TCP,      /* a connected TCP socket */
    RT_IO_LISTENER, /* a listening TCP socket */
    RT_IO_UDP,      /* a UDP socket */
};

/* rt_io_t.mode */
enum { RT_IO_R = 1, RT_IO_W = 2 };

#define RT_IO_BUF (64 * 1024) /* bytes of a file's read or write buffer */

typedef struct rt_io {
    rt_res_head_t head; /* kind, serial (printing), label: a path or addresses */
    _Atomic int fd;     /* -1 once closed (by its owner, its owner's end, or the collector) */
    uint8_t type;       /* RT_IO_* */
    uint8_t mode;       /* RT_IO_R | RT_IO_W */
    int std;            /* RT_IO_STD: 0, 1 or 2 */
    vm_val_t owner;     /* the owner's pid; 0: shared (standard streams, no process) */
    rt_owned_t *owned;  /* the owner's entry (proc/own.c) */
    rt_pd_t *pd;        /* RT_IO_PIPE and sockets: the netpoller's descriptor */
    int64_t timeout_ms; /* RT_IO_PIPE: how long a read or write waits (< 0: no limit) */
    /* buffers of RT_IO_FILE (atomic memory): bytes [rpos, rlen) of rbuf
     * are read ahead; wbuf[0, wlen) is written behind */
    char *rbuf, *wbuf;
    uint32_t rpos, rlen, wlen;
} rt_io_t;

static inline rt_io_t *rt_as_io(vm_val_t v)
{
    return (rt_io_t *)v;
}

/* ---- io.c ---- */
/* Set up I/O before the workers start: SIGPIPE ignored (a write to a
 * closed pipe or socket is an error, epipe), the descriptor limit raised
 * to its hard limit, the standard streams. */
void rt_io_init(void);
/* A new I/O object for `fd` of `type`, owned by the calling process and
 * labelled `label` (a string); the descriptor is made non-blocking and
 * polled for RT_IO_PIPE and sockets. NULL after closing fd and raising
 * if that fails. */
rt_io_t *rt_io_new(vm_ctx_t *ctx, vm_kind_t kind, int type, int mode, int fd, vm_val_t label);
/* The open I/O object of `kind` in `v` that the calling process may use;
 * NULL after raising type (not one), badarg (another process's) or the
 * I/O error `closed`. */
rt_io_t *rt_io_get(vm_ctx_t *ctx, vm_val_t v, vm_kind_t kind, const char *who);
/* Close: write what is buffered, leave the netpoller, close the
 * descriptor; 0, or the errno of the flush or close. Once only: later
 * calls return 0. The caller is its owner, its owner's reaping or its
 * finalizer. */
int rt_io_close(rt_io_t *io);
/* Drop the object from its owner's table (after rt_io_close by the owner). */
void rt_io_disown(rt_io_t *io);
/* Wait until `io` (polled) is ready for `mode` (RT_POLL_READ/WRITE) for
 * at most `timeout_ms` (< 0: no limit). 1 when it may be; 0 after raising
 * the I/O error timeout for `op`. A pending exit signal ends the process. */
int rt_io_wait(vm_ctx_t *ctx, rt_io_t *io, int mode, int64_t timeout_ms, const char *op);
/* On EMFILE or ENFILE: collect, so that unreachable files give their
 * descriptors back; 1 if the caller should try once more. */
int rt_io_reclaim(int err);

/* The errors (docs/io.md, "Errors"): the reason is a tuple
 * {file_error | socket_error, Code, "op", Target} where Code is the errno's
 * name as an atom (enoent, econnrefused ...), `timeout` or `closed`, and
 * the message "op TARGET: what strerror says". "op" is a system call's
 * name, or a builtin's without its group ("read" for file.read). Returns 0. */
#define RT_IO_ETIMEOUT (-1) /* Code timeout */
#define RT_IO_ECLOSED  (-2) /* Code closed */
vm_val_t rt_io_raise(vm_ctx_t *ctx, const rt_io_t *io, int err, const char *op);
/* The same for an operation on a path or a host, without an object. */
vm_val_t rt_io_raise_on(vm_ctx_t *ctx, int socket, int err, const char *op, const char *target);

/* ---- fs.c ---- */
/* Read the umask (start-up, before other threads make files). */
void rt_io_fs_init(void);

/* A path argument as a NUL-terminated C string: a string or byte string
 * without NUL bytes inside; NULL after raising type or badarg. */
const char *rt_io_path(vm_ctx_t *ctx, vm_val_t v, const char *who);
/* Run fn(arg) in the blocking pool (arg: collected memory). */
void rt_io_blocking(vm_ctx_t *ctx, void (*fn)(void *arg), void *arg);
/* Collected memory for a blocking call's record; NULL after raising. */
void *rt_io_record(vm_ctx_t *ctx, size_t size);

#endif
