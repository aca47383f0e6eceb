/*
 * runtime/core/atom.h — atoms: one interned object per name, never
 * collected (docs/bytecode.md, "Kinds").
 */
#ifndef VM_RT_ATOM_H
#define VM_RT_ATOM_H

#include <stddef.h>

#include "core/obj.h"

/* The atom named `name` (interned; never collected). Aborts only if the
 * process cannot allocate a few bytes of uncollectable memory. */
vm_val_t rt_atom(const char *name);
vm_val_t rt_atom_n(const char *name, size_t len);

#endif
