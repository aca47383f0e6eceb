/* Arrays: mutable, growable vectors of values (abi/value.h vm_array_t),
 * and their stable sort. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "builtins/coll.h"

vm_val_t rt_array_new(vm_ctx_t *ctx, uint64_t cap)
{
    if (cap > RT_MAX_ALLOC / sizeof(vm_val_t))
        return rt_raise(ctx, "out_of_memory", "an array of %llu items", (unsigned long long)cap);
    vm_array_t *a = rt_alloc(ctx, VM_KIND_ARRAY, sizeof *a);
    if (!a)
        return 0;
    if (cap) {
        a->items = rt_alloc_raw(ctx, cap * sizeof(vm_val_t), 0);
        if (!a->items)
            return 0;
    }
    a->cap = cap;
    return (vm_val_t)a;
}

/* Room for `extra` more items; 0 if out of memory (raised). */
static int reserve(vm_ctx_t *ctx, vm_array_t *a, uint64_t extra)
{
    if (a->len + extra <= a->cap)
        return 1;
    uint64_t cap = a->cap < 4 ? 4 : a->cap + a->cap / 2;
    if (cap < a->len + extra)
        cap = a->len + extra;
    if (cap > RT_MAX_ALLOC / sizeof(vm_val_t)) {
        rt_raise(ctx, "out_of_memory", "an array of %llu items", (unsigned long long)cap);
        return 0;
    }
    vm_val_t *items = rt_alloc_raw(ctx, cap * sizeof(vm_val_t), 0);
    if (!items)
        return 0;
    if (a->len)
        memcpy(items, a->items, a->len * sizeof(vm_val_t));
    a->items = items;
    a->cap = cap;
    return 1;
}

int rt_array_push(vm_ctx_t *ctx, vm_val_t arr, vm_val_t v)
{
    vm_array_t *a = rt_as_array(arr);
    if (!reserve(ctx, a, 1))
        return 0;
    a->items[a->len++] = v;
    return 1;
}

vm_val_t vm_array_new(vm_ctx_t *ctx)
{
    return rt_array_new(ctx, 0);
}

void vm_array_push(vm_ctx_t *ctx, vm_val_t arr, vm_val_t v)
{
    if (!rt_is_kind(arr, VM_KIND_ARRAY)) {
        rt_raise_type(ctx, "array.push", "an array", arr);
        return;
    }
    rt_array_push(ctx, arr, v);
}

vm_val_t vm_array_make(vm_ctx_t *ctx, int64_t n, vm_val_t v)
{
    if (n < 0)
        return rt_raise(ctx, "badarg", "array.make: negative size %lld", (long long)n);
    vm_val_t arr = rt_array_new(ctx, (uint64_t)n);
    if (!arr)
        return 0;
    vm_array_t *a = rt_as_array(arr);
    for (int64_t i = 0; i < n; i++)
        a->items[i] = v;
    a->len = (uint64_t)n;
    return arr;
}

int64_t vm_array_len(vm_ctx_t *ctx, vm_val_t arr)
{
    vm_array_t *a = (vm_array_t *)rt_expect(ctx, "array.len", arr, VM_KIND_ARRAY);
    return a ? (int64_t)a->len : 0;
}

vm_val_t vm_array_get(vm_ctx_t *ctx, vm_val_t arr, int64_t i)
{
    vm_array_t *a = (vm_array_t *)rt_expect(ctx, "array.get", arr, VM_KIND_ARRAY);
    if (!a)
        return 0;
    if ((uint64_t)i >= a->len)
        return rt_raise_index(ctx, "array.get", i, (int64_t)a->len);
    return a->items[i];
}

void vm_array_set(vm_ctx_t *ctx, vm_val_t arr, int64_t i, vm_val_t v)
{
    vm_array_t *a = (vm_array_t *)rt_expect(ctx, "array.set", arr, VM_KIND_ARRAY);
    if (!a)
        return;
    if ((uint64_t)i >= a->len) {
        rt_raise_index(ctx, "array.set", i, (int64_t)a->len);
        return;
    }
    a->items[i] = v;
}

vm_val_t vm_array_pop(vm_ctx_t *ctx, vm_val_t arr)
{
    vm_array_t *a = (vm_array_t *)rt_expect(ctx, "array.pop", arr, VM_KIND_ARRAY);
    if (!a)
        return 0;
    if (a->len == 0)
        return rt_raise(ctx, "index", "array.pop: the array is empty");
    vm_val_t v = a->items[--a->len];
    a->items[a->len] = 0; /* do not keep the item alive */
    return v;
}

void vm_array_insert(vm_ctx_t *ctx, vm_val_t arr, int64_t i, vm_val_t v)
{
    vm_array_t *a = (vm_array_t *)rt_expect(ctx, "array.insert", arr, VM_KIND_ARRAY);
    if (!a)
        return;
    if ((uint64_t)i > a->len) {
        rt_raise_index(ctx, "array.insert", i, (int64_t)a->len + 1);
        return;
    }
    if (!reserve(ctx, a, 1))
        return;
    memmove(a->items + i + 1, a->items + i, (a->len - (uint64_t)i) * sizeof(vm_val_t));
    a->items[i] = v;
    a->len++;
}

vm_val_t vm_array_remove(vm_ctx_t *ctx, vm_val_t arr, int64_t i)
{
    vm_array_t *a = (vm_array_t *)rt_expect(ctx, "array.remove", arr, VM_KIND_ARRAY);
    if (!a)
        return 0;
    if ((uint64_t)i >= a->len)
        return rt_raise_index(ctx, "array.remove", i, (int64_t)a->len);
    vm_val_t v = a->items[i];
    memmove(a->items + i, a->items + i + 1, (a->len - (uint64_t)i - 1) * sizeof(vm_val_t));
    a->items[--a->len] = 0;
    return v;
}

/* A new array of the n items at `from`; 0 if out of memory (raised). */
static vm_val_t array_of(vm_ctx_t *ctx, const vm_val_t *from, uint64_t n)
{
    vm_val_t arr = rt_array_new(ctx, n);
    if (!arr)
        return 0;
    if (n)
        memcpy(rt_as_array(arr)->items, from, n * sizeof(vm_val_t));
    rt_as_array(arr)->len = n;
    return arr;
}

vm_val_t vm_array_slice(vm_ctx_t *ctx, vm_val_t arr, int64_t from, int64_t to)
{
    vm_array_t *a = (vm_array_t *)rt_expect(ctx, "array.slice", arr, VM_KIND_ARRAY);
    if (!a)
        return 0;
    if (from < 0 || from > to || (uint64_t)to > a->len)
        return rt_raise(ctx, "index", "array.slice: [%lld, %lld) is not a range within [0, %llu]",
                        (long long)from, (long long)to, (unsigned long long)a->len);
    return array_of(ctx, a->items + from, (uint64_t)(to - from));
}

vm_val_t vm_array_concat(vm_ctx_t *ctx, vm_val_t x, vm_val_t y)
{
    vm_array_t *a = (vm_array_t *)rt_expect(ctx, "array.concat", x, VM_KIND_ARRAY);
    vm_array_t *b = a ? (vm_array_t *)rt_expect(ctx, "array.concat", y, VM_KIND_ARRAY) : NULL;
    if (!b)
        return 0;
    vm_val_t arr = rt_array_new(ctx, a->len + b->len);
    if (!arr)
        return 0;
    vm_array_t *r = rt_as_array(arr);
    if (a->len)
        memcpy(r->items, a->items, a->len * sizeof(vm_val_t));
    if (b->len)
        memcpy(r->items + a->len, b->items, b->len * sizeof(vm_val_t));
    r->len = a->len + b->len;
    return arr;
}

int64_t vm_array_index_of(vm_ctx_t *ctx, vm_val_t arr, vm_val_t v)
{
    vm_array_t *a = (vm_array_t *)rt_expect(ctx, "array.index_of", arr, VM_KIND_ARRAY);
    if (!a)
        return 0;
    for (uint64_t i = 0; i < a->len; i++)
        if (rt_equal(a->items[i], v))
            return (int64_t)i;
    return -1;
}

void vm_array_reverse(vm_ctx_t *ctx, vm_val_t arr)
{
    vm_array_t *a = (vm_array_t *)rt_expect(ctx, "array.reverse", arr, VM_KIND_ARRAY);
    if (!a || a->len < 2)
        return;
    for (uint64_t i = 0, j = a->len - 1; i < j; i++, j--) {
        vm_val_t t = a->items[i];
        a->items[i] = a->items[j];
        a->items[j] = t;
    }
}

vm_val_t vm_array_copy(vm_ctx_t *ctx, vm_val_t arr)
{
    vm_array_t *a = (vm_array_t *)rt_expect(ctx, "array.copy", arr, VM_KIND_ARRAY);
    return a ? array_of(ctx, a->items, a->len) : 0;
}

void vm_array_clear(vm_ctx_t *ctx, vm_val_t arr)
{
    vm_array_t *a = (vm_array_t *)rt_expect(ctx, "array.clear", arr, VM_KIND_ARRAY);
    if (!a)
        return;
    /* keep the storage for refilling, but not the items */
    if (a->len)
        memset(a->items, 0, a->len * sizeof(vm_val_t));
    a->len = 0;
}

/* ---- sorting ----------------------------------------------------------
 * A stable bottom-up merge sort: insertion sort of runs of SORT_RUN items,
 * then merges of doubling width between v and tmp (tmp holds n items). It
 * is inlined into each caller with its comparator, so the comparison of
 * two ints is a machine compare. A comparator returns <0, 0 or >0 for
 * (earlier item, later item), or SORT_FAIL to stop: v is then still a
 * permutation of its items, since a merge only ever writes the other
 * buffer. */
#define SORT_RUN  24
#define SORT_FAIL INT_MIN

typedef int (*sort_cmp_t)(void *env, vm_val_t a, vm_val_t b);

static inline __attribute__((always_inline)) int sort_vals(vm_val_t *v, vm_val_t *tmp, size_t n,
                                                           sort_cmp_t cmp, void *env)
{
    for (size_t lo = 0; lo < n; lo += SORT_RUN) {
        size_t hi = lo + SORT_RUN < n ? lo + SORT_RUN : n;
        for (size_t i = lo + 1; i < hi; i++) {
            vm_val_t x = v[i];
            size_t j = i;
            for (; j > lo; j--) {
                int c = cmp(env, v[j - 1], x);
                if (c == SORT_FAIL) {
                    v[j] = x;
                    return 0;
                }
                if (c <= 0)
                    break;
                v[j] = v[j - 1];
            }
            v[j] = x;
        }
    }
    vm_val_t *src = v, *dst = tmp;
    int ok = 1;
    for (size_t w = SORT_RUN; w < n && ok; w *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * w) {
            size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            int c = mid < hi ? cmp(env, src[mid - 1], src[mid]) : 0;
            if (c == SORT_FAIL) {
                ok = 0;
                break;
            }
            size_t i = lo, j = mid, k = lo;
            if (c > 0) { /* not already in order: merge, the left side first on ties */
                while (i < mid && j < hi) {
                    c = cmp(env, src[i], src[j]);
                    if (c == SORT_FAIL)
                        break;
                    dst[k++] = c > 0 ? src[j++] : src[i++];
                }
                if (c == SORT_FAIL) {
                    ok = 0;
                    break;
                }
            }
            memcpy(dst + k, src + i, (mid - i) * sizeof *src);
            memcpy(dst + k + (mid - i), src + j, (hi - j) * sizeof *src);
        }
        if (!ok)
            break;
        vm_val_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != v)
        memcpy(v, src, n * sizeof *v);
    return ok;
}

static int cmp_ints(void *env, vm_val_t a, vm_val_t b)
{
    (void)env;
    return ((int64_t)a > (int64_t)b) - ((int64_t)a < (int64_t)b); /* tagged order */
}

static int cmp_total(void *env, vm_val_t a, vm_val_t b)
{
    (void)env;
    return rt_compare_total(a, b);
}

void vm_array_sort(vm_ctx_t *ctx, vm_val_t arr)
{
    vm_array_t *a = (vm_array_t *)rt_expect(ctx, "array.sort", arr, VM_KIND_ARRAY);
    if (!a || a->len < 2)
        return;
    size_t n = a->len;
    /* Comparing never allocates nor runs code: plain malloc'ed scratch is safe. */
    vm_val_t *tmp = NULL;
    if (n > SORT_RUN && !(tmp = malloc(n * sizeof *tmp))) {
        rt_raise(ctx, "out_of_memory", "array.sort: no room to sort %zu items", n);
        return;
    }
    int all_ints = 1;
    for (size_t i = 0; i < n && all_ints; i++)
        all_ints = val_is_int(a->items[i]);
    if (all_ints)
        sort_vals(a->items, tmp, n, cmp_ints, NULL);
    else
        sort_vals(a->items, tmp, n, cmp_total, NULL);
    free(tmp);
}

typedef struct sort_by_env {
    vm_ctx_t *ctx;
    vm_val_t fn;
} sort_by_env_t;

static int cmp_by(void *env, vm_val_t a, vm_val_t b)
{
    sort_by_env_t *e = env;
    vm_val_t args[2] = {a, b};
    vm_val_t r = rt_call_fn(e->ctx, e->fn, 2, args);
    if (r == 0 && e->ctx->exc)
        return SORT_FAIL;
    if (!val_is_int(r)) {
        rt_raise(e->ctx, "type", "array.sort_by: the function returned a %s, expected an int",
                 rt_kind_name(r));
        return SORT_FAIL;
    }
    int64_t t = (int64_t)r; /* the tagged int has the sign of the int */
    return (t > 1) - (t < 1);
}

void vm_array_sort_by(vm_ctx_t *ctx, vm_val_t arr, vm_val_t fn)
{
    vm_array_t *a = (vm_array_t *)rt_expect(ctx, "array.sort_by", arr, VM_KIND_ARRAY);
    if (!a)
        return;
    if (!rt_is_kind(fn, VM_KIND_FUNC)) {
        rt_raise_type(ctx, "array.sort_by", "a function", fn);
        return;
    }
    if (((const vm_func_t *)fn)->hdr.aux != 2) {
        vm_badcall(ctx, fn, 2);
        return;
    }
    size_t n = a->len;
    if (n < 2)
        return;
    /* The function may change the array or collect: sort a copy in scanned
     * memory and store it back only when the sort is complete. */
    vm_val_t *v = rt_alloc_raw(ctx, 2 * n * sizeof *v, 0);
    if (!v)
        return;
    memcpy(v, a->items, n * sizeof *v);
    sort_by_env_t env = {ctx, fn};
    if (!sort_vals(v, v + n, n, cmp_by, &env))
        return;
    if (a->len != n) {
        rt_raise(ctx, "badarg", "array.sort_by: the array changed size during the sort");
        return;
    }
    memcpy(a->items, v, n * sizeof *v);
}
