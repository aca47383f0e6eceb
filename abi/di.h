/*
 * abi/di.h — dependency injection (docs/di.md): the rule for a dependency's
 * name and the grammar of its kind, with the one parser of that grammar.
 * The compiler uses it for the `.dep` directive and the DEPS section, the
 * runtime for the declarations it finds in the section "vm_deps"
 * (abi/context.h), so both always agree on what a kind means.
 *
 *   kind = "any" | "nil" | "bool" | "int" | "float" | "number" | "atom"
 *        | "string" | "tuple" | "array" | "map" | "set" | "function" | "pid"
 *        | "function" "/" ARITY           a function taking ARITY values (0..255)
 *        | "map" "{" KEY {"," KEY} "}"    an interface: a map holding these atom keys
 *
 * KEY is a name ([A-Za-z_][A-Za-z0-9_]*), each listed once. Spaces and tabs
 * may separate the tokens; the canonical spelling has none (`map{get,put}`).
 * `number` is an int or a float. A dependency's name is [A-Za-z][A-Za-z0-9_]*:
 * it is also a setting name in the configuration file and the end of the
 * environment variable VMRT_DI_<name>.
 *
 * Header-only (static inline), C17, no allocation.
 */
#ifndef VM_ABI_DI_H
#define VM_ABI_DI_H

#include <stddef.h>
#include <stdio.h>
#include <string.h>

typedef enum vm_di_tag {
    VM_DI_ANY,
    VM_DI_NIL,
    VM_DI_BOOL,
    VM_DI_INT,
    VM_DI_FLOAT,
    VM_DI_NUMBER,
    VM_DI_ATOM,
    VM_DI_STRING,
    VM_DI_TUPLE,
    VM_DI_ARRAY,
    VM_DI_MAP,
    VM_DI_SET,
    VM_DI_FUNCTION,
    VM_DI_PID,
    VM_DI_TAG_COUNT
} vm_di_tag_t;

/* Most keys an interface (map{...}) may list. */
#define VM_DI_MAX_KEYS  64
/* Largest arity of function/N. */
#define VM_DI_MAX_ARITY 255

typedef struct vm_di_key {
    const char *s; /* in the parsed text, not NUL-terminated */
    size_t len;
} vm_di_key_t;

typedef struct vm_di_kind {
    vm_di_tag_t tag;
    int arity;      /* function/N: N; otherwise -1 */
    unsigned nkeys; /* map{...}: the keys, in the order written */
    vm_di_key_t keys[VM_DI_MAX_KEYS];
} vm_di_kind_t;

static inline const char *vm_di_tag_name(vm_di_tag_t t)
{
    static const char *const names[VM_DI_TAG_COUNT] = {
        "any",    "nil",   "bool",  "int", "float", "number",   "atom",
        "string", "tuple", "array", "map", "set",   "function", "pid",
    };
    return (unsigned)t < VM_DI_TAG_COUNT ? names[t] : "?";
}

static inline int vm_di_is_letter(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline int vm_di_is_name_char(char c)
{
    return vm_di_is_letter(c) || c == '_' || (c >= '0' && c <= '9');
}

/* A valid dependency name: a letter, then letters, digits and '_'. */
static inline int vm_di_name_valid(const char *s, size_t len)
{
    if (len == 0 || !vm_di_is_letter(s[0]))
        return 0;
    for (size_t i = 1; i < len; i++)
        if (!vm_di_is_name_char(s[i]))
            return 0;
    return 1;
}

static inline size_t vm_di_skip_blanks(const char *s, size_t len, size_t i)
{
    while (i < len && (s[i] == ' ' || s[i] == '\t'))
        i++;
    return i;
}

/* Parse the kind s[0..len) into *k. Returns 1; or 0 with a message in
 * err[0..errcap) and the byte offset of the problem in *at. */
static inline int vm_di_parse_kind(const char *s, size_t len, vm_di_kind_t *k, char *err,
                                   size_t errcap, size_t *at)
{
    *k = (vm_di_kind_t){.arity = -1};
    size_t i = vm_di_skip_blanks(s, len, 0), w = i;
    while (i < len && vm_di_is_name_char(s[i]))
        i++;
    if (i == w) {
        *at = w;
        snprintf(err, errcap,
                 "expected a kind (any, nil, bool, int, float, number, atom, string, "
                 "tuple, array, map, set, function, pid, function/N or map{key,...})");
        return 0;
    }
    int tag = -1;
    for (int t = 0; t < VM_DI_TAG_COUNT; t++) {
        const char *n = vm_di_tag_name((vm_di_tag_t)t);
        if (strlen(n) == i - w && memcmp(n, s + w, i - w) == 0)
            tag = t;
    }
    if (tag < 0) {
        *at = w;
        snprintf(err, errcap,
                 "unknown kind '%.*s' (any, nil, bool, int, float, number, atom, string, tuple, "
                 "array, map, set, function, pid, function/N or map{key,...})",
                 (int)(i - w), s + w);
        return 0;
    }
    k->tag = (vm_di_tag_t)tag;
    i = vm_di_skip_blanks(s, len, i);
    if (i < len && s[i] == '/') {
        if (tag != VM_DI_FUNCTION) {
            *at = i;
            snprintf(err, errcap, "only function takes an arity (function/N)");
            return 0;
        }
        i = vm_di_skip_blanks(s, len, i + 1);
        size_t d = i;
        long n = 0;
        while (i < len && s[i] >= '0' && s[i] <= '9' && n <= VM_DI_MAX_ARITY)
            n = n * 10 + (s[i++] - '0');
        if (i == d || n > VM_DI_MAX_ARITY) {
            *at = d;
            snprintf(err, errcap, "the arity of function/N is a number from 0 to %d",
                     VM_DI_MAX_ARITY);
            return 0;
        }
        k->arity = (int)n;
    } else if (i < len && s[i] == '{') {
        if (tag != VM_DI_MAP) {
            *at = i;
            snprintf(err, errcap, "only map takes keys (map{key,...})");
            return 0;
        }
        i++;
        for (;;) {
            i = vm_di_skip_blanks(s, len, i);
            size_t ks = i;
            if (i < len && (vm_di_is_letter(s[i]) || s[i] == '_'))
                while (i < len && vm_di_is_name_char(s[i]))
                    i++;
            if (i == ks) {
                *at = ks;
                snprintf(err, errcap, "expected a key name in map{...}");
                return 0;
            }
            for (unsigned j = 0; j < k->nkeys; j++)
                if (k->keys[j].len == i - ks && memcmp(k->keys[j].s, s + ks, i - ks) == 0) {
                    *at = ks;
                    snprintf(err, errcap, "key '%.*s' is listed twice", (int)(i - ks), s + ks);
                    return 0;
                }
            if (k->nkeys == VM_DI_MAX_KEYS) {
                *at = ks;
                snprintf(err, errcap, "more than %d keys in map{...}", VM_DI_MAX_KEYS);
                return 0;
            }
            k->keys[k->nkeys++] = (vm_di_key_t){s + ks, i - ks};
            i = vm_di_skip_blanks(s, len, i);
            if (i < len && s[i] == ',') {
                i++;
                continue;
            }
            if (i < len && s[i] == '}') {
                i++;
                break;
            }
            *at = i;
            snprintf(err, errcap, "expected ',' or '}' in map{...}");
            return 0;
        }
    }
    i = vm_di_skip_blanks(s, len, i);
    if (i < len) {
        *at = i;
        snprintf(err, errcap, "unexpected '%c' after the kind", s[i]);
        return 0;
    }
    return 1;
}

/* The canonical spelling of *k in buf[0..cap) (truncated if it does not
 * fit; never longer than any text that parses to it). Returns its length. */
static inline size_t vm_di_kind_spell(const vm_di_kind_t *k, char *buf, size_t cap)
{
    size_t n = 0;
#define VM_DI_PUT(str, l)                                                                          \
    do {                                                                                           \
        for (size_t q_ = 0; q_ < (l); q_++, n++)                                                   \
            if (n + 1 < cap)                                                                       \
                buf[n] = (str)[q_];                                                                \
    } while (0)
    const char *name = vm_di_tag_name(k->tag);
    VM_DI_PUT(name, strlen(name));
    if (k->arity >= 0) {
        char num[16];
        int len = snprintf(num, sizeof num, "/%d", k->arity);
        VM_DI_PUT(num, (size_t)len);
    }
    if (k->nkeys) {
        VM_DI_PUT("{", 1);
        for (unsigned j = 0; j < k->nkeys; j++) {
            if (j)
                VM_DI_PUT(",", 1);
            VM_DI_PUT(k->keys[j].s, k->keys[j].len);
        }
        VM_DI_PUT("}", 1);
    }
#undef VM_DI_PUT
    if (cap)
        buf[n < cap ? n : cap - 1] = 0;
    return n;
}

/* Whether two kinds are the same: same tag and arity, and the same set of
 * keys (in any order). */
static inline int vm_di_kind_equal(const vm_di_kind_t *a, const vm_di_kind_t *b)
{
    if (a->tag != b->tag || a->arity != b->arity || a->nkeys != b->nkeys)
        return 0;
    for (unsigned i = 0; i < a->nkeys; i++) {
        int found = 0;
        for (unsigned j = 0; j < b->nkeys && !found; j++)
            found = a->keys[i].len == b->keys[j].len &&
                    memcmp(a->keys[i].s, b->keys[j].s, a->keys[i].len) == 0;
        if (!found)
            return 0;
    }
    return 1;
}

#endif
