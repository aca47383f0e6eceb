/* compiler/emit.h — optimisation and output of an LLVM module. */
#ifndef VMCC_EMIT_H
#define VMCC_EMIT_H

#include <stdbool.h>

#include <llvm-c/TargetMachine.h>

typedef enum emit_kind { EMIT_LLVM_IR, EMIT_ASM, EMIT_OBJ } emit_kind_t;

/* Check `mod` (when `verify`), optimise it at -O`opt` for `tm` and write it
 * to `path`. On failure
 * reports "vmcc: error: ..." and returns false. */
bool emit_module(LLVMModuleRef mod, LLVMTargetMachineRef tm, const char *triple, int opt,
                 bool verify, emit_kind_t kind, const char *path);

#endif
