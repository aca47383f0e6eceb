/*
 * runtime/io/file.c — files as values: open, read (n bytes, a line, all),
 * write, flush, seek, close, and the standard streams (docs/io.md).
 *
 * Three kinds of descriptor, three paths:
 *   RT_IO_FILE  regular files: buffered (RT_IO_BUF each way); every system
 *               call that may touch the disk runs in the blocking pool;
 *   RT_IO_PIPE  pipes, terminals, FIFOs: non-blocking, waiting on the
 *               netpoller, with a read buffer for lines;
 *   RT_IO_STD   stdin, stdout, stderr: through stdio, shared with print.*
 *               and io.read_line, so their order is kept.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/io.h"

/* ---- the record of a blocking call ---- */

typedef struct fop {
    rt_io_t *io; /* keeps the object alive while a helper uses it */
    int fd;
    const char *path; /* open: inside a string the caller keeps alive */
    vm_val_t keep;    /* the value whose bytes path or buf points into */
    int flags;
    char *buf; /* read into / write from (collected memory) */
    size_t len;
    off_t off;
    int whence;
    ssize_t got; /* result: bytes, a descriptor, a position; -1 on error */
    int err;     /* errno of the failure */
    struct stat st;
} fop_t;

static fop_t *new_fop(vm_ctx_t *ctx, rt_io_t *io)
{
    fop_t *f = rt_io_record(ctx, sizeof *f);
    if (f) {
        f->io = io;
        f->fd = io ? atomic_load_explicit(&io->fd, memory_order_relaxed) : -1;
    }
    return f;
}

/* ---- blocking calls (helper threads) ---- */

static void do_read(void *arg)
{
    fop_t *f = arg;
    do
        f->got = read(f->fd, f->buf, f->len);
    while (f->got < 0 && errno == EINTR);
    f->err = f->got < 0 ? errno : 0;
}

/* Write all of buf[0, len). */
static void do_write(void *arg)
{
    fop_t *f = arg;
    size_t done = 0;
    f->err = 0;
    while (done < f->len) {
        ssize_t n = write(f->fd, f->buf + done, f->len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            f->err = errno;
            break;
        }
        done += (size_t)n;
    }
    f->got = (ssize_t)done;
}

static void do_open(void *arg)
{
    fop_t *f = arg;
    do
        f->got = open(f->path, f->flags | O_CLOEXEC, 0666);
    while (f->got < 0 && errno == EINTR);
    f->err = f->got < 0 ? errno : 0;
    if (f->got >= 0 && fstat((int)f->got, &f->st) != 0)
        f->st.st_mode = S_IFREG;
}

static void do_lseek(void *arg)
{
    fop_t *f = arg;
    f->got = lseek(f->fd, f->off, f->whence);
    f->err = f->got < 0 ? errno : 0;
}

static void do_close(void *arg)
{
    fop_t *f = arg;
    f->err = rt_io_close(f->io);
}

static void do_read_stdin(void *arg)
{
    fop_t *f = arg;
    f->got = (ssize_t)fread(f->buf, 1, f->len, stdin);
    f->err = ferror(stdin) ? EIO : 0;
    clearerr(stdin);
}

static void do_getline_stdin(void *arg)
{
    fop_t *f = arg;
    size_t cap = 0;
    f->buf = NULL;
    f->got = getline(&f->buf, &cap, stdin); /* malloc'd: freed by the caller */
    f->err = f->got < 0 && ferror(stdin) ? EIO : 0;
    clearerr(stdin);
}

/* ---- buffers of regular files ---- */

/* Write out what is buffered (blocking pool); 0 after raising. */
static int flush_file(vm_ctx_t *ctx, rt_io_t *io, const char *who)
{
    if (!io->wlen)
        return 1;
    fop_t *f = new_fop(ctx, io);
    if (!f)
        return 0;
    f->buf = io->wbuf;
    f->len = io->wlen;
    rt_io_blocking(ctx, do_write, f);
    if (f->err) {
        /* What was written is gone from the buffer; the rest stays. */
        memmove(io->wbuf, io->wbuf + f->got, io->wlen - (size_t)f->got);
        io->wlen -= (uint32_t)f->got;
        rt_io_raise(ctx, io, f->err, who);
        return 0;
    }
    io->wlen = 0;
    return 1;
}

/* Before writing: the file position is where the program has read to, not
 * where the read-ahead got. */
static int drop_read_ahead(vm_ctx_t *ctx, rt_io_t *io, const char *who)
{
    if (io->rpos == io->rlen)
        return 1;
    if (lseek(atomic_load_explicit(&io->fd, memory_order_relaxed), -(off_t)(io->rlen - io->rpos),
              SEEK_CUR) < 0) {
        rt_io_raise(ctx, io, errno, who);
        return 0;
    }
    io->rpos = io->rlen = 0;
    return 1;
}

static int ensure_rbuf(vm_ctx_t *ctx, rt_io_t *io)
{
    if (!io->rbuf && !(io->rbuf = rt_alloc_raw(ctx, RT_IO_BUF, 1)))
        return 0;
    return 1;
}

/* Read ahead into the empty buffer: 1 with bytes, 0 at the end of the
 * file, -1 after raising. */
static int refill(vm_ctx_t *ctx, rt_io_t *io, const char *who)
{
    if (io->type == RT_IO_FILE && !flush_file(ctx, io, who))
        return -1;
    if (!ensure_rbuf(ctx, io))
        return -1;
    io->rpos = io->rlen = 0;
    if (io->type == RT_IO_PIPE) {
        int fd = atomic_load_explicit(&io->fd, memory_order_relaxed);
        for (;;) {
            ssize_t n = read(fd, io->rbuf, RT_IO_BUF);
            if (n >= 0) {
                io->rlen = (uint32_t)n;
                return n > 0;
            }
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN) {
                rt_io_raise(ctx, io, errno, who);
                return -1;
            }
            if (!rt_io_wait(ctx, io, RT_POLL_READ, io->timeout_ms, who))
                return -1;
        }
    }
    fop_t *f = new_fop(ctx, io);
    if (!f)
        return -1;
    f->buf = io->rbuf;
    f->len = RT_IO_BUF;
    rt_io_blocking(ctx, do_read, f);
    if (f->got < 0) {
        rt_io_raise(ctx, io, f->err, who);
        return -1;
    }
    io->rlen = (uint32_t)f->got;
    return f->got > 0;
}

/* ---- a growing result (collected, atomic) ---- */

typedef struct acc {
    char *data;
    size_t len, cap;
} acc_t;

static int acc_put(vm_ctx_t *ctx, acc_t *a, const char *s, size_t n)
{
    if (a->len + n > a->cap) {
        size_t cap = a->cap ? a->cap : 256;
        while (cap < a->len + n)
            cap *= 2;
        char *d = rt_alloc_raw(ctx, cap, 1);
        if (!d)
            return 0;
        if (a->len)
            memcpy(d, a->data, a->len);
        a->data = d;
        a->cap = cap;
    }
    memcpy(a->data + a->len, s, n);
    a->len += n;
    return 1;
}

/* Take up to `max` bytes of read-ahead into a; returns how many. */
static size_t take(rt_io_t *io, acc_t *a, size_t max, vm_ctx_t *ctx, int *failed)
{
    size_t n = io->rlen - io->rpos < max ? io->rlen - io->rpos : max;
    if (n && !acc_put(ctx, a, io->rbuf + io->rpos, n))
        *failed = 1;
    io->rpos += (uint32_t)n;
    return n;
}

/* ---- reading ---- */

/* Bytes until `want` are read or the end (want SIZE_MAX: all), into a
 * byte string; nil if there were none at the end; 0 after raising. */
static vm_val_t read_bytes(vm_ctx_t *ctx, rt_io_t *io, size_t want, const char *who)
{
    acc_t a = {0};
    int failed = 0;
    if (io->type == RT_IO_STD) {
        fop_t *f = new_fop(ctx, io);
        size_t chunk = want < RT_IO_BUF ? want : RT_IO_BUF;
        while (f && a.len < want) {
            if (!(f->buf = rt_alloc_raw(ctx, chunk, 1)))
                return 0;
            f->len = want - a.len < chunk ? want - a.len : chunk;
            rt_io_blocking(ctx, do_read_stdin, f);
            if (f->got > 0 && !acc_put(ctx, &a, f->buf, (size_t)f->got))
                return 0;
            if (f->err)
                return rt_io_raise(ctx, io, f->err, who);
            if ((size_t)f->got < f->len)
                break;
        }
        if (!f)
            return 0;
    } else {
        while (a.len < want) {
            if (io->rpos == io->rlen) {
                int r = refill(ctx, io, who);
                if (r < 0)
                    return 0;
                if (r == 0)
                    break;
            }
            take(io, &a, want - a.len, ctx, &failed);
            if (failed)
                return 0;
        }
    }
    if (a.len == 0 && want > 0)
        return VM_NIL;
    return rt_bytes_new(ctx, a.data, a.len);
}

vm_val_t vm_file_read(vm_ctx_t *ctx, vm_val_t h, int64_t n)
{
    rt_io_t *io = rt_io_get(ctx, h, VM_KIND_FILE, "file.read");
    if (!io)
        return 0;
    if (n < 0)
        return rt_raise(ctx, "badarg", "file.read: a negative count %lld", (long long)n);
    return read_bytes(ctx, io, (size_t)n, "file.read");
}

vm_val_t vm_file_read_all(vm_ctx_t *ctx, vm_val_t h)
{
    rt_io_t *io = rt_io_get(ctx, h, VM_KIND_FILE, "file.read_all");
    if (!io)
        return 0;
    vm_val_t r = read_bytes(ctx, io, SIZE_MAX, "file.read_all");
    return r == VM_NIL ? rt_bytes_new(ctx, "", 0) : r;
}

/* The line in a[0, len) without its end (\n or \r\n), as a string. */
static vm_val_t line_string(vm_ctx_t *ctx, const char *s, size_t n, int had_newline,
                            const char *who)
{
    if (had_newline && n && s[n - 1] == '\r')
        n--;
    if (!rt_utf8_valid(s, n))
        return rt_raise(ctx, "badarg", "%s: the line is not valid UTF-8", who);
    return rt_str_new(ctx, s, n);
}

static vm_val_t read_line_std(vm_ctx_t *ctx, rt_io_t *io)
{
    fop_t *f = new_fop(ctx, io);
    if (!f)
        return 0;
    rt_io_blocking(ctx, do_getline_stdin, f);
    if (f->got < 0) {
        free(f->buf);
        return f->err ? rt_io_raise(ctx, io, f->err, "file.read_line") : VM_NIL;
    }
    size_t n = (size_t)f->got;
    int nl = n && f->buf[n - 1] == '\n';
    vm_val_t s = line_string(ctx, f->buf, n - (size_t)nl, nl, "file.read_line");
    free(f->buf);
    return s;
}

vm_val_t vm_file_read_line(vm_ctx_t *ctx, vm_val_t h)
{
    rt_io_t *io = rt_io_get(ctx, h, VM_KIND_FILE, "file.read_line");
    if (!io)
        return 0;
    if (io->type == RT_IO_STD)
        return read_line_std(ctx, io);
    acc_t a = {0};
    int failed = 0;
    for (;;) {
        if (io->rpos == io->rlen) {
            int r = refill(ctx, io, "file.read_line");
            if (r < 0)
                return 0;
            if (r == 0)
                return a.len ? line_string(ctx, a.data, a.len, 0, "file.read_line") : VM_NIL;
        }
        const char *start = io->rbuf + io->rpos;
        const char *nl = memchr(start, '\n', io->rlen - io->rpos);
        if (!nl) {
            take(io, &a, SIZE_MAX, ctx, &failed);
            if (failed)
                return 0;
            continue;
        }
        size_t n = (size_t)(nl - start);
        io->rpos += (uint32_t)(n + 1);
        if (!a.len) /* the whole line was in the buffer */
            return line_string(ctx, start, n, 1, "file.read_line");
        if (!acc_put(ctx, &a, start, n))
            return 0;
        return line_string(ctx, a.data, a.len, 1, "file.read_line");
    }
}

/* ---- writing ---- */

static int write_pipe(vm_ctx_t *ctx, rt_io_t *io, const char *s, size_t n, const char *who)
{
    int fd = atomic_load_explicit(&io->fd, memory_order_relaxed);
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w >= 0) {
            s += w;
            n -= (size_t)w;
            continue;
        }
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN) {
            rt_io_raise(ctx, io, errno, who);
            return 0;
        }
        if (!rt_io_wait(ctx, io, RT_POLL_WRITE, io->timeout_ms, who))
            return 0;
    }
    return 1;
}

static int write_file(vm_ctx_t *ctx, rt_io_t *io, vm_val_t keep, const char *s, size_t n,
                      const char *who)
{
    if (!drop_read_ahead(ctx, io, who))
        return 0;
    if (io->wlen + n > RT_IO_BUF && !flush_file(ctx, io, who))
        return 0;
    if (n >= RT_IO_BUF) { /* too big to buffer: straight out */
        fop_t *f = new_fop(ctx, io);
        if (!f)
            return 0;
        f->buf = (char *)s; /* the bytes of an immutable value, which `keep` holds */
        f->keep = keep;
        f->len = n;
        rt_io_blocking(ctx, do_write, f);
        if (f->err) {
            rt_io_raise(ctx, io, f->err, who);
            return 0;
        }
        return 1;
    }
    if (!io->wbuf && !(io->wbuf = rt_alloc_raw(ctx, RT_IO_BUF, 1)))
        return 0;
    memcpy(io->wbuf + io->wlen, s, n);
    io->wlen += (uint32_t)n;
    return 1;
}

static int write_std(vm_ctx_t *ctx, rt_io_t *io, const char *s, size_t n, const char *who)
{
    FILE *out = io->std == 2 ? stderr : stdout;
    if (io->std == 2)
        fflush(stdout); /* as eprintln.val: what was printed before comes first */
    if (fwrite(s, 1, n, out) != n) {
        int e = errno ? errno : EIO;
        clearerr(out);
        rt_io_raise(ctx, io, e, who);
        return 0;
    }
    return 1;
}

void vm_file_write(vm_ctx_t *ctx, vm_val_t h, vm_val_t data)
{
    rt_io_t *io = rt_io_get(ctx, h, VM_KIND_FILE, "file.write");
    const char *s;
    size_t n;
    if (!io || !rt_text_or_bytes(ctx, "file.write", data, &s, &n))
        return;
    if (!(io->mode & RT_IO_W)) {
        rt_io_raise(ctx, io, EBADF, "file.write");
        return;
    }
    if (io->type == RT_IO_STD)
        write_std(ctx, io, s, n, "file.write");
    else if (io->type == RT_IO_PIPE)
        write_pipe(ctx, io, s, n, "file.write");
    else
        write_file(ctx, io, data, s, n, "file.write");
}

void vm_file_set_timeout(vm_ctx_t *ctx, vm_val_t h, int64_t ms)
{
    rt_io_t *io = rt_io_get(ctx, h, VM_KIND_FILE, "file.set_timeout");
    if (io)
        io->timeout_ms = ms < 0 ? -1 : ms;
}

void vm_file_flush(vm_ctx_t *ctx, vm_val_t h)
{
    rt_io_t *io = rt_io_get(ctx, h, VM_KIND_FILE, "file.flush");
    if (!io)
        return;
    if (io->type == RT_IO_STD) {
        if (fflush(io->std == 2 ? stderr : stdout) != 0)
            rt_io_raise(ctx, io, errno, "file.flush");
        return;
    }
    if (io->type == RT_IO_FILE)
        flush_file(ctx, io, "file.flush");
}

/* ---- seek, close ---- */

int64_t vm_file_seek(vm_ctx_t *ctx, vm_val_t h, int64_t off, vm_val_t whence)
{
    rt_io_t *io = rt_io_get(ctx, h, VM_KIND_FILE, "file.seek");
    if (!io)
        return 0;
    int w = whence == rt_atom("set")   ? SEEK_SET
            : whence == rt_atom("cur") ? SEEK_CUR
            : whence == rt_atom("end") ? SEEK_END
                                       : -1;
    if (w < 0)
        return rt_raise(ctx, "badarg", "file.seek: whence must be set, cur or end");
    if (io->type != RT_IO_FILE)
        return rt_io_raise(ctx, io, ESPIPE, "file.seek");
    if (!flush_file(ctx, io, "file.seek"))
        return 0;
    fop_t *f = new_fop(ctx, io);
    if (!f)
        return 0;
    /* From the program's position, not the read-ahead's. */
    f->off = w == SEEK_CUR ? off - (off_t)(io->rlen - io->rpos) : off;
    f->whence = w;
    rt_io_blocking(ctx, do_lseek, f);
    if (f->got < 0)
        return rt_io_raise(ctx, io, f->err, "file.seek");
    io->rpos = io->rlen = 0;
    return f->got;
}

void vm_file_close(vm_ctx_t *ctx, vm_val_t h)
{
    rt_io_t *io = rt_io_get(ctx, h, VM_KIND_FILE, "file.close");
    if (!io)
        return;
    if (io->type == RT_IO_STD) {
        rt_raise(ctx, "badarg", "file.close: a standard stream is not closed");
        return;
    }
    int err;
    if (io->type == RT_IO_FILE && io->wlen) { /* the last write may be slow */
        fop_t *f = new_fop(ctx, io);
        if (!f)
            return;
        rt_io_blocking(ctx, do_close, f);
        err = f->err;
    } else {
        err = rt_io_close(io);
    }
    rt_io_disown(io);
    if (err)
        rt_io_raise(ctx, io, err, "file.close");
}

/* ---- open ---- */

static int mode_flags(vm_ctx_t *ctx, vm_val_t mode, int *flags, int *rw)
{
    static const char *const names[] = {"read",      "write",  "append",
                                        "exclusive", "create", "truncate"};
    const vm_val_t *items = &mode;
    uint64_t n = 1;
    if (rt_is_kind(mode, VM_KIND_ARRAY)) {
        items = rt_as_array(mode)->items;
        n = rt_as_array(mode)->len;
    }
    unsigned set = 0;
    for (uint64_t i = 0; i < n; i++) {
        unsigned bit = 0;
        for (unsigned k = 0; k < 6 && !bit; k++)
            if (items[i] == rt_atom(names[k]))
                bit = 1u << k;
        if (!bit) {
            char what[64];
            rt_raise(ctx, "badarg",
                     "file.open: mode %s (expected read, write, append, exclusive, create, "
                     "truncate, or an array of them)",
                     rt_val_text(items[i], what, sizeof what));
            return 0;
        }
        set |= bit;
    }
    enum { R = 1, W = 2, A = 4, X = 8, C = 16, T = 32 };
    int writes = (set & (W | A)) != 0;
    if (!(set & (R | W | A))) {
        rt_raise(ctx, "badarg", "file.open: the mode has none of read, write, append");
        return 0;
    }
    *flags = (set & R) && writes ? O_RDWR : writes ? O_WRONLY : O_RDONLY;
    if (writes)
        *flags |= O_CREAT; /* as Erlang's file:open */
    if ((set & W) && !(set & (R | A)))
        *flags |= O_TRUNC;
    if (set & A)
        *flags |= O_APPEND;
    if (set & X)
        *flags |= O_CREAT | O_EXCL;
    if (set & C)
        *flags |= O_CREAT;
    if (set & T)
        *flags |= O_TRUNC;
    *rw = ((set & R) ? RT_IO_R : 0) | (writes ? RT_IO_W : 0);
    return 1;
}

/* A label for messages and printing: the path, or its text if not UTF-8. */
static vm_val_t label_of(vm_ctx_t *ctx, vm_val_t path)
{
    return rt_is_kind(path, VM_KIND_STRING) ? path : vm_inspect(ctx, path);
}

vm_val_t vm_file_open(vm_ctx_t *ctx, vm_val_t path, vm_val_t mode)
{
    const char *p = rt_io_path(ctx, path, "file.open");
    int flags, rw;
    if (!p || !mode_flags(ctx, mode, &flags, &rw))
        return 0;
    fop_t *f = new_fop(ctx, NULL);
    if (!f)
        return 0;
    f->path = p;
    f->keep = path;
    f->flags = flags;
    rt_io_blocking(ctx, do_open, f);
    if (f->got < 0 && rt_io_reclaim(f->err))
        rt_io_blocking(ctx, do_open, f);
    if (f->got < 0)
        return rt_io_raise_on(ctx, 0, f->err, "open", p);
    vm_val_t label = label_of(ctx, path);
    if (!label) {
        close((int)f->got);
        return 0;
    }
    int type = S_ISREG(f->st.st_mode) || S_ISBLK(f->st.st_mode) || S_ISDIR(f->st.st_mode)
                   ? RT_IO_FILE
                   : RT_IO_PIPE;
    rt_io_t *io = rt_io_new(ctx, VM_KIND_FILE, type, rw, (int)f->got, label);
    return io ? (vm_val_t)io : 0;
}
