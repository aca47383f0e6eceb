/* The report of an uncaught error: the reason and message, the process,
 * and the bytecode stack trace. */
#include <stdio.h>
#include <string.h>

#include "proc/proc.h"

void rt_report_uncaught(vm_ctx_t *ctx)
{
    fflush(stdout);
    const vm_exc_t *e = (const vm_exc_t *)ctx->exc;
    rt_buf_t b = {0};
    char who[64];
    rt_proc_describe(ctx, who, sizeof who);
    rt_buf_puts(&b, "error");
    rt_buf_puts(&b, who);
    rt_buf_puts(&b, ": ");
    if (rt_is_atom(e->reason)) {
        rt_buf_put(&b, rt_as_str(e->reason)->bytes, rt_as_str(e->reason)->len);
    } else {
        rt_buf_puts(&b, "raise: ");
        rt_buf_put_val(&b, e->reason);
    }
    if (rt_is_kind(e->message, VM_KIND_STRING)) {
        rt_buf_puts(&b, ": ");
        rt_buf_put(&b, rt_as_str(e->message)->bytes, rt_as_str(e->message)->len);
    }
    rt_buf_puts(&b, "\n");
    rt_exc_put_trace(&b, e);
    fwrite(b.data, 1, b.len, stderr);
    fflush(stderr);
    rt_buf_free(&b);
}
