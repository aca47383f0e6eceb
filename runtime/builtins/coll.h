/*
 * runtime/builtins/coll.h — what the collection builtins share among
 * themselves (value.c, format.c, array.c, map.c, tuple.c): the private
 * layout of maps and sets, the probe of their index, deep-value limits.
 */
#ifndef VM_RT_COLL_H
#define VM_RT_COLL_H

#include "builtins/builtins.h"
#include "core/core.h"

/* ---- maps and sets (VM_KIND_MAP, VM_KIND_SET): one hash table ----------
 *
 * Insertion-ordered, like CPython's dict: `entries` is a dense array in
 * insertion order (a deleted entry keeps its place as a tombstone, key 0,
 * until the next rebuild); `index` is an open-addressing table (linear
 * probing) of u32 entry numbers, RT_SLOT_EMPTY or RT_SLOT_DELETED. A set
 * leaves `value` unused. Positions of map.next / set.next are entry
 * numbers. The entries are scanned memory, the index is atomic. */
typedef struct rt_entry {
    vm_val_t key; /* 0: deleted */
    vm_val_t value;
    uint64_t hash; /* rt_hash(key), kept for probing and rebuilding */
} rt_entry_t;

typedef struct rt_map {
    vm_obj_header_t hdr;
    uint64_t count; /* live entries */
    uint64_t used;  /* entries [0, used) are live or tombstones */
    uint64_t cap;   /* room in entries; a full array triggers a rebuild */
    uint64_t mask;  /* index slots - 1 (a power of two minus one), 0 when empty */
    rt_entry_t *entries;
    uint32_t *index;
} rt_map_t;

#define RT_SLOT_EMPTY   UINT32_MAX
#define RT_SLOT_DELETED (UINT32_MAX - 1)

static inline int rt_is_table(vm_val_t v)
{
    return rt_is_kind(v, VM_KIND_MAP) || rt_is_kind(v, VM_KIND_SET);
}
static inline rt_map_t *rt_as_map(vm_val_t v)
{
    return (rt_map_t *)v;
}

/* Key equality for a probe; `env` is the caller's. */
typedef int (*rt_key_eq_t)(vm_val_t a, vm_val_t b, void *env);

/* The entry number of `key` (hash `h`) in `m`, or -1. Two different words
 * that are not both pointers are never equal keys, except int and float,
 * which only `eq` settles; identical non-pointers always are. */
static inline int64_t rt_map_find(const rt_map_t *m, vm_val_t key, uint64_t h, rt_key_eq_t eq,
                                  void *env)
{
    if (!m->count)
        return -1;
    const uint32_t *index = m->index;
    const rt_entry_t *entries = m->entries;
    int key_ptr = val_is_ptr(key);
    for (uint64_t i = h & m->mask;; i = (i + 1) & m->mask) {
        uint32_t ix = index[i];
        if (ix == RT_SLOT_EMPTY)
            return -1;
        if (ix == RT_SLOT_DELETED)
            continue;
        const rt_entry_t *e = &entries[ix];
        if (e->hash != h)
            continue;
        if (e->key == key ? !key_ptr || eq(key, key, env)
                          : (key_ptr || val_is_ptr(e->key)) && eq(e->key, key, env))
            return ix;
    }
}

/* ---- deep values: cycles and deep nesting ------------------------------
 * Equality and order recurse into containers, except into the last item of
 * a tuple or an array, which they follow in a loop (a list made of nested
 * pairs costs no stack) that notices when it comes round again. Past
 * RT_DEEP_MAX levels of recursion, once RT_DEEP_STACK bytes of C stack are
 * in use below the outermost call (checked past RT_HASH_DEPTH levels), or
 * when the loop comes round, they stop looking inside and compare by
 * identity: eq is then true only for the same object and the order is by
 * address. So cycles (an array holding itself) end, and nothing can
 * exhaust the C stack. Hashing looks only RT_HASH_DEPTH levels deep; since
 * eq by identity implies structural eq, it agrees with eq either way.
 * Printing shows `...` for a container inside itself or nested past
 * RT_PRINT_DEPTH levels. */
#define RT_DEEP_MAX    10000
#define RT_DEEP_STACK  (128 * 1024)
#define RT_HASH_DEPTH  64
#define RT_PRINT_DEPTH 256

/* ---- value.c ---- */
/* -1, 0 or 1 in the total order where nan sorts after every other number
 * and equals itself (the `cmp` builtin, array.sort). */
int rt_compare_total(vm_val_t a, vm_val_t b);

/* ---- format.c ---- */
/* Append the text `inspect` shows: strings quoted and escaped. */
void rt_buf_put_inspect(rt_buf_t *b, vm_val_t v);

/* A new map or set with the same entries as `v` (keys and values shared),
 * in the same order; 0 if out of memory (raised). */
vm_val_t rt_table_clone(vm_ctx_t *ctx, vm_val_t v);

#endif
