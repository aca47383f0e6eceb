/*
 * runtime/start/config.h — the runtime configuration (docs/config.md): a
 * libconfig file named by VMRT_CONFIG, an optional profile, and VMRT_*
 * environment variables over both. Loaded once, before the collector and
 * the schedulers start; a bad setting ends the program with status 1 and a
 * message naming the key and where it was set.
 */
#ifndef VM_RT_CONFIG_H
#define VM_RT_CONFIG_H

#include <libconfig.h>
#include <stdint.h>

typedef struct rt_config {
    int64_t workers;         /* 0: one per CPU */
    int64_t stack_size;      /* bytes of each process's native stack */
    int64_t max_procs;       /* process table size */
    int64_t seed;            /* 0: none; else deterministic, one worker */
    int64_t gc_stress;       /* collect at every allocation */
    int64_t gc_initial_heap; /* bytes; 0: the runtime's default */
    int64_t gc_max_heap;     /* bytes; 0: no limit */
    int64_t stats;           /* print statistics at exit */
    int64_t main_restart;    /* RT_MAIN_* (proc/proc.h) */
    int64_t main_max_restarts;
    int64_t shutdown_timeout_ms; /* SIGTERM/SIGINT: time main gets to end */
} rt_config_t;

extern rt_config_t rt_cfg;

/* Read the file and environment into rt_cfg; exits with status 1 on a bad
 * setting. */
void rt_config_load(void);

/* The di group of a layer (0: the chosen profile, 1: the file's top level),
 * or NULL where there is none; and the file's name (NULL without one). */
const config_setting_t *rt_config_di_group(int layer);
const char *rt_config_file(void);

#endif
