/* compiler/target.h — supported targets, normalised in one place. */
#ifndef VMCC_TARGET_H
#define VMCC_TARGET_H

#include <stdbool.h>

#include <llvm-c/TargetMachine.h>

typedef struct target_info {
    const char *name;        /* canonical, the runtime folder: "x86_64-linux-gnu" */
    const char *llvm_triple; /* "x86_64-unknown-linux-gnu" */
    const char *cpu;         /* default CPU */
    const char *features;    /* default features */
    const char *abi;         /* target ABI name, or "" */
    const char *sp_register; /* stack pointer, for llvm.read_register */
    unsigned elf_machine;    /* e_machine of its ELF objects */
    const char *static_flag; /* the linker driver's flag for --static */
    int c_int_ext;           /* how the C calling convention widens small ints: C_EXT_* */
} target_info_t;

/* Integer arguments and results narrower than a register, in the target's
 * C calling convention (what clang marks signext/zeroext):
 *   C_EXT_NONE   none (AAPCS64: the callee widens what it reads);
 *   C_EXT_SMALL  8- and 16-bit ints by their signedness (x86-64 SysV);
 *   C_EXT_RV64   as C_EXT_SMALL, and 32-bit ints always sign-extended,
 *                signed or not (RISC-V LP64). */
enum { C_EXT_NONE, C_EXT_SMALL, C_EXT_RV64 };

/* What a target machine is made for: a target and, optionally, a CPU and
 * features other than its defaults. */
typedef struct target_cfg {
    const target_info_t *t;
    const char *cpu;      /* NULL: t->cpu; "native": this machine's (host only) */
    const char *features; /* NULL or "+a,-b": added after t->features */
} target_cfg_t;

/* The target a spelling names ("arm64", "aarch64-linux-gnu", ...), or NULL. */
const target_info_t *target_find(const char *spelling);
const target_info_t *target_host(void);
const target_info_t *target_by_elf_machine(unsigned machine);
/* Every target this vmcc knows, NULL-terminated. */
extern const target_info_t *const target_all[];

/* Checks the CPU and features of `c` against what LLVM knows for the
 * target; reports the first unknown one and returns false. */
bool target_check(const target_cfg_t *c);
/* Prints the CPUs and features of `t` to stdout (--cpu=help); false after
 * an error. */
bool target_print_cpus(const target_info_t *t);
/* A target machine at -O`opt`; NULL (and *err, to free) on failure. */
LLVMTargetMachineRef target_machine(const target_cfg_t *c, int opt, char **err);

#endif
