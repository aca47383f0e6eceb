/*
 * runtime/proc/copy.c — copying a value for another process (messages,
 * spawn arguments, exit reasons).
 *
 * Immutable objects are shared: strings, atoms, floats and every static
 * object; so are channels, files and sockets, which exist to be shared
 * (a file or socket stays its owner's: runtime/io/). Tuples, arrays, maps,
 * sets, closures and errors are copied, and so is everything reachable
 * from them. Sharing and cycles inside the value are preserved: each
 * object is copied once (a table maps originals to copies). The walk uses
 * an explicit work list, not recursion, so a deeply nested value cannot
 * exhaust the stack.
 *
 * The table and the work list are malloc'ed and invisible to the
 * collector; that is safe because every copy is stored into its parent
 * (reachable from the root copy, held in a local) as soon as it is made.
 */
#include <stdlib.h>
#include <string.h>

#include "builtins/coll.h"
#include "proc/proc.h"

#define INLINE_SLOTS 32 /* small values copy without malloc */

typedef struct {
    vm_val_t *keys, *vals; /* open addressing on the original's address */
    size_t cap, len;
    vm_val_t *work; /* copies whose fields still point at originals */
    size_t nwork, capwork;
    vm_val_t ikeys[INLINE_SLOTS], ivals[INLINE_SLOTS], iwork[INLINE_SLOTS];
} copier_t;

static int needs_copy(vm_val_t v)
{
    if (!val_is_ptr(v))
        return 0;
    const vm_obj_header_t *h = (const vm_obj_header_t *)v;
    return h->kind >= VM_KIND_FIRST_SCANNED && h->kind != VM_KIND_CHAN && h->kind != VM_KIND_FILE &&
           h->kind != VM_KIND_SOCKET && !(h->flags & VM_OBJ_STATIC);
}

static size_t slot(const copier_t *c, vm_val_t k)
{
    size_t mask = c->cap - 1;
    size_t i = (size_t)((k >> 3) * 0x9E3779B97F4A7C15ULL) & mask;
    while (c->keys[i] && c->keys[i] != k)
        i = (i + 1) & mask;
    return i;
}

static int remember(copier_t *c, vm_val_t orig, vm_val_t copy)
{
    if ((c->len + 1) * 2 > c->cap) {
        vm_val_t *ok = c->keys, *ov = c->vals;
        size_t ocap = c->cap;
        c->cap = 2 * ocap;
        c->keys = calloc(c->cap, sizeof *c->keys);
        c->vals = calloc(c->cap, sizeof *c->vals);
        if (!c->keys || !c->vals) {
            free(c->keys);
            free(c->vals);
            c->keys = ok, c->vals = ov, c->cap = ocap;
            return 0;
        }
        for (size_t i = 0; i < ocap; i++)
            if (ok[i]) {
                size_t j = slot(c, ok[i]);
                c->keys[j] = ok[i];
                c->vals[j] = ov[i];
            }
        if (ok != c->ikeys) {
            free(ok);
            free(ov);
        }
    }
    size_t i = slot(c, orig);
    c->keys[i] = orig;
    c->vals[i] = copy;
    c->len++;
    if (c->nwork == c->capwork) {
        size_t cap = 2 * c->capwork;
        vm_val_t *w = malloc(cap * sizeof *w);
        if (!w)
            return 0;
        memcpy(w, c->work, c->nwork * sizeof *w);
        if (c->work != c->iwork)
            free(c->work);
        c->work = w;
        c->capwork = cap;
    }
    c->work[c->nwork++] = copy;
    return 1;
}

/* A shallow copy of object `v` (its fields still the original's). */
static vm_val_t shallow(vm_ctx_t *ctx, vm_val_t v)
{
    const vm_obj_header_t *h = (const vm_obj_header_t *)v;
    switch ((vm_kind_t)h->kind) {
    case VM_KIND_TUPLE: {
        size_t size = sizeof(vm_tuple_t) + (size_t)h->aux * sizeof(vm_val_t);
        vm_tuple_t *t = rt_alloc(ctx, VM_KIND_TUPLE, size);
        if (t)
            memcpy(t, (const void *)v, size);
        return (vm_val_t)t;
    }
    case VM_KIND_ARRAY: {
        const vm_array_t *a = rt_as_array(v);
        vm_val_t b = rt_array_new(ctx, a->len);
        if (b && a->len) {
            memcpy(rt_as_array(b)->items, a->items, a->len * sizeof(vm_val_t));
            rt_as_array(b)->len = a->len;
        }
        return b;
    }
    case VM_KIND_MAP:
    case VM_KIND_SET: return rt_table_clone(ctx, v);
    case VM_KIND_FUNC: {
        const vm_func_t *f = (const vm_func_t *)v;
        size_t size = sizeof(vm_func_t) + f->ncaptures * sizeof(vm_val_t);
        vm_func_t *g = rt_alloc(ctx, VM_KIND_FUNC, size);
        if (g)
            memcpy(g, f, size);
        return (vm_val_t)g;
    }
    case VM_KIND_EXC: {
        vm_exc_t *e = rt_alloc(ctx, VM_KIND_EXC, sizeof *e);
        if (e)
            memcpy(e, (const void *)v, sizeof *e); /* the trace is shared: immutable */
        return (vm_val_t)e;
    }
    default: rt_unreachable("copy of an unknown kind");
    }
}

/* Replace an original in *field by its copy, copying it if new. */
static int fix(vm_ctx_t *ctx, copier_t *c, vm_val_t *field)
{
    vm_val_t v = *field;
    if (!needs_copy(v))
        return 1;
    size_t i = slot(c, v);
    if (c->keys[i] == v) {
        *field = c->vals[i];
        return 1;
    }
    vm_val_t copy = shallow(ctx, v);
    if (!copy)
        return 0;
    *field = copy;
    return remember(c, v, copy);
}

static int fix_fields(vm_ctx_t *ctx, copier_t *c, vm_val_t obj)
{
    const vm_obj_header_t *h = (const vm_obj_header_t *)obj;
    vm_val_t *items;
    size_t n;
    switch ((vm_kind_t)h->kind) {
    case VM_KIND_TUPLE:
        items = ((vm_tuple_t *)obj)->items;
        n = h->aux;
        break;
    case VM_KIND_ARRAY:
        items = rt_as_array(obj)->items;
        n = rt_as_array(obj)->len;
        break;
    case VM_KIND_MAP:
    case VM_KIND_SET: {
        rt_map_t *m = rt_as_map(obj);
        for (uint64_t i = 0; i < m->used; i++) {
            rt_entry_t *e = &m->entries[i];
            if (e->key && (!fix(ctx, c, &e->key) || !fix(ctx, c, &e->value)))
                return 0;
        }
        return 1;
    }
    case VM_KIND_FUNC:
        items = ((vm_func_t *)obj)->captures;
        n = ((vm_func_t *)obj)->ncaptures;
        break;
    case VM_KIND_EXC:
        items = &((vm_exc_t *)obj)->reason;
        n = 2; /* reason, message */
        break;
    default: rt_unreachable("copy of an unknown kind");
    }
    for (size_t i = 0; i < n; i++)
        if (!fix(ctx, c, &items[i]))
            return 0;
    return 1;
}

/* Copy the values items[0..n) in place, as one value: what they share
 * stays shared among the copies. 1, or 0 if out of memory (raised). */
int rt_copy_items(vm_ctx_t *ctx, vm_val_t *items, size_t n)
{
    copier_t c;
    memset(c.ikeys, 0, sizeof c.ikeys);
    c.keys = c.ikeys;
    c.vals = c.ivals;
    c.cap = INLINE_SLOTS;
    c.len = 0;
    c.work = c.iwork;
    c.capwork = INLINE_SLOTS;
    c.nwork = 0;
    int ok = 1;
    for (size_t i = 0; ok && i < n; i++) {
        ok = fix(ctx, &c, &items[i]);
        while (ok && c.nwork)
            ok = fix_fields(ctx, &c, c.work[--c.nwork]);
    }
    if (c.keys != c.ikeys) {
        free(c.keys);
        free(c.vals);
    }
    if (c.work != c.iwork)
        free(c.work);
    if (!ok && !ctx->exc)
        rt_raise(ctx, "out_of_memory", "cannot copy a message");
    return ok;
}

vm_val_t rt_copy(vm_ctx_t *ctx, vm_val_t v)
{
    if (!needs_copy(v))
        return v;
    vm_val_t root = v;
    return rt_copy_items(ctx, &root, 1) ? root : 0;
}
