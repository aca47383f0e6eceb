/* print.* and println.* builtins: buffered stdout. */
#include <stdio.h>

#include "../rt.h"

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

void vm_print_val(vm_ctx_t *ctx, vm_val_t v)
{
    (void)ctx;
    if (rt_is_kind(v, VM_KIND_STRING)) {
        fwrite(rt_as_str(v)->bytes, 1, rt_as_str(v)->len, stdout);
        return;
    }
    rt_buf_t b = {0};
    rt_buf_put_val(&b, v);
    fwrite(b.data, 1, b.len, stdout);
    rt_buf_free(&b);
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
