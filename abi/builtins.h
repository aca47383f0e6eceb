/*
 * abi/builtins.h — effect flags of abi/builtins.def and, for the runtime,
 * the C prototype of every builtin generated from the table.
 */
#ifndef VM_ABI_BUILTINS_H
#define VM_ABI_BUILTINS_H

#include "context.h"

enum vm_effect {
    EF_NONE = 0,
    EF_ALLOC = 1 << 0,
    EF_RAISE = 1 << 1,
    EF_YIELD = 1 << 2,
    EF_NORETURN = 1 << 3,
    EF_INTERNAL = 1 << 4,
};

typedef enum vm_builtin_id {
#define X(id, name, ret, p1, p2, p3, p4, eff, doc) VM_BUILTIN_##id,
#include "builtins.def"
#undef X
    VM_BUILTIN_COUNT
} vm_builtin_id_t;

typedef enum vm_trap_code {
#define X(id, reason, msg) VM_TRAP_##id,
#include "traps.def"
#undef X
    VM_TRAP_COUNT
} vm_trap_code_t;

/* C types of the table's type names. */
#define VM_CTYPE_VOID void
#define VM_CTYPE_I64  int64_t
#define VM_CTYPE_F64  double
#define VM_CTYPE_VAL  vm_val_t
#define VM_CPARAM_NONE
#define VM_CPARAM_I64 , int64_t
#define VM_CPARAM_F64 , double
#define VM_CPARAM_VAL , vm_val_t

#define X(id, name, ret, p1, p2, p3, p4, eff, doc)                                                 \
    VM_CTYPE_##ret vm_##id(                                                                        \
        vm_ctx_t *ctx VM_CPARAM_##p1 VM_CPARAM_##p2 VM_CPARAM_##p3 VM_CPARAM_##p4);
#include "builtins.def"
#undef X

#endif
