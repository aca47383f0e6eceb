/*
 * runtime/start/start.h — the top layer: the program's start-up and
 * shutdown. It reads the configuration and hands each layer below its own
 * settings, in one flat list of steps (start.c), so the order of
 * initialisation is read in one place (docs/runtime.md).
 */
#ifndef VM_RT_START_H
#define VM_RT_START_H

#include "core/core.h"

/* Start the runtime and run `program` as the main process (after binding
 * the dependencies); never returns: the program ends when main does. */
RT_NORETURN void rt_start(int argc, char **argv, int64_t (*program)(vm_ctx_t *ctx));

/* ---- signals.c ---- */
/* Block SIGTERM and SIGINT in every thread and start the thread that waits
 * for them (before the workers start, so that they inherit the mask). */
void rt_signals_start(void);

#endif
