/* Strings, the builtins that need Unicode data, all of it from utf8proc:
 * grapheme clusters, display width, case mapping, normalisation, white
 * space. Strings are valid UTF-8, so decoding cannot fail here. */
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "builtins/builtins.h"
#include "core/core.h"

/* ---- helpers (as in string.c; rt.h does not export them) ---- */

static int all_ascii(const char *s, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        if (w & UINT64_C(0x8080808080808080))
            return 0;
    }
    for (; i < n; i++)
        if ((unsigned char)s[i] >= 0x80)
            return 0;
    return 1;
}

/* The code point at byte offset *i of s[0, n); advances *i past it. */
static inline int32_t next_cp(const char *s, size_t n, size_t *i)
{
    utf8proc_int32_t c = (unsigned char)s[*i];
    if (c < 0x80) {
        (*i)++;
        return c;
    }
    *i +=
        (size_t)utf8proc_iterate((const utf8proc_uint8_t *)s + *i, (utf8proc_ssize_t)(n - *i), &c);
    return c;
}

/* The start of the code point that ends at byte offset i > 0. */
static inline size_t prev_start(const char *s, size_t i)
{
    do
        i--;
    while (((unsigned char)s[i] & 0xC0) == 0x80);
    return i;
}

static inline size_t utf8_len(int32_t c)
{
    return c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
}

/* ---- grapheme clusters ---- */

/* Where the cluster that starts at byte offset i < n of s ends. Each
 * cluster starts from a fresh utf8proc state: after a break the state is
 * the class of the code point after it, which is what a fresh state
 * derives from that code point, so the result is the same as carrying the
 * state along. Between two ASCII code points there is always a break except
 * in CR LF (UAX #29 GB3, GB999), which needs no lookup. */
static size_t grapheme_end(const char *s, size_t n, size_t i)
{
    utf8proc_int32_t state = 0;
    int32_t c1 = next_cp(s, n, &i);
    while (i < n) {
        if (c1 < 0x80 && (unsigned char)s[i] < 0x80)
            return c1 == '\r' && s[i] == '\n' ? i + 1 : i;
        size_t j = i;
        int32_t c2 = next_cp(s, n, &j);
        if (utf8proc_grapheme_break_stateful(c1, c2, &state))
            return i;
        c1 = c2;
        i = j;
    }
    return i;
}

int64_t vm_str_grapheme_len(vm_ctx_t *ctx, vm_val_t a)
{
    const vm_string_t *s = rt_expect_str(ctx, a, "str.grapheme_len");
    if (!s)
        return 0;
    int64_t count = 0;
    for (size_t i = 0; i < s->len; i = grapheme_end(s->bytes, s->len, i))
        count++;
    return count;
}

vm_val_t vm_str_graphemes(vm_ctx_t *ctx, vm_val_t a)
{
    const vm_string_t *s = rt_expect_str(ctx, a, "str.graphemes");
    if (!s)
        return 0;
    vm_val_t r = rt_array_new(ctx, 0);
    if (!r)
        return 0;
    for (size_t i = 0, e; i < s->len; i = e) {
        e = grapheme_end(s->bytes, s->len, i);
        vm_val_t g = rt_str_sub(ctx, a, i, e);
        if (!g || !rt_array_push(ctx, r, g))
            return 0;
    }
    return r;
}

int64_t vm_str_next_grapheme(vm_ctx_t *ctx, vm_val_t a, int64_t b)
{
    const vm_string_t *s = rt_expect_str(ctx, a, "str.next_grapheme");
    if (!s)
        return 0;
    if (b < 0 || (uint64_t)b > s->len)
        return rt_raise(ctx, "index",
                        "str.next_grapheme: byte offset %lld is out of range [0, %zu]",
                        (long long)b, s->len);
    if ((uint64_t)b == s->len)
        return b;
    if (((unsigned char)s->bytes[b] & 0xC0) == 0x80)
        return rt_raise(ctx, "badarg", "str.next_grapheme: byte offset %lld is inside a code point",
                        (long long)b);
    return (int64_t)grapheme_end(s->bytes, s->len, (size_t)b);
}

vm_val_t vm_str_reverse(vm_ctx_t *ctx, vm_val_t a)
{
    const vm_string_t *x = rt_expect_str(ctx, a, "str.reverse");
    if (!x)
        return 0;
    vm_string_t *s = rt_str_alloc(ctx, x->len);
    if (!s)
        return 0;
    /* The cluster at [i, e) lands at [len - e, len - i): one forward pass. */
    for (size_t i = 0, e; i < x->len; i = e) {
        e = grapheme_end(x->bytes, x->len, i);
        memcpy(s->bytes + x->len - e, x->bytes + i, e - i);
    }
    return (vm_val_t)s;
}

int64_t vm_str_width(vm_ctx_t *ctx, vm_val_t a)
{
    const vm_string_t *s = rt_expect_str(ctx, a, "str.width");
    if (!s)
        return 0;
    int64_t w = 0;
    for (size_t i = 0; i < s->len;) {
        unsigned char b = (unsigned char)s->bytes[i];
        if (b < 0x80) { /* printable ASCII is 1 column, controls 0, as utf8proc says */
            w += b >= 0x20 && b < 0x7F;
            i++;
        } else {
            w += utf8proc_charwidth(next_cp(s->bytes, s->len, &i));
        }
    }
    return w;
}

/* ---- case ----
 * utf8proc has the simple (one code point) case mappings and the full case
 * folding; the full mappings with more than one code point are derived
 * from the folding (checked against SpecialCasing.txt's unconditional
 * entries for every code point):
 *   upper: a code point that is not upper case already and whose folding
 *          expands maps to the simple upper case of each folded code point
 *          (ß -> ss -> SS, ŉ -> ʼn -> ʼN, ᾳ -> αι -> ΑΙ);
 *   lower: a code point whose folding expands and starts with its simple
 *          lower case maps to the folding (İ -> i + U+0307).
 * There is no context: Σ always lowers to σ, never to final ς. */

enum casemap { CASE_UPPER, CASE_LOWER, CASE_FOLD };

/* The full case folding of c into out[0, 4); returns the count (1..3). */
static int fold_cp(int32_t c, int32_t out[4])
{
    utf8proc_ssize_t n = utf8proc_decompose_char(c, out, 4, UTF8PROC_CASEFOLD, NULL);
    if (n < 1 || n > 4) { /* cannot happen with Unicode's foldings */
        out[0] = c;
        return 1;
    }
    return (int)n;
}

static int map_cp(enum casemap m, int32_t c, int32_t out[4])
{
    int32_t f[4];
    int n;
    switch (m) {
    case CASE_FOLD: return fold_cp(c, out);
    case CASE_UPPER:
        if (utf8proc_category(c) != UTF8PROC_CATEGORY_LU && (n = fold_cp(c, f)) > 1) {
            for (int i = 0; i < n; i++)
                out[i] = utf8proc_toupper(f[i]);
            return n;
        }
        out[0] = utf8proc_toupper(c);
        return 1;
    case CASE_LOWER:
        out[0] = utf8proc_tolower(c);
        if (out[0] != c && (n = fold_cp(c, f)) > 1 && f[0] == out[0]) {
            memcpy(out, f, (size_t)n * sizeof *f);
            return n;
        }
        return 1;
    }
    return 0;
}

static inline char ascii_map(enum casemap m, char b)
{
    if (m == CASE_UPPER)
        return b >= 'a' && b <= 'z' ? (char)(b - 32) : b;
    return b >= 'A' && b <= 'Z' ? (char)(b + 32) : b;
}

static vm_val_t case_map(vm_ctx_t *ctx, vm_val_t a, const char *who, enum casemap m)
{
    const vm_string_t *x = rt_expect_str(ctx, a, who);
    if (!x)
        return 0;
    /* Pass 1: the size of the result, and whether anything changes. */
    size_t size = 0;
    int changed = 0;
    int32_t out[4];
    for (size_t i = 0; i < x->len;) {
        char b = x->bytes[i];
        if ((unsigned char)b < 0x80) {
            changed |= ascii_map(m, b) != b;
            size++;
            i++;
            continue;
        }
        int32_t c = next_cp(x->bytes, x->len, &i);
        int n = map_cp(m, c, out);
        changed |= n != 1 || out[0] != c;
        for (int k = 0; k < n; k++)
            size += utf8_len(out[k]);
    }
    if (!changed)
        return a;
    /* Pass 2: fill. */
    vm_string_t *s = rt_str_alloc(ctx, size);
    if (!s)
        return 0;
    utf8proc_uint8_t *p = (utf8proc_uint8_t *)s->bytes;
    for (size_t i = 0; i < x->len;) {
        char b = x->bytes[i];
        if ((unsigned char)b < 0x80) {
            *p++ = (utf8proc_uint8_t)ascii_map(m, b);
            i++;
            continue;
        }
        int n = map_cp(m, next_cp(x->bytes, x->len, &i), out);
        for (int k = 0; k < n; k++)
            p += utf8proc_encode_char(out[k], p);
    }
    return (vm_val_t)s;
}

vm_val_t vm_str_upper(vm_ctx_t *ctx, vm_val_t a)
{
    return case_map(ctx, a, "str.upper", CASE_UPPER);
}

vm_val_t vm_str_lower(vm_ctx_t *ctx, vm_val_t a)
{
    return case_map(ctx, a, "str.lower", CASE_LOWER);
}

vm_val_t vm_str_casefold(vm_ctx_t *ctx, vm_val_t a)
{
    return case_map(ctx, a, "str.casefold", CASE_FOLD);
}

/* ---- normalisation ---- */

static vm_val_t normalize(vm_ctx_t *ctx, vm_val_t a, const char *who, utf8proc_option_t opts)
{
    const vm_string_t *x = rt_expect_str(ctx, a, who);
    if (!x)
        return 0;
    if (all_ascii(x->bytes, x->len)) /* ASCII is in every normal form */
        return a;
    utf8proc_uint8_t *out = NULL;
    utf8proc_ssize_t n = utf8proc_map((const utf8proc_uint8_t *)x->bytes, (utf8proc_ssize_t)x->len,
                                      &out, opts | UTF8PROC_STABLE);
    if (n < 0)
        return rt_raise(ctx, "out_of_memory", "%s: %s", who, utf8proc_errmsg(n));
    vm_val_t r = a;
    if ((size_t)n != x->len || memcmp(out, x->bytes, x->len) != 0) {
        vm_string_t *s = rt_str_alloc(ctx, (size_t)n);
        if (s)
            memcpy(s->bytes, out, (size_t)n);
        r = (vm_val_t)s;
    }
    free(out);
    return r;
}

vm_val_t vm_str_nfc(vm_ctx_t *ctx, vm_val_t a)
{
    return normalize(ctx, a, "str.nfc", UTF8PROC_COMPOSE);
}

vm_val_t vm_str_nfd(vm_ctx_t *ctx, vm_val_t a)
{
    return normalize(ctx, a, "str.nfd", UTF8PROC_DECOMPOSE);
}

vm_val_t vm_str_nfkc(vm_ctx_t *ctx, vm_val_t a)
{
    return normalize(ctx, a, "str.nfkc", UTF8PROC_COMPOSE | UTF8PROC_COMPAT);
}

vm_val_t vm_str_nfkd(vm_ctx_t *ctx, vm_val_t a)
{
    return normalize(ctx, a, "str.nfkd", UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT);
}

/* ---- white space ---- */

/* Unicode White_Space: the separators Zs, Zl, Zp, plus \t \n \v \f \r and
 * U+0085 (NEL), which are controls. */
static int is_space(int32_t c)
{
    if (c < 0x80)
        return c == ' ' || (c >= '\t' && c <= '\r');
    if (c == 0x85)
        return 1;
    utf8proc_category_t k = utf8proc_category(c);
    return k == UTF8PROC_CATEGORY_ZS || k == UTF8PROC_CATEGORY_ZL || k == UTF8PROC_CATEGORY_ZP;
}

/* The offset of the first code point at or after i that is (want = 1) or
 * is not (want = 0) white space, or n. */
static size_t skip_space(const char *s, size_t n, size_t i, int want)
{
    while (i < n) {
        size_t j = i;
        if (is_space(next_cp(s, n, &j)) == want)
            return i;
        i = j;
    }
    return n;
}

/* The end of s[from, n) without its trailing white space. */
static size_t trim_back(const char *s, size_t from, size_t n)
{
    while (n > from) {
        size_t i = prev_start(s, n), j = i;
        if (!is_space(next_cp(s, n, &j)))
            break;
        n = i;
    }
    return n;
}

vm_val_t vm_str_split_ws(vm_ctx_t *ctx, vm_val_t a)
{
    const vm_string_t *s = rt_expect_str(ctx, a, "str.split_ws");
    if (!s)
        return 0;
    vm_val_t r = rt_array_new(ctx, 0);
    if (!r)
        return 0;
    for (size_t i = skip_space(s->bytes, s->len, 0, 0); i < s->len;) {
        size_t e = skip_space(s->bytes, s->len, i, 1);
        vm_val_t piece = rt_str_sub(ctx, a, i, e);
        if (!piece || !rt_array_push(ctx, r, piece))
            return 0;
        i = skip_space(s->bytes, s->len, e, 0);
    }
    return r;
}

vm_val_t vm_str_trim(vm_ctx_t *ctx, vm_val_t a)
{
    const vm_string_t *s = rt_expect_str(ctx, a, "str.trim");
    if (!s)
        return 0;
    size_t from = skip_space(s->bytes, s->len, 0, 0);
    return rt_str_sub(ctx, a, from, trim_back(s->bytes, from, s->len));
}

vm_val_t vm_str_trim_start(vm_ctx_t *ctx, vm_val_t a)
{
    const vm_string_t *s = rt_expect_str(ctx, a, "str.trim_start");
    return s ? rt_str_sub(ctx, a, skip_space(s->bytes, s->len, 0, 0), s->len) : 0;
}

vm_val_t vm_str_trim_end(vm_ctx_t *ctx, vm_val_t a)
{
    const vm_string_t *s = rt_expect_str(ctx, a, "str.trim_end");
    return s ? rt_str_sub(ctx, a, 0, trim_back(s->bytes, 0, s->len)) : 0;
}
