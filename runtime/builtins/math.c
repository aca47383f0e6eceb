/* Math on f64: thin wrappers over libm. Nothing raises; domain errors give
 * nan or an infinity as IEEE 754 says (log(0) = -inf, log(-1) = nan). */
#include <math.h>

#include "builtins/builtins.h"
#include "core/core.h"

double vm_math_floor(vm_ctx_t *ctx, double a)
{
    (void)ctx;
    return floor(a);
}

double vm_math_ceil(vm_ctx_t *ctx, double a)
{
    (void)ctx;
    return ceil(a);
}

double vm_math_round(vm_ctx_t *ctx, double a)
{
    (void)ctx;
    return round(a); /* halves away from zero */
}

double vm_math_pow(vm_ctx_t *ctx, double a, double b)
{
    (void)ctx;
    return pow(a, b);
}

double vm_math_exp(vm_ctx_t *ctx, double a)
{
    (void)ctx;
    return exp(a);
}

double vm_math_log(vm_ctx_t *ctx, double a)
{
    (void)ctx;
    return log(a);
}

double vm_math_sin(vm_ctx_t *ctx, double a)
{
    (void)ctx;
    return sin(a);
}

double vm_math_cos(vm_ctx_t *ctx, double a)
{
    (void)ctx;
    return cos(a);
}

double vm_math_atan2(vm_ctx_t *ctx, double a, double b)
{
    (void)ctx;
    return atan2(a, b);
}
