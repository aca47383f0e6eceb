/*
 * runtime/sup/sup.h — supervisors (docs/supervision.md): what the start-up
 * layer (runtime/start/) calls. The sup.* builtins are the rest.
 */
#ifndef VM_RT_SUP_H
#define VM_RT_SUP_H

#include <stdint.h>

typedef struct rt_sup_settings {
    int64_t shutdown_timeout_ms; /* SIGTERM/SIGINT: time main gets to end */
} rt_sup_settings_t;

/* Intern the supervisors' atoms and keep the settings (before the workers
 * start). */
void rt_sup_init(const rt_sup_settings_t *settings);
/* Start the ordered shutdown (rt_shutdown_signal is set): spawn the process
 * that stops the supervision tree and main. */
void rt_sup_begin_shutdown(void);

#endif
