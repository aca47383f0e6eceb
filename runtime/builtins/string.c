/* Strings: creation with UTF-8 validation, code point positions, bytes,
 * searching, splitting and joining, parsing numbers, argv. The builtins
 * that need Unicode data (graphemes, case, normalisation, white space) are
 * in ustring.c. */
#define _GNU_SOURCE /* memmem */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <utf8proc.h>

#include "builtins/builtins.h"
#include "core/core.h"

/* ---- code points of valid UTF-8 ---- */

/* Length of the sequence that lead byte `b` starts. */
static inline size_t seq_len(unsigned char b)
{
    return b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
}

/* Code points in s[0, n): the bytes that are not continuation bytes. A
 * branch-free loop the compiler vectorises, so ASCII costs no more than
 * checking that it is ASCII. */
static size_t count_cps(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

/* The byte offset `k` code points after offset `i` (the end counts), or
 * SIZE_MAX if s[0, n) ends first. */
static size_t skip_cps(const char *s, size_t n, size_t i, uint64_t k)
{
    while (k > 0) {
        if (k >= 8 && n - i >= 8) { /* eight ASCII bytes at a time */
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (!(w & UINT64_C(0x8080808080808080))) {
                i += 8;
                k -= 8;
                continue;
            }
        }
        if (i >= n)
            return SIZE_MAX;
        i += seq_len((unsigned char)s[i]);
        k--;
    }
    return i;
}

static int32_t decode_at(const char *s, size_t n, size_t i)
{
    utf8proc_int32_t c = (unsigned char)s[i];
    if (c >= 0x80)
        utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(n - i), &c);
    return c;
}

/* The index error of a position that must lie in [0, len] (both ends). */
static vm_val_t raise_pos(vm_ctx_t *ctx, const char *who, int64_t i, const vm_string_t *s)
{
    return rt_raise(ctx, "index", "%s: position %lld is out of range [0, %zu]", who, (long long)i,
                    count_cps(s->bytes, s->len));
}

/* The byte offset of code point position `pos` of s (pos = len gives the
 * end), or SIZE_MAX after raising index. */
static size_t pos_offset(vm_ctx_t *ctx, const char *who, const vm_string_t *s, int64_t pos)
{
    size_t off = pos < 0 ? SIZE_MAX : skip_cps(s->bytes, s->len, 0, (uint64_t)pos);
    if (off == SIZE_MAX)
        raise_pos(ctx, who, pos, s);
    return off;
}

/* ---- building ---- */

vm_val_t vm_str_concat(vm_ctx_t *ctx, vm_val_t a, vm_val_t b)
{
    const vm_string_t *x = rt_expect_str(ctx, a, "str.concat");
    const vm_string_t *y = x ? rt_expect_str(ctx, b, "str.concat") : NULL;
    vm_string_t *s = y ? rt_str_alloc(ctx, x->len + y->len) : NULL;
    if (!s)
        return 0;
    memcpy(s->bytes, x->bytes, x->len);
    memcpy(s->bytes + x->len, y->bytes, y->len);
    return (vm_val_t)s;
}

vm_val_t vm_str_repeat(vm_ctx_t *ctx, vm_val_t a, int64_t times)
{
    const vm_string_t *x = rt_expect_str(ctx, a, "str.repeat");
    if (!x)
        return 0;
    if (times < 0)
        return rt_raise(ctx, "badarg", "str.repeat: count %lld is negative", (long long)times);
    if (times == 1)
        return a;
    size_t total;
    if (__builtin_mul_overflow(x->len, (uint64_t)times, &total) || total >= RT_MAX_ALLOC)
        return rt_raise(ctx, "out_of_memory", "str.repeat: %lld copies of %zu bytes",
                        (long long)times, x->len);
    vm_string_t *s = rt_str_alloc(ctx, total);
    if (!s || total == 0)
        return (vm_val_t)s;
    /* Double the copied prefix: O(log times) calls to memcpy. */
    memcpy(s->bytes, x->bytes, x->len);
    for (size_t done = x->len; done < total;) {
        size_t n = done < total - done ? done : total - done;
        memcpy(s->bytes + done, s->bytes, n);
        done += n;
    }
    return (vm_val_t)s;
}

vm_val_t vm_str_from_codepoint(vm_ctx_t *ctx, int64_t c)
{
    if (c < 0 || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return rt_raise(ctx, "badarg", "str.from_codepoint: %lld is not a Unicode scalar value",
                        (long long)c);
    utf8proc_uint8_t buf[4];
    utf8proc_ssize_t n = utf8proc_encode_char((utf8proc_int32_t)c, buf);
    vm_string_t *s = rt_str_alloc(ctx, (size_t)n);
    if (!s)
        return 0;
    memcpy(s->bytes, buf, (size_t)n);
    return (vm_val_t)s;
}

vm_val_t vm_str_from_bytes(vm_ctx_t *ctx, vm_val_t a)
{
    if (!rt_is_kind(a, VM_KIND_ARRAY))
        return rt_raise_type(ctx, "str.from_bytes", "an array", a);
    const vm_array_t *arr = rt_as_array(a);
    vm_string_t *s = rt_str_alloc(ctx, arr->len);
    if (!s)
        return 0;
    for (uint64_t i = 0; i < arr->len; i++) {
        vm_val_t b = arr->items[i];
        if (!val_is_int(b))
            return rt_raise(ctx, "type", "str.from_bytes: expected an int at item %llu, got %s",
                            (unsigned long long)i, rt_kind_name(b));
        if (val_as_int(b) < 0 || val_as_int(b) > 255)
            return rt_raise(ctx, "badarg", "str.from_bytes: item %llu is %lld, not a byte 0..255",
                            (unsigned long long)i, (long long)val_as_int(b));
        s->bytes[i] = (char)val_as_int(b);
    }
    if (!rt_utf8_valid(s->bytes, s->len))
        return rt_raise(ctx, "badarg", "str.from_bytes: the bytes are not valid UTF-8");
    return (vm_val_t)s;
}

vm_val_t vm_str_join(vm_ctx_t *ctx, vm_val_t a, vm_val_t sep)
{
    if (!rt_is_kind(a, VM_KIND_ARRAY))
        return rt_raise_type(ctx, "str.join", "an array", a);
    const vm_string_t *y = rt_expect_str(ctx, sep, "str.join");
    if (!y)
        return 0;
    const vm_array_t *arr = rt_as_array(a);
    /* Size first, so the result is allocated once. */
    size_t total = 0;
    for (uint64_t i = 0; i < arr->len; i++) {
        if (!rt_is_kind(arr->items[i], VM_KIND_STRING))
            return rt_raise(ctx, "type", "str.join: expected a string at item %llu, got %s",
                            (unsigned long long)i, rt_kind_name(arr->items[i]));
        total += rt_as_str(arr->items[i])->len + (i ? y->len : 0);
        if (total >= RT_MAX_ALLOC)
            return rt_raise(ctx, "out_of_memory", "str.join: the result exceeds %zu bytes",
                            (size_t)RT_MAX_ALLOC);
    }
    if (arr->len == 1)
        return arr->items[0];
    vm_string_t *s = rt_str_alloc(ctx, total);
    if (!s)
        return 0;
    char *p = s->bytes;
    for (uint64_t i = 0; i < arr->len; i++) {
        const vm_string_t *item = rt_as_str(arr->items[i]);
        if (i) {
            memcpy(p, y->bytes, y->len);
            p += y->len;
        }
        memcpy(p, item->bytes, item->len);
        p += item->len;
    }
    return (vm_val_t)s;
}

/* ---- measuring and indexing ---- */

int64_t vm_str_len(vm_ctx_t *ctx, vm_val_t a)
{
    const vm_string_t *s = rt_expect_str(ctx, a, "str.len");
    return s ? (int64_t)count_cps(s->bytes, s->len) : 0;
}

int64_t vm_str_byte_len(vm_ctx_t *ctx, vm_val_t a)
{
    const vm_string_t *s = rt_expect_str(ctx, a, "str.byte_len");
    return s ? (int64_t)s->len : 0;
}

vm_val_t vm_str_slice(vm_ctx_t *ctx, vm_val_t a, int64_t from, int64_t to)
{
    const vm_string_t *s = rt_expect_str(ctx, a, "str.slice");
    if (!s)
        return 0;
    size_t b = pos_offset(ctx, "str.slice", s, from);
    if (b == SIZE_MAX)
        return 0;
    if (to < from)
        return to < 0 ? raise_pos(ctx, "str.slice", to, s)
                      : rt_raise(ctx, "index", "str.slice: start %lld is after end %lld",
                                 (long long)from, (long long)to);
    size_t e = skip_cps(s->bytes, s->len, b, (uint64_t)(to - from));
    if (e == SIZE_MAX)
        return raise_pos(ctx, "str.slice", to, s);
    return rt_str_sub(ctx, a, b, e);
}

int64_t vm_str_at(vm_ctx_t *ctx, vm_val_t a, int64_t i)
{
    const vm_string_t *s = rt_expect_str(ctx, a, "str.at");
    if (!s)
        return 0;
    size_t off = i < 0 ? SIZE_MAX : skip_cps(s->bytes, s->len, 0, (uint64_t)i);
    if (off >= s->len)
        return rt_raise_index(ctx, "str.at", i, (int64_t)count_cps(s->bytes, s->len));
    return decode_at(s->bytes, s->len, off);
}

vm_val_t vm_str_codepoints(vm_ctx_t *ctx, vm_val_t a)
{
    const vm_string_t *s = rt_expect_str(ctx, a, "str.codepoints");
    if (!s)
        return 0;
    size_t n = count_cps(s->bytes, s->len);
    vm_val_t r = rt_array_new(ctx, n);
    if (!r)
        return 0;
    vm_array_t *arr = rt_as_array(r);
    for (size_t i = 0, k = 0; k < n; k++) {
        arr->items[k] = val_from_int(decode_at(s->bytes, s->len, i));
        i += seq_len((unsigned char)s->bytes[i]);
    }
    arr->len = n;
    return r;
}

vm_val_t vm_str_to_bytes(vm_ctx_t *ctx, vm_val_t a)
{
    const vm_string_t *s = rt_expect_str(ctx, a, "str.to_bytes");
    if (!s)
        return 0;
    vm_val_t r = rt_array_new(ctx, s->len);
    if (!r)
        return 0;
    vm_array_t *arr = rt_as_array(r);
    for (size_t i = 0; i < s->len; i++)
        arr->items[i] = val_from_int((unsigned char)s->bytes[i]);
    arr->len = s->len;
    return r;
}

/* ---- searching ----
 * Valid UTF-8 synchronises itself: a byte match of a valid needle starts
 * and ends on code point boundaries, so searching bytes is enough. */

static const char *find_bytes(const vm_string_t *h, size_t from, const vm_string_t *n)
{
    return memmem(h->bytes + from, h->len - from, n->bytes, n->len);
}

int64_t vm_str_find(vm_ctx_t *ctx, vm_val_t a, vm_val_t b, int64_t from)
{
    const vm_string_t *x = rt_expect_str(ctx, a, "str.find");
    const vm_string_t *y = x ? rt_expect_str(ctx, b, "str.find") : NULL;
    if (!y)
        return 0;
    size_t off = pos_offset(ctx, "str.find", x, from);
    if (off == SIZE_MAX)
        return 0;
    const char *p = find_bytes(x, off, y);
    return p ? from + (int64_t)count_cps(x->bytes + off, (size_t)(p - (x->bytes + off))) : -1;
}

int64_t vm_str_contains(vm_ctx_t *ctx, vm_val_t a, vm_val_t b)
{
    const vm_string_t *x = rt_expect_str(ctx, a, "str.contains");
    const vm_string_t *y = x ? rt_expect_str(ctx, b, "str.contains") : NULL;
    return y && find_bytes(x, 0, y) != NULL;
}

int64_t vm_str_starts_with(vm_ctx_t *ctx, vm_val_t a, vm_val_t b)
{
    const vm_string_t *x = rt_expect_str(ctx, a, "str.starts_with");
    const vm_string_t *y = x ? rt_expect_str(ctx, b, "str.starts_with") : NULL;
    return y && y->len <= x->len && memcmp(x->bytes, y->bytes, y->len) == 0;
}

int64_t vm_str_ends_with(vm_ctx_t *ctx, vm_val_t a, vm_val_t b)
{
    const vm_string_t *x = rt_expect_str(ctx, a, "str.ends_with");
    const vm_string_t *y = x ? rt_expect_str(ctx, b, "str.ends_with") : NULL;
    return y && y->len <= x->len && memcmp(x->bytes + x->len - y->len, y->bytes, y->len) == 0;
}

vm_val_t vm_str_split(vm_ctx_t *ctx, vm_val_t a, vm_val_t b)
{
    const vm_string_t *x = rt_expect_str(ctx, a, "str.split");
    const vm_string_t *y = x ? rt_expect_str(ctx, b, "str.split") : NULL;
    if (!y)
        return 0;
    if (y->len == 0)
        return rt_raise(ctx, "badarg", "str.split: the separator is empty");
    vm_val_t r = rt_array_new(ctx, 0);
    if (!r)
        return 0;
    /* Each search resumes after the previous match: linear overall. */
    size_t from = 0;
    for (;;) {
        const char *p = find_bytes(x, from, y);
        size_t to = p ? (size_t)(p - x->bytes) : x->len;
        vm_val_t piece = rt_str_sub(ctx, a, from, to);
        if (!piece || !rt_array_push(ctx, r, piece))
            return 0;
        if (!p)
            return r;
        from = to + y->len;
    }
}

vm_val_t vm_str_replace(vm_ctx_t *ctx, vm_val_t a, vm_val_t b, vm_val_t c)
{
    const vm_string_t *x = rt_expect_str(ctx, a, "str.replace");
    const vm_string_t *y = x ? rt_expect_str(ctx, b, "str.replace") : NULL;
    const vm_string_t *z = y ? rt_expect_str(ctx, c, "str.replace") : NULL;
    if (!z)
        return 0;
    if (y->len == 0)
        return rt_raise(ctx, "badarg", "str.replace: the pattern is empty");
    /* Count the matches, size the result, then copy: two linear passes. */
    size_t count = 0;
    for (const char *p = find_bytes(x, 0, y); p;
         p = find_bytes(x, (size_t)(p - x->bytes) + y->len, y))
        count++;
    if (count == 0)
        return a;
    size_t grow, total;
    if (__builtin_mul_overflow(count, z->len, &grow) ||
        __builtin_add_overflow(x->len - count * y->len, grow, &total) || total >= RT_MAX_ALLOC)
        return rt_raise(ctx, "out_of_memory", "str.replace: the result exceeds %zu bytes",
                        (size_t)RT_MAX_ALLOC);
    vm_string_t *s = rt_str_alloc(ctx, total);
    if (!s)
        return 0;
    char *out = s->bytes;
    size_t from = 0;
    for (const char *p; (p = find_bytes(x, from, y)) != NULL;
         from = (size_t)(p - x->bytes) + y->len) {
        size_t keep = (size_t)(p - x->bytes) - from;
        memcpy(out, x->bytes + from, keep);
        memcpy(out + keep, z->bytes, z->len);
        out += keep + z->len;
    }
    memcpy(out, x->bytes + from, x->len - from);
    return (vm_val_t)s;
}

/* ---- parsing numbers ---- */

enum { PARSE_OK, PARSE_SYNTAX, PARSE_RANGE };

/* [+-]?[0-9]+ into an int64_t. */
static int parse_i64(const char *p, size_t n, int64_t *out)
{
    const char *end = p + n;
    int neg = 0;
    if (p < end && (*p == '-' || *p == '+'))
        neg = *p++ == '-';
    if (p == end)
        return PARSE_SYNTAX;
    uint64_t mag = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    int range = 0;
    for (; p < end; p++) {
        if (*p < '0' || *p > '9')
            return PARSE_SYNTAX;
        unsigned d = (unsigned)(*p - '0');
        if (mag > (lim - d) / 10)
            range = 1; /* keep scanning: junk later is a syntax error */
        else
            mag = mag * 10 + d;
    }
    if (range)
        return PARSE_RANGE;
    *out = neg ? (int64_t)(0 - mag) : (int64_t)mag;
    return PARSE_OK;
}

static int word_is(const char *p, size_t n, const char *w)
{
    return n == strlen(w) && strncasecmp(p, w, n) == 0;
}

/* The spellings strtod reads that we accept: [+-]? then digits with at
 * most one '.' (a digit on either side), then an optional exponent
 * [eE][+-]?[0-9]+; or [+-]? inf, infinity or nan in any case. Not white
 * space, hex floats or nan(...), which strtod also takes. */
static int float_syntax(const char *p, size_t n)
{
    const char *end = p + n;
    if (p < end && (*p == '-' || *p == '+'))
        p++;
    if (word_is(p, (size_t)(end - p), "inf") || word_is(p, (size_t)(end - p), "infinity") ||
        word_is(p, (size_t)(end - p), "nan"))
        return 1;
    size_t digits = 0;
    while (p < end && *p >= '0' && *p <= '9')
        p++, digits++;
    if (p < end && *p == '.')
        for (p++; p < end && *p >= '0' && *p <= '9'; p++)
            digits++;
    if (digits == 0)
        return 0;
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '-' || *p == '+'))
            p++;
        if (p == end || *p < '0' || *p > '9')
            return 0;
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    }
    return p == end;
}

/* The text `s` spells by float_syntax (checked by the caller). The bytes
 * are NUL-terminated and float_syntax admits no NUL, so strtod reads all. */
static double read_f64(const vm_string_t *s)
{
    return strtod(s->bytes, NULL); /* overflow gives +-inf, as in IEEE rounding */
}

int64_t vm_str_to_i64(vm_ctx_t *ctx, vm_val_t v)
{
    const vm_string_t *s = rt_expect_str(ctx, v, "str.to_i64");
    if (!s)
        return 0;
    int64_t r = 0;
    switch (parse_i64(s->bytes, s->len, &r)) {
    case PARSE_OK: return r;
    case PARSE_RANGE:
        return rt_raise(ctx, "badarg", "str.to_i64: \"%s\" does not fit in an i64", s->bytes);
    default: return rt_raise(ctx, "badarg", "str.to_i64: \"%s\" is not an integer", s->bytes);
    }
}

double vm_str_to_f64(vm_ctx_t *ctx, vm_val_t v)
{
    const vm_string_t *s = rt_expect_str(ctx, v, "str.to_f64");
    if (!s)
        return 0;
    if (!float_syntax(s->bytes, s->len))
        return rt_raise(ctx, "badarg", "str.to_f64: \"%s\" is not a number", s->bytes);
    return read_f64(s);
}

vm_val_t vm_str_to_number(vm_ctx_t *ctx, vm_val_t v)
{
    const vm_string_t *s = rt_expect_str(ctx, v, "str.to_number");
    if (!s)
        return 0;
    int64_t i;
    int r = parse_i64(s->bytes, s->len, &i);
    if (r == PARSE_OK && val_int_fits(i))
        return val_from_int(i);
    if (r != PARSE_SYNTAX || float_syntax(s->bytes, s->len))
        return vm_box_f64(ctx, read_f64(s)); /* also integers beyond the small ints */
    return rt_raise(ctx, "badarg", "str.to_number: \"%s\" is not a number", s->bytes);
}

/* ---- the program's arguments ---- */

int64_t vm_argc(vm_ctx_t *ctx)
{
    (void)ctx;
    return rt_argc;
}

vm_val_t vm_argv(vm_ctx_t *ctx, int64_t i)
{
    if (i < 0 || i >= rt_argc)
        return rt_raise_index(ctx, "argv", i, rt_argc);
    return rt_str_new(ctx, rt_argv[i], strlen(rt_argv[i]));
}
