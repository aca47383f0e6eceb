/* Start-up: one flat list of steps, each needing only those before it.
 * The layers below never read the configuration; each gets its settings
 * here (docs/runtime.md). */
#include "start/start.h"

#include "di/di.h"
#include "gc/heap.h"
#include "io/io.h"
#include "proc/proc.h"
#include "sched/sched.h"
#include "start/config.h"
#include "sup/sup.h"

static int64_t (*program_main)(vm_ctx_t *ctx);

/* The main process: dependencies are bound first, in the main process, so
 * that providers run as process code; a problem ends the program. */
static int64_t run_main(vm_ctx_t *ctx)
{
    if (!rt_di_resolve(ctx))
        rt_program_exit(1);
    return program_main(ctx);
}

void rt_start(int argc, char **argv, int64_t (*program)(vm_ctx_t *ctx))
{
    rt_argc = argc;
    rt_argv = argv;
    program_main = program;
    /* 1. Configuration: file, profile, environment (a bad one exits 1). */
    rt_config_load();
    /* 2. The collector, and the error raised when it has no room. */
    rt_gc_init(&(rt_gc_settings_t){.stress = (int)rt_cfg.gc_stress,
                                   .initial_heap = (size_t)rt_cfg.gc_initial_heap,
                                   .max_heap = (size_t)rt_cfg.gc_max_heap});
    rt_error_init();
    /* 3. The workers, not started yet. */
    rt_sched_init(&(rt_sched_settings_t){.workers = (int)rt_cfg.workers,
                                         .stack_size = (size_t)rt_cfg.stack_size,
                                         .seed = (uint64_t)rt_cfg.seed});
    /* 4. Processes: the pid table, and how processes live and end for the
     * scheduler, the collector and fatal errors. */
    rt_proc_init(&(rt_proc_settings_t){.max_procs = (size_t)rt_cfg.max_procs,
                                       .stats = (int)rt_cfg.stats,
                                       .main_restart = (int)rt_cfg.main_restart,
                                       .main_max_restarts = rt_cfg.main_max_restarts});
    /* 5. Supervisors and dependency injection. */
    rt_sup_init(&(rt_sup_settings_t){.shutdown_timeout_ms = rt_cfg.shutdown_timeout_ms});
    rt_di_configure(&(rt_di_config_t){.groups = {rt_config_di_group(0), rt_config_di_group(1)},
                                      .file = rt_config_file()});
    /* 6. SIGTERM and SIGINT: blocked here, so that every later thread
     * inherits the mask, and waited for by a thread of their own. */
    rt_signals_start();
    /* 7. I/O: SIGPIPE ignored, the descriptor limit raised, the standard
     * streams as files. */
    rt_io_init();
    /* 8. The main process, then the workers; this thread waits. */
    rt_proc_start_main(run_main);
    rt_sched_run();
}
