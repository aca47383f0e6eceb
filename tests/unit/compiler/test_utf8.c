/* Unit tests of abi/utf8.h, the strict UTF-8 validator of compiler and
 * runtime. */
#include <criterion/criterion.h>
#include <string.h>

#include "../abi/utf8.h"

/* The shortest encoding of `cp` into b: its length. An oracle written apart
 * from the decoder. */
static size_t encode(uint32_t cp, unsigned char *b)
{
    if (cp < 0x80)
        return b[0] = (unsigned char)cp, 1;
    if (cp < 0x800)
        return b[0] = (unsigned char)(0xC0 | cp >> 6), b[1] = (unsigned char)(0x80 | (cp & 0x3F)),
               2;
    if (cp < 0x10000)
        return b[0] = (unsigned char)(0xE0 | cp >> 12),
               b[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F)),
               b[2] = (unsigned char)(0x80 | (cp & 0x3F)), 3;
    b[0] = (unsigned char)(0xF0 | cp >> 18);
    b[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
    b[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
    b[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

static bool is_scalar(uint32_t cp)
{
    return cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
}

static bool valid(const char *s)
{
    return vm_utf8_valid(s, strlen(s));
}

/* Every scalar value's shortest encoding decodes back to it, whole. */
Test(utf8, every_scalar_decodes)
{
    for (uint32_t cp = 0; cp <= 0x10FFFF; cp++) {
        if (!is_scalar(cp))
            continue;
        unsigned char b[4];
        size_t n = encode(cp, b);
        uint32_t got = 0xFFFFFFFF;
        cr_assert_eq(vm_utf8_decode((const char *)b, n, &got), n, "U+%04X", cp);
        cr_assert_eq(got, cp, "U+%04X decoded as U+%04X", cp, got);
        cr_assert_eq(vm_utf8_decode((const char *)b, n - 1 ? n - 1 : 1, &got), n == 1 ? 1 : 0,
                     "U+%04X cut short", cp);
    }
}

/* A byte string of one to three bytes is one valid character exactly when
 * it is the shortest encoding of a scalar value. */
Test(utf8, short_strings_exhaustive)
{
    for (uint32_t x = 0; x < (1u << 24); x++) {
        unsigned char b[3] = {(unsigned char)(x >> 16), (unsigned char)(x >> 8), (unsigned char)x};
        for (size_t len = 1; len <= 3; len++) {
            if (len < 3 && (x & ((1u << (8 * (3 - len))) - 1)) != 0)
                continue; /* each shorter string once */
            uint32_t cp;
            size_t n = vm_utf8_decode((const char *)b, len, &cp);
            bool one_char = n == len;
            unsigned char e[4];
            bool canonical =
                one_char && is_scalar(cp) && encode(cp, e) == len && memcmp(e, b, len) == 0;
            cr_assert_eq(one_char, canonical, "%02X %02X %02X (len %zu)", b[0], b[1], b[2], len);
        }
    }
}

/* Overlongs, surrogates, code points past U+10FFFF, stray continuation
 * bytes, F8..FF and truncated sequences are rejected; NULs are not. */
Test(utf8, rejects_what_rfc3629_forbids)
{
    cr_assert(valid("h\xc3\xa9llo \xf0\x9f\x98\x80"));
    cr_assert(valid("\xf4\x8f\xbf\xbf"));         /* U+10FFFF */
    cr_assert(valid("\xed\x9f\xbf\xee\x80\x80")); /* U+D7FF, U+E000 */
    cr_assert(vm_utf8_valid("a\0b", 3));
    cr_assert(vm_utf8_valid("", 0));
    cr_assert_not(valid("\xc0\xaf"));         /* overlong '/' */
    cr_assert_not(valid("\xc1\xbf"));         /* overlong U+7F */
    cr_assert_not(valid("\xe0\x9f\xbf"));     /* overlong U+7FF */
    cr_assert_not(valid("\xf0\x8f\xbf\xbf")); /* overlong U+FFFF */
    cr_assert_not(valid("\xed\xa0\x80"));     /* U+D800 */
    cr_assert_not(valid("\xed\xbf\xbf"));     /* U+DFFF */
    cr_assert_not(valid("\xf4\x90\x80\x80")); /* U+110000 */
    cr_assert_not(valid("\xf5\x80\x80\x80"));
    cr_assert_not(valid("\x80"));
    cr_assert_not(valid("a\xbf"));
    cr_assert_not(valid("\xe2\x82")); /* truncated */
    cr_assert_not(valid("\xe2\x82z"));
    for (unsigned c = 0xF8; c <= 0xFF; c++) {
        char s[2] = {(char)c, 0};
        cr_assert_not(valid(s), "%02X", c);
    }
}

/* vm_utf8_invalid_at gives the offset of the first byte of the first bad
 * sequence, or the length when all is valid. */
Test(utf8, invalid_at_is_the_bad_sequence_start)
{
    cr_assert_eq(vm_utf8_invalid_at("abc", 3), 3);
    cr_assert_eq(vm_utf8_invalid_at("ab\xc3\xa9\xc3", 5), 4);
    cr_assert_eq(vm_utf8_invalid_at("\xe2\x82\xac\xe2\x28\xa1", 6), 3);
    cr_assert_eq(vm_utf8_invalid_at("x\0\xff", 3), 2);
    cr_assert_eq(vm_utf8_invalid_at("\xf0\x9f\x98\x80\xed\xa0\x80", 7), 4);
}
