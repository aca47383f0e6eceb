/*
 * runtime/builtins/builtins.h — what the builtins offer the layers above
 * them: the one equality, order and hash of values, their text, and
 * arrays made from C. (The vm_* builtins themselves are declared from
 * abi/builtins.def by abi/builtins.h.)
 */
#ifndef VM_RT_BUILTINS_H
#define VM_RT_BUILTINS_H

#include "core/str.h"

/* ---- value.c: the one equality, order and hash ---- */
int rt_equal(vm_val_t a, vm_val_t b);   /* the `eq` instruction */
int rt_compare(vm_val_t a, vm_val_t b); /* -1, 0, 1; 2 if unordered (nan) */
uint64_t rt_hash(vm_val_t v);           /* consistent with rt_equal */

/* ---- format.c: text of values ---- */
/* Shortest text that reads back as `d` with strtod; always shows a float
 * ("1.0", "1e+20", "-0.0", "inf", "nan"). Returns its length. */
size_t rt_fmt_f64(char *buf, size_t cap, double d);
/* Append the text of `v` (as to_string shows it) to a buffer. */
void rt_buf_put_val(rt_buf_t *b, vm_val_t v);
/* The text of `v` in buf, cut to fit; returns buf. */
const char *rt_val_text(vm_val_t v, char *buf, size_t cap);

/* ---- array.c ---- */
/* A new empty array with room for `cap` items; 0 if out of memory (raised). */
vm_val_t rt_array_new(vm_ctx_t *ctx, uint64_t cap);
/* Append; 0 if out of memory (raised), else 1. */
int rt_array_push(vm_ctx_t *ctx, vm_val_t arr, vm_val_t v);

/* ---- bytes.c ---- */
/* A byte string of `len` bytes for the caller to fill; NULL if out of
 * memory (raised). A NUL follows the bytes (not counted). */
vm_string_t *rt_bytes_alloc(vm_ctx_t *ctx, size_t len);
/* A new byte string of bytes[0, len); 0 if out of memory (raised). */
vm_val_t rt_bytes_new(vm_ctx_t *ctx, const char *bytes, size_t len);
/* The bytes of `v`, a string or a byte string, in *data and *len; 0 with
 * type raised ("WHO: expected a string or bytes") for anything else. */
int rt_text_or_bytes(vm_ctx_t *ctx, const char *who, vm_val_t v, const char **data, size_t *len);

#endif
