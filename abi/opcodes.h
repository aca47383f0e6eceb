/*
 * abi/opcodes.h — the opcode enum and the flags used by abi/opcodes.def,
 * and the classes and encodings of its operand letters (abi/operands.def).
 * Readers of either table include this header and then define only the
 * X() columns they need.
 *
 * Binary encoding of one instruction (docs/bytecode.md, "Code"):
 *
 *   +--------+-----------+-----------+-----+
 *   | opcode | operand 1 | operand 2 | ... |    opcode: 1 byte
 *   +--------+-----------+-----------+-----+
 *
 * each operand as the ENCODING column of its letter's row says:
 *
 *   i f v r  register index        ULEB128
 *   L        target instruction    ULEB128 (index in the function)
 *   K        i64 literal           SLEB128
 *   D        f64 literal           8 bytes, IEEE 754, little-endian
 *   S        string                ULEB128 index into the string table
 *   F        function              ULEB128 index into the function table
 *   B        builtin               ULEB128 index into the string table (its name)
 *   *        register list         ULEB128 count, then that many indices
 */
#ifndef VM_ABI_OPCODES_H
#define VM_ABI_OPCODES_H

/* OPF_TERM:  ends a basic block (no fall-through).
 * OPF_RAISE: may raise an error by itself (calls raise when their callee
 *            or builtin may: compiler/lower.c works that out). */
enum { OPF_TERM = 1, OPF_RAISE = 2 };

typedef enum vm_opcode {
#define X(id, mn, ops, ndef, flags, fam, doc) OP_##id,
#include "opcodes.def"
#undef X
    OP_COUNT
} vm_opcode_t;

_Static_assert(OP_COUNT <= 256, "an opcode is encoded in one byte");

/* The longest operand string in the table; readers size arrays with it. */
#define VM_MAX_FIXED_OPERANDS 4

/* What an operand is: the CLASS column of abi/operands.def. */
typedef enum vm_opnd_class {
    OPK_NONE,    /* not an operand letter */
    OPK_REG,     /* a register: i f v r */
    OPK_LABEL,   /* a jump target: L */
    OPK_INT,     /* an i64 literal: K */
    OPK_FLOAT,   /* an f64 literal: D */
    OPK_STRING,  /* a string literal: S */
    OPK_FUNC,    /* a function of the module: F */
    OPK_BUILTIN, /* a builtin, by name: B */
    OPK_CFUNC,   /* a C function of the module (extern or callback): X */
    OPK_ARGS,    /* zero or more registers, always last: * */
} vm_opnd_class_t;

/* How an operand is encoded in binary code: the ENCODING column. */
typedef enum vm_opnd_enc {
    OPE_NONE, /* not an operand letter */
    OPE_ULEB, /* ULEB128 index */
    OPE_SLEB, /* SLEB128 */
    OPE_F64,  /* 8 bytes, IEEE 754, little-endian */
    OPE_STR,  /* ULEB128 index into the string table */
    OPE_LIST, /* ULEB128 count, then that many ULEB128 register indices */
} vm_opnd_enc_t;

/* ---- the C types of the FFI (abi/ctypes.def) ---- */
typedef enum vm_ctype {
#define X(id, name, reg, bits, sign, cls) VM_CT_##id,
#include "ctypes.def"
#undef X
    VM_CT_COUNT
} vm_ctype_t;

/* The CLASS column. */
typedef enum vm_ctype_class {
    CT_VOID,
    CT_INT,
    CT_FLOAT,
    CT_PTR,
    CT_VAL,
    CT_CSTR,
    CT_BUF,
} vm_ctype_class_t;

/* Flags of a C function declaration (binary: the CFUNCS section). */
enum {
    VM_CF_CALLBACK = 1, /* defined here: a C entry point into a bytecode function */
    VM_CF_EXPORTED = 2, /* a callback with a global C symbol of its name */
    VM_CF_BLOCKING = 4, /* an extern run in the blocking pool */
    VM_CF_VARIADIC = 8, /* an extern taking more arguments after its parameters (...) */
};

#endif
