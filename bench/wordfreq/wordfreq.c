/* wordfreq: word frequencies of a UTF-8 text, C reference (see README.md).
 *
 *   wordfreq FILE [TOP]    TOP most frequent words (default 20, 0 = all)
 *
 * Words are maximal runs of code points of general category L* or N*; each
 * word is case-folded with utf8proc (UTF8PROC_CASEFOLD, full folding) and
 * counted in an open-addressing hash table.
 *
 * cc -std=c17 -O2 -Wall -Wextra -o wordfreq wordfreq.c -lutf8proc
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

static void die(const char *what)
{
    perror(what);
    exit(1);
}

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n);
    if (!p)
        die("wordfreq");
    return p;
}

/* ---------------------------------------------------------------- table */

struct entry {
    uint64_t hash;
    size_t key; /* offset of the key in the arena; 0 = empty slot */
    size_t len;
    size_t count;
};

static struct entry *slots;
static size_t nslots = 1 << 12, nused;
static char *arena;
static size_t arena_len = 1, arena_cap; /* offset 0 is never a key */

static uint64_t hash_bytes(const unsigned char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325u; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * 0x100000001b3u;
    return h ^ (h >> 29);
}

static void grow(void)
{
    size_t old = nslots;
    struct entry *prev = slots;
    nslots = old * 2;
    slots = calloc(nslots, sizeof *slots);
    if (!slots)
        die("wordfreq");
    for (size_t i = 0; i < old; i++) {
        if (!prev[i].key)
            continue;
        size_t j = prev[i].hash & (nslots - 1);
        while (slots[j].key)
            j = (j + 1) & (nslots - 1);
        slots[j] = prev[i];
    }
    free(prev);
}

static void count(const unsigned char *w, size_t n)
{
    uint64_t h = hash_bytes(w, n);
    size_t j = h & (nslots - 1);
    for (; slots[j].key; j = (j + 1) & (nslots - 1)) {
        struct entry *e = &slots[j];
        if (e->hash == h && e->len == n && memcmp(arena + e->key, w, n) == 0) {
            e->count++;
            return;
        }
    }
    if (arena_len + n > arena_cap) {
        while (arena_len + n > arena_cap)
            arena_cap = arena_cap ? arena_cap * 2 : 1 << 16;
        arena = xrealloc(arena, arena_cap);
    }
    memcpy(arena + arena_len, w, n);
    slots[j] = (struct entry){h, arena_len, n, 1};
    arena_len += n;
    if (++nused * 4 > nslots * 3)
        grow();
}

/* ---------------------------------------------------------------- words */

static int is_word(utf8proc_int32_t c)
{
    utf8proc_category_t k = utf8proc_category(c);
    return (k >= UTF8PROC_CATEGORY_LU && k <= UTF8PROC_CATEGORY_LO) ||
           (k >= UTF8PROC_CATEGORY_ND && k <= UTF8PROC_CATEGORY_NO);
}

static utf8proc_int32_t *fold_buf;
static utf8proc_ssize_t fold_cap = 256;

/* Folds the word s[0..n) with utf8proc and counts it. */
static void fold_and_count(const utf8proc_uint8_t *s, size_t n)
{
    utf8proc_ssize_t len;
    for (;;) {
        len = utf8proc_decompose(s, (utf8proc_ssize_t)n, fold_buf, fold_cap, UTF8PROC_CASEFOLD);
        if (len < 0) {
            fprintf(stderr, "wordfreq: %s\n", utf8proc_errmsg(len));
            exit(1);
        }
        if (len <= fold_cap)
            break;
        fold_cap = len;
        fold_buf = xrealloc(fold_buf, (size_t)fold_cap * sizeof *fold_buf);
    }
    len = utf8proc_reencode(fold_buf, len, UTF8PROC_CASEFOLD); /* UTF-8, in place */
    count((const unsigned char *)fold_buf, (size_t)len);
}

static int by_count_then_bytes(const void *a, const void *b)
{
    const struct entry *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(arena + x->key, arena + y->key, n);
    if (c)
        return c;
    return (x->len > y->len) - (x->len < y->len);
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: wordfreq FILE [TOP]\n");
        return 2;
    }
    size_t top = argc > 2 ? strtoul(argv[2], NULL, 10) : 20;

    FILE *f = fopen(argv[1], "rb");
    if (!f)
        die(argv[1]);
    size_t size = 0, cap = 1 << 20, got;
    unsigned char *text = xrealloc(NULL, cap);
    while ((got = fread(text + size, 1, cap - size, f)) > 0) {
        size += got;
        if (size == cap)
            text = xrealloc(text, cap *= 2);
    }
    if (ferror(f))
        die(argv[1]);
    fclose(f);

    slots = calloc(nslots, sizeof *slots);
    fold_buf = xrealloc(NULL, (size_t)fold_cap * sizeof *fold_buf);
    if (!slots)
        die("wordfreq");

    size_t words = 0, start = 0, i = 0;
    int in_word = 0;
    while (i < size) {
        utf8proc_int32_t c;
        utf8proc_ssize_t k = utf8proc_iterate(text + i, (utf8proc_ssize_t)(size - i), &c);
        if (k < 0) { /* invalid UTF-8: a separator byte */
            k = 1;
            c = -1;
        }
        int w = c >= 0 && is_word(c);
        if (w && !in_word)
            start = i;
        if (!w && in_word) {
            fold_and_count(text + start, i - start);
            words++;
        }
        in_word = w;
        i += (size_t)k;
    }
    if (in_word) {
        fold_and_count(text + start, i - start);
        words++;
    }

    struct entry *all = xrealloc(NULL, (nused ? nused : 1) * sizeof *all);
    size_t n = 0;
    for (size_t j = 0; j < nslots; j++)
        if (slots[j].key)
            all[n++] = slots[j];
    qsort(all, n, sizeof *all, by_count_then_bytes);

    printf("words %zu\ndistinct %zu\n", words, n);
    if (top == 0 || top > n)
        top = n;
    for (size_t j = 0; j < top; j++) {
        printf("%zu ", all[j].count);
        fwrite(arena + all[j].key, 1, all[j].len, stdout);
        putchar('\n');
    }
    return fflush(stdout) != 0;
}
