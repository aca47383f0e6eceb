/* Unit tests of the collection builtins: tuples, arrays (and their sorts),
 * maps and sets. Every builtin, every error it raises. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtins/coll.h"
#include "rt_test.h"

TestSuite(coll, .init = setup);

#define expect_ok() cr_assert_eq(ctx.exc, 0, "unexpected error")

static vm_val_t at(vm_val_t a, int64_t i)
{
    return rt_as_array(a)->items[i];
}

/* ---- function values for sort_by ---- */

static int calls;       /* comparisons made */
static int fail_after;  /* raise at this call (0: never) */
static vm_val_t victim; /* an array the comparator grows, or 0 */

/* Ascending by the first items of two tuples (ints). */
static int64_t by_first(vm_ctx_t *c, vm_val_t *ssp, int64_t a0, int64_t a1, int64_t a2, int64_t a3)
{
    (void)ssp, (void)a2, (void)a3;
    if (++calls == fail_after) {
        rt_raise(c, "badarg", "comparator failed");
        return 0;
    }
    if (victim)
        vm_array_push(c, victim, I(0));
    int64_t x = val_as_int(((vm_tuple_t *)a0)->items[0]);
    int64_t y = val_as_int(((vm_tuple_t *)a1)->items[0]);
    return (int64_t)val_from_int(x - y);
}

/* Descending ints, answering with big magnitudes. */
static int64_t desc_big(vm_ctx_t *c, vm_val_t *ssp, int64_t a0, int64_t a1, int64_t a2, int64_t a3)
{
    (void)c, (void)ssp, (void)a2, (void)a3;
    int64_t x = val_as_int((vm_val_t)a0), y = val_as_int((vm_val_t)a1);
    return (int64_t)val_from_int(x < y ? VM_INT_MAX : x > y ? VM_INT_MIN : 0);
}

static int64_t returns_nil(vm_ctx_t *c, vm_val_t *ssp, int64_t a0, int64_t a1, int64_t a2,
                           int64_t a3)
{
    (void)c, (void)ssp, (void)a0, (void)a1, (void)a2, (void)a3;
    return (int64_t)VM_NIL;
}

/* ---- tuples ---- */

Test(coll, tuple_builtins)
{
    vm_val_t t = vm_tuple_from_array(&ctx, arr(3, I(1), str("b"), VM_NIL));
    cr_assert(rt_is_kind(t, VM_KIND_TUPLE));
    cr_assert_eq(vm_tuple_len(&ctx, t), 3);
    cr_assert_eq(vm_tuple_get(&ctx, t, 0), I(1));
    cr_assert_str_eq(rt_as_str(vm_tuple_get(&ctx, t, 1))->bytes, "b");
    cr_assert_eq(vm_tuple_get(&ctx, t, 2), VM_NIL);
    cr_assert_str_eq(text(t), "{1, \"b\", nil}");
    vm_val_t a = vm_tuple_to_array(&ctx, t);
    cr_assert_str_eq(text(a), "[1, \"b\", nil]");
    cr_assert(rt_equal(vm_tuple_from_array(&ctx, a), t));
    vm_val_t e = vm_tuple_from_array(&ctx, vm_array_new(&ctx));
    cr_assert_eq(vm_tuple_len(&ctx, e), 0);
    cr_assert_eq(rt_as_array(vm_tuple_to_array(&ctx, e))->len, 0);
    expect_ok();
}

Test(coll, tuple_errors)
{
    vm_val_t t = tup(2, I(1), I(2));
    cr_assert_eq(vm_tuple_get(&ctx, t, 2), 0);
    expect_raised("index");
    cr_assert_eq(vm_tuple_get(&ctx, t, -1), 0);
    expect_raised("index");
    vm_tuple_len(&ctx, arr(0));
    expect_raised("type");
    cr_assert_eq(vm_tuple_get(&ctx, arr(1, I(1)), 0), 0);
    expect_raised("type");
    cr_assert_eq(vm_tuple_from_array(&ctx, t), 0);
    expect_raised("type");
    cr_assert_eq(vm_tuple_to_array(&ctx, arr(0)), 0);
    expect_raised("type");
}

/* ---- arrays ---- */

Test(coll, array_basics)
{
    vm_val_t a = vm_array_make(&ctx, 3, str("x"));
    cr_assert_eq(vm_array_len(&ctx, a), 3);
    cr_assert_str_eq(text(a), "[\"x\", \"x\", \"x\"]");
    vm_array_set(&ctx, a, 1, I(7));
    cr_assert_eq(vm_array_get(&ctx, a, 1), I(7));
    vm_array_push(&ctx, a, VM_TRUE);
    cr_assert_eq(vm_array_len(&ctx, a), 4);
    cr_assert_eq(vm_array_pop(&ctx, a), VM_TRUE);
    cr_assert_eq(vm_array_len(&ctx, a), 3);
    cr_assert_eq(vm_array_len(&ctx, vm_array_make(&ctx, 0, VM_NIL)), 0);
    vm_array_clear(&ctx, a);
    cr_assert_eq(vm_array_len(&ctx, a), 0);
    vm_array_push(&ctx, a, I(1));
    cr_assert_str_eq(text(a), "[1]");
    expect_ok();
}

Test(coll, array_growth)
{
    vm_val_t a = vm_array_new(&ctx);
    for (int i = 0; i < 200000; i++)
        vm_array_push(&ctx, a, I(i));
    cr_assert_eq(vm_array_len(&ctx, a), 200000);
    for (int i = 0; i < 200000; i++)
        cr_assert_eq(at(a, i), I(i));
    for (int i = 199999; i >= 0; i--)
        cr_assert_eq(vm_array_pop(&ctx, a), I(i));
    expect_ok();
}

Test(coll, array_insert_remove)
{
    vm_val_t a = arr(2, I(1), I(3));
    vm_array_insert(&ctx, a, 1, I(2));
    vm_array_insert(&ctx, a, 0, I(0));
    vm_array_insert(&ctx, a, 4, I(4));
    cr_assert_str_eq(text(a), "[0, 1, 2, 3, 4]");
    cr_assert_eq(vm_array_remove(&ctx, a, 0), I(0));
    cr_assert_eq(vm_array_remove(&ctx, a, 3), I(4));
    cr_assert_eq(vm_array_remove(&ctx, a, 1), I(2));
    cr_assert_str_eq(text(a), "[1, 3]");
    vm_val_t e = vm_array_new(&ctx);
    vm_array_insert(&ctx, e, 0, I(9));
    cr_assert_str_eq(text(e), "[9]");
    expect_ok();
}

Test(coll, array_slice_concat_copy)
{
    vm_val_t a = arr(4, I(0), I(1), I(2), I(3));
    cr_assert_str_eq(text(vm_array_slice(&ctx, a, 1, 3)), "[1, 2]");
    cr_assert_str_eq(text(vm_array_slice(&ctx, a, 0, 4)), "[0, 1, 2, 3]");
    cr_assert_str_eq(text(vm_array_slice(&ctx, a, 4, 4)), "[]");
    vm_val_t c = vm_array_concat(&ctx, a, arr(1, str("z")));
    cr_assert_str_eq(text(c), "[0, 1, 2, 3, \"z\"]");
    cr_assert_str_eq(text(vm_array_concat(&ctx, a, a)), "[0, 1, 2, 3, 0, 1, 2, 3]");
    cr_assert_str_eq(text(vm_array_concat(&ctx, vm_array_new(&ctx), vm_array_new(&ctx))), "[]");
    vm_val_t inner = arr(0), outer = arr(1, inner);
    vm_val_t copy = vm_array_copy(&ctx, outer);
    cr_assert_neq(copy, outer);
    cr_assert_eq(at(copy, 0), inner); /* shallow */
    vm_array_push(&ctx, copy, I(1));
    cr_assert_eq(vm_array_len(&ctx, outer), 1);
    expect_ok();
}

Test(coll, array_index_of_reverse)
{
    vm_val_t nan = flt(NAN);
    vm_val_t a = arr(5, str("a"), flt(2.0), nan, tup(1, I(1)), I(2));
    cr_assert_eq(vm_array_index_of(&ctx, a, I(2)), 1);
    cr_assert_eq(vm_array_index_of(&ctx, a, str("a")), 0);
    cr_assert_eq(vm_array_index_of(&ctx, a, tup(1, flt(1.0))), 3);
    cr_assert_eq(vm_array_index_of(&ctx, a, nan), -1);
    cr_assert_eq(vm_array_index_of(&ctx, a, VM_NIL), -1);
    vm_array_reverse(&ctx, a);
    cr_assert_eq(vm_array_index_of(&ctx, a, I(2)), 0);
    cr_assert_eq(vm_array_index_of(&ctx, a, str("a")), 4);
    vm_val_t b = arr(4, I(1), I(2), I(3), I(4)), e = arr(0);
    vm_array_reverse(&ctx, b);
    vm_array_reverse(&ctx, e);
    cr_assert_str_eq(text(b), "[4, 3, 2, 1]");
    cr_assert_str_eq(text(e), "[]");
    expect_ok();
}

Test(coll, array_errors)
{
    vm_val_t a = arr(2, I(1), I(2)), e = arr(0), t = tup(0);
    cr_assert_eq(vm_array_make(&ctx, -1, VM_NIL), 0);
    expect_raised("badarg");
    cr_assert_eq(vm_array_get(&ctx, a, 2), 0);
    expect_raised("index");
    cr_assert_eq(vm_array_get(&ctx, a, -1), 0);
    expect_raised("index");
    vm_array_set(&ctx, a, 2, I(0));
    expect_raised("index");
    vm_array_set(&ctx, a, -1, I(0));
    expect_raised("index");
    cr_assert_eq(vm_array_pop(&ctx, e), 0);
    expect_raised("index");
    vm_array_insert(&ctx, a, 3, I(0));
    expect_raised("index");
    vm_array_insert(&ctx, a, -1, I(0));
    expect_raised("index");
    cr_assert_eq(vm_array_remove(&ctx, a, 2), 0);
    expect_raised("index");
    cr_assert_eq(vm_array_remove(&ctx, e, 0), 0);
    expect_raised("index");
    cr_assert_eq(vm_array_slice(&ctx, a, -1, 1), 0);
    expect_raised("index");
    cr_assert_eq(vm_array_slice(&ctx, a, 0, 3), 0);
    expect_raised("index");
    cr_assert_eq(vm_array_slice(&ctx, a, 2, 1), 0);
    expect_raised("index");
    cr_assert_str_eq(text(a), "[1, 2]"); /* untouched by the failures */
    /* every builtin checks the kind */
    vm_array_len(&ctx, t);
    expect_raised("type");
    cr_assert_eq(vm_array_get(&ctx, t, 0), 0);
    expect_raised("type");
    vm_array_set(&ctx, t, 0, I(0));
    expect_raised("type");
    vm_array_push(&ctx, t, I(0));
    expect_raised("type");
    cr_assert_eq(vm_array_pop(&ctx, t), 0);
    expect_raised("type");
    vm_array_insert(&ctx, t, 0, I(0));
    expect_raised("type");
    cr_assert_eq(vm_array_remove(&ctx, t, 0), 0);
    expect_raised("type");
    cr_assert_eq(vm_array_slice(&ctx, t, 0, 0), 0);
    expect_raised("type");
    cr_assert_eq(vm_array_concat(&ctx, a, t), 0);
    expect_raised("type");
    cr_assert_eq(vm_array_concat(&ctx, t, a), 0);
    expect_raised("type");
    vm_array_index_of(&ctx, t, I(0));
    expect_raised("type");
    vm_array_reverse(&ctx, t);
    expect_raised("type");
    vm_array_sort(&ctx, t);
    expect_raised("type");
    vm_array_sort_by(&ctx, t, fake_fn(by_first, 2));
    expect_raised("type");
    cr_assert_eq(vm_array_copy(&ctx, t), 0);
    expect_raised("type");
    vm_array_clear(&ctx, t);
    expect_raised("type");
}

/* ---- sorting ---- */

static int cmp_i64(const void *p, const void *q)
{
    int64_t a = *(const int64_t *)p, b = *(const int64_t *)q;
    return (a > b) - (a < b);
}

Test(coll, sort_ints_matches_qsort)
{
    size_t sizes[] = {0, 1, 2, 23, 24, 25, 100, 1000, 54321};
    srand(42);
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        size_t n = sizes[s];
        int64_t *want = malloc((n + 1) * sizeof *want);
        vm_val_t a = vm_array_new(&ctx);
        for (size_t i = 0; i < n; i++) {
            want[i] = (int64_t)(rand() % 2001) - 1000 + (i % 7 == 0 ? VM_INT_MIN / 2 : 0);
            vm_array_push(&ctx, a, I(want[i]));
        }
        qsort(want, n, sizeof *want, cmp_i64);
        vm_array_sort(&ctx, a);
        for (size_t i = 0; i < n; i++)
            cr_assert_eq(at(a, i), I(want[i]), "size %zu, item %zu", n, i);
        vm_array_sort(&ctx, a); /* sorted input */
        for (size_t i = 0; i < n; i++)
            cr_assert_eq(at(a, i), I(want[i]));
        vm_array_reverse(&ctx, a); /* reversed input */
        vm_array_sort(&ctx, a);
        for (size_t i = 0; i < n; i++)
            cr_assert_eq(at(a, i), I(want[i]));
        free(want);
    }
    expect_ok();
}

/* Mixed kinds sort in the total order; equal items keep their order. */
Test(coll, sort_total_order_stable)
{
    vm_val_t one_f = flt(1.0), one_f2 = flt(1.0), nan = flt(NAN), nan2 = flt(NAN);
    vm_val_t a =
        arr(10, I(2), one_f, str("b"), VM_NIL, nan, I(1), str("a"), one_f2, nan2, flt(-INFINITY));
    vm_array_sort(&ctx, a);
    vm_val_t want[] = {VM_NIL, flt(-INFINITY), one_f,    I(1),    one_f2, I(2),
                       nan,    nan2,           str("a"), str("b")};
    cr_assert_eq(at(a, 2), one_f); /* stable among 1.0, 1, 1.0 */
    cr_assert_eq(at(a, 3), I(1));
    cr_assert_eq(at(a, 4), one_f2);
    cr_assert_eq(at(a, 6), nan); /* nan last among numbers, stable */
    cr_assert_eq(at(a, 7), nan2);
    for (size_t i = 0; i < 10; i++)
        cr_assert_eq(vm_cmp(&ctx, at(a, i), want[i]), 0, "item %zu", i);
    /* many equal keys in long runs: stability through the merges */
    vm_val_t b = vm_array_new(&ctx);
    for (int i = 0; i < 3000; i++)
        vm_array_push(&ctx, b, i % 2 ? I(i % 5) : flt(i % 5));
    vm_val_t orig = vm_array_copy(&ctx, b);
    vm_array_sort(&ctx, b);
    size_t k = 0;
    for (int key = 0; key < 5; key++) /* each key's items, in their original order */
        for (int i = 0; i < 3000; i++)
            if (i % 5 == key)
                cr_assert_eq(at(b, k++), at(orig, i), "key %d, item %d", key, i);
    expect_ok();
}

Test(coll, sort_by_stable)
{
    vm_val_t f = fake_fn(by_first, 2);
    vm_val_t a = vm_array_new(&ctx);
    srand(7);
    for (int i = 0; i < 1000; i++)
        vm_array_push(&ctx, a, tup(2, I(rand() % 10), I(i)));
    calls = 0;
    vm_array_sort_by(&ctx, a, f);
    expect_ok();
    cr_assert_gt(calls, 0);
    for (int i = 1; i < 1000; i++) {
        int64_t k0 = val_as_int(((vm_tuple_t *)at(a, i - 1))->items[0]);
        int64_t k1 = val_as_int(((vm_tuple_t *)at(a, i))->items[0]);
        int64_t s0 = val_as_int(((vm_tuple_t *)at(a, i - 1))->items[1]);
        int64_t s1 = val_as_int(((vm_tuple_t *)at(a, i))->items[1]);
        cr_assert(k0 < k1 || (k0 == k1 && s0 < s1), "item %d out of order", i);
    }
    vm_val_t b = arr(5, I(3), I(1), I(4), I(1), I(5));
    vm_array_sort_by(&ctx, b, fake_fn(desc_big, 2));
    cr_assert_str_eq(text(b), "[5, 4, 3, 1, 1]");
    vm_val_t e = arr(0), one = arr(1, I(1));
    vm_array_sort_by(&ctx, e, f);
    vm_array_sort_by(&ctx, one, f);
    cr_assert_str_eq(text(one), "[1]");
    expect_ok();
}

/* An error in the function stops the sort; the array keeps its items. */
Test(coll, sort_by_errors)
{
    vm_val_t a = vm_array_new(&ctx);
    for (int i = 0; i < 100; i++)
        vm_array_push(&ctx, a, tup(2, I((i * 37) % 100), I(i)));
    vm_val_t orig = vm_array_copy(&ctx, a);
    calls = 0;
    fail_after = 150;
    vm_array_sort_by(&ctx, a, fake_fn(by_first, 2));
    fail_after = 0;
    cr_assert_eq(calls, 150);
    expect_raised("badarg");
    vm_array_sort(&ctx, a); /* still a permutation of the items */
    vm_array_sort(&ctx, orig);
    cr_assert(rt_equal(a, orig));

    vm_val_t b = arr(3, I(3), I(2), I(1));
    vm_array_sort_by(&ctx, b, fake_fn(returns_nil, 2));
    expect_raised("type");
    cr_assert_str_eq(text(b), "[3, 2, 1]");
    vm_array_sort_by(&ctx, b, str("f"));
    expect_raised("type");
    vm_array_sort_by(&ctx, b, fake_fn(by_first, 1));
    expect_raised("arity");
    vm_array_sort_by(&ctx, arr(0), fake_fn(by_first, 3)); /* checked even when empty */
    expect_raised("arity");

    /* the function grows the array being sorted */
    vm_val_t c = arr(3, tup(1, I(2)), tup(1, I(1)), tup(1, I(0)));
    victim = c;
    vm_array_sort_by(&ctx, c, fake_fn(by_first, 2));
    victim = 0;
    expect_raised("badarg");
}

/* ---- maps ---- */

Test(coll, map_basics)
{
    vm_val_t m = vm_map_new(&ctx);
    cr_assert_eq(vm_map_len(&ctx, m), 0);
    vm_map_put(&ctx, m, str("a"), I(1));
    vm_map_put(&ctx, m, I(1), str("one"));
    vm_map_put(&ctx, m, tup(2, I(1), I(2)), VM_TRUE);
    cr_assert_eq(vm_map_len(&ctx, m), 3);
    cr_assert_eq(vm_map_get(&ctx, m, str("a")), I(1));
    cr_assert_str_eq(rt_as_str(vm_map_get(&ctx, m, flt(1.0)))->bytes, "one");
    cr_assert_eq(vm_map_get(&ctx, m, tup(2, flt(1.0), I(2))), VM_TRUE);
    cr_assert_eq(vm_map_has(&ctx, m, str("a")), 1);
    cr_assert_eq(vm_map_has(&ctx, m, str("b")), 0);
    cr_assert_eq(vm_map_get_or(&ctx, m, str("b"), I(-1)), I(-1));
    cr_assert_eq(vm_map_get_or(&ctx, m, str("a"), I(-1)), I(1));
    /* 1.0 is the key 1: the value changes, the key and its place stay */
    vm_map_put(&ctx, m, flt(1.0), str("uno"));
    cr_assert_eq(vm_map_len(&ctx, m), 3);
    cr_assert_str_eq(text(m), "%{\"a\" => 1, 1 => \"uno\", {1, 2} => true}");
    vm_map_delete(&ctx, m, I(1));
    vm_map_delete(&ctx, m, str("nope"));
    cr_assert_eq(vm_map_len(&ctx, m), 2);
    cr_assert_eq(vm_map_has(&ctx, m, flt(1.0)), 0);
    cr_assert_str_eq(text(m), "%{\"a\" => 1, {1, 2} => true}");
    /* nan is never found, but is harmless */
    vm_map_put(&ctx, m, flt(NAN), I(0));
    cr_assert_eq(vm_map_has(&ctx, m, flt(NAN)), 0);
    expect_ok();
}

Test(coll, map_order_delete_reinsert)
{
    vm_val_t m = vm_map_new(&ctx);
    const char *keys[] = {"d", "a", "c", "b"};
    for (int i = 0; i < 4; i++)
        vm_map_put(&ctx, m, str(keys[i]), I(i));
    vm_map_put(&ctx, m, str("a"), I(10)); /* update: keeps its place */
    cr_assert_str_eq(text(vm_map_keys(&ctx, m)), "[\"d\", \"a\", \"c\", \"b\"]");
    vm_map_delete(&ctx, m, str("a"));
    vm_map_put(&ctx, m, str("a"), I(11)); /* reinsert: last */
    cr_assert_str_eq(text(vm_map_keys(&ctx, m)), "[\"d\", \"c\", \"b\", \"a\"]");
    cr_assert_str_eq(text(vm_map_values(&ctx, m)), "[0, 2, 3, 11]");
    cr_assert_str_eq(text(vm_map_items(&ctx, m)),
                     "[{\"d\", 0}, {\"c\", 2}, {\"b\", 3}, {\"a\", 11}]");
    vm_val_t c = vm_map_copy(&ctx, m);
    cr_assert(rt_equal(c, m));
    cr_assert_str_eq(text(c), text(m));
    vm_map_put(&ctx, c, str("z"), I(0));
    cr_assert_eq(vm_map_len(&ctx, m), 4);
    cr_assert_eq(vm_map_len(&ctx, vm_map_copy(&ctx, vm_map_new(&ctx))), 0);
    expect_ok();
}

Test(coll, map_iteration_protocol)
{
    vm_val_t m = vm_map_new(&ctx);
    for (int i = 0; i < 6; i++)
        vm_map_put(&ctx, m, I(i), I(i * i));
    vm_map_delete(&ctx, m, I(0));
    vm_map_delete(&ctx, m, I(3));
    int64_t seen = 0, n = 0;
    for (int64_t p = vm_map_next(&ctx, m, 0); p >= 0; p = vm_map_next(&ctx, m, p + 1)) {
        int64_t k = val_as_int(vm_map_key_at(&ctx, m, p));
        cr_assert_eq(vm_map_value_at(&ctx, m, p), I(k * k));
        seen = seen * 10 + k;
        n++;
    }
    cr_assert_eq(seen, 1245);
    cr_assert_eq(n, 4);
    cr_assert_eq(vm_map_next(&ctx, m, 0), 1); /* position 0 is a tombstone */
    cr_assert_eq(vm_map_next(&ctx, m, 100), -1);
    vm_map_next(&ctx, m, -1);
    expect_raised("index");
    vm_map_key_at(&ctx, m, 0);
    expect_raised("index");
    vm_map_value_at(&ctx, m, 3);
    expect_raised("index");
    vm_map_key_at(&ctx, m, 6);
    expect_raised("index");
    vm_map_value_at(&ctx, m, -1);
    expect_raised("index");
    cr_assert_eq(vm_map_next(&ctx, vm_map_new(&ctx), 0), -1);
}

/* Deleting or putting while iterating never reads out of bounds. */
Test(coll, map_mutation_during_iteration)
{
    vm_val_t m = vm_map_new(&ctx);
    for (int i = 0; i < 100; i++)
        vm_map_put(&ctx, m, I(i), I(i));
    int visited = 0;
    for (int64_t p = vm_map_next(&ctx, m, 0); p >= 0; p = vm_map_next(&ctx, m, p + 1)) {
        vm_map_delete(&ctx, m, vm_map_key_at(&ctx, m, p));
        visited++;
    }
    cr_assert_eq(visited, 100);
    cr_assert_eq(vm_map_len(&ctx, m), 0);
    /* puts that rebuild the table renumber entries: the walk may skip or
     * repeat, but every position it gets is valid and it ends */
    for (int i = 0; i < 20; i++)
        vm_map_put(&ctx, m, I(i), I(i));
    int steps = 0;
    for (int64_t p = vm_map_next(&ctx, m, 0); p >= 0 && steps < 100000;
         p = vm_map_next(&ctx, m, p + 1), steps++) {
        vm_val_t k = vm_map_key_at(&ctx, m, p);
        expect_ok();
        if (val_as_int(k) % 3 == 0)
            vm_map_delete(&ctx, m, k);
        if (steps < 200)
            vm_map_put(&ctx, m, I(1000 + steps), k);
    }
    cr_assert_lt(steps, 100000);
    expect_ok();
}

Test(coll, map_growth_many_entries)
{
    vm_val_t m = vm_map_new(&ctx);
    const int n = 100000;
    for (int i = 0; i < n; i++)
        vm_map_put(&ctx, m, I(i * 7919 % n), I(i));
    cr_assert_eq(vm_map_len(&ctx, m), n);
    for (int i = 0; i < n; i++)
        cr_assert_eq(vm_map_get(&ctx, m, I(i * 7919 % n)), I(i));
    for (int i = 0; i < n; i += 2)
        vm_map_delete(&ctx, m, I(i * 7919 % n));
    cr_assert_eq(vm_map_len(&ctx, m), n / 2);
    int64_t k = 0;
    for (int64_t p = vm_map_next(&ctx, m, 0); p >= 0; p = vm_map_next(&ctx, m, p + 1), k += 2)
        cr_assert_eq(vm_map_value_at(&ctx, m, p), I(k + 1), "order after deletes");
    cr_assert_eq(k, n);
    for (int i = 0; i < n; i++)
        cr_assert_eq(vm_map_has(&ctx, m, I(i * 7919 % n)), i % 2);
    expect_ok();
}

/* Fewer string keys: each is an allocation, slow under VMRT_GC_STRESS. */
Test(coll, map_string_keys)
{
    vm_val_t s = vm_map_new(&ctx), keys = vm_array_new(&ctx);
    char buf[32];
    for (int i = 0; i < 4000; i++) {
        snprintf(buf, sizeof buf, "key%d", i);
        vm_array_push(&ctx, keys, str(buf));
        vm_map_put(&ctx, s, at(keys, i), I(i));
    }
    for (int i = 0; i < 4000; i++) {
        snprintf(buf, sizeof buf, "key%d", i);
        vm_val_t key = i % 40 ? at(keys, i) : str(buf); /* some equal, not identical */
        cr_assert_eq(vm_map_get(&ctx, s, key), I(i));
    }
    expect_ok();
}

/* A map used as a queue: its storage stays the size of its live entries. */
Test(coll, map_tombstone_compaction)
{
    vm_val_t m = vm_map_new(&ctx);
    for (int i = 0; i < 10; i++)
        vm_map_put(&ctx, m, I(i), VM_NIL);
    for (int i = 10; i < 30000; i++) {
        vm_map_put(&ctx, m, I(i), VM_NIL);
        vm_map_delete(&ctx, m, I(i - 10));
        cr_assert_leq(rt_as_map(m)->cap, 64, "cap %llu at %d",
                      (unsigned long long)rt_as_map(m)->cap, i);
    }
    cr_assert_eq(vm_map_len(&ctx, m), 10);
    vm_val_t keys = vm_map_keys(&ctx, m);
    for (int i = 0; i < 10; i++)
        cr_assert_eq(at(keys, i), I(29990 + i));
    /* growing big and deleting nearly all shrinks at the next rebuild */
    for (int i = 0; i < 20000; i++)
        vm_map_put(&ctx, m, I(-i - 1), VM_NIL);
    uint64_t big = rt_as_map(m)->cap;
    for (int i = 0; i < 20000; i++)
        vm_map_delete(&ctx, m, I(-i - 1));
    vm_val_t x = str("x");
    for (int i = 0; i < (int)big; i++) {
        vm_map_put(&ctx, m, x, VM_NIL);
        vm_map_delete(&ctx, m, x);
    }
    cr_assert_lt(rt_as_map(m)->cap, big / 100);
    cr_assert_eq(vm_map_len(&ctx, m), 10);
    expect_ok();
}

Test(coll, map_errors)
{
    vm_val_t m = vm_map_new(&ctx), s = vm_set_new(&ctx);
    vm_map_put(&ctx, m, I(1), I(2));
    cr_assert_eq(vm_map_get(&ctx, m, str("abc")), 0);
    cr_assert_neq(ctx.exc, 0);
    cr_assert_str_eq(rt_as_str(((vm_exc_t *)ctx.exc)->message)->bytes, "map.get: no key \"abc\"");
    expect_raised("key");
    char big[1000];
    memset(big, 'q', sizeof big - 1);
    big[sizeof big - 1] = 0;
    vm_map_get(&ctx, m, arr(1, str(big)));
    const char *msg = rt_as_str(((vm_exc_t *)ctx.exc)->message)->bytes;
    cr_assert_lt(strlen(msg), 300);
    cr_assert_eq(strncmp(msg, "map.get: no key [\"qqq", 21), 0);
    cr_assert_str_eq(msg + strlen(msg) - 3, "...");
    expect_raised("key");
    /* a set is not a map */
    vm_map_len(&ctx, s);
    expect_raised("type");
    cr_assert_eq(vm_map_get(&ctx, s, I(1)), 0);
    expect_raised("type");
    cr_assert_eq(vm_map_get_or(&ctx, s, I(1), I(0)), 0);
    expect_raised("type");
    vm_map_put(&ctx, s, I(1), I(1));
    expect_raised("type");
    vm_map_delete(&ctx, s, I(1));
    expect_raised("type");
    vm_map_has(&ctx, s, I(1));
    expect_raised("type");
    cr_assert_eq(vm_map_keys(&ctx, s), 0);
    expect_raised("type");
    cr_assert_eq(vm_map_values(&ctx, arr(0)), 0);
    expect_raised("type");
    cr_assert_eq(vm_map_items(&ctx, VM_NIL), 0);
    expect_raised("type");
    vm_map_next(&ctx, s, 0);
    expect_raised("type");
    cr_assert_eq(vm_map_key_at(&ctx, s, 0), 0);
    expect_raised("type");
    cr_assert_eq(vm_map_value_at(&ctx, s, 0), 0);
    expect_raised("type");
    cr_assert_eq(vm_map_copy(&ctx, s), 0);
    expect_raised("type");
    cr_assert_str_eq(text(m), "%{1 => 2}");
}

/* ---- sets ---- */

Test(coll, set_basics)
{
    vm_val_t s = vm_set_new(&ctx);
    vm_set_add(&ctx, s, str("b"));
    vm_set_add(&ctx, s, I(1));
    vm_set_add(&ctx, s, flt(1.0)); /* already there */
    vm_set_add(&ctx, s, str("a"));
    vm_set_add(&ctx, s, str("b"));
    cr_assert_eq(vm_set_len(&ctx, s), 3);
    cr_assert_eq(vm_set_has(&ctx, s, flt(1.0)), 1);
    cr_assert_eq(vm_set_has(&ctx, s, I(2)), 0);
    cr_assert_str_eq(text(s), "#{\"b\", 1, \"a\"}");
    vm_set_delete(&ctx, s, str("b"));
    vm_set_delete(&ctx, s, str("zz"));
    vm_set_add(&ctx, s, str("b"));
    cr_assert_str_eq(text(vm_set_to_array(&ctx, s)), "[1, \"a\", \"b\"]");
    int64_t p = vm_set_next(&ctx, s, 0);
    cr_assert_eq(p, 1);
    cr_assert_eq(vm_set_at(&ctx, s, p), I(1));
    cr_assert_eq(vm_set_next(&ctx, s, 4), -1);
    cr_assert_str_eq(rt_as_str(vm_set_at(&ctx, s, vm_set_next(&ctx, s, 3)))->bytes, "b");
    vm_set_at(&ctx, s, 0);
    expect_raised("index");
    vm_set_at(&ctx, s, 99);
    expect_raised("index");
    vm_set_next(&ctx, s, -5);
    expect_raised("index");
    for (int i = 0; i < 30000; i++)
        vm_set_add(&ctx, s, I(i % 15000));
    cr_assert_eq(vm_set_len(&ctx, s), 15002); /* 1 was there */
    expect_ok();
}

Test(coll, set_algebra)
{
    vm_val_t a = set(4, I(4), I(1), I(3), str("x"));
    vm_val_t b = set(4, I(5), I(3), str("x"), flt(4.0));
    cr_assert_str_eq(text(vm_set_union(&ctx, a, b)), "#{4, 1, 3, \"x\", 5}");
    cr_assert_str_eq(text(vm_set_union(&ctx, b, a)), "#{5, 3, \"x\", 4.0, 1}");
    cr_assert_str_eq(text(vm_set_intersection(&ctx, a, b)), "#{4, 3, \"x\"}");
    cr_assert_str_eq(text(vm_set_intersection(&ctx, b, a)), "#{3, \"x\", 4.0}");
    cr_assert_str_eq(text(vm_set_difference(&ctx, a, b)), "#{1}");
    cr_assert_str_eq(text(vm_set_difference(&ctx, b, a)), "#{5}");
    vm_val_t e = vm_set_new(&ctx);
    cr_assert(rt_equal(vm_set_union(&ctx, e, e), e));
    cr_assert(rt_equal(vm_set_union(&ctx, a, e), a));
    cr_assert(rt_equal(vm_set_intersection(&ctx, a, e), e));
    cr_assert(rt_equal(vm_set_difference(&ctx, a, e), a));
    cr_assert(rt_equal(vm_set_difference(&ctx, a, a), e));
    /* the results are new sets */
    vm_val_t u = vm_set_union(&ctx, a, e);
    cr_assert_neq(u, a);
    vm_set_add(&ctx, u, I(99));
    cr_assert_eq(vm_set_has(&ctx, a, I(99)), 0);
    /* big ones */
    vm_val_t x = vm_set_new(&ctx), y = vm_set_new(&ctx);
    for (int i = 0; i < 20000; i++) {
        vm_set_add(&ctx, x, I(i));
        vm_set_add(&ctx, y, I(i + 10000));
    }
    cr_assert_eq(vm_set_len(&ctx, vm_set_union(&ctx, x, y)), 30000);
    cr_assert_eq(vm_set_len(&ctx, vm_set_intersection(&ctx, x, y)), 10000);
    cr_assert_eq(vm_set_len(&ctx, vm_set_difference(&ctx, x, y)), 10000);
    expect_ok();
}

Test(coll, set_errors)
{
    vm_val_t m = vm_map_new(&ctx), s = vm_set_new(&ctx);
    vm_set_len(&ctx, m);
    expect_raised("type");
    vm_set_add(&ctx, m, I(1));
    expect_raised("type");
    vm_set_has(&ctx, m, I(1));
    expect_raised("type");
    vm_set_delete(&ctx, m, I(1));
    expect_raised("type");
    cr_assert_eq(vm_set_union(&ctx, s, m), 0);
    expect_raised("type");
    cr_assert_eq(vm_set_union(&ctx, m, s), 0);
    expect_raised("type");
    cr_assert_eq(vm_set_intersection(&ctx, s, arr(0)), 0);
    expect_raised("type");
    cr_assert_eq(vm_set_difference(&ctx, VM_NIL, s), 0);
    expect_raised("type");
    cr_assert_eq(vm_set_to_array(&ctx, m), 0);
    expect_raised("type");
    vm_set_next(&ctx, m, 0);
    expect_raised("type");
    cr_assert_eq(vm_set_at(&ctx, m, 0), 0);
    expect_raised("type");
    cr_assert_eq(vm_map_len(&ctx, m), 0);
}

/* Sets and maps as keys and members: structural, order-insensitive. */
Test(coll, containers_as_keys)
{
    vm_val_t m = vm_map_new(&ctx);
    vm_map_put(&ctx, m, set(2, I(1), I(2)), str("s"));
    vm_val_t k = vm_map_new(&ctx);
    vm_map_put(&ctx, k, str("a"), I(1));
    vm_map_put(&ctx, k, str("b"), I(2));
    vm_map_put(&ctx, m, k, str("m"));
    vm_map_put(&ctx, m, arr(2, I(1), str("x")), str("a"));
    cr_assert_str_eq(rt_as_str(vm_map_get(&ctx, m, set(2, flt(2.0), I(1))))->bytes, "s");
    vm_val_t k2 = vm_map_new(&ctx);
    vm_map_put(&ctx, k2, str("b"), I(2));
    vm_map_put(&ctx, k2, str("a"), flt(1.0));
    cr_assert_str_eq(rt_as_str(vm_map_get(&ctx, m, k2))->bytes, "m");
    cr_assert_str_eq(rt_as_str(vm_map_get(&ctx, m, arr(2, flt(1.0), str("x"))))->bytes, "a");
    cr_assert_eq(vm_map_has(&ctx, m, arr(2, str("x"), I(1))), 0);
    expect_ok();
}
