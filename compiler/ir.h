/*
 * compiler/ir.h — a bytecode module in memory, as the assembler and the
 * binary reader produce it and the verifier, writer, disassembler and
 * lowering consume it. Instructions keep the operand letters of
 * abi/opcodes.def; see docs/bytecode.md.
 */
#ifndef VMCC_IR_H
#define VMCC_IR_H

#include <stdbool.h>
#include <stdint.h>

#include "../abi/context.h"
#include "../abi/opcodes.h"
#include "util.h"

/* Version of the module format this vmcc reads and writes. */
#define VM_FORMAT_VERSION 2

/* Register and return types; the numbers are the binary encoding. */
typedef enum vm_type {
    TY_I64 = 0,
    TY_F64 = 1,
    TY_VAL = 2,
    TY_VOID = 3, /* return type only */
} vm_type_t;
const char *type_name(vm_type_t t);

/* Limits the reader and the verifier enforce (docs/bytecode.md, "Limits"). */
#define VM_MAX_REGS    65536u
#define VM_MAX_PARAMS  ((uint32_t)VM_MAX_CALL_ARGS)
#define VM_MAX_INSTRS  (1u << 24)
#define VM_MAX_FUNCS   (1u << 20)
#define VM_MAX_STRINGS (1u << 24)
#define VM_MAX_DEPS    (1u << 16)
#define VM_MAX_CFUNCS  (1u << 20)

/* Where something came from: line/col in a text file, byte offset in a
 * binary one. line == 0 means "use offset". */
typedef struct src_loc {
    uint32_t line, col;
    uint64_t offset;
} src_loc_t;

typedef union operand {
    uint32_t idx; /* register, label target, string, function */
    int64_t i;    /* K */
    double f;     /* D */
} operand_t;

typedef struct instr {
    uint8_t op;
    uint32_t nargs; /* length of args (the '*' operand) */
    operand_t fixed[VM_MAX_FIXED_OPERANDS];
    uint32_t *args;
    uint32_t line; /* source line for debug info; 0 if unknown */
    src_loc_t loc; /* for diagnostics only; not serialised */
} instr_t;

typedef struct label {
    uint32_t name;   /* string index */
    uint32_t target; /* instruction index (may equal ninstrs: end) */
} label_t;

/* A try region: an error raised by instructions [start, end) goes to the
 * instruction `handler`, which must be a `catch`. */
typedef struct try_region {
    uint32_t start, end, handler;
    src_loc_t loc;
} try_region_t;

typedef struct func {
    uint32_t name; /* string index; "module.func" for an import */
    bool exported;
    bool imported; /* declared only: defined by another module */
    vm_type_t ret;
    uint32_t nparams;   /* parameters are registers 0 .. nparams-1 */
    uint32_t ncaptures; /* then captures: registers nparams .. + ncaptures-1 */
    uint32_t nregs;
    uint8_t *reg_types;
    uint32_t *reg_names; /* string index + 1; 0 = unnamed (debug) */
    uint32_t ninstrs;
    instr_t *code;
    uint32_t ntries; /* try regions; the first that covers an instruction wins */
    try_region_t *tries;
    uint32_t nlabels; /* debug: label names */
    label_t *labels;
    uint32_t line; /* debug: line of the header */
    src_loc_t loc;
} func_t;

/* A dependency the module declares (`.dep NAME: KIND`, docs/di.md). */
typedef struct dep {
    uint32_t name; /* string index: a name abi/di.h accepts */
    uint32_t kind; /* string index: a kind abi/di.h parses */
    uint32_t line; /* debug: logical line of the directive; 0 if unknown */
    src_loc_t loc;
} dep_t;

/* A C function the module names (docs/ffi.md): an extern, defined in C,
 * or a callback, a C entry point the module defines into one of its
 * bytecode functions. */
typedef struct cfunc {
    uint32_t name; /* string index: the C symbol (a callback's, if exported) */
    uint8_t flags; /* VM_CF_* (abi/opcodes.h) */
    uint8_t ret;   /* vm_ctype_t */
    uint32_t nparams;
    uint8_t *params; /* vm_ctype_t each */
    uint32_t target; /* a callback's bytecode function (index in funcs) */
    uint32_t line;   /* debug: logical line of the declaration */
    src_loc_t loc;
} cfunc_t;

typedef struct vstr {
    const char *s; /* NUL-terminated; may contain NULs inside (len counts) */
    uint32_t len;
} vstr_t;

typedef struct module {
    arena_t arena;
    const char *path; /* input path, for diagnostics */
    bool from_text;
    const uint8_t *text; /* source text (text inputs), for carets */
    size_t text_len;
    uint32_t version;
    uint32_t name; /* string index */
    uint32_t file; /* debug: source file name, string index + 1; 0 = none */
    vstr_t *strs;
    uint32_t nstrs, cap_strs;
    uint32_t *str_index; /* open addressing: string index + 1 */
    uint32_t index_cap;
    func_t *funcs;
    uint32_t nfuncs;
    dep_t *deps; /* in declaration order */
    uint32_t ndeps;
    cfunc_t *cfuncs; /* in declaration order */
    uint32_t ncfuncs;
} module_t;

/* ---- the opcode table, as data ---- */
typedef struct opinfo {
    const char *mnemonic;
    const char *operands; /* letters, see abi/opcodes.def */
    uint8_t ndef;
    uint8_t flags;
    uint8_t nfixed; /* operand letters other than '*' */
    bool varargs;   /* ends with '*' */
} opinfo_t;
extern opinfo_t op_info[OP_COUNT];               /* read-only after start-up */
int op_lookup(const char *mnemonic, size_t len); /* -1 if none */

/* ---- the operand letters, as data (abi/operands.def) ---- */
typedef struct opndinfo {
    uint8_t cls;          /* vm_opnd_class_t; OPK_NONE: not a letter of the table */
    uint8_t enc;          /* vm_opnd_enc_t */
    uint8_t type;         /* OPK_REG: the register's vm_type_t; TY_VOID: any type */
    const char *expected; /* the assembler's "expected ..." */
} opndinfo_t;
extern const opndinfo_t opnd_info[256]; /* indexed by letter */
static inline const opndinfo_t *opnd_of(char letter)
{
    return &opnd_info[(unsigned char)letter];
}

/* ---- the C types of the FFI, as data (abi/ctypes.def) ---- */
typedef struct ctypeinfo {
    const char *name;
    vm_type_t reg; /* the register type a value travels in (TY_VOID: void) */
    uint8_t bits;
    bool is_signed;
    uint8_t cls; /* vm_ctype_class_t */
} ctypeinfo_t;
extern const ctypeinfo_t ctype_info[VM_CT_COUNT];
int ctype_lookup(const char *name, size_t len); /* -1 if none */

/* ---- builtins, as data ---- */
typedef struct builtin_info {
    const char *name; /* as `callb` names it */
    const char *csym; /* vm_<id> */
    vm_type_t ret;
    uint8_t nparams;
    vm_type_t params[4];
    unsigned effects;
} builtin_info_t;
extern const builtin_info_t builtin_info[];
extern const unsigned builtin_count;
const builtin_info_t *builtin_lookup(const char *name, size_t len);

/* ---- strings ---- */
uint32_t mod_intern(module_t *m, const char *s, size_t len);
static inline const char *mod_str(const module_t *m, uint32_t i)
{
    return m->strs[i].s;
}

module_t *module_new(const char *path);
void module_free(module_t *m);

bool is_identifier(const char *s, size_t len, bool allow_dots);

#endif
