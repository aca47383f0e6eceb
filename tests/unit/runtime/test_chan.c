/* Unit tests of runtime/chan (docs/channels.md) outside the scheduler:
 * what never waits (try_send, try_recv, close, tokens, select with
 * timeout 0, send and recv that need not wait), the errors, growth of the
 * buffers, the kind's printing, order, hash and copying, and items kept
 * alive across collections. Waiting itself needs processes: the chan_*
 * end-to-end tests cover it. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#define GC_THREADS
#include <gc/gc.h>

/* before rt_test.h, whose global `ctx` the prototypes' parameters would shadow */
#include "chan/chan.h"
#include "proc/proc.h"

#include "rt_test.h"

TestSuite(chan, .init = setup);

static vm_val_t atom(const char *name)
{
    return rt_atom(name);
}

/* {ok, v} from try_recv: its item, checked. */
static vm_val_t got(vm_val_t r)
{
    cr_assert(rt_is_kind(r, VM_KIND_TUPLE), "not {ok, item}: %s", text(r));
    cr_assert_eq(((vm_tuple_t *)r)->items[0], atom("ok"));
    return ((vm_tuple_t *)r)->items[1];
}

Test(chan, bounded_try_send_and_try_recv)
{
    vm_val_t c = vm_chan_new(&ctx, 2);
    cr_assert(c);
    cr_assert_eq(vm_chan_cap(&ctx, c), 2);
    cr_assert_eq(vm_chan_try_send(&ctx, c, I(1)), atom("ok"));
    cr_assert_eq(vm_chan_try_send(&ctx, c, I(2)), atom("ok"));
    cr_assert_eq(vm_chan_try_send(&ctx, c, I(3)), atom("full"));
    cr_assert_eq(vm_chan_len(&ctx, c), 2);
    cr_assert_eq(got(vm_chan_try_recv(&ctx, c)), I(1));
    cr_assert_eq(vm_chan_try_send(&ctx, c, I(4)), atom("ok")); /* wraps round the ring */
    cr_assert_eq(got(vm_chan_try_recv(&ctx, c)), I(2));
    cr_assert_eq(got(vm_chan_try_recv(&ctx, c)), I(4));
    cr_assert_eq(vm_chan_try_recv(&ctx, c), atom("empty"));
    cr_assert_eq(ctx.exc, 0);
}

Test(chan, bounded_buffer_grows_to_its_capacity_only)
{
    vm_val_t c = vm_chan_new(&ctx, 100);
    for (int i = 0; i < 100; i++)
        cr_assert_eq(vm_chan_try_send(&ctx, c, I(i)), atom("ok"), "item %d", i);
    cr_assert_eq(vm_chan_try_send(&ctx, c, I(100)), atom("full"));
    for (int i = 0; i < 100; i++)
        cr_assert_eq(vm_chan_recv(&ctx, c), I(i));
}

Test(chan, unbounded_keeps_order_across_growth)
{
    vm_val_t c = vm_chan_new(&ctx, 0);
    cr_assert_eq(vm_chan_cap(&ctx, c), 0);
    /* interleave sends and receives so the ring wraps before it grows */
    int64_t next = 0;
    for (int i = 0; i < 20000; i++) {
        vm_chan_send(&ctx, c, I(i));
        cr_assert_eq(ctx.exc, 0);
        if (i % 3 == 0)
            cr_assert_eq(vm_chan_recv(&ctx, c), I(next++));
    }
    cr_assert_eq(vm_chan_len(&ctx, c), 20000 - next);
    while (next < 20000)
        cr_assert_eq(vm_chan_recv(&ctx, c), I(next++));
    cr_assert_eq(vm_chan_len(&ctx, c), 0);
}

Test(chan, waiting_outside_a_process_raises_badarg)
{
    vm_val_t c = vm_chan_new(&ctx, 1);
    cr_assert(!vm_chan_recv(&ctx, c));
    expect_raised("badarg");
    vm_chan_send(&ctx, c, I(1));
    cr_assert_eq(ctx.exc, 0);
    vm_chan_send(&ctx, c, I(2));
    expect_raised("badarg");
    vm_val_t cs = arr(1, vm_chan_new(&ctx, 0));
    cr_assert(!vm_chan_select(&ctx, cs, -1));
    expect_raised("badarg");
    cr_assert(!vm_chan_select(&ctx, cs, 10));
    expect_raised("badarg");
    cr_assert_eq(vm_chan_select(&ctx, cs, 0), atom("timeout"));
    cr_assert_eq(ctx.exc, 0);
}

Test(chan, close_lets_items_drain)
{
    vm_val_t c = vm_chan_new(&ctx, 0);
    vm_chan_send(&ctx, c, I(1));
    vm_chan_send(&ctx, c, I(2));
    cr_assert_eq(vm_chan_closed(&ctx, c), 0);
    vm_chan_close(&ctx, c);
    cr_assert_eq(ctx.exc, 0);
    cr_assert_eq(vm_chan_closed(&ctx, c), 1);
    cr_assert_eq(vm_chan_try_send(&ctx, c, I(3)), atom("closed"));
    vm_chan_send(&ctx, c, I(3));
    expect_raised("closed");
    cr_assert_eq(vm_chan_recv(&ctx, c), I(1));
    cr_assert_eq(got(vm_chan_try_recv(&ctx, c)), I(2));
    cr_assert_eq(vm_chan_try_recv(&ctx, c), atom("closed"));
    cr_assert(!vm_chan_recv(&ctx, c));
    expect_raised("closed");
    vm_chan_close(&ctx, c);
    expect_raised("badarg");
}

Test(chan, try_send_of_a_mutable_item_to_a_full_or_closed_channel)
{
    vm_val_t c = vm_chan_new(&ctx, 1);
    vm_val_t a = arr(2, I(1), I(2));
    cr_assert_eq(vm_chan_try_send(&ctx, c, a), atom("ok"));
    cr_assert_eq(vm_chan_try_send(&ctx, c, a), atom("full"));
    cr_assert_eq(vm_chan_len(&ctx, c), 1);
    vm_chan_close(&ctx, c);
    cr_assert_eq(vm_chan_try_send(&ctx, c, a), atom("closed"));
    cr_assert_eq(vm_chan_len(&ctx, c), 1);
    vm_val_t r = got(vm_chan_try_recv(&ctx, c));
    cr_assert_neq(r, a);
    cr_assert_str_eq(text(r), "[1, 2]");
    cr_assert_eq(vm_chan_try_recv(&ctx, c), atom("closed"));
    cr_assert_eq(ctx.exc, 0);
}

Test(chan, select_drains_a_closed_channel_before_answering_closed)
{
    vm_val_t c = vm_chan_new(&ctx, 0);
    vm_chan_send(&ctx, c, I(1));
    vm_chan_send(&ctx, c, I(2));
    vm_chan_close(&ctx, c);
    vm_val_t cs = arr(2, c, c); /* the same channel twice */
    vm_val_t r = vm_chan_select(&ctx, cs, 0);
    cr_assert_eq(((vm_tuple_t *)r)->items[2], I(1), "%s", text(r));
    r = vm_chan_select(&ctx, cs, 0);
    cr_assert_eq(((vm_tuple_t *)r)->items[2], I(2), "%s", text(r));
    r = vm_chan_select(&ctx, cs, 0);
    cr_assert_eq(((vm_tuple_t *)r)->items[0], atom("closed"), "%s", text(r));
    cr_assert_eq(((vm_tuple_t *)r)->items[2], VM_NIL);
    cr_assert_eq(vm_chan_len(&ctx, c), 0);
    cr_assert_eq(ctx.exc, 0);
}

Test(chan, tokens)
{
    vm_val_t t = vm_token_new(&ctx);
    cr_assert(rt_is_kind(t, VM_KIND_CHAN));
    cr_assert_eq(vm_chan_cap(&ctx, t), 1);
    cr_assert_eq(vm_token_cancelled(&ctx, t), 0);
    cr_assert_eq(vm_chan_try_recv(&ctx, t), atom("empty"));
    vm_chan_send(&ctx, t, I(1));
    expect_raised("badarg");
    cr_assert(!vm_chan_try_send(&ctx, t, I(1)));
    expect_raised("badarg");
    vm_token_cancel(&ctx, t);
    vm_token_cancel(&ctx, t);
    cr_assert_eq(ctx.exc, 0);
    cr_assert_eq(vm_token_cancelled(&ctx, t), 1);
    cr_assert_eq(vm_chan_closed(&ctx, t), 1);
    cr_assert_eq(vm_chan_try_recv(&ctx, t), atom("closed"));
    vm_val_t r = vm_chan_select(&ctx, arr(2, vm_chan_new(&ctx, 0), t), 0);
    cr_assert_str_eq(text(r), "{closed, 1, nil}");
}

Test(chan, select_without_waiting)
{
    vm_val_t a = vm_chan_new(&ctx, 0), b = vm_chan_new(&ctx, 3);
    vm_val_t cs = arr(2, a, b);
    cr_assert_eq(vm_chan_select(&ctx, cs, 0), atom("timeout"));
    vm_chan_send(&ctx, b, str("x"));
    cr_assert_str_eq(text(vm_chan_select(&ctx, cs, 0)), "{ok, 1, \"x\"}");
    cr_assert_eq(vm_chan_len(&ctx, b), 0);
    /* both ready: over many selects, both are chosen */
    int from[2] = {0, 0};
    for (int i = 0; i < 400; i++) {
        vm_chan_send(&ctx, a, I(i));
        vm_chan_send(&ctx, b, I(i));
        vm_val_t r = vm_chan_select(&ctx, cs, 0);
        from[val_as_int(((vm_tuple_t *)r)->items[1])]++;
        vm_chan_try_recv(&ctx, a);
        vm_chan_try_recv(&ctx, b);
    }
    cr_assert(from[0] > 100 && from[1] > 100, "picks %d and %d", from[0], from[1]);
    cr_assert_eq(vm_chan_select(&ctx, arr(0), 0), atom("timeout"));
}

Test(chan, wrong_kinds_and_values)
{
    cr_assert(!vm_chan_new(&ctx, -1));
    expect_raised("badarg");
    vm_chan_send(&ctx, I(1), I(2));
    expect_raised("type");
    cr_assert(!vm_chan_recv(&ctx, str("c")));
    expect_raised("type");
    vm_chan_len(&ctx, VM_NIL);
    expect_raised("type");
    vm_token_cancel(&ctx, arr(0));
    expect_raised("type");
    cr_assert(!vm_chan_select(&ctx, I(0), 0));
    expect_raised("type");
    cr_assert(!vm_chan_select(&ctx, arr(2, vm_chan_new(&ctx, 0), I(3)), 0));
    expect_raised("type");
}

Test(chan, kind_printing_order_hash)
{
    vm_val_t a = vm_chan_new(&ctx, 1), b = vm_token_new(&ctx);
    uint64_t na = rt_obj_serial(a), nb = rt_obj_serial(b);
    cr_assert_eq(nb, na + 1);
    char want[64];
    snprintf(want, sizeof want, "#Chan<%llu>", (unsigned long long)na);
    cr_assert_str_eq(text(a), want);
    cr_assert_eq(vm_type_of(&ctx, a), atom("channel"));
    cr_assert(rt_equal(a, a));
    cr_assert(!rt_equal(a, b));
    cr_assert_eq(rt_compare(a, b), -1);
    cr_assert_eq(rt_compare(b, a), 1);
    cr_assert_eq(rt_hash(a), rt_hash(a));
    cr_assert_neq(rt_hash(a), rt_hash(b));
    /* after functions, before errors */
    vm_val_t f = fake_fn(NULL, 0);
    cr_assert_eq(rt_compare(f, a), -1);
    rt_raise(&ctx, "oops", "an error value");
    vm_val_t e = ctx.exc;
    ctx.exc = 0;
    cr_assert_eq(rt_compare(a, e), -1);
    cr_assert_eq(rt_compare(e, a), 1);
}

Test(chan, copies_share_the_channel_and_copy_the_items)
{
    vm_val_t c = vm_chan_new(&ctx, 0);
    vm_val_t t = tup(2, c, arr(1, I(1)));
    vm_val_t t2 = rt_copy(&ctx, t);
    cr_assert_neq(t2, t);
    cr_assert_eq(((vm_tuple_t *)t2)->items[0], c, "the channel itself, not a copy");
    cr_assert_neq(((vm_tuple_t *)t2)->items[1], ((vm_tuple_t *)t)->items[1]);
    cr_assert_eq(rt_copy(&ctx, c), c);
    /* send copies the item */
    vm_val_t a = arr(2, I(1), I(2));
    vm_chan_send(&ctx, c, a);
    vm_array_push(&ctx, a, I(3));
    vm_val_t r = vm_chan_recv(&ctx, c);
    cr_assert_neq(r, a);
    cr_assert_str_eq(text(r), "[1, 2]");
}

Test(chan, items_survive_collections)
{
    vm_val_t c = vm_chan_new(&ctx, 0);
    for (int i = 0; i < 2000; i++) {
        char buf[32];
        snprintf(buf, sizeof buf, "item %d", i);
        vm_chan_send(&ctx, c, arr(1, str(buf)));
    }
    GC_gcollect();
    /* churn so that freed memory would be reused */
    for (int i = 0; i < 20000; i++)
        arr(3, I(i), I(i), I(i));
    GC_gcollect();
    for (int i = 0; i < 2000; i++) {
        char buf[48];
        snprintf(buf, sizeof buf, "[\"item %d\"]", i);
        vm_val_t v = vm_chan_recv(&ctx, c);
        cr_assert_str_eq(rt_as_str(vm_inspect(&ctx, v))->bytes, buf);
    }
}
