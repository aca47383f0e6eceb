/* Memory, buffers, files. */
#include "util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void die_at(const char *file, int line, const char *fmt, ...)
{
    fflush(stdout);
    fprintf(stderr, "vmcc: internal error at %s:%d: ", file, line);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "vmcc: error: out of memory\n");
        exit(1);
    }
    return p;
}

void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) {
        fprintf(stderr, "vmcc: error: out of memory\n");
        exit(1);
    }
    return p;
}

void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p) {
        fprintf(stderr, "vmcc: error: out of memory\n");
        exit(1);
    }
    return p;
}

char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(xmalloc(n), s, n);
}

/* ---- arena ---- */

struct arena_block {
    arena_block_t *next;
    size_t used, cap;
    _Alignas(16) unsigned char data[];
};

void *arena_alloc(arena_t *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    arena_block_t *b = a->head;
    if (!b || b->used + n > b->cap) {
        size_t cap = n > 65536 ? n : 65536;
        b = xmalloc(sizeof *b + cap);
        b->next = a->head;
        b->used = 0;
        b->cap = cap;
        a->head = b;
    }
    void *p = b->data + b->used;
    b->used += n;
    return memset(p, 0, n);
}

void arena_free(arena_t *a)
{
    for (arena_block_t *b = a->head, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    a->head = NULL;
}

char *arena_strndup(arena_t *a, const char *s, size_t n)
{
    char *d = arena_alloc(a, n + 1);
    if (n)
        memcpy(d, s, n);
    return d;
}

/* ---- buffers ---- */

void buf_put(buf_t *b, const void *p, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n)
            cap *= 2;
        b->data = xrealloc(b->data, cap);
        b->cap = cap;
    }
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
}

void buf_byte(buf_t *b, uint8_t c)
{
    buf_put(b, &c, 1);
}

void buf_uleb(buf_t *b, uint64_t v)
{
    do {
        uint8_t c = v & 0x7f;
        v >>= 7;
        buf_byte(b, c | (v ? 0x80 : 0));
    } while (v);
}

void buf_sleb(buf_t *b, int64_t v)
{
    for (;;) {
        uint8_t c = v & 0x7f;
        v >>= 7; /* arithmetic */
        bool done = (v == 0 && !(c & 0x40)) || (v == -1 && (c & 0x40));
        buf_byte(b, c | (done ? 0 : 0x80));
        if (done)
            return;
    }
}

void buf_printf(buf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        die("vsnprintf failed");
    if (b->len + (size_t)n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + (size_t)n + 1)
            cap *= 2;
        b->data = xrealloc(b->data, cap);
        b->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void buf_free(buf_t *b)
{
    free(b->data);
    *b = (buf_t){0};
}

/* ---- files ---- */

uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || S_ISDIR(st.st_mode)) {
        fclose(f);
        errno = S_ISDIR(st.st_mode) ? EISDIR : errno;
        return NULL;
    }
    buf_t b = {0};
    uint8_t chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_put(&b, chunk, n);
    int err = ferror(f);
    fclose(f);
    if (err) {
        buf_free(&b);
        errno = EIO;
        return NULL;
    }
    buf_byte(&b, 0); /* NUL-terminate for the text reader; not counted */
    *len = b.len - 1;
    return b.data;
}

/* Temporaries to remove if the process exits before they are committed. */
static char **pending;
static size_t n_pending, cap_pending;

static void remove_pending(void)
{
    for (size_t i = 0; i < n_pending; i++)
        if (pending[i])
            unlink(pending[i]);
}

static void track(char *path)
{
    static bool registered;
    if (!registered) {
        atexit(remove_pending);
        registered = true;
    }
    VEC_PUSH(pending, n_pending, cap_pending, path);
}

static void untrack(const char *path)
{
    for (size_t i = 0; i < n_pending; i++)
        if (pending[i] && strcmp(pending[i], path) == 0) {
            free(pending[i]);
            pending[i] = NULL;
        }
}

static char *make_temp(const char *prefix, const char *suffix)
{
    size_t n = strlen(prefix) + strlen(suffix) + 8;
    char *p = xmalloc(n);
    snprintf(p, n, "%sXXXXXX%s", prefix, suffix);
    int fd = mkstemps(p, (int)strlen(suffix));
    if (fd < 0) {
        free(p);
        return NULL;
    }
    close(fd);
    track(p);
    return xstrdup(p);
}

/* An existing output that is not a regular file (/dev/null, a pipe) is
 * written in place: renaming over it would replace it. */
static bool is_special(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && !S_ISREG(st.st_mode);
}

static bool is_tracked(const char *path)
{
    for (size_t i = 0; i < n_pending; i++)
        if (pending[i] && strcmp(pending[i], path) == 0)
            return true;
    return false;
}

char *out_temp_path(const char *target)
{
    if (is_special(target))
        return xstrdup(target);
    size_t n = strlen(target) + 8;
    char *prefix = xmalloc(n);
    snprintf(prefix, n, "%s.tmp.", target);
    char *p = make_temp(prefix, "");
    free(prefix);
    return p;
}

bool out_commit(const char *temp, const char *target)
{
    if (strcmp(temp, target) == 0)
        return true; /* written in place */
    if (rename(temp, target) != 0)
        return false;
    untrack(temp);
    return true;
}

void out_discard(const char *temp)
{
    if (!is_tracked(temp))
        return; /* a special file written in place, or already gone */
    unlink(temp);
    untrack(temp);
}

char *scratch_path(const char *suffix)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
    size_t n = strlen(dir) + 16;
    char *prefix = xmalloc(n);
    snprintf(prefix, n, "%s/vmcc-", dir);
    char *p = make_temp(prefix, suffix);
    free(prefix);
    return p;
}

const char *path_basename(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

const char *path_ext(const char *p)
{
    const char *base = path_basename(p);
    const char *dot = strrchr(base, '.');
    return dot && dot != base ? dot : "";
}
