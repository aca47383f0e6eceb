/* Atoms: one interned object per name.
 *
 * Compiled modules emit the atoms they name as static objects with one
 * COMDAT copy per name, and a pointer to each in the section "vm_atoms"
 * (abi/value.h); the linker keeps one per program. The table below is seeded
 * from that section on first use, so an atom named in bytecode and the same
 * name interned at run time (atom.from_string, the runtime's own reasons)
 * are the same object. Atoms are never collected. */
#include <pthread.h>
#include <string.h>
#include <xxhash.h>

#define GC_THREADS
#include <gc/gc.h>

#include "abi/builtins.h"
#include "core/atom.h"
#include "core/error.h"

extern vm_atom_t *const __start_vm_atoms[] __attribute__((weak));
extern vm_atom_t *const __stop_vm_atoms[] __attribute__((weak));

static pthread_mutex_t atom_lock = PTHREAD_MUTEX_INITIALIZER;
static vm_atom_t **table; /* open addressing; uncollectable memory */
static size_t table_cap, table_count;
static int seeded;

static size_t slot_of(const char *name, size_t len, size_t cap)
{
    return (size_t)XXH3_64bits(name, len) & (cap - 1);
}

static void insert(vm_atom_t *a)
{
    size_t i = slot_of(a->bytes, a->len, table_cap);
    while (table[i])
        i = (i + 1) & (table_cap - 1);
    table[i] = a;
    table_count++;
}

static void grow(void)
{
    size_t old_cap = table_cap;
    vm_atom_t **old = table;
    table_cap = old_cap ? old_cap * 2 : 256;
    table = GC_MALLOC_UNCOLLECTABLE(table_cap * sizeof *table);
    if (!table)
        rt_unreachable("no memory for the atom table");
    table_count = 0;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i])
            insert(old[i]);
    if (old)
        GC_FREE(old);
}

static vm_atom_t *find(const char *name, size_t len)
{
    if (!table_cap)
        return NULL;
    for (size_t i = slot_of(name, len, table_cap);; i = (i + 1) & (table_cap - 1)) {
        vm_atom_t *a = table[i];
        if (!a)
            return NULL;
        if (a->len == len && memcmp(a->bytes, name, len) == 0)
            return a;
    }
}

static void add(vm_atom_t *a)
{
    if ((table_count + 1) * 2 > table_cap)
        grow();
    insert(a);
}

static void seed(void)
{
    seeded = 1;
    if (!__start_vm_atoms)
        return;
    for (vm_atom_t *const *p = __start_vm_atoms; p < __stop_vm_atoms; p++)
        if (!find((*p)->bytes, (*p)->len))
            add(*p);
}

vm_val_t rt_atom_n(const char *name, size_t len)
{
    pthread_mutex_lock(&atom_lock);
    if (!seeded)
        seed();
    vm_atom_t *a = find(name, len);
    if (!a) {
        a = GC_MALLOC_ATOMIC_UNCOLLECTABLE(sizeof *a + len + 1);
        if (!a)
            rt_unreachable("no memory for an atom");
        a->hdr = (vm_obj_header_t){.kind = VM_KIND_ATOM};
        a->len = len;
        memcpy(a->bytes, name, len);
        a->bytes[len] = 0;
        add(a);
    }
    pthread_mutex_unlock(&atom_lock);
    return (vm_val_t)a;
}

vm_val_t rt_atom(const char *name)
{
    return rt_atom_n(name, strlen(name));
}

vm_val_t vm_atom_from_str(vm_ctx_t *ctx, vm_val_t s)
{
    if (!rt_is_kind(s, VM_KIND_STRING))
        return rt_raise_type(ctx, "atom.from_string", "a string", s);
    return rt_atom_n(rt_as_str(s)->bytes, rt_as_str(s)->len);
}

vm_val_t vm_atom_to_str(vm_ctx_t *ctx, vm_val_t a)
{
    if (!rt_is_atom(a))
        return rt_raise_type(ctx, "atom.to_string", "an atom", a);
    return rt_str_new(ctx, rt_as_str(a)->bytes, rt_as_str(a)->len);
}
