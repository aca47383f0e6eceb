/* compiler/symcheck.h — checking a program's objects before linking. */
#ifndef VMCC_SYMCHECK_H
#define VMCC_SYMCHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "target.h"

/* Check the objects `objs` (named `shown[i]` in messages) of one program,
 * with the standard library's objects in `libdir` (may be NULL): each built
 * for `target` and this vmcc's ABI version, exactly one main, no function
 * defined twice, every import exported by some object with the same
 * signature. Reports every problem; false if any. */
bool symcheck_program(const target_info_t *target, char *const *objs, const char *const *shown,
                      size_t n, const char *libdir);

#endif
