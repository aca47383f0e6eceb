/* Slow paths of the dynamic operations on vals: arithmetic, order, equality,
 * boxing. The inline fast paths in lowered code handle two small ints. */
#include <math.h>
#include <string.h>

#include "../rt.h"

vm_val_t vm_box_f64(vm_ctx_t *ctx, double d)
{
    vm_float_t *f = rt_gc_alloc(ctx, VM_KIND_FLOAT, sizeof *f);
    if (!f)
        return 0;
    f->value = d;
    return (vm_val_t)f;
}

static int is_float(vm_val_t v)
{
    return rt_is_kind(v, VM_KIND_FLOAT);
}
static double float_of(vm_val_t v)
{
    return ((const vm_float_t *)v)->value;
}
static int is_number(vm_val_t v)
{
    return val_is_int(v) || is_float(v);
}
static double as_double(vm_val_t v)
{
    return val_is_int(v) ? (double)val_as_int(v) : float_of(v);
}

double vm_unbox_f64(vm_ctx_t *ctx, vm_val_t v)
{
    if (is_number(v))
        return as_double(v);
    rt_raise_type(ctx, "unbox.f64", "a number", v);
    return 0;
}

typedef enum { ARITH_ADD, ARITH_SUB, ARITH_MUL } arith_op_t;
static const char *const arith_name[] = {"add", "sub", "mul"};

static vm_val_t arith(vm_ctx_t *ctx, arith_op_t op, vm_val_t a, vm_val_t b)
{
    if (val_is_int(a) && val_is_int(b)) {
        int64_t x = val_as_int(a), y = val_as_int(b), r;
        int ovf = op == ARITH_ADD   ? __builtin_add_overflow(x, y, &r)
                  : op == ARITH_SUB ? __builtin_sub_overflow(x, y, &r)
                                    : __builtin_mul_overflow(x, y, &r);
        if (ovf || !val_int_fits(r))
            return rt_raise(ctx, "overflow", "%s of %lld and %lld leaves the small-int range",
                     arith_name[op], (long long)x, (long long)y);
        return val_from_int(r);
    }
    if (is_number(a) && is_number(b)) {
        double x = as_double(a), y = as_double(b);
        return vm_box_f64(ctx, op == ARITH_ADD ? x + y : op == ARITH_SUB ? x - y : x * y);
    }
    return rt_raise(ctx, "badarith", "%s of %s and %s", arith_name[op], rt_kind_name(a), rt_kind_name(b));
}

vm_val_t vm_add(vm_ctx_t *ctx, vm_val_t a, vm_val_t b)
{
    return arith(ctx, ARITH_ADD, a, b);
}
vm_val_t vm_sub(vm_ctx_t *ctx, vm_val_t a, vm_val_t b)
{
    return arith(ctx, ARITH_SUB, a, b);
}
vm_val_t vm_mul(vm_ctx_t *ctx, vm_val_t a, vm_val_t b)
{
    return arith(ctx, ARITH_MUL, a, b);
}

/* Rank of a kind in the total order: nil < false < true < number < string. */
static int rank(vm_val_t v)
{
    if (v == VM_NIL)
        return 0;
    if (v == VM_FALSE)
        return 1;
    if (v == VM_TRUE)
        return 2;
    if (is_number(v))
        return 3;
    if (rt_is_kind(v, VM_KIND_STRING))
        return 4;
    return 5;
}

static int cmp3(int64_t a, int64_t b)
{
    return (a > b) - (a < b);
}

/* Exact comparison of an int with a double (no rounding of large ints). */
static int cmp_int_double(int64_t i, double d)
{
    if (isnan(d))
        return 2;
    if (d >= 0x1p63)
        return -1;
    if (d < -0x1p63)
        return 1;
    double t = trunc(d);
    int c = cmp3(i, (int64_t)t);
    if (c != 0)
        return c;
    return d > t ? -1 : d < t ? 1 : 0;
}

static int cmp_numbers(vm_val_t a, vm_val_t b)
{
    if (val_is_int(a) && val_is_int(b))
        return cmp3(val_as_int(a), val_as_int(b));
    if (val_is_int(a))
        return cmp_int_double(val_as_int(a), float_of(b));
    if (val_is_int(b)) {
        int c = cmp_int_double(val_as_int(b), float_of(a));
        return c == 2 ? 2 : -c;
    }
    double x = float_of(a), y = float_of(b);
    if (isnan(x) || isnan(y))
        return 2;
    return (x > y) - (x < y);
}

static int cmp_strings(const vm_string_t *a, const vm_string_t *b)
{
    size_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->bytes, b->bytes, n);
    if (c != 0)
        return c < 0 ? -1 : 1;
    return cmp3((int64_t)a->len, (int64_t)b->len);
}

int64_t vm_compare(vm_ctx_t *ctx, vm_val_t a, vm_val_t b)
{
    (void)ctx;
    int ra = rank(a), rb = rank(b);
    if (ra != rb)
        return ra < rb ? -1 : 1;
    switch (ra) {
    case 3: return cmp_numbers(a, b);
    case 4: return cmp_strings(rt_as_str(a), rt_as_str(b));
    default: return a == b ? 0 : a < b ? -1 : 1;
    }
}

int64_t vm_equal(vm_ctx_t *ctx, vm_val_t a, vm_val_t b)
{
    if (a == b && !is_float(a))
        return 1;
    if (rank(a) != rank(b) || rank(a) < 3)
        return 0;
    return vm_compare(ctx, a, b) == 0;
}
