/* print.* and println.* builtins: buffered stdout; eprintln.val; the
 * monotonic clock. */
#include <stdio.h>
#include <time.h>

#include "builtins/builtins.h"
#include "core/core.h"

void vm_print_i64(vm_ctx_t *ctx, int64_t x)
{
    (void)ctx;
    printf("%lld", (long long)x);
}

void vm_print_f64(vm_ctx_t *ctx, double x)
{
    (void)ctx;
    char buf[40];
    fwrite(buf, 1, rt_fmt_f64(buf, sizeof buf, x), stdout);
}

static void put_val(FILE *f, vm_val_t v)
{
    if (rt_is_kind(v, VM_KIND_STRING)) {
        fwrite(rt_as_str(v)->bytes, 1, rt_as_str(v)->len, f);
        return;
    }
    rt_buf_t b = {0};
    rt_buf_put_val(&b, v);
    fwrite(b.data, 1, b.len, f);
    rt_buf_free(&b);
}

void vm_print_val(vm_ctx_t *ctx, vm_val_t v)
{
    (void)ctx;
    put_val(stdout, v);
}

void vm_eprintln_val(vm_ctx_t *ctx, vm_val_t v)
{
    (void)ctx;
    fflush(stdout); /* keep the order of the two streams on a terminal */
    put_val(stderr, v);
    fputc('\n', stderr);
}

int64_t vm_clock_ns(vm_ctx_t *ctx)
{
    (void)ctx;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void vm_println_i64(vm_ctx_t *ctx, int64_t x)
{
    vm_print_i64(ctx, x);
    putchar('\n');
}

void vm_println_f64(vm_ctx_t *ctx, double x)
{
    vm_print_f64(ctx, x);
    putchar('\n');
}

void vm_println_val(vm_ctx_t *ctx, vm_val_t v)
{
    vm_print_val(ctx, v);
    putchar('\n');
}
