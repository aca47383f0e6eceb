/* Number formatting beyond the shortest round-trip text of format.c. */
#include <math.h>
#include <stdio.h>

#include "builtins/builtins.h"
#include "core/core.h"

vm_val_t vm_f64_to_fixed(vm_ctx_t *ctx, double d, int64_t digits)
{
    if (digits < 0 || digits > 100)
        return rt_raise(ctx, "badarg", "f64.to_fixed: %lld digits; 0 to 100 are allowed",
                        (long long)digits);
    /* printf writes "-nan" for a nan with the sign bit set, and which nans
     * have it depends on the CPU and on constant folding: every nan prints
     * "nan", as print.f64 does */
    if (isnan(d))
        return rt_str_new(ctx, "nan", 3);
    /* 309 integer digits at most (DBL_MAX), a sign, a point, the digits */
    char buf[420];
    int n = snprintf(buf, sizeof buf, "%.*f", (int)digits, d);
    return rt_str_new(ctx, buf, (size_t)n);
}
