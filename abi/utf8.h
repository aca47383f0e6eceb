/*
 * abi/utf8.h — strict UTF-8: the one validator of the compiler (string
 * literals, string tables) and the runtime (strings made at run time).
 * Header-only, no dependencies.
 *
 * Well-formed UTF-8 is the shortest encoding of a Unicode scalar value,
 * U+0000..U+10FFFF without the surrogates U+D800..U+DFFF (RFC 3629):
 *
 *   U+0000   .. U+007F     0xxxxxxx
 *   U+0080   .. U+07FF     110xxxxx 10xxxxxx
 *   U+0800   .. U+FFFF     1110xxxx 10xxxxxx 10xxxxxx           (not D800..DFFF)
 *   U+10000  .. U+10FFFF   11110xxx 10xxxxxx 10xxxxxx 10xxxxxx
 *
 * Everything else is invalid: overlong forms (C0 AF for '/'), surrogates
 * (ED A0 80), code points past U+10FFFF (F4 90 80 80, F5..F7 leads), the
 * bytes F8..FF, a continuation byte where a character should start, and a
 * sequence cut short. NUL (U+0000) is a character like any other: strings
 * carry their length.
 */
#ifndef VM_ABI_UTF8_H
#define VM_ABI_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Decode the character at s (n bytes available, n >= 1): its length, 1 to
 * 4, with its code point in *cp; 0 if the bytes at s do not start a
 * well-formed sequence (*cp is then unspecified). */
static inline size_t vm_utf8_decode(const char *s, size_t n, uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    uint32_t c = u[0], min;
    size_t len;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if ((c & 0xE0) == 0xC0)
        len = 2, min = 0x80, c &= 0x1F;
    else if ((c & 0xF0) == 0xE0)
        len = 3, min = 0x800, c &= 0x0F;
    else if ((c & 0xF8) == 0xF0)
        len = 4, min = 0x10000, c &= 0x07;
    else
        return 0; /* a continuation byte, or F8..FF */
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((u[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (u[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return len;
}

/* Offset of the first byte of s[0..len) that does not start a well-formed
 * sequence, or len if all of s is valid UTF-8. */
static inline size_t vm_utf8_invalid_at(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        if ((unsigned char)s[i] < 0x80) { /* ASCII needs no decoder */
            i++;
            continue;
        }
        uint32_t cp;
        size_t n = vm_utf8_decode(s + i, len - i, &cp);
        if (n == 0)
            return i;
        i += n;
    }
    return len;
}

/* 1 if s[0..len) is valid UTF-8 (NULs allowed), else 0. */
static inline int vm_utf8_valid(const char *s, size_t len)
{
    return vm_utf8_invalid_at(s, len) == len;
}

#endif
