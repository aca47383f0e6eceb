/*
 * runtime/di/di.h — dependency injection (docs/di.md): the declarations
 * every module put in the section vm_deps are bound from the configuration
 * (rt_di_configure) and the environment (VMRT_DI_<name>) before the
 * program's main runs; di.get hands out the bound values.
 */
#ifndef VM_RT_DI_H
#define VM_RT_DI_H

#include <libconfig.h>

#include "core/core.h"

/* Where bindings come from: the di groups of the runtime configuration,
 * which runtime/start/ loads and hands over before main (NULL where a
 * layer has none), and the file's name for messages. */
typedef struct rt_di_config {
    const config_setting_t *groups[2]; /* the profile's, then the file's */
    const char *file;
} rt_di_config_t;
void rt_di_configure(const rt_di_config_t *config);

/* In the main process, before main: check every declaration and binding,
 * then run the program-scoped providers in dependency order. Returns 1 when
 * all is bound; otherwise 0 after printing every problem to stderr (the
 * program must then end with status 1 without running main). Runs once;
 * later calls return 1. */
int rt_di_resolve(vm_ctx_t *ctx);

#endif
