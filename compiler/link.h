/* compiler/link.h — linking objects with the staged runtime. */
#ifndef VMCC_LINK_H
#define VMCC_LINK_H

#include <stdbool.h>
#include <stddef.h>

#include "target.h"

/* Link `objs` with the runtime for `t` into `out` (written in place: the
 * caller passes a temporary path). Reports errors; false on failure. */
bool link_executable(const target_info_t *t, char *const *objs, size_t nobjs, const char *out,
                     bool verbose);
/* Folder holding libbuiltins.a for `t`: <vmcc>/../lib/vmcc/<t->name>. */
char *runtime_dir(const target_info_t *t);

#endif
