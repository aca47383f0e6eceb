/* Unit tests of runtime/builtins: value tagging, formatting, the slow paths
 * of dynamic arithmetic and comparison, strings. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "rt.h"

static vm_ctx_t ctx;

static void setup(void)
{
    rt_gc_init();
    rt_ctx_init_main(&ctx, 4096);
}

TestSuite(value, .init = setup);

static vm_val_t str(const char *s)
{
    return rt_str_new(&ctx, s, strlen(s));
}
static vm_val_t flt(double d)
{
    return vm_box_f64(&ctx, d);
}
static const char *text(vm_val_t v)
{
    return rt_as_str(vm_to_string(&ctx, v))->bytes;
}

/* Small ints round-trip through their tagged form at both ends of the range. */
Test(value, small_int_tagging)
{
    int64_t xs[] = {0, 1, -1, 42, VM_INT_MAX, VM_INT_MIN};
    for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++) {
        vm_val_t v = val_from_int(xs[i]);
        cr_assert(val_is_int(v));
        cr_assert(!val_is_ptr(v));
        cr_assert_eq(val_as_int(v), xs[i]);
    }
    cr_assert(!val_int_fits(VM_INT_MAX + 1));
    cr_assert(!val_int_fits(VM_INT_MIN - 1));
}

/* Immediates are neither ints nor pointers, and are distinct. */
Test(value, immediates)
{
    cr_assert(!val_is_int(VM_NIL) && !val_is_ptr(VM_NIL));
    cr_assert(!val_is_int(VM_TRUE) && !val_is_ptr(VM_FALSE));
    cr_assert_neq(VM_TRUE, VM_FALSE);
    cr_assert(val_is_bool(VM_TRUE) && !val_is_bool(VM_NIL));
}

/* Floats print as the shortest text that reads back exactly, always as floats. */
Test(value, float_format_shortest_round_trip)
{
    struct {
        double d;
        const char *s;
    } cases[] = {{0.1, "0.1"},      {1.0, "1.0"},
                 {-0.0, "-0.0"},    {1e20, "1e+20"},
                 {1.5, "1.5"},      {1.0 / 3, "0.3333333333333333"},
                 {INFINITY, "inf"}, {-INFINITY, "-inf"},
                 {NAN, "nan"},      {123456789.0, "123456789.0"}};
    char buf[40];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rt_fmt_f64(buf, sizeof buf, cases[i].d);
        cr_assert_str_eq(buf, cases[i].s, "%g printed as %s", cases[i].d, buf);
    }
    double samples[] = {0.1 + 0.2, 5e-324, 1.7976931348623157e308, 2.0 / 3, 1e-7};
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        rt_fmt_f64(buf, sizeof buf, samples[i]);
        cr_assert_eq(strtod(buf, NULL), samples[i], "%s does not read back", buf);
    }
}

/* to_string shows every kind as print does. */
Test(value, to_string)
{
    cr_assert_str_eq(text(val_from_int(-7)), "-7");
    cr_assert_str_eq(text(VM_NIL), "nil");
    cr_assert_str_eq(text(VM_TRUE), "true");
    cr_assert_str_eq(text(VM_FALSE), "false");
    cr_assert_str_eq(text(flt(2.5)), "2.5");
    cr_assert_str_eq(text(str("héllo")), "héllo");
}

/* The slow paths: int/float mixes give floats, ints stay exact. */
Test(value, dynamic_arith_slow_paths)
{
    cr_assert_eq(vm_add(&ctx, val_from_int(2), val_from_int(3)), val_from_int(5));
    cr_assert_eq(vm_mul(&ctx, val_from_int(-4), val_from_int(3)), val_from_int(-12));
    vm_val_t f = vm_add(&ctx, val_from_int(1), flt(0.5));
    cr_assert(rt_is_kind(f, VM_KIND_FLOAT));
    cr_assert_eq(((vm_float_t *)f)->value, 1.5);
    vm_val_t g = vm_sub(&ctx, flt(1.0), val_from_int(3));
    cr_assert_eq(((vm_float_t *)g)->value, -2.0);
}

/* Overflow of the small-int range raises instead of wrapping. */
Test(value, dynamic_add_overflow_raises, .exit_code = 1)
{
    vm_add(&ctx, val_from_int(VM_INT_MAX), val_from_int(1));
}

/* Adding a string and an int is a badarith error. */
Test(value, dynamic_add_bad_kinds_raises, .exit_code = 1)
{
    vm_add(&ctx, str("a"), val_from_int(1));
}

/* The total order: nil < false < true < numbers < strings; numbers by value. */
Test(value, total_order)
{
    vm_val_t ordered[] = {VM_NIL,    VM_FALSE,        VM_TRUE,   val_from_int(-5),
                          flt(-4.5), val_from_int(0), flt(0.5),  val_from_int(1),
                          str(""),   str("a"),        str("ab"), str("b")};
    size_t n = sizeof ordered / sizeof ordered[0];
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            int64_t want = i < j ? -1 : i > j ? 1 : 0;
            cr_assert_eq(vm_compare(&ctx, ordered[i], ordered[j]), want, "compare(%zu, %zu)", i, j);
        }
    cr_assert_eq(vm_compare(&ctx, val_from_int(1), flt(1.0)), 0);
    cr_assert_eq(vm_compare(&ctx, flt(NAN), val_from_int(1)), 2);
    /* exact, no rounding: 2^53 + 1 is above the double 2^53 */
    cr_assert_eq(vm_compare(&ctx, val_from_int((1LL << 53) + 1), flt(0x1p53)), 1);
}

/* Equality: numbers by value, strings by content, nan equals nothing. */
Test(value, equality)
{
    cr_assert(vm_equal(&ctx, val_from_int(1), flt(1.0)));
    cr_assert(vm_equal(&ctx, str("héllo"), str("héllo")));
    cr_assert(!vm_equal(&ctx, str("a"), str("b")));
    vm_val_t nan = flt(NAN);
    cr_assert(!vm_equal(&ctx, nan, nan));
    cr_assert(!vm_equal(&ctx, VM_NIL, VM_FALSE));
    cr_assert(vm_equal(&ctx, VM_NIL, VM_NIL));
}

/* str.to_i64 parses the whole i64 range and nothing else. */
Test(value, str_to_i64)
{
    cr_assert_eq(vm_str_to_i64(&ctx, str("42")), 42);
    cr_assert_eq(vm_str_to_i64(&ctx, str("-9223372036854775808")), INT64_MIN);
    cr_assert_eq(vm_str_to_i64(&ctx, str("+9223372036854775807")), INT64_MAX);
}

Test(value, str_to_i64_rejects_overflow, .exit_code = 1)
{
    vm_str_to_i64(&ctx, str("9223372036854775808"));
}

Test(value, str_to_i64_rejects_garbage, .exit_code = 1)
{
    vm_str_to_i64(&ctx, str("12a"));
}

/* UTF-8 validation rejects overlongs, surrogates and truncated sequences. */
Test(value, utf8_validation)
{
    cr_assert(rt_utf8_valid("h\xc3\xa9llo \xf0\x9f\x98\x80", 11));
    cr_assert(!rt_utf8_valid("\xc0\xaf", 2));     /* overlong '/' */
    cr_assert(!rt_utf8_valid("\xed\xa0\x80", 3)); /* surrogate */
    cr_assert(!rt_utf8_valid("\xe2\x82", 2));     /* truncated */
    cr_assert(!rt_utf8_valid("\xff", 1));
}

Test(value, str_new_rejects_invalid_utf8, .exit_code = 1)
{
    rt_str_new(&ctx, "\xff", 1);
}

/* Concatenation keeps both parts and the NUL terminator. */
Test(value, concat)
{
    vm_val_t s = vm_str_concat(&ctx, str("ab"), str("çd"));
    cr_assert_eq(rt_as_str(s)->len, 5);
    cr_assert_str_eq(rt_as_str(s)->bytes, "abçd");
}
