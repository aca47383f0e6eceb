/*
 * runtime/core/str.h — strings as the core needs them (to make error
 * messages and traces): UTF-8 validation, string objects, growable text
 * buffers and the names of kinds. The string builtins are builtins/.
 */
#ifndef VM_RT_STR_H
#define VM_RT_STR_H

#include <stddef.h>

#include "core/obj.h"

/* 1 if s[0, len) is valid UTF-8 (NUL bytes allowed), else 0. */
int rt_utf8_valid(const char *s, size_t len);

/* An object of `kind` with the layout of a string (VM_KIND_STRING or
 * VM_KIND_BYTES) and room for `len` bytes and a NUL; NULL if out of
 * memory (raised). */
vm_string_t *rt_text_alloc(vm_ctx_t *ctx, vm_kind_t kind, size_t len);
/* A string of `len` bytes for the caller to fill with valid UTF-8; NULL if
 * out of memory (raised). */
vm_string_t *rt_str_alloc(vm_ctx_t *ctx, size_t len);
/* A new string from `len` bytes; invalid UTF-8 raises badarg. 0 if it
 * raised. */
vm_val_t rt_str_new(vm_ctx_t *ctx, const char *bytes, size_t len);
/* Bytes [from, to) of string `v` (on code point boundaries); `v` itself
 * when that is all of it. 0 if out of memory (raised). */
vm_val_t rt_str_sub(vm_ctx_t *ctx, vm_val_t v, size_t from, size_t to);

/* A growable text buffer on the C heap, always NUL-terminated once used.
 * Running out of memory while growing it ends the program (out_of_memory). */
typedef struct rt_buf {
    char *data;
    size_t len, cap;
} rt_buf_t;
void rt_buf_put(rt_buf_t *b, const char *s, size_t n);
void rt_buf_puts(rt_buf_t *b, const char *s);
void rt_buf_printf(rt_buf_t *b, const char *fmt, ...) RT_PRINTF(2, 3);
void rt_buf_free(rt_buf_t *b);

/* Name of the kind of `v` for error messages: "int", "string" ... */
const char *rt_kind_name(vm_val_t v);
/* Name of an object kind: "string", "array" ... */
const char *rt_kind_text(vm_kind_t k);

#endif
