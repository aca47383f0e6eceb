/* Diagnostics for bad input. */
#include "diag.h"

#include <stdio.h>

static unsigned n_errors;
static FILE *out; /* NULL: stderr */

void diag_set_stream(FILE *f)
{
    out = f;
}

FILE *diag_stream(void)
{
    return out ? out : stderr;
}

unsigned diag_count(void)
{
    return n_errors;
}

/* Terminal columns taken by the character whose UTF-8 encoding starts at
 * s[0] (n bytes available): 0 for a continuation byte, 2 for the common
 * East Asian wide ranges and emoji, else 1. Columns in diagnostics count
 * bytes; this only places the caret. */
static int char_width(const unsigned char *s, size_t n)
{
    /* ranges: first, last code point */
    static const uint32_t wide[] = {
        0x01100, 0x0115F, 0x02E80, 0x0303E, 0x03041, 0x033FF, 0x03400, 0x04DBF, 0x04E00, 0x09FFF,
        0x0A000, 0x0A4CF, 0x0AC00, 0x0D7A3, 0x0F900, 0x0FAFF, 0x0FE30, 0x0FE4F, 0x0FF00, 0x0FF60,
        0x0FFE0, 0x0FFE6, 0x1F300, 0x1F64F, 0x1F900, 0x1F9FF, 0x20000, 0x3FFFD,
    };
    if ((s[0] & 0xC0) == 0x80)
        return 0;
    size_t len = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : 1;
    if (len == 1 || len > n)
        return 1;
    uint32_t cp = s[0] & (len == 4 ? 0x07 : 0x0F);
    for (size_t i = 1; i < len; i++)
        cp = cp << 6 | (s[i] & 0x3F);
    for (size_t i = 0; i < sizeof wide / sizeof wide[0]; i += 2)
        if (cp >= wide[i] && cp <= wide[i + 1])
            return 2;
    return 1;
}

/* Print the source line `line` of `m` and a caret under column `col`. */
static void show_line(const module_t *m, uint32_t line, uint32_t col)
{
    const char *p = (const char *)m->text, *end = p + m->text_len;
    for (uint32_t l = 1; l < line && p < end; p++)
        if (*p == '\n')
            l++;
    const char *eol = p;
    while (eol < end && *eol != '\n')
        eol++;
    if (p >= end && line > 1)
        return;
    FILE *o = diag_stream();
    fprintf(o, "    %.*s\n    ", (int)(eol - p), p);
    for (uint32_t c = 1; c < col && p + c - 1 < eol; c++) {
        const unsigned char *ch = (const unsigned char *)p + c - 1;
        if (*ch == '\t')
            fputc('\t', o);
        else
            fprintf(o, "%.*s", char_width(ch, (size_t)(eol - (const char *)ch)), "  ");
    }
    fputs("^\n", o);
}

void diag_vat(const module_t *m, src_loc_t loc, const char *fmt, va_list ap)
{
    n_errors++;
    FILE *o = diag_stream();
    if (loc.line)
        fprintf(o, "%s:%u:%u: error: ", m->path, loc.line, loc.col);
    else
        fprintf(o, "%s: offset 0x%llx: error: ", m->path, (unsigned long long)loc.offset);
    vfprintf(o, fmt, ap);
    fputc('\n', o);
    if (loc.line && m->text)
        show_line(m, loc.line, loc.col);
}

void diag_at(const module_t *m, src_loc_t loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_vat(m, loc, fmt, ap);
    va_end(ap);
}

void diag_error(const char *fmt, ...)
{
    n_errors++;
    FILE *o = diag_stream();
    fputs("vmcc: error: ", o);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(o, fmt, ap);
    va_end(ap);
    fputc('\n', o);
}
