/* Unit tests of runtime/builtins: value tagging, formatting, the slow paths
 * of dynamic arithmetic and comparison, strings. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "rt_test.h"

TestSuite(value, .init = setup);

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
Test(value, dynamic_add_overflow_raises)
{
    cr_assert_eq(vm_add(&ctx, val_from_int(VM_INT_MAX), val_from_int(1)), 0);
    expect_raised("overflow");
}

/* Adding a string and an int is a badarith error. */
Test(value, dynamic_add_bad_kinds_raises)
{
    cr_assert_eq(vm_add(&ctx, str("a"), val_from_int(1)), 0);
    expect_raised("badarith");
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

Test(value, str_to_i64_rejects_overflow)
{
    vm_str_to_i64(&ctx, str("9223372036854775808"));
    expect_raised("badarg");
}

Test(value, str_to_i64_rejects_garbage)
{
    vm_str_to_i64(&ctx, str("12a"));
    expect_raised("badarg");
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

Test(value, str_new_rejects_invalid_utf8)
{
    cr_assert_eq(rt_str_new(&ctx, "\xff", 1), 0);
    expect_raised("badarg");
}

/* Concatenation keeps both parts and the NUL terminator. */
Test(value, concat)
{
    vm_val_t s = vm_str_concat(&ctx, str("ab"), str("çd"));
    cr_assert_eq(rt_as_str(s)->len, 5);
    cr_assert_str_eq(rt_as_str(s)->bytes, "abçd");
}

/* ---- containers, built from C ---- */

#include <stdarg.h>

#include "builtins/coll.h"

static vm_val_t atom(const char *name)
{
    return rt_atom(name);
}

static int64_t fake_code(vm_ctx_t *c, vm_val_t *ssp, int64_t a0, int64_t a1, int64_t a2, int64_t a3)
{
    (void)c, (void)ssp, (void)a0, (void)a1, (void)a2, (void)a3;
    return (int64_t)VM_NIL;
}

static vm_val_t fake_error(const char *reason)
{
    rt_raise(&ctx, reason, "made by a test");
    vm_val_t e = ctx.exc;
    ctx.exc = 0;
    return e;
}

static const char *insp(vm_val_t v)
{
    return rt_as_str(vm_inspect(&ctx, v))->bytes;
}

/* The order across and within kinds, as documented in value.c. */
Test(value, total_order_all_kinds)
{
    vm_val_t f1 = fake_fn(fake_code, 2), f2 = fake_fn(fake_code, 2), e1 = fake_error("a"),
             e2 = fake_error("b");
    if (f1 > f2) {
        vm_val_t t = f1;
        f1 = f2;
        f2 = t;
    }
    if (e1 > e2) {
        vm_val_t t = e1;
        e1 = e2;
        e2 = t;
    }
    vm_val_t one = val_from_int(1), two = val_from_int(2), three = val_from_int(3);
    vm_val_t ordered[] = {VM_NIL,
                          VM_FALSE,
                          VM_TRUE,
                          val_from_int(-5),
                          flt(-4.5),
                          val_from_int(0),
                          flt(0.5),
                          one,
                          flt(INFINITY),
                          atom("a"),
                          atom("b"),
                          str(""),
                          str("a"),
                          str("ab"),
                          str("b"),
                          tup(0),
                          tup(1, one),
                          tup(1, two),
                          tup(2, one, one),
                          tup(2, one, two),
                          arr(0),
                          arr(1, one),
                          arr(2, one, one),
                          arr(2, one, two),
                          arr(1, two),
                          map(0),
                          map(1, one, two),
                          map(1, one, three),
                          map(1, two, one),
                          map(2, one, one, two, two),
                          set(0),
                          set(1, one),
                          set(1, two),
                          set(2, two, one),
                          set(2, one, three),
                          f1,
                          f2,
                          e1,
                          e2};
    size_t n = sizeof ordered / sizeof ordered[0];
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            int want = i < j ? -1 : i > j ? 1 : 0;
            cr_assert_eq(rt_compare(ordered[i], ordered[j]), want, "compare(%zu, %zu)", i, j);
            cr_assert_eq(vm_cmp(&ctx, ordered[i], ordered[j]), want, "cmp(%zu, %zu)", i, j);
            cr_assert_eq(rt_equal(ordered[i], ordered[j]), i == j, "equal(%zu, %zu)", i, j);
        }
}

/* Maps order by entries sorted by key, whatever their insertion order. */
Test(value, map_order_ignores_insertion_order)
{
    vm_val_t a = val_from_int(1), b = val_from_int(2);
    vm_val_t m1 = map(2, a, str("x"), b, str("y")), m2 = map(2, b, str("y"), a, str("x"));
    cr_assert_eq(rt_compare(m1, m2), 0);
    cr_assert(rt_equal(m1, m2));
    vm_val_t m3 = map(2, b, str("y"), a, str("z"));
    cr_assert_eq(rt_compare(m1, m3), -1);
    cr_assert_eq(rt_compare(m3, m1), 1);
    cr_assert(!rt_equal(m1, m3));
    cr_assert_eq(rt_compare(set(2, a, b), set(2, b, a)), 0);
}

/* nan: unordered for rt_compare, last (and equal to itself) for cmp. */
Test(value, nan_in_the_orders)
{
    vm_val_t nan = flt(NAN), nan2 = flt(NAN), one = val_from_int(1);
    cr_assert_eq(rt_compare(nan, one), 2);
    cr_assert_eq(rt_compare(one, nan), 2);
    cr_assert_eq(rt_compare(nan, nan), 2);
    cr_assert_eq(vm_cmp(&ctx, nan, flt(INFINITY)), 1);
    cr_assert_eq(vm_cmp(&ctx, flt(INFINITY), nan), -1);
    cr_assert_eq(vm_cmp(&ctx, one, nan), -1);
    cr_assert_eq(vm_cmp(&ctx, nan, nan2), 0);
    cr_assert_eq(vm_cmp(&ctx, nan, atom("a")), -1); /* still a number */
    /* inside containers: only when the deciding comparison meets it */
    cr_assert_eq(rt_compare(arr(1, nan), arr(1, nan2)), 2);
    cr_assert_eq(rt_compare(arr(2, one, nan), arr(2, val_from_int(2), nan)), -1);
    cr_assert_eq(vm_cmp(&ctx, arr(1, nan), arr(1, nan2)), 0);
    cr_assert_eq(vm_compare(&ctx, nan, one), 2);
}

/* Equality is structural; nan equals nothing, but a container is eq to itself. */
Test(value, structural_equality)
{
    vm_val_t one = val_from_int(1);
    cr_assert(rt_equal(arr(2, one, str("a")), arr(2, flt(1.0), str("a"))));
    cr_assert(rt_equal(tup(2, one, arr(0)), tup(2, one, arr(0))));
    cr_assert(!rt_equal(tup(1, one), arr(1, one)));
    cr_assert(!rt_equal(arr(1, one), arr(2, one, one)));
    cr_assert(rt_equal(map(2, one, str("a"), str("b"), VM_NIL),
                       map(2, str("b"), VM_NIL, flt(1.0), str("a"))));
    cr_assert(!rt_equal(map(1, one, str("a")), map(1, one, str("b"))));
    cr_assert(!rt_equal(map(1, one, str("a")), map(1, val_from_int(2), str("a"))));
    cr_assert(!rt_equal(map(1, one, VM_NIL), set(1, one)));
    cr_assert(rt_equal(set(3, one, str("x"), VM_TRUE), set(3, VM_TRUE, str("x"), flt(1.0))));
    cr_assert(!rt_equal(set(2, one, val_from_int(2)), set(2, one, val_from_int(3))));
    cr_assert(rt_equal(atom("ok"), atom("ok")));
    cr_assert(!rt_equal(atom("ok"), str("ok")));
    vm_val_t f = fake_fn(fake_code, 2);
    cr_assert(rt_equal(f, f));
    cr_assert(!rt_equal(f, fake_fn(fake_code, 2)));
    cr_assert(vm_equal(&ctx, flt(0.0), flt(-0.0)));
    cr_assert(!rt_equal(val_from_int(VM_INT_MAX), flt(0x1p62)));
    vm_val_t nan = flt(NAN), holder = arr(1, nan);
    cr_assert(!rt_equal(nan, nan));
    cr_assert(!rt_equal(holder, arr(1, nan)));
    cr_assert(rt_equal(holder, holder));
}

/* Equal values hash alike, whatever their kinds and orders. */
Test(value, hash_agrees_with_equality)
{
    vm_val_t one = val_from_int(1);
    vm_val_t pairs[][2] = {
        {one, flt(1.0)},
        {val_from_int(0), flt(-0.0)},
        {val_from_int(-(1LL << 61)), flt(-0x1p61)},
        {str("héllo"), str("héllo")},
        {arr(2, one, str("a")), arr(2, flt(1.0), str("a"))},
        {tup(2, one, arr(0)), tup(2, flt(1.0), arr(0))},
        {map(2, one, str("a"), str("b"), flt(2.0)),
         map(2, str("b"), val_from_int(2), one, str("a"))},
        {set(3, one, str("x"), VM_NIL), set(3, VM_NIL, str("x"), flt(1.0))},
        {atom("k"), atom("k")},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        cr_assert(rt_equal(pairs[i][0], pairs[i][1]), "pair %zu equal", i);
        cr_assert_eq(rt_hash(pairs[i][0]), rt_hash(pairs[i][1]), "pair %zu hashes", i);
        cr_assert_eq(vm_hash(&ctx, pairs[i][0]), (int64_t)rt_hash(pairs[i][1]));
    }
    /* and different values mostly hash apart */
    vm_val_t diff[] = {VM_NIL,
                       VM_FALSE,
                       VM_TRUE,
                       one,
                       flt(1.5),
                       str("ab"),
                       str("ba"),
                       atom("ab"),
                       arr(0),
                       tup(0),
                       map(0),
                       set(0),
                       arr(1, one),
                       tup(1, one),
                       set(1, one),
                       flt(NAN),
                       fake_fn(fake_code, 2),
                       val_from_int(2)};
    size_t n = sizeof diff / sizeof diff[0];
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            cr_assert_neq(rt_hash(diff[i]), rt_hash(diff[j]), "%zu and %zu collide", i, j);
}

/* An array that holds itself: eq, order, hash and printing all end. */
Test(value, cyclic_values_end)
{
    vm_val_t a = arr(1, val_from_int(1)), b = arr(1, val_from_int(1));
    vm_array_push(&ctx, a, a);
    vm_array_push(&ctx, b, b);
    cr_assert(rt_equal(a, a));
    cr_assert(!rt_equal(a, b)); /* past the limits: by identity */
    int c = rt_compare(a, b);
    cr_assert(c == -1 || c == 1);
    cr_assert_eq(rt_compare(a, b), -rt_compare(b, a));
    cr_assert_eq(rt_hash(a), rt_hash(b));
    cr_assert_str_eq(text(a), "[1, ...]");
    /* a cycle through last items is followed in a loop, also bounded */
    vm_val_t x = arr(0), y = arr(0);
    vm_array_push(&ctx, x, x);
    vm_array_push(&ctx, y, y);
    cr_assert(!rt_equal(x, y));
    cr_assert_neq(rt_compare(x, y), 0);
    /* a map that holds itself as a value */
    vm_val_t m = map(0), m2 = map(0);
    vm_map_put(&ctx, m, val_from_int(1), m);
    vm_map_put(&ctx, m2, val_from_int(1), m2);
    cr_assert(!rt_equal(m, m2));
    cr_assert_neq(rt_compare(m, m2), 0);
    cr_assert_eq(rt_hash(m), rt_hash(m2));
    cr_assert_str_eq(text(m), "%{1 => ...}");
}

/* Many small objects carved from one allocation: a collection at every
 * allocation (VMRT_GC_STRESS) would make building deep values too slow. */
static void *carve(size_t bytes)
{
    static char *next, *end;
    if (!next || next + bytes > end) {
        size_t block = (size_t)64 << 20;
        next = rt_alloc_raw(&ctx, block, 0);
        end = next + block;
    }
    void *p = next;
    next += (bytes + 7) & ~(size_t)7;
    return p;
}

static vm_val_t pair_of(vm_val_t a, vm_val_t b)
{
    vm_tuple_t *t = carve(sizeof *t + 2 * sizeof(vm_val_t));
    t->hdr = (vm_obj_header_t){.kind = VM_KIND_TUPLE, .aux = 2};
    t->items[0] = a;
    t->items[1] = b;
    return (vm_val_t)t;
}

static vm_val_t array_pair(vm_val_t a, vm_val_t b)
{
    vm_array_t *r = carve(sizeof *r + 2 * sizeof(vm_val_t));
    r->hdr = (vm_obj_header_t){.kind = VM_KIND_ARRAY};
    r->items = (vm_val_t *)(r + 1);
    r->items[0] = a;
    r->items[1] = b;
    r->len = r->cap = 2;
    return (vm_val_t)r;
}

/* Lists built of nested pairs compare to any length without using the stack;
 * nesting in first items stops (by identity) past the depth limit. */
Test(value, deep_values)
{
    vm_val_t l1 = VM_NIL, l2 = VM_NIL, d1 = VM_NIL, d2 = VM_NIL, near_end = 0;
    for (int i = 0; i < 1000000; i++) { /* far deeper than C recursion could go */
        l1 = pair_of(val_from_int(i), l1);
        l2 = pair_of(val_from_int(i), l2);
        if (i == 10)
            near_end = l2;
    }
    cr_assert(rt_equal(l1, l2));
    cr_assert_eq(rt_compare(l1, l2), 0);
    cr_assert_eq(rt_hash(l1), rt_hash(l2));
    ((vm_tuple_t *)near_end)->items[0] = val_from_int(-5); /* 999990 pairs down */
    cr_assert(!rt_equal(l1, l2));
    cr_assert_eq(rt_compare(l1, l2), 1);
    cr_assert_eq(rt_compare(l2, l1), -1);
    for (int i = 0; i < 50000; i++) {
        d1 = array_pair(d1, val_from_int(i));
        d2 = array_pair(d2, val_from_int(i));
    }
    cr_assert(rt_equal(d1, d1));
    cr_assert(!rt_equal(d1, d2)); /* the documented limit */
    cr_assert_eq(rt_hash(d1), rt_hash(d2));
    int c = rt_compare(d1, d2);
    cr_assert(c == -1 || c == 1);
    /* printing cuts deep nesting */
    const char *s = text(d1);
    cr_assert(strstr(s, "...") != NULL);
    cr_assert_eq(strncmp(s, "[[[[", 4), 0);
}

/* type_of names every kind. */
Test(value, type_of)
{
    struct {
        vm_val_t v;
        const char *name;
    } cases[] = {
        {VM_NIL, "nil"},           {VM_TRUE, "bool"},   {VM_FALSE, "bool"},
        {val_from_int(3), "int"},  {flt(1.0), "float"}, {atom("x"), "atom"},
        {str("x"), "string"},      {tup(0), "tuple"},   {arr(0), "array"},
        {map(0), "map"},           {set(0), "set"},     {fake_fn(fake_code, 2), "function"},
        {fake_error("e"), "error"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cr_assert_eq(vm_type_of(&ctx, cases[i].v), rt_atom(cases[i].name), "%s", cases[i].name);
        cr_assert_eq(vm_type_of(&ctx, cases[i].v), rt_atom(cases[i].name), "cached %s",
                     cases[i].name);
    }
}

/* to_int truncates floats toward zero and refuses what has no small int. */
Test(value, to_int)
{
    cr_assert_eq(vm_to_int(&ctx, val_from_int(-7)), val_from_int(-7));
    cr_assert_eq(vm_to_int(&ctx, flt(2.9)), val_from_int(2));
    cr_assert_eq(vm_to_int(&ctx, flt(-2.9)), val_from_int(-2));
    cr_assert_eq(vm_to_int(&ctx, flt(-0x1p62)), val_from_int(VM_INT_MIN));
    cr_assert_eq(vm_to_int(&ctx, flt(0x1p62 - 512)), val_from_int((1LL << 62) - 512));
    double bad[] = {NAN, INFINITY, -INFINITY, 0x1p62, -0x1p62 - 1024, 1e300};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_assert_eq(vm_to_int(&ctx, flt(bad[i])), 0);
        expect_raised("badarg");
    }
    cr_assert_eq(vm_to_int(&ctx, str("1")), 0);
    expect_raised("type");
    cr_assert_eq(vm_to_int(&ctx, VM_NIL), 0);
    expect_raised("type");
}

Test(value, to_float)
{
    vm_val_t f = flt(2.5);
    cr_assert_eq(vm_to_float(&ctx, f), f);
    vm_val_t g = vm_to_float(&ctx, val_from_int(-3));
    cr_assert(rt_is_kind(g, VM_KIND_FLOAT));
    cr_assert_eq(((vm_float_t *)g)->value, -3.0);
    cr_assert_eq(vm_to_float(&ctx, str("1.0")), 0);
    expect_raised("type");
    cr_assert_eq(vm_to_float(&ctx, arr(0)), 0);
    expect_raised("type");
}

/* Containers print with quoted strings inside; inspect quotes at the top too. */
Test(value, printing_nested_containers)
{
    vm_val_t one = val_from_int(1), two = val_from_int(2);
    cr_assert_str_eq(text(tup(2, one, two)), "{1, 2}");
    cr_assert_str_eq(text(tup(0)), "{}");
    cr_assert_str_eq(text(arr(2, one, two)), "[1, 2]");
    cr_assert_str_eq(text(arr(0)), "[]");
    cr_assert_str_eq(text(map(1, str("a"), one)), "%{\"a\" => 1}");
    cr_assert_str_eq(text(map(0)), "%{}");
    cr_assert_str_eq(text(set(2, one, two)), "#{1, 2}");
    cr_assert_str_eq(text(set(0)), "#{}");
    cr_assert_str_eq(text(arr(2, str("a"), str("b\n"))), "[\"a\", \"b\\n\"]");
    vm_val_t nested =
        arr(4, tup(2, atom("ok"), flt(1.5)), map(2, two, arr(1, VM_NIL), str("k"), set(1, VM_TRUE)),
            str("tab\t\"q\" \\ \x01\x7f é"), VM_FALSE);
    const char *want = "[{ok, 1.5}, %{2 => [nil], \"k\" => #{true}}, "
                       "\"tab\\t\\\"q\\\" \\\\ \\x01\\x7f é\", false]";
    cr_assert_str_eq(text(nested), want);
    cr_assert_str_eq(insp(nested), want);
    cr_assert_str_eq(text(str("a\"b")), "a\"b");
    cr_assert_str_eq(insp(str("a\"b")), "\"a\\\"b\"");
    cr_assert_str_eq(insp(rt_str_new(&ctx, "n\0l", 3)), "\"n\\0l\"");
    cr_assert_str_eq(insp(val_from_int(5)), "5");
    cr_assert_str_eq(insp(atom("x")), "x");
    cr_assert_str_eq(text(arr(1, fake_fn(fake_code, 2))), "[#<function test.fn/2>]");
    cr_assert_str_eq(text(fake_error("oops")), "#<error oops: made by a test>");
    /* the same container twice, not nested in itself, prints in full */
    vm_val_t inner = arr(1, one);
    cr_assert_str_eq(text(arr(2, inner, inner)), "[[1], [1]]");
}

/* math.* are libm's. */
Test(value, math)
{
    cr_assert_eq(vm_math_floor(&ctx, -1.5), -2.0);
    cr_assert_eq(vm_math_ceil(&ctx, -1.5), -1.0);
    cr_assert_eq(vm_math_round(&ctx, 2.5), 3.0);
    cr_assert_eq(vm_math_round(&ctx, -2.5), -3.0);
    cr_assert_eq(vm_math_round(&ctx, 2.4), 2.0);
    cr_assert_eq(vm_math_pow(&ctx, 2.0, 10.0), 1024.0);
    cr_assert_eq(vm_math_exp(&ctx, 0.0), 1.0);
    cr_assert_eq(vm_math_log(&ctx, 1.0), 0.0);
    cr_assert_eq(vm_math_log(&ctx, 0.0), -INFINITY);
    cr_assert(isnan(vm_math_log(&ctx, -1.0)));
    cr_assert_float_eq(vm_math_exp(&ctx, 1.0), M_E, 1e-15);
    cr_assert_eq(vm_math_sin(&ctx, 0.0), 0.0);
    cr_assert_eq(vm_math_cos(&ctx, 0.0), 1.0);
    cr_assert_float_eq(vm_math_sin(&ctx, M_PI / 2), 1.0, 1e-15);
    cr_assert_eq(vm_math_atan2(&ctx, 0.0, -1.0), M_PI);
    cr_assert_float_eq(vm_math_atan2(&ctx, 1.0, 1.0), M_PI / 4, 1e-15);
    cr_assert_eq(vm_math_atan2(&ctx, -0.0, -1.0), -M_PI);
}
