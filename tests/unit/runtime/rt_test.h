/* tests/unit/runtime/rt_test.h — what the runtime's unit tests share: one
 * context per test (Criterion runs each test in its own process), and
 * makers for values. Included once per test file, after Criterion. */
#ifndef VM_RT_TEST_H
#define VM_RT_TEST_H

#include <stdarg.h>
#include <string.h>

#include "builtins/builtins.h"
#include "core/core.h"

static vm_ctx_t ctx;

static inline void setup(void)
{
    rt_gc_init(&(rt_gc_settings_t){0});
    rt_error_init();
    rt_ctx_init_thread(&ctx, 4096);
}

/* A runtime error with reason `why` is pending: check it and clear it. */
#define expect_raised(why)                                                                         \
    do {                                                                                           \
        cr_assert_neq(ctx.exc, 0, "no error raised");                                              \
        cr_assert_eq(((vm_exc_t *)ctx.exc)->reason, rt_atom(why), "reason is not %s", why);        \
        ctx.exc = 0;                                                                               \
    } while (0)

static inline vm_val_t I(int64_t i)
{
    return val_from_int(i);
}
static inline vm_val_t str(const char *s)
{
    return rt_str_new(&ctx, s, strlen(s));
}
static inline vm_val_t flt(double d)
{
    return vm_box_f64(&ctx, d);
}
/* The text to_string gives. */
static inline const char *text(vm_val_t v)
{
    return rt_as_str(vm_to_string(&ctx, v))->bytes;
}

/* arr(n, x1, ..., xn), tup(n, ...), set(n, ...) */
static inline vm_val_t arr(int n, ...)
{
    vm_val_t a = vm_array_new(&ctx);
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++)
        vm_array_push(&ctx, a, va_arg(ap, vm_val_t));
    va_end(ap);
    return a;
}
static inline vm_val_t tup(int n, ...)
{
    vm_val_t t = vm_tuple_alloc(&ctx, n);
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++)
        ((vm_tuple_t *)t)->items[i] = va_arg(ap, vm_val_t);
    va_end(ap);
    return t;
}
static inline vm_val_t set(int n, ...)
{
    vm_val_t s = vm_set_new(&ctx);
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++)
        vm_set_add(&ctx, s, va_arg(ap, vm_val_t));
    va_end(ap);
    return s;
}
/* map(n, k1, v1, ..., kn, vn) */
static inline vm_val_t map(int n, ...)
{
    vm_val_t m = vm_map_new(&ctx);
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++) {
        vm_val_t k = va_arg(ap, vm_val_t);
        vm_map_put(&ctx, m, k, va_arg(ap, vm_val_t));
    }
    va_end(ap);
    return m;
}

/* A function value of `arity` whose code is the C function `code` (the
 * uniform prototype of abi/context.h). */
static const vm_func_desc_t test_fn_desc = {"test.fn", "", 0, 0};
static inline vm_val_t fake_fn(vm_code_t code, uint32_t arity)
{
    vm_val_t f = vm_closure_alloc(&ctx, 0);
    ((vm_func_t *)f)->hdr.aux = arity;
    ((vm_func_t *)f)->code = (void *)code;
    ((vm_func_t *)f)->desc = &test_fn_desc;
    return f;
}

#endif
