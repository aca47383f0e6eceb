/* Contexts outside the scheduler (the unit tests use them): a shadow stack
 * of their own and the calling thread's native stack limit. Processes get
 * theirs from the scheduler (runtime/sched/sched.c). */
#include <unistd.h>

#define GC_THREADS
#include <gc/gc.h>
#include <gc/gc_mark.h>

#include "core/ctx.h"
#include "core/error.h"
#include "gc/heap.h"

int rt_argc;
char **rt_argv;

vm_val_t *rt_map_shadow_stack(size_t ss_slots)
{
    /* VM_SS_MARGIN words past the limit: a caller stores stack parameters
     * before its callee checks the frame. Reserved, committed lazily by the
     * kernel as the shadow stack grows, with an inaccessible guard page
     * above it: the limit checks in every frame keep the stack below the
     * margin, and the guard page turns a write past it into a fault rather
     * than corruption of what follows. */
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t bytes = ((ss_slots + VM_SS_MARGIN) * sizeof(vm_val_t) + page - 1) / page * page;
    vm_val_t *mem = rt_map_guarded(bytes);
    if (!mem)
        rt_fatal(NULL, "system_limit", "cannot map a shadow stack of %zu bytes", bytes);
    return mem;
}

/* Contexts whose shadow stacks are roots. */
#define RT_MAX_THREAD_CTX 4
static vm_ctx_t *thread_ctx[RT_MAX_THREAD_CTX];
static int n_thread_ctx;

/* Each context's shadow stack [ss_base, ssp) and the values it holds
 * outside it (the pending error, the function being called). */
static void push_thread_ctx(void)
{
    for (int i = 0; i < n_thread_ctx; i++) {
        vm_ctx_t *c = thread_ctx[i];
        if (c->ssp > c->ss_base)
            GC_push_all_eager(c->ss_base, c->ssp);
        GC_push_all_eager(&c->exc, &c->self + 1);
    }
}

void rt_ctx_init_thread(vm_ctx_t *ctx, size_t ss_slots)
{
    if (n_thread_ctx == RT_MAX_THREAD_CTX)
        rt_unreachable("too many thread contexts");
    ctx->ss_base = rt_map_shadow_stack(ss_slots);
    ctx->ssp = ctx->ss_base;
    ctx->ss_limit = ctx->ss_base + ss_slots;
    ctx->stack_floor = ctx->stack_limit = rt_thread_stack_limit();
    ctx->exc = 0;
    ctx->self = 0;
    ctx->runtime_private = NULL;
    if (n_thread_ctx == 0)
        rt_gc_add_roots(push_thread_ctx);
    thread_ctx[n_thread_ctx++] = ctx;
}
