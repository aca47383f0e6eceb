/*
 * runtime/io/fs.c — the file system by path: whole files (read, and
 * written atomically), stat, exists, directories, rename, remove,
 * temporary files (docs/io.md). Every call that touches the disk runs in
 * the blocking pool.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/io.h"

/* The record of one blocking call: a path or two, and the results. */
typedef struct pop {
    const char *path, *path2;
    vm_val_t keep, keep2; /* the values the paths point into */
    const char *data;     /* write_file: the bytes of `keep3` */
    vm_val_t keep3;
    size_t len;
    int flag;
    int err;
    const char *failed; /* the system call that failed, for the message */
    char *out;          /* malloc'd results: file contents, names, a path */
    size_t outlen;
    struct stat st;
} pop_t;

static pop_t *new_pop(vm_ctx_t *ctx, vm_val_t path, const char *who)
{
    const char *p = rt_io_path(ctx, path, who);
    if (!p)
        return NULL;
    pop_t *o = rt_io_record(ctx, sizeof *o);
    if (o) {
        o->path = p;
        o->keep = path;
    }
    return o;
}

static vm_val_t fail(vm_ctx_t *ctx, pop_t *o, const char *op)
{
    free(o->out);
    o->out = NULL;
    return rt_io_raise_on(ctx, 0, o->err, o->failed ? o->failed : op, o->path);
}

/* ---- whole files ---- */

static void do_read_file(void *arg)
{
    pop_t *o = arg;
    int fd = open(o->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        o->err = errno;
        return;
    }
    struct stat st;
    size_t cap = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? (size_t)st.st_size + 1 : 65536;
    o->out = malloc(cap);
    o->outlen = 0;
    for (;;) {
        if (!o->out) {
            o->err = ENOMEM;
            break;
        }
        if (o->outlen == cap) {
            char *d = realloc(o->out, cap * 2);
            if (!d) {
                free(o->out);
                o->out = NULL;
                continue;
            }
            o->out = d;
            cap *= 2;
        }
        ssize_t n = read(fd, o->out + o->outlen, cap - o->outlen);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            o->err = errno;
            o->failed = "read";
            break;
        }
        if (n == 0)
            break;
        o->outlen += (size_t)n;
    }
    close(fd);
}

vm_val_t vm_file_read_file(vm_ctx_t *ctx, vm_val_t path)
{
    pop_t *o = new_pop(ctx, path, "file.read_file");
    if (!o)
        return 0;
    rt_io_blocking(ctx, do_read_file, o);
    if (o->err && rt_io_reclaim(o->err)) {
        o->err = 0;
        rt_io_blocking(ctx, do_read_file, o);
    }
    if (o->err)
        return fail(ctx, o, "open");
    vm_val_t b = rt_bytes_new(ctx, o->out, o->outlen);
    free(o->out);
    return b;
}

static mode_t default_mode = 0644; /* 0666 less the umask, read at start */

static void do_write_file(void *arg)
{
    pop_t *o = arg;
    /* A temporary file beside the target, then one rename: readers see
     * the old contents or the new, never a part. */
    size_t n = strlen(o->path);
    o->out = malloc(n + 16);
    if (!o->out) {
        o->err = ENOMEM;
        return;
    }
    snprintf(o->out, n + 16, "%s.tmp.XXXXXX", o->path);
    int fd = mkostemp(o->out, O_CLOEXEC);
    if (fd < 0) {
        o->err = errno;
        o->failed = "open";
        return;
    }
    struct stat st;
    mode_t mode = stat(o->path, &st) == 0 ? st.st_mode & 07777 : default_mode;
    size_t done = 0;
    while (done < o->len && !o->err) {
        ssize_t w = write(fd, o->data + done, o->len - done);
        if (w < 0 && errno != EINTR) {
            o->err = errno;
            o->failed = "write";
        } else if (w > 0) {
            done += (size_t)w;
        }
    }
    if (!o->err && fchmod(fd, mode) != 0)
        o->err = errno, o->failed = "chmod";
    if (!o->err && fsync(fd) != 0)
        o->err = errno, o->failed = "fsync";
    if (close(fd) != 0 && !o->err)
        o->err = errno, o->failed = "close";
    if (!o->err && rename(o->out, o->path) != 0)
        o->err = errno, o->failed = "rename";
    if (o->err)
        unlink(o->out);
    free(o->out);
    o->out = NULL;
}

void vm_file_write_file(vm_ctx_t *ctx, vm_val_t path, vm_val_t data)
{
    const char *d;
    size_t n;
    pop_t *o = new_pop(ctx, path, "file.write_file");
    if (!o || !rt_text_or_bytes(ctx, "file.write_file", data, &d, &n))
        return;
    o->data = d;
    o->keep3 = data;
    o->len = n;
    rt_io_blocking(ctx, do_write_file, o);
    if (o->err && rt_io_reclaim(o->err)) {
        o->err = 0;
        rt_io_blocking(ctx, do_write_file, o);
    }
    if (o->err)
        fail(ctx, o, "write_file");
}

/* ---- stat, exists ---- */

static void do_stat(void *arg)
{
    pop_t *o = arg;
    o->err = stat(o->path, &o->st) == 0 ? 0 : errno;
}

/* stat follows links, so there is no "symlink" */
static const char *type_name(mode_t m)
{
    return S_ISREG(m)    ? "file"
           : S_ISDIR(m)  ? "directory"
           : S_ISFIFO(m) ? "fifo"
           : S_ISSOCK(m) ? "socket"
           : S_ISCHR(m)  ? "char_device"
           : S_ISBLK(m)  ? "block_device"
                         : "other";
}

static int put(vm_ctx_t *ctx, vm_val_t map, const char *key, vm_val_t v)
{
    if (!v)
        return 0;
    vm_map_put(ctx, map, rt_atom(key), v);
    return !ctx->exc;
}

static vm_val_t ns_of(const struct timespec *t)
{
    return val_from_int((int64_t)t->tv_sec * 1000000000 + t->tv_nsec);
}

vm_val_t vm_file_stat(vm_ctx_t *ctx, vm_val_t path)
{
    pop_t *o = new_pop(ctx, path, "file.stat");
    if (!o)
        return 0;
    rt_io_blocking(ctx, do_stat, o);
    if (o->err)
        return fail(ctx, o, "stat");
    vm_val_t m = vm_map_new(ctx);
    if (!m || !put(ctx, m, "type", rt_atom(type_name(o->st.st_mode))) ||
        !put(ctx, m, "size", val_from_int((int64_t)o->st.st_size)) ||
        !put(ctx, m, "mode", val_from_int((int64_t)(o->st.st_mode & 07777))) ||
        !put(ctx, m, "mtime_ns", ns_of(&o->st.st_mtim)) ||
        !put(ctx, m, "atime_ns", ns_of(&o->st.st_atim)) ||
        !put(ctx, m, "ctime_ns", ns_of(&o->st.st_ctim)))
        return 0;
    return m;
}

int64_t vm_file_exists(vm_ctx_t *ctx, vm_val_t path)
{
    pop_t *o = new_pop(ctx, path, "file.exists");
    if (!o)
        return 0;
    rt_io_blocking(ctx, do_stat, o);
    return o->err == 0;
}

/* ---- directories ---- */

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names, sorted, as NUL-separated strings in o->out; count in len. */
static void do_list_dir(void *arg)
{
    pop_t *o = arg;
    DIR *d = opendir(o->path);
    if (!d) {
        o->err = errno;
        return;
    }
    char **names = NULL;
    size_t n = 0, cap = 0, bytes = 0;
    struct dirent *e;
    errno = 0;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (n == cap) {
            char **nn = realloc(names, (cap = cap ? 2 * cap : 64) * sizeof *names);
            if (!nn)
                break;
            names = nn;
        }
        if (!(names[n] = strdup(e->d_name)))
            break;
        bytes += strlen(names[n++]) + 1;
    }
    o->err = errno;
    closedir(d);
    if (o->err)
        o->failed = "readdir";
    qsort(names, n, sizeof *names, cmp_names);
    o->out = malloc(bytes + 1);
    if (!o->out && !o->err)
        o->err = ENOMEM;
    for (size_t i = 0, at = 0; i < n; i++) {
        size_t l = strlen(names[i]) + 1;
        if (o->out)
            memcpy(o->out + at, names[i], l);
        at += l;
        free(names[i]);
    }
    free(names);
    o->len = n;
}

vm_val_t vm_file_list_dir(vm_ctx_t *ctx, vm_val_t path)
{
    pop_t *o = new_pop(ctx, path, "file.list_dir");
    if (!o)
        return 0;
    rt_io_blocking(ctx, do_list_dir, o);
    if (o->err)
        return fail(ctx, o, "opendir");
    vm_val_t a = rt_array_new(ctx, o->len);
    const char *at = o->out;
    for (size_t i = 0; a && i < o->len; i++) {
        size_t l = strlen(at);
        /* A name that is not UTF-8 is given as bytes. */
        vm_val_t s = rt_utf8_valid(at, l) ? rt_str_new(ctx, at, l) : rt_bytes_new(ctx, at, l);
        if (!s || !rt_array_push(ctx, a, s))
            a = 0;
        at += l + 1;
    }
    free(o->out);
    return a;
}

static void do_mkdir(void *arg)
{
    pop_t *o = arg;
    if (!o->flag) {
        o->err = mkdir(o->path, 0777) == 0 ? 0 : errno;
        return;
    }
    /* With parents: make each missing one; an existing directory is fine. */
    size_t n = strlen(o->path);
    char *p = malloc(n + 1);
    if (!p) {
        o->err = ENOMEM;
        return;
    }
    memcpy(p, o->path, n + 1);
    for (size_t i = 1; i <= n && !o->err; i++) {
        if (p[i] != '/' && p[i] != 0)
            continue;
        char c = p[i];
        p[i] = 0;
        struct stat st;
        if (mkdir(p, 0777) != 0 && !(errno == EEXIST && stat(p, &st) == 0 && S_ISDIR(st.st_mode)))
            o->err = errno == EEXIST ? ENOTDIR : errno;
        p[i] = c;
    }
    free(p);
}

void vm_file_mkdir(vm_ctx_t *ctx, vm_val_t path, int64_t parents)
{
    pop_t *o = new_pop(ctx, path, "file.mkdir");
    if (!o)
        return;
    o->flag = parents != 0;
    rt_io_blocking(ctx, do_mkdir, o);
    if (o->err)
        fail(ctx, o, "mkdir");
}

static void do_rename(void *arg)
{
    pop_t *o = arg;
    o->err = rename(o->path, o->path2) == 0 ? 0 : errno;
}

void vm_file_rename(vm_ctx_t *ctx, vm_val_t from, vm_val_t to)
{
    pop_t *o = new_pop(ctx, from, "file.rename");
    const char *p2 = o ? rt_io_path(ctx, to, "file.rename") : NULL;
    if (!p2)
        return;
    o->path2 = p2;
    o->keep2 = to;
    rt_io_blocking(ctx, do_rename, o);
    if (o->err)
        fail(ctx, o, "rename");
}

static void do_remove(void *arg)
{
    pop_t *o = arg;
    o->err = unlink(o->path) == 0 ? 0 : errno;
    if (o->err == EISDIR)
        o->err = rmdir(o->path) == 0 ? 0 : errno;
}

void vm_file_remove(vm_ctx_t *ctx, vm_val_t path)
{
    pop_t *o = new_pop(ctx, path, "file.remove");
    if (!o)
        return;
    rt_io_blocking(ctx, do_remove, o);
    if (o->err)
        fail(ctx, o, "remove");
}

/* ---- temporary files ---- */

static void do_temp(void *arg)
{
    pop_t *o = arg;
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
    size_t n = strlen(dir) + strlen(o->path) + 16;
    if (!(o->out = malloc(n))) {
        o->err = ENOMEM;
        return;
    }
    snprintf(o->out, n, "%s/%sXXXXXX", dir, o->path);
    if (o->flag) {
        if (!mkdtemp(o->out))
            o->err = errno;
    } else {
        int fd = mkostemp(o->out, O_CLOEXEC);
        if (fd < 0)
            o->err = errno;
        else
            close(fd);
    }
}

static vm_val_t temp(vm_ctx_t *ctx, vm_val_t prefix, int dir, const char *who)
{
    pop_t *o = new_pop(ctx, prefix, who);
    if (!o)
        return 0;
    if (strchr(o->path, '/'))
        return rt_raise(ctx, "badarg", "%s: the prefix names a directory", who);
    o->flag = dir;
    rt_io_blocking(ctx, do_temp, o);
    if (o->err)
        return fail(ctx, o, dir ? "mkdtemp" : "mkstemp");
    size_t l = strlen(o->out);
    vm_val_t s =
        rt_utf8_valid(o->out, l) ? rt_str_new(ctx, o->out, l) : rt_bytes_new(ctx, o->out, l);
    free(o->out);
    return s;
}

vm_val_t vm_file_temp(vm_ctx_t *ctx, vm_val_t prefix)
{
    return temp(ctx, prefix, 0, "file.temp");
}

vm_val_t vm_file_temp_dir(vm_ctx_t *ctx, vm_val_t prefix)
{
    return temp(ctx, prefix, 1, "file.temp_dir");
}

void rt_io_fs_init(void)
{
    /* Single-threaded still (start-up): reading the umask sets it. */
    mode_t u = umask(022);
    umask(u);
    default_mode = 0666 & ~u;
}
