/* The program's entry: the runtime owns main(). */
#include <stdio.h>
#include <stdlib.h>

#include "../rt.h"

/* Objects built for this ABI reference vm_abi_v<VM_ABI_VERSION> (abi/value.h):
 * a runtime of another version fails the link naming the symbol. */
#define RT_CAT2(a, b) a##b
#define RT_CAT(a, b)  RT_CAT2(a, b)
const int RT_CAT(vm_abi_v, VM_ABI_VERSION) = VM_ABI_VERSION;

/* Shadow-stack size in slots (8 bytes each); reserved, not committed. */
#define RT_SHADOW_STACK_SLOTS (1u << 20)

int main(int argc, char **argv)
{
    rt_argc = argc;
    rt_argv = argv;
    rt_gc_init();
    static vm_ctx_t main_ctx;
    rt_ctx_init_main(&main_ctx, RT_SHADOW_STACK_SLOTS);
    int64_t status = vm_program_main(&main_ctx);
    if (main_ctx.exc) {
        rt_report_uncaught(&main_ctx);
        status = 1;
    }
    if (fflush(stdout) != 0) {
        perror("error: writing stdout");
        return 1;
    }
    return (int)(status & 0xff);
}
