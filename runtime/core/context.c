/* A context outside the scheduler (the unit tests use it): a shadow stack
 * of its own and the calling thread's native stack limit. Processes get
 * theirs from the scheduler (runtime/sched/sched.c). */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../rt.h"

int rt_argc;
char **rt_argv;

uintptr_t rt_thread_stack_limit(void)
{
    pthread_attr_t attr;
    void *addr = NULL;
    size_t size = 0;
    if (pthread_getattr_np(pthread_self(), &attr) != 0)
        rt_unreachable("pthread_getattr_np failed");
    pthread_attr_getstack(&attr, &addr, &size);
    pthread_attr_destroy(&attr);
    if (size <= 2 * RT_STACK_MARGIN)
        rt_unreachable("stack too small");
    return (uintptr_t)addr + RT_STACK_MARGIN;
}

vm_val_t *rt_map_shadow_stack(size_t ss_slots)
{
    /* VM_SS_MARGIN words past the limit: a caller stores stack parameters
     * before its callee checks the frame. */
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t bytes = ((ss_slots + VM_SS_MARGIN) * sizeof(vm_val_t) + page - 1) / page * page;
    /* Reserved, committed lazily by the kernel as the shadow stack grows,
     * with an inaccessible guard page above it: the limit checks in every
     * frame keep the stack below the margin, and the guard page turns a
     * write past it into a fault rather than corruption of what follows. */
    char *mem = mmap(NULL, bytes + page, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (mem == MAP_FAILED)
        rt_fatal(NULL, "system_limit", "cannot map a shadow stack of %zu bytes", bytes);
    if (mprotect(mem + bytes, page, PROT_NONE) != 0)
        rt_fatal(NULL, "system_limit", "cannot protect the shadow stack's guard page");
    return (vm_val_t *)mem;
}

void rt_ctx_init_thread(vm_ctx_t *ctx, size_t ss_slots)
{
    ctx->ss_base = rt_map_shadow_stack(ss_slots);
    ctx->ssp = ctx->ss_base;
    ctx->ss_limit = ctx->ss_base + ss_slots;
    ctx->stack_limit = rt_thread_stack_limit();
    ctx->reductions = VM_REDUCTION_BUDGET;
    ctx->exc = 0;
    ctx->self = 0;
    ctx->runtime_private = NULL;
    rt_gc_register_ctx(ctx);
}
