/* Values in general: the one equality, order and hash (rt_equal,
 * rt_compare, rt_hash, and the `eq`/`lt`... slow paths), the "any value"
 * builtins, and the slow paths of dynamic arithmetic and boxing.
 *
 * Equality (`eq`) is structural: numbers by value across int and float
 * (1 eq 1.0; nan equals nothing), strings by bytes, tuples and arrays item
 * by item, maps by the same keys with equal values, sets by the same
 * members (both whatever their order), byte strings by bytes. Atoms,
 * functions, errors, channels, files and sockets are equal only to
 * themselves. Any object but a float is equal
 * to itself without looking inside (so an array holding nan is eq to
 * itself, as in Python, and a map finds the very key it holds).
 *
 * The total order ranks kinds
 *
 *   nil < false < true < numbers < atoms < refs < pids < strings < bytes
 *       < tuples < arrays < maps < sets < functions < channels < files
 *       < sockets < errors
 *
 * and within a kind: numbers by exact mathematical value (int against
 * float without rounding); atoms by name and strings by bytes (a proper
 * prefix first); tuples by size, then item by item; arrays item by item (a
 * proper prefix first); maps by size, then by their entries sorted by key,
 * compared as (key, value) pairs; sets likewise by their sorted members;
 * byte strings as strings are; functions and errors by address (stable
 * within one run); channels, files and sockets by creation (their serial
 * numbers); refs and pids by their words. rt_compare
 * gives 2 (unordered) when the deciding comparison meets a nan; the `cmp`
 * builtin and array.sort order nan after every other number and equal to
 * itself, so they always give a total order.
 *
 * The hash agrees with eq: an integral float in the small-int range hashes
 * like that int, strings hash their bytes (XXH3), atoms, functions and
 * errors their address, byte strings their bytes, channels, files and
 * sockets their serial number, tuples and arrays
 * combine their items in order, maps and sets their entries in any order.
 *
 * Deep and cyclic values: see RT_DEEP_MAX in coll.h. Past the limits the
 * walk compares by identity, so an array that holds itself is eq to itself
 * and unequal to any other, and nothing recurses without bound. */
#define _GNU_SOURCE /* qsort_r */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "builtins/coll.h"

vm_val_t vm_box_f64(vm_ctx_t *ctx, double d)
{
    vm_float_t *f = rt_alloc(ctx, VM_KIND_FLOAT, sizeof *f);
    if (!f)
        return 0;
    f->value = d;
    return (vm_val_t)f;
}

static int is_float(vm_val_t v)
{
    return rt_is_kind(v, VM_KIND_FLOAT);
}
static double float_of(vm_val_t v)
{
    return ((const vm_float_t *)v)->value;
}
static int is_number(vm_val_t v)
{
    return val_is_int(v) || is_float(v);
}
static double as_double(vm_val_t v)
{
    return val_is_int(v) ? (double)val_as_int(v) : float_of(v);
}
static vm_kind_t kind_of(vm_val_t v)
{
    return (vm_kind_t)((const vm_obj_header_t *)v)->kind;
}

double vm_unbox_f64(vm_ctx_t *ctx, vm_val_t v)
{
    if (is_number(v))
        return as_double(v);
    rt_raise_type(ctx, "unbox.f64", "a number", v);
    return 0;
}

typedef enum { ARITH_ADD, ARITH_SUB, ARITH_MUL } arith_op_t;
static const char *const arith_name[] = {"add", "sub", "mul"};

static vm_val_t arith(vm_ctx_t *ctx, arith_op_t op, vm_val_t a, vm_val_t b)
{
    if (val_is_int(a) && val_is_int(b)) {
        int64_t x = val_as_int(a), y = val_as_int(b), r;
        int ovf = op == ARITH_ADD   ? __builtin_add_overflow(x, y, &r)
                  : op == ARITH_SUB ? __builtin_sub_overflow(x, y, &r)
                                    : __builtin_mul_overflow(x, y, &r);
        if (ovf || !val_int_fits(r))
            return rt_raise(ctx, "overflow", "%s of %lld and %lld leaves the small-int range",
                            arith_name[op], (long long)x, (long long)y);
        return val_from_int(r);
    }
    if (is_number(a) && is_number(b)) {
        double x = as_double(a), y = as_double(b);
        return vm_box_f64(ctx, op == ARITH_ADD ? x + y : op == ARITH_SUB ? x - y : x * y);
    }
    return rt_raise(ctx, "badarith", "%s of %s and %s", arith_name[op], rt_kind_name(a),
                    rt_kind_name(b));
}

vm_val_t vm_add(vm_ctx_t *ctx, vm_val_t a, vm_val_t b)
{
    return arith(ctx, ARITH_ADD, a, b);
}
vm_val_t vm_sub(vm_ctx_t *ctx, vm_val_t a, vm_val_t b)
{
    return arith(ctx, ARITH_SUB, a, b);
}
vm_val_t vm_mul(vm_ctx_t *ctx, vm_val_t a, vm_val_t b)
{
    return arith(ctx, ARITH_MUL, a, b);
}

/* ---- equality, order, hash ------------------------------------------- */

/* Rank of a kind in the total order (see the top of this file). */
enum {
    R_NIL,
    R_FALSE,
    R_TRUE,
    R_NUMBER,
    R_ATOM,
    R_REF,
    R_PID,
    R_STRING,
    R_BYTES,
    R_TUPLE,
    R_ARRAY,
    R_MAP,
    R_SET,
    R_FUNC,
    R_CHAN,
    R_FILE,
    R_SOCKET,
    R_EXC,
    R_OTHER
};

static int rank(vm_val_t v)
{
    if (val_is_int(v))
        return R_NUMBER;
    if (!val_is_ptr(v))
        return v == VM_NIL     ? R_NIL
               : v == VM_FALSE ? R_FALSE
               : v == VM_TRUE  ? R_TRUE
               : val_is_ref(v) ? R_REF
               : val_is_pid(v) ? R_PID
                               : R_OTHER;
    switch (kind_of(v)) {
    case VM_KIND_FLOAT: return R_NUMBER;
    case VM_KIND_ATOM: return R_ATOM;
    case VM_KIND_STRING: return R_STRING;
    case VM_KIND_BYTES: return R_BYTES;
    case VM_KIND_TUPLE: return R_TUPLE;
    case VM_KIND_ARRAY: return R_ARRAY;
    case VM_KIND_MAP: return R_MAP;
    case VM_KIND_SET: return R_SET;
    case VM_KIND_FUNC: return R_FUNC;
    case VM_KIND_CHAN: return R_CHAN;
    case VM_KIND_FILE: return R_FILE;
    case VM_KIND_SOCKET: return R_SOCKET;
    case VM_KIND_EXC: return R_EXC;
    default: return R_OTHER;
    }
}

static int cmp3(int64_t a, int64_t b)
{
    return (a > b) - (a < b);
}

static int cmp_addr(vm_val_t a, vm_val_t b)
{
    return (a > b) - (a < b);
}

/* Exact comparison of an int with a double (no rounding of large ints). */
static int cmp_int_double(int64_t i, double d)
{
    if (isnan(d))
        return 2;
    if (d >= 0x1p63)
        return -1;
    if (d < -0x1p63)
        return 1;
    double t = trunc(d);
    int c = cmp3(i, (int64_t)t);
    if (c != 0)
        return c;
    return d > t ? -1 : d < t ? 1 : 0;
}

/* -1, 0, 1, or 2 if either is nan. */
static int cmp_numbers(vm_val_t a, vm_val_t b)
{
    if (val_is_int(a) && val_is_int(b))
        return cmp3(val_as_int(a), val_as_int(b));
    if (val_is_int(a))
        return cmp_int_double(val_as_int(a), float_of(b));
    if (val_is_int(b)) {
        int c = cmp_int_double(val_as_int(b), float_of(a));
        return c == 2 ? 2 : -c;
    }
    double x = float_of(a), y = float_of(b);
    if (isnan(x) || isnan(y))
        return 2;
    return (x > y) - (x < y);
}

/* In the total order nan comes after every other number and equals nan. */
static int cmp_numbers_total(vm_val_t a, vm_val_t b)
{
    int c = cmp_numbers(a, b);
    if (c != 2)
        return c;
    int na = is_float(a) && isnan(float_of(a)), nb = is_float(b) && isnan(float_of(b));
    return na - nb;
}

static int cmp_strings(const vm_string_t *a, const vm_string_t *b)
{
    size_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->bytes, b->bytes, n);
    if (c != 0)
        return c < 0 ? -1 : 1;
    return cmp3((int64_t)a->len, (int64_t)b->len);
}

/* One walk of eq or the order through nested values. */
typedef struct walk {
    uintptr_t base; /* frame address of the outermost call: the C stack grows down */
    int total;      /* order: nan sorts last instead of being unordered */
} walk_t;

/* Past these limits the walk stops looking inside (coll.h). */
#define TOO_DEEP(w, depth)                                                                         \
    ((depth) >= RT_DEEP_MAX ||                                                                     \
     ((depth) > RT_HASH_DEPTH &&                                                                   \
      (w)->base - (uintptr_t)__builtin_frame_address(0) > (uintptr_t)RT_DEEP_STACK))

/* The items of a tuple or an array. */
static const vm_val_t *items_of(vm_val_t v, uint64_t *n)
{
    if (kind_of(v) == VM_KIND_TUPLE) {
        *n = ((const vm_tuple_t *)v)->hdr.aux;
        return ((const vm_tuple_t *)v)->items;
    }
    *n = ((const vm_array_t *)v)->len;
    return ((const vm_array_t *)v)->items;
}

static int eq_rec(vm_val_t a, vm_val_t b, int depth, const walk_t *w);

typedef struct key_env {
    int depth;
    const walk_t *w;
} key_env_t;

static int key_eq(vm_val_t a, vm_val_t b, void *env)
{
    const key_env_t *k = env;
    return eq_rec(a, b, k->depth, k->w);
}

/* Same kind (map or set) assumed. Keys are found by their stored hashes. */
static int eq_tables(const rt_map_t *x, const rt_map_t *y, int depth, const walk_t *w)
{
    if (x->count != y->count)
        return 0;
    key_env_t env = {depth, w};
    int is_map = x->hdr.kind == VM_KIND_MAP;
    for (uint64_t i = 0; i < x->used; i++) {
        const rt_entry_t *e = &x->entries[i];
        if (!e->key)
            continue;
        int64_t j = rt_map_find(y, e->key, e->hash, key_eq, &env);
        if (j < 0 || (is_map && !eq_rec(e->value, y->entries[j].value, depth, w)))
            return 0;
    }
    return 1;
}

/* Brent's cycle detection along a chain of last items: the pair (a, b)
 * that comes next depends only on the current one, so meeting a saved pair
 * again means the chain loops (an array that holds itself last). */
typedef struct chain {
    vm_val_t a, b;        /* the saved pair */
    uint64_t steps, span; /* steps since it was saved; the next save is at span */
} chain_t;

static int chain_loops(chain_t *c, vm_val_t a, vm_val_t b)
{
    if (a == c->a && b == c->b)
        return 1;
    if (++c->steps == c->span) {
        *c = (chain_t){a, b, 0, 2 * c->span};
    }
    return 0;
}

static int eq_rec(vm_val_t a, vm_val_t b, int depth, const walk_t *w)
{
    /* The last items of tuples and arrays are followed in this loop rather
     * than by recursion, so a list built of nested pairs takes no stack. */
    for (chain_t chain = {0, 0, 0, 1};;) {
        if (a == b)
            return !is_float(a) || !isnan(float_of(a));
        if (!val_is_ptr(a) || !val_is_ptr(b)) {
            if (val_is_int(a) && is_float(b))
                return cmp_int_double(val_as_int(a), float_of(b)) == 0;
            if (val_is_int(b) && is_float(a))
                return cmp_int_double(val_as_int(b), float_of(a)) == 0;
            return 0;
        }
        vm_kind_t k = kind_of(a);
        if (k != kind_of(b))
            return 0;
        switch (k) {
        case VM_KIND_FLOAT: return float_of(a) == float_of(b);
        case VM_KIND_STRING:
        case VM_KIND_BYTES: {
            const vm_string_t *x = rt_as_str(a), *y = rt_as_str(b);
            return x->len == y->len && memcmp(x->bytes, y->bytes, x->len) == 0;
        }
        case VM_KIND_TUPLE:
        case VM_KIND_ARRAY: break;
        case VM_KIND_MAP:
        case VM_KIND_SET:
            if (TOO_DEEP(w, depth))
                return 0;
            return eq_tables(rt_as_map(a), rt_as_map(b), depth + 1, w);
        default: return 0; /* atoms, functions, errors, channels, files, sockets: identity */
        }
        uint64_t n, m;
        const vm_val_t *xa = items_of(a, &n), *xb = items_of(b, &m);
        if (n != m)
            return 0;
        if (n == 0)
            return 1;
        if (TOO_DEEP(w, depth))
            return 0;
        for (uint64_t i = 0; i + 1 < n; i++)
            if (!eq_rec(xa[i], xb[i], depth + 1, w))
                return 0;
        a = xa[n - 1];
        b = xb[n - 1];
        if (a != b && chain_loops(&chain, a, b))
            return 0;
    }
}

static int cmp_rec(vm_val_t a, vm_val_t b, int depth, const walk_t *w);

typedef struct sort_env {
    int depth;
    const walk_t *w;
} sort_env_t;

static int entry_key_cmp(const void *p, const void *q, void *env)
{
    const sort_env_t *s = env;
    const rt_entry_t *x = *(const rt_entry_t *const *)p, *y = *(const rt_entry_t *const *)q;
    return cmp_rec(x->key, y->key, s->depth, s->w);
}

/* The live entries of `m` sorted by key in the total order, into out[0, count). */
static void sorted_entries(const rt_map_t *m, const rt_entry_t **out, int depth, const walk_t *w)
{
    uint64_t n = 0;
    for (uint64_t i = 0; i < m->used; i++)
        if (m->entries[i].key)
            out[n++] = &m->entries[i];
    walk_t total = {w->base, 1};
    sort_env_t env = {depth, &total};
    qsort_r(out, n, sizeof *out, entry_key_cmp, &env);
}

/* Same kind assumed: by size, then by entries sorted by key. */
static int cmp_tables(vm_val_t a, vm_val_t b, int depth, const walk_t *w)
{
    const rt_map_t *x = rt_as_map(a), *y = rt_as_map(b);
    if (x->count != y->count)
        return x->count < y->count ? -1 : 1;
    uint64_t n = x->count;
    if (n == 0)
        return 0;
    const rt_entry_t **ea = malloc(2 * n * sizeof *ea), **eb = ea + n;
    if (!ea)
        return cmp_addr(a, b); /* no memory for the sort: by identity */
    sorted_entries(x, ea, depth, w);
    sorted_entries(y, eb, depth, w);
    int c = 0, is_map = x->hdr.kind == VM_KIND_MAP;
    for (uint64_t i = 0; i < n && c == 0; i++) {
        c = cmp_rec(ea[i]->key, eb[i]->key, depth, w);
        if (c == 0 && is_map)
            c = cmp_rec(ea[i]->value, eb[i]->value, depth, w);
    }
    free(ea);
    return c;
}

static int cmp_rec(vm_val_t a, vm_val_t b, int depth, const walk_t *w)
{
    for (chain_t chain = {0, 0, 0, 1};;) {
        if (a == b && !is_float(a))
            return 0;
        int ra = rank(a), rb = rank(b);
        if (ra != rb)
            return ra < rb ? -1 : 1;
        switch (ra) {
        case R_NUMBER: return w->total ? cmp_numbers_total(a, b) : cmp_numbers(a, b);
        case R_ATOM:
        case R_STRING:
        case R_BYTES: return cmp_strings(rt_as_str(a), rt_as_str(b));
        case R_TUPLE:
        case R_ARRAY: break;
        case R_MAP:
        case R_SET:
            if (TOO_DEEP(w, depth))
                return cmp_addr(a, b);
            return cmp_tables(a, b, depth + 1, w);
        case R_CHAN:
        case R_FILE:
        case R_SOCKET: return cmp3((int64_t)rt_obj_serial(a), (int64_t)rt_obj_serial(b));
        default: return cmp_addr(a, b); /* nil, booleans (equal), pids, refs, functions, errors */
        }
        uint64_t n, m;
        const vm_val_t *xa = items_of(a, &n), *xb = items_of(b, &m);
        if (ra == R_TUPLE && n != m)
            return n < m ? -1 : 1;
        uint64_t k = n < m ? n : m;
        if (k == 0)
            return cmp3(n > 0, m > 0);
        if (TOO_DEEP(w, depth))
            return cmp_addr(a, b);
        for (uint64_t i = 0; i + 1 < k; i++) {
            int c = cmp_rec(xa[i], xb[i], depth + 1, w);
            if (c != 0)
                return c;
        }
        if (n != m) { /* arrays of different lengths: a proper prefix first */
            int c = cmp_rec(xa[k - 1], xb[k - 1], depth + 1, w);
            return c != 0 ? c : n < m ? -1 : 1;
        }
        a = xa[k - 1];
        b = xb[k - 1];
        if (a != b && chain_loops(&chain, a, b))
            return cmp_addr(a, b);
    }
}

int rt_equal(vm_val_t a, vm_val_t b)
{
    if (a == b)
        return !is_float(a) || !isnan(float_of(a));
    if (!val_is_ptr(a) && !val_is_ptr(b))
        return 0; /* two different ints or immediates */
    walk_t w = {(uintptr_t)__builtin_frame_address(0), 0};
    return eq_rec(a, b, 0, &w);
}

int rt_compare(vm_val_t a, vm_val_t b)
{
    if (val_is_int(a) && val_is_int(b))
        return cmp3((int64_t)a, (int64_t)b); /* tagged order is value order */
    walk_t w = {(uintptr_t)__builtin_frame_address(0), 0};
    return cmp_rec(a, b, 0, &w);
}

int rt_compare_total(vm_val_t a, vm_val_t b)
{
    if (val_is_int(a) && val_is_int(b))
        return cmp3((int64_t)a, (int64_t)b);
    walk_t w = {(uintptr_t)__builtin_frame_address(0), 1};
    return cmp_rec(a, b, 0, &w);
}

/* A bijective finaliser (MurmurHash3's fmix64): every input bit reaches
 * every output bit, so the low bits can index a table. */
static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= UINT64_C(0xff51afd7ed558ccd);
    x ^= x >> 33;
    x *= UINT64_C(0xc4ceb9fe1a85ec53);
    x ^= x >> 33;
    return x;
}

/* Distinct starting points per kind, so [] and {} or nil and 0 differ. */
#define SEED_IMM   UINT64_C(0x9e3779b97f4a7c15)
#define SEED_FLOAT UINT64_C(0x6a09e667f3bcc909)
#define SEED_IDENT UINT64_C(0xbb67ae8584caa73b)
#define SEED_TUPLE UINT64_C(0x3c6ef372fe94f82b)
#define SEED_ARRAY UINT64_C(0xa54ff53a5f1d36f1)
#define SEED_MAP   UINT64_C(0x510e527fade682d1)
#define SEED_SET   UINT64_C(0x9b05688c2b3e6c1f)
#define SEED_CHAN  UINT64_C(0x5be0cd19137e2179)
#define SEED_BYTES UINT64_C(0xcbbb9d5dc1059ed8)
#define HASH_NAN   UINT64_C(0x1f83d9abfb41bd6b)

static uint64_t hash_rec(vm_val_t v, int depth)
{
    if (val_is_int(v))
        return mix64((uint64_t)val_as_int(v));
    if (!val_is_ptr(v))
        return mix64(v ^ SEED_IMM);
    switch (kind_of(v)) {
    case VM_KIND_FLOAT: {
        double d = float_of(v);
        if (d == trunc(d) && d >= -0x1p62 && d < 0x1p62) /* as the int it equals */
            return mix64((uint64_t)(int64_t)d);
        if (isnan(d))
            return HASH_NAN;
        uint64_t bits;
        memcpy(&bits, &d, sizeof bits);
        return mix64(bits ^ SEED_FLOAT);
    }
    case VM_KIND_STRING: return XXH3_64bits(rt_as_str(v)->bytes, rt_as_str(v)->len);
    case VM_KIND_BYTES:
        return XXH3_64bits_withSeed(rt_as_str(v)->bytes, rt_as_str(v)->len, SEED_BYTES);
    case VM_KIND_TUPLE:
    case VM_KIND_ARRAY: {
        uint64_t n;
        const vm_val_t *items = items_of(v, &n);
        uint64_t h = (kind_of(v) == VM_KIND_TUPLE ? SEED_TUPLE : SEED_ARRAY) ^ n;
        if (depth < RT_HASH_DEPTH)
            for (uint64_t i = 0; i < n; i++)
                h = ((h << 5 | h >> 59) ^ hash_rec(items[i], depth + 1)) * SEED_IMM;
        return mix64(h);
    }
    case VM_KIND_MAP:
    case VM_KIND_SET: {
        /* A sum of entry hashes does not depend on the order. */
        const rt_map_t *m = rt_as_map(v);
        int is_map = kind_of(v) == VM_KIND_MAP;
        uint64_t h = (is_map ? SEED_MAP : SEED_SET) ^ m->count;
        if (depth < RT_HASH_DEPTH)
            for (uint64_t i = 0; i < m->used; i++) {
                const rt_entry_t *e = &m->entries[i];
                if (e->key)
                    h += mix64(is_map ? e->hash ^ (hash_rec(e->value, depth + 1) * SEED_FLOAT)
                                      : e->hash);
            }
        return mix64(h);
    }
    case VM_KIND_CHAN:
    case VM_KIND_FILE:
    case VM_KIND_SOCKET: return mix64(rt_obj_serial(v) ^ SEED_CHAN ^ kind_of(v));
    default: return mix64(v ^ SEED_IDENT); /* atoms, functions, errors: by address */
    }
}

uint64_t rt_hash(vm_val_t v)
{
    return hash_rec(v, 0);
}

/* ---- builtins -------------------------------------------------------- */

int64_t vm_compare(vm_ctx_t *ctx, vm_val_t a, vm_val_t b)
{
    (void)ctx;
    return rt_compare(a, b);
}

int64_t vm_equal(vm_ctx_t *ctx, vm_val_t a, vm_val_t b)
{
    (void)ctx;
    return rt_equal(a, b);
}

int64_t vm_cmp(vm_ctx_t *ctx, vm_val_t a, vm_val_t b)
{
    (void)ctx;
    return rt_compare_total(a, b);
}

int64_t vm_hash(vm_ctx_t *ctx, vm_val_t v)
{
    (void)ctx;
    return (int64_t)rt_hash(v);
}

vm_val_t vm_type_of(vm_ctx_t *ctx, vm_val_t v)
{
    (void)ctx;
    /* Interned once per kind: atoms are never collected. Slot 0 int, 1
     * nil, 2 bool, 3 pid, 4 ref, 5 anything else unknown, 6 + kind for
     * objects. */
    static vm_val_t cache[6 + VM_KIND_COUNT];
    size_t slot = val_is_int(v)                                 ? 0
                  : val_is_nil(v)                               ? 1
                  : val_is_bool(v)                              ? 2
                  : val_is_pid(v)                               ? 3
                  : val_is_ref(v)                               ? 4
                  : val_is_ptr(v) && kind_of(v) < VM_KIND_COUNT ? 6 + (size_t)kind_of(v)
                                                                : 5;
    if (!cache[slot])
        cache[slot] = rt_atom(rt_kind_name(v));
    return cache[slot];
}

vm_val_t vm_to_int(vm_ctx_t *ctx, vm_val_t v)
{
    if (val_is_int(v))
        return v;
    if (!is_float(v))
        return rt_raise_type(ctx, "to_int", "a number", v);
    double d = float_of(v), t = trunc(d);
    /* [-2^62, 2^62) is the small-int range; nan fails both tests */
    if (!(t >= -0x1p62 && t < 0x1p62)) {
        char buf[40];
        rt_fmt_f64(buf, sizeof buf, d);
        return rt_raise(ctx, "badarg", "to_int: %s does not fit in a small int", buf);
    }
    return val_from_int((int64_t)t);
}

vm_val_t vm_to_float(vm_ctx_t *ctx, vm_val_t v)
{
    if (is_float(v))
        return v;
    if (val_is_int(v))
        return vm_box_f64(ctx, (double)val_as_int(v));
    return rt_raise_type(ctx, "to_float", "a number", v);
}
