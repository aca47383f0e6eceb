/* Diagnostics for bad input. */
#include "diag.h"

#include <stdio.h>

static unsigned n_errors;

unsigned diag_count(void) { return n_errors; }

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
    fprintf(stderr, "    %.*s\n    ", (int)(eol - p), p);
    for (uint32_t c = 1; c < col && p + c - 1 < eol; c++)
        fputc(p[c - 1] == '\t' ? '\t' : ' ', stderr);
    fputs("^\n", stderr);
}

void diag_vat(const module_t *m, src_loc_t loc, const char *fmt, va_list ap)
{
    n_errors++;
    if (loc.line)
        fprintf(stderr, "%s:%u:%u: error: ", m->path, loc.line, loc.col);
    else
        fprintf(stderr, "%s: offset 0x%llx: error: ", m->path, (unsigned long long)loc.offset);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
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
    fputs("vmcc: error: ", stderr);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}
