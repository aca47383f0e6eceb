/*
 * compiler/diag.h — the user's error channel: bad input gets a message
 * naming the place and the compiler exits 1. Text inputs:
 *
 *   file.vmasm:3:9: error: unknown register %x
 *       add.i64 %x, %a, %b
 *               ^
 *
 * Binary inputs: "file.vmbc: offset 0x1c: error: ...".
 * (Our own bugs go to die() in util.h.)
 */
#ifndef VMCC_DIAG_H
#define VMCC_DIAG_H

#include <stdarg.h>
#include <stdio.h>

#include "ir.h"

/* Report an error at `loc` in module `m` (carets for text). */
void diag_at(const module_t *m, src_loc_t loc, const char *fmt, ...) PRINTF_LIKE(3, 4);
void diag_vat(const module_t *m, src_loc_t loc, const char *fmt, va_list ap) PRINTF_LIKE(3, 0);
/* An error with no place in a module: "vmcc: error: ...". */
void diag_error(const char *fmt, ...) PRINTF_LIKE(1, 2);
/* Errors reported so far. */
unsigned diag_count(void);
/* Where diagnostics go: stderr unless set (the fuzz targets, tests/fuzz/,
 * discard them). NULL restores stderr. */
void diag_set_stream(FILE *f);
FILE *diag_stream(void);

#endif
