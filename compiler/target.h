/* compiler/target.h — supported targets, normalised in one place. */
#ifndef VMCC_TARGET_H
#define VMCC_TARGET_H

#include <llvm-c/TargetMachine.h>

typedef struct target_info {
    const char *name;        /* canonical, the runtime folder: "x86_64-linux-gnu" */
    const char *llvm_triple; /* "x86_64-unknown-linux-gnu" */
    const char *cpu;         /* default CPU */
    const char *features;    /* default features */
    const char *abi;         /* target ABI name, or "" */
    const char *sp_register; /* stack pointer, for llvm.read_register */
} target_info_t;

/* The target a spelling names ("arm64", "aarch64-linux-gnu", ...), or NULL. */
const target_info_t *target_find(const char *spelling);
const target_info_t *target_host(void);
/* A target machine at -O`opt`; NULL (and *err, to free) on failure. */
LLVMTargetMachineRef target_machine(const target_info_t *t, int opt, char **err);
/* Every target this vmcc knows, NULL-terminated. */
extern const target_info_t *const target_all[];

#endif
