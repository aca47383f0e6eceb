/*
 * abi/value.h — the layout of a tagged value and of heap objects.
 *
 * Shared by the compiler (which builds LLVM types and inline fast paths from
 * these constants) and the runtime. Changing anything here changes the ABI:
 * bump VM_ABI_VERSION.
 *
 * A `val` is one 64-bit word:
 *
 *   63                                                 3 2 1 0
 *  +----------------------------------------------------+-+-+-+
 *  |                 63-bit signed integer               |   1 |  small int
 *  +----------------------------------------------------+-+-+-+
 *  |            address of a heap object (8-aligned)     |0 0 0|  object (never 0)
 *  +----------------------------------------------------+-+-+-+
 *  |                  immediate payload                  |0 1 0|  nil / false / true
 *  +----------------------------------------------------+-+-+-+
 *
 * Heap references keep the plain object address in the word, so a
 * conservative scan (Boehm GC) sees them; the non-pointer kinds carry the
 * tags. The word 0 is never a valid value: zeroed memory is recognisable.
 * Tags 100 and 110 are reserved (atoms, pids ... come later).
 *
 * Small ints cover [VM_INT_MIN, VM_INT_MAX] = [-2^62, 2^62 - 1]. Because the
 * tag is in the low bit, the signed order of two tagged small ints is the
 * order of their values, and (a + (b ^ 1)) is the tagged sum.
 */
#ifndef VM_ABI_VALUE_H
#define VM_ABI_VALUE_H

#include <stdint.h>

/* Version of the compiler <-> runtime contract (value layout, context layout,
 * builtin signatures). Objects reference the symbol vm_abi_v<N>; the runtime
 * defines it, so mixing versions fails at link time with that name. */
#define VM_ABI_VERSION 1

typedef uint64_t vm_val_t;

#define VM_TAG_INT_MASK 1u /* low bit set: small int */
#define VM_TAG_MASK     7u /* low three bits for the other kinds */
#define VM_TAG_PTR      0u
#define VM_TAG_IMM      2u

#define VM_NIL   ((vm_val_t)((0u << 3) | VM_TAG_IMM)) /* 0x02 */
#define VM_FALSE ((vm_val_t)((1u << 3) | VM_TAG_IMM)) /* 0x0a */
#define VM_TRUE  ((vm_val_t)((2u << 3) | VM_TAG_IMM)) /* 0x12 */

#define VM_INT_BITS 63
#define VM_INT_MAX  ((int64_t)((UINT64_C(1) << 62) - 1))
#define VM_INT_MIN  (-VM_INT_MAX - 1)

/* Accessors, one naming pattern: val_is_K, val_as_K, val_from_K. */
static inline int val_is_int(vm_val_t v)
{
    return (v & VM_TAG_INT_MASK) != 0;
}
static inline int64_t val_as_int(vm_val_t v)
{
    return (int64_t)v >> 1;
}
static inline vm_val_t val_from_int(int64_t i)
{
    return ((uint64_t)i << 1) | 1u;
}
static inline int val_int_fits(int64_t i)
{
    return i >= VM_INT_MIN && i <= VM_INT_MAX;
}
static inline int val_is_ptr(vm_val_t v)
{
    return (v & VM_TAG_MASK) == VM_TAG_PTR && v != 0;
}
static inline int val_is_nil(vm_val_t v)
{
    return v == VM_NIL;
}
static inline int val_is_bool(vm_val_t v)
{
    return v == VM_TRUE || v == VM_FALSE;
}
static inline vm_val_t val_from_bool(int b)
{
    return b ? VM_TRUE : VM_FALSE;
}

/* ---- heap objects -------------------------------------------------------
 *
 * Every heap object starts with an 8-byte header:
 *
 *   byte 0      kind (vm_kind_t)
 *   byte 1      flags (VM_OBJ_*)
 *   bytes 2..3  reserved, zero
 *   bytes 4..7  aux: kind-specific 32-bit field
 */
typedef struct vm_obj_header {
    uint8_t kind;
    uint8_t flags;
    uint16_t reserved;
    uint32_t aux;
} vm_obj_header_t;

/* Object kinds. Kinds at or above VM_KIND_FIRST_SCANNED may hold references
 * and are allocated scanned; the ones below are pointer-free (atomic). */
typedef enum vm_kind {
    VM_KIND_INVALID = 0,
    VM_KIND_FLOAT = 1,  /* boxed f64 */
    VM_KIND_STRING = 2, /* immutable UTF-8 */
    VM_KIND_FIRST_SCANNED = 16,
} vm_kind_t;

#define VM_OBJ_STATIC 0x01u /* lives in a compiled module's read-only data */

#define VM_OBJ_KIND_OFFSET 0

/* Boxed float. */
typedef struct vm_float {
    vm_obj_header_t hdr;
    double value;
} vm_float_t;

#define VM_FLOAT_VALUE_OFFSET 8

/* String: `len` bytes of valid UTF-8 followed by a NUL (not counted). */
typedef struct vm_string {
    vm_obj_header_t hdr;
    uint64_t len;
    char bytes[];
} vm_string_t;

#define VM_STRING_LEN_OFFSET   8
#define VM_STRING_BYTES_OFFSET 16

_Static_assert(sizeof(vm_val_t) == 8, "a val is one 64-bit word");
_Static_assert(sizeof(vm_obj_header_t) == 8, "object header is 8 bytes");
_Static_assert(__builtin_offsetof(vm_obj_header_t, kind) == VM_OBJ_KIND_OFFSET, "kind at byte 0");
_Static_assert(__builtin_offsetof(vm_float_t, value) == VM_FLOAT_VALUE_OFFSET, "float layout");
_Static_assert(__builtin_offsetof(vm_string_t, len) == VM_STRING_LEN_OFFSET, "string layout");
_Static_assert(__builtin_offsetof(vm_string_t, bytes) == VM_STRING_BYTES_OFFSET, "string layout");
_Static_assert((VM_NIL & VM_TAG_MASK) == VM_TAG_IMM && (VM_TRUE & VM_TAG_INT_MASK) == 0,
               "immediates are tagged 010");
_Static_assert(VM_INT_MAX == (INT64_MAX >> 1) && VM_INT_MIN == (INT64_MIN >> 1),
               "small ints are 63-bit");

#endif
