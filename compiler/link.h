/* compiler/link.h — linking objects with the staged runtime. */
#ifndef VMCC_LINK_H
#define VMCC_LINK_H

#include <stdbool.h>
#include <stddef.h>

#include "target.h"

typedef struct link_opts {
    bool static_link; /* a fully static executable */
    bool verbose;     /* print the linker command */
    /* what the program links besides its objects, in command-line order:
     * -lNAME, -LDIR, -Wl,..., libraries (.a, .so) */
    char *const *extra;
    size_t nextra;
} link_opts_t;

/* Link `objs` with the runtime for `t` into `out` (written in place: the
 * caller passes a temporary path). Reports errors; false on failure. */
bool link_executable(const target_info_t *t, const link_opts_t *lo, char *const *objs, size_t nobjs,
                     const char *out);
/* Join the objects of a module compiled in parts into one relocatable
 * object `out` (cc -r), with the linker driver of `t`; link_can_join: is
 * that driver installed. */
bool link_can_join(const target_info_t *t);
bool link_join(const target_info_t *t, char *const *objs, size_t nobjs, const char *out,
               bool verbose);
/* Folder holding libbuiltins.a for `t`: <vmcc>/../lib/vmcc/<t->name>. */
char *runtime_dir(const target_info_t *t);
/* The script that builds the runtime for `t`, for messages. */
const char *runtime_script(const target_info_t *t);

#endif
