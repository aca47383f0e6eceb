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
 *  |            process serial and table index           |1 0 0|  pid
 *  +----------------------------------------------------+-+-+-+
 *  |                 reference number                    |1 1 0|  reference
 *  +----------------------------------------------------+-+-+-+
 *
 * Heap references keep the plain object address in the word, so a
 * conservative scan (Boehm GC) sees them; the non-pointer kinds carry the
 * tags. The word 0 is never a valid value: zeroed memory is recognisable.
 * Tag 100 is a process id (pid), tag 110 a reference: both immediates.
 *
 * Small ints cover [VM_INT_MIN, VM_INT_MAX] = [-2^62, 2^62 - 1]. Because the
 * tag is in the low bit, the signed order of two tagged small ints is the
 * order of their values, and (a + (b ^ 1)) is the tagged sum.
 */
#ifndef VM_ABI_VALUE_H
#define VM_ABI_VALUE_H

#include <stdint.h>

/* Version of the compiler <-> runtime contract (value layout, context layout,
 * builtin signatures, value kinds, sections). Every object and the runtime
 * record it with their target in VM_TARGET_SECTION (abi/context.h), which
 * vmcc checks before linking; objects also reference the symbol
 * vm_abi_v<N>, which the runtime defines, so a link made without vmcc fails
 * naming it. 3: channels (VM_KIND_CHAN), `assert`, the DEPS section.
 * 4: byte strings, files and sockets (VM_KIND_BYTES, _FILE, _SOCKET), the
 * FFI (extern and callback functions, raw memory access). 5: preemption by
 * the stack limit (no reduction counter in the context; vm_stack_guard). */
#define VM_ABI_VERSION 5

typedef uint64_t vm_val_t;

#define VM_TAG_INT_MASK 1u /* low bit set: small int */
#define VM_TAG_MASK     7u /* low three bits for the other kinds */
#define VM_TAG_PTR      0u
#define VM_TAG_IMM      2u
#define VM_TAG_PID      4u /* a process id: (serial << idx bits | table index) << 3 | 4 */
#define VM_TAG_REF      6u /* a reference: (61-bit counter) << 3 | 6 */

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
/* Pids and refs are immediates: equal when their words are equal. */
static inline int val_is_pid(vm_val_t v)
{
    return (v & VM_TAG_MASK) == VM_TAG_PID;
}
static inline int val_is_ref(vm_val_t v)
{
    return (v & VM_TAG_MASK) == VM_TAG_REF;
}
static inline uint64_t val_imm_payload(vm_val_t v)
{
    return v >> 3;
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
    VM_KIND_ATOM = 3,   /* interned symbol; same layout as a string */
    VM_KIND_BYTES = 4,  /* immutable byte string (any bytes); same layout as a string */
    VM_KIND_FIRST_SCANNED = 16,
    VM_KIND_TUPLE = 16,  /* immutable, fixed size */
    VM_KIND_ARRAY = 17,  /* mutable, growable */
    VM_KIND_MAP = 18,    /* mutable hash map, insertion-ordered */
    VM_KIND_SET = 19,    /* mutable hash set, insertion-ordered */
    VM_KIND_FUNC = 20,   /* function value: a function reference or a closure */
    VM_KIND_EXC = 21,    /* a raised error: reason, message, trace */
    VM_KIND_CHAN = 22,   /* a channel (runtime/chan/): shared, never copied */
    VM_KIND_FILE = 23,   /* an open file, pipe or standard stream (runtime/io/): shared */
    VM_KIND_SOCKET = 24, /* a TCP or UDP socket (runtime/io/): shared */
    VM_KIND_COUNT
} vm_kind_t;

#define VM_OBJ_STATIC 0x01u /* lives in a compiled module's read-only data */

#define VM_OBJ_KIND_OFFSET 0

/* Boxed float. */
typedef struct vm_float {
    vm_obj_header_t hdr;
    double value;
} vm_float_t;

#define VM_FLOAT_VALUE_OFFSET 8

/* String: `len` bytes of valid UTF-8 followed by a NUL (not counted).
 * A byte string (VM_KIND_BYTES) has the same layout with any bytes. */
typedef struct vm_string {
    vm_obj_header_t hdr;
    uint64_t len;
    char bytes[];
} vm_string_t;

#define VM_STRING_LEN_OFFSET   8
#define VM_STRING_BYTES_OFFSET 16

/* Atom: an interned name. Two atoms are equal iff they are the same
 * object. Atoms named by `const.atom` live in the section "vm_atoms" of the
 * objects that use them, one COMDAT copy per name ("vm.atom.<name>"), so
 * the linker keeps one per program; the runtime finds them between
 * __start_vm_atoms and __stop_vm_atoms and interns the rest itself. */
typedef vm_string_t vm_atom_t;
#define VM_ATOM_SECTION       "vm_atoms"
#define VM_ATOM_SYMBOL_PREFIX "vm.atom."

/* Tuple: aux = number of items. */
typedef struct vm_tuple {
    vm_obj_header_t hdr;
    vm_val_t items[];
} vm_tuple_t;
#define VM_TUPLE_ITEMS_OFFSET 8

/* Array: items[0 .. len) live, capacity cap; items is a separate
 * allocation so the array keeps its identity when it grows. */
typedef struct vm_array {
    vm_obj_header_t hdr;
    uint64_t len;
    uint64_t cap;
    vm_val_t *items;
} vm_array_t;
#define VM_ARRAY_LEN_OFFSET   8
#define VM_ARRAY_ITEMS_OFFSET 24

/* Function value: aux = arity (the number of arguments a call passes).
 * `code` has the uniform prototype of abi/context.h. A closure carries
 * ncaptures values that the callee's prologue copies into its capture
 * registers (it finds the closure in ctx->self). Function references
 * without captures are emitted as static objects. */
typedef struct vm_func {
    vm_obj_header_t hdr;
    void *code;
    const struct vm_func_desc *desc;
    uint64_t ncaptures;
    vm_val_t captures[];
} vm_func_t;
#define VM_FUNC_CODE_OFFSET     8
#define VM_FUNC_CAPTURES_OFFSET 32

_Static_assert(sizeof(vm_val_t) == 8, "a val is one 64-bit word");
_Static_assert(sizeof(vm_obj_header_t) == 8, "object header is 8 bytes");
_Static_assert(__builtin_offsetof(vm_obj_header_t, kind) == VM_OBJ_KIND_OFFSET, "kind at byte 0");
_Static_assert(__builtin_offsetof(vm_float_t, value) == VM_FLOAT_VALUE_OFFSET, "float layout");
_Static_assert(__builtin_offsetof(vm_string_t, len) == VM_STRING_LEN_OFFSET, "string layout");
_Static_assert(__builtin_offsetof(vm_string_t, bytes) == VM_STRING_BYTES_OFFSET, "string layout");
_Static_assert(__builtin_offsetof(vm_tuple_t, items) == VM_TUPLE_ITEMS_OFFSET, "tuple layout");
_Static_assert(__builtin_offsetof(vm_array_t, len) == VM_ARRAY_LEN_OFFSET, "array layout");
_Static_assert(__builtin_offsetof(vm_array_t, items) == VM_ARRAY_ITEMS_OFFSET, "array layout");
_Static_assert(__builtin_offsetof(vm_func_t, code) == VM_FUNC_CODE_OFFSET, "func layout");
_Static_assert(__builtin_offsetof(vm_func_t, captures) == VM_FUNC_CAPTURES_OFFSET, "func layout");
_Static_assert((VM_NIL & VM_TAG_MASK) == VM_TAG_IMM && (VM_TRUE & VM_TAG_INT_MASK) == 0,
               "immediates are tagged 010");
_Static_assert(VM_INT_MAX == (INT64_MAX >> 1) && VM_INT_MIN == (INT64_MIN >> 1),
               "small ints are 63-bit");

#endif
