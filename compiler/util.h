/* compiler/util.h — memory arenas, byte buffers, files, our own-bug aborts. */
#ifndef VMCC_UTIL_H
#define VMCC_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PRINTF_LIKE(fmt, args) __attribute__((format(printf, fmt, args)))
#define NORETURN               __attribute__((noreturn))

/* Broken internal invariant: report file and line, abort. */
NORETURN void die_at(const char *file, int line, const char *fmt, ...) PRINTF_LIKE(3, 4);
#define die(...)      die_at(__FILE__, __LINE__, __VA_ARGS__)
#define unreachable() die_at(__FILE__, __LINE__, "unreachable")

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

/* Bump allocator: everything of one module lives and dies together. */
typedef struct arena_block arena_block_t;
typedef struct arena {
    arena_block_t *head;
} arena_t;
void *arena_alloc(arena_t *a, size_t n); /* zeroed, 16-aligned */
void arena_free(arena_t *a);
char *arena_strndup(arena_t *a, const char *s, size_t n);

/* Growable byte buffer. */
typedef struct buf {
    uint8_t *data;
    size_t len, cap;
} buf_t;
void buf_put(buf_t *b, const void *p, size_t n);
void buf_byte(buf_t *b, uint8_t c);
void buf_uleb(buf_t *b, uint64_t v);
void buf_sleb(buf_t *b, int64_t v);
void buf_printf(buf_t *b, const char *fmt, ...) PRINTF_LIKE(2, 3);
void buf_free(buf_t *b);

/* Growable array of T in an arena-free heap vector: VEC_PUSH(v, n, cap, x). */
#define VEC_PUSH(ptr, len, cap, item)                                                              \
    do {                                                                                           \
        if ((len) == (cap)) {                                                                      \
            (cap) = (cap) ? (cap)*2 : 8;                                                           \
            (ptr) = xrealloc((ptr), (cap) * sizeof *(ptr));                                        \
        }                                                                                          \
        (ptr)[(len)++] = (item);                                                                   \
    } while (0)

/* Read a whole file; NULL (and errno) on failure. */
uint8_t *read_file(const char *path, size_t *len);

/* Output files are written under a temporary name beside the target and
 * renamed into place only when complete, so a failure never leaves a
 * partial file. Temporaries still open at exit are removed. An existing
 * target that is not a regular file (/dev/null, a pipe) is written in place:
 * out_temp_path returns the target itself. */
char *out_temp_path(const char *target); /* creates the file; NULL on error */
bool out_commit(const char *temp, const char *target);
void out_discard(const char *temp);

/* A temporary file in $TMPDIR with `suffix`, removed at exit. */
char *scratch_path(const char *suffix);

const char *path_basename(const char *p);
const char *path_ext(const char *p); /* ".vmasm" or "" */

#endif
