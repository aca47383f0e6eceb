/* Maps and sets: one insertion-ordered hash table for both (layout in
 * coll.h). Keys are compared with rt_equal and hashed with rt_hash.
 *
 * The index has a power-of-two number of slots, of which at most two
 * thirds are ever in use (live entries plus deleted slots), so linear
 * probing always meets an empty slot. When the entries array is full the
 * table is rebuilt from its live entries into room for half as many again:
 * that both grows the table (amortised O(1) per put) and compacts away the
 * tombstones of deleted entries (shrinking it if most were deleted).
 *
 * Iteration positions are entry numbers. A rebuild renumbers the entries,
 * so a put during an iteration may make it skip or repeat entries, but
 * every position is checked: nothing reads out of bounds. */
#include <stdlib.h>
#include <string.h>

#include "builtins/coll.h"

#define MIN_SLOTS 8

/* Entries a table of `slots` index slots may hold. */
static uint64_t usable(uint64_t slots)
{
    return slots * 2 / 3;
}

static int key_eq(vm_val_t a, vm_val_t b, void *env)
{
    (void)env;
    return rt_equal(a, b);
}

static int64_t find(const rt_map_t *m, vm_val_t key, uint64_t h)
{
    return rt_map_find(m, key, h, key_eq, NULL);
}

static rt_map_t *table_new(vm_ctx_t *ctx, vm_kind_t k)
{
    return rt_alloc(ctx, k, sizeof(rt_map_t)); /* zeroed: empty, no storage */
}

/* Append an entry known to be absent; there must be room. */
static void insert_new(rt_map_t *m, vm_val_t key, vm_val_t value, uint64_t h)
{
    uint64_t i = h & m->mask;
    while (m->index[i] < RT_SLOT_DELETED)
        i = (i + 1) & m->mask;
    m->index[i] = (uint32_t)m->used;
    m->entries[m->used++] = (rt_entry_t){key, value, h};
    m->count++;
}

/* New storage for `m` with room for `need` entries, filled with the live
 * entries of `src` in order (src may be m). 0 if out of memory (raised;
 * m is unchanged). */
static int rebuild(vm_ctx_t *ctx, rt_map_t *m, const rt_map_t *src, uint64_t need)
{
    uint64_t slots = MIN_SLOTS;
    while (usable(slots) < need && slots <= UINT32_MAX)
        slots *= 2;
    if (slots > UINT32_MAX) { /* entry numbers must stay below RT_SLOT_DELETED */
        rt_raise(ctx, "out_of_memory", "%s of %llu entries",
                 m->hdr.kind == VM_KIND_MAP ? "a map" : "a set", (unsigned long long)need);
        return 0;
    }
    uint64_t cap = usable(slots);
    rt_entry_t *entries = rt_alloc_raw(ctx, cap * sizeof *entries, 0);
    uint32_t *index = entries ? rt_alloc_raw(ctx, slots * sizeof *index, 1) : NULL;
    if (!index)
        return 0;
    memset(index, 0xff, slots * sizeof *index); /* RT_SLOT_EMPTY */
    const rt_entry_t *old = src->entries;
    uint64_t old_used = src->used;
    m->entries = entries;
    m->index = index;
    m->mask = slots - 1;
    m->cap = cap;
    m->used = m->count = 0;
    for (uint64_t i = 0; i < old_used; i++)
        if (old[i].key)
            insert_new(m, old[i].key, old[i].value, old[i].hash);
    return 1;
}

/* Room for one more entry; 0 if out of memory (raised). */
static int reserve_one(vm_ctx_t *ctx, rt_map_t *m)
{
    return m->used < m->cap || rebuild(ctx, m, m, m->count + m->count / 2 + 1);
}

/* Set key to value (a set ignores the value); 0 if out of memory (raised). */
static int table_put(vm_ctx_t *ctx, rt_map_t *m, vm_val_t key, vm_val_t value)
{
    uint64_t h = rt_hash(key);
    int64_t ix = find(m, key, h);
    if (ix >= 0) {
        m->entries[ix].value = value;
        return 1;
    }
    if (!reserve_one(ctx, m))
        return 0;
    insert_new(m, key, value, h);
    return 1;
}

static void table_delete(rt_map_t *m, vm_val_t key)
{
    uint64_t h = rt_hash(key);
    int64_t ix = find(m, key, h);
    if (ix < 0)
        return;
    uint64_t i = h & m->mask;
    while (m->index[i] != (uint32_t)ix)
        i = (i + 1) & m->mask;
    m->index[i] = RT_SLOT_DELETED;
    m->entries[ix] = (rt_entry_t){0}; /* a tombstone; drops the references */
    m->count--;
    /* `used` does not go back, even over trailing tombstones: deleted slots
     * are only cleared by a rebuild, and used <= cap is what bounds them. */
}

/* A new table of kind `k` holding the live entries of `src`, with room for
 * `extra` more; 0 if out of memory (raised). */
static rt_map_t *table_copy(vm_ctx_t *ctx, vm_kind_t k, const rt_map_t *src, uint64_t extra)
{
    rt_map_t *m = table_new(ctx, k);
    if (!m || (src->count + extra && !rebuild(ctx, m, src, src->count + extra)))
        return NULL;
    return m;
}

/* A `key` error for `key`, shown as inspect shows it (cut if long). */
static vm_val_t raise_missing_key(vm_ctx_t *ctx, const char *who, vm_val_t key)
{
    rt_buf_t b = {0};
    rt_buf_put_inspect(&b, key);
    size_t len = b.len;
    if (len > 200) { /* cut at a character boundary */
        len = 200;
        while (len > 0 && ((unsigned char)b.data[len] & 0xc0) == 0x80)
            len--;
    }
    rt_raise(ctx, "key", "%s: no key %.*s%s", who, (int)len, b.data, len < b.len ? "..." : "");
    rt_buf_free(&b);
    return 0;
}

/* The live entry at `pos`, or NULL with an index error raised. */
static const rt_entry_t *entry_at(vm_ctx_t *ctx, const char *who, const rt_map_t *m, int64_t pos)
{
    if ((uint64_t)pos < m->used && m->entries[pos].key)
        return &m->entries[pos];
    rt_raise(ctx, "index", "%s: position %lld holds no entry", who, (long long)pos);
    return NULL;
}

/* The first live entry at or after `pos`, or -1. */
static int64_t next_pos(vm_ctx_t *ctx, const char *who, const rt_map_t *m, int64_t pos)
{
    if (pos < 0) {
        rt_raise(ctx, "index", "%s: negative position %lld", who, (long long)pos);
        return 0;
    }
    for (uint64_t i = (uint64_t)pos; i < m->used; i++)
        if (m->entries[i].key)
            return (int64_t)i;
    return -1;
}

/* An array of the keys (what = 0), values (1) or {key, value} tuples (2). */
static vm_val_t table_to_array(vm_ctx_t *ctx, const rt_map_t *m, int what)
{
    vm_val_t arr = rt_array_new(ctx, m->count);
    if (!arr)
        return 0;
    vm_array_t *a = rt_as_array(arr);
    for (uint64_t i = 0; i < m->used; i++) {
        const rt_entry_t *e = &m->entries[i];
        if (!e->key)
            continue;
        vm_val_t v = what == 0 ? e->key : e->value;
        if (what == 2) {
            vm_val_t t = vm_tuple_alloc(ctx, 2);
            if (!t)
                return 0;
            ((vm_tuple_t *)t)->items[0] = e->key;
            ((vm_tuple_t *)t)->items[1] = e->value;
            v = t;
        }
        a->items[a->len++] = v;
    }
    return arr;
}

/* ---- maps ---- */

vm_val_t vm_map_new(vm_ctx_t *ctx)
{
    return (vm_val_t)table_new(ctx, VM_KIND_MAP);
}

int64_t vm_map_len(vm_ctx_t *ctx, vm_val_t map)
{
    rt_map_t *m = (rt_map_t *)rt_expect(ctx, "map.len", map, VM_KIND_MAP);
    return m ? (int64_t)m->count : 0;
}

vm_val_t vm_map_get(vm_ctx_t *ctx, vm_val_t map, vm_val_t key)
{
    rt_map_t *m = (rt_map_t *)rt_expect(ctx, "map.get", map, VM_KIND_MAP);
    if (!m)
        return 0;
    int64_t ix = find(m, key, rt_hash(key));
    return ix >= 0 ? m->entries[ix].value : raise_missing_key(ctx, "map.get", key);
}

vm_val_t vm_map_get_or(vm_ctx_t *ctx, vm_val_t map, vm_val_t key, vm_val_t dflt)
{
    rt_map_t *m = (rt_map_t *)rt_expect(ctx, "map.get_or", map, VM_KIND_MAP);
    if (!m)
        return 0;
    int64_t ix = find(m, key, rt_hash(key));
    return ix >= 0 ? m->entries[ix].value : dflt;
}

void vm_map_put(vm_ctx_t *ctx, vm_val_t map, vm_val_t key, vm_val_t value)
{
    rt_map_t *m = (rt_map_t *)rt_expect(ctx, "map.put", map, VM_KIND_MAP);
    if (m)
        table_put(ctx, m, key, value);
}

void vm_map_delete(vm_ctx_t *ctx, vm_val_t map, vm_val_t key)
{
    rt_map_t *m = (rt_map_t *)rt_expect(ctx, "map.delete", map, VM_KIND_MAP);
    if (m)
        table_delete(m, key);
}

int64_t vm_map_has(vm_ctx_t *ctx, vm_val_t map, vm_val_t key)
{
    rt_map_t *m = (rt_map_t *)rt_expect(ctx, "map.has", map, VM_KIND_MAP);
    return m ? find(m, key, rt_hash(key)) >= 0 : 0;
}

vm_val_t vm_map_keys(vm_ctx_t *ctx, vm_val_t map)
{
    rt_map_t *m = (rt_map_t *)rt_expect(ctx, "map.keys", map, VM_KIND_MAP);
    return m ? table_to_array(ctx, m, 0) : 0;
}

vm_val_t vm_map_values(vm_ctx_t *ctx, vm_val_t map)
{
    rt_map_t *m = (rt_map_t *)rt_expect(ctx, "map.values", map, VM_KIND_MAP);
    return m ? table_to_array(ctx, m, 1) : 0;
}

vm_val_t vm_map_items(vm_ctx_t *ctx, vm_val_t map)
{
    rt_map_t *m = (rt_map_t *)rt_expect(ctx, "map.items", map, VM_KIND_MAP);
    return m ? table_to_array(ctx, m, 2) : 0;
}

int64_t vm_map_next(vm_ctx_t *ctx, vm_val_t map, int64_t pos)
{
    rt_map_t *m = (rt_map_t *)rt_expect(ctx, "map.next", map, VM_KIND_MAP);
    return m ? next_pos(ctx, "map.next", m, pos) : 0;
}

vm_val_t vm_map_key_at(vm_ctx_t *ctx, vm_val_t map, int64_t pos)
{
    rt_map_t *m = (rt_map_t *)rt_expect(ctx, "map.key_at", map, VM_KIND_MAP);
    const rt_entry_t *e = m ? entry_at(ctx, "map.key_at", m, pos) : NULL;
    return e ? e->key : 0;
}

vm_val_t vm_map_value_at(vm_ctx_t *ctx, vm_val_t map, int64_t pos)
{
    rt_map_t *m = (rt_map_t *)rt_expect(ctx, "map.value_at", map, VM_KIND_MAP);
    const rt_entry_t *e = m ? entry_at(ctx, "map.value_at", m, pos) : NULL;
    return e ? e->value : 0;
}

vm_val_t vm_map_copy(vm_ctx_t *ctx, vm_val_t map)
{
    rt_map_t *m = (rt_map_t *)rt_expect(ctx, "map.copy", map, VM_KIND_MAP);
    return m ? (vm_val_t)table_copy(ctx, VM_KIND_MAP, m, 0) : 0;
}

/* ---- sets ---- */

vm_val_t vm_set_new(vm_ctx_t *ctx)
{
    return (vm_val_t)table_new(ctx, VM_KIND_SET);
}

int64_t vm_set_len(vm_ctx_t *ctx, vm_val_t set)
{
    rt_map_t *s = (rt_map_t *)rt_expect(ctx, "set.len", set, VM_KIND_SET);
    return s ? (int64_t)s->count : 0;
}

void vm_set_add(vm_ctx_t *ctx, vm_val_t set, vm_val_t v)
{
    rt_map_t *s = (rt_map_t *)rt_expect(ctx, "set.add", set, VM_KIND_SET);
    if (s)
        table_put(ctx, s, v, VM_NIL);
}

int64_t vm_set_has(vm_ctx_t *ctx, vm_val_t set, vm_val_t v)
{
    rt_map_t *s = (rt_map_t *)rt_expect(ctx, "set.has", set, VM_KIND_SET);
    return s ? find(s, v, rt_hash(v)) >= 0 : 0;
}

void vm_set_delete(vm_ctx_t *ctx, vm_val_t set, vm_val_t v)
{
    rt_map_t *s = (rt_map_t *)rt_expect(ctx, "set.delete", set, VM_KIND_SET);
    if (s)
        table_delete(s, v);
}

vm_val_t vm_set_union(vm_ctx_t *ctx, vm_val_t x, vm_val_t y)
{
    rt_map_t *a = (rt_map_t *)rt_expect(ctx, "set.union", x, VM_KIND_SET);
    rt_map_t *b = a ? (rt_map_t *)rt_expect(ctx, "set.union", y, VM_KIND_SET) : NULL;
    rt_map_t *r = b ? table_copy(ctx, VM_KIND_SET, a, b->count) : NULL;
    if (!r)
        return 0;
    for (uint64_t i = 0; i < b->used; i++) {
        const rt_entry_t *e = &b->entries[i];
        if (e->key && find(r, e->key, e->hash) < 0) {
            if (!reserve_one(ctx, r))
                return 0;
            insert_new(r, e->key, VM_NIL, e->hash);
        }
    }
    return (vm_val_t)r;
}

/* Members of a that are (keep = 1) or are not (keep = 0) in b, in a's order. */
static vm_val_t filter(vm_ctx_t *ctx, const char *who, vm_val_t x, vm_val_t y, int keep)
{
    rt_map_t *a = (rt_map_t *)rt_expect(ctx, who, x, VM_KIND_SET);
    rt_map_t *b = a ? (rt_map_t *)rt_expect(ctx, who, y, VM_KIND_SET) : NULL;
    rt_map_t *r = b ? table_new(ctx, VM_KIND_SET) : NULL;
    if (!r)
        return 0;
    for (uint64_t i = 0; i < a->used; i++) {
        const rt_entry_t *e = &a->entries[i];
        if (e->key && (find(b, e->key, e->hash) >= 0) == keep) {
            if (!reserve_one(ctx, r))
                return 0;
            insert_new(r, e->key, VM_NIL, e->hash);
        }
    }
    return (vm_val_t)r;
}

vm_val_t vm_set_intersection(vm_ctx_t *ctx, vm_val_t x, vm_val_t y)
{
    return filter(ctx, "set.intersection", x, y, 1);
}

vm_val_t vm_set_difference(vm_ctx_t *ctx, vm_val_t x, vm_val_t y)
{
    return filter(ctx, "set.difference", x, y, 0);
}

vm_val_t vm_set_to_array(vm_ctx_t *ctx, vm_val_t set)
{
    rt_map_t *s = (rt_map_t *)rt_expect(ctx, "set.to_array", set, VM_KIND_SET);
    return s ? table_to_array(ctx, s, 0) : 0;
}

int64_t vm_set_next(vm_ctx_t *ctx, vm_val_t set, int64_t pos)
{
    rt_map_t *s = (rt_map_t *)rt_expect(ctx, "set.next", set, VM_KIND_SET);
    return s ? next_pos(ctx, "set.next", s, pos) : 0;
}

vm_val_t vm_set_at(vm_ctx_t *ctx, vm_val_t set, int64_t pos)
{
    rt_map_t *s = (rt_map_t *)rt_expect(ctx, "set.at", set, VM_KIND_SET);
    const rt_entry_t *e = s ? entry_at(ctx, "set.at", s, pos) : NULL;
    return e ? e->key : 0;
}

vm_val_t rt_table_clone(vm_ctx_t *ctx, vm_val_t v)
{
    const rt_map_t *src = rt_as_map(v);
    rt_map_t *m = table_copy(ctx, (vm_kind_t)src->hdr.kind, src, 0);
    return m ? (vm_val_t)m : 0;
}
