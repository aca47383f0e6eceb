/*
 * runtime/core/ctx.h — contexts outside the scheduler, shadow stacks, and
 * the program's command line. Processes get their contexts from the
 * scheduler (runtime/sched/).
 */
#ifndef VM_RT_CTX_H
#define VM_RT_CTX_H

#include <stddef.h>

#include "core/obj.h"

/* Set up `ctx` outside the scheduler (unit tests, threads of the runtime):
 * a shadow stack of `ss_slots` words and the native stack limit of the
 * calling thread; its shadow stack becomes a root. At most a few. */
void rt_ctx_init_thread(vm_ctx_t *ctx, size_t ss_slots);
/* A shadow stack of `ss_slots` words (plus VM_SS_MARGIN), reserved and
 * committed as it is used; system_limit ends the program if it cannot. */
vm_val_t *rt_map_shadow_stack(size_t ss_slots);

/* The command line (runtime/start/ sets them before anything runs). */
extern int rt_argc;
extern char **rt_argv;

#endif
