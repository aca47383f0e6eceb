/*
 * runtime/core/config.h — the runtime configuration (docs/config.md): a
 * libconfig file named by VMRT_CONFIG, an optional profile, and VMRT_*
 * environment variables over both. Loaded once, before the collector and
 * the schedulers start; a bad setting ends the program with status 1 and a
 * message naming the key and where it was set.
 */
#ifndef VM_RT_CONFIG_H
#define VM_RT_CONFIG_H

#include <libconfig.h>
#include <stdint.h>

enum { RT_MAIN_NEVER, RT_MAIN_ON_FAILURE };

typedef struct rt_config {
    int64_t workers;         /* 0: one per CPU */
    int64_t stack_size;      /* bytes of each process's native stack */
    int64_t max_procs;       /* process table size */
    int64_t seed;            /* 0: none; else deterministic, one worker */
    int64_t gc_stress;       /* collect at every allocation */
    int64_t gc_initial_heap; /* bytes; 0: the runtime's default */
    int64_t gc_max_heap;     /* bytes; 0: no limit */
    int64_t stats;           /* print statistics at exit */
    int64_t main_restart;    /* RT_MAIN_* */
    int64_t main_max_restarts;
    int64_t shutdown_timeout_ms; /* SIGTERM/SIGINT: time main gets to end */
} rt_config_t;

extern rt_config_t rt_cfg;

/* Read the file and environment into rt_cfg; exits with status 1 on a bad
 * setting. */
void rt_config_load(void);

/* Where a setting was made, for messages: "app.conf:12", "VMRT_X". */
const char *rt_config_where(const config_setting_t *s, char *buf, size_t cap);

/* The DI binding `name` (a setting in the di group of the chosen profile,
 * else of the file's top level), or NULL. */
const config_setting_t *rt_config_di_binding(const char *name);
/* The di groups, profile first (NULL where absent): bindings that no module
 * declares are reported by runtime/di/. */
const config_setting_t *rt_config_di_group(int layer);

/* Print "vmrt: " and the message to stderr. */
void rt_config_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
