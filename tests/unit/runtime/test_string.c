/* Unit tests of the string builtins (runtime/builtins/string.c, ustring.c):
 * every builtin, Unicode cases, empty strings and every error. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "builtins/builtins.h"
#include "core/core.h"

static vm_ctx_t ctx;

static void setup(void)
{
    rt_gc_init(&(rt_gc_settings_t){0});
    rt_error_init();
    rt_ctx_init_thread(&ctx, 4096);
}

TestSuite(string, .init = setup);

static vm_val_t str_n(const char *s, size_t n)
{
    vm_val_t v = rt_str_new(&ctx, s, n);
    cr_assert(v, "test string is not valid UTF-8");
    return v;
}
static vm_val_t str(const char *s)
{
    return str_n(s, strlen(s));
}

/* The bytes of string `v`, after checking that no error is pending. */
#define text(v) text_at((v), __LINE__)
static const char *text_at(vm_val_t v, int line)
{
    cr_assert_eq(ctx.exc, 0, "line %d: unexpected error", line);
    cr_assert(rt_is_kind(v, VM_KIND_STRING), "line %d: not a string", line);
    return rt_as_str(v)->bytes;
}

#define expect_ok() cr_assert_eq(ctx.exc, 0, "line %d: unexpected error", __LINE__)

/* An error with `reason` is pending; clear it. */
#define expect_error(reason) expect_error_at((reason), __LINE__)
static void expect_error_at(const char *reason, int line)
{
    cr_assert_neq(ctx.exc, 0, "line %d: no error raised", line);
    vm_exc_t *e = (vm_exc_t *)ctx.exc;
    cr_assert_eq(e->reason, rt_atom(reason), "line %d: reason %s, expected %s", line,
                 rt_as_str(e->reason)->bytes, reason);
    ctx.exc = 0;
}

/* As expect_error, and the message is `msg`. */
#define expect_error_msg(reason, msg)                                                              \
    do {                                                                                           \
        cr_assert_neq(ctx.exc, 0, "line %d: no error raised", __LINE__);                           \
        cr_assert_str_eq(rt_as_str(((vm_exc_t *)ctx.exc)->message)->bytes, (msg));                 \
        expect_error(reason);                                                                      \
    } while (0)

static vm_val_t array_of_ints(const int64_t *xs, size_t n)
{
    vm_val_t a = rt_array_new(&ctx, 0);
    for (size_t i = 0; i < n; i++)
        cr_assert(rt_array_push(&ctx, a, val_from_int(xs[i])));
    return a;
}

/* Array `a` holds exactly the strings want[0, n). */
#define expect_strs(a, ...)                                                                        \
    do {                                                                                           \
        const char *want_[] = {__VA_ARGS__};                                                       \
        expect_strs_at((a), want_, sizeof want_ / sizeof want_[0], __LINE__);                      \
    } while (0)
static void expect_strs_at(vm_val_t a, const char *const *want, size_t n, int line)
{
    cr_assert_eq(ctx.exc, 0, "line %d: unexpected error", line);
    cr_assert(rt_is_kind(a, VM_KIND_ARRAY), "line %d: not an array", line);
    vm_array_t *arr = rt_as_array(a);
    cr_assert_eq(arr->len, n, "line %d: %llu items, expected %zu", line,
                 (unsigned long long)arr->len, n);
    for (size_t i = 0; i < n; i++) {
        cr_assert(rt_is_kind(arr->items[i], VM_KIND_STRING), "line %d: item %zu", line, i);
        cr_assert_str_eq(rt_as_str(arr->items[i])->bytes, want[i], "line %d: item %zu", line, i);
    }
}

static void expect_ints(vm_val_t a, const int64_t *want, size_t n)
{
    expect_ok();
    cr_assert(rt_is_kind(a, VM_KIND_ARRAY));
    vm_array_t *arr = rt_as_array(a);
    cr_assert_eq(arr->len, n);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(arr->items[i], val_from_int(want[i]), "item %zu", i);
}

/* Test strings. */
#define E_ACUTE    "\xc3\xa9"  /* é, precomposed U+00E9 */
#define E_COMB     "e\xcc\x81" /* e + U+0301 COMBINING ACUTE ACCENT */
#define FAMILY     "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7"
#define FLAG_FR    "\xf0\x9f\x87\xab\xf0\x9f\x87\xb7" /* regional indicators F R */
#define FLAG_DE    "\xf0\x9f\x87\xa9\xf0\x9f\x87\xaa" /* D E */
#define GRIN       "\xf0\x9f\x98\x80"                 /* U+1F600 */
#define CJK        "\xe4\xb8\xad\xe6\x96\x87"         /* 中文 */
#define IDEO_SP    "\xe3\x80\x80"                     /* U+3000 IDEOGRAPHIC SPACE */
#define NBSP       "\xc2\xa0"
#define NEL        "\xc2\x85"
#define LINE_SEP   "\xe2\x80\xa8"
#define ZWSP       "\xe2\x80\x8b" /* U+200B, format (Cf), not white space */
#define LONG_ASCII "the quick brown fox jumps over the lazy dog, 0123456789 times"

/* ---- lengths ---- */

Test(string, len_counts_code_points)
{
    cr_assert_eq(vm_str_len(&ctx, str("")), 0);
    cr_assert_eq(vm_str_len(&ctx, str("abc")), 3);
    cr_assert_eq(vm_str_len(&ctx, str("h" E_ACUTE "llo")), 5);
    cr_assert_eq(vm_str_len(&ctx, str(E_COMB)), 2);
    cr_assert_eq(vm_str_len(&ctx, str(FAMILY)), 5);
    cr_assert_eq(vm_str_len(&ctx, str(GRIN CJK)), 3);
    cr_assert_eq(vm_str_len(&ctx, str_n("a\0b", 3)), 3);
    cr_assert_eq(vm_str_len(&ctx, str(LONG_ASCII)), (int64_t)strlen(LONG_ASCII));
    expect_ok();
}

Test(string, byte_len)
{
    cr_assert_eq(vm_str_byte_len(&ctx, str("")), 0);
    cr_assert_eq(vm_str_byte_len(&ctx, str("h" E_ACUTE "llo")), 6);
    cr_assert_eq(vm_str_byte_len(&ctx, str(FAMILY)), 18);
    cr_assert_eq(vm_str_byte_len(&ctx, str_n("a\0b", 3)), 3);
    expect_ok();
}

Test(string, grapheme_len)
{
    cr_assert_eq(vm_str_grapheme_len(&ctx, str("")), 0);
    cr_assert_eq(vm_str_grapheme_len(&ctx, str("abc")), 3);
    cr_assert_eq(vm_str_grapheme_len(&ctx, str(E_COMB)), 1);
    cr_assert_eq(vm_str_grapheme_len(&ctx, str("a" E_COMB "\xcc\xa3"
                                               "b")),
                 3); /* two marks */
    cr_assert_eq(vm_str_grapheme_len(&ctx, str(FAMILY)), 1);
    cr_assert_eq(vm_str_grapheme_len(&ctx, str(FLAG_FR FLAG_DE)), 2);
    cr_assert_eq(vm_str_grapheme_len(&ctx, str(FLAG_FR "\xf0\x9f\x87\xa9")), 2); /* odd RI */
    cr_assert_eq(vm_str_grapheme_len(&ctx, str("\r\n")), 1);
    cr_assert_eq(vm_str_grapheme_len(&ctx, str("a\r\nb\n\r")), 5);
    cr_assert_eq(vm_str_grapheme_len(&ctx, str("\xe1\x84\x80\xe1\x85\xa1\xe1\x86\xa8")),
                 1); /* L V T */
    cr_assert_eq(vm_str_grapheme_len(&ctx, str("x" GRIN "\xf0\x9f\x8f\xbd"
                                               "y")),
                 3); /* skin tone */
    cr_assert_eq(vm_str_grapheme_len(&ctx, str(LONG_ASCII)), (int64_t)strlen(LONG_ASCII));
    expect_ok();
}

Test(string, width)
{
    cr_assert_eq(vm_str_width(&ctx, str("")), 0);
    cr_assert_eq(vm_str_width(&ctx, str("abc")), 3);
    cr_assert_eq(vm_str_width(&ctx, str(CJK)), 4);
    cr_assert_eq(vm_str_width(&ctx, str(E_COMB)), 1);
    cr_assert_eq(vm_str_width(&ctx, str(E_ACUTE)), 1);
    cr_assert_eq(vm_str_width(&ctx, str(GRIN)), 2);
    cr_assert_eq(vm_str_width(&ctx, str("a\tb\x7f")), 2);     /* controls take no column */
    cr_assert_eq(vm_str_width(&ctx, str("\xef\xbc\xa1")), 2); /* fullwidth A */
    expect_ok();
}

/* ---- positions ---- */

Test(string, slice)
{
    vm_val_t s = str("h" E_ACUTE "llo w\xc3\xb6rld");
    cr_assert_str_eq(text(vm_str_slice(&ctx, s, 1, 4)), E_ACUTE "ll");
    cr_assert_str_eq(text(vm_str_slice(&ctx, s, 0, 0)), "");
    cr_assert_str_eq(text(vm_str_slice(&ctx, s, 11, 11)), "");
    cr_assert_str_eq(text(vm_str_slice(&ctx, s, 6, 11)), "w\xc3\xb6rld");
    cr_assert_str_eq(text(vm_str_slice(&ctx, s, 0, 11)), "h" E_ACUTE "llo w\xc3\xb6rld");
    cr_assert_str_eq(text(vm_str_slice(&ctx, str(""), 0, 0)), "");
    cr_assert_str_eq(text(vm_str_slice(&ctx, str(LONG_ASCII), 10, 19)), "brown fox");
    cr_assert_str_eq(text(vm_str_slice(&ctx, str(FAMILY), 1, 2)), "\xe2\x80\x8d");
}

Test(string, slice_errors)
{
    vm_val_t s = str("h" E_ACUTE "llo");
    vm_str_slice(&ctx, s, 0, 9);
    expect_error_msg("index", "str.slice: position 9 is out of range [0, 5]");
    vm_str_slice(&ctx, s, -1, 2);
    expect_error_msg("index", "str.slice: position -1 is out of range [0, 5]");
    vm_str_slice(&ctx, s, 6, 6);
    expect_error_msg("index", "str.slice: position 6 is out of range [0, 5]");
    vm_str_slice(&ctx, s, 3, 2);
    expect_error_msg("index", "str.slice: start 3 is after end 2");
    vm_str_slice(&ctx, s, 3, -2);
    expect_error("index");
    vm_str_slice(&ctx, str(""), 0, 1);
    expect_error("index");
    vm_str_slice(&ctx, str(LONG_ASCII), 0, INT64_MAX);
    expect_error("index");
}

Test(string, at)
{
    vm_val_t s = str("a" E_ACUTE GRIN "z");
    cr_assert_eq(vm_str_at(&ctx, s, 0), 'a');
    cr_assert_eq(vm_str_at(&ctx, s, 1), 0xE9);
    cr_assert_eq(vm_str_at(&ctx, s, 2), 0x1F600);
    cr_assert_eq(vm_str_at(&ctx, s, 3), 'z');
    cr_assert_eq(vm_str_at(&ctx, str(LONG_ASCII), 20), 'j');
    expect_ok();
    vm_str_at(&ctx, s, 4);
    expect_error_msg("index", "str.at: position 4 is out of range [0, 4)");
    vm_str_at(&ctx, s, -1);
    expect_error("index");
    vm_str_at(&ctx, str(""), 0);
    expect_error("index");
}

Test(string, codepoints_and_bytes)
{
    int64_t cps[] = {'a', 0xE9, 0x1F600, 0};
    expect_ints(vm_str_codepoints(&ctx, str_n("a" E_ACUTE GRIN "\0", 8)), cps, 4);
    expect_ints(vm_str_codepoints(&ctx, str("")), NULL, 0);
    int64_t bytes[] = {'h', 0xC3, 0xA9};
    expect_ints(vm_str_to_bytes(&ctx, str("h" E_ACUTE)), bytes, 3);
    expect_ints(vm_str_to_bytes(&ctx, str("")), NULL, 0);
}

Test(string, from_codepoint)
{
    cr_assert_str_eq(text(vm_str_from_codepoint(&ctx, 'A')), "A");
    cr_assert_str_eq(text(vm_str_from_codepoint(&ctx, 0xE9)), E_ACUTE);
    cr_assert_str_eq(text(vm_str_from_codepoint(&ctx, 0x4E2D)), "\xe4\xb8\xad");
    cr_assert_str_eq(text(vm_str_from_codepoint(&ctx, 0x1F600)), GRIN);
    cr_assert_str_eq(text(vm_str_from_codepoint(&ctx, 0x10FFFF)), "\xf4\x8f\xbf\xbf");
    vm_val_t nul = vm_str_from_codepoint(&ctx, 0);
    expect_ok();
    cr_assert_eq(rt_as_str(nul)->len, 1);
    int64_t bad[] = {0xD800, 0xDFFF, 0x110000, -1, INT64_MIN};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        vm_str_from_codepoint(&ctx, bad[i]);
        expect_error("badarg");
    }
    vm_str_from_codepoint(&ctx, 0xD800);
    expect_error_msg("badarg", "str.from_codepoint: 55296 is not a Unicode scalar value");
}

Test(string, from_bytes)
{
    int64_t ok[] = {'h', 0xC3, 0xA9, 0};
    vm_val_t s = vm_str_from_bytes(&ctx, array_of_ints(ok, 4));
    expect_ok();
    cr_assert_eq(rt_as_str(s)->len, 4);
    cr_assert_str_eq(text(s), "h" E_ACUTE);
    cr_assert_str_eq(text(vm_str_from_bytes(&ctx, array_of_ints(NULL, 0))), "");

    int64_t invalid[][3] = {
        {0xFF, 'a', 'a'}, {'a', 'a', 0xC3}, {0xED, 0xA0, 0x80}, {0xC0, 0xAF, 'a'}};
    for (size_t i = 0; i < 4; i++) {
        vm_str_from_bytes(&ctx, array_of_ints(invalid[i], 3));
        expect_error("badarg");
    }
    int64_t big[] = {'a', 256}, neg[] = {-1};
    vm_str_from_bytes(&ctx, array_of_ints(big, 2));
    expect_error_msg("badarg", "str.from_bytes: item 1 is 256, not a byte 0..255");
    vm_str_from_bytes(&ctx, array_of_ints(neg, 1));
    expect_error("badarg");

    vm_val_t a = rt_array_new(&ctx, 1);
    rt_array_push(&ctx, a, str("a"));
    vm_str_from_bytes(&ctx, a);
    expect_error_msg("type", "str.from_bytes: expected an int at item 0, got string");
    vm_str_from_bytes(&ctx, str("abc"));
    expect_error("type");
}

/* ---- grapheme clusters ---- */

#define MIXED E_COMB "x" FLAG_FR FAMILY "\r\n" GRIN

Test(string, graphemes)
{
    expect_strs(vm_str_graphemes(&ctx, str(MIXED)), E_COMB, "x", FLAG_FR, FAMILY, "\r\n", GRIN);
    expect_strs(vm_str_graphemes(&ctx, str("ab")), "a", "b");
    expect_strs(vm_str_graphemes(&ctx, str(FLAG_FR FLAG_DE "\xf0\x9f\x87\xab")), FLAG_FR, FLAG_DE,
                "\xf0\x9f\x87\xab");
    vm_val_t none = vm_str_graphemes(&ctx, str(""));
    expect_ok();
    cr_assert_eq(rt_as_array(none)->len, 0);
}

Test(string, next_grapheme)
{
    vm_val_t s = str(MIXED);
    int64_t want[] = {3, 4, 12, 30, 32, 36}, b = 0;
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        b = vm_str_next_grapheme(&ctx, s, b);
        cr_assert_eq(b, want[i], "cluster %zu ends at %lld", i, (long long)b);
    }
    cr_assert_eq(vm_str_next_grapheme(&ctx, s, 36), 36);
    cr_assert_eq(vm_str_next_grapheme(&ctx, str(""), 0), 0);
    expect_ok();
    vm_str_next_grapheme(&ctx, s, 37);
    expect_error_msg("index", "str.next_grapheme: byte offset 37 is out of range [0, 36]");
    vm_str_next_grapheme(&ctx, s, -1);
    expect_error("index");
    vm_str_next_grapheme(&ctx, s, 2); /* inside the U+0301 */
    expect_error_msg("badarg", "str.next_grapheme: byte offset 2 is inside a code point");
}

Test(string, reverse)
{
    cr_assert_str_eq(text(vm_str_reverse(&ctx, str(""))), "");
    cr_assert_str_eq(text(vm_str_reverse(&ctx, str("abc"))), "cba");
    cr_assert_str_eq(text(vm_str_reverse(&ctx, str("a" E_COMB "b"))), "b" E_COMB "a");
    cr_assert_str_eq(text(vm_str_reverse(&ctx, str(FLAG_FR FLAG_DE))), FLAG_DE FLAG_FR);
    cr_assert_str_eq(text(vm_str_reverse(&ctx, str("a\r\nb"))), "b\r\na");
    cr_assert_str_eq(text(vm_str_reverse(&ctx, str(MIXED))), GRIN "\r\n" FAMILY FLAG_FR "x" E_COMB);
}

/* ---- case ---- */

Test(string, upper)
{
    cr_assert_str_eq(text(vm_str_upper(&ctx, str(""))), "");
    cr_assert_str_eq(text(vm_str_upper(&ctx, str("Hello, World 42!"))), "HELLO, WORLD 42!");
    cr_assert_str_eq(text(vm_str_upper(&ctx, str("stra\xc3\x9f"
                                                 "e"))),
                     "STRASSE");
    cr_assert_str_eq(text(vm_str_upper(&ctx, str("\xef\xac\x81"))), "FI"); /* ﬁ */
    cr_assert_str_eq(text(vm_str_upper(&ctx, str("\xcf\x83\xcf\x82"))),
                     "\xce\xa3\xce\xa3"); /* σς */
    cr_assert_str_eq(text(vm_str_upper(&ctx, str(E_ACUTE E_COMB))), "\xc3\x89"
                                                                    "E\xcc\x81");
    cr_assert_str_eq(text(vm_str_upper(&ctx, str("\xe1\xbe\xb3"))), "\xce\x91\xce\x99"); /* ᾳ */
    cr_assert_str_eq(text(vm_str_upper(&ctx, str("\xc4\xb0"))), "\xc4\xb0"); /* İ stays */
    cr_assert_str_eq(text(vm_str_upper(&ctx, str(CJK GRIN))), CJK GRIN);
}

Test(string, lower)
{
    cr_assert_str_eq(text(vm_str_lower(&ctx, str(""))), "");
    cr_assert_str_eq(text(vm_str_lower(&ctx, str("Hello, WORLD!"))), "hello, world!");
    cr_assert_str_eq(text(vm_str_lower(&ctx, str("\xc4\xb0"))), "i\xcc\x87"); /* İ -> i̇ */
    cr_assert_str_eq(text(vm_str_lower(&ctx, str("\xce\xa3\xce\x91\xce\xa3"))),
                     "\xcf\x83\xce\xb1\xcf\x83"); /* ΣΑΣ -> σασ: no final-sigma rule */
    cr_assert_str_eq(text(vm_str_lower(&ctx, str("\xe1\xba\x9e"))), "\xc3\x9f"); /* ẞ -> ß */
    cr_assert_str_eq(text(vm_str_lower(&ctx, str("STRA\xc3\x9f"
                                                 "E"))),
                     "stra\xc3\x9f"
                     "e");
    cr_assert_str_eq(text(vm_str_lower(&ctx, str("\xc3\x89"))), E_ACUTE);
}

Test(string, casefold)
{
    cr_assert_str_eq(text(vm_str_casefold(&ctx, str(""))), "");
    cr_assert_str_eq(text(vm_str_casefold(&ctx, str("Stra\xc3\x9f"
                                                    "e"))),
                     "strasse");
    cr_assert_str_eq(text(vm_str_casefold(&ctx, str("STRASSE"))), "strasse");
    cr_assert_str_eq(text(vm_str_casefold(&ctx, str("\xce\xa3\xce\x91\xcf\x82"))),
                     "\xcf\x83\xce\xb1\xcf\x83"); /* ΣΑς -> σασ */
    cr_assert_str_eq(text(vm_str_casefold(&ctx, str("\xc4\xb0"))), "i\xcc\x87");
    cr_assert_str_eq(text(vm_str_casefold(&ctx, str("\xef\xac\x81"))), "fi");
}

/* ---- normalisation ---- */

Test(string, normalization)
{
    cr_assert_str_eq(text(vm_str_nfc(&ctx, str(E_COMB))), E_ACUTE);
    cr_assert_str_eq(text(vm_str_nfd(&ctx, str(E_ACUTE))), E_COMB);
    cr_assert_str_eq(text(vm_str_nfc(&ctx, str(E_ACUTE))), E_ACUTE);
    cr_assert_str_eq(text(vm_str_nfd(&ctx, str(E_COMB))), E_COMB);
    cr_assert_str_eq(text(vm_str_nfkc(&ctx, str("\xef\xac\x81"))), "fi");
    cr_assert_str_eq(text(vm_str_nfkd(&ctx, str("\xef\xac\x81"))), "fi");
    cr_assert_str_eq(text(vm_str_nfc(&ctx, str("\xef\xac\x81"))),
                     "\xef\xac\x81"); /* canonical keeps ﬁ */
    cr_assert_str_eq(text(vm_str_nfkd(&ctx, str(E_ACUTE))), E_COMB);
    cr_assert_str_eq(text(vm_str_nfkc(&ctx, str("\xe2\x91\xa0"))), "1"); /* ① */
    /* Hangul syllable 한 and its jamo */
    cr_assert_str_eq(text(vm_str_nfd(&ctx, str("\xed\x95\x9c"))),
                     "\xe1\x84\x92\xe1\x85\xa1\xe1\x86\xab");
    cr_assert_str_eq(text(vm_str_nfc(&ctx, str("\xe1\x84\x92\xe1\x85\xa1\xe1\x86\xab"))),
                     "\xed\x95\x9c");
    /* canonical order: U+0316 (ccc 220) before U+0301 (ccc 230) */
    cr_assert_str_eq(text(vm_str_nfd(&ctx, str("a\xcc\x81\xcc\x96"))), "a\xcc\x96\xcc\x81");
    cr_assert_str_eq(text(vm_str_nfc(&ctx, str(""))), "");
    cr_assert_str_eq(text(vm_str_nfkd(&ctx, str("plain"))), "plain");
    vm_val_t nul = vm_str_nfd(&ctx, str_n("a\0" E_ACUTE, 4)); /* a NUL does not end the text */
    expect_ok();
    cr_assert_eq(rt_as_str(nul)->len, 5);
    cr_assert(memcmp(rt_as_str(nul)->bytes, "a\0" E_COMB, 5) == 0);
}

/* ---- searching ---- */

Test(string, find)
{
    vm_val_t s = str("h" E_ACUTE "llo h" E_ACUTE "llo");
    cr_assert_eq(vm_str_find(&ctx, s, str("llo"), 0), 2);
    cr_assert_eq(vm_str_find(&ctx, s, str("llo"), 2), 2);
    cr_assert_eq(vm_str_find(&ctx, s, str("llo"), 3), 8);
    cr_assert_eq(vm_str_find(&ctx, s, str(E_ACUTE), 2), 7);
    cr_assert_eq(vm_str_find(&ctx, s, str("x"), 0), -1);
    cr_assert_eq(vm_str_find(&ctx, s, str("llo"), 9), -1);
    cr_assert_eq(vm_str_find(&ctx, s, str(""), 4), 4);
    cr_assert_eq(vm_str_find(&ctx, s, str(""), 11), 11);
    cr_assert_eq(vm_str_find(&ctx, str(""), str(""), 0), 0);
    cr_assert_eq(vm_str_find(&ctx, str("ab"), str("abc"), 0), -1);
    cr_assert_eq(vm_str_find(&ctx, str(CJK GRIN "x"), str("x"), 0), 3);
    expect_ok();
    vm_str_find(&ctx, s, str("l"), 12);
    expect_error_msg("index", "str.find: position 12 is out of range [0, 11]");
    vm_str_find(&ctx, s, str("l"), -1);
    expect_error("index");
}

Test(string, contains_starts_ends)
{
    vm_val_t s = str("h" E_ACUTE "llo");
    cr_assert_eq(vm_str_contains(&ctx, s, str(E_ACUTE "l")), 1);
    cr_assert_eq(vm_str_contains(&ctx, s, str("")), 1);
    cr_assert_eq(vm_str_contains(&ctx, s, str(E_COMB)), 0);
    cr_assert_eq(vm_str_contains(&ctx, str(""), str("a")), 0);
    cr_assert_eq(vm_str_contains(&ctx, str(""), str("")), 1);
    cr_assert_eq(vm_str_starts_with(&ctx, s, str("h" E_ACUTE)), 1);
    cr_assert_eq(vm_str_starts_with(&ctx, s, str("")), 1);
    cr_assert_eq(vm_str_starts_with(&ctx, s, str("he")), 0);
    cr_assert_eq(vm_str_starts_with(&ctx, str("h"), str("h" E_ACUTE)), 0);
    cr_assert_eq(vm_str_ends_with(&ctx, s, str("llo")), 1);
    cr_assert_eq(vm_str_ends_with(&ctx, s, s), 1);
    cr_assert_eq(vm_str_ends_with(&ctx, s, str("")), 1);
    cr_assert_eq(vm_str_ends_with(&ctx, s, str("ll")), 0);
    cr_assert_eq(vm_str_ends_with(&ctx, str("o"), str("llo")), 0);
    expect_ok();
}

/* ---- splitting, joining, trimming ---- */

Test(string, split)
{
    expect_strs(vm_str_split(&ctx, str("a,b,,c"), str(",")), "a", "b", "", "c");
    expect_strs(vm_str_split(&ctx, str(""), str(",")), "");
    expect_strs(vm_str_split(&ctx, str(",a,"), str(",")), "", "a", "");
    expect_strs(vm_str_split(&ctx, str("abc"), str(",")), "abc");
    expect_strs(vm_str_split(&ctx,
                             str("a\xe2\x86\x92"
                                 "b\xe2\x86\x92" E_ACUTE),
                             str("\xe2\x86\x92")),
                "a", "b", E_ACUTE);
    expect_strs(vm_str_split(&ctx, str("aaa"), str("aa")), "", "a");
    expect_strs(vm_str_split(&ctx, str("x--y--"), str("--")), "x", "y", "");
    vm_str_split(&ctx, str("abc"), str(""));
    expect_error_msg("badarg", "str.split: the separator is empty");
}

Test(string, split_ws)
{
    expect_strs(
        vm_str_split_ws(&ctx, str("  a b\t\nc" NBSP "d" IDEO_SP "e" LINE_SEP "f" NEL "g\v\f\r")),
        "a", "b", "c", "d", "e", "f", "g");
    expect_strs(vm_str_split_ws(&ctx, str("one")), "one");
    expect_strs(vm_str_split_ws(&ctx, str("a" ZWSP "b c")), "a" ZWSP "b", "c");
    vm_val_t none = vm_str_split_ws(&ctx, str(""));
    expect_ok();
    cr_assert_eq(rt_as_array(none)->len, 0);
    none = vm_str_split_ws(&ctx, str(" \t" IDEO_SP));
    expect_ok();
    cr_assert_eq(rt_as_array(none)->len, 0);
}

Test(string, join)
{
    vm_val_t a = rt_array_new(&ctx, 0);
    cr_assert_str_eq(text(vm_str_join(&ctx, a, str(", "))), "");
    rt_array_push(&ctx, a, str("x"));
    cr_assert_str_eq(text(vm_str_join(&ctx, a, str(", "))), "x");
    rt_array_push(&ctx, a, str(E_ACUTE));
    rt_array_push(&ctx, a, str(""));
    cr_assert_str_eq(text(vm_str_join(&ctx, a, str(", "))), "x, " E_ACUTE ", ");
    cr_assert_str_eq(text(vm_str_join(&ctx, a, str(""))), "x" E_ACUTE);
    /* split and join are inverses */
    vm_val_t parts = vm_str_split(&ctx, str("a::b::::c"), str("::"));
    cr_assert_str_eq(text(vm_str_join(&ctx, parts, str("::"))), "a::b::::c");
    rt_array_push(&ctx, a, val_from_int(1));
    vm_str_join(&ctx, a, str(","));
    expect_error_msg("type", "str.join: expected a string at item 3, got int");
}

Test(string, trim)
{
    vm_val_t s = str(" \t" NBSP "h" E_ACUTE " llo" IDEO_SP "\n" NEL);
    cr_assert_str_eq(text(vm_str_trim(&ctx, s)), "h" E_ACUTE " llo");
    cr_assert_str_eq(text(vm_str_trim_start(&ctx, s)), "h" E_ACUTE " llo" IDEO_SP "\n" NEL);
    cr_assert_str_eq(text(vm_str_trim_end(&ctx, s)), " \t" NBSP "h" E_ACUTE " llo");
    cr_assert_str_eq(text(vm_str_trim(&ctx, str(""))), "");
    cr_assert_str_eq(text(vm_str_trim(&ctx, str(" " IDEO_SP "\r\n"))), "");
    cr_assert_str_eq(text(vm_str_trim_start(&ctx, str("  "))), "");
    cr_assert_str_eq(text(vm_str_trim_end(&ctx, str("  "))), "");
    cr_assert_str_eq(text(vm_str_trim(&ctx, str("abc"))), "abc");
    cr_assert_str_eq(text(vm_str_trim(&ctx, str(ZWSP "a" ZWSP))), ZWSP "a" ZWSP);
    cr_assert_str_eq(text(vm_str_trim_end(&ctx, str("a" E_COMB " "))), "a" E_COMB);
}

/* ---- replacing, repeating ---- */

Test(string, replace)
{
    cr_assert_str_eq(text(vm_str_replace(&ctx, str("aaa"), str("a"), str("bb"))), "bbbbbb");
    cr_assert_str_eq(text(vm_str_replace(&ctx, str("abab"), str("ab"), str(""))), "");
    cr_assert_str_eq(text(vm_str_replace(&ctx, str("aaaa"), str("aa"), str("b"))), "bb");
    cr_assert_str_eq(text(vm_str_replace(&ctx, str("aaa"), str("aa"), str("b"))), "ba");
    cr_assert_str_eq(text(vm_str_replace(&ctx, str("h" E_ACUTE "llo"), str("l"), str("L"))),
                     "h" E_ACUTE "LLo");
    cr_assert_str_eq(text(vm_str_replace(&ctx, str("h" E_ACUTE "llo"), str(E_ACUTE), str(GRIN))),
                     "h" GRIN "llo");
    cr_assert_str_eq(text(vm_str_replace(&ctx, str("abc"), str("x"), str("y"))), "abc");
    cr_assert_str_eq(text(vm_str_replace(&ctx, str(""), str("x"), str("y"))), "");
    /* a long text: every match, result sized exactly */
    char big[20001];
    for (int i = 0; i < 20000; i += 2)
        memcpy(big + i, "ab", 2);
    big[20000] = 0;
    vm_val_t r = vm_str_replace(&ctx, str(big), str("b"), str("xyz"));
    expect_ok();
    cr_assert_eq(rt_as_str(r)->len, 40000);
    cr_assert_eq(memcmp(rt_as_str(r)->bytes + 39996, "axyz", 4), 0);
    vm_str_replace(&ctx, str("abc"), str(""), str("x"));
    expect_error_msg("badarg", "str.replace: the pattern is empty");
}

Test(string, repeat)
{
    cr_assert_str_eq(text(vm_str_repeat(&ctx, str("ab"), 3)), "ababab");
    cr_assert_str_eq(text(vm_str_repeat(&ctx, str(E_ACUTE), 2)), E_ACUTE E_ACUTE);
    cr_assert_str_eq(text(vm_str_repeat(&ctx, str("ab"), 0)), "");
    cr_assert_str_eq(text(vm_str_repeat(&ctx, str(""), 1000)), "");
    cr_assert_str_eq(text(vm_str_repeat(&ctx, str("xyz"), 1)), "xyz");
    vm_val_t r = vm_str_repeat(&ctx, str("abc"), 1001);
    expect_ok();
    cr_assert_eq(rt_as_str(r)->len, 3003);
    for (size_t i = 0; i < 3003; i++)
        cr_assert_eq(rt_as_str(r)->bytes[i], "abc"[i % 3]);
    vm_str_repeat(&ctx, str("ab"), -1);
    expect_error_msg("badarg", "str.repeat: count -1 is negative");
    vm_str_repeat(&ctx, str("ab"), INT64_MAX);
    expect_error("out_of_memory");
}

/* ---- concatenation ---- */

Test(string, concat)
{
    vm_val_t s = vm_str_concat(&ctx, str("ab"),
                               str("\xc3\xa7"
                                   "d"));
    cr_assert_eq(rt_as_str(s)->len, 5);
    cr_assert_str_eq(text(s), "ab\xc3\xa7"
                              "d");
    cr_assert_str_eq(text(vm_str_concat(&ctx, str(""), str(""))), "");
    vm_str_concat(&ctx, str("a"), val_from_int(1));
    expect_error_msg("type", "str.concat: expected a string, got int");
}

/* ---- parsing ---- */

Test(string, to_i64)
{
    cr_assert_eq(vm_str_to_i64(&ctx, str("42")), 42);
    cr_assert_eq(vm_str_to_i64(&ctx, str("-0")), 0);
    cr_assert_eq(vm_str_to_i64(&ctx, str("007")), 7);
    cr_assert_eq(vm_str_to_i64(&ctx, str("-9223372036854775808")), INT64_MIN);
    cr_assert_eq(vm_str_to_i64(&ctx, str("+9223372036854775807")), INT64_MAX);
    expect_ok();
    const char *bad[] = {"", "+", "-", " 1", "1 ", "12a", "1.0", "0x10", "\xd9\xa3" /* ٣ */};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        vm_str_to_i64(&ctx, str(bad[i]));
        expect_error("badarg");
    }
    vm_str_to_i64(&ctx, str("9223372036854775808"));
    expect_error_msg("badarg", "str.to_i64: \"9223372036854775808\" does not fit in an i64");
    vm_str_to_i64(&ctx, str("-9223372036854775809"));
    expect_error("badarg");
    vm_str_to_i64(&ctx, str("99999999999999999999x"));
    expect_error_msg("badarg", "str.to_i64: \"99999999999999999999x\" is not an integer");
    vm_str_to_i64(&ctx, str_n("1\0", 2));
    expect_error("badarg");
}

Test(string, to_f64)
{
    struct {
        const char *s;
        double d;
    } ok[] = {{"1.5", 1.5},      {"-2e3", -2000},          {".5", 0.5},       {"5.", 5},
              {"1E+2", 100},     {"+0.25e-1", 0.025},      {"7", 7},          {"-0", -0.0},
              {"inf", INFINITY}, {"-Infinity", -INFINITY}, {"INF", INFINITY}, {"1e999", INFINITY},
              {"0.1", 0.1}};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        cr_assert_eq(vm_str_to_f64(&ctx, str(ok[i].s)), ok[i].d, "%s", ok[i].s);
    cr_assert(signbit(vm_str_to_f64(&ctx, str("-0"))));
    cr_assert(isnan(vm_str_to_f64(&ctx, str("nan"))));
    cr_assert(isnan(vm_str_to_f64(&ctx, str("-NaN"))));
    expect_ok();
    const char *bad[] = {"",     ".",      "-",     "e5", "1e",      "1e+", " 1",  "1 ",
                         "0x10", "nan(1)", "1.2.3", "in", "infinit", "1,5", "--1", "\xd9\xa3"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        vm_str_to_f64(&ctx, str(bad[i]));
        expect_error("badarg");
    }
    vm_str_to_f64(&ctx, str_n("1\0", 2));
    expect_error("badarg");
    vm_str_to_f64(&ctx, str("1x"));
    expect_error_msg("badarg", "str.to_f64: \"1x\" is not a number");
}

static double float_of(vm_val_t v)
{
    expect_ok();
    cr_assert(rt_is_kind(v, VM_KIND_FLOAT), "not a float");
    return ((vm_float_t *)v)->value;
}

Test(string, to_number)
{
    cr_assert_eq(vm_str_to_number(&ctx, str("42")), val_from_int(42));
    cr_assert_eq(vm_str_to_number(&ctx, str("-7")), val_from_int(-7));
    cr_assert_eq(vm_str_to_number(&ctx, str("+0")), val_from_int(0));
    cr_assert_eq(vm_str_to_number(&ctx, str("4611686018427387903")), val_from_int(VM_INT_MAX));
    cr_assert_eq(vm_str_to_number(&ctx, str("-4611686018427387904")), val_from_int(VM_INT_MIN));
    cr_assert_eq(float_of(vm_str_to_number(&ctx, str("4611686018427387904"))), 0x1p62);
    cr_assert_eq(float_of(vm_str_to_number(&ctx, str("-100000000000000000000"))), -1e20);
    cr_assert_eq(float_of(vm_str_to_number(&ctx, str("1.5"))), 1.5);
    cr_assert_eq(float_of(vm_str_to_number(&ctx, str("1e3"))), 1000.0);
    cr_assert_eq(float_of(vm_str_to_number(&ctx, str("2."))), 2.0);
    cr_assert_eq(float_of(vm_str_to_number(&ctx, str("-inf"))), -INFINITY);
    cr_assert(isnan(float_of(vm_str_to_number(&ctx, str("nan")))));
    const char *bad[] = {"", "abc", "1 ", "0x1", "1_000", "+-1", "12345678901234567890x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        vm_str_to_number(&ctx, str(bad[i]));
        expect_error("badarg");
    }
    vm_str_to_number(&ctx, str("two"));
    expect_error_msg("badarg", "str.to_number: \"two\" is not a number");
}

/* ---- argv ---- */

Test(string, argv_out_of_range)
{
    vm_argv(&ctx, -1);
    expect_error("index");
    vm_argv(&ctx, vm_argc(&ctx));
    expect_error("index");
}

/* ---- every builtin checks the kinds of its arguments ---- */

Test(string, type_errors)
{
    vm_val_t s = str("abc"), n = val_from_int(3), f = vm_box_f64(&ctx, 1.0),
             arr = rt_array_new(&ctx, 0);
    vm_val_t wrong[] = {n, VM_NIL, VM_TRUE, f, arr, rt_atom("abc")};
    for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
        vm_val_t w = wrong[i];
#define TYPE_ERR(call)                                                                             \
    do {                                                                                           \
        call;                                                                                      \
        cr_assert_neq(ctx.exc, 0, "%s of a %s did not raise", #call, rt_kind_name(w));             \
        expect_error("type");                                                                      \
    } while (0)
        TYPE_ERR(vm_str_concat(&ctx, w, s));
        TYPE_ERR(vm_str_concat(&ctx, s, w));
        TYPE_ERR(vm_str_len(&ctx, w));
        TYPE_ERR(vm_str_byte_len(&ctx, w));
        TYPE_ERR(vm_str_grapheme_len(&ctx, w));
        TYPE_ERR(vm_str_width(&ctx, w));
        TYPE_ERR(vm_str_slice(&ctx, w, 0, 0));
        TYPE_ERR(vm_str_at(&ctx, w, 0));
        TYPE_ERR(vm_str_upper(&ctx, w));
        TYPE_ERR(vm_str_lower(&ctx, w));
        TYPE_ERR(vm_str_casefold(&ctx, w));
        TYPE_ERR(vm_str_nfc(&ctx, w));
        TYPE_ERR(vm_str_nfd(&ctx, w));
        TYPE_ERR(vm_str_nfkc(&ctx, w));
        TYPE_ERR(vm_str_nfkd(&ctx, w));
        TYPE_ERR(vm_str_codepoints(&ctx, w));
        TYPE_ERR(vm_str_graphemes(&ctx, w));
        TYPE_ERR(vm_str_next_grapheme(&ctx, w, 0));
        TYPE_ERR(vm_str_to_bytes(&ctx, w));
        TYPE_ERR(vm_str_find(&ctx, w, s, 0));
        TYPE_ERR(vm_str_find(&ctx, s, w, 0));
        TYPE_ERR(vm_str_contains(&ctx, w, s));
        TYPE_ERR(vm_str_contains(&ctx, s, w));
        TYPE_ERR(vm_str_starts_with(&ctx, w, s));
        TYPE_ERR(vm_str_starts_with(&ctx, s, w));
        TYPE_ERR(vm_str_ends_with(&ctx, w, s));
        TYPE_ERR(vm_str_ends_with(&ctx, s, w));
        TYPE_ERR(vm_str_split(&ctx, w, s));
        TYPE_ERR(vm_str_split(&ctx, s, w));
        TYPE_ERR(vm_str_split_ws(&ctx, w));
        TYPE_ERR(vm_str_join(&ctx, arr, w));
        TYPE_ERR(vm_str_trim(&ctx, w));
        TYPE_ERR(vm_str_trim_start(&ctx, w));
        TYPE_ERR(vm_str_trim_end(&ctx, w));
        TYPE_ERR(vm_str_replace(&ctx, w, s, s));
        TYPE_ERR(vm_str_replace(&ctx, s, w, s));
        TYPE_ERR(vm_str_replace(&ctx, s, s, w));
        TYPE_ERR(vm_str_repeat(&ctx, w, 1));
        TYPE_ERR(vm_str_reverse(&ctx, w));
        TYPE_ERR(vm_str_to_i64(&ctx, w));
        TYPE_ERR(vm_str_to_f64(&ctx, w));
        TYPE_ERR(vm_str_to_number(&ctx, w));
        if (w != arr) {
            TYPE_ERR(vm_str_join(&ctx, w, s));
            TYPE_ERR(vm_str_from_bytes(&ctx, w));
        }
#undef TYPE_ERR
    }
    vm_str_len(&ctx, n);
    expect_error_msg("type", "str.len: expected a string, got int");
}

/* Results stay valid across collections (the stress mode of the runtime
 * collects at every allocation; this checks the values survive a full one). */
Test(string, results_survive_gc)
{
    vm_val_t parts = vm_str_split(&ctx, str(LONG_ASCII), str(" "));
    vm_val_t up = vm_str_upper(&ctx, str("stra\xc3\x9f"
                                         "e"));
    vm_gc_collect(&ctx);
    for (int i = 0; i < 1000; i++)
        vm_str_repeat(&ctx, str("garbage"), 10);
    vm_gc_collect(&ctx);
    cr_assert_str_eq(text(vm_str_join(&ctx, parts, str(" "))), LONG_ASCII);
    cr_assert_str_eq(text(up), "STRASSE");
}
