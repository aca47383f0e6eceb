/*
 * abi/opcodes.h — the opcode enum and the flags and letters used by
 * abi/opcodes.def. Readers of the table include this header and then define
 * only the X() columns they need.
 *
 * Binary encoding of one instruction (docs/bytecode.md, "Code"):
 *
 *   +--------+-----------+-----------+-----+
 *   | opcode | operand 1 | operand 2 | ... |    opcode: 1 byte
 *   +--------+-----------+-----------+-----+
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

#endif
