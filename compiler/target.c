/* compiler/target.c — the targets vmcc knows and their LLVM target machines.
 * Code is always position-independent (Debian links PIE by default). */
#include "target.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <llvm-c/Core.h>
#include <llvm-c/Target.h>

#include "util.h"

static const target_info_t x86_64 = {
    "x86_64-linux-gnu", "x86_64-unknown-linux-gnu", "x86-64", "", "", "rsp"};
static const target_info_t aarch64 = {
    "aarch64-linux-gnu", "aarch64-unknown-linux-gnu", "generic", "", "", "sp"};
static const target_info_t riscv64 = {"riscv64-linux-gnu",
                                      "riscv64-unknown-linux-gnu",
                                      "generic-rv64",
                                      "+m,+a,+f,+d,+c",
                                      "lp64d",
                                      "sp"};
const target_info_t *const target_all[] = {&x86_64, &aarch64, &riscv64, NULL};

/* Architecture spellings -> target. */
static const struct {
    const char *arch;
    const target_info_t *t;
} arch_names[] = {
    {"x86_64", &x86_64}, {"amd64", &x86_64},    {"x86-64", &x86_64},     {"aarch64", &aarch64},
    {"arm64", &aarch64}, {"riscv64", &riscv64}, {"riscv64gc", &riscv64},
};

const target_info_t *target_find(const char *s)
{
    /* <arch>[-<vendor>]-linux[-gnu] or a bare <arch>. */
    const char *dash = strchr(s, '-');
    size_t alen = dash ? (size_t)(dash - s) : strlen(s);
    const target_info_t *t = NULL;
    for (size_t i = 0; i < sizeof arch_names / sizeof arch_names[0]; i++)
        if (strlen(arch_names[i].arch) == alen && strncmp(s, arch_names[i].arch, alen) == 0)
            t = arch_names[i].t;
    if (!t || !dash)
        return t;
    const char *rest = dash + 1;
    static const char *const vendors[] = {"unknown-", "pc-", ""};
    for (size_t v = 0; v < 3; v++) {
        size_t vl = strlen(vendors[v]);
        if (strncmp(rest, vendors[v], vl) != 0)
            continue;
        const char *os = rest + vl;
        if (strcmp(os, "linux") == 0 || strcmp(os, "linux-gnu") == 0)
            return t;
    }
    return NULL;
}

const target_info_t *target_host(void)
{
    char *triple = LLVMGetDefaultTargetTriple();
    const target_info_t *t = target_find(triple);
    if (!t) /* e.g. a distribution vendor field: match the architecture */
        for (size_t i = 0; target_all[i] && !t; i++) {
            size_t n = strcspn(target_all[i]->name, "-");
            if (strncmp(triple, target_all[i]->name, n) == 0 && triple[n] == '-')
                t = target_all[i];
        }
    LLVMDisposeMessage(triple);
    return t;
}

static void init_llvm_targets(void)
{
    static bool done;
    if (done)
        return;
    done = true;
    LLVMInitializeX86TargetInfo();
    LLVMInitializeX86Target();
    LLVMInitializeX86TargetMC();
    LLVMInitializeX86AsmPrinter();
    LLVMInitializeAArch64TargetInfo();
    LLVMInitializeAArch64Target();
    LLVMInitializeAArch64TargetMC();
    LLVMInitializeAArch64AsmPrinter();
    LLVMInitializeRISCVTargetInfo();
    LLVMInitializeRISCVTarget();
    LLVMInitializeRISCVTargetMC();
    LLVMInitializeRISCVAsmPrinter();
}

LLVMTargetMachineRef target_machine(const target_info_t *t, int opt, char **err)
{
    init_llvm_targets();
    LLVMTargetRef target;
    if (LLVMGetTargetFromTriple(t->llvm_triple, &target, err))
        return NULL;
    LLVMTargetMachineOptionsRef o = LLVMCreateTargetMachineOptions();
    LLVMTargetMachineOptionsSetCPU(o, t->cpu);
    LLVMTargetMachineOptionsSetFeatures(o, t->features);
    if (t->abi[0])
        LLVMTargetMachineOptionsSetABI(o, t->abi);
    LLVMTargetMachineOptionsSetRelocMode(o, LLVMRelocPIC);
    LLVMTargetMachineOptionsSetCodeGenOptLevel(o, opt == 0   ? LLVMCodeGenLevelNone
                                                  : opt == 1 ? LLVMCodeGenLevelLess
                                                  : opt == 2 ? LLVMCodeGenLevelDefault
                                                             : LLVMCodeGenLevelAggressive);
    LLVMTargetMachineRef tm = LLVMCreateTargetMachineWithOptions(target, t->llvm_triple, o);
    LLVMDisposeTargetMachineOptions(o);
    if (!tm)
        *err = xstrdup("cannot create a target machine");
    return tm;
}
